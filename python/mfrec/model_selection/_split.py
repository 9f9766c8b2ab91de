"""Splits of interactions into (train, test): random, per user, leave-k-out, temporal,
and the cross-validation iterators KFold and ShuffleSplit."""

from __future__ import annotations

import datetime as _dt
import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._input import as_interactions
from .._validation import check_int, check_random_state, plain
from ..interactions import Interactions

if TYPE_CHECKING:
    from typing import Any, Protocol, TypeAlias

    from .._input import InteractionsLike, Seed

    class _Splits(Protocol):
        def split(self, data: Interactions) -> Iterable[tuple[Any, Any]]: ...

    # ``cv``: a number of folds, an object with ``split(data)``, or the (train, test) pairs
    # themselves (Interactions or index arrays into the canonical order).
    CVLike: TypeAlias = "int | _Splits | Iterable[tuple[Any, Any]] | None"


def _n_test(test_size, n: int) -> int:
    if isinstance(test_size, bool):
        raise TypeError("test_size must be a float in (0, 1) or a positive int")
    if isinstance(test_size, numbers.Integral):
        if not 0 < test_size < n:
            raise ValueError(f"test_size={test_size} must be in [1, {n - 1}] for {n} interactions")
        return int(test_size)
    if isinstance(test_size, numbers.Real):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"test_size as a fraction must be in (0, 1), got {test_size}")
        n_test = int(round(test_size * n))
        if not 0 < n_test < n:
            raise ValueError(f"test_size={test_size} leaves an empty train or test set "
                             f"with {n} interactions")
        return n_test
    raise TypeError(f"test_size must be a float in (0, 1) or a positive int, got {test_size!r}")


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float in (0, 1), got {value!r}")
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {value}")
    return float(value)


def _split_by_mask(data: Interactions, test_mask: np.ndarray, what: str):
    """(train, test) from a boolean test mask; an empty part is an error naming ``what``."""
    n_test = int(np.count_nonzero(test_mask))
    if n_test == 0:
        raise ValueError(f"{what} puts no interaction in the test set")
    if n_test == data.nnz:
        raise ValueError(f"{what} puts every interaction in the test set")
    return data.subset(~test_mask), data.subset(test_mask)


def _segment_ranks(data: Interactions, order: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each interaction within its user, given ``order``.

    ``order`` is a permutation of the interactions that groups them by user in increasing
    inner-id order (as a sort by (user, key) does); the rank is the position inside the
    user's group.
    """
    ranks = np.empty(data.nnz, dtype=np.int64)
    ranks[order] = np.arange(data.nnz, dtype=np.int64) - data.indptr[data.user_index[order]]
    return ranks


def _random_ranks(data: Interactions, rng: np.random.Generator) -> np.ndarray:
    """Position of each interaction in a uniformly random order of its user's interactions.

    One sort of the 64-bit key ``user << 32 | random32`` (stable, so the rare equal keys
    fall back to the canonical order and the result is the same on every platform).
    """
    noise = rng.integers(0, 2**32, size=data.nnz, dtype=np.uint64)
    key = (data.user_index.astype(np.uint64) << np.uint64(32)) | noise
    return _segment_ranks(data, np.argsort(key, kind="stable"))


def train_test_split(data: InteractionsLike, test_size: float | int = 0.2,
                     random_state: Seed = None) -> tuple[Interactions, Interactions]:
    """Random split of the interactions into (train, test).

    Both parts keep the parent's id maps, so users or items that land only in the test set
    are *known but cold* for a model fitted on the train part.

    Parameters
    ----------
    data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
        The interactions to split (validated once, as by ``fit``).
    test_size : float in (0, 1) or int, default 0.2
        Fraction (rounded) or number of interactions in the test set.
    random_state : int, numpy Generator, SeedSequence or None
        Seed of the random choice of test interactions.

    Returns
    -------
    train, test : Interactions
        ``nnz - n_test`` and ``n_test`` interactions.

    Raises
    ------
    ValueError
        ``test_size`` out of range, or leaving an empty train or test set.
    TypeError
        ``test_size`` is neither a float nor an int.

    See Also
    --------
    per_user_split : the same fraction held out from every user.
    """
    data = as_interactions(data, what="data")
    n_test = _n_test(test_size, data.nnz)
    return _random_split(data, n_test, check_random_state(random_state))


def _random_split(data: Interactions, n_test: int, rng: np.random.Generator):
    mask = np.zeros(data.nnz, dtype=bool)
    mask[rng.permutation(data.nnz)[:n_test]] = True  # a mask: subset then needs no sort
    return data.subset(~mask), data.subset(mask)


def per_user_split(data: InteractionsLike, test_size: float = 0.2, random_state: Seed = None,
                   min_interactions: int = 3) -> tuple[Interactions, Interactions]:
    """Hold out the same fraction of every user's interactions.

    Each user's interactions are put in a random order and the first
    ``round(test_size * n_u)`` go to the test set (Python's ``round``: halves to even), but
    never all of them: the test share is capped at ``n_u - 1`` so that every user keeps at
    least one training interaction. Users with fewer than ``min_interactions`` interactions
    keep them all in the training set.

    Parameters
    ----------
    data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
        The interactions to split (validated once, as by ``fit``).
    test_size : float in (0, 1), default 0.2
        Fraction of each user's interactions held out.
    random_state : int, numpy Generator, SeedSequence or None
        Seed of the random order within each user.
    min_interactions : int, default 3
        Users with fewer interactions contribute nothing to the test set.

    Returns
    -------
    train, test : Interactions
        Both keep the parent's id maps.

    Raises
    ------
    ValueError
        If ``test_size`` is not in (0, 1), or no user contributes a test interaction.

    Examples
    --------
    >>> data = mfrec.datasets.synthetic(300, 200, 6000, random_state=1)
    >>> train, test = per_user_split(data, test_size=0.2, random_state=0)
    """
    data = as_interactions(data, what="data")
    test_size = _check_fraction(test_size, "test_size")
    min_interactions = check_int(min_interactions, "min_interactions", min_value=1)
    counts = data.user_counts()
    n_test = np.minimum(np.round(test_size * counts).astype(np.int64), counts - 1)
    n_test[counts < min_interactions] = 0
    np.maximum(n_test, 0, out=n_test)
    ranks = _random_ranks(data, check_random_state(random_state))
    return _split_by_mask(data, ranks < n_test[data.user_index],
                          f"per_user_split(test_size={test_size}, "
                          f"min_interactions={min_interactions})")


def leave_k_out(data: InteractionsLike, k: int = 1, random_state: Seed = None,
                min_train: int = 1) -> tuple[Interactions, Interactions]:
    """Hold out ``k`` random interactions of every user.

    Users with fewer than ``k + min_train`` interactions keep all of them in the training
    set (they contribute nothing to the test set), so every user that is evaluated has at
    least ``min_train`` training interactions.

    Parameters
    ----------
    data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
        The interactions to split (validated once, as by ``fit``).
    k : int, default 1
        Number of test interactions per user (leave-one-out with ``k=1``).
    random_state : int, numpy Generator, SeedSequence or None
        Seed of the random choice within each user.
    min_train : int, default 1
        Minimum number of training interactions a user must keep to be evaluated. ``0``
        allows users whose interactions all go to the test set (cold in training).

    Returns
    -------
    train, test : Interactions
        Both keep the parent's id maps.

    Raises
    ------
    ValueError
        If ``k < 1``, ``min_train < 0``, or no user has ``k + min_train`` interactions.
    """
    data = as_interactions(data, what="data")
    k = check_int(k, "k", min_value=1)
    min_train = check_int(min_train, "min_train", min_value=0)
    counts = data.user_counts()
    n_test = np.where(counts >= k + min_train, k, 0)
    ranks = _random_ranks(data, check_random_state(random_state))
    return _split_by_mask(data, ranks < n_test[data.user_index],
                          f"leave_k_out(k={k}, min_train={min_train})")


def _as_timestamp(at) -> int | float:
    if isinstance(at, bool):
        raise TypeError(f"at must be a timestamp (int, float or datetime), got {at!r}")
    if isinstance(at, numbers.Real):
        return plain(at)
    if isinstance(at, (np.datetime64, _dt.datetime, _dt.date, str)):
        try:
            return int(np.datetime64(at, "s").astype(np.int64))
        except ValueError as exc:
            raise ValueError(f"at={at!r} is not a valid date/time") from exc
    raise TypeError(f"at must be a timestamp (int, float or datetime), got {at!r}")


def temporal_split(data: InteractionsLike, test_size: float | int | None = None, *,
                   at: float | str | np.datetime64 | _dt.date | None = None,
                   last_n: int | None = None) -> tuple[Interactions, Interactions]:
    """Split by time: the most recent interactions form the test set.

    Exactly one of three modes:

    * ``at``: global cut at a point in time; interactions with ``timestamp >= at`` go to the
      test set.
    * ``test_size``: global cut such that the latest ``test_size`` (fraction, rounded, or
      count) of all interactions go to the test set; every training timestamp is <= every
      test timestamp.
    * ``last_n``: per user, the ``last_n`` most recent interactions go to the test set; users
      with ``last_n`` or fewer interactions keep them all in the training set.

    Ties in timestamps are broken by the canonical order (user, then item inner id): among
    equal timestamps, the later interaction in that order counts as the more recent, so
    the result is deterministic.

    Parameters
    ----------
    data : Interactions
        Must have timestamps.
    test_size : float in (0, 1) or int, optional
        Fraction (rounded) or number of the latest interactions in the test set.
    at : int, float, numpy datetime64, datetime or ISO date string, keyword-only, optional
        Same unit as the data's timestamps (Unix seconds for dates).
    last_n : int >= 1, keyword-only, optional
        Number of each user's latest interactions in the test set.

    Returns
    -------
    train, test : Interactions
        Both keep the parent's id maps.

    Raises
    ------
    ValueError
        If the data have no timestamps, not exactly one mode is given, or a part is empty.
    """
    data = as_interactions(data, what="data")
    given = [name for name, v in (("test_size", test_size), ("at", at), ("last_n", last_n))
             if v is not None]
    if len(given) != 1:
        raise ValueError("temporal_split needs exactly one of test_size, at or last_n; got "
                         + (", ".join(given) if given else "none"))
    if data.timestamps is None:
        raise ValueError("temporal_split needs timestamps, but these interactions have none "
                         "(build them with Interactions(..., timestamps=...))")
    t = data.timestamps
    n = data.nnz
    if at is not None:
        cut = _as_timestamp(at)
        return _split_by_mask(
            data, t >= cut,
            f"temporal_split(at={at!r}) (timestamps range from {t.min()} to {t.max()})")
    if test_size is not None:
        n_test = _n_test(test_size, n)
        n_train = n - n_test
        # O(n): the smallest test timestamp, then the ties at it in canonical order.
        cut = np.partition(t, n_train)[n_train]
        mask = t > cut
        ties = np.flatnonzero(t == cut)
        n_ties_test = n_test - int(np.count_nonzero(mask))
        mask[ties[len(ties) - n_ties_test:]] = True
        return data.subset(~mask), data.subset(mask)
    last_n = check_int(last_n, "last_n", min_value=1)
    counts = data.user_counts()
    t_min, span = int(t.min()), int(t.max()) - int(t.min()) + 1
    if data.n_users * span < 2**63:
        key = data.user_index.astype(np.int64) * span + (t - t_min)
        order = np.argsort(key, kind="stable")
    else:  # timestamps too spread to pack with the user id
        order = np.lexsort((t, data.user_index))
    ranks = _segment_ranks(data, order)
    first_test = np.where(counts > last_n, counts - last_n, np.iinfo(np.int64).max)
    return _split_by_mask(data, ranks >= first_test[data.user_index],
                          f"temporal_split(last_n={last_n})")


# =========================================================================================
# Cross-validation iterators
# =========================================================================================

class _Splitter:
    """Shared parts of the cross-validation iterators."""

    n_splits: int  # set by the subclasses' ``__init__``

    def get_n_splits(self, data: InteractionsLike | None = None) -> int:
        """Number of (train, test) pairs that :meth:`split` yields.

        Parameters
        ----------
        data : ignored
            Accepted for scikit-learn compatibility.

        Returns
        -------
        int
            ``n_splits``.
        """
        return self.n_splits

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class KFold(_Splitter):
    """K-fold cross-validation over interactions.

    Splits the interactions into ``n_splits`` folds of sizes as in scikit-learn (the first
    ``nnz % n_splits`` folds get one more interaction); each fold is the test set once.

    Unlike scikit-learn, ``shuffle`` is True by default: the canonical order of
    :class:`~mfrec.Interactions` is sorted by user, so unshuffled folds would be blocks of
    whole users.

    Parameters
    ----------
    n_splits : int >= 2, default 5
        Number of folds.
    shuffle : bool, default True
        Shuffle the interactions before cutting them into folds.
    random_state : int, numpy Generator, SeedSequence or None
        With an int, every call to :meth:`split` yields the same folds; with a Generator,
        each call draws new folds from it; with None, each call gives new folds.

    Examples
    --------
    >>> for train, test in KFold(5, random_state=0).split(data):
    ...     model = mfrec.FunkSVD().fit(train)
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = True,
                 random_state: Seed = None) -> None:
        self.n_splits = check_int(n_splits, "n_splits", min_value=2)
        self.shuffle = bool(shuffle)
        if not self.shuffle and random_state is not None:
            raise ValueError("setting random_state has no effect when shuffle=False")
        self.random_state = random_state

    def split(self, data: InteractionsLike) -> Iterator[tuple[Interactions, Interactions]]:
        """Yield the ``(train, test)`` :class:`~mfrec.Interactions` pairs.

        Parameters
        ----------
        data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
        The interactions to split (validated once, as by ``fit``).

        Yields
        ------
        train, test : Interactions
            Both keep the parent's id maps.
        """
        data = as_interactions(data, what="data")
        n = data.nnz
        if self.n_splits > n:
            raise ValueError(f"n_splits={self.n_splits} is more than the {n} interactions")
        if self.shuffle:
            order = check_random_state(self.random_state).permutation(n)
        else:
            order = np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        bounds = np.r_[0, np.cumsum(sizes)]
        for start, stop in zip(bounds[:-1], bounds[1:]):
            mask = np.zeros(n, dtype=bool)
            mask[order[start:stop]] = True
            yield data.subset(~mask), data.subset(mask)


class ShuffleSplit(_Splitter):
    """Repeated random train/test splits of the interactions.

    Each of the ``n_splits`` splits is an independent :func:`train_test_split`; test sets of
    different splits may overlap.

    Parameters
    ----------
    n_splits : int >= 1, default 5
        Number of splits.
    test_size : float in (0, 1) or int, default 0.2
        Fraction (rounded) or number of interactions in each test set.
    random_state : int, numpy Generator, SeedSequence or None
        With an int, every call to :meth:`split` yields the same splits.
    """

    def __init__(self, n_splits: int = 5, *, test_size: float | int = 0.2,
                 random_state: Seed = None) -> None:
        self.n_splits = check_int(n_splits, "n_splits", min_value=1)
        if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
            raise TypeError(f"test_size must be a float in (0, 1) or a positive int, "
                            f"got {test_size!r}")
        if not isinstance(test_size, numbers.Integral):
            _check_fraction(test_size, "test_size")
        elif test_size < 1:
            raise ValueError(f"test_size as a count must be >= 1, got {test_size}")
        self.test_size: float | int = test_size
        self.random_state: Seed = random_state

    def split(self, data: InteractionsLike) -> Iterator[tuple[Interactions, Interactions]]:
        """Yield the ``(train, test)`` :class:`~mfrec.Interactions` pairs.

        Parameters
        ----------
        data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
        The interactions to split (validated once, as by ``fit``).

        Yields
        ------
        train, test : Interactions
            Both keep the parent's id maps; test sets of different splits may overlap.
        """
        data = as_interactions(data, what="data")
        n_test = _n_test(self.test_size, data.nnz)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            yield _random_split(data, n_test, rng)


def _check_cv(cv, data: Interactions) -> list:
    """Materialize ``cv`` into a list of (train, test) Interactions pairs."""
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv={cv}: cross-validation needs at least 2 folds")
        cv = KFold(int(cv), shuffle=True)
    if isinstance(cv, (str, bytes)) or isinstance(cv, bool):
        raise TypeError("cv must be an int, an object with a split(data) method or an "
                        f"iterable of (train, test) pairs, got {cv!r}")
    if hasattr(cv, "split"):
        pairs = cv.split(data)
    elif isinstance(cv, Iterable):
        pairs = cv
    else:
        raise TypeError("cv must be an int, an object with a split(data) method or an "
                        f"iterable of (train, test) pairs, got {cv!r}")
    splits = []
    for i, pair in enumerate(pairs):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"cv split {i} is not a (train, test) pair")
        splits.append(tuple(_as_part(part, data, f"cv split {i}") for part in pair))
    if not splits:
        raise ValueError("cv yielded no (train, test) pairs")
    return splits


def _as_part(part, data: Interactions, what: str) -> Interactions:
    if isinstance(part, Interactions) or hasattr(part, "tocsr") or hasattr(part, "columns"):
        return as_interactions(part, what=what)
    idx = np.asarray(part)
    if idx.dtype == bool or np.issubdtype(idx.dtype, np.integer):
        return data.subset(idx)  # sklearn-style indices (or a mask) into the canonical order
    raise TypeError(f"{what}: expected Interactions or interaction indices, "
                    f"got {type(part).__name__}")


# =========================================================================================
# Scoring
# =========================================================================================
