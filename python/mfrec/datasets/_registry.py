"""The data set registry behind ``mfrec datasets list|fetch``: list, fetch and load by name.

Names are ``ml-100k``, ``ml-1m``, ``ml-10m``, ``ml-20m``, ``ml-25m``, ``ml-32m``,
``ml-latest``, ``ml-latest-small`` (MovieLens, named like the GroupLens archives) and
``lastfm-2k`` (hetrec2011 Last.fm).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..interactions import Interactions
from ._cache import resolve_home
from ._catalog import CATALOG, archive_url, spec_for
from ._download import download_dataset
from .lastfm import load_lastfm
from .movielens import load_movielens

__all__ = ["list_datasets", "fetch", "load"]


def list_datasets(*, data_home: str | os.PathLike | None = None) -> list[dict]:
    """Every downloadable data set and whether it is in the cache.

    Parameters
    ----------
    data_home : path, optional
        Cache directory; default ``$MFREC_DATA`` or ``~/.cache/mfrec``.

    Returns
    -------
    list of dict
        One per data set, in a fixed order, with keys ``"name"`` (str, e.g. ``"ml-100k"``),
        ``"description"`` (str), ``"url"`` (str, the archive; ``$MFREC_DOWNLOAD_URL``
        applied), ``"cached"`` (bool), ``"path"`` (Path of its cache folder, present or
        not) and ``"n_ratings"`` (int, or None for ``ml-latest``, which changes).
    """
    home = resolve_home(data_home)
    return [{
        "name": spec.name,
        "description": spec.description,
        "url": archive_url(spec),
        "cached": (home / spec.folder / spec.ratings).is_file(),
        "path": home / spec.folder,
        "n_ratings": spec.n_rows,
    } for spec in CATALOG.values()]


def fetch(name: str, *, data_home: str | os.PathLike | None = None, verbose: bool = True,
          force: bool = False) -> Path:
    """Make sure data set ``name`` is in the cache (download it if not) and return its folder.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`, e.g. ``"ml-100k"``.
    data_home : path, optional
        Cache directory; default ``$MFREC_DATA`` or ``~/.cache/mfrec``.
    verbose : bool, default True
        Show a progress bar while downloading (tqdm, the ``progress`` extra).
    force : bool, default False
        Download even when the folder is present, replacing it only once the new copy passed
        its checks.

    Returns
    -------
    Path
        The data set's folder, e.g. ``~/.cache/mfrec/ml-100k``.

    Raises
    ------
    KeyError
        Unknown name (the message lists the known ones).
    DatasetUnavailableError
        Offline, or the server does not have the archive.
    CorruptDownloadError
        The download failed its checksum or row-count check; nothing was kept.
    """
    spec = spec_for(name)
    home = resolve_home(data_home)
    folder = home / spec.folder
    if not force and (folder / spec.ratings).is_file():
        return folder
    return download_dataset(spec, home, verbose=verbose, replace=force)


def load(name: str, **kwargs: Any) -> Interactions:
    """Load data set ``name`` with its loader.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`: ``"ml-<variant>"`` calls
        :func:`load_movielens` with that variant, ``"lastfm-2k"`` :func:`load_lastfm`.
    **kwargs
        Passed to the loader (``data_home``, ``download``, ``verbose``).

    Returns
    -------
    Interactions
        As the loader returns it (see :func:`load_movielens`, :func:`load_lastfm`).

    Raises
    ------
    KeyError
        Unknown name (the message lists the known ones).
    DatasetUnavailableError
        Not in the cache and not downloadable.
    """
    spec = spec_for(name)
    if spec.name.startswith("ml-"):
        return load_movielens(spec.name[3:], **kwargs)
    return load_lastfm(spec.name.split("-", 1)[1], **kwargs)
