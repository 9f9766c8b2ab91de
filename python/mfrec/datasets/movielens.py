"""MovieLens loaders (GroupLens): 100K (``u.data``) and latest-small (``ratings.csv``)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from ..interactions import Interactions
from ._cache import DatasetUnavailableError, data_home, download_and_extract

__all__ = ["load_movielens", "MOVIELENS"]

_BASE = "https://files.grouplens.org/datasets/movielens/"


def _base_url() -> str:
    """GroupLens, or a mirror given by ``$MFREC_DOWNLOAD_URL``."""
    return os.environ.get("MFREC_DOWNLOAD_URL") or _BASE

# variant -> (folder in the cache, ratings file)
MOVIELENS = {
    "100k": ("ml-100k", "u.data"),
    "latest-small": ("ml-latest-small", "ratings.csv"),
}


def _locate(variant: str, data_home_: str | Path | None, download: bool) -> Path:
    if variant not in MOVIELENS:
        raise ValueError(f"unknown MovieLens variant {variant!r}; available: {sorted(MOVIELENS)}")
    folder, ratings = MOVIELENS[variant]
    cache = Path(data_home_) if data_home_ is not None else data_home()
    path = cache / folder
    if not (path / ratings).is_file():
        if not download:
            raise DatasetUnavailableError(f"{path / ratings} not found and download=False")
        download_and_extract(_base_url() + folder + ".zip", folder, cache)
    return path


def load_movielens(variant: str = "100k", *, data_home: str | Path | None = None,
                   download: bool = True) -> Interactions:
    """Load a MovieLens data set as :class:`~mfrec.Interactions`.

    Parameters
    ----------
    variant : {"100k", "latest-small"}
    data_home : path, optional
        Cache directory; default ``$MFREC_DATA`` or ``~/.cache/mfrec``. The official layout
        is expected: ``<cache>/ml-100k/u.data`` (+ ``u.item``),
        ``<cache>/ml-latest-small/ratings.csv`` (+ ``movies.csv``).
    download : bool, default True
        Download the official zip from GroupLens when the files are missing.

    Returns
    -------
    Interactions
        Ratings (1–5 for 100k, 0.5–5 for latest-small) with timestamps and item titles.

    Raises
    ------
    DatasetUnavailableError
        Not in the cache and not downloadable.
    """
    path = _locate(variant, data_home, download)
    if variant == "100k":
        raw = _read_numeric(path / "u.data", sep="\t", skip_header=False)
        titles = _read_titles(path / "u.item", sep="|", encoding="latin-1", header=False)
        scale = (1.0, 5.0)
    else:
        raw = _read_numeric(path / "ratings.csv", sep=",", skip_header=True)
        titles = _read_titles(path / "movies.csv", sep=",", encoding="utf-8", header=True)
        scale = (0.5, 5.0)
    users = raw[:, 0].astype(np.int64)
    items = raw[:, 1].astype(np.int64)
    item_ids = np.unique(items)
    meta = {"title": np.array([titles.get(int(i), str(i)) for i in item_ids], dtype=object)}
    return Interactions(users, items, raw[:, 2], raw[:, 3].astype(np.int64),
                        rating_scale=scale, item_ids=item_ids, item_metadata=meta)


def _read_numeric(path: Path, *, sep: str, skip_header: bool) -> np.ndarray:
    """(n, 4) float64 array of user, item, rating, timestamp."""
    try:
        arr = np.loadtxt(path, delimiter=sep, skiprows=1 if skip_header else 0, ndmin=2,
                         dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"{path}: not a ratings file of 4 numeric columns ({exc})") from exc
    if arr.shape[1] != 4 or arr.shape[0] == 0:
        raise ValueError(f"{path}: expected rows of user, item, rating, timestamp; "
                         f"got shape {arr.shape}")
    return arr


def _read_titles(path: Path, *, sep: str, encoding: str, header: bool) -> dict[int, str]:
    if not path.is_file():
        return {}
    with open(path, encoding=encoding, newline="") as f:
        rows = csv.reader(f, delimiter=sep)
        if header:
            next(rows, None)
        return {int(row[0]): row[1] for row in rows if len(row) >= 2 and row[0].isdigit()}
