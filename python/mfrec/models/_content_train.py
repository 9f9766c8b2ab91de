"""ContentBased's trainer (``content.py``): alternating exact solves of the users' profiles
and biases (the ALS row solver, features as the fixed side) and the item biases.
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


class _ContentTrainer:
    """Alternating exact solves: users' [w_u, b_u] (ALS rows), then item biases."""

    def __init__(self, data: Interactions, F: np.ndarray, names: np.ndarray, p: dict,
                 item_bias: bool, engine: LocalEngine) -> None:
        self.engine, self.F, self.names, self.item_bias = engine, F, names, item_bias
        self.n_epochs, self.p, self.mu = p["n_epochs"], p, float(p["global_mean"])
        self.by_user = Csr(data.indptr, data.item_index, data.ratings)
        self.data = data
        d = F.shape[1]
        self.W = np.zeros((data.n_users, d), dtype=np.float32)
        self.bu = np.zeros(data.n_users, dtype=np.float32)
        self.bi = np.zeros(data.n_items, dtype=np.float32)
        self.users = data.user_index.astype(np.int64)
        self.items = data.item_index.astype(np.int64)
        self.counts = data.item_counts().astype(np.float64)
        self.solve = _core.AlsParams(reg=p["reg"], reg_count=False, implicit=False,
                                     augment=True, mu=self.mu, cg_steps=0,
                                     reg_bias=p["reg_bias"])

    def _predict(self, item_bias: bool) -> np.ndarray:
        out = np.empty(len(self.users), dtype=np.float32)
        prm = _core.PredictParams(offset=self.mu, use_fallback=False, fallback=0.0, clip=False)
        k = self.F.shape[1]
        _core.predict_pairs(self.users, self.items, self.W, self.F, out,
                            user_bias=self.bu, item_bias=self.bi if item_bias else None,
                            params=prm, n_threads=self.engine.threads(
                                work_ns("pair", len(self.users) * (k + 4))))
        return out

    def epoch(self, t: int) -> float:
        # users: [w_u, b_u] = argmin Σ_i (r − μ − b_i − b_u − w_uᵀf_i)² + λ‖w‖² + λ_b b_u²
        self.engine.solve_rows(self.by_user, self.W, self.F, self.solve,
                               x_bias=self.bu, other_bias=self.bi)
        if self.item_bias:  # items: b_i = Σ_u (r − μ − b_u − w_uᵀf_i) / (λ_i + n_i)
            resid = self.data.ratings - self._predict(item_bias=False)
            sums = np.bincount(self.items, resid, minlength=len(self.bi))
            self.bi[:] = sums / (self.p["reg_item"] + self.counts)
        err = self.data.ratings - self._predict(item_bias=True)
        loss = float(np.mean(err.astype(np.float64) ** 2))
        if not np.isfinite(loss):
            raise FloatingPointError("ContentBased diverged (non-finite loss): are the "
                                     "features finite and of moderate size?")
        return loss

    def state(self, final: bool) -> dict:
        copy = (lambda a: a) if final else np.copy
        return {"user_factors_": copy(self.W), "item_factors_": self.F,
                "user_bias_": copy(self.bu), "item_bias_": copy(self.bi),
                "feature_names_": self.names,
                # items nobody rated are still scored by their features: cold only when
                # they have neither ratings nor features
                "_cold_items_": (self.counts == 0) & ~self.F.any(axis=1)}
