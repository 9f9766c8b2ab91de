"""The fit side of the neighbourhood models (``knn.py``): the similarity rows (computed in
C++, ``cpp/include/mfrec/knn_similarity.hpp``, from the sparse ratings; pearson_baseline's
residuals prepared here) and ``_KnnTrainer``, the baseline sweeps then the similarity rows
of the final baselines. The scorer (``_knn_score.py``) computes rows on demand with the same
functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _core
from .._cores import work_ns
from .._engine import Csr

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from ..interactions import Interactions

_AUTO_STORE_MAX = 2 ** 28  # similarities stored at most by store_similarities="auto"
SIMILARITIES = {"cosine": 0, "msd": 1, "pearson": 2, "pearson_baseline": 3}


def similarity_rows(by_user: Csr, by_item: Csr, p: dict, user_based: bool, mu: float,
                    user_bias: np.ndarray, item_bias: np.ndarray, threads,
                    rows: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The positive similarities between users (``user_based``) or items, as CSR arrays
    (indptr, indices, values); of ``rows`` only when given. ``threads(work_ns)`` picks the
    thread count."""
    by_x, by_y = similarity_inputs(by_user, by_item, p, user_based, mu, user_bias, item_bias)
    counts = np.diff(by_y.indptr).astype(np.float64)
    work = float(np.sum(counts ** 2))  # Σ_y n_y²: every co-rating visited once per side
    if rows is not None:
        work *= len(rows) / max(by_x.n_rows, 1)
        rows = np.ascontiguousarray(rows, dtype=np.int64)
    return _core.knn_similarity(*by_x, *by_y, params=sim_params(p), rows=rows,
                                n_threads=threads(work_ns("knn", work)))


def sim_params(p: dict) -> _core.KnnSimParams:
    """The kernel's similarity options from the validated (or fitted) options ``p``."""
    return _core.KnnSimParams(kind=SIMILARITIES[p["similarity"]],
                              min_support=p["min_support"], shrinkage=p["shrinkage"],
                              max_neighbors=p.get("max_neighbors", 0))


def similarity_inputs(by_user: Csr, by_item: Csr, p: dict, user_based: bool, mu: float,
                      user_bias: np.ndarray, item_bias: np.ndarray) -> tuple[Csr, Csr]:
    """(by_x, by_y): the ratings as the similarity kernel reads them, x × y and y × x, with
    the baseline residuals as values for pearson_baseline."""
    by_x, by_y = (by_user, by_item) if user_based else (by_item, by_user)
    if p["similarity"] == "pearson_baseline":
        # the residuals r − (μ + b_u + b_i): pearson_baseline is their shrunk cosine
        bx, by = (user_bias, item_bias) if user_based else (item_bias, user_bias)
        mu32 = np.float32(mu)
        rows_x = np.repeat(np.arange(by_x.n_rows), np.diff(by_x.indptr))
        res_x = by_x.values - (mu32 + bx[rows_x] + by[by_x.indices])
        rows_y = np.repeat(np.arange(by_y.n_rows), np.diff(by_y.indptr))
        res_y = by_y.values - (mu32 + by[rows_y] + bx[by_y.indices])
        by_x = Csr(by_x.indptr, by_x.indices, np.ascontiguousarray(res_x, np.float32))
        by_y = Csr(by_y.indptr, by_y.indices, np.ascontiguousarray(res_y, np.float32))
    return by_x, by_y


class _KnnTrainer:
    """Baseline sweeps (when the model or its similarity uses baselines), then the
    similarity rows of the final baselines."""

    def __init__(self, data: Interactions, p: dict, mode: str, engine: LocalEngine) -> None:
        self.p, self.mode, self.engine = p, mode, engine
        self.data = data
        self.by_user = Csr(data.indptr, data.item_index, data.ratings)
        self.by_item = self.by_user.transpose(data.n_items)
        self.uses_baselines = mode == "baseline" or p["similarity"] == "pearson_baseline"
        self.n_epochs = p["n_epochs"]
        self.mu = p["global_mean"]
        self.user_bias = np.zeros(data.n_users, dtype=np.float32)
        self.item_bias = np.zeros(data.n_items, dtype=np.float32)
        self.bias_threads = engine.threads(work_ns("bias", data.nnz))
        self.epochs_run = 0
        self._sim: tuple[int, tuple] | None = None  # (epochs_run, rows) of the last computed

    def epoch(self, t: int) -> float:
        self.epochs_run = t + 1
        if not self.uses_baselines:  # the baseline is μ alone: the ratings' variance
            r = self.data.ratings.astype(np.float64)
            return float(np.mean((r - self.mu) ** 2))
        sse = _core.baseline_als_sweep(*self.by_user, *self.by_item, self.user_bias,
                                       self.item_bias, mu=self.mu, reg_user=self.p["reg_user"],
                                       reg_item=self.p["reg_item"], n_threads=self.bias_threads)
        return sse / self.data.nnz

    def stored_bound(self) -> float:
        """An upper bound on the similarities to store: Σ_x min(n_x − 1, Σ_{y∈Y_x} n_y)."""
        by_x, by_y = ((self.by_user, self.by_item) if self.p["user_based"]
                      else (self.by_item, self.by_user))
        n_y = np.diff(by_y.indptr).astype(np.float64)
        reach = np.bincount(np.repeat(np.arange(by_x.n_rows), np.diff(by_x.indptr)),
                            weights=n_y[by_x.indices], minlength=by_x.n_rows)
        return float(np.minimum(reach, by_x.n_rows - 1).sum())

    def similarity(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The similarity rows of the current baselines (computed once per state)."""
        key = self.epochs_run if self.p["similarity"] == "pearson_baseline" else 0
        if self._sim is not None and self._sim[0] == key:
            return self._sim[1]
        rows = similarity_rows(self.by_user, self.by_item, self.p, self.p["user_based"],
                               self.mu, self.user_bias, self.item_bias, self.engine.threads)
        self._sim = (key, rows)
        return rows

    def state(self, final: bool) -> dict:
        n_users, n_items = self.data.shape
        store = self.p["store"]
        if store == "auto":
            store = self.p["max_neighbors"] > 0 or self.stored_bound() <= _AUTO_STORE_MAX
        if store:
            indptr, indices, values = self.similarity()
        else:
            n_x = n_users if self.p["user_based"] else n_items
            indptr = np.zeros(n_x + 1, dtype=np.int64)
            indices, values = np.zeros(0, np.int32), np.zeros(0, np.float32)
        biased = self.mode == "baseline"
        copy = (lambda a: a) if final else np.copy
        state = {"user_factors_": np.zeros((n_users, 0), dtype=np.float32),
                 "item_factors_": np.zeros((n_items, 0), dtype=np.float32),
                 "user_bias_": copy(self.user_bias) if biased else np.zeros(n_users, np.float32),
                 "item_bias_": copy(self.item_bias) if biased else np.zeros(n_items, np.float32),
                 "sim_indptr_": indptr, "sim_indices_": indices, "sim_values_": values,
                 # the baselines behind pearson_baseline (zeros for other similarities)
                 "sim_user_bias_": copy(self.user_bias), "sim_item_bias_": copy(self.item_bias),
                 # what scoring needs, as fitted (a later set_params changes nothing)
                 "knn_options_": {"k": self.p["k"], "min_k": self.p["min_k"],
                                  "user_based": self.p["user_based"],
                                  "similarity": self.p["similarity"],
                                  "min_support": self.p["min_support"],
                                  "shrinkage": self.p["shrinkage"],
                                  "stored": bool(store)}}
        if self.mode == "means":
            state["means_"] = _row_means(self.by_user if self.p["user_based"] else self.by_item)
        return state


def _row_means(m: Csr) -> np.ndarray:
    """The mean value of each CSR row (0 for an empty row), float32."""
    counts = np.diff(m.indptr)
    rows = np.repeat(np.arange(len(counts)), counts)
    sums = np.bincount(rows, weights=m.values.astype(np.float64), minlength=len(counts))
    return (sums / np.maximum(counts, 1)).astype(np.float32)
