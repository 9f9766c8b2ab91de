"""Neighbourhood models: KNNBasic, KNNWithMeans, KNNBaseline (Surprise's definitions).

Item-based by default (``user_based=True`` for user-based): an item's score for a user is
aggregated from the k items most similar to it *among those the user rated*. Similarities
are computed in C++ from the sparse ratings (``cpp/include/mfrec/knn_similarity.hpp``) and
stored sparsely: every co-rated pair with a positive similarity (the only ones a prediction
uses), or the ``max_neighbors`` largest per row when pruned — never a dense n×n matrix.

This module holds the estimators; their trainer (baseline sweeps, similarity rows) is in
``_knn_train.py``, their scorer in ``_knn_score.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .._base import Recommender
from .._traits import ModelTraits
from .._validation import check_choice, check_float, check_int, check_shared_params
from ._knn_score import _KnnScorer
from ._knn_train import SIMILARITIES, _KnnTrainer

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike
    from .._scoring import Scorer
    from ..interactions import Interactions

__all__ = ["KNNBaseline", "KNNBasic", "KNNWithMeans"]

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
