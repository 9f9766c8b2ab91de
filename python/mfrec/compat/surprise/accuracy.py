"""Accuracy measures over a list of predictions: ``rmse``, ``mse``, ``mae``, ``fcp``
(Surprise's functions, same signatures and printing)."""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter

import numpy as np

__all__ = ["fcp", "mae", "mse", "rmse"]


def _errors(predictions) -> np.ndarray:
    if not predictions:
        raise ValueError("Prediction list is empty.")
    n = len(predictions)
    est = np.fromiter(map(itemgetter(3), predictions), np.float64, count=n)
    true = np.fromiter(map(itemgetter(2), predictions), np.float64, count=n)
    return true - est


def rmse(predictions, verbose=True):
    """Root mean squared error of ``predictions`` (a list of Prediction)."""
    value = float(np.sqrt(np.mean(_errors(predictions) ** 2)))
    if verbose:
        print(f"RMSE: {value:1.4f}")
    return value


def mse(predictions, verbose=True):
    """Mean squared error."""
    value = float(np.mean(_errors(predictions) ** 2))
    if verbose:
        print(f"MSE: {value:1.4f}")
    return value


def mae(predictions, verbose=True):
    """Mean absolute error."""
    value = float(np.mean(np.abs(_errors(predictions))))
    if verbose:
        print(f"MAE:  {value:1.4f}")
    return value


def fcp(predictions, verbose=True):
    """Fraction of Concordant Pairs (Koren & Sill 2011, §5.2): per user, the item pairs whose
    estimates are ordered as their true ratings (concordant) and the pairs ordered against
    them, ties in the estimate counting against; the mean concordant count over users over
    the sum of the two means. As in Surprise, each mean is over the users with at least one
    such pair."""
    if not predictions:
        raise ValueError("Prediction list is empty.")
    by_user = defaultdict(list)
    for uid, _, r, est, _ in predictions:
        by_user[uid].append((r, est))
    nc, nd = [], []
    for pairs in by_user.values():
        r = np.array([p[0] for p in pairs], np.float64)
        e = np.array([p[1] for p in pairs], np.float64)
        gt = r[:, None] > r[None, :]
        c = int(np.sum(gt & (e[:, None] > e[None, :])))
        d = int(np.sum(gt & (e[:, None] <= e[None, :])))
        if c:
            nc.append(c)
        if d:
            nd.append(d)
    if not nc and not nd:
        raise ValueError("cannot compute fcp on this list of prediction. Does every user "
                         "have at least two predictions?")
    nc_mean = float(np.mean(nc)) if nc else 0.0
    nd_mean = float(np.mean(nd)) if nd else 0.0
    value = nc_mean / (nc_mean + nd_mean)
    if verbose:
        print(f"FCP:  {value:1.4f}")
    return value
