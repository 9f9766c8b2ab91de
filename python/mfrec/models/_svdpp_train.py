"""SVD++'s trainers: the per-user walk (``svdpp.hpp``) and the block grid
(``svdpp_grid.hpp``), each one fit's data, factors and steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._cores import work_ns
from .._validation import UnknownIdError, check_random_state, check_sparse
from ..interactions import Interactions
from ._sgd import (
    adagrad_sums,
    aligned_empty,
    block_grid,
    diverged_error,
    epoch_steps,
    given_rows,
    grid_bins,
    normal_rows,
    padded_k,
    sgd_schedules,
)

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from .svdpp import SVDpp

__all__ = ["GRID_Y_DAMPING", "SvdppGridTrainer", "SvdppTrainer", "grid_bins_svdpp"]

# algorithm="grid": item j's batched y step is scaled by 1 / (1 + U_j / GRID_Y_DAMPING), U_j
# its number of users (svdpp_grid.hpp). Undamped, the step overshoots on items with many
# users; 3, 10 and 30 gave the same RMSE within 0.001 on ML-100K, latest-small and the 10M
# synthetic set, 10 the best on ML-100K and within 0.0002 of the best on the other two
# (benchmarks/results/svdpp_grid.md).
GRID_Y_DAMPING = 10.0


def _implicit_pairs(data: Interactions, implicit_items) -> tuple[np.ndarray, np.ndarray]:
    """(users, items) inner ids of the extra implicit pairs, checked against ``data``."""
    if sp.issparse(implicit_items):
        check_sparse(implicit_items, "implicit_items")
        if implicit_items.shape != data.shape:
            raise ValueError(f"implicit_items must have the training data's shape "
                             f"{data.shape} (inner ids), got {implicit_items.shape}")
        coo = sp.coo_matrix(implicit_items)
        check_sparse(coo, "implicit_items")
        return coo.row.astype(np.int64), coo.col.astype(np.int64)
    if isinstance(implicit_items, Interactions):
        inter = implicit_items
    elif type(implicit_items).__name__ == "DataFrame" and hasattr(implicit_items, "columns"):
        inter = Interactions.from_pandas(implicit_items, duplicates="last")
    else:
        raise TypeError("implicit_items must be an mfrec.Interactions, a scipy sparse matrix "
                        f"of shape {data.shape} or a pandas DataFrame, got "
                        f"{type(implicit_items).__name__}")
    try:
        users = data.user_map.to_inner(inter.users, missing="raise")
        items = data.item_map.to_inner(inter.items, missing="raise")
    except UnknownIdError as exc:
        raise UnknownIdError(f"implicit_items: {exc} (the training data does not have it)") \
            from None
    return users, items


class SvdppTrainer:
    """One SVD++ fit: N(u), the factors (rows padded and aligned), the epochs' steps."""

    def __init__(self, model: SVDpp, data: Interactions, p: dict, engine: LocalEngine,
                 implicit_items) -> None:
        rng = check_random_state(model.random_state)
        n_users, n_items, k = data.n_users, data.n_items, p["k"]
        self.k, self.nnz, self.n_epochs, self.p = k, data.nnz, p["n_epochs"], p
        self.scale = (float(data.ratings.min()), float(data.ratings.max()))
        self.R = (data.indptr, data.item_index, data.ratings)
        if implicit_items is None:  # N(u) = R(u)
            self.N = (data.indptr, data.item_index)
        else:
            u, i = _implicit_pairs(data, implicit_items)
            rows = np.concatenate([data.user_index.astype(np.int64), u])
            cols = np.concatenate([data.item_index.astype(np.int64), i])
            M = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                              shape=data.shape)
            M.sum_duplicates()
            M.sort_indices()
            self.N = (M.indptr.astype(np.int64), M.indices.astype(np.int32))
        counts = np.diff(data.indptr)
        self.active = np.flatnonzero(counts > 0).astype(np.int32)
        # Rows padded and aligned as the FunkSVD kernels want them.
        k_pad = padded_k(k)
        seeds = rng.integers(0, 2**63, size=4)
        init = {"mean": p["init_mean"], "std": p["init_std"], "engine": engine}
        self.P = normal_rows(n_users, k, k_pad, seed=seeds[0], **init)
        self.Q = normal_rows(n_items, k, k_pad, seed=seeds[1], **init)
        self.Y = normal_rows(n_items, k, k_pad, seed=seeds[2], **init)
        for name, X in (("user_factors", self.P), ("item_factors", self.Q),
                        ("implicit_factors", self.Y)):
            given_rows(model, name, X, k)
        self.order_seed = int(seeds[3])
        self.bu = np.zeros(n_users, dtype=np.float32)
        self.bi = np.zeros(n_items, dtype=np.float32)
        self.Gu, self.Gi = adagrad_sums(n_users, n_items, p["adagrad"])
        # per epoch: a_bu, a_bi, a_p, a_q, a_y
        self.steps = epoch_steps([p["lr_bu"], p["lr_bi"], p["lr_pu"], p["lr_qi"], p["lr_yj"]],
                                 self.n_epochs, p["lr_decay"])
        self.params = _core.SvdppParams(
            mu=p["global_mean"], reg_bu=p["reg_bu"], reg_bi=p["reg_bi"],
            reg_p=p["reg_user"], reg_q=p["reg_item"], reg_y=p["reg_implicit"],
            adagrad=p["adagrad"], n_factors=k)
        # an epoch's work, in FunkSVD's units (a rating's step over one padded row): a
        # rating here passes over p, q, z and acc (about two FunkSVD steps), an item of N(u)
        # over y_j twice (about one)
        self.n_threads = engine.threads(work_ns("sgd", (2 * data.nnz + len(self.N[1])) * k_pad))
        self.terms_threads = engine.threads(work_ns("pair", len(self.N[1]) * (k + 4)))
        self.has_implicit = np.zeros(n_items, dtype=bool)
        self.has_implicit[self.N[1][np.repeat(counts > 0, np.diff(self.N[0]))]] = True
        self.cold_users = counts == 0

    def _epochs(self, first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        return _core.svdpp_epochs(*self.R, *self.N, self.active,
                                  self.steps[first:first + n], self.P, self.Q, self.Y,
                                  self.bu, self.bi, self.Gu, self.Gi, params=self.params,
                                  first_epoch=first, seed=self.order_seed,
                                  n_threads=self.n_threads)

    def _diverged(self, epoch: int, sse: float) -> FloatingPointError:
        return diverged_error(epoch, sse, self.scale,
                              f"lr={self.p['lr']} (lr_bias={self.p['lr_bias']}, "
                              f"lr_implicit={self.p['lr_implicit']})")

    def run_all(self) -> list[tuple[float, float]]:
        # Nothing watches the epochs: all of them in one call (one parallel region), with the
        # same steps and visiting orders as epoch() one by one, so the same result.
        sse, seconds = self._epochs(0, self.n_epochs)
        if len(sse) and not np.isfinite(sse[-1]):
            raise self._diverged(len(sse) - 1, sse[-1])
        return [(float(s) / self.nnz, float(t)) for s, t in zip(sse, seconds)]

    def epoch(self, t: int) -> float:
        sse = float(self._epochs(t, 1)[0][0])
        if not np.isfinite(sse):
            raise self._diverged(t, sse)
        return sse / self.nnz

    def state(self, final: bool) -> dict:
        """The fitted arrays (new arrays either way)."""
        return _state(self, self.P, self.Q, self.Y, self.bu, self.bi)


def grid_bins_svdpp(model: SVDpp, data: Interactions, k_pad: int, n_threads: int) -> int:
    """Bins per side of SVD++'s grid: the model's ``n_blocks``, else FunkSVD's choice
    (``grid_bins``) but at most two per thread. SVD++'s SGD pass moves three user rows per
    rating (p_u, z_u, a_u), which stay in L1 while the user's ratings in a block last: few
    bins keep them there longer (10M synthetic, 2 threads, seconds per epoch: 0.43–0.44 at 4
    bins, 0.45–0.46 at 2, 0.47 at 8, 0.54–0.55 at 16, 0.76 at FunkSVD's 40; one thread:
    0.85–0.87 at 4, 1.06 at 16, 1.74 at 40; benchmarks/results/svdpp_grid.md)."""
    bins = grid_bins(model, data, k_pad, n_threads)
    return bins if model.n_blocks is not None else max(1, min(bins, 2 * n_threads))


class SvdppGridTrainer(SvdppTrainer):
    """One SVD++ fit on the block grid (``svdpp_grid.hpp``): the per-user trainer's N(u),
    steps and parameters, its initial factors taken as rank-space rows (they are i.i.d., as
    FunkSVD's grid draws its own there), the grid of the ratings and, with
    ``implicit_items``, a second grid of N(u) with the same ranks and bins (else N(u) =
    R(u), the ratings' grid), the epochs' schedules, and z_u, the pending y steps a_u and
    decays D_u besides."""

    def __init__(self, model: SVDpp, data: Interactions, p: dict, engine: LocalEngine,
                 n_bins: int, implicit_items=None) -> None:
        super().__init__(model, data, p, engine, implicit_items)
        rng = check_random_state(model.random_state)
        rng.integers(0, 2**63, size=4)  # the per-user trainer's draws, then the grid's
        sort_threads = engine.threads(work_ns("sort", data.nnz))
        self.grid = block_grid(data, data.ratings, n_bins, rng, sort_threads)
        self.schedules = sgd_schedules(rng, n_bins, self.n_epochs)
        ur = self.grid.user_rank
        # given initial values (rows in id order above) to rank space
        for name, X, rank in (("user_factors", self.P, ur),
                              ("item_factors", self.Q, self.grid.item_rank),
                              ("implicit_factors", self.Y, self.grid.item_rank)):
            given_rows(model, name, X, self.k, rank)
        counts = np.diff(data.indptr)
        if implicit_items is None:
            self.pattern = (self.grid.user, self.grid.item, self.grid.block_ptr)
            n_implicit, users_per_item = counts, data.item_counts()
        else:  # N(u) of the users with ratings (the others learn nothing from theirs)
            indptr, indices = self.N
            rows = np.repeat(counts > 0, np.diff(indptr))
            n_implicit = np.where(counts > 0, np.diff(indptr), 0)
            N = (np.concatenate([[0], np.cumsum(n_implicit)]).astype(np.int64), indices[rows])
            self.pattern = _grid_like(self.grid, N, counts, data.item_counts(), sort_threads)
            users_per_item = np.bincount(N[1], minlength=data.n_items)
        self.n_pattern = int(n_implicit.sum())
        sn = np.zeros(len(ur), dtype=np.float32)
        sn[ur] = np.where(n_implicit > 0, 1.0 / np.sqrt(np.maximum(n_implicit, 1)), 0.0)
        self.sn = sn
        damp = np.empty(data.n_items, dtype=np.float64)
        damp[self.grid.item_rank] = 1.0 / (1.0 + users_per_item / GRID_Y_DAMPING)
        self.damp = damp.astype(np.float32)
        # z_u of the initial y_j; A and D are set at each epoch's start
        self.Z = aligned_empty(self.P.shape)
        self._terms(self.Z)
        self.A = aligned_empty(self.P.shape)
        self.D = np.ones(len(ur), dtype=np.float32)
        # an epoch's work in FunkSVD's units: the SGD pass about two steps a rating, the y
        # pass one an entry of N(u)
        self.n_threads = engine.threads(work_ns(
            "sgd", (2 * data.nnz + self.n_pattern) * self.P.shape[1]))

    def _terms(self, Z: np.ndarray) -> None:
        """Z = z_u of the current Y, in rank space."""
        _core.svdpp_grid_terms(*self.pattern, self.Y, Z, self.sn, n_threads=self.terms_threads)

    def _epochs(self, first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        return _core.svdpp_grid_epochs(
            *self.grid.arrays, self.schedules[first:first + n], self.steps[first:first + n],
            self.P, self.Q, self.Y, self.Z, self.A, self.bu, self.bi, self.Gu, self.Gi,
            self.D, self.sn, self.damp, params=self.params, n_threads=self.n_threads,
            **dict(zip(("implicit_user", "implicit_item", "implicit_block_ptr"), self.pattern)))

    def state(self, final: bool) -> dict:
        """The fitted arrays in id order, gathered from rank space. Mid-fit they are new
        arrays; at the end the users' two go to the trainer's own buffers (each row of
        P, Z, A is used no more once gathered), which spares the fit 2 × n_users × k
        floats of fresh memory (whose first touch is most of this step's time)."""
        ur, ir, k = self.grid.user_rank, self.grid.item_rank, self.k
        self._terms(self.A)  # A is scratch between epochs (each one starts by zeroing it)
        if not final:
            return _state(self, self.P[ur, :k], self.Q[ir, :k], self.Y[ir, :k],
                          self.bu[ur], self.bi[ir], Z=self.A[ur, :k])
        P = _gather(self.P, ur, k, into=self.Z)
        Z = _gather(self.A, ur, k, into=self.P)
        return _state(self, P, self.Q[ir, :k], self.Y[ir, :k], self.bu[ur], self.bi[ir], Z=Z)


def _grid_like(grid, N: tuple[np.ndarray, np.ndarray], user_count: np.ndarray,
               item_count: np.ndarray, n_threads: int) -> tuple[np.ndarray, ...]:
    """(user, item, block_ptr) of the CSR pattern ``N`` (indptr, indices) regrouped into the
    blocks of ``grid``: its ranks, and its bins (those of ``user_count`` / ``item_count``, the
    counts ``grid`` was balanced by)."""
    nnz, B2 = len(N[1]), len(grid.block_ptr)
    out = (np.empty(nnz, dtype=np.int32), np.empty(nnz, dtype=np.int32),
           np.empty(nnz, dtype=np.float32), np.empty(B2, dtype=np.int64))
    B = int(round((B2 - 1) ** 0.5))
    _core.sgd_build_blocks(N[0], N[1], np.ones(nnz, dtype=np.float32), grid.user_rank,
                           grid.item_rank, *out, n_bins=B, n_threads=n_threads,
                           user_count=np.ascontiguousarray(user_count, dtype=np.int64),
                           item_count=np.ascontiguousarray(item_count, dtype=np.int64))
    return out[0], out[1], out[3]


def _gather(M: np.ndarray, rows: np.ndarray, k: int, into: np.ndarray) -> np.ndarray:
    """``M[rows, :k]`` written C-contiguously over the memory of ``into`` (a C-contiguous
    array of at least len(rows) * k floats, not ``M``'s), a slice of rows at a time (np.take
    would first copy ``M[:, :k]`` whole: fresh memory again)."""
    out = into.reshape(-1)[:len(rows) * k].reshape(len(rows), k)
    step = 8192
    for start in range(0, len(rows), step):
        out[start:start + step] = M[rows[start:start + step], :k]
    return out


def _state(t: SvdppTrainer, P: np.ndarray, Q: np.ndarray, Y: np.ndarray, bu: np.ndarray,
           bi: np.ndarray, Z: np.ndarray | None = None) -> dict:
    """The fitted arrays from the trainer's factors in id order: new arrays of k columns
    (``P`` ... ``bi`` are taken as they are when ``Z``, the users' implicit terms, is given,
    copied otherwise and Z formed from ``Y``)."""
    k = t.k
    if Z is None:
        P, Q, Y = (np.array(M[:, :k]) for M in (P, Q, Y))
        bu, bi = np.array(bu), np.array(bi)
        Y[~t.has_implicit] = 0.0  # in no user's N(u): never trained, never used
        Z = np.empty((len(bu), k), dtype=np.float32)
        _core.svdpp_user_terms(*t.N, Y, Z, n_threads=t.terms_threads)
    else:  # the same Z: these y_j are in no sum
        Y[~t.has_implicit] = 0.0
    Z[t.cold_users] = 0.0
    return {"user_factors_": P, "item_factors_": Q, "implicit_factors_": Y,
            "user_implicit_": Z, "user_bias_": bu, "item_bias_": bi}
