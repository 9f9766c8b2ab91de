"""`Interactions`: ratings or implicit feedback with raw <-> inner id maps and a canonical CSR."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ._idmap import IdMap, canonical_ids, id_kind, short_repr
from ._validation import as_1d, check_choice, check_sparse, finite_float32

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike, NDArray

__all__ = ["Interactions"]

_DUPLICATES = ("error", "sum", "last", "mean")


class Interactions:
    """User-item interactions: explicit ratings or implicit feedback.

    Holds a canonical CSR matrix (users × items; int64 ``indptr``, int32 ``indices``,
    float32 ``data``, rows sorted, no duplicates) together with the raw <-> inner id maps,
    optional timestamps, the rating scale and optional item and user metadata (e.g. titles).

    Parameters
    ----------
    users, items : array-like of shape (n,)
        Raw user and item ids (ints or strings) of each interaction.
    ratings : array-like of shape (n,), optional
        Rating or interaction strength; all ones when omitted (implicit feedback).
    timestamps : array-like of shape (n,), optional
        Integer timestamps (e.g. Unix seconds), or ``datetime64`` values (converted to Unix
        seconds).
    rating_scale : tuple (lo, hi), optional
        Declared scale; inferred as (min, max) of ``ratings`` when omitted.
    duplicates : {"error", "sum", "last", "mean"}, default "error"
        What to do with repeated (user, item) pairs.
    user_ids, item_ids : array-like of shape (n_users,) and (n_items,), optional
        Fixed id maps (inner order = given order). Ids not listed raise ``ValueError``;
        listed ids without interactions are *known but cold*. Default: the sorted unique ids.
    item_metadata : dict of str -> array-like of shape (n_items,), optional
        Per-item columns in inner-id order, e.g. ``{"title": [...]}``.
    user_metadata : dict of str -> array-like of shape (n_users,), optional
        Per-user columns in inner-id order, e.g. ``{"age": [...], "gender": [...]}``.

    Attributes
    ----------
    user_map, item_map : IdMap
        Raw <-> inner id maps (inner ids 0..n_users-1 and 0..n_items-1).
    indptr : ndarray of shape (n_users + 1,), int64
        CSR row pointers: user u's interactions are at positions ``indptr[u]:indptr[u+1]``.
    user_index : ndarray of shape (nnz,), int32
        Inner user id of each interaction (sorted: the CSR row of each entry).
    item_index : ndarray of shape (nnz,), int32
        Inner item id of each interaction (the CSR column indices, sorted within a row).
    ratings : ndarray of shape (nnz,), float32
        The values (the CSR data).
    timestamps : ndarray of shape (nnz,), int64, or None
    rating_scale : tuple (lo, hi) of float
    item_metadata, user_metadata : dict of str -> ndarray of shape (n_items,) / (n_users,)
        Empty dicts when none was given.

    Raises
    ------
    ValueError
        Lengths differ, no interactions, non-finite ratings, an id not in the given
        ``user_ids``/``item_ids``, a bad ``rating_scale`` or metadata length, or duplicate
        pairs under ``duplicates="error"`` (naming the first).
    TypeError
        Non-numeric ratings or timestamps, or ids that cannot be compared (mixed types).
    """

    def __init__(
        self,
        users: ArrayLike,
        items: ArrayLike,
        ratings: ArrayLike | None = None,
        timestamps: ArrayLike | None = None,
        *,
        rating_scale: tuple[float, float] | None = None,
        duplicates: str = "error",
        user_ids: ArrayLike | None = None,
        item_ids: ArrayLike | None = None,
        item_metadata: Mapping[str, ArrayLike] | None = None,
        user_metadata: Mapping[str, ArrayLike] | None = None,
    ) -> None:
        check_choice(duplicates, "duplicates", _DUPLICATES)
        users = canonical_ids(users, "users")
        items = canonical_ids(items, "items")
        n = len(users)
        if len(items) != n:
            raise ValueError(f"users and items differ in length: {n} != {len(items)}")
        if ratings is None:
            ratings = np.ones(n, dtype=np.float32)
        ratings = finite_float32(ratings, "ratings")
        if len(ratings) != n:
            raise ValueError(f"ratings has length {len(ratings)}, users has {n}")
        if timestamps is not None:
            timestamps = as_1d(timestamps, "timestamps")
            if len(timestamps) != n:
                raise ValueError(f"timestamps has length {len(timestamps)}, users has {n}")
            if not np.issubdtype(timestamps.dtype, np.integer):
                if np.issubdtype(timestamps.dtype, np.datetime64):
                    timestamps = timestamps.astype("datetime64[s]").astype(np.int64)
                else:
                    raise TypeError(f"timestamps must be integers, got dtype {timestamps.dtype}")
            timestamps = timestamps.astype(np.int64)
        if n == 0 and user_ids is None:
            raise ValueError("no interactions: users, items and ratings are empty")

        user_map = _make_map(users, user_ids, "user")
        item_map = _make_map(items, item_ids, "item")
        uidx = user_map.to_inner(users, missing="ignore")
        iidx = item_map.to_inner(items, missing="ignore")
        for name, idx, raw in (("user", uidx, users), ("item", iidx, items)):
            if (idx < 0).any():
                first = short_repr(raw[np.flatnonzero(idx < 0)[0]])
                raise ValueError(f"{name} id {first} is not in the given {name}_ids")
        if rating_scale is None:
            rating_scale = _infer_scale(ratings)
        self._init(user_map, item_map, uidx, iidx, ratings, timestamps, rating_scale,
                   duplicates, item_metadata, user_metadata=user_metadata)

    # -- construction -------------------------------------------------------------------
    def _init(self, user_map, item_map, uidx, iidx, ratings, timestamps, rating_scale,
              duplicates, item_metadata, *, user_metadata=None, canonical=False):
        n_items = len(item_map)
        if not canonical:
            key = uidx.astype(np.int64) * max(n_items, 1) + iidx
            order = np.argsort(key, kind="stable")
            key = key[order]
            uidx, iidx, ratings = uidx[order], iidx[order], ratings[order]
            if timestamps is not None:
                timestamps = timestamps[order]
            dup = np.flatnonzero(key[1:] == key[:-1])
            if dup.size:
                uidx, iidx, ratings, timestamps = _merge_duplicates(
                    duplicates, key, uidx, iidx, ratings, timestamps, user_map, item_map, dup
                )
        self.user_map = user_map
        self.item_map = item_map
        self.user_index = np.ascontiguousarray(uidx, dtype=np.int32)
        self.item_index = np.ascontiguousarray(iidx, dtype=np.int32)
        self.ratings = np.ascontiguousarray(ratings, dtype=np.float32)
        self.timestamps = timestamps
        lo, hi = (float(v) for v in rating_scale)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            raise ValueError(
                f"rating_scale must be finite (lo, hi) with lo <= hi, got {rating_scale}")
        self.rating_scale = (lo, hi)
        counts = np.bincount(self.user_index, minlength=len(user_map))
        self.indptr = np.zeros(len(user_map) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.indptr[1:])
        self.item_metadata = _check_metadata(item_metadata, n_items, "item")
        self.user_metadata = _check_metadata(user_metadata, len(user_map), "user")
        return self

    @classmethod
    def _from_inner(cls, user_map, item_map, uidx, iidx, ratings, timestamps, rating_scale,
                    item_metadata=None, *, user_metadata=None, duplicates="error",
                    canonical=False):
        self = cls.__new__(cls)
        return self._init(user_map, item_map, np.asarray(uidx), np.asarray(iidx),
                          np.asarray(ratings, dtype=np.float32), timestamps, rating_scale,
                          duplicates, item_metadata, user_metadata=user_metadata,
                          canonical=canonical)

    @classmethod
    def from_sparse(cls, X: sp.spmatrix | sp.sparray, *,
                    rating_scale: tuple[float, float] | None = None) -> Interactions:
        """From any scipy sparse matrix or array (users × items); inner ids = indices.

        Repeated entries are summed, as scipy does. Explicitly stored zeros are kept as
        interactions.

        Parameters
        ----------
        X : scipy sparse matrix or array of shape (n_users, n_items)
            Any format (CSR, COO, ...); values must be finite numbers.
        rating_scale : tuple (lo, hi), optional
            Declared scale; default (min, max) of the stored values.

        Returns
        -------
        Interactions
            With identity id maps: raw ids are the row and column indices (int64).

        Raises
        ------
        TypeError
            ``X`` is not a scipy sparse matrix or array.
        ValueError
            ``X`` is not 2-D, stores no entries, or has non-finite values.
        """
        if not sp.issparse(X):
            raise TypeError(f"expected a scipy sparse matrix or array, got {type(X).__name__}")
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D sparse matrix, got shape {X.shape}")
        check_sparse(X, "the sparse matrix")
        # Through CSR: sorting within rows is much cheaper than a global sort of COO entries.
        csr = sp.csr_matrix(X)
        check_sparse(csr, "the sparse matrix")  # other formats: as converted
        if not csr.has_canonical_format:
            csr = csr.copy()
            csr.sum_duplicates()  # sums repeats and sorts each row's indices
        data = finite_float32(csr.data, "sparse matrix values")
        if data.size == 0:
            raise ValueError(f"no interactions: the sparse matrix of shape {X.shape} is empty")
        n_users, n_items = X.shape
        if rating_scale is None:
            rating_scale = _infer_scale(data)
        rows = np.repeat(np.arange(n_users, dtype=np.int32), np.diff(csr.indptr))
        return cls._from_inner(IdMap.range(n_users, "user"), IdMap.range(n_items, "item"),
                               rows, csr.indices, data, None, rating_scale, canonical=True)

    @classmethod
    def from_pandas(cls, df: pd.DataFrame, *,
                    columns: Mapping[str, str] | Sequence[str] | None = None,
                    **kwargs: Any) -> Interactions:
        """From a DataFrame with columns ``user``, ``item``[, ``rating``[, ``timestamp``]].

        Parameters
        ----------
        df : pandas.DataFrame of n rows
            One interaction per row.
        columns : dict or sequence of str, optional
            Renames: a dict like ``{"user": "userId", "item": "movieId"}`` or a sequence of
            2–4 column names in the order user, item, rating, timestamp. Default: the
            columns named ``user``, ``item``, ``rating`` and ``timestamp`` that exist.
        **kwargs
            Passed to :class:`Interactions` (``rating_scale``, ``duplicates``, ...).

        Returns
        -------
        Interactions

        Raises
        ------
        ValueError
            Unknown keys in ``columns``, no user or item column, or a named column that
            ``df`` lacks (the message lists its columns).
        """
        names = ["user", "item", "rating", "timestamp"]
        if columns is None:
            mapping = {k: k for k in names if k in df.columns}
        elif isinstance(columns, dict):
            mapping = {k: v for k, v in columns.items()}
        else:
            mapping = dict(zip(names, columns))
        unknown = set(mapping) - set(names)
        if unknown:
            raise ValueError(f"columns: unknown keys {sorted(unknown)}; expected {names}")
        for key in ("user", "item"):
            if key not in mapping:
                raise ValueError(f"no '{key}' column: pass columns={{'{key}': <name>}}")
        missing = [v for v in mapping.values() if v not in df.columns]
        if missing:
            raise ValueError(f"DataFrame has no column(s) {missing}; it has {list(df.columns)}")
        get = lambda k: df[mapping[k]].to_numpy() if k in mapping else None  # noqa: E731
        return cls(get("user"), get("item"), get("rating"), get("timestamp"), **kwargs)

    # -- views --------------------------------------------------------------------------
    @property
    def n_users(self) -> int:
        """Number of users in the id map (including known users without interactions)."""
        return len(self.user_map)

    @property
    def n_items(self) -> int:
        """Number of items in the id map (including known items without interactions)."""
        return len(self.item_map)

    @property
    def nnz(self) -> int:
        """Number of interactions (stored entries)."""
        return len(self.ratings)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_users, n_items)``: the shape of :meth:`to_csr`."""
        return (self.n_users, self.n_items)

    @property
    def user_ids(self) -> np.ndarray:
        """Raw user ids in inner-id order, shape (n_users,)."""
        return self.user_map.ids

    @property
    def item_ids(self) -> np.ndarray:
        """Raw item ids in inner-id order, shape (n_items,)."""
        return self.item_map.ids

    @property
    def users(self) -> np.ndarray:
        """Raw user id of each interaction, shape (nnz,)."""
        return self.user_map.ids[self.user_index]

    @property
    def items(self) -> np.ndarray:
        """Raw item id of each interaction, shape (nnz,)."""
        return self.item_map.ids[self.item_index]

    @property
    def item_titles(self) -> np.ndarray | None:
        """Item titles in inner-id order, shape (n_items,), or None without titles."""
        return self.item_metadata.get("title")

    def __len__(self) -> int:
        return self.nnz

    def __repr__(self) -> str:
        return (f"Interactions({self.n_users} users × {self.n_items} items, nnz={self.nnz}, "
                f"rating_scale={self.rating_scale})")

    def to_csr(self) -> sp.csr_matrix:
        """The users × items matrix in CSR format.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_users, n_items), float32
            Canonical (sorted indices, no duplicates); its ``data`` and ``indices`` may
            share memory with ``ratings`` and ``item_index`` (scipy chooses the index
            dtype).
        """
        return sp.csr_matrix((self.ratings, self.item_index, self.indptr), shape=self.shape)

    def to_coo(self) -> sp.coo_matrix:
        """The users × items matrix in COO format.

        Returns
        -------
        scipy.sparse.coo_matrix of shape (n_users, n_items), float32
            Entries in the canonical order (by user, then item).
        """
        return sp.coo_matrix((self.ratings, (self.user_index, self.item_index)), shape=self.shape)

    def user_counts(self) -> NDArray[np.int64]:
        """Number of interactions of each user.

        Returns
        -------
        ndarray of shape (n_users,), int64
            Zero for known users without interactions.
        """
        return np.diff(self.indptr)

    def item_counts(self) -> NDArray[np.int64]:
        """Number of interactions of each item.

        Returns
        -------
        ndarray of shape (n_items,), int64
            Zero for known items without interactions.
        """
        return np.bincount(self.item_index, minlength=self.n_items)

    # -- derived data sets -------------------------------------------------------------
    def subset(self, rows: ArrayLike) -> Interactions:
        """The interactions at positions ``rows``, with the same id maps and metadata.

        Parameters
        ----------
        rows : array-like of int of shape (m,), or of bool of shape (nnz,)
            Positions in the canonical order (as in ``ratings``), or a boolean mask.
            Indices are sorted first, so the result stays canonical.

        Returns
        -------
        Interactions
            ``m`` (or ``mask.sum()``) interactions; users and items without any are known
            but cold.

        Raises
        ------
        ValueError
            A boolean mask of the wrong shape.
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            if rows.shape != (self.nnz,):
                raise ValueError(f"mask must have shape ({self.nnz},), got {rows.shape}")
            rows = np.flatnonzero(rows)
        else:
            rows = np.sort(rows.astype(np.int64))
        ts = None if self.timestamps is None else self.timestamps[rows]
        return Interactions._from_inner(
            self.user_map, self.item_map, self.user_index[rows], self.item_index[rows],
            self.ratings[rows], ts, self.rating_scale, self.item_metadata,
            user_metadata=self.user_metadata, canonical=True)

    def binarize(self, threshold: float = 0.0) -> Interactions:
        """Implicit positives: interactions with rating >= ``threshold``, value 1.

        Parameters
        ----------
        threshold : float, default 0.0
            Keep interactions whose rating is at least this (e.g. 4 on a 1-5 scale).

        Returns
        -------
        Interactions
            Same id maps and metadata; ratings all 1.0 (float32), rating scale (0, 1).
        """
        keep = self.ratings >= threshold
        out = self.subset(keep)
        out.ratings = np.ones(out.nnz, dtype=np.float32)
        out.rating_scale = (0.0, 1.0)
        return out


def _make_map(raw, given, name):
    if given is not None:
        given = canonical_ids(given, f"{name}_ids")
        if given.dtype == object:
            repeated = len(set(given.tolist())) != len(given)
        else:
            repeated = len(np.unique(given)) != len(given)
        if repeated:
            raise ValueError(f"{name}_ids contains repeated ids")
        if len(given) and len(raw) and id_kind(given) != id_kind(raw):
            raise TypeError(f"{name} ids are {id_kind(raw)}s but {name}_ids are "
                            f"{id_kind(given)}s: use one kind")
        return IdMap(given, name)
    if raw.dtype == object:  # str objects (or exact big ints): hash, then sort the few
        unique = sorted(set(raw.tolist()))
        ids = np.empty(len(unique), dtype=object)
        ids[:] = unique
    else:
        ids = np.unique(raw)
    return IdMap(ids, name)


def _infer_scale(ratings):
    if ratings.size == 0:
        return (0.0, 1.0)
    return (float(ratings.min()), float(ratings.max()))


def _merge_duplicates(policy, key, uidx, iidx, ratings, timestamps, user_map, item_map, dup):
    if policy == "error":
        j = dup[0]
        u, i = short_repr(user_map.ids[uidx[j]]), short_repr(item_map.ids[iidx[j]])
        raise ValueError(
            f"{dup.size} duplicate (user, item) pair(s), first (user={u}, item={i}); "
            "pass duplicates='sum', 'last' or 'mean'"
        )
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    if policy == "last":  # stable sort kept input order inside a group
        pick = ends - 1
        ts = None if timestamps is None else timestamps[pick]
        return uidx[pick], iidx[pick], ratings[pick], ts
    sums = np.add.reduceat(ratings.astype(np.float64), starts)
    if policy == "mean":
        sums /= ends - starts
    ts = None if timestamps is None else np.maximum.reduceat(timestamps, starts)
    return uidx[starts], iidx[starts], sums.astype(np.float32), ts


def _check_metadata(meta, n, side):
    if meta is None:
        return {}
    out = {}
    for k, v in dict(meta).items():
        arr = np.asarray(v)
        if arr.shape[:1] != (n,):
            raise ValueError(f"{side}_metadata[{k!r}] must have {n} entries (one per {side}), "
                             f"got shape {arr.shape}")
        out[k] = arr
    return out
