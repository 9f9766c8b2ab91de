"""MovieLens loaders (GroupLens): every release, from the cache or downloaded.

Ratings files by variant (official layouts; :mod:`._movielens_meta` reads the side files):

- ``"100k"``: ``ml-100k/u.data``, tab-separated, no header, ratings 1-5.
- ``"1m"``: ``ml-1m/ratings.dat``, ``::``-separated, no header, ratings 1-5.
- ``"10m"``: ``ml-10M100K/ratings.dat`` (the archive is ``ml-10m.zip``), ``::``, 0.5-5.
- ``"20m"``, ``"25m"``, ``"32m"``, ``"latest"``, ``"latest-small"``:
  ``ml-<variant>/ratings.csv``, comma-separated with a header, 0.5-5.

Every ratings file has the columns user, item, rating, timestamp (Unix seconds).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..interactions import Interactions
from ._cache import resolve_home
from ._catalog import CATALOG, MOVIELENS_VARIANTS
from ._download import ensure_dataset
from ._metadata import align
from ._movielens_meta import read_movies, read_tags, read_users
from ._table import read_table

__all__ = ["load_movielens"]

_ROLES = {"user": 0, "item": 1, "rating": 2, "timestamp": 3}


def load_movielens(variant: str = "100k", *, data_home: str | os.PathLike | None = None,
                   download: bool = True, verbose: bool = True) -> Interactions:
    """Load a MovieLens data set as :class:`~mfrec.Interactions`.

    Parameters
    ----------
    variant : {"100k", "1m", "10m", "20m", "25m", "32m", "latest", "latest-small"}
        The release. ``"latest"`` changes over time; the others are fixed.
    data_home : path, optional
        Cache directory; default ``$MFREC_DATA`` or ``~/.cache/mfrec``. The official layout
        is expected: ``<cache>/ml-100k/u.data``, ``<cache>/ml-1m/ratings.dat``,
        ``<cache>/ml-10M100K/ratings.dat``, ``<cache>/ml-20m/ratings.csv``, ... with the
        movies (and users) files beside the ratings.
    download : bool, default True
        Download the official zip from GroupLens (``$MFREC_DOWNLOAD_URL`` overrides the base
        URL) when the files are missing; the archive's MD5 and the number of ratings are
        checked and the folder is moved into the cache only when complete.
    verbose : bool, default True
        Show a progress bar while downloading (tqdm, the ``progress`` extra).

    Returns
    -------
    Interactions
        Ratings (1–5 for 100k and 1m, 0.5–5 otherwise) with int64 timestamps (Unix seconds)
        and item metadata in inner-id order: ``"title"`` (str; the movie id as text when the
        movies file lacks it) and ``"genres"`` (tuple of str, empty when none is listed),
        each an array of shape (n_items,); where the release has a tags file (10m, 20m,
        25m, 32m, latest, latest-small), also ``"tags"``: the distinct tags users gave each
        movie, lower-cased, sorted (tuple of str, empty when none). These are the item
        features :class:`mfrec.ContentBased` reads by default. 100k and 1m also carry
        ``user_metadata``:
        ``"age"`` (int64; years for 100k, the age-group code for 1m), ``"gender"``,
        ``"occupation"`` and ``"zip"`` (str), each of shape (n_users,).

    Raises
    ------
    ValueError
        Unknown variant, or a malformed ratings file (the message names file, line and
        problem).
    DatasetUnavailableError
        Not in the cache and not downloadable (offline, or ``download=False``).
    CorruptDownloadError
        The download failed its checksum or row-count check; nothing was kept.
    """
    if variant not in MOVIELENS_VARIANTS:
        raise ValueError(f"unknown MovieLens variant {variant!r}; available: "
                         f"{list(MOVIELENS_VARIANTS)}")
    spec = CATALOG[f"ml-{variant}"]
    folder = ensure_dataset(spec, resolve_home(data_home), download=download, verbose=verbose)
    return read_movielens(folder, variant)


def read_movielens(folder: Path, variant: str) -> Interactions:
    """Parse an extracted MovieLens folder of ``variant`` (no download, no cache lookup).

    Parameters
    ----------
    folder : Path
        The folder holding the ratings file (e.g. ``.../ml-1m`` with ``ratings.dat``).
    variant : str
        One of the variants of :func:`load_movielens`; it decides the file layout.

    Returns
    -------
    Interactions
        As :func:`load_movielens` returns.
    """
    spec = CATALOG[f"ml-{variant}"]
    sep = {"100k": "\t", "1m": "::", "10m": "::"}.get(variant, ",")
    cols = read_table(folder / spec.ratings, sep=sep, skip=int(spec.header), n_fields=4,
                      roles=_ROLES)
    users, items = cols["user"], cols["item"]
    user_ids, item_ids = np.unique(users), np.unique(items)
    movie_ids, movie_cols = read_movies(folder, variant)
    item_meta = align(item_ids, movie_ids, movie_cols, {"title": str, "genres": ()})
    tags = read_tags(folder, variant)
    if tags is not None:
        item_meta.update(align(item_ids, tags[0], tags[1], {"tags": ()}))
    people = read_users(folder, variant)
    user_meta = None
    if people is not None:
        user_meta = align(user_ids, people[0], people[1],
                          {"age": -1, "gender": "", "occupation": "", "zip": ""})
    scale = (1.0, 5.0) if variant in ("100k", "1m") else (0.5, 5.0)
    return Interactions(users, items, cols["rating"], cols["timestamp"], rating_scale=scale,
                        user_ids=user_ids, item_ids=item_ids, item_metadata=item_meta,
                        user_metadata=user_meta)
