"""Neighbourhood models: KNNBasic, KNNWithMeans, KNNBaseline (Surprise's definitions).

Item-based by default (``user_based=True`` for user-based): an item's score for a user is
aggregated from the k items most similar to it *among those the user rated*. Similarities
are computed in C++ from the sparse ratings (``cpp/include/mfrec/knn_similarity.hpp``) and
stored sparsely: every co-rated pair with a positive similarity (the only ones a prediction
uses), or the ``max_neighbors`` largest per row when pruned — never a dense n×n matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._base import Recommender
from .._cores import threads_for, work_ns
from .._engine import Csr
from .._scoring import Scorer
from .._traits import ModelTraits
from .._validation import check_choice, check_float, check_int, check_shared_params

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike
    from ..interactions import Interactions

__all__ = ["KNNBaseline", "KNNBasic", "KNNWithMeans"]

_AUTO_STORE_MAX = 2 ** 28  # similarities stored at most by store_similarities="auto"
SIMILARITIES = {"cosine": 0, "msd": 1, "pearson": 2, "pearson_baseline": 3}
_MODES = {"basic": 0, "means": 1, "baseline": 2}
_KNN_DOC_PARAMS = """
    k : int, default 40
        The most neighbours aggregated per prediction.
    min_k : int, default 1
        With fewer neighbours (of positive similarity) the neighbour term is dropped.
    similarity : {"msd", "cosine", "pearson", "pearson_baseline"}
        Surprise's similarity measures over the common ratings of two rows.
    user_based : bool, default False
        Similarities between users (True) or between items (False, the default).
    min_support : int, default 1
        Pairs with fewer common ratings get similarity 0 (pearson_baseline: at least 2).
    shrinkage : float, default 100
        pearson_baseline's shrinkage: ρ · (n − 1) / (n − 1 + shrinkage).
    max_neighbors : int, optional
        Keep only the largest this many similarities per row (memory on large sets; an
        approximation: measured in benchmarks/knn_scale.py). None keeps every positive one.
    store_similarities : bool or "auto", default "auto"
        True: store the similarities (every positive one, or ``max_neighbors`` per row).
        "auto": store them unless they could exceed 2**28 entries (2 GB; the bound is
        Σ_x min(n_x − 1, co-rated rows of x), computed before any similarity), else as
        False; with ``max_neighbors`` always stored. False: store none; ``predict``
        computes each needed row from the ratings when its pairs come up (pairs grouped by
        row), so memory stays O(n_items) per thread at any scale and the results are exact;
        a whole test set costs one similarity pass, but every ``recommend`` call costs one
        too (batch prediction of sets whose similarities would not fit in memory).
    n_epochs : int, default 10
        Sweeps of the baseline estimates μ + b_u + b_i (Surprise's "als" baselines), used by
        KNNBaseline and by the pearson_baseline similarity; unused otherwise.
    reg_user, reg_item : float, default 15, 10
        Regularization of the baseline estimates.
    n_threads : int, optional
        None or -1: all cores; -2: all but one; positive: exactly that many. The result
        does not depend on it.
    verbose : bool, default False
        Show a progress bar (tqdm) over the baseline sweeps.
"""


def _neighbours_doc(cls):
    cls.__doc__ = cls.__doc__.replace("    {params}\n", _KNN_DOC_PARAMS.lstrip("\n"))
    return cls


class _KNN(Recommender):
    """The shared neighbourhood machinery (not exported: KNNBasic, KNNWithMeans,
    KNNBaseline differ only in how the neighbours' ratings are aggregated)."""

    _mode = "basic"
    _default_similarity = "msd"

    def __init__(self, k: int = 40, min_k: int = 1, similarity: str | None = None,
                 user_based: bool = False, min_support: int = 1, shrinkage: float = 100.0,
                 max_neighbors: int | None = None, store_similarities: bool | str = "auto",
                 n_epochs: int = 10,
                 reg_user: float = 15.0, reg_item: float = 10.0,
                 n_threads: int | None = None, verbose: bool = False) -> None:
        self.k = k
        self.min_k = min_k
        self.similarity = similarity
        self.user_based = user_based
        self.min_support = min_support
        self.shrinkage = shrinkage
        self.max_neighbors = max_neighbors
        self.store_similarities = store_similarities
        self.n_epochs = n_epochs
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.n_threads = n_threads
        self.verbose = verbose

    def _get_traits(self) -> ModelTraits:
        return ModelTraits(feedback="explicit", val_metric="rmse", fold_in="ridge",
                           deterministic=True, biased=self._mode == "baseline",
                           scoring="custom",
                           test_variants=({"n_epochs": 3},
                                          {"n_epochs": 2, "user_based": True, "k": 5,
                                           "similarity": "pearson_baseline"}))

    def _check_params(self) -> dict[str, Any]:
        similarity = self._default_similarity if self.similarity is None else self.similarity
        p = {"k": check_int(self.k, "k", min_value=1),
             "min_k": check_int(self.min_k, "min_k", min_value=0),
             "similarity": check_choice(similarity, "similarity", SIMILARITIES),
             "min_support": check_int(self.min_support, "min_support", min_value=0),
             "shrinkage": check_float(self.shrinkage, "shrinkage", nonneg=True),
             # the baselines' parameters, shared: _validation.SHARED_PARAMS
             **check_shared_params(self, "n_epochs", "reg_user", "reg_item")}
        if not isinstance(self.user_based, (bool, np.bool_)):
            raise TypeError(f"user_based must be a bool, got {self.user_based!r}")
        p["user_based"] = bool(self.user_based)
        store = self.store_similarities
        if not (isinstance(store, (bool, np.bool_)) or store == "auto"):
            raise TypeError(f"store_similarities must be a bool or 'auto', got {store!r}")
        p["store"] = store if store == "auto" else bool(store)
        if p["store"] is False and self.max_neighbors is not None:
            raise ValueError("max_neighbors prunes stored similarities: it needs "
                             "store_similarities=True")
        p["max_neighbors"] = (0 if self.max_neighbors is None
                              else check_int(self.max_neighbors, "max_neighbors", min_value=1))
        if p["min_k"] > p["k"]:
            raise ValueError(f"min_k must be <= k, got min_k={p['min_k']} > k={p['k']}")
        return p

    def _fold_in_params(self, side: str) -> dict:
        # A new user's (item's) baseline: b = Σ (r − μ − b_other) / (reg + n), as a sweep of
        # the baselines solves it (KNNBaseline; the others have no biases). Its ratings then
        # join the training data, so the neighbours of an item-based model (user-based: of
        # a new item) include them at once; the similarities themselves are not refitted,
        # and a new row of the similarity side has no neighbours (its baseline or mean).
        reg = float(self.reg_user if side == "users" else self.reg_item)
        return {"reg": reg, "reg_bias": reg, "reg_count": False}

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> _KNN:
        """Compute the baselines (when used) and the similarities.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Validation ratings: ``val_rmse`` after every baseline sweep (each computes the
            similarities of that sweep's model: slow; for monitoring only).
        callback : callable, optional
            ``callback(info)`` after every baseline sweep (``epoch``, ``elapsed``, ``loss``:
            the baselines' training MSE; that of μ alone when no baselines are used);
            returning ``False`` stops.

        Returns
        -------
        self
            Fitted: ``sim_indptr_``, ``sim_indices_``, ``sim_values_`` (the similarity
            rows, see ``similarity_``), ``user_bias_``/``item_bias_`` (KNNBaseline's
            baselines), ``means_`` (KNNWithMeans), ``global_mean_``.

        Raises
        ------
        ValueError, TypeError
            An invalid parameter (named in the message), or empty training data.
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> _KnnTrainer:
        return _KnnTrainer(data, params, self._mode, engine)

    def _make_scorer(self, state: dict[str, Any]) -> Scorer:
        return _KnnScorer(state, self._mode)

    # -- what a neighbourhood model adds ---------------------------------------------------
    @property
    def similarity_(self) -> sp.csr_matrix:
        """The learned similarities as a sparse matrix (n_items × n_items, or n_users ×
        n_users when ``user_based``): the positive entries only, the diagonal implicit (1).

        Returns
        -------
        scipy.sparse.csr_matrix, float32
        """
        self._check_fitted()
        if not self.knn_options_.get("stored", True):
            raise ValueError("this model stores no similarities (store_similarities=False): "
                             "similar_items/similar_users compute rows on demand")
        n = len(self.sim_indptr_) - 1
        return sp.csr_matrix((self.sim_values_, self.sim_indices_, self.sim_indptr_),
                             shape=(n, n))

    def predict_details(self, users: ArrayLike, items: ArrayLike, *, clip: bool = True,
                        unknown: str = "raise") -> tuple[NDArray[np.float32], dict]:
        """Predictions with Surprise's details (``Prediction.details``).

        Parameters
        ----------
        users, items : array-like of shape (n,)
            Raw ids, as for ``predict``.
        clip : bool, default True
            Clip to the training rating scale.
        unknown : {"raise", "baseline"}
            As for ``predict``.

        Returns
        -------
        scores : ndarray of shape (n,), float32
            The same values as ``predict``.
        details : dict
            ``actual_k`` (ndarray of shape (n,), int32): the neighbours aggregated;
            ``was_impossible`` (ndarray of shape (n,), bool): no estimate could be formed
            (an id without data, or KNNBasic with fewer than ``min_k`` neighbours) and the
            fallback was returned (KNNBasic: μ; KNNWithMeans: μ for unknown ids;
            KNNBaseline: the baseline).
        """
        st = self._snapshot()
        check_choice(unknown, "unknown", ("raise", "baseline"))
        users, items = np.atleast_1d(np.asarray(users)), np.atleast_1d(np.asarray(items))
        if len(users) != len(items):
            raise ValueError(f"users and items differ in length: {len(users)} != {len(items)}")
        missing = "raise" if unknown == "raise" else "ignore"
        u = st.user_map_.to_inner(users, missing=missing)
        i = st.item_map_.to_inner(items, missing=missing)
        u = np.where((u >= 0) & ~st._cold_users_[np.maximum(u, 0)], u, -1)
        i = np.where((i >= 0) & ~st._cold_items_[np.maximum(i, 0)], i, -1)
        est, actual_k, possible = st.scorer.estimate(u, i)
        if clip:
            est = np.clip(est, *st.rating_scale_)
        return est, {"actual_k": actual_k, "was_impossible": ~possible.astype(bool)}


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


@_neighbours_doc
class KNNBasic(_KNN):
    """k-nearest-neighbour ratings: r̂_ui = Σ_j s_ij r_uj / Σ_j s_ij (Surprise's KNNBasic).

    Item-based (the default): j runs over the ``k`` items most similar to i among those
    u rated, of positive similarity; user-based: over the users most similar to u who rated
    i. With fewer than ``min_k`` such neighbours, or a user or item without training data,
    the prediction is μ (Surprise's "impossible" prediction; see ``predict_details``).
    ``recommend`` ranks by the same estimate (unclipped); ``similar_items`` (or
    ``similar_users`` when user-based) by the learned similarity (Surprise's
    ``get_neighbors``; only rows of positive similarity are returned), the other side's
    by the same measure, computed for the queried rows on demand. Surprise's default
    similarity is msd, and so is this one's; Surprise is user-based by default, this model
    item-based.

    Parameters
    ----------
    {params}
    """

    _mode = "basic"

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> KNNBasic:
        return self._fit(X, eval_set=eval_set, callback=callback)

    fit.__doc__ = _KNN.fit.__doc__


@_neighbours_doc
class KNNWithMeans(_KNN):
    """k-nearest-neighbour ratings around the means (Surprise's KNNWithMeans).

    Item-based: r̂_ui = μ_i + Σ_j s_ij (r_uj − μ_j) / Σ_j s_ij over the ``k`` rated items j
    most similar to i (positive similarity); μ_i is item i's mean rating (``means_``; the
    users' means when user-based). With fewer than ``min_k`` neighbours: μ_i. See
    :class:`KNNBasic` for neighbours, recommendations and similar items.

    Parameters
    ----------
    {params}
    """

    _mode = "means"

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> KNNWithMeans:
        return self._fit(X, eval_set=eval_set, callback=callback)

    fit.__doc__ = _KNN.fit.__doc__


@_neighbours_doc
class KNNBaseline(_KNN):
    """k-nearest-neighbour ratings around the baselines (Surprise's KNNBaseline; Koren 2010,
    eq. 3).

    Item-based: r̂_ui = b_ui + Σ_j s_ij (r_uj − b_uj) / Σ_j s_ij over the ``k`` rated items
    j most similar to i (positive similarity), with b_ui = μ + b_u + b_i the baselines
    (``user_bias_``, ``item_bias_``; ``n_epochs`` alternating sweeps, as Surprise's "als"
    baselines). With fewer than ``min_k`` neighbours, or an id without data: the baseline.
    The default similarity is pearson_baseline (the one Surprise's docs advise for this
    model; Surprise's own default is msd). See :class:`KNNBasic` for neighbours,
    recommendations and similar items.

    Parameters
    ----------
    {params}
    """

    _mode = "baseline"

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> KNNBaseline:
        return self._fit(X, eval_set=eval_set, callback=callback)

    fit.__doc__ = _KNN.fit.__doc__
    _default_similarity = "pearson_baseline"
