"""The scorer of the neighbourhood models (``knn.py``): the k-best-neighbour estimates of
``predict`` and ``recommend`` through the C++ kernels, and the similarity blocks of
``similar_items`` / ``similar_users``, from the similarity rows stored at fit or computed
on demand (``_knn_train.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._cores import threads_for, work_ns
from .._engine import Csr
from .._scoring import Scorer
from ._knn_train import _row_means, sim_params, similarity_inputs, similarity_rows

_MODES = {"basic": 0, "means": 1, "baseline": 2}


def _pad(a: np.ndarray, n: int) -> np.ndarray:
    """``a`` extended with zeros to length ``n``."""
    return a if len(a) >= n else np.concatenate([a, np.zeros(n - len(a), a.dtype)])


class _KnnScorer(Scorer):
    """Neighbourhood estimates through the C++ kernels (``knn_predict``, ``knn_predict_grid``)."""

    clip = True

    def __init__(self, state: dict[str, Any], mode: str) -> None:
        self.mode = mode
        opts = state["knn_options_"]
        self.user_based = bool(opts["user_based"])
        self.stored = bool(opts.get("stored", True))
        train = state["_train"]
        by_user = Csr(train.indptr, train.item_index, train.ratings)
        # the ratings of each y (the side the neighbours are found in): the user's items
        # for item-based models, the item's users for user-based ones
        self.by_y = by_user.transpose(train.n_items) if self.user_based else by_user
        n_x, n_y = ((train.n_users, train.n_items) if self.user_based
                    else (train.n_items, train.n_users))
        # rows added after fit (add_users / add_items) have no similarities yet
        indptr = state["sim_indptr_"]
        if len(indptr) < n_x + 1:
            indptr = np.concatenate([indptr, np.full(n_x + 1 - len(indptr), indptr[-1])])
        self.sim = Csr(indptr, state["sim_indices_"], state["sim_values_"])
        self.by_user, self.n_items, self.opts = by_user, train.n_items, opts
        self.mu = float(state["global_mean_"])
        self.sim_biases = (_pad(state["sim_user_bias_"], train.n_users),
                           _pad(state["sim_item_bias_"], train.n_items))
        self.cache: dict[str, Any] = {}
        bu, bi = state["user_bias_"], state["item_bias_"]
        if mode == "baseline":
            bu, bi = _pad(bu, train.n_users), _pad(bi, train.n_items)
            self.x_base, self.y_base = (bu, bi) if self.user_based else (bi, bu)
        elif mode == "means":
            means = state["means_"]
            if len(means) < n_x:  # rows added after fit: their own means
                by_x = by_user if self.user_based else by_user.transpose(train.n_items)
                means = np.concatenate([means, _row_means(by_x)[len(means):]])
            self.x_base, self.y_base = means, np.zeros(n_y, np.float32)
        else:
            self.x_base, self.y_base = np.zeros(n_x, np.float32), np.zeros(n_y, np.float32)
        self.x_base = np.ascontiguousarray(self.x_base, dtype=np.float32)
        self.y_base = np.ascontiguousarray(self.y_base, dtype=np.float32)
        self.params = _core.KnnPredictParams(mode=_MODES[mode], k=int(opts["k"]),
                                             min_k=int(opts["min_k"]),
                                             mu=float(state["global_mean_"]))
        self.n_threads_param = state.get("n_threads")
        self.n_threads_resolved = int(state["n_threads_"])
        self.mean_row = train.nnz / max(n_y, 1)  # ratings of an average y: work per pair

    def _threads(self, pairs: int) -> int:
        return threads_for(self.n_threads_param, self.n_threads_resolved,
                           work_ns("knn", pairs * (self.mean_row + 8)))

    def _switch(self, u, i):
        return (u, i) if self.user_based else (i, u)

    def estimate(self, u: np.ndarray, i: np.ndarray):
        """(est, actual_k, possible) of inner pairs (−1: unknown or cold), unclipped."""
        xs, ys = self._switch(np.ascontiguousarray(u, dtype=np.int64),
                              np.ascontiguousarray(i, dtype=np.int64))
        n = len(xs)
        order = np.argsort(xs, kind="stable").astype(np.int64, copy=False)
        est = np.empty(n, dtype=np.float32)
        actual_k = np.empty(n, dtype=np.int32)
        possible = np.empty(n, dtype=np.uint8)
        if not self.stored:
            sx, sy = self.computed_inputs()
            work = float(np.sum(np.diff(sy.indptr).astype(np.float64) ** 2)) * min(
                1.0, len(np.unique(xs)) / max(sx.n_rows, 1))
            _core.knn_predict_computed(*sx, *sy, self.by_y.values, self.x_base, self.y_base,
                                       xs, ys, order, est, actual_k, possible,
                                       sim_params=sim_params({**self.opts, "max_neighbors": 0}),
                                       params=self.params,
                                       n_threads=threads_for(self.n_threads_param,
                                                             self.n_threads_resolved,
                                                             work_ns("knn", work)))
            return est, actual_k, possible
        _core.knn_predict(*self.sim, *self.by_y, self.x_base, self.y_base, xs, ys, order, est,
                          actual_k, possible, params=self.params, n_threads=self._threads(n))
        return est, actual_k, possible

    def computed_inputs(self) -> tuple[Csr, Csr]:
        """The similarity kernel's inputs (similarities not stored), cached."""
        if "inputs" not in self.cache:
            by_item = self.by_user.transpose(self.n_items)
            self.cache["inputs"] = similarity_inputs(self.by_user, by_item, self.opts,
                                                     self.user_based, self.mu, *self.sim_biases)
        return self.cache["inputs"]

    def predict(self, u, i, *, clip, scale, n_threads):
        est = self.estimate(u, i)[0]
        return np.clip(est, *scale) if clip else est

    def score_block(self, users, cand, n_threads):
        self.cache["recommend"] = True  # nothing to pack: the kernels read the rows as stored
        users = np.ascontiguousarray(users, dtype=np.int64)
        cand = np.ascontiguousarray(cand, dtype=np.int64)
        out = np.empty((len(users), len(cand)), dtype=np.float32)
        if not self.stored:  # every pair through the computed rows, one row pass per block
            uu, cc = np.repeat(users, len(cand)), np.tile(cand, len(users))
            out[:] = self.estimate(uu, cc)[0].reshape(out.shape)
            return out
        xs, ys = self._switch(users, cand)
        _core.knn_predict_grid(*self.sim, *self.by_y, self.x_base, self.y_base, xs, ys, out,
                               x_major=self.user_based, params=self.params,
                               n_threads=self._threads(out.size))
        return out

    def similarity_block(self, kind, query, cand, n_threads):
        query = np.asarray(query, dtype=np.int64)
        cand = np.asarray(cand, dtype=np.int64)
        if kind == ("users" if self.user_based else "items") and self.stored:
            if "sim" not in self.cache:
                n = self.sim.n_rows
                self.cache["sim"] = sp.csr_matrix(
                    (self.sim.values, self.sim.indices, self.sim.indptr), shape=(n, n))
            S = self.cache["sim"][query]
        else:
            # the other side's similarities, by the same measure, for the queried rows only
            if "by_item" not in self.cache:
                self.cache["by_item"] = self.by_user.transpose(self.n_items)
            by_item = self.cache["by_item"]
            indptr, indices, values = similarity_rows(
                self.by_user, by_item, self.opts, kind == "users", self.mu, *self.sim_biases,
                lambda work: threads_for(self.n_threads_param, self.n_threads_resolved, work),
                rows=query)
            n = by_item.n_rows if kind == "items" else self.by_user.n_rows
            S = sp.csr_matrix((values, indices, indptr), shape=(len(query), n))
        block = S[:, cand].toarray()
        block[block <= 0] = -np.inf  # no positive similarity: never returned
        return block.astype(np.float32, copy=False)
