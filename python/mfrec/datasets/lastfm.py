"""Last.fm hetrec2011 (2K users): artist play counts as implicit feedback."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..interactions import Interactions
from ._cache import resolve_home
from ._catalog import CATALOG
from ._download import ensure_dataset
from ._metadata import align, read_text
from ._table import read_table

__all__ = ["load_lastfm"]

_VARIANTS = ("2k",)


def load_lastfm(variant: str = "2k", *, data_home: str | os.PathLike | None = None,
                download: bool = True, verbose: bool = True) -> Interactions:
    """Load the hetrec2011 Last.fm data set: how often each user played each artist.

    Parameters
    ----------
    variant : {"2k"}
        The only release: 1,892 users, 17,632 artists, 92,834 (user, artist) play counts.
    data_home : path, optional
        Cache directory; default ``$MFREC_DATA`` or ``~/.cache/mfrec``. Expected layout:
        ``<cache>/lastfm-2k/user_artists.dat`` (tab-separated, header
        ``userID artistID weight``) and ``<cache>/lastfm-2k/artists.dat``
        (``id name url pictureURL``).
    download : bool, default True
        Download ``hetrec2011-lastfm-2k.zip`` from GroupLens (``$MFREC_DOWNLOAD_URL``
        overrides the base URL) when the files are missing; its files are extracted into
        ``lastfm-2k/``.
    verbose : bool, default True
        Show a progress bar while downloading (tqdm, the ``progress`` extra).

    Returns
    -------
    Interactions
        Play counts as the interaction values (implicit feedback: a count is a confidence,
        not a rating); the rating scale is (min, max) of the counts. No timestamps. Item
        metadata in inner-id order, arrays of shape (n_items,): ``"name"`` (the artist's
        name as published, some odd) and ``"title"`` (the same names, so code that shows
        titles works), ``"url"`` (the artist's Last.fm page).

    Raises
    ------
    ValueError
        Unknown variant, or a malformed ``user_artists.dat`` (file, line and problem named).
    DatasetUnavailableError
        Not in the cache and not downloadable (offline, or ``download=False``).
    """
    if variant not in _VARIANTS:
        raise ValueError(f"unknown Last.fm variant {variant!r}; available: {list(_VARIANTS)}")
    spec = CATALOG["lastfm-2k"]
    folder = ensure_dataset(spec, resolve_home(data_home), download=download, verbose=verbose)
    return read_lastfm(folder)


def read_lastfm(folder: Path) -> Interactions:
    """Parse an extracted Last.fm 2K folder (no download, no cache lookup).

    Parameters
    ----------
    folder : Path
        The folder holding ``user_artists.dat`` (and ``artists.dat``).

    Returns
    -------
    Interactions
        As :func:`load_lastfm` returns.
    """
    cols = read_table(folder / "user_artists.dat", sep="\t", skip=1, n_fields=3,
                      roles={"user": 0, "item": 1, "rating": 2})
    users, items = cols["user"], cols["item"]
    item_ids = np.unique(items)
    ids, names, urls = read_artists(folder / "artists.dat")
    meta = align(item_ids, ids, {"name": names, "url": urls}, {"name": str, "url": ""})
    meta["title"] = meta["name"]
    return Interactions(users, items, cols["rating"], item_ids=item_ids, item_metadata=meta)


def read_artists(path: Path) -> tuple[list[int], list[str], list[str]]:
    """Artist ids, names and URLs from ``artists.dat``; empty lists when it is missing.

    Tab-separated without quoting (names contain quotes, commas and apostrophes). A name
    with a tab in it is rebuilt from the fields between the id and the two URL fields; lines
    without an integer id are skipped; bytes that are not UTF-8 are read as latin-1.
    """
    if not path.is_file():
        return [], [], []
    ids, names, urls = [], [], []
    for line in read_text(path, "utf-8")[1:]:
        f = line.split("\t")
        if len(f) < 2 or not f[0].strip().isdigit():
            continue
        name = "\t".join(f[1:-2]) if len(f) > 4 else f[1]
        ids.append(int(f[0]))
        names.append(name.strip())
        urls.append(f[-2].strip() if len(f) >= 4 else "")
    return ids, names, urls
