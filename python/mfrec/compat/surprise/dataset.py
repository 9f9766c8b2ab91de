"""``Dataset``: ratings loaded from a built-in set, a file, a DataFrame or predefined folds
(Surprise's class and its two kinds, ``DatasetAutoFolds`` and ``DatasetUserFolds``)."""

from __future__ import annotations

import itertools
import os

import numpy as np

from .builtin_datasets import BUILTIN_DATASETS
from .reader import Reader
from .trainset import Trainset

__all__ = ["Dataset", "DatasetAutoFolds", "DatasetUserFolds"]


class Dataset:
    """Ratings and the reader that parsed them. Use the ``load_*`` class methods."""

    def __init__(self, reader):
        self.reader = reader

    @classmethod
    def load_builtin(cls, name="ml-100k", prompt=True):
        """A built-in data set, read in file order with Surprise's reader for it (raw ids are
        strings). The file comes from Surprise's folder (``get_dataset_dir()``) when it is
        there, else, for ``"ml-100k"`` and ``"ml-1m"``, from mfrec's data cache (its folder,
        ``$MFREC_DATA``, or a download: see ``mfrec.datasets.load_movielens``); ``"jester"``
        must be in Surprise's folder. ``prompt`` is accepted and ignored: nothing is asked on
        the terminal."""
        if name not in BUILTIN_DATASETS:
            raise ValueError(f"unknown dataset {name}. Accepted values are "
                             + ", ".join(BUILTIN_DATASETS.keys()) + ".")
        spec = BUILTIN_DATASETS[name]
        reader = Reader(**spec.reader_params)
        if os.path.isfile(spec.path):
            return cls.load_from_file(spec.path, reader)
        files = {"ml-100k": "u.data", "ml-1m": "ratings.dat"}
        if name not in files:
            raise ValueError(f"Dataset {name} could not be found at {spec.path}: download and "
                             f"extract it there ({spec.url})")
        from mfrec.datasets._cache import resolve_home
        from mfrec.datasets._catalog import CATALOG
        from mfrec.datasets._download import ensure_dataset

        folder = ensure_dataset(CATALOG[name], resolve_home(None))
        return cls.load_from_file(os.path.join(folder, files[name]), reader)

    @classmethod
    def load_from_file(cls, file_path, reader):
        """The ratings of a text file laid out as ``reader`` says."""
        return DatasetAutoFolds(ratings_file=file_path, reader=reader)

    @classmethod
    def load_from_folds(cls, folds_files, reader):
        """Predefined folds: a list of ``(train file, test file)`` pairs, each file laid out
        as ``reader`` says (use ``model_selection.PredefinedKFold`` to iterate)."""
        return DatasetUserFolds(folds_files=folds_files, reader=reader)

    @classmethod
    def load_from_df(cls, df, reader):
        """The ratings of a pandas DataFrame whose three columns are user, item, rating (in
        that order, whatever their names); ``reader`` gives the rating scale."""
        return DatasetAutoFolds(reader=reader, df=df)

    def read_ratings(self, file_name):
        """The ``(user, item, rating, timestamp)`` tuples of a file."""
        with open(os.path.expanduser(file_name)) as f:
            return [self.reader.parse_line(line)
                    for line in itertools.islice(f, self.reader.skip_lines, None)]

    def construct_trainset(self, raw_trainset):
        """A Trainset of ``(user, item, rating, timestamp)`` tuples, inner ids in order of
        first appearance."""
        n = len(raw_trainset)
        if not n:
            cols = ((), (), ())
        else:
            cols = list(zip(*raw_trainset))  # columns, transposed in C
        # dicts keep insertion order: fromkeys lists the raw ids by first appearance
        users = {raw: inner for inner, raw in enumerate(dict.fromkeys(cols[0]))}
        items = {raw: inner for inner, raw in enumerate(dict.fromkeys(cols[1]))}
        u = np.fromiter(map(users.__getitem__, cols[0]), np.int64, count=n)
        i = np.fromiter(map(items.__getitem__, cols[1]), np.int64, count=n)
        r = np.asarray(cols[2], dtype=np.float64).reshape(n)
        return Trainset._from_arrays(u, i, r, self.reader.rating_scale, users, items)

    def construct_testset(self, raw_testset):
        """``(user, item, rating)`` tuples of ``(user, item, rating, timestamp)`` ones."""
        if not raw_testset:
            return []
        cols = list(zip(*raw_testset))
        return list(zip(cols[0], cols[1], cols[2]))


class DatasetUserFolds(Dataset):
    """A data set of predefined folds (``Dataset.load_from_folds``)."""

    def __init__(self, folds_files=None, reader=None):
        Dataset.__init__(self, reader)
        self.folds_files = folds_files
        for pair in self.folds_files:
            for f in pair:
                if not os.path.isfile(os.path.expanduser(f)):
                    raise ValueError("File " + str(f) + " does not exist.")


class DatasetAutoFolds(Dataset):
    """A data set whose ratings are all in memory (``raw_ratings``), split by the
    ``model_selection`` splitters."""

    def __init__(self, ratings_file=None, reader=None, df=None, raw_ratings=None):
        Dataset.__init__(self, reader)
        self.has_been_split = False
        if ratings_file is not None:
            self.ratings_file = ratings_file
            self.raw_ratings = self.read_ratings(ratings_file)
        elif df is not None:
            self.df = df
            self.raw_ratings = [(uid, iid, float(r), None)
                                for uid, iid, r in df.itertuples(index=False)]
        elif raw_ratings is not None:
            self.raw_ratings = raw_ratings
        else:
            raise ValueError("Must specify ratings file or dataframe.")

    def build_full_trainset(self):
        """Every rating as one Trainset (no test set)."""
        return self.construct_trainset(self.raw_ratings)
