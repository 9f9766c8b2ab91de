"""recommend / similar_items / similar_users against brute-force numpy references."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _core


@pytest.fixture(scope="module")
def fitted(small):
    return mfrec.FunkSVD(n_factors=12, n_epochs=5, random_state=0, n_threads=2).fit(small)


def full_scores(model):
    """The dense score matrix in float64, biases included for biased models."""
    S = model.user_factors_.astype(np.float64) @ model.item_factors_.T.astype(np.float64)
    if model._biased:
        S += model.global_mean_ + model.user_bias_[:, None] + model.item_bias_[None, :]
    return S


def reference_topn(S, n, seen=None, allowed=None):
    """argsort of the full score matrix with seen / disallowed items masked."""
    S = S.copy()
    if seen is not None:
        r, c = seen.nonzero()
        S[r, c] = -np.inf
    if allowed is not None:
        mask = np.ones(S.shape[1], bool)
        mask[allowed] = False
        S[:, mask] = -np.inf
    order = np.argsort(-S, axis=1, kind="stable")[:, :n]
    return order, np.take_along_axis(S, order, 1)


def assert_topn_equal(model, S, ids_inner, scores, ref_ids, ref_scores):
    """Equal up to ties: same score profile, and every returned item really has its score."""
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-5)
    got = np.take_along_axis(S, ids_inner, 1)
    np.testing.assert_allclose(got, scores, rtol=1e-5, atol=1e-5)
    # Where scores are separated from their neighbours by more than rounding, ids agree.
    gap = np.abs(np.diff(ref_scores, axis=1, prepend=np.inf, append=-np.inf))
    clear = (gap[:, :-1] > 1e-4) & (gap[:, 1:] > 1e-4)
    assert np.array_equal(ids_inner[clear], ref_ids[clear])


def inner(model, raw_ids):
    return model.item_map_.to_inner(np.asarray(raw_ids).reshape(-1)).reshape(np.shape(raw_ids))


@pytest.mark.parametrize("biased", [True, False])
def test_recommend_matches_bruteforce(small, biased):
    model = mfrec.FunkSVD(n_factors=12, n_epochs=5, biased=biased, random_state=0).fit(small)
    ids, scores = model.recommend(n=15)
    assert ids.shape == scores.shape == (small.n_users, 15)
    S = full_scores(model)
    ref_ids, ref_scores = reference_topn(S, 15, seen=small.to_csr())
    assert_topn_equal(model, S, inner(model, ids), scores, ref_ids, ref_scores)


def test_never_returns_seen_or_excluded(fitted, small):
    excl = small.item_ids[:40]
    ids, _ = fitted.recommend(n=30, exclude=excl)
    csr = small.to_csr()
    ii = inner(fitted, ids)
    for u in range(small.n_users):
        seen = set(csr.indices[csr.indptr[u]:csr.indptr[u + 1]])
        assert not seen & set(ii[u])
    assert not set(ii.ravel()) & set(inner(fitted, excl))


def test_allow_list_and_filter_seen_off(fitted, small):
    allowed = small.item_ids[10:60:3]
    ids, scores = fitted.recommend(small.user_ids[:50], n=5, items=allowed, filter_seen=False)
    S = full_scores(fitted)[:50]
    ref_ids, ref_scores = reference_topn(S, 5, allowed=inner(fitted, allowed))
    assert_topn_equal(fitted, S, inner(fitted, ids), scores, ref_ids, ref_scores)


def test_batch_equals_one_by_one(fitted, small):
    users = small.user_ids[::7]
    ids, scores = fitted.recommend(users, n=10)
    for j, u in enumerate(users):
        one_ids, one_scores = fitted.recommend([u], n=10)
        assert np.array_equal(one_ids[0], ids[j])
        assert np.array_equal(one_scores[0], scores[j])


def test_same_result_at_any_thread_count(small):
    a = mfrec.FunkSVD(n_factors=12, n_epochs=3, random_state=0, n_threads=1).fit(small)
    ids1, s1 = a.recommend(n=10)
    a.set_params(n_threads=2)
    a.n_threads_ = 2
    ids2, s2 = a.recommend(n=10)
    assert np.array_equal(ids1, ids2) and np.array_equal(s1, s2)


def test_user_items_overrides_seen(fitted, small):
    users = small.user_ids[:20]
    rng = np.random.default_rng(0)
    seen = sp.random(20, small.n_items, density=0.2, format="csr", random_state=rng)
    ids, scores = fitted.recommend(users, n=10, user_items=seen)
    S = full_scores(fitted)[inner_users(fitted, users)]
    ref_ids, ref_scores = reference_topn(S, 10, seen=seen)
    assert_topn_equal(fitted, S, inner(fitted, ids), scores, ref_ids, ref_scores)
    with pytest.raises(ValueError, match="shape"):
        fitted.recommend(users, n=10, user_items=seen[:5])


def inner_users(model, raw):
    return model.user_map_.to_inner(np.asarray(raw))


def test_padding_raw_and_inner_ids(small):
    shifted = mfrec.Interactions(small.users, small.items + 1000, small.ratings)  # raw ids
    model = mfrec.FunkSVD(n_factors=4, n_epochs=2, random_state=0).fit(shifted)
    few = shifted.item_ids[:3]
    ids, scores = model.recommend(shifted.user_ids[:4], n=5, items=few, filter_seen=False)
    assert ids.dtype == object and ids.shape == (4, 5)
    assert all(x is None for x in ids[:, 3:].ravel())
    assert np.isnan(scores[:, 3:]).all() and np.isfinite(scores[:, :3]).all()
    assert set(ids[0, :3]) == set(few)
    full, _ = model.recommend(shifted.user_ids[:4], n=3)  # no padding: the ids' own dtype
    assert full.dtype == shifted.item_ids.dtype
    # Fitted on a sparse matrix: inner ids, padding -1.
    sparse_model = mfrec.FunkSVD(n_factors=4, n_epochs=2, random_state=0).fit(small.to_csr())
    ids, scores = sparse_model.recommend([0, 1], n=5, items=[3, 4], filter_seen=False)
    assert ids.dtype == np.int64
    assert (ids[:, 2:] == -1).all() and np.isnan(scores[:, 2:]).all()
    assert set(ids[0, :2]) == {3, 4}


def test_scores_are_unclipped_model_scores(fitted, small):
    ids, scores = fitted.recommend(small.user_ids[:5], n=3, filter_seen=False)
    u = np.repeat(small.user_ids[:5], 3)
    pred = fitted.predict(u, ids.ravel(), clip=False)
    np.testing.assert_allclose(scores.ravel(), pred, rtol=1e-5, atol=1e-5)


def test_recommend_bad_input(fitted, small):
    with pytest.raises(ValueError, match="n must be"):
        fitted.recommend(n=0)
    with pytest.raises(KeyError, match="unknown .*user"):
        fitted.recommend(["nobody"])
    with pytest.raises(KeyError, match="unknown .*item"):
        fitted.recommend(n=3, exclude=[10**6])
    with pytest.raises(TypeError, match="user_items"):
        fitted.recommend(small.user_ids[:2], user_items=np.zeros((2, small.n_items)))
    with pytest.raises(mfrec.NotFittedError):
        mfrec.FunkSVD().recommend()


def test_large_n_returns_every_unseen_item(fitted, small):
    u = small.user_ids[0]
    ids, scores = fitted.recommend([u], n=small.n_items + 5)
    n_seen = small.user_counts()[fitted.user_map_.to_inner([u])[0]]
    assert np.isfinite(scores[0]).sum() == small.n_items - n_seen
    assert (ids[0][np.isnan(scores[0])] == -1).all()  # identity ids: padding -1
    assert np.all(np.diff(scores[0][: small.n_items - n_seen]) <= 0)


def cosine(F):
    norms = np.linalg.norm(F.astype(np.float64), axis=1)
    U = F / np.where(norms > 0, norms, 1)[:, None]
    return U @ U.T


@pytest.mark.parametrize("kind", ["items", "users"])
def test_similar_matches_cosine(fitted, small, kind):
    F = fitted.item_factors_ if kind == "items" else fitted.user_factors_
    idmap = fitted.item_map_ if kind == "items" else fitted.user_map_
    raw = (small.item_ids if kind == "items" else small.user_ids)[:30]
    fn = fitted.similar_items if kind == "items" else fitted.similar_users
    ids, scores = fn(raw, n=8)
    C = cosine(F)[idmap.to_inner(raw)]
    q = idmap.to_inner(raw)
    C[np.arange(len(q)), q] = -np.inf
    ref = np.argsort(-C, axis=1, kind="stable")[:, :8]
    got = idmap.to_inner(ids.ravel()).reshape(ids.shape)
    np.testing.assert_allclose(scores, np.take_along_axis(C, ref, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.take_along_axis(C, got, 1), scores, rtol=1e-5, atol=1e-5)
    assert not np.any(got == q[:, None])  # never the query itself


def test_similar_items_skips_cold_items(small):
    train = small.subset(np.flatnonzero(small.item_index != 0))  # item 0 becomes cold
    model = mfrec.FunkSVD(n_factors=6, n_epochs=3, random_state=0).fit(train)
    ids, scores = model.similar_items(small.item_ids[1:4], n=small.n_items)
    assert small.item_ids[0] not in set(ids.ravel())
    cold_ids, cold_scores = model.similar_items(small.item_ids[:1], n=3)
    assert (cold_ids[0] == -1).all() and np.isnan(cold_scores).all()


def test_panel_width_matches_cpu():
    assert _core.topk_panel_width() in (8, 16, 24)
