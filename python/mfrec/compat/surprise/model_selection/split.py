"""Cross-validation iterators and ``train_test_split`` (Surprise's, same random-state rules:
the same ``random_state`` gives the same splits as Surprise on the same data)."""

from __future__ import annotations

import numbers
from collections import defaultdict
from math import ceil, floor

import numpy as np

from ..utils import get_rng, no_gc

__all__ = ["KFold", "LeaveOneOut", "PredefinedKFold", "RepeatedKFold", "ShuffleSplit",
           "get_cv", "train_test_split"]


def get_cv(cv):
    """A splitter from ``cv``: None → 5-fold, an int → that many folds, else the object."""
    if cv is None:
        return KFold(n_splits=5)
    if isinstance(cv, numbers.Integral):
        return KFold(n_splits=cv)
    if hasattr(cv, "split") and not isinstance(cv, str):
        return cv
    raise ValueError("Wrong CV object. Expecting None, an int or CV iterator, got a "
                     f"{type(cv)}")


class _Encoded:
    """The ratings of a data set as arrays, made once per ``split()`` call: global codes of
    the raw ids by first appearance, the ratings, and the raw values for the test tuples.
    The folds are then cut with numpy, and ``AlgoBase.test`` maps a fold's test pairs to
    inner ids by array lookups (the codes travel with the test list)."""

    def __init__(self, raw):
        with no_gc():
            self._encode(raw)

    def _encode(self, raw):
        cols = list(zip(*raw))
        self.users, self.items = (list(dict.fromkeys(cols[0])), list(dict.fromkeys(cols[1])))
        codes_u = {x: k for k, x in enumerate(self.users)}
        codes_i = {x: k for k, x in enumerate(self.items)}
        n = len(raw)
        self.gu = np.fromiter(map(codes_u.__getitem__, cols[0]), np.int64, count=n)
        self.gi = np.fromiter(map(codes_i.__getitem__, cols[1]), np.int64, count=n)
        self.ratings = np.asarray(cols[2], dtype=np.float64)
        self.obj = [_objects(self.users), _objects(self.items), _objects(cols[2])]

    def inner(self, g: np.ndarray, n_global: int, raw_ids: np.ndarray):
        """Inner ids of the codes ``g`` by first appearance, the code → inner table, and the
        raw → inner dict."""
        first = np.full(n_global, len(g), dtype=np.int64)
        first[g[::-1]] = np.arange(len(g) - 1, -1, -1)  # the last write, the first position
        present = np.flatnonzero(first < len(g))
        order = present[np.argsort(first[present], kind="stable")]
        table = np.full(n_global, -1, dtype=np.int64)
        table[order] = np.arange(len(order))
        return table[g], table, dict(zip(raw_ids[order].tolist(), range(len(order))))

    def pair(self, data, train_idx, test_idx):
        with no_gc():
            return self._pair(data, train_idx, test_idx)

    def _pair(self, data, train_idx, test_idx):
        from ..trainset import Trainset

        train_idx, test_idx = np.asarray(train_idx), np.asarray(test_idx)
        gu, gi = self.gu[train_idx], self.gi[train_idx]
        u, table_u, users = self.inner(gu, len(self.users), self.obj[0])
        i, table_i, items = self.inner(gi, len(self.items), self.obj[1])
        trainset = Trainset._from_arrays(u, i, self.ratings[train_idx],
                                         data.reader.rating_scale, users, items)
        trainset._codes = (self, table_u, table_i)
        tu, ti = self.gu[test_idx], self.gi[test_idx]
        cols = (self.obj[0][tu].tolist(), self.obj[1][ti].tolist(),
                self.obj[2][test_idx].tolist())
        testset = _Testset(zip(*cols))
        testset._codes = (self, tu, ti, cols, list(testset))  # the last: to detect edits
        return trainset, testset


class _Testset(list):
    """A test set (a plain list of ``(user, item, rating)`` tuples) that also carries the
    codes of its pairs; ``AlgoBase.test`` uses them only while the list is unchanged."""

    _codes = None


def _objects(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _encoder(data):
    """An _Encoded of ``data``'s ratings, or None where the plain path must run (a data set
    class of a user's own, ids that are not hashable, ...)."""
    from ..dataset import Dataset, DatasetAutoFolds

    if (not isinstance(data, DatasetAutoFolds) or not data.raw_ratings
            or type(data).construct_trainset is not Dataset.construct_trainset
            or type(data).construct_testset is not Dataset.construct_testset):
        return None
    try:
        return _Encoded(data.raw_ratings)
    except (TypeError, ValueError):
        return None


def _pair(data, train_idx, test_idx, enc=None):
    if enc is not None:
        return enc.pair(data, train_idx, test_idx)
    raw = data.raw_ratings

    def take(idx):
        idx = np.fromiter(idx, np.int64) if not isinstance(idx, np.ndarray) else idx
        return list(map(raw.__getitem__, idx.tolist()))

    return data.construct_trainset(take(train_idx)), data.construct_testset(take(test_idx))


class KFold:
    """K folds of the ratings; each fold the test set once, the rest the training set.

    Parameters
    ----------
    n_splits : int, default 5
    random_state : None, int or RandomState
        Shuffling seed (None: numpy's global state).
    shuffle : bool, default True
    """

    def __init__(self, n_splits=5, random_state=None, shuffle=True):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, data):
        """Yield ``(trainset, testset)`` pairs."""
        n = len(data.raw_ratings)
        if self.n_splits > n or self.n_splits < 2:
            raise ValueError(f"Incorrect value for n_splits={n}. Must be >=2 and less than "
                             "the number of ratings")
        order = np.arange(n)
        if self.shuffle:
            get_rng(self.random_state).shuffle(order)
        stop = 0
        enc = _encoder(data)
        for fold in range(self.n_splits):
            start = stop
            stop = start + n // self.n_splits + (1 if fold < n % self.n_splits else 0)
            yield _pair(data, np.concatenate([order[:start], order[stop:]]),
                        order[start:stop], enc)

    def get_n_folds(self):
        return self.n_splits


class RepeatedKFold:
    """``n_repeats`` runs of K-fold, each with a different shuffle."""

    def __init__(self, n_splits=5, n_repeats=10, random_state=None):
        self.n_repeats = n_repeats
        self.random_state = random_state
        self.n_splits = n_splits

    def split(self, data):
        """Yield ``(trainset, testset)`` pairs."""
        rng = get_rng(self.random_state)
        for _ in range(self.n_repeats):
            yield from KFold(n_splits=self.n_splits, random_state=rng, shuffle=True).split(data)

    def get_n_folds(self):
        return self.n_repeats * self.n_splits


class ShuffleSplit:
    """Random train/test splits (a test set of ``test_size`` ratings, a training set of
    ``train_size``; fractions or counts)."""

    def __init__(self, n_splits=5, test_size=0.2, train_size=None, random_state=None,
                 shuffle=True):
        if n_splits <= 0:
            raise ValueError(f"n_splits = {n_splits} should be strictly greater than 0.")
        if test_size is not None and test_size <= 0:
            raise ValueError(f"test_size={test_size} should be strictly greater than 0")
        if train_size is not None and train_size <= 0:
            raise ValueError(f"train_size={train_size} should be strictly greater than 0")
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state
        self.shuffle = shuffle

    def validate_train_test_sizes(self, test_size, train_size, n_ratings):
        """``(train size, test size)`` as counts, checked against ``n_ratings``."""
        if test_size is not None and test_size >= n_ratings:
            raise ValueError(f"test_size={test_size} should be less than the number of "
                             f"ratings {n_ratings}")
        if train_size is not None and train_size >= n_ratings:
            raise ValueError(f"train_size={train_size} should be less than the number of "
                             f"ratings {n_ratings}")
        if np.asarray(test_size).dtype.kind == "f":
            test_size = ceil(test_size * n_ratings)
        if train_size is None:
            train_size = n_ratings - test_size
        elif np.asarray(train_size).dtype.kind == "f":
            train_size = floor(train_size * n_ratings)
        if test_size is None:
            test_size = n_ratings - train_size
        if train_size + test_size > n_ratings:
            raise ValueError(f"The sum of train_size and test_size ({train_size + test_size}) "
                             f"should be smaller than the number of ratings {n_ratings}.")
        return int(train_size), int(test_size)

    def split(self, data):
        """Yield ``(trainset, testset)`` pairs."""
        n = len(data.raw_ratings)
        n_train, n_test = self.validate_train_test_sizes(self.test_size, self.train_size, n)
        rng = get_rng(self.random_state)
        enc = _encoder(data)
        for _ in range(self.n_splits):
            perm = rng.permutation(n) if self.shuffle else np.arange(n)
            yield _pair(data, perm[:n_train], perm[n_train:n_train + n_test], enc)

    def get_n_folds(self):
        return self.n_splits


def train_test_split(data, test_size=0.2, train_size=None, random_state=None, shuffle=True):
    """One ``(trainset, testset)`` split (a ShuffleSplit of one)."""
    ss = ShuffleSplit(n_splits=1, test_size=test_size, train_size=train_size,
                      random_state=random_state, shuffle=shuffle)
    return next(ss.split(data))


class LeaveOneOut:
    """Per user with more than ``min_n_ratings`` ratings, one random rating to the test set."""

    def __init__(self, n_splits=5, random_state=None, min_n_ratings=0):
        self.n_splits = n_splits
        self.random_state = random_state
        self.min_n_ratings = min_n_ratings

    def split(self, data):
        """Yield ``(trainset, testset)`` pairs."""
        by_user = defaultdict(list)
        for uid, iid, r, _ in data.raw_ratings:
            by_user[uid].append((uid, iid, r, None))
        rng = get_rng(self.random_state)
        for _ in range(self.n_splits):
            train, test = [], []
            for ratings in by_user.values():
                if len(ratings) > self.min_n_ratings:
                    k = rng.randint(0, len(ratings))
                    test.append(ratings[k])
                    train += ratings[:k] + ratings[k + 1:]
            if not train:
                raise ValueError("Could not build any trainset. Maybe min_n_ratings is too "
                                 "high?")
            yield data.construct_trainset(train), data.construct_testset(test)

    def get_n_folds(self):
        return self.n_splits


class PredefinedKFold:
    """The folds of a data set loaded with ``Dataset.load_from_folds``."""

    def split(self, data):
        """Yield ``(trainset, testset)`` pairs, one per ``(train file, test file)``."""
        self.n_splits = len(data.folds_files)
        for train_file, test_file in data.folds_files:
            yield (data.construct_trainset(data.read_ratings(train_file)),
                   data.construct_testset(data.read_ratings(test_file)))

    def get_n_folds(self):
        return self.n_splits
