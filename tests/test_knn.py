"""Neighbourhood models (KNNBasic, KNNWithMeans, KNNBaseline): the sparse similarity rows and
the estimates against the numpy references of Surprise's formulas (tests/knn_reference.py)."""

import numpy as np
import pytest
import scipy.sparse as sp
from knn_reference import estimate, similarity

import mfrec

KINDS = ["cosine", "msd", "pearson", "pearson_baseline"]
MODELS = {"basic": mfrec.KNNBasic, "means": mfrec.KNNWithMeans, "baseline": mfrec.KNNBaseline}


@pytest.fixture(scope="module")
def toy_ratings():
    """30 users × 20 items, 45 % rated, continuous ratings (no ties between similarities)."""
    rng = np.random.default_rng(7)
    M = rng.random((30, 20)) < 0.45
    M[0, :] = False
    M[0, 3] = True  # a user with one rating
    R = np.where(M, rng.uniform(1, 5, (30, 20)), 0.0).astype(np.float32)
    X = sp.csr_matrix(R)
    return R, M, X


def _dense_sim(model):
    S = model.similarity_.toarray().astype(np.float64)
    np.fill_diagonal(S, 1.0)
    return S


@pytest.mark.parametrize("user_based", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_similarities_match_numpy(toy_ratings, kind, user_based):
    R, M, X = toy_ratings
    model = mfrec.KNNBaseline(similarity=kind, user_based=user_based, min_support=3,
                              shrinkage=5.0, n_threads=2).fit(X)
    Rx, Mx = (R, M) if user_based else (R.T, M.T)
    bx, by = ((model.user_bias_, model.item_bias_) if user_based
              else (model.item_bias_, model.user_bias_))
    ref = similarity(Rx, Mx, kind, min_support=3, shrinkage=5.0, bx=bx.astype(np.float64),
                     by=by.astype(np.float64), mu=model.global_mean_)
    got = _dense_sim(model)
    # only positive similarities are stored (the only ones a prediction uses)
    np.testing.assert_allclose(got, np.where(ref > 0, ref, 0.0), rtol=2e-5, atol=1e-6)
    assert (model.sim_values_ > 0).all()
    for x in range(len(model.sim_indptr_) - 1):  # columns sorted within each row
        row = model.sim_indices_[model.sim_indptr_[x]:model.sim_indptr_[x + 1]]
        assert (np.diff(row) > 0).all()


@pytest.mark.parametrize("user_based", [False, True])
@pytest.mark.parametrize("mode", ["basic", "means", "baseline"])
def test_estimates_match_numpy(toy_ratings, mode, user_based):
    R, M, X = toy_ratings
    kind = "pearson" if mode == "means" else "msd" if mode == "basic" else "pearson_baseline"
    model = MODELS[mode](k=4, min_k=2, similarity=kind, user_based=user_based,
                         shrinkage=5.0, n_threads=2).fit(X)
    S = _dense_sim(model)
    Rx, Mx = (R, M) if user_based else (R.T, M.T)
    mu = model.global_mean_
    if mode == "baseline":
        x_base, y_base = ((model.user_bias_, model.item_bias_) if user_based
                          else (model.item_bias_, model.user_bias_))
    else:
        x_base, y_base = getattr(model, "means_", None), None
    if mode == "means":
        ref_means = np.array([Rx[x, Mx[x]].mean() if Mx[x].any() else 0.0
                              for x in range(Rx.shape[0])])
        np.testing.assert_allclose(model.means_, ref_means, rtol=1e-6)
    users, items = np.nonzero(np.ones_like(M))  # every pair, rated ones included
    pred, details = model.predict_details(users, items, clip=False)
    for u, i, p, ak, imp in zip(users, items, pred, details["actual_k"],
                                details["was_impossible"]):
        x, y = (u, i) if user_based else (i, u)
        e, k_ref, possible = estimate(S, Rx, Mx, x, y, mode, k=4, min_k=2, mu=mu,
                                      x_base=None if x_base is None else x_base.astype(float),
                                      y_base=None if y_base is None else y_base.astype(float))
        assert ak == k_ref and imp == (not possible)
        assert p == pytest.approx(e, rel=1e-5, abs=1e-5)
    np.testing.assert_array_equal(model.predict(users, items, clip=False), pred)


def test_recommend_scores_are_the_estimates(toy_ratings):
    R, M, X = toy_ratings
    for user_based in (False, True):
        model = mfrec.KNNBaseline(k=5, user_based=user_based, n_threads=2).fit(X)
        ids, scores = model.recommend(np.arange(1, 30), n=5)
        for u, row, srow in zip(range(1, 30), ids, scores):
            assert not set(row.tolist()) & set(np.flatnonzero(M[u]).tolist())
            ok = row >= 0
            np.testing.assert_allclose(srow[ok], model.predict(np.full(ok.sum(), u), row[ok],
                                                                clip=False), rtol=1e-6)
            unseen = np.flatnonzero(~M[u])
            best = model.predict(np.full(len(unseen), u), unseen, clip=False).max()
            assert srow[0] == pytest.approx(best, rel=1e-6)


def test_similar_items_by_learned_similarity(toy_ratings):
    _, _, X = toy_ratings
    model = mfrec.KNNWithMeans(similarity="cosine", n_threads=1).fit(X)
    S = model.similarity_.toarray()
    ids, scores = model.similar_items([2, 5], n=4)
    for q, row, srow in zip([2, 5], ids, scores):
        order = np.lexsort((np.arange(S.shape[1]), -S[q]))
        order = order[(order != q) & (S[q, order] > 0)][:4]
        np.testing.assert_array_equal(row[:len(order)], order)
        np.testing.assert_allclose(srow[:len(order)], S[q, order])
    # the other side: the same measure, computed on demand, equals a user-based fit's
    ub = mfrec.KNNWithMeans(similarity="cosine", user_based=True, n_threads=1).fit(X)
    assert ub.similarity_.shape == (30, 30)
    for a, b in zip(model.similar_users([4, 7], n=3), ub.similar_users([4, 7], n=3)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model.similar_items([2, 5], n=4), ub.similar_items([2, 5], n=4)):
        np.testing.assert_array_equal(a, b)


def test_no_neighbours_falls_back(toy_ratings):
    """A user whose only item has no positive similarity with the target: empty neighbours."""
    R, M, X = toy_ratings
    for mode, cls in MODELS.items():
        model = cls(min_support=10**6, n_threads=1).fit(X)  # every similarity 0
        assert model.similarity_.nnz == 0
        p, det = model.predict_details([0, 1], [5, 5], clip=False)
        assert (det["actual_k"] == 0).all()
        if mode == "basic":
            assert det["was_impossible"].all() and np.allclose(p, model.global_mean_)
        elif mode == "means":
            np.testing.assert_allclose(p, model.means_[5])
        else:
            np.testing.assert_allclose(
                p, model.global_mean_ + model.user_bias_[[0, 1]] + model.item_bias_[5],
                rtol=1e-6)
        ids, scores = model.recommend([1], n=3)  # still ranks (by the fallback)
        assert (ids >= 0).all()
        assert (model.similar_items([3], n=2)[0] == -1).all()  # nothing similar: padding


def test_unknown_and_cold_ids(toy_ratings):
    R, M, X = toy_ratings
    data = mfrec.Interactions(*np.nonzero(M), R[M], rating_scale=(1, 5))
    train, _ = mfrec.model_selection.train_test_split(data, test_size=0.3, random_state=0)
    model = mfrec.KNNBaseline(n_threads=1).fit(train)
    with pytest.raises(KeyError):
        model.predict([999], [0])
    p = model.predict([999], [0], unknown="baseline")
    assert p[0] == pytest.approx(np.clip(model.global_mean_ + model.item_bias_[0], 1, 5),
                                 rel=1e-6)


def test_pruning_keeps_the_largest(toy_ratings):
    _, _, X = toy_ratings
    full = mfrec.KNNBasic(similarity="cosine", n_threads=2).fit(X).similarity_.toarray()
    pruned = mfrec.KNNBasic(similarity="cosine", max_neighbors=3, n_threads=2).fit(X)
    P = pruned.similarity_.toarray()
    assert (np.diff(pruned.sim_indptr_) <= 3).all()
    for x in range(full.shape[0]):
        top = np.sort(full[x])[::-1][:3]
        np.testing.assert_allclose(np.sort(P[x])[::-1][:3], top)


def test_thread_count_does_not_change_anything(toy_ratings):
    _, _, X = toy_ratings
    a = mfrec.KNNBaseline(n_threads=1).fit(X)
    b = mfrec.KNNBaseline(n_threads=2).fit(X)
    for attr in ("sim_indptr_", "sim_indices_", "sim_values_"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))


def test_fitted_options_survive_set_params_and_save(toy_ratings, tmp_path):
    _, _, X = toy_ratings
    model = mfrec.KNNWithMeans(k=3, n_threads=1).fit(X)
    before = model.predict([1, 2, 3], [4, 5, 6])
    model.set_params(k=30, user_based=True)
    np.testing.assert_array_equal(model.predict([1, 2, 3], [4, 5, 6]), before)
    model.save(tmp_path / "knn.npz")
    loaded = mfrec.load(tmp_path / "knn.npz")
    np.testing.assert_array_equal(loaded.predict([1, 2, 3], [4, 5, 6]), before)
    assert (loaded.similarity_ != model.similarity_).nnz == 0


@pytest.mark.parametrize("params, err, match", [
    ({"k": 0}, ValueError, "k must be"),
    ({"min_k": 5, "k": 4}, ValueError, "min_k must be <= k"),
    ({"similarity": "jaccard"}, ValueError, "similarity must be"),
    ({"user_based": "yes"}, TypeError, "user_based"),
    ({"max_neighbors": 0}, ValueError, "max_neighbors"),
    ({"shrinkage": -1}, ValueError, "shrinkage"),
    ({"min_support": 1.5}, TypeError, "min_support"),
])
def test_bad_parameters(toy_ratings, params, err, match):
    with pytest.raises(err, match=match):
        mfrec.KNNBaseline(**params).fit(toy_ratings[2])


def test_close_to_surprise_on_ml100k(ml100k):
    """Sanity on real data (the 0.002 acceptance bound is measured in benchmarks/)."""
    train, test = mfrec.model_selection.train_test_split(ml100k, test_size=0.2, random_state=0)
    model = mfrec.KNNBaseline(n_threads=2).fit(train)
    rmse = mfrec.metrics.rmse(test.ratings, model.predict(test.users, test.items,
                                                          unknown="baseline"))
    assert 0.88 < rmse < 0.95


def test_added_users_are_predicted_from_their_ratings(toy_ratings):
    """Item-based: a user added after fit has neighbours among the items they rated."""
    R, M, X = toy_ratings
    model = mfrec.KNNBaseline(k=5, n_threads=1).fit(X[1:])
    new = model.add_users(X[5:6])  # user 5's ratings, as a new user
    p, det = model.predict_details(np.full(20, new[0]), np.arange(20), clip=False)
    assert (det["actual_k"] > 0).any()
    # the baseline b_u of the new row solves Σ (r − μ − b_i − b_u) − reg_user·b_u = 0
    cols = np.flatnonzero(M[5])
    res = R[5, cols] - model.global_mean_ - model.item_bias_[cols]
    assert model.user_bias_[new[0]] == pytest.approx(res.sum() / (15.0 + len(cols)), rel=1e-4)


def test_many_items_cross_the_accumulator_blocks():
    """9000 items: the kernel accumulates columns in blocks of 4096; sparse products give the
    common-support cosine Σ ab / √(Σ a² · Σ b²) over the same pairs."""
    rng = np.random.default_rng(11)
    n_users, n_items, nnz = 400, 9000, 30000
    u = rng.integers(0, n_users, nnz)
    i = np.minimum(rng.zipf(1.3, nnz) - 1, n_items - 1)  # popular items co-occur a lot
    X = sp.csr_matrix((rng.uniform(1, 5, nnz), (u, i)), shape=(n_users, n_items))
    X.sum_duplicates()
    model = mfrec.KNNBasic(similarity="cosine", n_threads=2).fit(X)
    A = X.T.tocsr()  # items × users
    B = (A != 0).astype(np.float64)
    A2 = A.multiply(A)
    num = (A @ A.T).tocoo()
    xx = (A2 @ B.T).tocsr()
    yy = (B @ A2.T).tocsr()
    ref = num.data / np.sqrt(np.asarray(xx[num.row, num.col]).ravel()
                             * np.asarray(yy[num.row, num.col]).ravel())
    keep = (num.row != num.col) & (ref > 0)
    R = sp.csr_matrix((ref[keep], (num.row[keep], num.col[keep])), shape=A.shape[:1] * 2)
    got = model.similarity_
    assert got.nnz == R.nnz
    rows, cols = R.nonzero()
    np.testing.assert_allclose(np.asarray(got[rows, cols]).ravel(),
                               np.asarray(R[rows, cols]).ravel(), rtol=1e-5)


@pytest.mark.parametrize("user_based", [False, True])
@pytest.mark.parametrize("mode", ["basic", "means", "baseline"])
def test_unstored_similarities_give_the_same_model(toy_ratings, mode, user_based):
    """store_similarities=False computes each row when its pairs come up: same results."""
    R, M, X = toy_ratings
    kw = dict(k=4, user_based=user_based, n_threads=2,
              similarity="pearson_baseline" if mode != "basic" else "cosine")
    a = MODELS[mode](**kw).fit(X)
    assert a.knn_options_["stored"]  # "auto": small enough to store
    b = MODELS[mode](store_similarities=False, **kw).fit(X)
    assert b.sim_values_.size == 0
    users, items = np.nonzero(np.ones_like(M))
    pa, da = a.predict_details(users, items)
    pb, db = b.predict_details(users, items)
    np.testing.assert_array_equal(pa, pb)
    np.testing.assert_array_equal(da["actual_k"], db["actual_k"])
    for x, y in zip(a.recommend(np.arange(30), n=4), b.recommend(np.arange(30), n=4)):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a.similar_items([1, 2], n=3), b.similar_items([1, 2], n=3)):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="stores no similarities"):
        b.similarity_  # noqa: B018
    with pytest.raises(ValueError, match="needs store_similarities=True"):
        MODELS[mode](store_similarities=False, max_neighbors=5).fit(X)
    with pytest.raises(TypeError, match="store_similarities"):
        MODELS[mode](store_similarities="never").fit(X)


def test_auto_storage_bound(toy_ratings, monkeypatch):
    """"auto" stores unless the bound Σ_x min(n_x − 1, Σ_{y∈Y_x} n_y) exceeds its budget."""
    from mfrec.models import _knn_train

    R, M, X = toy_ratings
    model = mfrec.KNNBasic(n_threads=1).fit(X)
    Mt = M.T  # item-based: x = items, y = users
    reach = [min(19, int(M[Mt[i]].sum())) for i in range(20)]
    assert model.similarity_.nnz <= sum(reach)
    monkeypatch.setattr(_knn_train, "_AUTO_STORE_MAX", sum(reach) - 1)
    small = mfrec.KNNBasic(n_threads=1).fit(X)
    assert not small.knn_options_["stored"]
    np.testing.assert_array_equal(small.predict([1, 2], [3, 4]), model.predict([1, 2], [3, 4]))
    assert mfrec.KNNBasic(max_neighbors=3, n_threads=1).fit(X).knn_options_["stored"]
