"""Ranking metrics against a loop-by-loop reference, scikit-learn's AUC and implicit."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from ranking_reference import (
    RANKING,
    assert_per_user,
    random_case,
    ref_all,
    ref_auc_user,
    to_sparse,
)

from mfrec.metrics import (
    auc,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
)

# --------------------------------------------------------------------------- (2) reference


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 5, 12])
def test_against_reference_sparse_and_lists(seed, k):
    rng = np.random.default_rng(100 + seed)
    n_items = 40
    rec, gains_rows = random_case(seed, n_items=n_items)
    binary = [dict.fromkeys(g, 1) for g in gains_rows]
    ref = ref_all(rec, binary, k)
    rel_sparse = to_sparse(gains_rows, n_items, rng)
    # lists, some with -1 padding and repeated ids (both ignored)
    rel_lists = []
    for g in gains_rows:
        ids = list(g)
        if ids and rng.random() < 0.3:
            ids = ids + [ids[0], -1]
        rel_lists.append(np.array(ids, dtype=np.int64) if rng.random() < 0.5 else ids)
    for name, fn in RANKING.items():
        for rel in (rel_sparse, rel_lists):
            assert_per_user(fn(rec, rel, k, per_user=True), ref[name])
            assert fn(rec, rel, k) == pytest.approx(np.nanmean(ref[name]), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 4, 12])
def test_against_reference_graded_ndcg(seed, k):
    rng = np.random.default_rng(200 + seed)
    rec, gains_rows = random_case(seed + 10)
    ref = ref_all(rec, gains_rows, k)["ndcg"]
    rel = to_sparse(gains_rows, 40, rng)
    assert_per_user(ndcg_at_k(rec, rel, k, gains="graded", per_user=True), ref)


@pytest.mark.parametrize("seed", range(3))
def test_against_reference_raw_string_ids(seed):
    rec, gains_rows = random_case(seed + 20)
    names = np.array([f"movie-{i:03d}" for i in range(40)], dtype=object)
    rec_raw = names[rec].astype(object)
    rec_raw[rec == -1] = None
    rel_raw = [[names[i] for i in g] for g in gains_rows]
    ref = ref_all(rec_raw, [dict.fromkeys(r, 1) for r in rel_raw], 7)
    for name, fn in RANKING.items():
        assert_per_user(fn(rec_raw, rel_raw, 7, per_user=True), ref[name])
        # and identical to the integer-id answer
        assert_per_user(fn(rec, [list(g) for g in gains_rows], 7, per_user=True), ref[name])


@pytest.mark.parametrize("seed", range(4))
def test_auc_against_reference(seed):
    rec, gains_rows = random_case(seed + 30)
    rng = np.random.default_rng(seed)
    n_cand = rng.integers(40, 60, size=len(rec))  # >= every listed item + relevant item
    n_cand[0] = len(gains_rows[0]) + len({i for i in rec[0] if i >= 0} - set(gains_rows[0]))
    ref = np.array([ref_auc_user(list(r), set(g), c)
                    for r, g, c in zip(rec, gains_rows, n_cand, strict=True)])
    rel_sparse = to_sparse(gains_rows, 40, rng)
    for rel in (rel_sparse, [list(g) for g in gains_rows]):
        assert_per_user(auc(rec, rel, n_cand, per_user=True), ref)
        assert auc(rec, rel, n_cand) == pytest.approx(np.nanmean(ref), rel=1e-12)
    # raw ids
    names = np.array([f"i{i}" for i in range(40)], dtype=object)
    rec_raw = names[rec].astype(object)
    rec_raw[rec == -1] = None
    rel_raw = [[names[i] for i in g] for g in gains_rows]
    assert_per_user(auc(rec_raw, rel_raw, n_cand, per_user=True), ref)


# --------------------------------------------------------------------------- (3) sklearn


@pytest.mark.parametrize("truncate", [None, 10])
def test_auc_matches_sklearn(truncate):
    roc_auc_score = pytest.importorskip("sklearn.metrics").roc_auc_score
    rng = np.random.default_rng(7)
    n_users, n_items = 30, 50
    recs, rels, n_cands, want = [], [], [], []
    for _ in range(n_users):
        seen = rng.choice(n_items, size=rng.integers(0, 10), replace=False)
        candidates = np.setdiff1d(np.arange(n_items), seen)
        scores = rng.standard_normal(candidates.size)
        ranked = candidates[np.argsort(-scores, kind="stable")]  # a full ranking
        positives = rng.choice(candidates, size=rng.integers(1, 8), replace=False)
        y = np.isin(candidates, positives)
        if truncate is None:
            recs.append(ranked)
            s = scores
        else:  # unlisted candidates share the lowest score: ties count 1/2
            recs.append(ranked[:truncate])
            s = np.where(np.isin(candidates, ranked[:truncate]), scores, scores.min() - 1)
        want.append(roc_auc_score(y, s))
        rels.append(positives)
        n_cands.append(candidates.size)
    width = max(len(r) for r in recs)
    rec = np.full((n_users, width), -1)
    for u, r in enumerate(recs):
        rec[u, :len(r)] = r
    np.testing.assert_allclose(auc(rec, rels, np.array(n_cands), per_user=True), want,
                               rtol=1e-12)


# --------------------------------------------------------------------------- (4) implicit


def test_agrees_with_implicit():
    pytest.importorskip("implicit")
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.evaluation import ranking_metrics_at_k

    rng = np.random.default_rng(3)
    n_users, n_items, K = 300, 200, 10
    mask = rng.random((n_users, n_items))
    train = sp.csr_matrix((mask < 0.05).astype(np.float32))
    test = sp.csr_matrix(((mask >= 0.05) & (mask < 0.08)).astype(np.float32))  # disjoint
    test.eliminate_zeros()
    train.eliminate_zeros()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implicit's OpenBLAS threadpool advice
        model = AlternatingLeastSquares(factors=8)
    model.user_factors = rng.standard_normal((n_users, 8)).astype(np.float32)
    model.item_factors = rng.standard_normal((n_items, 8)).astype(np.float32)

    theirs = ranking_metrics_at_k(model, train, test, K=K, show_progress=False, num_threads=1)
    users = np.arange(n_users)
    ids, _ = model.recommend(users, train[users], N=K, filter_already_liked_items=True)
    has_test = np.diff(test.indptr) > 0
    assert has_test.sum() > 100 and not has_test.all()

    # users without test items are skipped, exactly as implicit does
    assert ndcg_at_k(ids, test) == pytest.approx(theirs["ndcg"], rel=1e-6)
    assert map_at_k(ids, test) == pytest.approx(theirs["map"], rel=1e-6)
    assert ndcg_at_k(ids[has_test], test[has_test]) == pytest.approx(theirs["ndcg"], rel=1e-6)
    assert map_at_k(ids[has_test], test[has_test]) == pytest.approx(theirs["map"], rel=1e-6)
    # implicit's AUC is ours with every item a candidate (train items included)
    assert auc(ids, test, n_items) == pytest.approx(theirs["auc"], rel=1e-6)

    # implicit's "precision" is not precision@k: it is total hits / total min(K, |relevant|),
    # pooled over users -- i.e. recall-like (it reaches 1 for a user with 1 relevant item)
    n_rel = np.diff(test.indptr)[has_test]
    hits = np.array([np.isin(ids[u], test.indices[test.indptr[u]:test.indptr[u + 1]]).sum()
                     for u in np.flatnonzero(has_test)])
    assert theirs["precision"] == pytest.approx(hits.sum() / np.minimum(K, n_rel).sum(),
                                                rel=1e-6)
    ours = precision_at_k(ids, test, K)
    assert ours == pytest.approx(np.mean(hits / K), rel=1e-12)
    assert ours != pytest.approx(theirs["precision"], rel=1e-3)

