"""Item-item nearest neighbours for implicit feedback (implicit's ``nearest_neighbours``):
``ItemKNN`` with cosine, TF-IDF or BM25 weighting, and the weighting helpers.

The item × user matrix W is weighted (``bm25_weight``, ``tfidf_weight``) and/or its rows
normalized; the similarity of items i and j is the dot product of their rows, Σ_u W_iu W_ju,
and each item keeps its ``k`` largest (itself included, as implicit keeps it). A user's score
for item i is Σ_{j∈I_u} r_uj · S[j, i]: the neighbours of the items they interacted with.
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
from .._validation import (
    check_choice,
    check_float,
    check_int,
    check_shared_params,
    check_sparse,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike
    from ..interactions import Interactions

__all__ = ["ItemKNN", "bm25_weight", "tfidf_weight"]

WEIGHTINGS = ("cosine", "tfidf", "bm25")


def _coo(X: sp.spmatrix | sp.sparray, name: str) -> sp.coo_matrix:
    if not sp.issparse(X):
        raise TypeError(f"{name} must be a scipy sparse matrix, got {type(X).__name__}")
    check_sparse(X, name)
    return sp.coo_matrix(X, dtype=np.float64)


def tfidf_weight(X: sp.spmatrix | sp.sparray) -> sp.coo_matrix:
    """TF-IDF weighting of the rows of a sparse matrix (implicit's ``tfidf_weight``).

    Rows are documents (items, for item-item similarity) and columns terms (users):
    x_dt ← √x_dt · idf_t with idf_t = log N − log(1 + n_t), N the number of rows and n_t the
    entries of column t.

    Parameters
    ----------
    X : scipy sparse matrix of shape (n_rows, n_cols)
        Non-negative counts or weights.

    Returns
    -------
    scipy.sparse.coo_matrix of shape (n_rows, n_cols), float64
        A weighted copy (X is not modified).
    """
    X = _coo(X, "X")
    idf = np.log(float(X.shape[0])) - np.log1p(np.bincount(X.col, minlength=X.shape[1]))
    X.data = np.sqrt(X.data) * idf[X.col]
    return X


def bm25_weight(X: sp.spmatrix | sp.sparray, k1: float = 100.0,
                b: float = 0.8) -> sp.coo_matrix:
    """Okapi BM25 weighting of the rows of a sparse matrix (implicit's ``bm25_weight``, whose
    ``K1``/``B`` are ``k1``/``b`` here, with the same defaults).

    Rows are documents, columns terms: x_dt ← x_dt (k1 + 1) / (k1 L_d + x_dt) · idf_t with
    idf_t = log N − log(1 + n_t) and the length norm L_d = (1 − b) + b · |d| / mean |d|
    (|d| the row's sum).

    Parameters
    ----------
    X : scipy sparse matrix of shape (n_rows, n_cols)
        Non-negative counts or weights.
    k1 : float, default 100
        Term-frequency saturation (implicit's BM25Recommender uses 1.2).
    b : float, default 0.8
        Length normalization in [0, 1] (implicit's BM25Recommender uses 0.75).

    Returns
    -------
    scipy.sparse.coo_matrix of shape (n_rows, n_cols), float64
        A weighted copy (X is not modified).
    """
    k1 = check_float(k1, "k1", nonneg=True)
    b = check_float(b, "b", nonneg=True)
    if b > 1:
        raise ValueError(f"b must be in [0, 1], got {b}")
    X = _coo(X, "X")
    idf = np.log(float(X.shape[0])) - np.log1p(np.bincount(X.col, minlength=X.shape[1]))
    row_sums = np.bincount(X.row, weights=X.data, minlength=X.shape[0])
    mean = row_sums.mean() if X.shape[0] else 1.0
    length_norm = (1.0 - b) + b * row_sums / (mean if mean > 0 else 1.0)
    X.data = X.data * (k1 + 1.0) / (k1 * length_norm[X.row] + X.data) * idf[X.col]
    return X


def _normalize_rows(X: sp.coo_matrix) -> sp.coo_matrix:
    norms = np.sqrt(np.bincount(X.row, weights=X.data ** 2, minlength=X.shape[0]))
    X.data = X.data / np.where(norms > 0, norms, 1.0)[X.row]
    return X


class ItemKNN(Recommender):
    """Item-item nearest neighbours for implicit feedback (implicit's nearest_neighbours).

    implicit's ``CosineRecommender``, ``TFIDFRecommender`` and ``BM25Recommender``: the item
    × user interactions are weighted (``weighting``), the similarity of two items is the
    dot product of their weighted rows, each item keeps its ``k`` most similar items
    (itself included, as implicit does), and a user's score for item i is
    Σ_{j∈I_u} r_uj · S[j, i] over the items j they interacted with (r_uj the stored value).
    ``recommend`` ranks by it, ``similar_items`` by the similarity rows; ``similar_users``
    compares users by the same weighted vectors (computed on demand). Users added with
    ``add_users`` are scored from their interactions at once (no refit; they have no factors).
    Deterministic at any thread count.

    Parameters
    ----------
    k : int, default 20
        Neighbours kept per item (implicit's ``K``).
    weighting : {"cosine", "tfidf", "bm25"} or None, default "cosine"
        "cosine": item rows normalized to unit length (CosineRecommender); "tfidf":
        ``tfidf_weight`` then normalized (TFIDFRecommender); "bm25": ``bm25_weight`` with
        ``bm25_k1``, ``bm25_b`` (BM25Recommender); None: the raw values (co-occurrence
        counts for 0/1 data; implicit's base ItemItemRecommender).
    bm25_k1, bm25_b : float, default 1.2, 0.75
        BM25's parameters (BM25Recommender's defaults).
    n_epochs : int, default 0
        No training epochs: the similarities are computed once, in one pass. Kept for the
        estimator contract shared by every model (a positive value adds empty epochs with
        loss 0 to ``history_``, e.g. to report ``val_ndcg@10`` through ``eval_set``).
    n_threads : int, optional
        None or -1: all cores; -2: all but one; positive: exactly that many.
    verbose : bool, default False
        Unused (nothing long enough to show progress for).
    """

    def __init__(self, k: int = 20, weighting: str | None = "cosine", bm25_k1: float = 1.2,
                 bm25_b: float = 0.75, n_epochs: int = 0, n_threads: int | None = None,
                 verbose: bool = False) -> None:
        self.k = k
        self.weighting = weighting
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.n_epochs = n_epochs
        self.n_threads = n_threads
        self.verbose = verbose

    def _get_traits(self) -> ModelTraits:
        return ModelTraits(feedback="implicit", val_metric="ndcg@10", fold_in="ridge",
                           deterministic=True, biased=False, scoring="custom",
                           test_variants=({"k": 10},
                                          {"k": 5, "weighting": "bm25"},
                                          {"weighting": "tfidf"}, {"weighting": None}))

    def _check_params(self) -> dict[str, Any]:
        if self.weighting is not None:
            check_choice(self.weighting, "weighting", WEIGHTINGS)
        b = check_float(self.bm25_b, "bm25_b", nonneg=True)
        if b > 1:
            raise ValueError(f"bm25_b must be in [0, 1], got {b}")
        return {"k": check_int(self.k, "k", min_value=1), "weighting": self.weighting,
                "bm25_k1": check_float(self.bm25_k1, "bm25_k1", nonneg=True), "bm25_b": b,
                **check_shared_params(self, "n_epochs")}  # shared: _validation.SHARED_PARAMS

    def _prepare_data(self, data: Interactions) -> Interactions:
        if np.any(data.ratings < 0):
            raise ValueError("ItemKNN needs non-negative interaction values (counts, ratings "
                             f"or ones); found {int((data.ratings < 0).sum())} negative")
        if np.any(data.ratings == 0):  # stored zeros are unobserved pairs
            data = data.subset(data.ratings != 0)
        return data

    def _fold_in_params(self, side: str) -> dict:
        # No factors and no biases: a new row is its interactions (they join the training
        # data, which is what scores it); the solve is empty.
        return {"reg": 0.0, "reg_bias": 0.0, "reg_count": False}

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> ItemKNN:
        """Compute the item-item similarities.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Interactions (counts, ratings or ones; stored zeros are unobserved).
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Held-out interactions: ``val_ndcg@10`` in ``history_``.
        callback : callable, optional
            ``callback(info)`` after each epoch (there are ``n_epochs``, 0 by default, and
            they do nothing): ``epoch``, ``elapsed`` and ``loss`` (0); returning ``False``
            stops.

        Returns
        -------
        self
            Fitted: ``sim_indptr_``, ``sim_indices_``, ``sim_values_`` (the similarity rows,
            see ``similarity_``).
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> _ItemKnnTrainer:
        return _ItemKnnTrainer(data, params, engine)

    def _make_scorer(self, state: dict[str, Any]) -> Scorer:
        return _ItemKnnScorer(state)

    @property
    def similarity_(self) -> sp.csr_matrix:
        """The item-item similarity rows (row j: item j's ``k`` neighbours, itself included).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_items, n_items), float32
        """
        self._check_fitted()
        n = len(self.sim_indptr_) - 1
        return sp.csr_matrix((self.sim_values_, self.sim_indices_, self.sim_indptr_),
                             shape=(n, n))


def _weighted(data: Interactions, p: dict) -> Csr:
    """The weighted item × user matrix W as canonical CSR."""
    X = sp.coo_matrix((data.ratings.astype(np.float64), (data.item_index, data.user_index)),
                      shape=(data.n_items, data.n_users))
    w = p["weighting"]
    if w == "tfidf":
        X = _normalize_rows(tfidf_weight(X))
    elif w == "bm25":
        X = bm25_weight(X, p["bm25_k1"], p["bm25_b"])
    elif w == "cosine":
        X = _normalize_rows(X)
    return Csr.from_scipy(X.tocsr())


def _dot_rows(W: Csr, n_cols: int, k: int, threads, rows=None):
    """The k largest positive dot products of W's rows with every row (0: all)."""
    Wt = W.transpose(n_cols)
    work = float(np.sum(np.diff(Wt.indptr).astype(np.float64) ** 2))
    if rows is not None:
        work *= len(rows) / max(W.n_rows, 1)
        rows = np.ascontiguousarray(rows, dtype=np.int64)
    params = _core.KnnSimParams(kind=4, min_support=1, max_neighbors=k)
    return _core.knn_similarity(*W, *Wt, params=params, rows=rows,
                                n_threads=threads(work_ns("knn", work)))


class _ItemKnnTrainer:
    def __init__(self, data: Interactions, p: dict, engine: LocalEngine) -> None:
        self.data, self.p, self.engine = data, p, engine
        self.n_epochs = p["n_epochs"]
        self._rows = None

    def epoch(self, t: int) -> float:
        return 0.0

    def state(self, final: bool) -> dict:
        if self._rows is None:
            W = _weighted(self.data, self.p)
            self._rows = _dot_rows(W, self.data.n_users, self.p["k"], self.engine.threads)
        indptr, indices, values = self._rows
        n_users, n_items = self.data.shape
        return {"user_factors_": np.zeros((n_users, 0), dtype=np.float32),
                "item_factors_": np.zeros((n_items, 0), dtype=np.float32),
                "user_bias_": np.zeros(n_users, np.float32),
                "item_bias_": np.zeros(n_items, np.float32),
                "sim_indptr_": indptr, "sim_indices_": indices, "sim_values_": values,
                "item_knn_options_": {"weighting": self.p["weighting"],
                                      "bm25_k1": self.p["bm25_k1"],
                                      "bm25_b": self.p["bm25_b"]}}


class _ItemKnnScorer(Scorer):
    clip = False

    def __init__(self, state: dict[str, Any]) -> None:
        train = state["_train"]
        self.train = train
        self.by_user = Csr(train.indptr, train.item_index, train.ratings)
        indptr = state["sim_indptr_"]
        if len(indptr) < train.n_items + 1:  # items added after fit: no neighbours yet
            indptr = np.concatenate([indptr, np.full(train.n_items + 1 - len(indptr),
                                                     indptr[-1])])
        self.sim = Csr(indptr, state["sim_indices_"], state["sim_values_"])
        self.opts = state["item_knn_options_"]
        self.n_threads_param = state.get("n_threads")
        self.n_threads_resolved = int(state["n_threads_"])
        self.mean_work = train.nnz / max(train.n_users, 1) * (
            len(state["sim_values_"]) / max(train.n_items, 1))
        self.cache: dict[str, Any] = {}

    def _threads(self, work: float) -> int:
        return threads_for(self.n_threads_param, self.n_threads_resolved, work_ns("knn", work))

    def predict(self, u, i, *, clip, scale, n_threads) -> NDArray[np.float32]:
        u = np.ascontiguousarray(u, dtype=np.int64)
        i = np.ascontiguousarray(i, dtype=np.int64)
        out = np.empty(len(u), dtype=np.float32)
        _core.knn_dot_pairs(*self.sim, *self.by_user, u, i, out,
                            n_threads=self._threads(len(u) * 16.0))
        return out

    def score_block(self, users, cand, n_threads):
        self.cache["recommend"] = True  # nothing to pack: the kernels read the rows as stored
        users = np.ascontiguousarray(users, dtype=np.int64)
        cand = np.ascontiguousarray(cand, dtype=np.int32)
        out = np.empty((len(users), len(cand)), dtype=np.float32)
        _core.knn_dot_scores(*self.sim, *self.by_user, users, cand, out,
                             n_threads=self._threads(len(users) * (self.mean_work + len(cand))))
        return out

    def similarity_block(self, kind, query, cand, n_threads):
        query = np.asarray(query, dtype=np.int64)
        if kind == "items":
            if "sim" not in self.cache:
                n = self.sim.n_rows
                self.cache["sim"] = sp.csr_matrix(
                    (self.sim.values, self.sim.indices, self.sim.indptr), shape=(n, n))
            S = self.cache["sim"][query]
        else:  # users: the dot products of their weighted item vectors, on demand
            if "W_users" not in self.cache:
                W = _weighted(self.train, self.opts)
                self.cache["W_users"] = W.transpose(self.train.n_users)
            Wu = self.cache["W_users"]
            indptr, indices, values = _dot_rows(
                Wu, self.train.n_items, 0,
                lambda work: threads_for(self.n_threads_param, self.n_threads_resolved, work),
                rows=query)
            S = sp.csr_matrix((values, indices, indptr), shape=(len(query), Wu.n_rows))
        block = S[:, np.asarray(cand, dtype=np.int64)].toarray()
        block[block <= 0] = -np.inf  # not a neighbour: never returned
        return block.astype(np.float32, copy=False)
