"""Rating accuracy metrics: rmse, mae (scikit-learn style y_true, y_pred)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._validation import as_1d

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["rmse", "mae"]


def _pair(y_true, y_pred):
    t = as_1d(y_true, "y_true").astype(np.float64)
    p = as_1d(y_pred, "y_pred").astype(np.float64)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in length: {len(t)} != {len(p)}")
    if t.size == 0:
        raise ValueError("y_true and y_pred are empty")
    return t, p


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error √(mean((y_true − y_pred)²)).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted ratings (any real dtype; computed in float64).

    Returns
    -------
    float
        The root mean squared error, in rating units.

    Raises
    ------
    ValueError
        The arrays are not 1-D, differ in length, or are empty.
    """
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error mean(|y_true − y_pred|).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted ratings (any real dtype; computed in float64).

    Returns
    -------
    float
        The mean absolute error, in rating units.

    Raises
    ------
    ValueError
        The arrays are not 1-D, differ in length, or are empty.
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))
