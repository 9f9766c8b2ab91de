import os
from pathlib import Path

import numpy as np
import pytest

import mfrec


def _data_home():
    return Path(os.environ.get("MFREC_DATA") or Path.home() / ".cache" / "mfrec")


@pytest.fixture(scope="session")
def ml100k():
    """MovieLens 100K from the cache ($MFREC_DATA; CI points it at ../shared/data)."""
    if not (_data_home() / "ml-100k" / "u.data").is_file():
        pytest.skip("MovieLens 100K not in $MFREC_DATA")
    return mfrec.datasets.load_movielens("100k", download=False)


@pytest.fixture(scope="session")
def ml_latest_small():
    """MovieLens latest-small from the cache ($MFREC_DATA)."""
    if not (_data_home() / "ml-latest-small" / "ratings.csv").is_file():
        pytest.skip("MovieLens latest-small not in $MFREC_DATA")
    return mfrec.datasets.load_movielens("latest-small", download=False)


@pytest.fixture(scope="session")
def lastfm():
    """Last.fm hetrec 2K play counts from the cache ($MFREC_DATA)."""
    if not (_data_home() / "lastfm-2k" / "user_artists.dat").is_file():
        pytest.skip("Last.fm 2K not in $MFREC_DATA")
    return mfrec.datasets.load_lastfm(download=False)


@pytest.fixture(scope="session")
def small():
    """A small synthetic ratings set (300 users x 200 items)."""
    return mfrec.datasets.synthetic(300, 200, 6000, random_state=1)


@pytest.fixture()
def toy():
    """A hand-sized ratings set with string ids."""
    users = ["ann", "ann", "bob", "bob", "bob", "cat", "cat", "dan", "dan", "eve"]
    items = ["x", "y", "x", "z", "w", "y", "z", "x", "w", "y"]
    ratings = [5, 3, 4, 1, 2, 4, 5, 2, 3, 4]
    return mfrec.Interactions(users, items, ratings, rating_scale=(1, 5))


def rng(seed=0):
    return np.random.default_rng(seed)
