"""Top-N retrieval shared by every model: ``recommend``, ``similar_items``, ``similar_users``.

Python resolves ids, candidates and filters once, then asks the model's scorer
(``_scoring.py``). For a dot-product model the C++ kernel (``cpp/include/mfrec/topk.hpp``)
scores blocks of query rows against packed candidate panels and keeps the best ``n`` per row
as it goes, so no score matrix is ever materialized; a custom scorer produces dense score
blocks of a bounded size, from which the C++ selection kernel keeps the best ``n``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from . import _core
from ._cores import work_ns
from ._progress import progress
from ._scoring import DotScorer
from ._threads import blas_limited
from ._validation import check_float, check_int, check_sparse

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


__all__ = ["RATING_RISK_AVERSION", "RetrievalMixin", "recommend", "recommend_inner", "similar"]

_EMPTY_INDPTR = np.zeros(1, dtype=np.int64)
_EMPTY_INDICES = np.zeros(0, dtype=np.int32)
# Custom scorers: score at most this many (query, candidate) pairs per block (64 MB).
_DENSE_BLOCK = 1 << 24
# The risk_aversion the demo and the CLI use for rating models: the best mean validation
# NDCG@10 over MovieLens 100K and latest-small, FunkSVD, ALS and Baseline, seeds 0-2
# (benchmarks/tune_risk_aversion.py; benchmarks/results/tune_risk_aversion.txt).
RATING_RISK_AVERSION = 96.0
# A verbose model shows a progress bar when recommending for at least this many users.
_PROGRESS_USERS = 20_000


def _inner_ids(idmap, ids, what: str) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim > 1:
        raise ValueError(f"{what} must be 1-D, got shape {arr.shape}")
    return idmap.to_inner(arr.reshape(-1), missing="raise")


def _candidates(item_map, items, exclude) -> np.ndarray | None:
    """Inner ids of the candidate items (sorted), or None for the whole catalogue."""
    if items is None and exclude is None:
        return None
    if items is None:
        cand = np.arange(len(item_map), dtype=np.int64)
    else:
        cand = np.unique(_inner_ids(item_map, items, "items"))
    if exclude is not None:
        cand = np.setdiff1d(cand, _inner_ids(item_map, exclude, "exclude"), assume_unique=False)
    return cand


def _seen_matrix(user_items, n_rows: int, n_items: int) -> sp.csr_matrix:
    """``user_items`` as a canonical CSR with one row per query."""
    if not sp.issparse(user_items):
        raise TypeError(
            f"user_items must be a scipy sparse matrix, got {type(user_items).__name__}")
    if user_items.shape != (n_rows, n_items):
        raise ValueError(f"user_items must have shape ({n_rows}, {n_items}) (one row per "
                         f"requested user, one column per item), got {user_items.shape}")
    check_sparse(user_items, "user_items")
    m = sp.csr_matrix(user_items)
    check_sparse(m, "user_items")
    m.eliminate_zeros()
    m.sum_duplicates()  # also sorts the indices
    return m


def _present(idmap, ids: np.ndarray, scores: np.ndarray):
    """Inner ids as the caller's ids: raw ids (object array with None padding when a row
    is short) or inner ids (padding −1)."""
    if idmap.identity:
        return ids.astype(np.int64), scores
    pad = ids < 0
    raw = idmap.to_raw(np.where(pad, 0, ids))
    if pad.any():
        raw = raw.astype(object)
        raw[pad] = None
    return raw, scores


def _cap(n, n_rows: int) -> int:
    """``n`` validated and capped at the number of rows there are to return."""
    return min(check_int(n, "n", min_value=1), max(n_rows, 1))


def recommend(model, user_ids=None, n=10, filter_seen=True, items=None, exclude=None,
              user_items=None, risk_aversion=0.0):
    """See :meth:`mfrec.Recommender.recommend`."""
    st = model._snapshot()
    risk_aversion = check_risk_aversion(risk_aversion, st)
    n = _cap(n, st.n_items)
    if user_ids is None:
        users = np.arange(st.n_users, dtype=np.int64)
    else:
        users = _inner_ids(st.user_map_, user_ids, "user_ids")
    cand = _candidates(st.item_map_, items, exclude)
    seen = None
    if user_items is not None:
        seen = _seen_matrix(user_items, len(users), st.n_items)
    if getattr(model, "verbose", False) and len(users) >= _PROGRESS_USERS and seen is None:
        ids, scores = _recommend_in_parts(model, st, users, n, cand, filter_seen, risk_aversion)
    else:
        ids, scores = recommend_inner(st, users, n, cand=cand, filter_seen=filter_seen,
                                      seen=seen, risk_aversion=risk_aversion)
    return _present(st.item_map_, ids, scores)


def _recommend_in_parts(model, st, users, n, cand, filter_seen, risk_aversion):
    """recommend_inner in ~50 parts with a progress bar (verbose models, many users)."""
    ids = np.empty((len(users), n), dtype=np.int32)
    scores = np.empty((len(users), n), dtype=np.float32)
    step = max(_PROGRESS_USERS // 4, -(-len(users) // 50))
    with progress(len(users), f"{type(model).__name__}.recommend", unit="user",
                  unit_scale=True) as bar:
        for start in range(0, len(users), step):
            part = slice(start, start + step)
            ids[part], scores[part] = recommend_inner(st, users[part], n, cand=cand,
                                                      filter_seen=filter_seen,
                                                      risk_aversion=risk_aversion)
            bar.update(len(users[part]))
    return ids, scores


def check_risk_aversion(value, st) -> float:
    """``risk_aversion`` validated: a finite number >= 0, > 0 only for models whose scorer
    estimates the uncertainty of its scores."""
    value = check_float(value, "risk_aversion", nonneg=True)
    n_threads = st.threads(work_ns("pair", st._train.nnz * 68))
    if value > 0 and st.scorer.item_uncertainty(n_threads) is None:
        raise ValueError("risk_aversion needs a model that estimates the uncertainty of its "
                         "scores (rating models); this one does not")
    return value


def recommend_inner(st, users: np.ndarray, n: int, *, cand=None, filter_seen=True,
                    seen: sp.csr_matrix | None = None, risk_aversion: float = 0.0):
    """Top-n inner item ids (int32, padding −1) and scores for inner user ids ``users``, from
    the fitted-state snapshot ``st`` (``Recommender._snapshot()``).

    ``seen`` (canonical CSR, one row per user) replaces the training items as the filter;
    ``risk_aversion`` κ > 0 ranks by the lower bound score − κ·se(item).
    """
    scorer = st.scorer
    n_cand = st.n_items if cand is None else len(cand)
    n_threads = st.threads(work_ns("topn", len(users) * n_cand
                                   * max(st.user_factors_.shape[1], 1)))
    filter_rows = None
    indptr, indices = _EMPTY_INDPTR, _EMPTY_INDICES
    if seen is not None:
        indptr = seen.indptr.astype(np.int64, copy=False)
        indices = seen.indices.astype(np.int32, copy=False)
        filter_rows = np.arange(len(users), dtype=np.int64)
    elif filter_seen:
        train = st._train
        indptr, indices = train.indptr, train.item_index
        filter_rows = users
    users = np.ascontiguousarray(users, dtype=np.int64)
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    indices = np.ascontiguousarray(indices, dtype=np.int32)
    if filter_rows is not None:
        filter_rows = np.ascontiguousarray(filter_rows, dtype=np.int64)
    with blas_limited():
        if isinstance(scorer, DotScorer):
            key, bias = "items", scorer.item_bias
            if risk_aversion > 0:  # the penalty depends on the item only: in the panel bias
                se = scorer.item_uncertainty(n_threads)
                bias = (0.0 if bias is None else bias) - np.float32(risk_aversion) * se
                key = f"items-risk-{risk_aversion!r}"
            values, pbias, pids = scorer.panels(key, scorer.item_vectors,
                                                np.ascontiguousarray(bias, dtype=np.float32)
                                                if bias is not None else None, cand, n_threads)
            return _core.topk(values, pbias, pids, scorer.user_vectors, users, indptr, indices,
                              offset=scorer.query_offsets(users), filter_rows=filter_rows, n=n,
                              n_threads=n_threads)
        cand = np.arange(st.n_items, dtype=np.int32) if cand is None else cand
        score_rows = lambda rows: scorer.score_block(users[rows], cand, n_threads)  # noqa: E731
        if risk_aversion > 0:
            se = scorer.item_uncertainty(n_threads)[cand]
            plain = score_rows
            score_rows = lambda rows: plain(rows) - np.float32(risk_aversion) * se  # noqa: E731
        return _dense_topk(score_rows, len(users), cand, indptr, indices, filter_rows, n,
                           n_threads)


def _dense_topk(score_rows, n_queries, cand, indptr, indices, filter_rows, n, n_threads):
    """Top-n from a custom scorer, ``score_rows(slice)`` giving the dense scores of those
    query rows, in blocks of at most _DENSE_BLOCK pairs."""
    ids = np.empty((n_queries, n), dtype=np.int32)
    scores = np.empty((n_queries, n), dtype=np.float32)
    cand = np.ascontiguousarray(cand, dtype=np.int32)
    step = max(1, _DENSE_BLOCK // max(len(cand), 1))
    for start in range(0, n_queries, step):
        rows = slice(start, min(n_queries, start + step))
        block = np.ascontiguousarray(score_rows(rows), dtype=np.float32)
        frows = None if filter_rows is None else filter_rows[rows]
        ids[rows], scores[rows] = _core.topk_dense(block, cand, indptr, indices,
                                                   filter_rows=frows, n=n, n_threads=n_threads)
    return ids, scores


def similar(model, kind: str, ids, n=10, items=None, exclude=None):
    """Nearest rows by the model's similarity (cosine in factor space for dot-product
    models); ``kind`` is ``"items"`` or ``"users"``."""
    st = model._snapshot()
    scorer = st.scorer
    idmap = st.item_map_ if kind == "items" else st.user_map_
    n_threads = st.threads(work_ns("topn", len(np.atleast_1d(ids)) * len(idmap)
                                   * max(st.user_factors_.shape[1], 1)))
    n = _cap(n, len(idmap))
    query = _inner_ids(idmap, ids, f"{kind[:-1]}_ids")
    cand = _candidates(idmap, items, exclude)
    # Each query filters itself out: a one-entry "seen" row per query.
    indptr = np.arange(len(query) + 1, dtype=np.int64)
    indices = query.astype(np.int32)
    filter_rows = np.arange(len(query), dtype=np.int64)
    if not isinstance(scorer, DotScorer):
        cand = np.arange(len(idmap), dtype=np.int32) if cand is None else cand
        with blas_limited():
            ids_out, scores = _dense_topk(
                lambda rows: scorer.similarity_block(kind, query[rows], cand, n_threads),
                len(query), cand, indptr, indices, filter_rows, n, n_threads)
        return _present(idmap, ids_out, scores)
    unit = scorer.unit_rows(kind)
    # Rows without factors (cold: all zeros) have no direction: never candidates, and a
    # query without factors gets an empty (all padding) row.
    has_dir = np.flatnonzero(np.any(unit != 0, axis=1))
    cand = has_dir if cand is None else np.intersect1d(cand, has_dir)
    if len(cand) == len(unit):
        cand = None
    values, pbias, pids = scorer.panels(f"unit-{kind}-panels", unit, None, cand, n_threads)
    with blas_limited():
        ids_out, scores = _core.topk(values, pbias, pids, unit, query.astype(np.int64), indptr,
                                     indices, filter_rows=filter_rows, n=n, n_threads=n_threads)
    no_dir = ~np.any(unit[query] != 0, axis=1)
    if no_dir.any():
        ids_out[no_dir] = -1
        scores[no_dir] = np.nan
    return _present(idmap, ids_out, scores)


class RetrievalMixin:
    """The public retrieval methods of :class:`mfrec.Recommender` (implemented above)."""

    # -- retrieval ---------------------------------------------------------------------------
    def recommend(self, user_ids: ArrayLike | None = None, n: int = 10,
                  filter_seen: bool = True, items: ArrayLike | None = None,
                  exclude: ArrayLike | None = None,
                  user_items: sp.spmatrix | sp.sparray | None = None,
                  risk_aversion: float = 0.0,
                  ) -> tuple[np.ndarray, NDArray[np.float32]]:
        """The ``n`` best items for each user, best first.

        Items are ranked by the model's unclipped score (μ + b_u + b_i + p_uᵀq_i for biased
        rating models, p_uᵀq_i otherwise). For factor models scoring and selection are fused
        in C++, parallel over users, so memory stays O(len(user_ids) · n) however large the
        catalogue.

        Parameters
        ----------
        user_ids : array-like of shape (n_queries,), optional
            Raw user ids (inner ids when fitted on a sparse matrix); None = every user,
            in inner-id order.
        n : int, default 10
            Number of items per user; at most the number of items the model knows (a larger
            ``n`` returns that many columns).
        filter_seen : bool, default True
            Skip the items each user has in the training data.
        items : array-like of shape (n_allowed,), optional
            Allow-list: only these items are candidates (raw ids, or inner ids when fitted
            on a sparse matrix).
        exclude : array-like of shape (n_excluded,), optional
            Items never recommended to anyone.
        user_items : scipy sparse matrix of shape (n_queries, n_items), optional
            The items to skip per requested user (row j for ``user_ids[j]``, columns =
            inner item ids), replacing the training data as the "seen" filter.
        risk_aversion : float, default 0
            Rating models: rank by a lower bound of the score, score − risk_aversion ·
            σ̂/√(n_i + 1), where n_i is the item's number of training ratings and σ̂ the
            model's residual RMSE on its training data: items rated by a handful of users
            (whose high scores rest on little evidence) stop crowding the top of the lists.
            The returned scores are those lower bounds. 0 ranks by the score itself. 96 had
            the best validation NDCG@10 on MovieLens (docs/recommend.md): it beats the most
            popular items, which ranking by the score alone does not come near.

        Returns
        -------
        ids : ndarray of shape (n_queries, min(n, n_items))
            Item ids, best first. Inner ids (int64, padding −1) when fitted on a sparse
            matrix; raw ids otherwise, as an object array padded with None when some row
            has fewer than ``n`` candidates.
        scores : ndarray of shape (n_queries, min(n, n_items)), float32
            The scores, NaN in padding.

        Raises
        ------
        NotFittedError
            The model is not fitted.
        UnknownIdError
            (a ``KeyError``) a user id, or an id in ``items`` / ``exclude``, is unknown.
        ValueError
            ``n < 1``, ``user_items`` has the wrong shape or structure, or
            ``risk_aversion`` is negative or given to a model without score uncertainty.
        """
        return recommend(self, user_ids, n, filter_seen, items, exclude, user_items,
                         risk_aversion)

    def similar_items(self, item_ids: ArrayLike, n: int = 10, items: ArrayLike | None = None,
                      exclude: ArrayLike | None = None,
                      ) -> tuple[np.ndarray, NDArray[np.float32]]:
        """The ``n`` items nearest to each query item by the model's similarity: cosine
        similarity of the factors for factor models.

        Never returns the query itself. Items without factors (cold: no training data)
        have no direction: they are never returned, and querying one gives a row of padding.

        Parameters
        ----------
        item_ids : array-like of shape (n_queries,)
            Raw item ids (inner ids when fitted on a sparse matrix).
        n : int, default 10
            Number of neighbours per query (at most the number of items).
        items, exclude : array-like of shape (n_allowed,) and (n_excluded,), optional
            Allow-list and deny-list of candidates, as in :meth:`recommend`.

        Returns
        -------
        ids : ndarray of shape (n_queries, n)
            As in :meth:`recommend` (padding −1 or None).
        scores : ndarray of shape (n_queries, n), float32
            Cosine similarities in [−1, 1], NaN in padding.
        """
        return similar(self, "items", item_ids, n, items, exclude)

    def similar_users(self, user_ids: ArrayLike, n: int = 10, users: ArrayLike | None = None,
                      exclude: ArrayLike | None = None,
                      ) -> tuple[np.ndarray, NDArray[np.float32]]:
        """The ``n`` users nearest to each query user by cosine similarity of the factors.

        The user counterpart of :meth:`similar_items`: never returns the query itself;
        cold users (no factors) are never returned and query to a row of padding.

        Parameters
        ----------
        user_ids : array-like of shape (n_queries,)
            Raw user ids (inner ids when fitted on a sparse matrix).
        n : int, default 10
            Number of neighbours per query (at most the number of users).
        users : array-like of shape (n_allowed,), optional
            Allow-list: only these users are candidates.
        exclude : array-like of shape (n_excluded,), optional
            Users never returned.

        Returns
        -------
        ids : ndarray of shape (n_queries, n)
            User ids, nearest first: inner ids (int64, padding −1) when fitted on a sparse
            matrix, else raw ids (object array padded with None when a row is short).
        scores : ndarray of shape (n_queries, n), float32
            Cosine similarities in [−1, 1], NaN in padding.
        """
        return similar(self, "users", user_ids, n, users, exclude)
