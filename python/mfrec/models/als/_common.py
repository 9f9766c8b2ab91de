"""What ALS and ImplicitALS share: parameter checks and the trainer.

The trainer holds the algorithm — one epoch is a user half-sweep then an item half-sweep,
then the training loss — and talks to its engine's ALS workspace only through
``init_factors``, ``gram``, ``solve`` (which can return the objective its solves computed),
``squared_error`` and ``state``
(see ``mfrec/_engine.py``), so the same trainer runs on any engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..._base import Recommender
from ..._validation import check_choice, check_int, check_random_state, check_shared_params

if TYPE_CHECKING:
    from ... import _core

__all__ = ["AlsBase", "AlsTrainer"]


class AlsBase(Recommender):
    """Shared parameter checks of the ALS family."""

    # Parameters set by the subclasses' ``__init__`` (declared for type checkers only).
    n_factors: int
    n_epochs: int
    reg: float
    init_std: float
    solver: str
    cg_steps: int
    random_state: Any
    compute_loss: bool

    def _check_common(self) -> dict[str, Any]:
        # shared parameters: _validation.SHARED_PARAMS; ALS's own: below
        p = check_shared_params(self, "n_factors", "n_epochs", "reg", "init_std")
        check_choice(self.solver, "solver", ("cg", "cholesky"))
        steps = check_int(self.cg_steps, "cg_steps", min_value=1)
        p["cg_steps"] = steps if self.solver == "cg" else 0
        return p


class AlsTrainer:
    """Alternating half-sweeps (users, then items) on an engine's ALS workspace ``work``.

    With ``implicit``, each half-sweep passes the fixed side's FᵀF to the row solver, and the
    training loss is the objective the item solves computed as they went (each row's part at
    its solution, see als.hpp): no separate pass over the data. ``loss_scale`` divides the
    loss (the total confidence weight for implicit models); ``diverged`` is the message of
    the FloatingPointError raised on a non-finite loss.
    """

    def __init__(self, work, params: _core.AlsParams, *, n_epochs: int, k: int,
                 init_std: float, random_state: Any, compute_loss: bool, loss_scale: float,
                 diverged: str, nonneg_init: bool = False, fitted: dict | None = None) -> None:
        rng = check_random_state(random_state)
        seeds = rng.integers(0, 2**63, size=2)
        work.init_factors(k, init_std, (int(seeds[0]), int(seeds[1])), nonneg=nonneg_init)
        self.fitted = dict(fitted or {})  # fitted attributes besides the factors
        self.work, self.params, self.n_epochs = work, params, n_epochs
        self.compute_loss, self.loss_scale, self.diverged = compute_loss, loss_scale, diverged

    def epoch(self, t: int) -> float:
        w, prm = self.work, self.params
        if prm.implicit:
            w.solve("users", prm, w.gram("items"))
            loss = w.solve("items", prm, w.gram("users"), loss=self.compute_loss)
        else:
            w.solve("users", prm, None)
            w.solve("items", prm, None)
            loss = w.squared_error(prm.mu, prm.augment) if self.compute_loss else None
        if not self.compute_loss:
            return float("nan")
        loss /= self.loss_scale
        if not np.isfinite(loss):
            raise FloatingPointError(self.diverged)
        return loss

    def state(self, final: bool) -> dict[str, np.ndarray]:
        X, Y, bu, bi = self.work.state(copy=not final)
        return {"user_factors_": X, "item_factors_": Y, "user_bias_": bu, "item_bias_": bi,
                **self.fitted}
