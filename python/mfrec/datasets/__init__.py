"""Data sets: MovieLens and Last.fm loaders (cache → download), any ratings file, synthetic data.

>>> import mfrec
>>> data = mfrec.datasets.load_movielens("100k")          # doctest: +SKIP
>>> data = mfrec.datasets.load("lastfm-2k")               # doctest: +SKIP
>>> data = mfrec.datasets.load_file("my_ratings.csv")     # doctest: +SKIP
>>> [d["name"] for d in mfrec.datasets.list_datasets()]   # doctest: +SKIP

The cache is ``$MFREC_DATA`` (default ``~/.cache/mfrec``); ``$MFREC_DOWNLOAD_URL`` replaces the
GroupLens base URL (a mirror).
"""

from ._cache import CorruptDownloadError, DatasetUnavailableError, data_home
from ._registry import fetch, list_datasets, load
from .files import load_file
from .lastfm import load_lastfm
from .movielens import load_movielens
from .synthetic import synthetic

__all__ = [
    "CorruptDownloadError",
    "DatasetUnavailableError",
    "data_home",
    "fetch",
    "list_datasets",
    "load",
    "load_file",
    "load_lastfm",
    "load_movielens",
    "synthetic",
]
