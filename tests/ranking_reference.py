"""Loop-by-loop reference implementations of the ranking metrics and random test cases
(shared by the ranking-metric tests)."""

import math

import numpy as np
import scipy.sparse as sp

from mfrec.metrics import (
    hit_rate_at_k,
    map_at_k,
    mrr,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

RANKING = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "map": map_at_k,
    "mrr": mrr,
    "hit_rate": hit_rate_at_k,
}


def log2(x):
    return math.log2(x)


# --------------------------------------------------------------------------- reference
# A deliberately naive implementation, one user and one position at a time, written from the
# definitions in the docstrings (not from the vectorized code).


def _is_pad(item):
    return item is None or (isinstance(item, (int, np.integer)) and item == -1)


def ref_user(row, gains, k):
    """All at-k metrics of one user. row: ids best first; gains: dict id -> gain (> 0)."""
    if not gains:
        return dict.fromkeys(RANKING, float("nan"))
    hits, seen = [], set()
    for item in list(row)[:k]:
        if _is_pad(item):
            hits.append(False)
            continue
        hits.append(item in gains and item not in seen)
        seen.add(item)
    n_rel = len(gains)
    n_hits = sum(hits)
    dcg = 0.0
    for j, h in enumerate(hits):  # j is the 0-based rank, the discount is log2(rank + 1)
        if h:
            dcg += gains[row[j]] / log2(j + 2)
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / log2(j + 2) for j, g in enumerate(ideal))
    ap, n_seen_hits = 0.0, 0
    for j, h in enumerate(hits):
        if h:
            n_seen_hits += 1
            ap += n_seen_hits / (j + 1)  # precision at j+1, counted at hits only
    ap /= min(k, n_rel)
    rr = 0.0
    for j, h in enumerate(hits):
        if h:
            rr = 1.0 / (j + 1)
            break
    return {
        "precision": n_hits / k,
        "recall": n_hits / n_rel,
        "ndcg": dcg / idcg,
        "map": ap,
        "mrr": rr,
        "hit_rate": 1.0 if n_hits else 0.0,
    }


def ref_auc_user(row, positives, n_candidates):
    """Pairwise AUC: listed items ranked by position, unlisted ones tied below the list."""
    rank, pos = {}, 0
    for item in row:
        pos += 1
        if not _is_pad(item) and item not in rank:
            rank[item] = pos
    listed_neg = [i for i in rank if i not in positives]
    n_pos = len(positives)
    n_neg = n_candidates - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    n_unlisted_neg = n_neg - len(listed_neg)
    total = 0.0
    for p in positives:
        for q in listed_neg:
            if p in rank and rank[p] < rank[q]:
                total += 1.0
        # every unlisted negative: below a listed positive, tied with an unlisted one
        total += n_unlisted_neg * (1.0 if p in rank else 0.5)
    return total / (n_pos * n_neg)


def ref_all(rec, gains_rows, k):
    per = [ref_user(list(row), g, k) for row, g in zip(rec, gains_rows, strict=True)]
    return {name: np.array([p[name] for p in per]) for name in RANKING}


def random_case(seed, n_users=60, n_items=40, n_rec=12):
    """Random lists with padding and duplicates, random relevant sets with gains 1..5."""
    rng = np.random.default_rng(seed)
    rec = np.full((n_users, n_rec), -1, dtype=np.int64)
    gains_rows = []
    for u in range(n_users):
        length = rng.integers(0, n_rec + 1)
        row = rng.permutation(n_items)[:length]
        if length > 3 and rng.random() < 0.3:  # a later duplicate
            row[rng.integers(1, length)] = row[0]
        rec[u, :length] = row
        n_rel = rng.integers(0, 8) if rng.random() > 0.15 else 0
        items = rng.choice(n_items, size=n_rel, replace=False)
        gains_rows.append({int(i): int(rng.integers(1, 6)) for i in items})
    return rec, gains_rows


def to_sparse(gains_rows, n_items, rng, explicit_zeros=True):
    rows, cols, vals = [], [], []
    for u, g in enumerate(gains_rows):
        for i, v in g.items():
            rows.append(u)
            cols.append(i)
            vals.append(float(v))
        if explicit_zeros:  # stored zeros are not relevant
            for i in rng.choice(n_items, size=2, replace=False):
                if int(i) not in g:
                    rows.append(u)
                    cols.append(int(i))
                    vals.append(0.0)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(gains_rows), n_items))


def assert_per_user(ours, ref):
    assert ours.shape == ref.shape
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(ours[ok], ref[ok], rtol=1e-12, atol=1e-12)

