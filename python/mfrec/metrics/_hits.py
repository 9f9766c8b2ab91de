"""The shared machinery of the ranking metrics: ids and relevant pairs encoded as integer
keys, and hits for every (user, position) found with one searchsorted."""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from .._validation import check_int, check_sparse

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
        check_sparse(relevant, "relevant")
        csr = relevant.tocsr()
        check_sparse(csr, "relevant")
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
