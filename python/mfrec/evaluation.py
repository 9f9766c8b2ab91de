"""`mfrec.evaluate`: score a fitted model on held-out interactions."""

from __future__ import annotations

from . import metrics as _metrics
from ._base import as_interactions

__all__ = ["evaluate"]

_RATING_METRICS = {"rmse": _metrics.rmse, "mae": _metrics.mae}


def evaluate(model, test, metrics=("rmse", "mae"), *, unknown: str = "baseline") -> dict:
    """Evaluate ``model`` on ``test``.

    Parameters
    ----------
    model : fitted mfrec model
    test : Interactions, scipy sparse matrix or DataFrame
        Held-out interactions (a split keeps the model's id maps).
    metrics : sequence of str, default ("rmse", "mae")
        Metric names.
    unknown : {"baseline", "raise"}, default "baseline"
        Test ids absent from training are predicted as cold (baseline), as Surprise does.

    Returns
    -------
    dict
        ``{metric name: value}``.
    """
    test = as_interactions(test, what="test")
    if test.nnz == 0:
        raise ValueError("the test set is empty")
    if isinstance(metrics, str):
        metrics = [metrics]
    out = {}
    pred = None
    for name in metrics:
        key = name.lower()
        if key not in _RATING_METRICS:
            raise ValueError(f"unknown metric {name!r}; available: {sorted(_RATING_METRICS)}")
        if pred is None:
            pred = model.predict(test.users, test.items, unknown=unknown)
        out[name] = _RATING_METRICS[key](test.ratings, pred)
    return out
