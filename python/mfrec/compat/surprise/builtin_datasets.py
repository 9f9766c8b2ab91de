"""Surprise's built-in data sets, read through mfrec's loaders (``mfrec.datasets``).

``Dataset.load_builtin("ml-100k")`` finds MovieLens 100K where mfrec finds it (``$MFREC_DATA``,
``~/.cache/mfrec``, else a download from GroupLens), or in Surprise's own folder
(``get_dataset_dir()``) when a copy is there already.
"""

from __future__ import annotations

import os
from collections import namedtuple
from os.path import join

__all__ = ["BUILTIN_DATASETS", "get_dataset_dir"]


def get_dataset_dir() -> str:
    """The folder of Surprise's downloads: ``$SURPRISE_DATA_FOLDER``, else
    ``~/.surprise_data/`` (created if missing), as in Surprise."""
    folder = os.environ.get("SURPRISE_DATA_FOLDER",
                            os.path.expanduser("~") + "/.surprise_data/")
    os.makedirs(folder, exist_ok=True)
    return folder


BuiltinDataset = namedtuple("BuiltinDataset", ["url", "path", "reader_params"])


def _builtin(name: str) -> BuiltinDataset:
    folder = get_dataset_dir()
    table = {
        "ml-100k": BuiltinDataset(
            "https://files.grouplens.org/datasets/movielens/ml-100k.zip",
            join(folder, "ml-100k/ml-100k/u.data"),
            dict(line_format="user item rating timestamp", rating_scale=(1, 5), sep="\t")),
        "ml-1m": BuiltinDataset(
            "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
            join(folder, "ml-1m/ml-1m/ratings.dat"),
            dict(line_format="user item rating timestamp", rating_scale=(1, 5), sep="::")),
        "jester": BuiltinDataset(
            "https://eigentaste.berkeley.edu/dataset/archive/jester_dataset_2.zip",
            join(folder, "jester/jester_ratings.dat"),
            dict(line_format="user item rating", rating_scale=(-10, 10))),
    }
    return table[name]


class _Table(dict):
    """name -> BuiltinDataset, the paths resolved when asked (the folder may change)."""

    def __getitem__(self, name):
        return _builtin(name)

    def keys(self):
        return ["ml-100k", "ml-1m", "jester"]

    def __contains__(self, name):
        return name in self.keys()

    def __iter__(self):
        return iter(self.keys())


BUILTIN_DATASETS = _Table()
