"""mfrec.compat.implicit: implicit 0.7.3's API on mfrec's kernels, against numpy references
of implicit's definitions (and implicit itself where it is installed)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from mfrec.compat import implicit
from mfrec.compat.implicit.als import AlternatingLeastSquares
from mfrec.compat.implicit.cpu.als import calculate_loss
from mfrec.compat.implicit.evaluation import (
    AUC_at_k,
    leave_k_out_split,
    mean_average_precision_at_k,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics_at_k,
    train_test_split,
)
from mfrec.compat.implicit.nearest_neighbours import (
    BM25Recommender,
    CosineRecommender,
    ItemItemRecommender,
    TFIDFRecommender,
    all_pairs_knn,
    bm25_weight,
    normalize,
    tfidf_weight,
)
from mfrec.compat.implicit.utils import ParameterWarning


def _counts(n_users=40, n_items=30, density=0.25, seed=0):
    rng = np.random.default_rng(seed)
    dense = (rng.random((n_users, n_items)) < density) * rng.integers(1, 6, (n_users, n_items))
    dense[:, 0] += 1  # every user has an item
    return sp.csr_matrix(dense.astype(np.float32))


def _reference_half_sweep(C, Y, reg):
    """implicit's row solve: (YᵀY + λI + Σ_j (c_j − 1) y_j y_jᵀ) x = Σ_j c_j y_j."""
    Y = Y.astype(np.float64)
    G = Y.T @ Y + reg * np.eye(Y.shape[1])
    X = np.zeros((C.shape[0], Y.shape[1]))
    for u in range(C.shape[0]):
        cols = C.indices[C.indptr[u]:C.indptr[u + 1]]
        c = C.data[C.indptr[u]:C.indptr[u + 1]].astype(np.float64)
        A = G + (Y[cols].T * (c - 1)) @ Y[cols]
        X[u] = np.linalg.solve(A, Y[cols].T @ c)
    return X


@pytest.mark.parametrize("alpha", [1.0, 2.5])
def test_als_one_exact_iteration_matches_implicits_equations(alpha):
    C = _counts()
    k, reg, seed = 5, 0.3, 7
    model = AlternatingLeastSquares(factors=k, regularization=reg, alpha=alpha, use_cg=False,
                                    iterations=1, random_state=seed)
    model.fit(C, show_progress=False)
    rng = np.random.default_rng(seed)  # implicit's start: uniform [0, 0.01), users first
    rng.random((C.shape[0], k), dtype=np.float32)
    Y0 = rng.random((C.shape[1], k), dtype=np.float32) * 0.01
    Cui = sp.csr_matrix(C * alpha)
    X = _reference_half_sweep(Cui, Y0, reg)
    Y = _reference_half_sweep(Cui.T.tocsr(), X, reg)
    np.testing.assert_allclose(model.user_factors, X, rtol=2e-3, atol=2e-5)
    np.testing.assert_allclose(model.item_factors, Y, rtol=2e-3, atol=2e-5)
    assert model.user_factors.dtype == np.float32


def test_als_cg_reaches_the_exact_solution_and_float64_is_kept():
    """With as many CG steps as factors, CG solves each row exactly (in exact arithmetic)."""
    C = _counts(seed=1)
    kw = dict(factors=4, regularization=0.5, iterations=1, random_state=0)
    exact = AlternatingLeastSquares(use_cg=False, **kw).fit(C, show_progress=False)
    cg = AlternatingLeastSquares(use_cg=True, **kw)
    cg.cg_steps = 8
    cg.fit(C, show_progress=False)
    wide = AlternatingLeastSquares(dtype=np.float64, **kw).fit(C, show_progress=False)
    assert wide.user_factors.dtype == np.float64  # (its start differs: numpy draws float64)
    np.testing.assert_allclose(cg.user_factors, exact.user_factors, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(cg.item_factors, exact.item_factors, rtol=1e-3, atol=1e-5)


def test_fit_warns_on_non_csr_and_refuses_negative_values_and_gpu():
    C = _counts()
    with pytest.warns(ParameterWarning):
        AlternatingLeastSquares(factors=2, iterations=1).fit(C.tocoo(), show_progress=False)
    bad = C.copy()
    bad.data[0] = -1
    with pytest.raises(ValueError, match="negative"):
        AlternatingLeastSquares(factors=2, iterations=1).fit(bad, show_progress=False)
    with pytest.raises(ValueError, match="GPU"):
        AlternatingLeastSquares(use_gpu=True)
    assert implicit.gpu.HAS_CUDA is False


def test_callback_gets_the_loss_and_calculate_loss_is_implicits_normalised_objective():
    C = _counts()
    seen = []
    model = AlternatingLeastSquares(factors=3, iterations=3, calculate_training_loss=True,
                                    regularization=0.1, random_state=0)
    model.fit(C, show_progress=False, callback=lambda it, t, loss: seen.append((it, loss)))
    assert [it for it, _ in seen] == [0, 1, 2] and seen[-1][1] <= seen[0][1]
    X, Y = model.user_factors.astype(np.float64), model.item_factors.astype(np.float64)
    P = (C.toarray() > 0).astype(float)
    W = np.where(C.toarray() > 0, C.toarray(), 1.0)
    want = (np.sum(W * (P - X @ Y.T) ** 2) + 0.1 * (np.sum(X**2) + np.sum(Y**2))) / W.sum()
    assert calculate_loss(C, X, Y, 0.1) == pytest.approx(want, rel=1e-4)
    assert seen[-1][1] == pytest.approx(want, rel=1e-4)


@pytest.fixture(scope="module")
def fitted():
    C = _counts(60, 50, seed=3)
    model = AlternatingLeastSquares(factors=6, regularization=0.1, iterations=8, random_state=0)
    return model.fit(C, show_progress=False), C


def _dense_top(scores, n):
    order = np.argsort(-scores, kind="stable")[:n]
    return order, scores[order]


def test_recommend_matches_numpy_and_has_implicits_shapes(fitted):
    model, C = fitted
    S = model.user_factors @ model.item_factors.T
    for u in (0, 7, 59):
        ids, scores = model.recommend(u, C[u], N=5)
        assert ids.ndim == 1 and len(ids) == 5
        masked = S[u].copy()
        masked[C[u].indices] = -np.inf
        want, want_scores = _dense_top(masked, 5)
        np.testing.assert_array_equal(ids, want)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-5)
    users = np.arange(10)
    ids, scores = model.recommend(users, C[users], N=4)
    assert ids.shape == (10, 4) and scores.shape == (10, 4)
    for r, u in enumerate(users):
        np.testing.assert_array_equal(ids[r], model.recommend(u, C[u], N=4)[0])
    ids, _ = model.recommend(0, C[0], N=4, filter_already_liked_items=False)
    np.testing.assert_array_equal(ids, _dense_top(S[0], 4)[0])


def test_recommend_filters_allow_lists_and_bad_ids(fitted):
    model, C = fitted
    ids, _ = model.recommend(0, C[0], N=10, filter_items=[1, 2, 3])
    assert not set(ids) & {1, 2, 3}
    liked = set(C[0].indices)
    allowed = sorted(set(range(12)) - liked)[:3] + sorted(liked)[:2]
    ids, scores = model.recommend(0, C[0], N=20, items=allowed)
    assert len(ids) == len(allowed) and set(ids) == set(allowed)
    # implicit's convention: filtered (liked) items of an allow-list come last, at -FLT_MAX
    assert set(ids[-2:]) == set(sorted(liked)[:2]) and np.all(scores[-2:] < -1e38)
    with pytest.raises(IndexError):
        model.recommend(0, C[0], items=[1, 2, 500])
    with pytest.raises(IndexError):
        model.recommend(0, C[0], items=[-1, 2])
    with pytest.raises(IndexError):
        model.recommend(1000, C[0])
    with pytest.raises(ValueError, match="CSR"):
        model.recommend(0, C[0].tocoo())
    with pytest.raises(ValueError, match="1 row"):
        model.recommend(0, C[:2])
    with pytest.raises(ValueError, match="both"):
        model.recommend(0, C[0], items=[1], filter_items=[2])


def test_batch_rows_with_too_few_candidates_are_padded_like_implicit():
    C = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.float32))
    model = AlternatingLeastSquares(factors=2, iterations=2, random_state=0).fit(
        C, show_progress=False)
    ids, scores = model.recommend(np.arange(2), C, N=3)
    assert ids.shape == (2, 3)
    assert (ids[:, 1:] == -1).all() and (scores[:, 1:] == -np.finfo(np.float32).max).all()
    one, _ = model.recommend(0, C[0], N=3)
    assert one.tolist() == [2]


def test_similar_items_and_users_are_cosines_with_the_query_first(fitted):
    model, _ = fitted
    for F, call in ((model.item_factors, model.similar_items),
                    (model.user_factors, model.similar_users)):
        unit = F / np.linalg.norm(F, axis=1, keepdims=True)
        for q in (0, 5):
            ids, scores = call(q, N=6)
            want, want_scores = _dense_top(unit @ unit[q], 6)
            assert ids[0] == q and scores[0] == pytest.approx(1.0, abs=1e-5)
            np.testing.assert_array_equal(ids, want)
            np.testing.assert_allclose(scores, want_scores, rtol=1e-4, atol=1e-6)
        ids, _ = call(np.arange(4), N=3)
        assert ids.shape == (4, 3) and (ids[:, 0] == np.arange(4)).all()
    ids, _ = model.similar_items(0, N=10, filter_items=[0, 1])
    assert 0 not in ids and 1 not in ids
    ids, _ = model.similar_items(0, N=10, items=[3, 4, 5])
    assert set(ids) == {3, 4, 5}


def test_recalculate_user_is_the_exact_solve_and_partial_fit_grows(fitted):
    model, C = fitted
    model = pickle.loads(pickle.dumps(model))
    x = model.recalculate_user(3, C[3])
    want = _reference_half_sweep(C[3], model.item_factors, 0.1)[0]
    np.testing.assert_allclose(x, want, rtol=2e-3, atol=1e-5)
    ids, _ = model.recommend(3, C[3], N=3, recalculate_user=True)
    masked = model.item_factors @ x
    masked[C[3].indices] = -np.inf
    np.testing.assert_array_equal(ids, _dense_top(masked, 3)[0])
    n_users = model.user_factors.shape[0]
    model.partial_fit_users([n_users + 2], C[3])
    assert model.user_factors.shape[0] == n_users + 3
    np.testing.assert_allclose(model.user_factors[n_users + 2], x, rtol=1e-5)
    assert not model.user_factors[n_users].any()
    n_items = model.item_factors.shape[0]
    col = C.T.tocsr()[4]
    model.partial_fit_items([n_items], col)
    wide = sp.csr_matrix((col.data, col.indices, col.indptr), shape=(1, n_users + 3))
    np.testing.assert_allclose(model.item_factors[n_items],  # Gramian over every user row
                               _reference_half_sweep(wide, model.user_factors, 0.1)[0],
                               rtol=2e-3, atol=1e-5)


def test_explain_decomposes_the_recalculated_score(fitted):
    model, C = fitted
    user_items = C
    ids, scores = model.recommend(2, C[2], N=1, recalculate_user=True)
    total, contributions, W = model.explain(2, user_items, itemid=ids[0], N=1000)
    assert total == pytest.approx(float(scores[0]), rel=1e-3, abs=1e-5)
    assert sum(s for _, s in contributions) == pytest.approx(total, rel=1e-6)
    assert sorted(i for i, _ in contributions) == sorted(C[2].indices.tolist())
    values = [s for _, s in contributions]
    assert values == sorted(values, reverse=True)
    again, top2, _ = model.explain(2, user_items, itemid=ids[0], user_weights=W, N=2)
    assert again == pytest.approx(total) and top2 == contributions[:2]


def test_save_load_and_pickle_keep_everything(fitted, tmp_path):
    model, C = fitted
    path = str(tmp_path / "m")
    model.save(path + ".npz")
    again = AlternatingLeastSquares.load(path)
    np.testing.assert_array_equal(again.user_factors, model.user_factors)
    assert again.factors == model.factors and again.dtype == model.dtype
    np.testing.assert_array_equal(again.recommend(0, C[0])[0], model.recommend(0, C[0])[0])
    fresh = AlternatingLeastSquares()
    fresh.save(tmp_path / "u.npz")
    assert AlternatingLeastSquares.load(str(tmp_path / "u.npz")).__dict__ == fresh.__dict__
    with pytest.raises(ValueError, match="not fitted"):
        fresh.recommend(0, C[0])


def test_fit_again_starts_from_the_current_factors():
    C = _counts()
    model = AlternatingLeastSquares(factors=3, iterations=2, random_state=0)
    model.fit(C, show_progress=False)
    continued = pickle.loads(pickle.dumps(model)).fit(C, show_progress=False)
    longer = AlternatingLeastSquares(factors=3, iterations=4, random_state=0).fit(
        C, show_progress=False)
    np.testing.assert_allclose(continued.user_factors, longer.user_factors, rtol=1e-4,
                               atol=1e-6)


# --------------------------------------------------------------------------- evaluation
def _reference_metrics(recs, test, K):
    """implicit's ranking_metrics_at_k, written as its loop over users."""
    n_items = test.shape[1]
    cg = 1.0 / np.log2(np.arange(2, K + 2))
    relevant = pr_div = mean_ap = ndcg = auc_sum = total = 0.0
    for u in range(test.shape[0]):
        likes = set(test[u].indices)
        if not likes:
            continue
        pr_div += min(K, len(likes))
        hit = miss = ap = auc = 0.0
        idcg = cg[:min(K, len(likes))].sum()
        for i in range(K):
            if recs[u][i] in likes:
                relevant += 1
                hit += 1
                ap += hit / (i + 1)
                ndcg += cg[i] / idcg
            else:
                miss += 1
                auc += hit
        n_pos, n_neg = len(likes), n_items - len(likes)
        auc += (hit + n_pos) / 2.0 * (n_neg - miss)
        mean_ap += ap / min(K, len(likes))
        auc_sum += auc / (n_pos * n_neg)
        total += 1
    return {"precision": relevant / pr_div, "map": mean_ap / total, "ndcg": ndcg / total,
            "auc": auc_sum / total}


def test_ranking_metrics_match_implicits_definitions(fitted):
    model, C = fitted
    train, test = train_test_split(C, 0.7, random_state=1)
    assert (train + test - C).nnz == 0
    for K in (1, 5, 10):
        got = ranking_metrics_at_k(model, train, test, K=K, show_progress=False)
        users = np.arange(C.shape[0])
        recs, _ = model.recommend(users, train[users], N=K)
        want = _reference_metrics(recs, test, K)
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=1e-9), (K, key)
    for fn, key in ((precision_at_k, "precision"), (mean_average_precision_at_k, "map"),
                    (ndcg_at_k, "ndcg"), (AUC_at_k, "auc")):
        assert fn(model, train, test, K=5, show_progress=False) == pytest.approx(
            ranking_metrics_at_k(model, train, test, K=5, show_progress=False)[key])


def test_leave_k_out_split_holds_out_k_per_eligible_user():
    C = _counts(50, 40, density=0.3, seed=5)
    train, test = leave_k_out_split(C, K=2, random_state=0)
    assert (train + test - C).nnz == 0
    counts, held = np.diff(C.indptr), np.diff(test.tocsr().indptr)
    assert (held[counts > 3] == 2).all() and (held[counts <= 3] == 0).all()
    again = leave_k_out_split(C, K=2, random_state=0)[1]
    assert (again != test).nnz == 0
    _, test = leave_k_out_split(C, K=1, train_only_size=0.5, random_state=0)
    assert (np.diff(test.tocsr().indptr) > 0).sum() <= 25
    with pytest.raises(ValueError):
        leave_k_out_split(C, K=0)
    with pytest.raises(ValueError):
        leave_k_out_split(C, K=1, train_only_size=1.0)


# --------------------------------------------------------------------------- neighbours
def test_weightings_follow_their_formulas():
    X = _counts(20, 15, seed=2).toarray().astype(np.float64)
    n = X.shape[0]
    idf = np.log(n) - np.log1p((X > 0).sum(axis=0))
    np.testing.assert_allclose(tfidf_weight(sp.csr_matrix(X)).toarray(),
                               np.sqrt(X) * idf * (X > 0))
    norm = normalize(sp.csr_matrix(X)).toarray()
    np.testing.assert_allclose(np.linalg.norm(norm, axis=1), 1.0)
    K1, B = 1.2, 0.75
    rows = X.sum(axis=1)
    length = 1 - B + B * rows / rows.mean()
    want = X * (K1 + 1) / (K1 * length[:, None] + X) * idf * (X > 0)
    np.testing.assert_allclose(bm25_weight(sp.csr_matrix(X), K1, B).toarray(), want)


@pytest.mark.parametrize("cls", [ItemItemRecommender, CosineRecommender, TFIDFRecommender,
                                 BM25Recommender])
def test_item_item_models_match_a_dense_reference(cls):
    C = _counts(40, 25, seed=4)
    model = cls(K=6)
    model.fit(C, show_progress=False)
    W = {ItemItemRecommender: lambda m: m,
         CosineRecommender: lambda m: normalize(m.T).T,
         TFIDFRecommender: lambda m: normalize(tfidf_weight(m.T)).T,
         BM25Recommender: lambda m: bm25_weight(m.T, 1.2, 0.75).T}[cls](C)
    W = sp.csr_matrix(W).toarray()
    S = W.T @ W
    keep = np.zeros_like(S)
    for i in range(len(S)):
        top = np.argsort(-S[i], kind="stable")[:6]
        keep[i, top] = S[i, top]
    np.testing.assert_allclose(model.similarity.toarray(), keep, rtol=1e-9, atol=1e-12)
    u = 3
    scores = C[u].toarray()[0] @ keep
    reached = (C[u].toarray()[0] > 0).astype(float) @ (keep != 0) > 0
    reached[C[u].indices] = False
    ids, got = model.recommend(u, C[u], N=5)
    cand = np.flatnonzero(reached)
    want = cand[np.argsort(-scores[cand], kind="stable")][:5]
    np.testing.assert_array_equal(ids, want)
    np.testing.assert_allclose(got, scores[want])
    ids, got = model.similar_items(2, N=4)
    np.testing.assert_array_equal(ids, np.argsort(-keep[2], kind="stable")[:4])
    batch, _ = model.recommend(np.arange(3), C[:3], N=30)
    assert batch.shape == (3, 30) and (batch[:, -1] == -1).all()


def test_all_pairs_knn_and_item_item_files(tmp_path):
    C = _counts(30, 20, seed=6)
    knn = all_pairs_knn(C, 3, show_progress=False).tocsr()
    assert (np.diff(knn.indptr) <= 3).all()
    model = CosineRecommender(K=5)
    model.fit(C, show_progress=False)
    model.save(tmp_path / "knn.npz")
    again = CosineRecommender.load(str(tmp_path / "knn"))
    assert (again.similarity != model.similarity).nnz == 0 and again.K == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CosineRecommender(K=5).fit(C, show_progress=False)  # CSR in: no warning
    with pytest.raises(NotImplementedError):
        model.similar_users(0)


# --------------------------------------------------------------------------- vs implicit
def test_same_model_as_implicit_on_lastfm_sized_data():
    """Where implicit is installed: same data, same settings, exact solves: the same
    factorisation up to float rounding (compared through the score matrices)."""
    peer = pytest.importorskip("implicit.als")
    C = _counts(80, 60, density=0.2, seed=8)
    kw = dict(factors=5, regularization=0.5, alpha=2.0, iterations=6, random_state=3,
              use_cg=False)
    ours = AlternatingLeastSquares(**kw).fit(C, show_progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = peer.AlternatingLeastSquares(use_gpu=False, num_threads=1, **kw)
        theirs.fit(C, show_progress=False)
    np.testing.assert_allclose(ours.user_factors @ ours.item_factors.T,
                               theirs.user_factors @ theirs.item_factors.T, atol=2e-3)
