"""ContentBased: a per-user ridge regression on known item features (genres, tags, ...).

r̂_ui = μ + b_u + b_i + w_uᵀf_i, with f_i the item's feature row (fixed, given) and w_u the
user's profile: one weight per feature ("this user likes Film-Noir +0.8"). Each user's
[w_u, b_u] is the exact ridge solution against the fixed item side [f_i, 1] — the ALS row
solver of ``als.hpp`` with the features as the fixed factors, parallel over users — and the
item biases b_i are exact regularized means of what the users' rows leave.

This module holds the estimator; the item features (matrix, names, checks) are built in
``_content_features.py``, the trainer is in ``_content_train.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .._base import Recommender
from .._foldin import _extend_train, _rows
from .._idmap import IdMap, canonical_ids
from .._traits import ModelTraits
from .._validation import check_bool, check_int, check_shared_params
from ._content_features import (
    _dense,
    _frame_rows,
    _is_dataframe,
    _test_features,
    _unit_rows,
    item_feature_matrix,
)
from ._content_train import _ContentTrainer

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike
    from ..interactions import Interactions

__all__ = ["ContentBased"]


class ContentBased(Recommender):
    """Content-based filtering: a ridge regression per user on item features.

    Minimizes, per user u, Σ_{i∈I_u} (r_ui − μ − b_i − b_u − w_uᵀf_i)² + λ‖w_u‖² + λ_b b_u²
    (an exact solve of the normal equations, one Cholesky per user, parallel over users),
    alternating with the item biases b_i = Σ_u (r_ui − μ − b_u − w_uᵀf_i) / (λ_i + n_i)
    for ``n_epochs`` sweeps (``item_bias=False``: b_i = 0, the features carry the whole
    item side). Items nobody rated get b_i = 0 and are scored by their features,
    so they are predicted and recommended like any other (``_cold_items_`` is only true for
    items without ratings *and* without any feature).

    ``user_factors_`` are the profiles w_u (n_users, n_features) and ``item_factors_`` the
    features f_i as used (after ``normalize``); ``feature_names_`` names the columns, and
    :meth:`user_profile` reads a user's weights by name. ``fold_in`` / ``add_users`` solve a
    new user's profile from their ratings; ``add_items`` / ``fold_in_items`` take a new
    item's features (no ratings needed).

    Parameters
    ----------
    reg : float, default 5.0
        λ of the profile weights w_u.
    reg_bias : float, default 5.0
        λ_b of the user bias b_u.
    reg_item : float, default 10.0
        λ_i of the item biases b_i.
    item_bias : bool, default True
        Fit the item biases b_i (else r̂ = μ + b_u + w_uᵀf_i).
    n_epochs : int, default 3
        Alternating sweeps (users' ridge solves, then item biases).
    normalize : bool, default True
        Scale each item's feature row to unit L2 norm (a film with five genres weighs each
        less than a film with one).
    min_support : int, default 5
        Features built from metadata (``item_features`` a column name) keep only the values
        that at least this many items carry (rare tags are noise).
    n_threads : int, optional
        None / -1 = all cores. The result does not depend on it.
    verbose : bool, default False
        Print per-epoch progress.
    n_iter_no_change : int, optional
        Stop when the RMSE on ``eval_set`` has not improved for this many epochs.
    """

    def __init__(self, reg: float = 5.0, reg_bias: float = 5.0, reg_item: float = 10.0,
                 item_bias: bool = True, n_epochs: int = 3, normalize: bool = True,
                 min_support: int = 5, n_threads: int | None = None, verbose: bool = False,
                 n_iter_no_change: int | None = None) -> None:
        self.reg = reg
        self.reg_bias = reg_bias
        self.reg_item = reg_item
        self.item_bias = item_bias
        self.n_epochs = n_epochs
        self.normalize = normalize
        self.min_support = min_support
        self.n_threads = n_threads
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change

    def _get_traits(self) -> ModelTraits:
        return ModelTraits(feedback="explicit", val_metric="rmse", fold_in="ridge",
                           deterministic=True,
                           test_variants=({"n_epochs": 2}, {"n_epochs": 1, "item_bias": False}),
                           test_fit_data=_test_features)

    def _check_params(self) -> dict:
        check_bool(self.item_bias, "item_bias")
        check_bool(self.normalize, "normalize")
        # shared parameters: _validation.SHARED_PARAMS
        return {**check_shared_params(self, "reg", "reg_bias", "reg_item", "n_epochs"),
                "min_support": check_int(self.min_support, "min_support", min_value=1)}

    def _fold_in_params(self, side: str) -> dict:
        if side != "users":
            raise NotImplementedError("ContentBased folds in new items from their features: "
                                      "use fold_in_items(item_features=...)")
        return {"reg": float(self.reg), "reg_bias": float(self.reg_bias), "reg_count": False}

    def fit(self, X: InteractionsLike, *, item_features: Any = None,
            feature_names: ArrayLike | None = None, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> ContentBased:
        """Fit the user profiles (and biases) on ``X`` with the given item features.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        item_features : array or sparse matrix of shape (n_items, n_features), DataFrame, optional
            One row of features per item. How rows are matched to items:

            - None (default), or a str / tuple of str naming ``X.item_metadata`` columns (MovieLens'
              ``"genres"``, latest-small's ``"tags"``, a synthetic set's ``"genre"``; None:
              every column; names ``X`` lacks are skipped, at least one must exist): one
              binary feature per value carried by at least ``min_support`` items, named
              ``"genres:Drama"``, ``"tags:pixar"`` (a column of tuples gives an item
              several; unique values such as titles fall below ``min_support``);
            - a pandas DataFrame indexed by *raw item id* (numeric columns are features,
              named by the column labels): every item of ``X`` must have a row; extra rows
              are ignored (keep them for :meth:`add_items`);
            - a numpy array or scipy sparse matrix of shape (n_items, n_features) whose row
              j belongs to inner item id j (``X.item_ids[j]``; the column index for sparse
              ``X``). Sparse features are densified (at most 4096 features).
        feature_names : array-like of str of shape (n_features,), optional
            Names of the columns of an array / sparse ``item_features`` (default
            ``"f0"``, ``"f1"``, ...).
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Validation ratings; ``val_rmse`` is reported after every epoch (and watched by
            ``n_iter_no_change``).
        callback : callable, optional
            Called as ``callback(info)`` after every epoch with a dict: ``epoch`` (int,
            1-based), ``elapsed`` (seconds), ``loss`` (the training mean squared error) and,
            with an ``eval_set``, ``val_rmse``; returning ``False`` stops training. The same
            dicts are kept in ``history_``.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_features) profiles, ``item_factors_``
            (n_items, n_features) features, ``user_bias_``, ``item_bias_``,
            ``feature_names_`` (n_features,), ``global_mean_``.

        Raises
        ------
        ValueError
            Features with NaN or infinite values, a wrong number of rows, items missing
            from a DataFrame, no usable metadata column; an invalid parameter.
        """
        return self._fit(X, eval_set=eval_set, callback=callback,
                         item_features=item_features, feature_names=feature_names)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      item_features: Any = None, feature_names=None,
                      ) -> _ContentTrainer:
        F, names = item_feature_matrix(data, item_features, feature_names,
                                       params["min_support"])
        if self.normalize:
            F = _unit_rows(F)
        return _ContentTrainer(data, F, names, params, bool(self.item_bias), engine)

    # -- reading the model ----------------------------------------------------------------
    def user_profile(self, user_id: Any, *, top: int | None = None) -> dict[str, float]:
        """A user's learned weight per feature, largest first.

        Parameters
        ----------
        user_id : int or str
            A raw user id (the inner id when fitted on a sparse matrix).
        top : int, optional
            Keep only the ``top`` features of largest absolute weight.

        Returns
        -------
        dict of str -> float
            Feature name -> weight w_u (e.g. ``{"genres:Film-Noir": 0.8, ...}``), sorted by
            weight, descending; the weights apply to the features as normalized.
        """
        st = self._snapshot()
        u = int(st.user_map_.to_inner(np.asarray([user_id]), missing="raise")[0])
        w = st.user_factors_[u].astype(np.float64)
        order = np.argsort(-np.abs(w), kind="stable")
        if top is not None:
            order = order[:check_int(top, "top", min_value=0)]
        order = order[np.argsort(-w[order], kind="stable")]
        names = st.feature_names_
        return {str(names[j]): float(w[j]) for j in order}

    # -- new items from their features ----------------------------------------------------
    def _new_item_rows(self, item_features, n_new: int | None, item_ids) -> np.ndarray:
        st = self._snapshot()
        names = st.feature_names_
        if isinstance(item_features, str) or (isinstance(item_features, tuple) and all(
                isinstance(c, str) for c in item_features)):
            raise TypeError("new items need their features as an array, sparse matrix or "
                            "DataFrame (metadata columns are read at fit only)")
        if _is_dataframe(item_features):
            if item_ids is None:
                item_ids = item_features.index.to_numpy()
            F = _frame_rows(item_features, canonical_ids(item_ids, "item_ids"), names)
        else:
            F = _dense(item_features, "item_features")
            if F.shape[1] != len(names):
                raise ValueError(f"item_features must have {len(names)} columns (the "
                                 f"model's features), got shape {F.shape}")
        if n_new is not None and F.shape[0] != n_new:
            raise ValueError(f"item_features must have one row per new item ({n_new}), got "
                             f"{F.shape[0]}")
        return _unit_rows(F) if self.normalize else F

    def _new_item_bias(self, st: dict, R: sp.csr_matrix, F: np.ndarray) -> np.ndarray:
        """b_i of new items from their ratings R (n_new × n_users): the regularized mean
        residual, as the item step of ``fit`` (zeros without ratings or ``item_bias``)."""
        bias = np.zeros(R.shape[0], dtype=np.float32)
        if self.item_bias and R.nnz:
            coo = R.tocoo()
            pred = (st["global_mean_"] + st["user_bias_"][coo.col]
                    + np.einsum("ij,ij->i", st["user_factors_"][coo.col].astype(np.float64),
                                F[coo.row]))
            resid = np.bincount(coo.row, coo.data - pred, minlength=R.shape[0])
            bias = (resid / (float(self.reg_item) + np.diff(R.indptr))).astype(np.float32)
        return bias

    def fold_in_items(self, item_users: InteractionsLike | None = None, *,
                      item_features: Any = None,
                      ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Item vectors of new items: their features (as the model uses them), and a bias
        from the ratings they already have.

        Parameters
        ----------
        item_users : sparse matrix of shape (n_users, n_new), Interactions or DataFrame, optional
            Ratings of the new items (see :meth:`mfrec.Recommender.fold_in_items`); they
            give each item its bias b_i. Without them b_i = 0.
        item_features : array or sparse matrix of shape (n_new, n_features), or DataFrame
            The new items' features, columns as ``feature_names_`` (a DataFrame's columns
            are matched by name, missing ones are 0). Without them (None) the features are
            zero and an item is scored by its bias alone.

        Returns
        -------
        factors : ndarray of shape (n_new, n_features), float32
        biases : ndarray of shape (n_new,), float32
        """
        self._check_fitted()
        st = self._fitted_state()
        R = None if item_users is None else _rows(self, "items", item_users)[0]
        if item_features is None:
            if R is None:
                raise ValueError("fold_in_items needs item_users or item_features")
            F = np.zeros((R.shape[0], len(st["feature_names_"])), dtype=np.float32)
        else:
            F = self._new_item_rows(item_features, None if R is None else R.shape[0], None)
        if R is None:
            R = sp.csr_matrix((F.shape[0], len(st["user_map_"])), dtype=np.float32)
        return F, self._new_item_bias(st, R, F)

    def add_items(self, item_users: InteractionsLike | None = None,
                  item_ids: ArrayLike | None = None, *, item_features: Any = None,
                  ) -> NDArray[np.int64]:
        """Register new items by their features, so every user can be scored on them.

        Parameters
        ----------
        item_users : sparse matrix of shape (n_users, n_new), Interactions or DataFrame, optional
            Ratings the new items already have: they become "seen" for ``recommend`` and
            give the items a bias (the regularized mean residual, as in ``fit``).
        item_ids : array-like of shape (n_new,), optional
            Raw ids of the new items (default: a DataFrame's index, the ids ``item_users``
            carries, or the next inner ids).
        item_features : array or sparse matrix of shape (n_new, n_features), or DataFrame
            As in :meth:`fold_in_items` (None: zero features, scored by the bias alone).

        Returns
        -------
        ndarray of shape (n_new,), int64
            The new items' inner ids.
        """
        self._check_fitted()
        if item_users is None and item_features is None:
            raise ValueError("add_items needs item_users or item_features")
        st = dict(self._fitted_state())
        idmap: IdMap = st["item_map_"]
        R, raw = (None, None) if item_users is None else _rows(self, "items", item_users)
        if item_ids is None and _is_dataframe(item_features):
            item_ids = item_features.index.to_numpy()
        if item_ids is None:
            item_ids = raw
        if item_ids is None:
            if not idmap.identity:
                raise ValueError("item_ids are required: this model uses raw item ids")
            n = R.shape[0] if R is not None else _dense(item_features, "item_features").shape[0]
            item_ids = np.arange(len(idmap), len(idmap) + n, dtype=np.int64)
        item_ids = canonical_ids(item_ids, "item_ids")
        n_new = len(item_ids)
        if len(set(item_ids.tolist())) != n_new or np.any(
                idmap.to_inner(item_ids, missing="ignore") >= 0):
            raise ValueError("item_ids must be new and unique: some are repeated or already "
                             "known to the model")
        if item_features is None:
            F = np.zeros((n_new, len(st["feature_names_"])), dtype=np.float32)
        else:
            F = self._new_item_rows(item_features, n_new, item_ids)
        if R is None:
            R = sp.csr_matrix((n_new, len(st["user_map_"])), dtype=np.float32)
        elif R.shape[0] != n_new:
            raise ValueError(f"item_users has {R.shape[0]} items, item_ids {n_new}")
        bias = self._new_item_bias(st, R, F)
        st.update({
            "item_factors_": np.vstack([st["item_factors_"], F]),
            "item_bias_": np.concatenate([st["item_bias_"], bias]),
            "item_map_": IdMap(np.concatenate([idmap.ids, item_ids]), "item"),
            "_cold_items_": np.concatenate([st["_cold_items_"],
                                            (np.diff(R.indptr) == 0) & ~F.any(axis=1)]),
        })
        st["_train"] = _extend_train(st, "items", R)
        self._publish(st)
        return np.arange(len(idmap), len(idmap) + n_new)

