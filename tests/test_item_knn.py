"""ItemKNN (implicit-feedback item-item neighbours) and the weighting helpers, against numpy
references of implicit's formulas."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec


@pytest.fixture(scope="module")
def counts():
    """40 users × 25 items of play counts, 30 % observed, plus one empty user."""
    rng = np.random.default_rng(3)
    M = rng.random((40, 25)) < 0.3
    M[7] = False
    C = np.where(M, rng.integers(1, 20, (40, 25)), 0).astype(np.float32)
    return C, sp.csr_matrix(C)


def ref_weighted(C, weighting, k1=1.2, b=0.75):
    """W (items × users) as implicit builds it, dense float64."""
    X = C.T.astype(np.float64)
    n_rows = X.shape[0]
    nz = X != 0
    idf = np.log(n_rows) - np.log1p(nz.sum(axis=0))
    if weighting == "tfidf":
        X = np.where(nz, np.sqrt(X) * idf[None, :], 0.0)
    elif weighting == "bm25":
        row_sums = X.sum(axis=1)
        L = (1 - b) + b * row_sums / row_sums.mean()
        X = np.where(nz, X * (k1 + 1) / (k1 * L[:, None] + X) * idf[None, :], 0.0)
    if weighting in ("cosine", "tfidf"):
        norms = np.linalg.norm(X, axis=1)
        X = X / np.where(norms > 0, norms, 1.0)[:, None]
    return X


def ref_similarity(W, k):
    """Row-wise top-k (positive) of W Wᵀ, the row's own entry included."""
    S = W @ W.T
    out = np.zeros_like(S)
    for i in range(S.shape[0]):
        order = np.lexsort((np.arange(S.shape[1]), -S[i]))
        keep = [j for j in order[:k] if S[i, j] > 0]
        out[i, keep] = S[i, keep]
    return out


def test_weighting_helpers_match_numpy(counts):
    C, X = counts
    np.testing.assert_allclose(mfrec.tfidf_weight(X.T).toarray(),
                               np.where(C.T != 0, np.sqrt(C.T) * (
                                   np.log(25) - np.log1p((C.T != 0).sum(axis=0)))[None, :], 0),
                               rtol=1e-6)
    got = mfrec.bm25_weight(X.T, k1=1.2, b=0.75).toarray()
    ref = ref_weighted(C, "bm25")
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12)
    with pytest.raises(TypeError, match="sparse"):
        mfrec.bm25_weight(C)
    with pytest.raises(ValueError, match="b must be"):
        mfrec.bm25_weight(X, b=2)


@pytest.mark.parametrize("weighting", ["cosine", "tfidf", "bm25", None])
def test_similarity_and_scores_match_numpy(counts, weighting):
    C, X = counts
    model = mfrec.ItemKNN(k=6, weighting=weighting, n_threads=2).fit(X)
    S = ref_similarity(ref_weighted(C, weighting), 6)
    np.testing.assert_allclose(model.similarity_.toarray(), S, rtol=2e-5, atol=1e-6)
    scores = C.astype(np.float64) @ S  # Σ_j r_uj S[j, i]
    users, items = np.nonzero(np.ones_like(C))
    np.testing.assert_allclose(model.predict(users, items), scores[users, items],
                               rtol=2e-5, atol=1e-5)
    ids, top = model.recommend(np.arange(40), n=5)
    for u in range(40):
        s = scores[u].copy()
        s[C[u] != 0] = -np.inf
        ok = ids[u] >= 0
        np.testing.assert_allclose(top[u][ok], np.sort(s)[::-1][:ok.sum()], rtol=2e-5,
                                   atol=1e-5)
    assert (ids[7] >= 0).all() and np.allclose(top[7], 0)  # no interactions: all zero


def test_similar_items_and_users(counts):
    C, X = counts
    model = mfrec.ItemKNN(k=8, n_threads=1).fit(X)
    S = model.similarity_.toarray()
    ids, scores = model.similar_items([3], n=4)
    order = [j for j in np.lexsort((np.arange(25), -S[3])) if j != 3 and S[3, j] > 0][:4]
    np.testing.assert_array_equal(ids[0][:len(order)], order)
    U = ref_weighted(C, "cosine").T  # users × items, the items' rows normalized
    sims = U @ U.T
    ids, scores = model.similar_users([2], n=3)
    ref = [v for v in np.lexsort((np.arange(40), -sims[2])) if v != 2 and sims[2, v] > 0][:3]
    np.testing.assert_array_equal(ids[0], ref)
    np.testing.assert_allclose(scores[0], sims[2, ref], rtol=1e-5)


def test_added_users_are_scored_from_their_interactions(counts):
    C, X = counts
    model = mfrec.ItemKNN(k=8, n_threads=1).fit(X)
    new = model.add_users(X[:2])
    np.testing.assert_allclose(model.predict(np.repeat(new, 25), np.tile(np.arange(25), 2)),
                               model.predict(np.repeat([0, 1], 25), np.tile(np.arange(25), 2)))


@pytest.mark.parametrize("params, err, match", [
    ({"k": 0}, ValueError, "k must be"),
    ({"weighting": "okapi"}, ValueError, "weighting must be"),
    ({"bm25_b": 1.5}, ValueError, "bm25_b"),
    ({"bm25_k1": -1}, ValueError, "bm25_k1"),
])
def test_bad_parameters(counts, params, err, match):
    with pytest.raises(err, match=match):
        mfrec.ItemKNN(**params).fit(counts[1])


def test_negative_values_rejected(counts):
    X = counts[1].copy()
    X.data[0] = -1
    with pytest.raises(ValueError, match="non-negative"):
        mfrec.ItemKNN().fit(X)
