"""ContentBased: the per-user ridge against numpy.linalg.solve of its normal equations, the
item-bias step, items nobody rated, user profiles by name, fold-in of new users and new
items, the ways features are given, and bad features."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec.models.content import _unit_rows


def ridge_reference(data, F, mu, bi, reg, reg_bias):
    """[w_u, b_u] per user: solve((ZᵀZ + diag(λ,…,λ,λ_b)), Zᵀ(r − μ − b_i)), Z = [F_I, 1],
    float64."""
    d = F.shape[1]
    W = np.zeros((data.n_users, d))
    bu = np.zeros(data.n_users)
    csr = data.to_csr()
    for u in range(data.n_users):
        idx = csr.indices[csr.indptr[u]:csr.indptr[u + 1]]
        r = csr.data[csr.indptr[u]:csr.indptr[u + 1]].astype(np.float64)
        if len(idx) == 0:
            continue
        Z = np.hstack([F[idx].astype(np.float64), np.ones((len(idx), 1))])
        A = Z.T @ Z + np.diag([reg] * d + [reg_bias])
        x = np.linalg.solve(A, Z.T @ (r - mu - bi[idx]))
        W[u], bu[u] = x[:d], x[d]
    return W, bu


def features(n_items, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n_items, d)) < 0.4).astype(np.float32)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_ridge_equals_numpy_on_ml100k_genres(ml100k, n_threads):
    m = mfrec.ContentBased(n_epochs=1, reg=3.0, reg_bias=4.0, min_support=1,
                            n_threads=n_threads)
    m.fit(ml100k, item_features="genres")
    F = m.item_factors_
    assert F.shape == (ml100k.n_items, 19) and m.feature_names_[0].startswith("genres:")
    np.testing.assert_allclose(np.linalg.norm(F, axis=1), 1.0, rtol=1e-6)  # all rated films
    W, bu = ridge_reference(ml100k, F, m.global_mean_, np.zeros(ml100k.n_items), 3.0, 4.0)
    np.testing.assert_allclose(m.user_factors_, W, atol=2e-4)
    np.testing.assert_allclose(m.user_bias_, bu, atol=2e-4)
    # then the item biases: b_i = Σ_u (r − μ − b_u − w_uᵀf_i) / (λ_i + n_i), λ_i = 10
    resid = ml100k.ratings - (m.global_mean_ + bu[ml100k.user_index]
                              + np.einsum("ij,ij->i", W[ml100k.user_index],
                                          F[ml100k.item_index].astype(np.float64)))
    bi = (np.bincount(ml100k.item_index, resid, minlength=ml100k.n_items)
          / (10.0 + ml100k.item_counts()))
    np.testing.assert_allclose(m.item_bias_, bi, atol=2e-4)


def test_ridge_with_item_biases_fixed_equals_numpy(small):
    # a second sweep solves the users against the first sweep's item biases
    F = features(small.n_items)
    one = mfrec.ContentBased(n_epochs=1, normalize=False).fit(small, item_features=F)
    two = mfrec.ContentBased(n_epochs=2, normalize=False).fit(small, item_features=F)
    W, bu = ridge_reference(small, F, one.global_mean_, one.item_bias_.astype(np.float64),
                            5.0, 5.0)
    np.testing.assert_allclose(two.user_factors_, W, atol=2e-4)
    np.testing.assert_allclose(two.user_bias_, bu, atol=2e-4)
    np.testing.assert_array_equal(two.item_factors_, F)


def test_no_item_bias(small):
    m = mfrec.ContentBased(item_bias=False).fit(small, item_features=features(small.n_items))
    assert not m.item_bias_.any() and m.user_bias_.any()


def test_items_without_ratings_are_predicted_and_recommended(ml100k):
    rng = np.random.default_rng(0)
    held = rng.random(ml100k.n_items) < 0.2
    train = ml100k.subset(np.flatnonzero(~held[ml100k.item_index]))
    m = mfrec.ContentBased().fit(train, item_features="genres")
    cold = ml100k.item_ids[held]
    # cold only without features (the 'unknown' genre is below min_support)
    np.testing.assert_array_equal(m._cold_items_[held], ~m.item_factors_[held].any(axis=1))
    assert m._cold_items_[held].sum() <= 2
    cold = cold[~m._cold_items_[held]]
    u = ml100k.user_ids[:3]
    p = m.predict(np.repeat(u, 5), np.tile(cold[:5], 3))
    assert np.unique(np.round(p, 4)).size > 3  # scored by features, not one baseline
    ids, _ = m.recommend(u, n=5, items=cold)
    assert set(ids.ravel().tolist()) <= set(cold.tolist()) and (ids != None).all()  # noqa: E711


def test_user_profile_by_feature_name(ml100k):
    m = mfrec.ContentBased(min_support=1).fit(ml100k, item_features="genres")
    prof = m.user_profile(ml100k.user_ids[0])
    assert len(prof) == 19 and all(k.startswith("genres:") for k in prof)
    vals = list(prof.values())
    assert vals == sorted(vals, reverse=True)
    u = 0
    j = list(m.feature_names_).index("genres:Film-Noir")
    assert prof["genres:Film-Noir"] == pytest.approx(float(m.user_factors_[u, j]))
    assert len(m.user_profile(ml100k.user_ids[0], top=3)) == 3
    with pytest.raises(KeyError):
        m.user_profile(10**9)


def test_latest_small_genres_and_tags(ml_latest_small):
    m = mfrec.ContentBased(n_epochs=1).fit(ml_latest_small)  # default: genres + tags
    names = list(m.feature_names_)
    assert any(n.startswith("tags:") for n in names) and any(n.startswith("genres:")
                                                             for n in names)
    tags = ml_latest_small.item_metadata["tags"]
    support = {}
    for row in tags:
        for t in row:
            support[t] = support.get(t, 0) + 1
    assert {n[5:] for n in names if n.startswith("tags:")} == {
        t for t, c in support.items() if c >= 5}


def test_dataframe_features_matched_by_raw_id(toy):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1.0, 0.0, 1.0, 0.0, 1.0], "b": [0.0, 1.0, 1.0, 0.0, 0.5]},
                      index=["w", "z", "y", "x", "extra"])
    m = mfrec.ContentBased(normalize=False).fit(toy, item_features=df)
    assert list(m.feature_names_) == ["a", "b"]
    for raw in toy.item_ids:
        j = m.item_map_.to_inner(np.array([raw]))[0]
        np.testing.assert_array_equal(m.item_factors_[j], df.loc[raw].to_numpy())
    with pytest.raises(ValueError, match="no row for 1 items"):
        mfrec.ContentBased().fit(toy, item_features=df.drop(index="x"))


def test_sparse_features_equal_dense(small):
    F = features(small.n_items)
    a = mfrec.ContentBased().fit(small, item_features=F)
    b = mfrec.ContentBased().fit(small, item_features=sp.csr_matrix(F),
                                 feature_names=list("vwxyz"))
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)
    assert list(b.feature_names_) == list("vwxyz") and a.feature_names_[0] == "f0"


def test_bad_features(small, toy):
    F = features(small.n_items)
    bad = F.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite.*row 3, column 2"):
        mfrec.ContentBased().fit(small, item_features=bad)
    with pytest.raises(ValueError, match=f"one row per item: {small.n_items} rows"):
        mfrec.ContentBased().fit(small, item_features=F[:-1])
    with pytest.raises(ValueError, match="2-D"):
        mfrec.ContentBased().fit(small, item_features=F[:, 0])
    with pytest.raises(ValueError, match="no such item metadata"):
        mfrec.ContentBased().fit(toy)
    with pytest.raises(ValueError, match="feature_names must have 5"):
        mfrec.ContentBased().fit(small, item_features=F, feature_names=["a"])
    with pytest.raises(ValueError, match="reg"):
        mfrec.ContentBased(reg=-1).fit(small, item_features=F)
    with pytest.raises(TypeError, match="item_bias"):
        mfrec.ContentBased(item_bias=1).fit(small, item_features=F)


def test_fold_in_new_users_is_the_ridge(small):
    F = features(small.n_items)
    m = mfrec.ContentBased(n_epochs=2).fit(small, item_features=F)
    new = small.to_csr()[:4]
    W, bu = m.fold_in(new)
    sub = small.subset(np.flatnonzero(small.user_index < 4))
    ref_W, ref_b = ridge_reference(sub, m.item_factors_, m.global_mean_,
                                   m.item_bias_.astype(np.float64), 5.0, 5.0)
    np.testing.assert_allclose(W, ref_W[:4], atol=2e-4)
    np.testing.assert_allclose(bu, ref_b[:4], atol=2e-4)


def test_new_items_from_features(small):
    F = features(small.n_items)
    m = mfrec.ContentBased(normalize=False).fit(small, item_features=F)
    new_f = np.array([[1, 0, 1, 0, 0], [0, 1, 0, 0, 1]], dtype=np.float32)
    f, b = m.fold_in_items(item_features=new_f)
    np.testing.assert_array_equal(f, new_f) and np.testing.assert_array_equal(b, 0)
    ids = m.add_items(item_features=new_f)
    assert ids.tolist() == [small.n_items, small.n_items + 1]
    u = small.user_ids[:4]
    expect = (m.global_mean_ + m.user_bias_[:4, None]
              + m.user_factors_[:4] @ new_f.T).ravel()
    got = m.predict(np.repeat(u, 2), np.tile(ids, 4), clip=False)
    np.testing.assert_allclose(got, expect, rtol=1e-5)
    with pytest.raises(ValueError, match="5 columns"):
        m.add_items(item_features=np.ones((1, 3)))
    with pytest.raises(ValueError, match="item_features"):
        m.add_items()


def test_cold_items_beat_user_baseline(ml100k):
    # items held out entirely: μ + b_u + w_uᵀf_i beats μ + b_u on their ratings
    rng = np.random.default_rng(0)
    held = rng.random(ml100k.n_items) < 0.2
    rows = held[ml100k.item_index]
    train, test = ml100k.subset(np.flatnonzero(~rows)), ml100k.subset(np.flatnonzero(rows))
    rmse = lambda m: mfrec.metrics.rmse(test.ratings, m.predict(test.users, test.items))  # noqa: E731
    content = rmse(mfrec.ContentBased().fit(train, item_features="genres"))
    base = rmse(mfrec.Baseline().fit(train))
    assert content < base - 0.01


def test_unit_rows():
    F = np.array([[3, 4], [0, 0]], dtype=np.float32)
    np.testing.assert_allclose(_unit_rows(F), [[0.6, 0.8], [0, 0]])


def test_loader_reads_tags(tmp_path):
    folder = tmp_path / "ml-latest-small"
    folder.mkdir()
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,10,4,5\n"
                                        "1,20,3,6\n2,30,5,7\n")
    (folder / "movies.csv").write_text("movieId,title,genres\n10,A (1990),Drama\n"
                                       "20,B (1991),Comedy\n30,C (1992),Drama|War\n")
    (folder / "tags.csv").write_text(
        "userId,movieId,tag,timestamp\n"
        '1,10,"dark, gritty",1\n2,10,Dark,2\n1,10,  dark  ,3\n3,30,Pixar,4\n3,99,gone,5\n'
        "bad line\n", encoding="utf-8")
    d = mfrec.datasets.load_movielens("latest-small", data_home=tmp_path, download=False)
    assert d.item_metadata["tags"].tolist() == [("dark", "dark, gritty"), (), ("pixar",)]
    m = mfrec.ContentBased(min_support=1, normalize=False).fit(d, item_features="tags")
    assert list(m.feature_names_) == ["tags:dark", "tags:dark, gritty", "tags:pixar"]
    np.testing.assert_array_equal(m.item_factors_, [[1, 1, 0], [0, 0, 0], [0, 0, 1]])
