"""Execution engines: where a trainer's kernels run.

A model's ``fit`` builds a trainer (``_training.py``) and hands it an engine. The trainer holds
the algorithm (which half-sweeps, with which parameters, what loss); the engine holds the data
and the factors and runs the row solves. :class:`LocalEngine` runs the OpenMP kernels of
``_core`` in this process.

What ``Recommender._fit`` asks of an engine: ``training_data(model, X)`` (the validated
training data: an ``Interactions`` here), ``mean_rating``, ``kept_data`` (what the fitted
model keeps as its training interactions) and ``validation(model, eval_set)`` (the
per-epoch validation score). The ALS models also ask for ``median_max`` of the values and
``als(data, values)``, a workspace whose operations are those of :class:`LocalAls`
(``init_factors``, ``gram``, ``solve`` (optionally returning the objective its solves
computed), ``squared_error``, ``value_sum``, ``state``). A distributed engine that keeps the
ratings partitioned on other machines (``mfrec.distributed``, on Dask) implements those same
operations and runs the same trainer: every partition's row solves get the same YᵀY (the
local engine computes it once per half-sweep; the Dask engine's partitions add up their
blocks' per-chunk parts, to the same bits); ``values`` is a function applied to the ratings
where they live (per partition), never an array the client builds.

The SGD and bias models run on the local engine only (their trainers take it for its thread
count).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from . import _core
from ._cores import free_cores, threads_for, work_ns
from ._input import as_interactions

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._input import InteractionsLike
    from .interactions import Interactions

__all__ = ["Csr", "LocalAls", "LocalEngine"]


class Csr(NamedTuple):
    """A canonical CSR matrix as the kernels take it: int64 indptr, int32 indices (sorted
    within rows), float32 values."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    @classmethod
    def from_scipy(cls, m: sp.spmatrix) -> Csr:
        m = sp.csr_matrix(m)
        m.sort_indices()
        return cls(m.indptr.astype(np.int64), m.indices.astype(np.int32),
                   np.ascontiguousarray(m.data, dtype=np.float32))

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def transpose(self, n_cols: int) -> Csr:
        """The same entries as a CSR over the columns (n_cols × n_rows)."""
        m = sp.csr_matrix((self.values, self.indices, self.indptr), shape=(self.n_rows, n_cols),
                          copy=False)
        t = m.T.tocsr()  # scipy's csr_tocsc visits rows in order: columns come out sorted
        return Csr(t.indptr.astype(np.int64, copy=False), t.indices.astype(np.int32, copy=False),
                   np.ascontiguousarray(t.data, dtype=np.float32))


class LocalEngine:
    """The kernels of ``_core`` in this process, on up to ``n_threads`` OpenMP threads.

    Parameters
    ----------
    n_threads : int
        The most threads of a parallel region (resolved, >= 1).
    auto : bool, default False
        ``n_threads`` was not given exactly (``None``, −1, ...): each call takes the threads
        its work can use, on the cores free when the engine was made (see ``_cores.py``).
    """

    name = "local"

    def __init__(self, n_threads: int, auto: bool = False) -> None:
        self.n_threads = int(n_threads)
        self.auto = bool(auto)
        self.free = free_cores(refresh=True) if self.auto and self.n_threads > 1 else None

    def threads(self, work: float) -> int:
        """Threads for a call of ``work`` (one-thread ns, ``work_ns``): exact, or by work and
        load."""
        if not self.auto:
            return self.n_threads
        return threads_for(None, self.n_threads, work, free=self.free)

    def gram(self, F: np.ndarray) -> np.ndarray:
        """FᵀF (k × k, float32), independent of the thread count."""
        return _core.gram(F, n_threads=self.threads(work_ns("gram", F.shape[0] * F.shape[1] ** 2)))

    def solve_rows(self, R: Csr, X: np.ndarray, Y: np.ndarray, params: _core.AlsParams, *,
                   gram: np.ndarray | None = None, x_bias: np.ndarray | None = None,
                   other_bias: np.ndarray | None = None,
                   row_loss: np.ndarray | None = None) -> None:
        """One ALS half-sweep: every row of ``R`` solved into ``X`` (and ``x_bias``), in place;
        with ``row_loss`` (float64, one per row) each row's part of the objective."""
        k = Y.shape[1]
        per_entry = 2 * k * (1 + max(params.cg_steps, 1)) if params.cg_steps else k * k
        work = len(R.indices) * per_entry + R.n_rows * k * k * (1 + params.cg_steps)
        _core.als_half_sweep(R.indptr, R.indices, R.values, X, Y, params=params, gram=gram,
                             x_bias=x_bias, other_bias=other_bias, row_loss=row_loss,
                             n_threads=self.threads(work_ns("als", work)))

    # -- the training data -------------------------------------------------------------
    def training_data(self, model: Any, X: InteractionsLike) -> Interactions:
        """``X`` as the model trains on it: canonical, through the model's ``_prepare_data``
        (raises ValueError when nothing is left)."""
        data = model._prepare_data(as_interactions(X))
        if data.nnz == 0:
            raise ValueError(f"no training data: {data!r} has no interactions")
        return data

    def kept_data(self, data: Interactions) -> Interactions:
        """The training interactions the fitted model keeps (the "seen" filter)."""
        return data

    def mean_rating(self, data: Interactions) -> float:
        """μ, the mean training value (float64 sum)."""
        return float(np.mean(data.ratings, dtype=np.float64))

    def median_max(self, data: Interactions) -> tuple[float, float]:
        """The median (as ``np.median`` of the float32 values) and the largest training
        value."""
        return float(np.median(data.ratings)), float(data.ratings.max())

    def validation(self, model: Any, eval_set: InteractionsLike) -> Callable[[], float]:
        """The per-epoch validation score on ``eval_set`` (the model's ``_val_score`` on the
        model as published after the epoch)."""
        try:
            val = as_interactions(eval_set, what="eval_set")
        except ValueError as exc:
            raise ValueError(f"eval_set: {exc}") from exc
        if val.nnz == 0:
            raise ValueError("eval_set has no interactions")
        return lambda: model._val_score(val)

    def als(self, data: Interactions,
            values: np.ndarray | Callable[[np.ndarray], np.ndarray] | None = None) -> LocalAls:
        """The ALS workspace of ``data`` with ``values`` per entry: the ratings (None), a
        function of the ratings (e.g. confidences) or an array."""
        if values is None:
            values = data.ratings
        elif callable(values):
            values = values(data.ratings)
        by_user = Csr(data.indptr, data.item_index, np.ascontiguousarray(values, np.float32))
        return LocalAls(self, by_user, by_user.transpose(data.n_items), data)


class LocalAls:
    """The ratings of an ALS fit in both orientations, and the factors, in this process.

    The operations are those an ALS trainer needs (see the module docstring); ``side`` is
    ``"users"`` or ``"items"``.
    """

    def __init__(self, engine: LocalEngine, by_user: Csr, by_item: Csr,
                 data: Interactions) -> None:
        self.engine = engine
        self.rows = {"users": by_user, "items": by_item}
        self.data = data
        self.X = self.Y = self.bu = self.bi = None

    def init_factors(self, k: int, init_std: float, seeds: tuple[int, int],
                     nonneg: bool = False) -> None:
        """Factors ~ Normal(0, init_std) from the two seeds (users, items), their absolute
        values with ``nonneg``; biases zero."""
        n_users, n_items = self.rows["users"].n_rows, self.rows["items"].n_rows
        nt = self.engine.threads(work_ns("rand", (n_users + n_items) * k))
        self.X = np.empty((n_users, k), dtype=np.float32)
        self.Y = np.empty((n_items, k), dtype=np.float32)
        _core.init_normal(self.X, k=k, mean=0.0, std=init_std, seed=int(seeds[0]), n_threads=nt)
        _core.init_normal(self.Y, k=k, mean=0.0, std=init_std, seed=int(seeds[1]), n_threads=nt)
        if nonneg:
            np.abs(self.X, out=self.X)
            np.abs(self.Y, out=self.Y)
        self.bu = np.zeros(n_users, dtype=np.float32)
        self.bi = np.zeros(n_items, dtype=np.float32)

    def _sides(self, side: str):
        if side == "users":
            return self.X, self.Y, self.bu, self.bi
        return self.Y, self.X, self.bi, self.bu

    def gram(self, side: str) -> np.ndarray:
        """FᵀF of the ``side`` factors."""
        return self.engine.gram(self._sides(side)[0])

    def solve(self, side: str, params: _core.AlsParams, gram: np.ndarray | None,
              loss: bool = False) -> float | None:
        """Solve every ``side`` row against the other side's factors (``gram`` = their FᵀF).
        With ``loss``, return the objective at the new solution (the rows' parts, summed in
        row order, plus the other side's penalty reg·‖F‖²), computed by the solves."""
        X, Y, xb, yb = self._sides(side)
        aug = params.augment
        if loss and (aug or params.reg_count):
            raise ValueError("the objective from the solves covers rows with a plain λ and "
                             "no bias (implicit ALS)")
        row_loss = np.empty(X.shape[0], dtype=np.float64) if loss else None
        self.engine.solve_rows(self.rows[side], X, Y, params, gram=gram,
                               x_bias=xb if aug else None, other_bias=yb if aug else None,
                               row_loss=row_loss)
        if not loss:
            return None
        return float(np.sum(row_loss)) + params.reg * float(np.einsum("ij,ij->", Y, Y,
                                                                      dtype=np.float64))

    def squared_error(self, mu: float, biased: bool) -> float:
        """Mean squared training error of μ + b_u + b_i + p_uᵀq_i (or p_uᵀq_i), unclipped."""
        data = self.data
        if not hasattr(self, "_pairs"):
            self._pairs = (data.user_index.astype(np.int64), data.item_index.astype(np.int64),
                           np.empty(data.nnz, dtype=np.float32))
        users, items, pred = self._pairs
        params = _core.PredictParams(offset=mu if biased else 0.0, use_fallback=not biased,
                                     fallback=mu, clip=False)
        _core.predict_pairs(users, items, self.X, self.Y, pred,
                            user_bias=self.bu if biased else None,
                            item_bias=self.bi if biased else None, params=params,
                            n_threads=self.engine.threads(
                                work_ns("pair", len(users) * (self.X.shape[1] + 4))))
        return float(np.mean((pred - data.ratings) ** 2, dtype=np.float64))

    def value_sum(self, shift: float = 0.0) -> float:
        """Σ (value + shift) over the stored entries (float32 terms, float64 sum)."""
        return float(np.sum(self.rows["users"].values + shift, dtype=np.float64))

    def state(self, copy: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(X, Y, b_u, b_i): copies while training goes on, the buffers at the end."""
        arrays = (self.X, self.Y, self.bu, self.bi)
        return tuple(a.copy() for a in arrays) if copy else arrays
