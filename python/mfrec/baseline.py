"""Baseline: r̂_ui = μ + b_u + b_i, fitted by alternating exact bias solves."""

from __future__ import annotations

import numpy as np

from . import _core
from ._base import Recommender
from ._validation import check_float, check_int

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
    reg_user : float, default 15
    reg_item : float, default 10
    n_threads : int, optional
    verbose : bool, default False
        Show a progress bar (tqdm, the ``progress`` extra) with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when the RMSE on ``eval_set`` has not improved for this many epochs.
    """

    def __init__(self, n_epochs=10, reg_user=15.0, reg_item=10.0, n_threads=None,
                 verbose=False, n_iter_no_change=None):
        self.n_epochs = n_epochs
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.n_threads = n_threads
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change

    def _fold_in_params(self, side: str) -> dict:
        # b_u = Σ (r − μ − b_i) / (reg_user + n_u): a ridge solve with λ = reg_user
        # (reg_item for items). There are no factors, only the bias coordinate.
        reg = float(self.reg_user if side == "users" else self.reg_item)
        return {"reg": reg, "reg_bias": reg, "reg_count": False}

    def fit(self, X, *, eval_set=None, callback=None):
        """Fit the biases; see :meth:`FunkSVD.fit` for ``eval_set`` and ``callback``.

        The ``loss`` reported per epoch is the training mean squared error (unclipped).
        """
        n_epochs = check_int(self.n_epochs, "n_epochs", min_value=0)
        reg_u = check_float(self.reg_user, "reg_user", nonneg=True)
        reg_i = check_float(self.reg_item, "reg_item", nonneg=True)
        data = self._begin_fit(X)
        by_item = data.to_csr().T.tocsr()
        by_item.sort_indices()
        i_indptr = by_item.indptr.astype(np.int64)
        i_indices = by_item.indices.astype(np.int32)
        i_data = np.ascontiguousarray(by_item.data, dtype=np.float32)
        self.user_factors_ = np.zeros((data.n_users, 0), dtype=np.float32)
        self.item_factors_ = np.zeros((data.n_items, 0), dtype=np.float32)
        self.user_bias_ = np.zeros(data.n_users, dtype=np.float32)
        self.item_bias_ = np.zeros(data.n_items, dtype=np.float32)

        def step(epoch: int) -> float:
            sse = _core.baseline_als_sweep(
                data.indptr, data.item_index, data.ratings, i_indptr, i_indices, i_data,
                self.global_mean_, reg_u, reg_i, self.user_bias_, self.item_bias_,
                self.n_threads_)
            return sse / data.nnz

        self._run_epochs(n_epochs, step, eval_set=eval_set, callback=callback,
                         loss_name="loss")
        self._finish_fit()
        return self
