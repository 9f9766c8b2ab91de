"""The downloadable data sets: where each comes from and what its cache folder holds.

Names: ``ml-<variant>`` for MovieLens (the archive's name: ``ml-100k``, ...,
``ml-latest-small``) and ``lastfm-2k`` for the hetrec2011 Last.fm set. ``$MFREC_DOWNLOAD_URL``
replaces the base URL of every archive (a mirror, or a local server in tests), which must then
serve all archives side by side: ``<base>/ml-100k.zip``, ``<base>/ml-100k.zip.md5``,
``<base>/hetrec2011-lastfm-2k.zip``, ...
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["DatasetSpec", "CATALOG", "MOVIELENS_VARIANTS", "spec_for", "archive_url"]

GROUPLENS_MOVIELENS = "https://files.grouplens.org/datasets/movielens/"
GROUPLENS_HETREC = "https://files.grouplens.org/datasets/hetrec2011/"


@dataclass(frozen=True)
class DatasetSpec:
    """One downloadable data set.

    Attributes
    ----------
    name : str
        Registry name, also the cache folder unless ``folder`` differs (``"ml-10m"``).
    description : str
        One line for listings.
    archive : str
        File name of the zip archive on the server.
    base_url : str
        Official directory of the archive (ends with ``/``).
    folder : str
        Folder under the cache directory that holds the extracted files.
    archive_folder : str or None
        Folder inside the archive that holds the files; None when they sit at its top level.
    ratings : str
        The interactions file, relative to ``folder`` (its presence means "cached").
    header : bool
        Whether ``ratings`` starts with a header line.
    n_rows : int or None
        Expected number of data rows of ``ratings`` (None for releases that change).
    """

    name: str
    description: str
    archive: str
    base_url: str
    folder: str
    archive_folder: str | None
    ratings: str
    header: bool
    n_rows: int | None


def _ml(variant, description, folder, ratings, header, n_rows):
    return DatasetSpec(
        name=f"ml-{variant}", description=description, archive=f"ml-{variant}.zip",
        base_url=GROUPLENS_MOVIELENS, folder=folder, archive_folder=folder, ratings=ratings,
        header=header, n_rows=n_rows)


_SPECS = [
    _ml("100k", "MovieLens 100K: 100,000 ratings 1-5, 943 users x 1,682 movies, user info",
        "ml-100k", "u.data", False, 100_000),
    _ml("1m", "MovieLens 1M: 1,000,209 ratings 1-5 by 6,040 users, user info",
        "ml-1m", "ratings.dat", False, 1_000_209),
    _ml("10m", "MovieLens 10M: 10,000,054 ratings 0.5-5",
        "ml-10M100K", "ratings.dat", False, 10_000_054),
    _ml("20m", "MovieLens 20M: 20,000,263 ratings 0.5-5",
        "ml-20m", "ratings.csv", True, 20_000_263),
    _ml("25m", "MovieLens 25M: 25,000,095 ratings 0.5-5",
        "ml-25m", "ratings.csv", True, 25_000_095),
    _ml("32m", "MovieLens 32M: 32,000,204 ratings 0.5-5",
        "ml-32m", "ratings.csv", True, 32_000_204),
    _ml("latest", "MovieLens latest (full): ratings 0.5-5, changes with each release",
        "ml-latest", "ratings.csv", True, None),
    _ml("latest-small", "MovieLens latest-small: 100,836 ratings 0.5-5, 610 users x 9,724 "
        "movies", "ml-latest-small", "ratings.csv", True, 100_836),
    DatasetSpec(
        name="lastfm-2k",
        description="Last.fm hetrec2011: 92,834 play counts, 1,892 users x 17,632 artists",
        archive="hetrec2011-lastfm-2k.zip", base_url=GROUPLENS_HETREC, folder="lastfm-2k",
        archive_folder=None, ratings="user_artists.dat", header=True, n_rows=92_834),
]

CATALOG: dict[str, DatasetSpec] = {s.name: s for s in _SPECS}
MOVIELENS_VARIANTS = tuple(s.name[3:] for s in _SPECS if s.name.startswith("ml-"))


def spec_for(name: str) -> DatasetSpec:
    """The spec of data set ``name``; unknown names raise ``KeyError`` listing the known."""
    try:
        return CATALOG[name]
    except KeyError:
        raise KeyError(f"unknown data set {name!r}; available: {list(CATALOG)}") from None


def archive_url(spec: DatasetSpec) -> str:
    """The archive's URL: ``$MFREC_DOWNLOAD_URL`` (a mirror) or the official base, + archive."""
    base = os.environ.get("MFREC_DOWNLOAD_URL") or spec.base_url
    return base.rstrip("/") + "/" + spec.archive
