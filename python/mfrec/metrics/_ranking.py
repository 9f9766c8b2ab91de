"""Ranking metrics on recommended id lists (conventions: see mfrec.metrics)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._validation import check_int, plain

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TypeAlias

    import scipy.sparse as sp
    from numpy.typing import ArrayLike, NDArray

    # The relevant items of each user: a sparse matrix (n_users, n_items) or one id list each.
    Relevant: TypeAlias = "sp.spmatrix | sp.sparray | Sequence[ArrayLike]"

__all__ = ["precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "mrr", "hit_rate_at_k",
           "auc", "coverage"]


from ._hits import _as_recommended, _encode, _first_occurrences, _hits, _lookup


def _finish(values, evaluated, per_user, empty="no user has relevant items"):
    if not evaluated.any():
        raise ValueError(empty)
    if per_user:
        out = np.full(values.shape, np.nan)
        out[evaluated] = values[evaluated]
        return out
    return float(np.mean(values[evaluated]))


def _discounts(k: int) -> np.ndarray:
    """1 / log2(rank + 1) for ranks 1..k."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def precision_at_k(recommended: ArrayLike, relevant: Relevant, k: int | None = None, *,
                   per_user: bool = False) -> float | NDArray[np.float64]:
    """Precision at k: hits in the top k divided by k.

    The textbook definition: the denominator is always k, even when a user has fewer than k
    relevant items (so the maximum is then below 1). implicit's ``precision`` is different:
    it divides by min(k, |relevant|), pooled over users
    (Σ_u hits_u / Σ_u min(k, |relevant_u|)), which behaves more like a recall.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Recommended ids per user, best first: integer inner ids (padding -1) or raw ids in an
        object array (padding None).
    relevant : sparse matrix of shape (n_users, n_items) or sequence of length n_users
        The relevant items per user: a scipy sparse matrix/array (entries with a nonzero
        stored value are relevant) or one 1-D array-like of ids per user.
    k : int, optional
        Cut-off, ``1 <= k <= n_rec``; None (default) uses every column.
    per_user : bool, default False
        Return the value of every user instead of the mean.

    Returns
    -------
    float or ndarray of shape (n_users,), float64
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.

    Raises
    ------
    ValueError
        ``recommended`` is not 2-D, ``k`` is out of range, ``relevant`` does not have one
        row (or list) per row of ``recommended``, or no user has a relevant item.
    TypeError
        Ids of a kind that cannot be compared (e.g. raw ids against a sparse matrix).
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    values = hit.sum(axis=1) / k
    return _finish(values, enc.n_rel > 0, per_user)


def recall_at_k(recommended: ArrayLike, relevant: Relevant, k: int | None = None, *,
                per_user: bool = False) -> float | NDArray[np.float64]:
    """Recall at k: hits in the top k divided by the number of relevant items |relevant|.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Recommended ids per user, best first: integer inner ids (padding -1) or raw ids in an
        object array (padding None).
    relevant : sparse matrix of shape (n_users, n_items) or sequence of length n_users
        The relevant items per user: a scipy sparse matrix/array (entries with a nonzero
        stored value are relevant) or one 1-D array-like of ids per user.
    k : int, optional
        Cut-off, ``1 <= k <= n_rec``; None (default) uses every column.
    per_user : bool, default False
        Return the value of every user instead of the mean.

    Returns
    -------
    float or ndarray of shape (n_users,), float64
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.

    Raises
    ------
    ValueError
        ``recommended`` is not 2-D, ``k`` is out of range, ``relevant`` does not have one
        row (or list) per row of ``recommended``, or no user has a relevant item.
    TypeError
        Ids of a kind that cannot be compared (e.g. raw ids against a sparse matrix).
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    values = hit.sum(axis=1) / np.maximum(enc.n_rel, 1)
    return _finish(values, enc.n_rel > 0, per_user)


def ndcg_at_k(recommended: ArrayLike, relevant: Relevant, k: int | None = None, *,
              gains: str = "binary", per_user: bool = False) -> float | NDArray[np.float64]:
    """Normalized discounted cumulative gain at k.

    DCG@k = Σ_{r=1..k} gain_r / log2(r + 1), with r the 1-based rank; IDCG@k is the DCG of
    the ideal ordering of the user's min(k, |relevant|) largest gains; NDCG = DCG / IDCG.
    With binary gains (every relevant item has gain 1) this is exactly implicit's ``ndcg``
    from ``implicit.evaluation.ranking_metrics_at_k``.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Recommended ids per user, best first: integer inner ids (padding -1) or raw ids in an
        object array (padding None).
    relevant : sparse matrix of shape (n_users, n_items) or sequence of length n_users
        The relevant items per user: a scipy sparse matrix/array (entries with a nonzero
        stored value are relevant) or one 1-D array-like of ids per user.
    k : int, optional
        Cut-off, ``1 <= k <= n_rec``; None (default) uses every column.
    gains : {"binary", "graded"}, default "binary"
        ``"graded"`` uses the stored relevance values of a sparse ``relevant`` as linear
        gains (they must be finite and non-negative; for exponential gains pass
        ``2**r - 1`` yourself); lists of ids have no values and raise ``ValueError``.
    per_user : bool, default False
        Return the value of every user instead of the mean.

    Returns
    -------
    float or ndarray of shape (n_users,), float64
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.

    Raises
    ------
    ValueError
        ``recommended`` is not 2-D, ``k`` is out of range, ``relevant`` does not have one
        row (or list) per row of ``recommended``, or no user has a relevant item.
    TypeError
        Ids of a kind that cannot be compared (e.g. raw ids against a sparse matrix).
    """
    if gains not in ("binary", "graded"):
        raise ValueError(f'gains must be "binary" or "graded", got {gains!r}')
    graded = gains == "graded"
    hit, enc, pos, k = _hits(recommended, relevant, k, need_data=graded)
    disc = _discounts(k)
    n_rel = enc.n_rel
    if not graded:
        dcg = hit @ disc
        idcg = np.cumsum(disc)[np.clip(np.minimum(n_rel, k), 1, None) - 1]
    else:
        data, rows = enc.data, enc.rows
        if data.size and not (np.isfinite(data).all() and data.min() >= 0):
            bad = data[~(np.isfinite(data) & (data >= 0))][0]
            raise ValueError(
                f'gains="graded" needs finite, non-negative relevance values; relevant '
                f"contains {plain(bad)!r}"
            )
        dcg = np.where(hit, data[pos] if data.size else 0.0, 0.0) @ disc
        # ideal DCG: each user's gains sorted descending, the first k discounted
        order = np.lexsort((-data, rows))  # rows are already sorted (CSR order)
        start = np.cumsum(n_rel) - n_rel
        rank = np.arange(rows.size) - start[rows]
        top = rank < k
        idcg = np.bincount(
            rows[top], weights=data[order][top] * disc[rank[top]], minlength=n_rel.size
        )
    values = dcg / np.where(idcg > 0, idcg, 1.0)
    return _finish(values, n_rel > 0, per_user)


def map_at_k(recommended: ArrayLike, relevant: Relevant, k: int | None = None, *,
             per_user: bool = False) -> float | NDArray[np.float64]:
    """Mean average precision at k.

    AP@k = Σ_{j=1..k} P@j · rel_j / min(k, |relevant|), with rel_j = 1 when the item at rank
    j is relevant and P@j the precision at j; the normalization by min(k, |relevant|) is
    implicit's convention (its ``map``), so a perfect list scores 1.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Recommended ids per user, best first: integer inner ids (padding -1) or raw ids in an
        object array (padding None).
    relevant : sparse matrix of shape (n_users, n_items) or sequence of length n_users
        The relevant items per user: a scipy sparse matrix/array (entries with a nonzero
        stored value are relevant) or one 1-D array-like of ids per user.
    k : int, optional
        Cut-off, ``1 <= k <= n_rec``; None (default) uses every column.
    per_user : bool, default False
        Return the value (AP@k) of every user instead of the mean.

    Returns
    -------
    float or ndarray of shape (n_users,), float64
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.

    Raises
    ------
    ValueError
        ``recommended`` is not 2-D, ``k`` is out of range, ``relevant`` does not have one
        row (or list) per row of ``recommended``, or no user has a relevant item.
    TypeError
        Ids of a kind that cannot be compared (e.g. raw ids against a sparse matrix).
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    prec = np.cumsum(hit, axis=1) / np.arange(1, k + 1)
    values = (prec * hit).sum(axis=1) / np.maximum(np.minimum(enc.n_rel, k), 1)
    return _finish(values, enc.n_rel > 0, per_user)


def mrr(recommended: ArrayLike, relevant: Relevant, k: int | None = None, *,
        per_user: bool = False) -> float | NDArray[np.float64]:
    """Mean reciprocal rank: 1 / rank of the first hit within the top k, 0 when there is none.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Recommended ids per user, best first: integer inner ids (padding -1) or raw ids in an
        object array (padding None).
    relevant : sparse matrix of shape (n_users, n_items) or sequence of length n_users
        The relevant items per user: a scipy sparse matrix/array (entries with a nonzero
        stored value are relevant) or one 1-D array-like of ids per user.
    k : int, optional
        Cut-off, ``1 <= k <= n_rec``; None (default) uses every column.
    per_user : bool, default False
        Return the reciprocal rank of every user instead of the mean.

    Returns
    -------
    float or ndarray of shape (n_users,), float64
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.

    Raises
    ------
    ValueError
        ``recommended`` is not 2-D, ``k`` is out of range, ``relevant`` does not have one
        row (or list) per row of ``recommended``, or no user has a relevant item.
    TypeError
        Ids of a kind that cannot be compared (e.g. raw ids against a sparse matrix).
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    values = np.where(hit.any(axis=1), 1.0 / (hit.argmax(axis=1) + 1), 0.0)
    return _finish(values, enc.n_rel > 0, per_user)


def hit_rate_at_k(recommended: ArrayLike, relevant: Relevant, k: int | None = None, *,
                  per_user: bool = False) -> float | NDArray[np.float64]:
    """Hit rate at k: 1 when at least one of the top k items is relevant, else 0.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Recommended ids per user, best first: integer inner ids (padding -1) or raw ids in an
        object array (padding None).
    relevant : sparse matrix of shape (n_users, n_items) or sequence of length n_users
        The relevant items per user: a scipy sparse matrix/array (entries with a nonzero
        stored value are relevant) or one 1-D array-like of ids per user.
    k : int, optional
        Cut-off, ``1 <= k <= n_rec``; None (default) uses every column.
    per_user : bool, default False
        Return the 0/1 value of every user instead of the mean.

    Returns
    -------
    float or ndarray of shape (n_users,), float64
        The fraction of users (with at least one relevant item) with a hit, or
        (``per_user=True``) one value per user, NaN for users without relevant items.

    Raises
    ------
    ValueError
        ``recommended`` is not 2-D, ``k`` is out of range, ``relevant`` does not have one
        row (or list) per row of ``recommended``, or no user has a relevant item.
    TypeError
        Ids of a kind that cannot be compared (e.g. raw ids against a sparse matrix).
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    values = hit.any(axis=1).astype(np.float64)
    return _finish(values, enc.n_rel > 0, per_user)


def _check_candidates(n_candidates, n_users: int) -> np.ndarray:
    if isinstance(n_candidates, (bool, np.bool_)):
        raise TypeError(f"n_candidates must be an int or an array of ints, got {n_candidates!r}")
    arr = np.asarray(n_candidates)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"n_candidates must be an int or an integer array of shape (n_users,), got "
            f"dtype {arr.dtype}"
        )
    if arr.ndim == 0:
        arr = np.full(n_users, int(arr), dtype=np.int64)
    elif arr.shape != (n_users,):
        raise ValueError(
            f"n_candidates must be an int or an array of shape (n_users,) = ({n_users},), "
            f"got shape {arr.shape}"
        )
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"n_candidates must be >= 0, got {int(arr.min())}")
    return arr


def auc(recommended: ArrayLike, relevant: Relevant, n_candidates: int | ArrayLike, *,
        per_user: bool = False) -> float | NDArray[np.float64]:
    """Per-user ROC AUC of the ranking.

    For a user, the positives are the relevant items and the negatives are the
    n_candidates − |relevant| other candidate items; AUC is the fraction of
    (positive, negative) pairs in which the positive is ranked above the negative. Items not
    in the recommended list rank below every listed item and are tied among themselves (a
    tied pair counts 1/2). The value is exact when each list covers every candidate; a
    truncated top-k list gives a lower-resolution value (every unlisted pair is a tie). With
    ``n_candidates = n_items`` this is implicit's ``auc``.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Ranked candidate ids per user, best first: integer inner ids (padding -1) or raw ids
        in an object array (padding None). Later duplicates within a row are ignored.
    relevant : sparse matrix of shape (n_users, n_items) or sequence of length n_users
        The positives per user: a scipy sparse matrix/array (entries with a nonzero stored
        value) or one 1-D array-like of ids per user. They are assumed to be candidates.
    n_candidates : int or array-like of int of shape (n_users,)
        Number of candidate items of each user (positives plus negatives), e.g. n_items, or
        n_items minus the user's training items when those are filtered out. Must be at least
        |relevant| plus the number of distinct non-relevant listed items.
    per_user : bool, default False
        Return the value of every user instead of the mean.

    Returns
    -------
    float or ndarray of shape (n_users,), float64
        The mean over users with at least one positive and one negative, or
        (``per_user=True``) one value per user, NaN for the users skipped.

    Raises
    ------
    ValueError
        ``n_candidates`` too small for a user (naming the row) or of the wrong shape, or no
        user with both a positive and a negative.
    TypeError
        ``n_candidates`` is not an integer (array).
    """
    rec, is_raw = _as_recommended(recommended)
    enc = _encode(rec, is_raw, relevant)
    hit, _, q = _lookup(enc)
    n_cand = _check_candidates(n_candidates, rec.shape[0])
    listed = _first_occurrences(q, enc.rec >= 0)
    neg = listed & ~hit
    n_pos = enc.n_rel
    n_hit = hit.sum(axis=1)
    n_neg_listed = neg.sum(axis=1)
    short = n_cand < n_pos + n_neg_listed
    if short.any():
        u = int(np.flatnonzero(short)[0])
        raise ValueError(
            f"n_candidates is too small for user row {u}: {int(n_cand[u])} < "
            f"{int(n_pos[u])} relevant + {int(n_neg_listed[u])} non-relevant listed items"
        )
    n_neg = n_cand - n_pos
    # pairs (listed positive, listed negative) ranked right: hits above each listed negative
    above = (np.cumsum(hit, axis=1) * neg).sum(axis=1).astype(np.float64)
    # unlisted negatives: below every listed positive, tied with every unlisted positive
    above += (n_neg - n_neg_listed) * (n_hit + (n_pos - n_hit) / 2.0)
    evaluated = (n_pos > 0) & (n_neg > 0)
    values = above / np.where(evaluated, n_pos * n_neg, 1)
    return _finish(values, evaluated, per_user,
                   empty="no user has both relevant items and non-relevant candidates")


def coverage(recommended: ArrayLike, n_items: int) -> float:
    """Catalogue coverage: the fraction of the n_items items recommended to anyone.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n_rec)
        Recommended ids: integer inner ids in [0, n_items) (padding -1) or raw ids in an
        object array (padding None). Padding is ignored.
    n_items : int
        Size of the catalogue.

    Returns
    -------
    float
        Number of distinct recommended ids divided by n_items, in [0, 1].

    Raises
    ------
    ValueError
        An inner id outside [0, n_items), or more distinct raw ids than ``n_items``.
    """
    rec, is_raw = _as_recommended(recommended)
    n_items = check_int(n_items, "n_items", min_value=1)
    if not is_raw:
        ids = rec[rec >= 0]
        if ids.size and ids.max() >= n_items:
            raise ValueError(
                f"recommended contains item id {int(ids.max())}, outside [0, n_items={n_items})"
            )
        n_distinct = int(np.count_nonzero(np.bincount(ids, minlength=n_items)))
    else:
        try:
            distinct = set(rec.ravel().tolist())
        except TypeError as exc:
            raise TypeError(f"ids must be hashable: {exc}") from exc
        distinct.discard(None)
        n_distinct = len(distinct)
        if n_distinct > n_items:
            raise ValueError(
                f"recommended holds {n_distinct} distinct ids, more than n_items={n_items}"
            )
    return n_distinct / n_items
