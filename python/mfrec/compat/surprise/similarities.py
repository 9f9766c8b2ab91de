"""Surprise's similarity functions: ``cosine``, ``msd``, ``pearson``, ``pearson_baseline``.

Same signatures and results as Surprise's (a dense n_x × n_x float64 matrix from ``yr``, the
``ur`` or ``ir`` dict of a Trainset), computed with sparse matrix products instead of a loop
over every co-rated pair. Pairs with fewer than ``min_support`` common ratings get 0; the
diagonal is 1.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["cosine", "msd", "pearson", "pearson_baseline"]


def _matrices(n_x, yr, values=None):
    """(ratings R, indicator B) as n_x × n_y CSR matrices from ``yr``: y -> [(x, r), ...];
    ``values(x, y, r)`` replaces the ratings when given."""
    xs, ys, rs = [], [], []
    for y, pairs in yr.items():
        for x, r in pairs:
            xs.append(x)
            ys.append(y)
            rs.append(r)
    xs = np.asarray(xs, np.int64)
    ys = np.asarray(ys, np.int64)
    rs = np.asarray(rs, np.float64)
    if values is not None:
        rs = values(xs, ys, rs)
    n_y = int(ys.max()) + 1 if len(ys) else 0
    R = sp.csr_matrix((rs, (xs, ys)), shape=(n_x, n_y))
    B = sp.csr_matrix((np.ones(len(xs)), (xs, ys)), shape=(n_x, n_y))
    return R, B


def _dense(m) -> np.ndarray:
    return np.asarray(m.todense(), dtype=np.float64)


def _finish(sim, freq, min_support):
    sim = np.where(freq < min_support, 0.0, sim)
    np.fill_diagonal(sim, 1.0)
    return sim


def cosine(n_x, yr, min_support):
    """Cosine similarity over common ratings: Σ r_xi r_xj / √(Σ r_xi² · Σ r_xj²)."""
    R, B = _matrices(n_x, yr)
    prods = _dense(R @ R.T)
    freq = _dense(B @ B.T)
    sq = R.multiply(R).tocsr()
    sqi = _dense(sq @ B.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = prods / np.sqrt(sqi * sqi.T)
    return _finish(sim, freq, min_support)


def msd(n_x, yr, min_support):
    """Mean squared difference similarity: 1 / (mean (r_xi − r_xj)² + 1) over common
    ratings."""
    R, B = _matrices(n_x, yr)
    freq = _dense(B @ B.T)
    sq = R.multiply(R).tocsr()
    sqi = _dense(sq @ B.T)
    sq_diff = sqi + sqi.T - 2 * _dense(R @ R.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = 1.0 / (sq_diff / freq + 1.0)
    return _finish(sim, freq, min_support)


def pearson(n_x, yr, min_support):
    """Pearson correlation over common ratings (0 where either side has no variance)."""
    R, B = _matrices(n_x, yr)
    n = _dense(B @ B.T)
    prods = _dense(R @ R.T)
    sq = R.multiply(R).tocsr()
    sqi = _dense(sq @ B.T)
    si = _dense(R @ B.T)
    num = n * prods - si * si.T
    den = np.sqrt((n * sqi - si ** 2) * (n * sqi.T - si.T ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(den == 0, 0.0, num / den)
    return _finish(sim, n, min_support)


def pearson_baseline(n_x, yr, min_support, global_mean, x_biases, y_biases, shrinkage=100):
    """Pearson correlation of the baseline residuals r − (μ + b_x + b_y), shrunk by
    (n − 1) / (n − 1 + shrinkage); ``min_support`` at least 2."""
    bx = np.asarray(x_biases, np.float64)
    by = np.asarray(y_biases, np.float64)
    D, B = _matrices(n_x, yr, lambda x, y, r: r - (global_mean + by[y] + bx[x]))
    freq = _dense(B @ B.T)
    prods = _dense(D @ D.T)
    sq = D.multiply(D).tocsr()
    sqi = _dense(sq @ B.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = prods / np.sqrt(sqi * sqi.T)
        sim *= (freq - 1) / (freq - 1 + shrinkage)
    return _finish(sim, freq, max(2, min_support))
