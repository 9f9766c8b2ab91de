import os
from pathlib import Path

import numpy as np
import pytest

import mfrec
from mfrec.datasets import DatasetUnavailableError


def _cached(folder, name):
    home = Path(os.environ.get("MFREC_DATA") or Path.home() / ".cache" / "mfrec")
    if not (home / folder / name).is_file():
        pytest.skip(f"{folder}/{name} not in $MFREC_DATA ({home})")


def test_movielens_100k(ml100k):
    assert (ml100k.n_users, ml100k.n_items, ml100k.nnz) == (943, 1682, 100_000)
    assert ml100k.rating_scale == (1.0, 5.0) and ml100k.timestamps is not None
    i = ml100k.item_map.to_inner([1])[0]
    assert ml100k.item_titles[i] == "Toy Story (1995)"
    assert ml100k.item_metadata["genres"][i] == ("Animation", "Children's", "Comedy")
    assert all(len(g) >= 1 for g in ml100k.item_metadata["genres"])  # u.item flags each film
    u = ml100k.user_map.to_inner([1])[0]
    meta = {k: v[u] for k, v in ml100k.user_metadata.items()}
    assert meta == {"age": 24, "gender": "M", "occupation": "technician", "zip": "85711"}
    assert set(ml100k.user_metadata["gender"]) == {"M", "F"}
    assert all(len(v) == 943 for v in ml100k.user_metadata.values())


def test_movielens_latest_small():
    _cached("ml-latest-small", "ratings.csv")
    d = mfrec.datasets.load_movielens("latest-small", download=False)
    assert (d.n_users, d.n_items, d.nnz) == (610, 9724, 100_836)
    assert d.rating_scale == (0.5, 5.0) and d.timestamps is not None
    i = d.item_map.to_inner([1])[0]
    assert d.item_titles[i] == "Toy Story (1995)"
    assert d.item_metadata["genres"][i] == ("Adventure", "Animation", "Children", "Comedy",
                                            "Fantasy")
    j = d.item_map.to_inner([11])[0]  # quoted in movies.csv because of its comma
    assert d.item_titles[j] == "American President, The (1995)"
    assert d.user_metadata == {}


def test_lastfm_2k():
    _cached("lastfm-2k", "user_artists.dat")
    d = mfrec.datasets.load_lastfm("2k", download=False)
    assert (d.n_users, d.n_items, d.nnz) == (1892, 17632, 92_834)
    assert d.timestamps is None and d.rating_scale == (d.ratings.min(), d.ratings.max())
    names = d.item_metadata["name"]
    assert names[d.item_map.to_inner([1])[0]] == "MALICE MIZER"
    assert np.array_equal(names, d.item_titles) and all(isinstance(n, str) for n in names)
    assert '"Weird Al" Yankovic' in set(names)  # quotes are part of names, not quoting
    assert mfrec.datasets.load("lastfm-2k", download=False).nnz == d.nnz


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


# -- official layouts in miniature: exact parsing of every MovieLens format --------------
RATINGS = [(1, 10, 5.0, 978300760), (1, 20, 3.5, 978302109), (2, 10, 1.0, 978301968),
           (3, 30, 4.5, 978300275)]


def check_ratings(d, scale):
    assert d.rating_scale == scale
    got = sorted(zip(d.users.tolist(), d.items.tolist(), d.ratings.tolist(),
                     d.timestamps.tolist()))
    assert got == sorted(RATINGS)


def test_movielens_1m_layout(tmp_path):
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    int_ratings = [(u, i, int(r), t) for u, i, r, t in RATINGS]
    (folder / "ratings.dat").write_text("".join(f"{u}::{i}::{r}::{t}\n"
                                                for u, i, r, t in int_ratings))
    titles = {10: "Misérables, Les (1995)", 20: "Star Wars: Episode IV - A New Hope (1977)"}
    (folder / "movies.dat").write_bytes(
        f"10::{titles[10]}::Drama|Musical\n20::{titles[20]}::Action|Sci-Fi\n"
        .encode("latin-1"))
    (folder / "users.dat").write_text("1::F::1::10::48067\n2::M::56::16::70072\n"
                                      "3::M::25::15::55117\n")
    d = mfrec.datasets.load_movielens("1m", data_home=tmp_path, download=False)
    assert sorted(zip(d.users.tolist(), d.items.tolist(), d.ratings.tolist(),
                      d.timestamps.tolist())) == sorted(int_ratings)
    assert d.rating_scale == (1.0, 5.0)
    assert d.item_titles.tolist() == [titles[10], titles[20], "30"]  # 30: not in movies.dat
    assert d.item_metadata["genres"].tolist() == [("Drama", "Musical"), ("Action", "Sci-Fi"), ()]
    assert d.user_metadata["age"].tolist() == [1, 56, 25]
    assert d.user_metadata["gender"].tolist() == ["F", "M", "M"]
    assert d.user_metadata["occupation"].tolist() == ["K-12 student", "self-employed",
                                                      "scientist"]
    assert d.user_metadata["zip"].tolist() == ["48067", "70072", "55117"]


def test_movielens_10m_layout(tmp_path):
    folder = tmp_path / "ml-10M100K"  # what ml-10m.zip extracts to
    folder.mkdir()
    (folder / "ratings.dat").write_text("".join(f"{u}::{i}::{r:g}::{t}\n"
                                                for u, i, r, t in RATINGS))
    (folder / "movies.dat").write_text("10::Amélie (Fabuleux destin d'Amélie Poulain, Le) "
                                       "(2001)::Comedy|Romance\n30::Heat (1995)::Action\n",
                                       encoding="utf-8")
    d = mfrec.datasets.load_movielens("10m", data_home=tmp_path, download=False)
    check_ratings(d, (0.5, 5.0))
    assert d.item_titles.tolist() == [
        "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "20", "Heat (1995)"]
    assert d.user_metadata == {}


@pytest.mark.parametrize("variant", ["20m", "25m", "32m", "latest", "latest-small"])
def test_movielens_csv_layout(tmp_path, variant):
    folder = tmp_path / f"ml-{variant}"
    folder.mkdir()
    (folder / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n"
        + "".join(f"{u},{i},{r:g},{t}\n" for u, i, r, t in RATINGS))
    (folder / "movies.csv").write_text(
        "movieId,title,genres\n"
        '10,"American President, The (1995)",Comedy|Drama|Romance\n'
        '20,"Title with ""quotes"", and a comma (2000)",(no genres listed)\n'
        "30,Heat (1995),Action|Crime|Thriller\n"
        "40,Unrated (2020),Drama\n", encoding="utf-8")
    d = mfrec.datasets.load_movielens(variant, data_home=tmp_path, download=False)
    check_ratings(d, (0.5, 5.0))
    assert d.item_titles.tolist() == ["American President, The (1995)",
                                      'Title with "quotes", and a comma (2000)', "Heat (1995)"]
    assert d.item_metadata["genres"].tolist() == [("Comedy", "Drama", "Romance"), (),
                                                  ("Action", "Crime", "Thriller")]
    assert mfrec.datasets.load(f"ml-{variant}", data_home=tmp_path, download=False).nnz == 4


def test_movielens_100k_layout_genre_names(tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u.data").write_text("".join(f"{u}\t{i}\t{int(r)}\t{t}\n"
                                           for u, i, r, t in RATINGS))
    flags = ["0"] * 19
    flags[1] = flags[18] = "1"
    (folder / "u.item").write_bytes(f"10|Café (1990)|01-Jan-1990||http://x|{'|'.join(flags)}\n"
                                    .encode("latin-1"))
    d = mfrec.datasets.load_movielens("100k", data_home=tmp_path, download=False)
    assert d.item_titles[0] == "Café (1990)" and d.item_metadata["genres"][0] == (
        "Action", "Western")  # the documented names when u.genre is absent
    (folder / "u.genre").write_text("".join(f"g{k}|{k}\n" for k in range(19)) + "\n")
    d = mfrec.datasets.load_movielens("100k", data_home=tmp_path, download=False)
    assert d.item_metadata["genres"][0] == ("g1", "g18")
    assert d.user_metadata == {}  # no u.user


def test_loader_bad_ratings_line(tmp_path):
    folder = tmp_path / "ml-20m"
    folder.mkdir()
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,2,3.5,4\n"
                                        "1,3,four,5\n")
    with pytest.raises(ValueError, match=r"ratings.csv, line 3: rating 'four' is not a number"):
        mfrec.datasets.load_movielens("20m", data_home=tmp_path, download=False)


def test_user_metadata_follows_subsets():
    d = mfrec.Interactions(["a", "b", "b"], [1, 1, 2], [1, 2, 3],
                           user_metadata={"age": [30, 40]})
    sub = d.subset([0, 1])
    assert sub.user_metadata["age"].tolist() == [30, 40]
    with pytest.raises(ValueError, match=r"user_metadata\['age'\] must have 2 entries"):
        mfrec.Interactions(["a", "b"], [1, 1], user_metadata={"age": [1, 2, 3]})
