"""``implicit.datasets.movielens``: ``get_movielens`` from mfrec's data cache.

implicit downloads an HDF5 file it built from the MovieLens archive; here the archive comes
from mfrec's cache (``$MFREC_DATA``, mfrec's data folder, or a download — see
``mfrec.datasets.load_movielens``), so neither h5py nor implicit's server is needed. The
result has implicit's layout: (titles indexed by movie id, a movies x users CSR matrix of the
ratings indexed by the raw movie and user ids).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["get_movielens"]

_VARIANTS = {"100k": "100k", "1m": "1m", "latest-small": "latest-small", "20m": "20m",
             "25m": "25m", "10m": "10m"}


def get_movielens(variant="20m"):
    """(titles, ratings): titles[movie id] (empty where a movie id has no title) and the
    movies x users CSR matrix of ratings (float32)."""
    if variant not in _VARIANTS:
        raise ValueError(f"unknown MovieLens variant {variant!r}; one of {sorted(_VARIANTS)}")
    import mfrec

    data = mfrec.datasets.load_movielens(_VARIANTS[variant])
    movies = np.asarray(data.item_ids, dtype=np.int64)[data.item_index]
    users = np.asarray(data.user_ids, dtype=np.int64)[data.user_index]
    ratings = sp.csr_matrix((data.ratings.astype(np.float32), (movies, users)),
                            shape=(movies.max() + 1, users.max() + 1))
    titles = np.full(movies.max() + 1, "", dtype=object)
    names = data.item_titles
    if names is not None:
        titles[np.asarray(data.item_ids, dtype=np.int64)] = np.asarray(names, dtype=object)
    return titles.astype(str), ratings
