"""``implicit.cpu.matrix_factorization_base``: retrieval shared by the factor models.

Scores are dot products of the factors (``recommend``) or cosines (``similar_*``); the best N
are kept by mfrec's fused top-N kernel (``_core.topk``: scoring and selection per block of
queries, parallel, no score matrix), with implicit's conventions on top: a scalar id gives 1-D
results, an array of ids 2-D ones; ``similar_*`` include the query itself; a batch row with
fewer than N candidates is padded with id −1 and score −FLT_MAX (implicit's own padding), a
single query's result is cut to its real entries.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from .... import _core
from ...._cores import work_ns
from ...._engine import LocalEngine
from ...._threads import blas_limited
from ...._validation import resolve_n_threads
from ..recommender_base import RecommenderBase

__all__ = ["MatrixFactorizationBase"]

_PAD_SCORE = -np.finfo(np.float32).max
NO_GPU = "mfrec has no GPU kernels (implicit.gpu.HAS_CUDA is False)"


def reject_gpu(use_gpu) -> None:
    """The models' ``use_gpu`` check: True raises ValueError (mfrec has no GPU kernels)."""
    if use_gpu:
        raise ValueError(f"use_gpu=True: {NO_GPU}; use use_gpu=False")


def engine_for(num_threads) -> LocalEngine:
    """implicit's ``num_threads`` (0 = all cores) as an mfrec engine."""
    if isinstance(num_threads, bool) or not isinstance(num_threads, numbers.Integral):
        raise TypeError(f"num_threads must be an int, got {num_threads!r}")
    n = int(num_threads)
    return LocalEngine(resolve_n_threads(None if n <= 0 else n), auto=n <= 0)


def check_ids(ids, n: int, what: str) -> np.ndarray:
    """Integer ids in [0, n) as int64 (IndexError otherwise, as implicit's indexing)."""
    arr = np.asarray(ids)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{what} must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False).reshape(-1)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        bad = arr[(arr < 0) | (arr >= n)][0]
        raise IndexError(f"{what} {int(bad)} is not in the model (ids are 0..{n - 1})")
    return arr


def _rows_csr(m, n_rows: int, n_cols: int, what: str) -> sp.csr_matrix:
    if not isinstance(m, sp.csr_matrix):
        raise ValueError(f"{what} needs to be a CSR sparse matrix")
    if m.shape[0] != n_rows:
        raise ValueError(f"{what} must contain 1 row for every id requested ({n_rows}), got "
                         f"{m.shape[0]}")
    if m.shape[1] > n_cols:
        m = m[:, :n_cols]  # columns of items the model does not have cannot be recommended
    m = sp.csr_matrix(m)
    m.sort_indices()
    return m


def topn(queries: np.ndarray, factors: np.ndarray, n: int, engine: LocalEngine, *,
         cand: np.ndarray | None = None, seen: sp.csr_matrix | None = None,
         exclude: np.ndarray | None = None, panels: dict | None = None,
         key: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Best ``n`` rows of ``factors`` per query row by dot product: (ids int32, scores
    float32), each (len(queries), n), padding −1 / −FLT_MAX. ``seen`` (one CSR row per query)
    and ``exclude`` are skipped; ``cand`` restricts the candidates."""
    Q = np.ascontiguousarray(queries, dtype=np.float32)
    F = np.ascontiguousarray(factors, dtype=np.float32)
    if exclude is not None and len(exclude):
        base = np.arange(len(F), dtype=np.int64) if cand is None else cand
        cand = np.setdiff1d(base, exclude)
    n_cand = len(F) if cand is None else len(cand)
    nt = engine.threads(work_ns("topn", len(Q) * max(n_cand, 1) * max(F.shape[1], 1)))
    nr = _core.topk_panel_width()
    cache_key = (key, nr)
    packed = panels.get(cache_key) if (panels is not None and cand is None) else None
    if packed is None:
        c = np.arange(len(F), dtype=np.int32) if cand is None else cand.astype(np.int32)
        packed = _core.pack_panels(F, np.ascontiguousarray(c), bias=None, nr=nr, n_threads=nt)
        if panels is not None and cand is None:
            panels[cache_key] = packed
    if seen is not None:
        indptr = seen.indptr.astype(np.int64)
        indices = seen.indices.astype(np.int32)
        filter_rows = np.arange(len(Q), dtype=np.int64)
    else:
        indptr, indices, filter_rows = np.zeros(1, np.int64), np.zeros(0, np.int32), None
    with blas_limited():
        ids, scores = _core.topk(*packed, Q, np.arange(len(Q), dtype=np.int64), indptr, indices,
                                 filter_rows=filter_rows, n=n, n_threads=nt)
    pad = ids < 0
    if pad.any():
        scores[pad] = _PAD_SCORE
    return ids, scores


def _fill_with_filtered(ids: np.ndarray, cand: np.ndarray) -> None:
    """With an allow-list, implicit returns every listed item: the filtered ones last, with
    score −FLT_MAX. Padding slots (−1) take the candidates missing from the row, in id order
    (their scores are already −FLT_MAX)."""
    for row in np.flatnonzero((ids < 0).any(axis=1)):
        slots = np.flatnonzero(ids[row] < 0)
        missing = np.setdiff1d(cand, ids[row][ids[row] >= 0])[:len(slots)]
        ids[row, slots[:len(missing)]] = missing


def present(scalar: bool, ids: np.ndarray, scores: np.ndarray, dtype) -> tuple:
    """implicit's shapes: one query → 1-D, cut to its real entries; several → 2-D."""
    scores = scores.astype(dtype, copy=False)
    if scalar:
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
    return ids, scores


class MatrixFactorizationBase(RecommenderBase):
    """Retrieval from ``user_factors`` / ``item_factors`` (numpy arrays)."""

    def __init__(self, num_threads: int = 0) -> None:
        self.item_factors = None
        self.user_factors = None
        self.num_threads = num_threads
        self._user_norms = self._item_norms = None
        self._panels: dict = {}

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_panels"] = {}
        return state

    def _loaded(self) -> None:
        self._panels = {}
        self._user_norms = self._item_norms = None

    def _factors_changed(self) -> None:
        self._user_norms = self._item_norms = None
        self._panels = {}

    def _fitted(self) -> None:
        if self.item_factors is None or self.user_factors is None:
            raise ValueError("this model is not fitted yet: call fit(user_items) first")

    # -- recommend ---------------------------------------------------------------------------
    def recommend(self, userid, user_items, N=10, filter_already_liked_items=True,
                  filter_items=None, recalculate_user=False, items=None):
        """The best ``N`` items for ``userid`` (an id: 1-D results; an array: 2-D), by
        uᵀv; ``user_items`` holds one CSR row per requested user (its liked items, filtered
        with ``filter_already_liked_items``, and the data ``recalculate_user`` solves from)."""
        self._fitted()
        scalar = np.isscalar(userid)
        n_items = self.item_factors.shape[0]
        if filter_already_liked_items or recalculate_user:
            n_rows = 1 if scalar else len(np.asarray(userid).reshape(-1))
            user_items = _rows_csr(user_items, n_rows, n_items, "user_items")
        if recalculate_user:
            user = np.atleast_2d(self.recalculate_user(userid, user_items))
        else:
            user = self.user_factors[check_ids(userid, self.user_factors.shape[0], "userid")]
        cand = None
        if items is not None:
            if filter_items is not None and len(filter_items):
                raise ValueError("Can't set both items and filter_items in recommend call")
            cand = np.unique(check_ids(items, n_items, "itemid in items"))
            N = min(int(N), len(cand))
        exclude = None
        if filter_items is not None and len(filter_items):
            exclude = np.asarray(filter_items, dtype=np.int64).reshape(-1)
        seen = user_items if filter_already_liked_items else None
        ids, scores = topn(user, self.item_factors, max(int(N), 1) if N else 1,
                           self._engine(), cand=cand, seen=seen, exclude=exclude,
                           panels=self._panels, key="items")
        if not N:
            ids, scores = ids[:, :0], scores[:, :0]
        elif cand is not None and seen is not None:
            _fill_with_filtered(ids, cand)
        return present(scalar, ids, scores, self.item_factors.dtype)

    def _engine(self) -> LocalEngine:
        return engine_for(self.num_threads)

    def recalculate_user(self, userid, user_items):
        raise NotImplementedError("recalculate_user is not supported with this model")

    def recalculate_item(self, itemid, item_users):
        raise NotImplementedError("recalculate_item is not supported with this model")

    # -- similarity --------------------------------------------------------------------------
    @property
    def user_norms(self) -> np.ndarray:
        if self._user_norms is None:
            self._user_norms = _norms(self.user_factors)
        return self._user_norms

    @property
    def item_norms(self) -> np.ndarray:
        if self._item_norms is None:
            self._item_norms = _norms(self.item_factors)
        return self._item_norms

    def similar_users(self, userid, N=10, filter_users=None, users=None):
        """The ``N`` users most similar to ``userid`` by cosine of the factors (the user
        itself first)."""
        self._fitted()
        q = check_ids(userid, self.user_factors.shape[0], "userid")
        query = self.user_factors[q] / self.user_norms[q][:, None]
        return self._similar(np.isscalar(userid), query, self.user_factors, self.user_norms,
                             N, filter_users, users, "users")

    def similar_items(self, itemid, N=10, recalculate_item=False, item_users=None,
                      filter_items=None, items=None):
        """The ``N`` items most similar to ``itemid`` by cosine of the factors (the item
        itself first); ``recalculate_item`` solves the query's factors from ``item_users``."""
        self._fitted()
        scalar = np.isscalar(itemid)
        if recalculate_item:
            n_rows = 1 if scalar else len(np.asarray(itemid).reshape(-1))
            item_users = _rows_csr(item_users, n_rows, self.user_factors.shape[0], "item_users")
            factor = np.atleast_2d(self.recalculate_item(itemid, item_users))
            query = factor / _norms(factor)[:, None]
        else:
            q = check_ids(itemid, self.item_factors.shape[0], "itemid")
            query = self.item_factors[q] / self.item_norms[q][:, None]
        return self._similar(scalar, query, self.item_factors, self.item_norms, N,
                             filter_items, items, "items")

    def _similar(self, scalar, query, factors, norms, N, filter_ids, allowed, kind):
        cand = None
        if allowed is not None:
            if filter_ids is not None and len(filter_ids):
                raise ValueError(f"Can't set both {kind} and filter_{kind} in similar_{kind} "
                                 "call")
            cand = np.unique(check_ids(allowed, len(factors), f"id in {kind}"))
            N = min(int(N), len(cand))
        exclude = None
        if filter_ids is not None and len(filter_ids):
            exclude = np.asarray(filter_ids, dtype=np.int64).reshape(-1)
        unit = self._panels.get(("unit", kind))
        if unit is None:
            unit = self._panels[("unit", kind)] = (factors / norms[:, None]).astype(np.float32)
        ids, scores = topn(query, unit, max(int(N), 1), self._engine(), cand=cand,
                           exclude=exclude, panels=self._panels, key=f"unit-{kind}")
        return present(scalar, ids, scores, factors.dtype)


def _norms(F: np.ndarray) -> np.ndarray:
    """Row norms, zeros replaced by 1e-10 (implicit's convention: zero rows score 0)."""
    norms = np.linalg.norm(F, axis=-1)
    norms[norms == 0] = 1e-10
    return norms
