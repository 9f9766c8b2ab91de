"""Data sets: MovieLens loaders (cache → download) and a synthetic generator."""

from ._cache import DatasetUnavailableError, data_home
from .movielens import load_movielens
from .synthetic import synthetic

__all__ = ["load_movielens", "synthetic", "data_home", "DatasetUnavailableError"]
