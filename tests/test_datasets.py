import numpy as np
import pytest

import mfrec
from mfrec.datasets import DatasetUnavailableError


def test_movielens_100k(ml100k):
    assert (ml100k.n_users, ml100k.n_items, ml100k.nnz) == (943, 1682, 100_000)
    assert ml100k.rating_scale == (1.0, 5.0) and ml100k.timestamps is not None
    i = ml100k.item_map.to_inner([1])[0]
    assert ml100k.item_titles[i] == "Toy Story (1995)"


def test_movielens_latest_small():
    import os
    from pathlib import Path

    home = Path(os.environ.get("MFREC_DATA") or Path.home() / ".cache" / "mfrec")
    if not (home / "ml-latest-small" / "ratings.csv").is_file():
        pytest.skip("ml-latest-small not in $MFREC_DATA")
    d = mfrec.datasets.load_movielens("latest-small", download=False)
    assert (d.n_users, d.n_items, d.nnz) == (610, 9724, 100_836)
    assert d.rating_scale == (0.5, 5.0)
    assert "Toy Story (1995)" in set(d.item_titles)


def test_missing_cache_without_download(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="not found"):
        mfrec.datasets.load_movielens("100k", data_home=tmp_path, download=False)
    with pytest.raises(ValueError, match="unknown MovieLens variant"):
        mfrec.datasets.load_movielens("5m", data_home=tmp_path)


def test_offline_download_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MFREC_DOWNLOAD_URL", "http://127.0.0.1:9/")  # nothing listens there
    with pytest.raises(DatasetUnavailableError, match="could not download"):
        mfrec.datasets.load_movielens("100k", data_home=tmp_path)
    assert not (tmp_path / "ml-100k").exists()


def test_corrupt_ratings_file(tmp_path):
    d = tmp_path / "ml-100k"
    d.mkdir()
    (d / "u.data").write_text("1\t2\tfive\t3\n")
    with pytest.raises(ValueError, match="u.data"):
        mfrec.datasets.load_movielens("100k", data_home=tmp_path, download=False)


def test_synthetic_structure():
    d = mfrec.datasets.synthetic(500, 300, 10_000, random_state=0)
    assert (d.n_users, d.n_items, d.nnz) == (500, 300, 10_000)
    assert d.user_counts().min() >= 1
    assert set(np.unique(d.ratings)) <= {1, 2, 3, 4, 5}
    c = np.sort(d.user_counts())[::-1]
    assert c[:25].mean() > 5 * c[-250:].mean()  # power-law activity
    # taste: a user's items concentrate in few genres compared with popularity alone
    genre = d.item_metadata["genre"]
    top_share = []
    for u in range(d.n_users):
        g = genre[d.item_index[d.indptr[u]:d.indptr[u + 1]]]
        if len(g) >= 20:
            top_share.append(np.bincount(g).max() / len(g))
    overall = np.bincount(genre[d.item_index]).max() / d.nnz
    assert np.mean(top_share) > 2 * overall
    again = mfrec.datasets.synthetic(500, 300, 10_000, random_state=0)
    assert np.array_equal(d.ratings, again.ratings)
    with pytest.raises(ValueError, match="sparse"):
        mfrec.datasets.synthetic(10, 10, 80)
