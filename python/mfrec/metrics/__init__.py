"""Evaluation metrics.

Accuracy metrics take arrays in the scikit-learn style, ``metric(y_true, y_pred)``:
:func:`rmse`, :func:`mae`.

Ranking metrics take the recommended ids, shape (n_users, n_rec), best first, and the relevant
items of each user: :func:`precision_at_k`, :func:`recall_at_k`, :func:`ndcg_at_k`,
:func:`map_at_k`, :func:`mrr`, :func:`hit_rate_at_k`, :func:`auc` and :func:`coverage`.
They follow the textbook definitions (precision@k = hits / k, recall@k = hits / |relevant|,
NDCG with log2 discounts and binary gains unless graded gains are asked for).

Conventions shared by the ranking metrics
-----------------------------------------
``recommended``
    Array-like of shape (n_users, n_rec), ids best first: integer inner ids (padding ``-1``)
    or raw ids in an object array (padding ``None``), as returned by ``model.recommend``.
    The rank of an entry is its column position (1-based); padding occupies its position
    as a non-hit. A later duplicate of an id already listed in the same row is not a hit
    (and for :func:`auc` is ignored altogether).
``relevant``
    Either a scipy sparse matrix/array with one row per row of ``recommended`` (columns are
    integer item ids; an entry is relevant when its stored value is nonzero, so explicitly
    stored zeros are *not* relevant; duplicate entries are summed first, as scipy does), or a
    sequence of 1-D array-likes, one per row of ``recommended``, holding ids of the same kind
    as ``recommended`` (padding values ``-1``/``None`` in these lists are ignored, repeated ids
    count once). Integer recommended ids at or beyond the sparse matrix's column count are
    valid but never relevant.
Users without relevant items
    are skipped: excluded from the mean, NaN with ``per_user=True``. If no user remains, a
    ``ValueError`` is raised.
``k``
    ``None`` means every column (n_rec); otherwise ``1 <= k <= n_rec``.
"""

from ._ranking import (
    auc,
    coverage,
    hit_rate_at_k,
    map_at_k,
    mrr,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from ._rating import mae, rmse

__all__ = [
    "rmse",
    "mae",
    "precision_at_k",
    "recall_at_k",
    "ndcg_at_k",
    "map_at_k",
    "mrr",
    "hit_rate_at_k",
    "auc",
    "coverage",
]
