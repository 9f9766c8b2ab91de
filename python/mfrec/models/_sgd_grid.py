"""The trainer of the SGD models on the block grid (FunkSVD, NMF's projected SGD): one fit's
grid, factors and biases in rank space, AdaGrad sums, schedules, steps and kernel parameters
(built with ``_sgd.py``), its epochs, divergence check and fitted state. A model adds its
kernel, its initial factors and its advice for counts data.

Its base, :class:`EpochsTrainer` (epochs in one C++ call or one at a time, the loss per
rating), also serves NMF's multiplicative updates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _core
from .._cores import work_ns
from .._validation import check_random_state
from ._sgd import (
    adagrad_sums,
    block_grid,
    diverged_error,
    epoch_steps,
    given_rows,
    grid_bins,
    padded_k,
    sgd_schedules,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._base import Recommender
    from .._engine import LocalEngine
    from ..interactions import Interactions

__all__ = ["BlockGridTrainer", "EpochsTrainer"]


class EpochsTrainer:
    """A trainer whose kernel runs a slice of epochs (``_epochs``, returning their summed
    squared errors and seconds): all epochs in one call or one at a time, the loss per
    rating, the divergence check (``_diverged`` words the error)."""

    nnz: int
    n_epochs: int

    def _epochs(self, epochs: slice) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _diverged(self, epoch: int, sse: float) -> FloatingPointError:
        raise NotImplementedError

    def run_all(self) -> list[tuple[float, float]]:
        # Nothing to report between epochs: all of them in one call (one parallel region, no
        # Python per epoch). The same schedules and steps as epoch(): the same result.
        sse, seconds = self._epochs(slice(0, self.n_epochs))
        if len(sse) and not np.isfinite(sse[-1]):
            raise self._diverged(len(sse) - 1, sse[-1])
        return [(float(s) / self.nnz, float(t)) for s, t in zip(sse, seconds)]

    def epoch(self, t: int) -> float:
        sse = float(self._epochs(slice(t, t + 1))[0][0])
        if not np.isfinite(sse):
            raise self._diverged(t, sse)
        return sse / self.nnz


class BlockGridTrainer(EpochsTrainer):
    """One fit on the block grid: the grid, the factors in rank space, the epochs' schedules.

    A subclass gives ``kernel`` (``_core.sgd_epochs`` or a function of its signature),
    ``counts_advice`` (what to do instead when SGD diverges on values that look like counts)
    and ``_initial_factors``; with ``decays`` the steps decay by the model's ``lr_decay``
    (else they are the same every epoch).
    """

    kernel: Callable[..., tuple[np.ndarray, np.ndarray]]
    counts_advice: str
    decays: bool = False

    def __init__(self, model: Recommender, data: Interactions, p: dict,
                 engine: LocalEngine) -> None:
        rng = check_random_state(model.random_state)
        biased = bool(model.biased)
        n_users, n_items, k = data.n_users, data.n_items, p["k"]
        self.k, self.nnz, self.n_epochs, self.p = k, data.nnz, p["n_epochs"], p
        self.scale = (float(data.ratings.min()), float(data.ratings.max()))
        # Training state lives in rank space (row r = the user/item of rank r): a bin of the
        # block grid is then a contiguous range of rows (see cpp/include/mfrec/sgd_blocks.hpp).
        k_pad = padded_k(k)
        # an epoch's work, on the cores free
        self.n_threads = engine.threads(work_ns("sgd", data.nnz * k_pad))
        # The grid follows the thread count asked for, not the cores free now: the result of
        # a fit does not depend on the machine's load (fewer threads run the same blocks).
        B = grid_bins(model, data, k_pad, engine.n_threads)
        self.grid = block_grid(data, data.ratings, B, rng,
                               engine.threads(work_ns("sort", data.nnz)))
        self.P, self.Q = self._initial_factors(rng, data, k_pad, engine)
        given_rows(model, "user_factors", self.P, k, self.grid.user_rank)
        given_rows(model, "item_factors", self.Q, k, self.grid.item_rank)
        self.bu = np.zeros(n_users, dtype=np.float32)
        self.bi = np.zeros(n_items, dtype=np.float32)
        self.Gu, self.Gi = adagrad_sums(n_users, n_items, p["adagrad"])
        self.schedules = sgd_schedules(rng, B, self.n_epochs)
        # per epoch: lr_bu, lr_bi, lr_p, lr_q
        self.steps = epoch_steps([p["lr_bu"], p["lr_bi"], p["lr_pu"], p["lr_qi"]],
                                 self.n_epochs, p["lr_decay"] if self.decays else 1.0)
        self.params = _core.SgdParams(
            mu=p["global_mean"] if biased else 0.0,
            reg_bu=p["reg_bu"], reg_bi=p["reg_bi"], reg_p=p["reg_user"],
            reg_q=p["reg_item"], biased=biased, adagrad=p["adagrad"], n_factors=k)

    def _initial_factors(self, rng: np.random.Generator, data: Interactions, k_pad: int,
                         engine: LocalEngine) -> tuple[np.ndarray, np.ndarray]:
        """P and Q in rank space: aligned float32 rows of ``k_pad``, zero after ``self.k``
        (drawn from ``rng`` after the grid's ranks, before the schedules)."""
        raise NotImplementedError

    def _epochs(self, epochs: slice) -> tuple[np.ndarray, np.ndarray]:
        return self.kernel(*self.grid.arrays, self.schedules[epochs], self.steps[epochs],
                           self.P, self.Q, self.bu, self.bi, self.Gu, self.Gi,
                           params=self.params, n_threads=self.n_threads)

    def _diverged(self, epoch: int, sse: float) -> FloatingPointError:
        return diverged_error(epoch, sse, self.scale,
                              f"lr={self.p['lr']} (lr_bias={self.p['lr_bias']})",
                              self.counts_advice)

    def state(self, final: bool) -> dict:
        """The rank-space training state in id order (new arrays either way)."""
        ur, ir = self.grid.user_rank, self.grid.item_rank
        return {"user_factors_": np.ascontiguousarray(self.P[ur, :self.k]),
                "item_factors_": np.ascontiguousarray(self.Q[ir, :self.k]),
                "user_bias_": self.bu[ur], "item_bias_": self.bi[ir]}
