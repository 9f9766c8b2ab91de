"""``implicit.evaluation``: splits and ranking metrics with implicit 0.7.3's definitions.

``ranking_metrics_at_k`` asks the model for the top K of every user with test items (in
batches of 1000, training items filtered), then, per user with L test items:
precision = Σ hits / Σ min(K, L) (pooled over users), MAP = mean of Σ_{hits at rank i}
(hits so far / i) / min(K, L), NDCG = mean of Σ_{hits} 1/log2(i+1) / IDCG(min(K, L)), and AUC =
mean of (Σ_{misses} hits-before + (hits + L)/2 · (n_items − L − misses)) / (L · (n_items − L)).
The metrics are computed with numpy over each batch instead of a loop per user.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .utils import check_random_state

__all__ = ["AUC_at_k", "leave_k_out_split", "mean_average_precision_at_k", "ndcg_at_k",
           "precision_at_k", "ranking_metrics_at_k", "train_test_split"]


def train_test_split(ratings, train_percentage=0.8, random_state=None):
    """Each stored entry goes to train with probability ``train_percentage``, else to test
    (negative test values are dropped); both keep the shape of ``ratings``."""
    ratings = sp.coo_matrix(ratings)
    rng = check_random_state(random_state)
    to_train = rng.random(len(ratings.data)) < train_percentage
    parts = []
    for mask in (to_train, ~to_train):
        parts.append(sp.csr_matrix((ratings.data[mask], (ratings.row[mask], ratings.col[mask])),
                                   shape=ratings.shape, dtype=ratings.dtype))
    test = parts[1]
    test.data[test.data < 0] = 0
    test.eliminate_zeros()
    return parts[0], test


def leave_k_out_split(ratings, K=1, train_only_size=0.0, random_state=None):
    """K random entries of every user with more than K + 1 entries go to test, the rest to
    train; a fraction ``train_only_size`` of the users (chosen at random) keep all their
    entries in train. Both matrices keep the shape of ``ratings``."""
    if K < 1:
        raise ValueError("The 'K' must be >= 1.")
    if not 0.0 <= train_only_size < 1.0:
        raise ValueError("The 'train_only_size' must be in the range (0.0 <= x < 1.0).")
    ratings = sp.coo_matrix(ratings)
    rng = check_random_state(random_state)
    users, counts = np.unique(ratings.row, return_counts=True)
    candidate = counts > K + 1
    if train_only_size > 0.0:
        n_only = max(1, int(len(users) * train_only_size))
        only = rng.choice(len(users), size=n_only, replace=False)
        keep = np.ones(len(users), dtype=bool)
        keep[only] = False
        candidate &= keep
    in_cand = np.isin(ratings.row, users[candidate])
    # a random key per entry, sorted within users: each candidate user's K smallest go to test
    order = np.lexsort((rng.random(len(ratings.row)), ratings.row))
    rows_sorted = ratings.row[order]
    starts = np.searchsorted(rows_sorted, rows_sorted, side="left")
    rank = np.arange(len(order)) - starts
    to_test = np.zeros(len(order), dtype=bool)
    to_test[order] = (rank < K) & in_cand[order]

    def part(mask):
        return sp.csr_matrix((ratings.data[mask], (ratings.row[mask], ratings.col[mask])),
                             shape=ratings.shape, dtype=ratings.dtype)

    return part(~to_test), part(to_test)


def precision_at_k(model, train_user_items, test_user_items, K=10, show_progress=True,
                   num_threads=1):
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress,
                                num_threads)["precision"]


def mean_average_precision_at_k(model, train_user_items, test_user_items, K=10,
                                show_progress=True, num_threads=1):
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress,
                                num_threads)["map"]


def ndcg_at_k(model, train_user_items, test_user_items, K=10, show_progress=True,
              num_threads=1):
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress,
                                num_threads)["ndcg"]


def AUC_at_k(model, train_user_items, test_user_items, K=10, show_progress=True,  # noqa: N802
             num_threads=1):
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress,
                                num_threads)["auc"]


def ranking_metrics_at_k(model, train_user_items, test_user_items, K=10, show_progress=True,
                         num_threads=1):
    """{"precision", "map", "ndcg", "auc"} at K over the users with test items (see the
    module docstring for the definitions). ``show_progress`` and ``num_threads`` are
    accepted; the model's own threads do the work."""
    K = int(K)
    if K < 1:
        raise ValueError("K must be >= 1")
    train = sp.csr_matrix(train_user_items)
    test = sp.csr_matrix(test_user_items)
    test.sort_indices()
    n_users, n_items = test.shape
    likes = np.diff(test.indptr)
    users = np.flatnonzero(likes > 0).astype(np.int32)
    if not len(users):
        raise ValueError("test_user_items has no interactions")
    cg = 1.0 / np.log2(np.arange(2, K + 2))
    cg_sum = np.cumsum(cg)
    relevant = pr_div = mean_ap = ndcg = mean_auc = 0.0
    for start in range(0, len(users), 1000):
        batch = users[start:start + 1000]
        ids, _ = model.recommend(batch, train[batch], N=K)
        ids = np.asarray(ids)[:, :K]
        if ids.shape[1] < K:  # a model with fewer than K items: the rest are misses
            ids = np.pad(ids, ((0, 0), (0, K - ids.shape[1])), constant_values=-1)
        hits = _hits(test, batch, ids)
        n_pos = likes[batch].astype(np.float64)
        n_neg = n_items - n_pos
        cap = np.minimum(K, n_pos)
        cum = np.cumsum(hits, axis=1)
        relevant += hits.sum()
        pr_div += cap.sum()
        mean_ap += np.sum((hits * cum / np.arange(1, K + 1)).sum(axis=1) / cap)
        ndcg += np.sum((hits * cg).sum(axis=1) / cg_sum[cap.astype(np.int64) - 1])
        misses = (~hits).sum(axis=1)
        auc = (cum * ~hits).sum(axis=1) + (cum[:, -1] + n_pos) / 2.0 * (n_neg - misses)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_auc += np.sum(auc / (n_pos * n_neg))
    total = len(users)
    return {"precision": relevant / pr_div, "map": mean_ap / total, "ndcg": ndcg / total,
            "auc": mean_auc / total}


def _hits(test: sp.csr_matrix, users: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """hits[r, i]: item ids[r, i] is among user users[r]'s test items."""
    n_items = test.shape[1]
    rows = np.repeat(users.astype(np.int64), np.diff(test.indptr)[users])
    cols = test[users].indices.astype(np.int64)
    keys = np.sort(rows * n_items + cols)
    want = users.astype(np.int64)[:, None] * n_items + ids.astype(np.int64)
    pos = np.clip(np.searchsorted(keys, want), 0, max(len(keys) - 1, 0))
    return (ids >= 0) & (ids < n_items) & (keys[pos] == want) if len(keys) else \
        np.zeros(ids.shape, dtype=bool)
