"""Numpy references of the neighbourhood models: Surprise's similarity and estimate formulas
written out pair by pair over dense matrices (small inputs only)."""

import numpy as np


def similarity(R, M, kind, *, min_support=1, shrinkage=100.0, bx=None, by=None, mu=0.0):
    """Similarities between the rows of R (n_x × n_y ratings, M the mask of rated cells).

    For pearson_baseline, ``bx``/``by`` are the row/column biases and ``mu`` the global mean.
    Returns an (n_x, n_x) float64 matrix with a unit diagonal (Surprise's convention)."""
    n = R.shape[0]
    S = np.eye(n)
    if kind == "pearson_baseline":
        min_support = max(2, min_support)
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            common = M[a] & M[b]
            c = int(common.sum())
            if c < max(min_support, 1):
                continue
            x, y = R[a, common].astype(np.float64), R[b, common].astype(np.float64)
            if kind == "cosine":
                den = np.sqrt((x ** 2).sum() * (y ** 2).sum())
                S[a, b] = (x * y).sum() / den if den > 0 else 0.0
            elif kind == "msd":
                S[a, b] = 1.0 / (((x - y) ** 2).mean() + 1.0)
            elif kind == "pearson":
                xc, yc = x - x.mean(), y - y.mean()
                den = np.sqrt((xc ** 2).sum() * (yc ** 2).sum())
                S[a, b] = (xc * yc).sum() / den if den > 0 else 0.0
            elif kind == "pearson_baseline":
                cols = np.flatnonzero(common)
                xr = x - (mu + bx[a] + by[cols])
                yr = y - (mu + bx[b] + by[cols])
                den = np.sqrt((xr ** 2).sum() * (yr ** 2).sum())
                rho = (xr * yr).sum() / den if den > 0 else 0.0
                S[a, b] = rho * (c - 1) / (c - 1 + shrinkage)
    return S


def estimate(S, R, M, x, y, mode, *, k, min_k, mu, x_base=None, y_base=None):
    """Surprise's estimate for the pair (x, y) (x: the row similarities are between).

    Returns (estimate, actual_k, possible)."""
    nbrs = np.flatnonzero(M[:, y])
    sims = S[x, nbrs]
    keep = sims > 0
    nbrs, sims = nbrs[keep], sims[keep]
    order = np.lexsort((nbrs, -sims))[:k]  # most similar first, then the smaller index
    nbrs, sims = nbrs[order], sims[order]
    r = R[nbrs, y].astype(np.float64)
    if mode == "means":
        r = r - x_base[nbrs]
        base = x_base[x]
    elif mode == "baseline":
        r = r - (mu + x_base[nbrs] + y_base[y])
        base = mu + x_base[x] + y_base[y]
    else:
        base = mu
    actual_k = len(nbrs)
    enough = actual_k >= min_k and sims.sum() > 0
    if mode == "basic":
        if not enough:
            return mu, actual_k, False
        return (sims * r).sum() / sims.sum(), actual_k, True
    if enough:
        return base + (sims * r).sum() / sims.sum(), actual_k, True
    return base, actual_k, True
