"""Baseline: r̂_ui = μ + b_u + b_i, fitted by alternating exact bias solves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _core
from .._base import Recommender
from .._cores import work_ns
from .._engine import Csr
from .._traits import ModelTraits
from .._validation import check_shared_params

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike
    from ..interactions import Interactions

__all__ = ["Baseline"]


class Baseline(Recommender):
    """Baseline estimates r̂_ui = μ + b_u + b_i (Koren 2010, §2.1).

    Fitted by ``n_epochs`` alternating sweeps of exact regularized solves, items first::

        b_i = Σ_{u∈U_i} (r_ui − μ − b_u) / (reg_item + |U_i|)
        b_u = Σ_{i∈I_u} (r_ui − μ − b_i) / (reg_user + |I_u|)

    The defaults are those of Surprise's ``BaselineOnly`` (method "als": ``n_epochs=10,
    reg_u=15, reg_i=10``), and so are its results. Deterministic at any thread count.

    Parameters
    ----------
    n_epochs : int, default 10
        Alternating sweeps (items, then users).
    reg_user : float, default 15
        Regularization λ_u of the user biases.
    reg_item : float, default 10
        Regularization λ_i of the item biases.
    n_threads : int, optional
        None or -1: all cores; -2: all but one; positive: exactly that many. The result
        does not depend on it.
    verbose : bool, default False
        Show a progress bar (tqdm, the ``progress`` extra) with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when the RMSE on ``eval_set`` has not improved for this many epochs.
    """

    def __init__(self, n_epochs: int = 10, reg_user: float = 15.0, reg_item: float = 10.0,
                 n_threads: int | None = None, verbose: bool = False,
                 n_iter_no_change: int | None = None) -> None:
        self.n_epochs = n_epochs
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.n_threads = n_threads
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change

    def _get_traits(self) -> ModelTraits:
        return ModelTraits(feedback="explicit", val_metric="rmse", fold_in="ridge",
                           deterministic=True, test_variants=({"n_epochs": 3},))

    def _check_params(self) -> dict:
        # shared parameters: _validation.SHARED_PARAMS
        return check_shared_params(self, "n_epochs", "reg_user", "reg_item")

    def _fold_in_params(self, side: str) -> dict:
        # b_u = Σ (r − μ − b_i) / (reg_user + n_u): a ridge solve with λ = reg_user
        # (reg_item for items). There are no factors, only the bias coordinate.
        reg = float(self.reg_user if side == "users" else self.reg_item)
        return {"reg": reg, "reg_bias": reg, "reg_count": False}

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> Baseline:
        """Fit the biases.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Validation ratings; their RMSE is reported as ``val_rmse`` after every epoch
            (and watched by ``n_iter_no_change``).
        callback : callable, optional
            Called as ``callback(info)`` after every epoch with a dict: ``epoch`` (int,
            1-based), ``elapsed`` (seconds), ``loss`` (the training mean squared error,
            unclipped) and, with an ``eval_set``, ``val_rmse``; returning ``False`` stops
            training. The same dicts are kept in ``history_``.

        Returns
        -------
        self
            Fitted: ``user_bias_`` (n_users,) and ``item_bias_`` (n_items,), float32;
            ``user_factors_`` and ``item_factors_`` of shape (n, 0); ``global_mean_``.

        Raises
        ------
        ValueError, TypeError
            An invalid parameter (named in the message), or empty training data.
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> _BiasTrainer:
        return _BiasTrainer(data, params, engine.threads(work_ns("bias", data.nnz)))


class _BiasTrainer:
    """Alternating exact bias solves: items, then users, per epoch."""

    def __init__(self, data: Interactions, p: dict, n_threads: int) -> None:
        self.by_user = Csr(data.indptr, data.item_index, data.ratings)
        self.by_item = self.by_user.transpose(data.n_items)
        self.mu = p["global_mean"]
        self.n_epochs, self.p, self.nnz, self.n_threads = p["n_epochs"], p, data.nnz, n_threads
        self.user_bias = np.zeros(data.n_users, dtype=np.float32)
        self.item_bias = np.zeros(data.n_items, dtype=np.float32)
        self.shape = data.shape

    def epoch(self, t: int) -> float:
        sse = _core.baseline_als_sweep(*self.by_user, *self.by_item, self.user_bias,
                                       self.item_bias, mu=self.mu, reg_user=self.p["reg_user"],
                                       reg_item=self.p["reg_item"], n_threads=self.n_threads)
        return sse / self.nnz

    def state(self, final: bool) -> dict:
        n_users, n_items = self.shape
        copy = (lambda a: a) if final else np.copy
        return {"user_factors_": np.zeros((n_users, 0), dtype=np.float32),
                "item_factors_": np.zeros((n_items, 0), dtype=np.float32),
                "user_bias_": copy(self.user_bias), "item_bias_": copy(self.item_bias)}
