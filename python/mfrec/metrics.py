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

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ._validation import as_1d, check_int, plain

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


def _pair(y_true, y_pred):
    t = as_1d(y_true, "y_true").astype(np.float64)
    p = as_1d(y_pred, "y_pred").astype(np.float64)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in length: {len(t)} != {len(p)}")
    if t.size == 0:
        raise ValueError("y_true and y_pred are empty")
    return t, p


def rmse(y_true, y_pred) -> float:
    """Root mean squared error √(mean((y_true − y_pred)²)).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    """
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error mean(|y_true − y_pred|).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


# --------------------------------------------------------------------------- ranking metrics
#
# Every ranking metric reduces its input to the same picture: `rec`, an int64 array of shape
# (n_users, n_rec) of non-negative item codes (-1 = padding), and the relevant (user, item)
# pairs as sorted unique int64 keys ``user * width + code``. Hits for all (user, position)
# pairs are then found at once with one ``np.searchsorted``. Inner ids are their own codes;
# raw ids are numbered through a dict first.

_PAD = -1


class _Encoded:
    """Recommended ids and relevant pairs in the common integer key space."""

    __slots__ = ("rec", "keys", "width", "n_rel", "rows", "data")

    def __init__(self, rec, keys, width, n_rel, rows=None, data=None):
        self.rec = rec  # (n_users, n_rec) int64 codes, -1 = padding
        self.keys = keys  # sorted unique int64 keys user * width + code of relevant pairs
        self.width = width  # key stride, > every code in rec and keys
        self.n_rel = n_rel  # (n_users,) number of distinct relevant items
        self.rows = rows  # (len(keys),) user of each key (sparse input only)
        self.data = data  # (len(keys),) relevance value of each key (sparse input only)


def _as_recommended(recommended):
    """``recommended`` as (array of shape (n_users, n_rec), is_raw).

    Integer ids come back as int64 (padding -1); raw ids as an object array (padding None).
    """
    try:
        arr = np.asarray(recommended)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(
            "recommended must be rectangular, of shape (n_users, n_rec); pad short rows with "
            "-1 (integer ids) or None (raw ids)"
        ) from exc
    if arr.ndim != 2:
        raise ValueError(
            f"recommended must be 2-D, of shape (n_users, n_rec), got an array of shape "
            f"{arr.shape}"
        )
    if arr.shape[1] == 0:
        raise ValueError("recommended has no columns (n_rec = 0)")
    kind = arr.dtype.kind
    if kind in "iu":
        arr = arr.astype(np.int64, copy=False)
        if arr.size and arr.min() < _PAD:
            raise ValueError(
                f"recommended contains the negative id {int(arr.min())}; integer ids must be "
                f">= 0, with -1 as padding"
            )
        return arr, False
    if kind in "OUS":
        return arr.astype(object, copy=False), True
    raise TypeError(
        f"recommended must hold integer ids (padding -1) or raw ids in an object array "
        f"(padding None), got dtype {arr.dtype}"
    )


def _check_k(k, n_rec: int) -> int:
    if k is None:
        return n_rec
    k = check_int(k, "k", min_value=1)
    if k > n_rec:
        raise ValueError(
            f"k={k} is larger than the number of recommended columns n_rec={n_rec}"
        )
    return k


def _relevant_lists(relevant, n_users: int):
    """A sequence of id lists as (row of each value, flat values, common dtype kind)."""
    if isinstance(relevant, (str, bytes, dict)) or not hasattr(relevant, "__len__"):
        raise TypeError(
            "relevant must be a scipy sparse matrix or a sequence of array-likes of ids "
            f"(one per user), got {type(relevant).__name__}"
        )
    if isinstance(relevant, np.ndarray) and relevant.dtype != object:
        raise TypeError(
            f"relevant must be a scipy sparse matrix or a sequence of id arrays, got a numpy "
            f"array of shape {relevant.shape} and dtype {relevant.dtype}, which is ambiguous "
            "(indicator matrix or padded ids?); pass scipy.sparse.csr_array(indicator) or "
            "list(ids)"
        )
    if len(relevant) != n_users:
        raise ValueError(
            f"relevant has {len(relevant)} rows but recommended has {n_users} (one per user)"
        )
    arrays, lens = [], np.zeros(n_users, dtype=np.int64)
    for u, r in enumerate(relevant):
        if isinstance(r, (set, frozenset)):
            r = list(r)
        a = np.asarray(r)
        if a.ndim != 1:
            raise ValueError(
                f"relevant[{u}] must be a 1-D array-like of ids, got shape {a.shape}"
            )
        if a.size:
            arrays.append(a)
            lens[u] = a.size
    if not arrays:
        return np.empty(0, np.int64), np.empty(0, np.int64), "i"
    kinds = {a.dtype.kind for a in arrays}
    if len(kinds) > 1 and not kinds <= set("iu"):
        arrays = [a.astype(object) for a in arrays]
    try:
        flat = np.concatenate(arrays)
    except TypeError as exc:
        raise TypeError(f"relevant mixes id types that cannot be combined: {exc}") from exc
    rows = np.repeat(np.arange(n_users, dtype=np.int64), lens)
    return rows, flat, flat.dtype.kind


def _id_kind(values) -> str:
    types = set(map(type, values))
    types.discard(type(None))
    if not types:
        return "none"
    if all(issubclass(t, str) for t in types):
        return "str"
    if all(issubclass(t, numbers.Integral) and not issubclass(t, (bool, np.bool_))
           for t in types):
        return "int"
    return "other"


def _sorted_unique(keys):
    """Sorted unique values (cheap when ``keys`` is already strictly increasing)."""
    if keys.size < 2 or (keys[1:] > keys[:-1]).all():
        return keys
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))]


def _keys_from_pairs(rows, codes, rec, n_users):
    """Sorted unique keys of (row, code) pairs and the per-row counts."""
    width = max(int(rec.max()) + 1 if rec.size else 1, 1)
    if codes.size:
        width = max(width, int(codes.max()) + 1)
    keys = _sorted_unique(rows * width + codes)
    n_rel = np.bincount(keys // width, minlength=n_users).astype(np.int64)
    return _Encoded(rec, keys, width, n_rel)


def _encode(rec, is_raw: bool, relevant, *, need_data: bool = False) -> _Encoded:
    n_users = rec.shape[0]
    if sp.issparse(relevant):
        if is_raw:
            raise TypeError(
                "recommended holds raw ids (object array), but relevant is a sparse matrix "
                "whose columns are integer inner ids; pass integer ids (padding -1) or give "
                "relevant as lists of raw ids"
            )
        if len(relevant.shape) != 2 or relevant.shape[0] != n_users:
            raise ValueError(
                f"relevant has shape {relevant.shape} but recommended has {n_users} rows "
                "(one per user)"
            )
        csr = relevant.tocsr()
        if not csr.has_canonical_format:
            csr = csr.copy()
            csr.sum_duplicates()
        rows = np.repeat(np.arange(n_users, dtype=np.int64), np.diff(csr.indptr))
        cols = csr.indices.astype(np.int64)
        data = csr.data
        nz = data != 0
        if not nz.all():
            rows, cols, data = rows[nz], cols[nz], data[nz]
        width = max(int(csr.shape[1]), int(rec.max()) + 1 if rec.size else 1, 1)
        keys = rows * width + cols  # canonical CSR: already sorted and unique
        n_rel = np.bincount(rows, minlength=n_users).astype(np.int64)
        if need_data:
            data = np.asarray(data, dtype=np.float64)
            return _Encoded(rec, keys, width, n_rel, rows, data)
        return _Encoded(rec, keys, width, n_rel)

    if need_data:
        raise ValueError(
            'gains="graded" needs the relevance values: pass relevant as a scipy sparse matrix '
            "(stored values = gains); lists of ids only support binary gains"
        )
    rows, flat, kind = _relevant_lists(relevant, n_users)

    if not is_raw:
        if kind == "O":
            keep = np.not_equal(flat, None)
            rows, flat = rows[keep], flat[keep]
            if _id_kind(flat.tolist()) not in ("int", "none"):
                raise TypeError(
                    "relevant holds non-integer ids, but recommended holds integer inner ids; "
                    "give raw ids for both (recommended as an object array) or integers for both"
                )
            flat = flat.astype(np.int64)
        elif kind in "iu":
            flat = flat.astype(np.int64, copy=False)
        else:
            raise TypeError(
                f"relevant holds ids of dtype {flat.dtype}, but recommended holds integer inner "
                "ids; give raw ids for both (recommended as an object array) or integers for both"
            )
        keep = flat != _PAD
        if not keep.all():
            rows, flat = rows[keep], flat[keep]
        if flat.size and flat.min() < 0:
            raise ValueError(
                f"relevant contains the negative id {int(flat.min())}; integer ids must be >= 0"
            )
        return _keys_from_pairs(rows, flat, rec, n_users)

    # raw ids: number every distinct id (Python equality and hashing), None -> -1
    rec_values = rec.ravel().tolist()
    rel_values = flat.tolist()
    kinds = {_id_kind(rec_values), _id_kind(rel_values)}
    if kinds == {"str", "int"}:
        raise TypeError(
            "recommended and relevant hold ids of different kinds (strings in one, integers "
            "in the other)"
        )
    table = {None: _PAD}
    code = table.setdefault
    try:
        rec_codes = np.fromiter(
            (code(v, len(table) - 1) for v in rec_values), dtype=np.int64,
            count=len(rec_values),
        ).reshape(rec.shape)
        rel_codes = np.fromiter(
            (code(v, len(table) - 1) for v in rel_values), dtype=np.int64,
            count=len(rel_values),
        )
    except TypeError as exc:
        raise TypeError(f"ids must be hashable: {exc}") from exc
    keep = rel_codes != _PAD
    if not keep.all():
        rows, rel_codes = rows[keep], rel_codes[keep]
    return _keys_from_pairs(rows, rel_codes, rec_codes, n_users)


def _first_occurrences(q, mask):
    """``mask`` restricted to the first occurrence of each key of ``q`` (row-major order)."""
    idx = np.flatnonzero(mask)
    if idx.size < 2:
        return mask
    _, first = np.unique(q.ravel()[idx], return_index=True)
    if first.size == idx.size:
        return mask
    out = np.zeros(mask.size, dtype=bool)
    out[idx[first]] = True
    return out.reshape(mask.shape)


def _lookup(enc: _Encoded):
    """Hits of shape (n_users, n_rec) (later duplicates excluded), key positions and keys."""
    rec, keys = enc.rec, enc.keys
    n_users = rec.shape[0]
    q = (np.arange(n_users, dtype=np.int64) * enc.width)[:, None] + rec
    valid = rec >= 0
    if keys.size == 0:
        return np.zeros(rec.shape, dtype=bool), np.zeros(rec.shape, dtype=np.intp), q
    pos = np.searchsorted(keys, q)
    np.minimum(pos, keys.size - 1, out=pos)
    hit = valid & (keys[pos] == q)
    return _first_occurrences(q, hit), pos, q


def _hits(recommended, relevant, k, *, need_data=False):
    rec, is_raw = _as_recommended(recommended)
    k = _check_k(k, rec.shape[1])
    rec = rec[:, :k]
    enc = _encode(rec, is_raw, relevant, need_data=need_data)
    hit, pos, _ = _lookup(enc)
    return hit, enc, pos, k


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


def precision_at_k(recommended, relevant, k=None, *, per_user=False):
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
    float or ndarray of shape (n_users,)
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    values = hit.sum(axis=1) / k
    return _finish(values, enc.n_rel > 0, per_user)


def recall_at_k(recommended, relevant, k=None, *, per_user=False):
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
    float or ndarray of shape (n_users,)
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    values = hit.sum(axis=1) / np.maximum(enc.n_rel, 1)
    return _finish(values, enc.n_rel > 0, per_user)


def ndcg_at_k(recommended, relevant, k=None, *, gains="binary", per_user=False):
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
    float or ndarray of shape (n_users,)
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.
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


def map_at_k(recommended, relevant, k=None, *, per_user=False):
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
    float or ndarray of shape (n_users,)
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    prec = np.cumsum(hit, axis=1) / np.arange(1, k + 1)
    values = (prec * hit).sum(axis=1) / np.maximum(np.minimum(enc.n_rel, k), 1)
    return _finish(values, enc.n_rel > 0, per_user)


def mrr(recommended, relevant, k=None, *, per_user=False):
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
    float or ndarray of shape (n_users,)
        The mean over users with at least one relevant item, or (``per_user=True``) one
        value per user, NaN for users without relevant items.
    """
    hit, enc, _, k = _hits(recommended, relevant, k)
    values = np.where(hit.any(axis=1), 1.0 / (hit.argmax(axis=1) + 1), 0.0)
    return _finish(values, enc.n_rel > 0, per_user)


def hit_rate_at_k(recommended, relevant, k=None, *, per_user=False):
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
    float or ndarray of shape (n_users,)
        The fraction of users (with at least one relevant item) with a hit, or
        (``per_user=True``) one value per user, NaN for users without relevant items.
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


def auc(recommended, relevant, n_candidates, *, per_user=False):
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
    float or ndarray of shape (n_users,)
        The mean over users with at least one positive and one negative, or
        (``per_user=True``) one value per user, NaN for the users skipped.
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


def coverage(recommended, n_items) -> float:
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
        Number of distinct recommended ids divided by n_items.
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
