"""`mfrec.evaluate`: score a fitted model on held-out interactions.

Rating metrics compare ``model.predict`` with the held-out ratings. Ranking metrics
recommend for every test user once (training items filtered, the longest k asked for) and
score all of them on that one list, so evaluating costs one ``recommend`` call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from . import metrics as _metrics
from ._input import as_interactions
from ._retrieval import check_risk_aversion, recommend_inner
from ._scoring import align, predict
from ._validation import check_choice, check_int

if TYPE_CHECKING:
    from ._base import Recommender
    from ._input import InteractionsLike

__all__ = ["evaluate"]

_RATING_METRICS = {"rmse": _metrics.rmse, "mae": _metrics.mae}
_RANKING_METRICS = {
    "precision": _metrics.precision_at_k,
    "recall": _metrics.recall_at_k,
    "ndcg": _metrics.ndcg_at_k,
    "map": _metrics.map_at_k,
    "mrr": _metrics.mrr,
    "hit_rate": _metrics.hit_rate_at_k,
}
_NAME = re.compile(r"^([a-z_]+?)(?:@(\d+))?$")


def _parse(name: str, default_k: int):
    if not isinstance(name, str):
        raise TypeError(f"metric names must be strings, got {name!r}")
    m = _NAME.match(name.lower())
    known = sorted(_RATING_METRICS) + sorted(_RANKING_METRICS) + ["auc", "coverage"]
    if m is None or m.group(1) not in known:
        raise ValueError(f"unknown metric {name!r}; available: {known} "
                         "(ranking metrics take an optional @k, e.g. 'ndcg@10')")
    base, k = m.group(1), m.group(2)
    if base in _RATING_METRICS:
        if k is not None:
            raise ValueError(f"{base} is a rating metric and takes no @k: {name!r}")
        return base, None
    k = default_k if k is None else int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1 in {name!r}")
    return base, k


def evaluate(model: Recommender, test: InteractionsLike,
             metrics: str | Sequence[str] = ("rmse", "mae"), *, k: int = 10,
             unknown: str = "raise", relevance_threshold: float | None = None,
             risk_aversion: float = 0.0) -> dict[str, float]:
    """Evaluate a fitted ``model`` on the held-out interactions ``test``.

    Parameters
    ----------
    model : fitted mfrec model
        Any fitted :class:`~mfrec.Recommender`.
    test : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
        Held-out interactions (a split keeps the model's id maps).
    metrics : str or sequence of str, default ("rmse", "mae")
        Rating metrics ``"rmse"``, ``"mae"``; ranking metrics ``"precision"``,
        ``"recall"``, ``"ndcg"``, ``"map"``, ``"mrr"``, ``"hit_rate"``, ``"auc"``,
        ``"coverage"``, each with an optional cut-off (``"ndcg@20"``; default ``k``).
    k : int, default 10
        Cut-off of ranking metrics named without one.
    unknown : {"raise", "baseline"}, default "raise"
        Rating metrics: a test id absent from the model's id maps raises ``KeyError``
        (naming it), as ``predict`` does, or is predicted as cold (the baseline), as
        Surprise does. Ids that a split kept in the maps (known but cold) always get the
        baseline.
    relevance_threshold : float, optional
        Ranking metrics: only test interactions with a rating >= this are relevant
        (e.g. 4 on a 1-5 scale). Default: every test interaction is relevant.
    risk_aversion : float, default 0
        Ranking metrics: rank as ``recommend(..., risk_aversion=...)`` does (by a lower
        bound of the score, for rating models).

    Returns
    -------
    dict of str -> float
        ``{metric name: value}``, names as given, in the order given.

    Raises
    ------
    ValueError
        An unknown metric name (the message lists the available ones), an empty test set,
        ``k`` larger than the catalogue, or no relevant test interaction known to the model.
    TypeError
        A metric name is not a string.
    UnknownIdError
        With ``unknown="raise"``, a test id the model does not know (rating metrics).
    NotFittedError
        The model is not fitted.

    Notes
    -----
    Ranking metrics recommend the top ``max k`` items for every test user that has at
    least one relevant test item and is known to the model, excluding the user's training
    items; test users or items absent from the model's id maps are left out (they can
    never be recommended). Precision is hits / k (not implicit's hits / min(k, |relevant|)).
    ``"auc"`` is computed on the top-k list: relevant items below the cut-off count as
    tied with every unlisted item (see :func:`mfrec.metrics.auc`). ``"coverage"`` is the
    fraction of the catalogue recommended to at least one test user.
    """
    check_choice(unknown, "unknown", ("baseline", "raise"))
    k = check_int(k, "k", min_value=1)
    test = as_interactions(test, what="test")
    if test.nnz == 0:
        raise ValueError("the test set is empty")
    if isinstance(metrics, str):
        metrics = [metrics]
    parsed = {name: _parse(name, k) for name in metrics}
    if not parsed:
        raise ValueError("no metrics requested")
    st = model._snapshot()  # one fitted state for every metric, whatever a concurrent fit does
    risk_aversion = check_risk_aversion(risk_aversion, st)
    out: dict[str, float] = {}
    pred = None
    for name, (base, _) in parsed.items():
        if base in _RATING_METRICS:
            if pred is None:
                pred = predict(st, test.users, test.items, clip=True, unknown=unknown)
            out[name] = _RATING_METRICS[base](test.ratings, pred)
    ranking = {name: bk for name, bk in parsed.items() if bk[0] not in _RATING_METRICS}
    if ranking:
        out.update(_ranking(st, test, ranking, relevance_threshold, risk_aversion))
    return {name: out[name] for name in metrics}


def _relevant_matrix(st, test, threshold):
    """The relevant test interactions in the model's id space: (test users, CSR rows)."""
    u, i = align(st, test)
    keep = (u >= 0) & (i >= 0)
    if threshold is not None:
        keep &= test.ratings >= threshold
    if not keep.any():
        raise ValueError("no relevant test interactions"
                         + ("" if threshold is None else f" with rating >= {threshold}")
                         + " for users and items known to the model")
    u, i, r = u[keep], i[keep], test.ratings[keep]
    users = np.unique(u)
    rows = np.searchsorted(users, u)
    rel = sp.csr_matrix((r.astype(np.float32), (rows, i)), shape=(len(users), st.n_items))
    rel.sum_duplicates()
    return users, rel


def _ranking(st, test, ranking: dict, threshold, risk_aversion) -> dict:
    k_max = max(kk for _, kk in ranking.values())
    if k_max > st.n_items:
        raise ValueError(f"k={k_max} is larger than the catalogue ({st.n_items} items)")
    users, rel = _relevant_matrix(st, test, threshold)
    ids, _ = recommend_inner(st, users, k_max, risk_aversion=risk_aversion)
    out: dict[str, Any] = {}
    for name, (base, kk) in ranking.items():
        if base == "coverage":
            out[name] = _metrics.coverage(ids[:, :kk], st.n_items)
        elif base == "auc":
            n_seen = st._train.user_counts()[users]
            out[name] = _metrics.auc(ids[:, :kk], rel, st.n_items - n_seen)
        else:
            out[name] = _RANKING_METRICS[base](ids, rel, kk)
    return out
