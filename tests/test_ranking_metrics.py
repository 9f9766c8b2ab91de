"""Ranking metrics: hand-computed cases and bad input (see also *_vs_reference.py)."""


import numpy as np
import pytest
import scipy.sparse as sp
from ranking_reference import (
    RANKING,
    assert_per_user,
    log2,
)

from mfrec import metrics as M
from mfrec.metrics import (
    auc,
    coverage,
    hit_rate_at_k,
    map_at_k,
    mrr,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

# --------------------------------------------------------------------------- (1) by hand

# user 0: rec [0, 1, 2, 3], relevant {0, 2}    -> hits at ranks 1 and 3
# user 1: rec [4, 5, 6, 7], relevant {8}       -> no hit
# user 2: rec [1, 1, 9, -1], relevant {1, 9, 3} -> hit at 1, rank 2 is a later duplicate
#                                                (not a hit), hit at 3, rank 4 padding
# user 3: relevant {}                          -> skipped
# user 4: rec [7, 8, 5, 6], relevant {5}       -> hit at rank 3
TOY_REC = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [1, 1, 9, -1], [0, 1, 2, 3], [7, 8, 5, 6]])
TOY_REL = [[0, 2], [8], [1, 9, 3], [], [5]]
NAN = float("nan")

TOY_EXPECTED_K4 = {
    # hits / 4
    "precision": [2 / 4, 0, 2 / 4, NAN, 1 / 4],
    # hits / |relevant|
    "recall": [2 / 2, 0, 2 / 3, NAN, 1 / 1],
    # (1 + 1/log2(4)) / (1 + 1/log2(3));  0;  (1 + 1/log2(4)) / (1 + 1/log2(3) + 1/log2(4));
    # (1/log2(4)) / 1
    "ndcg": [
        (1 + 1 / log2(4)) / (1 + 1 / log2(3)),
        0,
        (1 + 1 / log2(4)) / (1 + 1 / log2(3) + 1 / log2(4)),
        NAN,
        (1 / log2(4)) / 1,
    ],
    # (P@1 + P@3) / min(4, 2) = (1 + 2/3) / 2;  0;  (1 + 2/3) / min(4, 3);  (1/3) / 1
    "map": [(1 + 2 / 3) / 2, 0, (1 + 2 / 3) / 3, NAN, (1 / 3) / 1],
    # 1 / rank of the first hit
    "mrr": [1, 0, 1, NAN, 1 / 3],
    "hit_rate": [1, 0, 1, NAN, 1],
}

TOY_EXPECTED_K2 = {
    # only ranks 1-2: user 0 hits at 1; user 2 hits at 1 (rank 2 duplicate); user 4 none
    "precision": [1 / 2, 0, 1 / 2, NAN, 0],
    "recall": [1 / 2, 0, 1 / 3, NAN, 0],
    # IDCG@2 of 2 or 3 relevant = 1 + 1/log2(3)
    "ndcg": [1 / (1 + 1 / log2(3)), 0, 1 / (1 + 1 / log2(3)), NAN, 0],
    # P@1 / min(2, |relevant|)
    "map": [1 / 2, 0, 1 / 2, NAN, 0],
    "mrr": [1, 0, 1, NAN, 0],
    "hit_rate": [1, 0, 1, NAN, 0],
}


@pytest.mark.parametrize("name", list(RANKING))
@pytest.mark.parametrize("k, expected", [(None, TOY_EXPECTED_K4), (4, TOY_EXPECTED_K4),
                                         (2, TOY_EXPECTED_K2)])
def test_toy_by_hand(name, k, expected):
    fn = RANKING[name]
    want = np.array(expected[name], dtype=float)
    got = fn(TOY_REC, TOY_REL, k, per_user=True)
    assert_per_user(got, want)
    # the mean skips user 3 (no relevant items)
    assert fn(TOY_REC, TOY_REL, k) == pytest.approx(np.nanmean(want), abs=1e-15)
    # the same through a sparse matrix
    rows = [u for u, r in enumerate(TOY_REL) for _ in r]
    cols = [i for r in TOY_REL for i in r]
    rel = sp.csr_array((np.ones(len(cols)), (rows, cols)), shape=(5, 10))
    assert_per_user(fn(TOY_REC, rel, k, per_user=True), want)


def test_graded_ndcg_by_hand():
    # user 0: rec [0, 1, 2, 3]; gains item 0 -> 1, item 2 -> 3, item 3 -> stored 0 (not relevant)
    #   DCG = 1/log2(2) + 3/log2(4) = 2.5;  IDCG = 3/log2(2) + 1/log2(3)
    #   and at k=1: DCG@1 = 1 (item 0), IDCG@1 = 3 (the best gain) -> 1/3
    # user 1: rec [4, 5, 6, 7]; gains item 5 -> 2, item 9 -> 4, item 8 -> 1
    #   DCG = 2/log2(3);  IDCG@4 = 4 + 2/log2(3) + 1/log2(4)
    #   and at k=1: DCG@1 = 0 (item 4 is not relevant), IDCG@1 = 4
    rec = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
    rel = sp.csr_matrix(
        ([1.0, 3.0, 0.0, 2.0, 4.0, 1.0], ([0, 0, 0, 1, 1, 1], [0, 2, 3, 5, 9, 8])),
        shape=(2, 10),
    )
    want = [2.5 / (3 + 1 / log2(3)), (2 / log2(3)) / (4 + 2 / log2(3) + 1 / log2(4))]
    np.testing.assert_allclose(ndcg_at_k(rec, rel, gains="graded", per_user=True), want)
    np.testing.assert_allclose(ndcg_at_k(rec, rel, 1, gains="graded", per_user=True),
                               [1 / 3, 0])
    # binary gains ignore the values but still drop the stored zero:
    #   user 0: (1 + 1/log2(4)) / (1 + 1/log2(3))
    assert ndcg_at_k(rec, rel, per_user=True)[0] == pytest.approx(
        (1 + 1 / log2(4)) / (1 + 1 / log2(3)))


def test_auc_by_hand():
    # 5 candidates, relevant {0, 1}: P = 2, N = 3. Listed: 3 (neg), 0 (pos), 4 (neg);
    # unlisted: 1 (pos), 2 (neg).
    #   pos 0: above neg 4 and unlisted neg 2, below neg 3      -> 2
    #   pos 1: below 3 and 4, tied with unlisted neg 2          -> 0.5
    #   AUC = 2.5 / (2 * 3)
    # second user: a full list [1, 0, 2] of 3 candidates, relevant {1}: AUC = 2/2 = 1
    # third user: relevant {0, 1, 2} = every candidate -> no negative, skipped
    rec = np.array([[3, 0, 4], [1, 0, 2], [0, 1, 2]])
    rel = [[0, 1], [1], [0, 1, 2]]
    got = auc(rec, rel, [5, 3, 3], per_user=True)
    assert_per_user(got, np.array([2.5 / 6, 1.0, NAN]))
    assert auc(rec, rel, [5, 3, 3]) == pytest.approx((2.5 / 6 + 1) / 2)
    # a duplicate is ignored, padding too: [3, 3, 0, -1, 4] is the same ranking as [3, 0, 4]
    got2 = auc(np.array([[3, 3, 0, -1, 4]]), [[0, 1]], 5)
    assert got2 == pytest.approx(2.5 / 6)


def test_coverage_by_hand():
    # {0, 1, 2} of 5 items, padding ignored
    assert coverage([[0, 1, -1], [1, 2, -1]], 5) == pytest.approx(3 / 5)
    raw = np.array([["a", "b", None], ["b", "c", None]], dtype=object)
    assert coverage(raw, 4) == pytest.approx(3 / 4)
    assert coverage(np.full((3, 2), -1), 7) == 0.0


def test_raw_ids_by_hand():
    # the toy case with string ids, padding None
    names = np.array([f"item{i}" for i in range(10)], dtype=object)
    rec = names[TOY_REC].astype(object)
    rec[TOY_REC == -1] = None
    rel = [[f"item{i}" for i in r] for r in TOY_REL]
    for name, fn in RANKING.items():
        assert_per_user(fn(rec, rel, per_user=True), np.array(TOY_EXPECTED_K4[name], float))
    # a numpy string array (no padding possible) works as raw ids too
    rec_u = np.array([["a", "b"], ["c", "d"]])
    assert precision_at_k(rec_u, [["b"], ["x", "c", "d"]]) == pytest.approx((0.5 + 1.0) / 2)


def test_return_types():
    v = ndcg_at_k(TOY_REC, TOY_REL)
    assert type(v) is float
    pu = ndcg_at_k(TOY_REC, TOY_REL, per_user=True)
    assert isinstance(pu, np.ndarray) and pu.shape == (5,) and pu.dtype == np.float64
    assert type(auc(TOY_REC, TOY_REL, 10)) is float
    assert type(coverage(TOY_REC, 10)) is float


def test_sparse_formats_and_ids_beyond_columns():
    # every scipy format gives the same answer; rec ids >= n_cols are simply not relevant
    rec = np.array([[0, 7, 2], [5, 1, 9]])
    dense = np.array([[1, 0, 1, 0, 0], [0, 1, 0, 0, 0]], dtype=np.float32)
    want = ndcg_at_k(rec, [[0, 2], [1]], per_user=True)
    for fmt in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array, sp.coo_array,
                sp.lil_matrix):
        assert_per_user(ndcg_at_k(rec, fmt(dense), per_user=True), want)
    # non-canonical CSR (unsorted indices, duplicates summed like scipy does: 1 + -1 = 0)
    m = sp.csr_matrix(
        (np.array([1.0, 1.0, 1.0, -1.0]), np.array([2, 0, 1, 1]), np.array([0, 2, 4])),
        shape=(2, 5),
    )
    assert not m.has_canonical_format
    assert_per_user(recall_at_k(rec, m, per_user=True), np.array([1.0, NAN]))


# --------------------------------------------------------------------------- (5) errors


def test_k_errors():
    with pytest.raises(ValueError, match=r"k=5.*n_rec=4"):
        precision_at_k(TOY_REC, TOY_REL, 5)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="k must be >= 1"):
            ndcg_at_k(TOY_REC, TOY_REL, bad)
    for bad in (2.0, True, "3"):
        with pytest.raises(TypeError, match="k must be an integer"):
            map_at_k(TOY_REC, TOY_REL, bad)


def test_recommended_errors():
    with pytest.raises(ValueError, match="recommended must be 2-D"):
        precision_at_k([0, 1, 2], [[0]])
    with pytest.raises(ValueError, match="recommended must be 2-D"):
        precision_at_k(np.zeros((2, 2, 2), int), [[0], [1]])
    with pytest.raises(ValueError, match="rectangular"):
        recall_at_k([[0, 1], [2]], [[0], [1]])
    with pytest.raises(TypeError, match="recommended.*float64"):
        mrr(np.array([[0.0, 1.0]]), [[0]])
    with pytest.raises(TypeError, match="recommended.*bool"):
        mrr(np.array([[True, False]]), [[0]])
    with pytest.raises(ValueError, match="recommended has no columns"):
        mrr(np.zeros((2, 0), int), [[0], [1]])
    with pytest.raises(ValueError, match="negative id -3"):
        hit_rate_at_k([[0, -3]], [[0]])


def test_relevant_errors():
    with pytest.raises(ValueError, match="relevant has 2 rows but recommended has 5"):
        precision_at_k(TOY_REC, [[0], [1]])
    with pytest.raises(ValueError, match=r"relevant has shape \(4, 10\)"):
        precision_at_k(TOY_REC, sp.csr_matrix((4, 10)))
    with pytest.raises(TypeError, match="ambiguous"):
        precision_at_k(TOY_REC, np.zeros((5, 10)))
    with pytest.raises(TypeError, match="relevant must be"):
        precision_at_k(TOY_REC, 3)
    with pytest.raises(ValueError, match=r"relevant\[1\] must be a 1-D"):
        precision_at_k(TOY_REC[:2], [[0], [[1, 2]]])
    with pytest.raises(ValueError, match="no user has relevant items"):
        ndcg_at_k(TOY_REC, [[]] * 5)
    with pytest.raises(ValueError, match="no user has relevant items"):
        ndcg_at_k(TOY_REC, sp.csr_matrix(np.zeros((5, 10))))
    with pytest.raises(ValueError, match="relevant contains the negative id -2"):
        recall_at_k(TOY_REC[:1], [[0, -2]])


def test_mixed_id_kinds():
    raw = np.array([["a", "b"], ["c", None]], dtype=object)
    with pytest.raises(TypeError, match="raw ids.*sparse"):
        precision_at_k(raw, sp.csr_matrix((2, 5)))
    with pytest.raises(TypeError, match="relevant holds ids of dtype <U1.*integer"):
        precision_at_k([[0, 1], [2, 3]], [["a"], ["b"]])
    with pytest.raises(TypeError, match="relevant holds non-integer ids"):
        precision_at_k([[0, 1], [2, 3]], [[0, "a"], [1]])
    with pytest.raises(TypeError, match="different kinds"):
        precision_at_k(raw, [[1], [2]])
    unhashable = np.empty((1, 2), dtype=object)
    unhashable[0, 0], unhashable[0, 1] = ["a"], "b"  # a list inside an object array
    with pytest.raises(TypeError, match="hashable"):
        precision_at_k(unhashable, [["b"]])


def test_gains_errors():
    rec = np.array([[0, 1]])
    with pytest.raises(ValueError, match="graded.*sparse"):
        ndcg_at_k(rec, [[0]], gains="graded")
    with pytest.raises(ValueError, match='gains must be "binary" or "graded"'):
        ndcg_at_k(rec, [[0]], gains="exp")
    with pytest.raises(ValueError, match="non-negative.*-1"):
        ndcg_at_k(rec, sp.csr_matrix(np.array([[2.0, -1.0]])), gains="graded")
    with pytest.raises(ValueError, match="non-negative.*nan"):
        ndcg_at_k(rec, sp.csr_matrix(np.array([[np.nan, 1.0]])), gains="graded")


def test_auc_errors():
    rec = np.array([[3, 0, 4]])
    with pytest.raises(ValueError, match=r"too small for user row 0: 3 < 2 relevant \+ 2"):
        auc(rec, [[0, 1]], 3)
    with pytest.raises(ValueError, match=r"shape \(n_users,\) = \(1,\)"):
        auc(rec, [[0, 1]], [5, 5])
    with pytest.raises(TypeError, match="n_candidates"):
        auc(rec, [[0, 1]], 5.0)
    with pytest.raises(TypeError, match="n_candidates"):
        auc(rec, [[0, 1]], True)
    with pytest.raises(ValueError, match="n_candidates must be >= 0"):
        auc(np.array([[-1]]), [[]], -1)
    with pytest.raises(ValueError, match="no user has both"):
        auc(np.array([[0, 1]]), [[0, 1]], 2)


def test_coverage_errors():
    with pytest.raises(ValueError, match=r"item id 9, outside \[0, n_items=5\)"):
        coverage([[0, 9]], 5)
    with pytest.raises(ValueError, match="n_items must be >= 1"):
        coverage([[0]], 0)
    with pytest.raises(ValueError, match="more than n_items=1"):
        coverage(np.array([["a", "b"]], dtype=object), 1)


def test_all_exported():
    for name in ("precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "mrr",
                 "hit_rate_at_k", "auc", "coverage", "rmse", "mae"):
        assert name in M.__all__ and callable(getattr(M, name))
