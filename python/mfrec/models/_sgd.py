"""The Python side of the SGD machinery every SGD model shares: the seeded block grid
(ranks, bins, blocks) and epoch schedules of ``cpp/include/mfrec/sgd_blocks.hpp``, the
padded, aligned factor rows its kernels want, the AdaGrad accumulators, the steps of every
epoch, and the kernels' step and weight per parameter.

FunkSVD and NMF's projected SGD use the block grid (their trainer: ``_sgd_grid.py``); a
model whose update touches more than one user row and one item row per rating (SVD++, BPR)
visits users in a seeded random order instead and uses only the factor rows, accumulators
and steps (``docs/architecture.md``, "SGD"). The parameters the SGD models share are
checked in ``mfrec/_validation.py`` (``SHARED_PARAMS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .. import _core
from .._cores import work_ns
from .._validation import check_shared_params

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from ..interactions import Interactions

__all__ = ["COUNTS_ADVICE", "BlockGrid", "adagrad_sums", "aligned_empty", "auto_blocks",
           "block_grid", "diverged_error", "epoch_steps", "given_rows", "grid_bins",
           "kernel_steps", "normal_rows", "padded_k", "sgd_schedules"]

#: What a rating model's divergence on count-like values advises instead.
COUNTS_ADVICE = ("Use an implicit-feedback model (ImplicitALS; `--model implicit-als` on the "
                 "command line), or rescale the values (e.g. np.log1p) for a rating model")


def diverged_error(epoch: int, sse: float, scale: tuple[float, float], rates: str,
                   counts_advice: str = COUNTS_ADVICE) -> FloatingPointError:
    """The error an SGD trainer raises when epoch ``epoch`` (0-based) ends with a non-finite
    loss: values spanning more than 100 (``scale``) look like counts, for which no step size
    will do (``counts_advice``); otherwise the step sizes (``rates``, e.g.
    ``"lr=0.1 (lr_bias=0.1)"``) are too large."""
    lo, hi = scale
    if hi - lo > 100:  # play counts or clicks, not ratings: no step size will do
        return FloatingPointError(
            f"SGD diverged in epoch {epoch + 1} (training loss is {sse}): the values range "
            f"from {lo:g} to {hi:g}, which looks like counts (plays, clicks), not ratings. "
            + counts_advice)
    return FloatingPointError(
        f"SGD diverged in epoch {epoch + 1} (training loss is {sse}): the learning rate "
        f"{rates} is too large for this data; lower it (e.g. by 10x)")


def aligned_empty(shape: tuple[int, int], align: int = 64) -> np.ndarray:
    """An uninitialised C-contiguous float32 array whose data starts on an ``align``-byte boundary.

    Parameters
    ----------
    shape : tuple of int
        (rows, cols).
    align : int, default 64
        Alignment in bytes (a multiple of 4).

    Returns
    -------
    numpy.ndarray of shape ``shape``
        A view into a slightly larger buffer.
    """
    n = int(np.prod(shape))
    buf = np.empty(n + align // 4, dtype=np.float32)
    offset = (-buf.ctypes.data % align) // 4
    return buf[offset:offset + n].reshape(shape)


def padded_k(k: int) -> int:
    """The width of a factor row in floats: ``k`` rounded up to the SGD kernels' vector width
    (``_core.sgd_row_floats()``). The padding columns are zero and the updates keep them
    at zero; on AVX-512 machines rows of 16·n floats (one cache line per 16 factors) go to
    the register kernel (``cpp/include/mfrec/sgd_avx512.hpp``)."""
    align = _core.sgd_row_floats()
    return -(-k // align) * align


def normal_rows(n: int, k: int, k_pad: int, *, mean: float, std: float, seed: int,
                engine: LocalEngine) -> np.ndarray:
    """Initial factors: an ``n`` × ``k_pad`` float32 matrix, 64-byte aligned, Normal(mean,
    std) in its first ``k`` columns (``_core.init_normal``, keyed by ``seed``) and 0 after."""
    F = aligned_empty((n, k_pad))
    _core.init_normal(F, k=k, mean=mean, std=std, seed=int(seed),
                      n_threads=engine.threads(work_ns("rand", F.size)))
    return F


def given_rows(model, name: str, X: np.ndarray, k: int, rank: np.ndarray | None = None) -> None:
    """Overwrite the initial factors ``X`` (first ``k`` of its columns) with the ones a caller
    inside mfrec gave the model, if it gave them: ``model._initial_values[name]`` (``name``:
    ``"user_factors"``, ``"item_factors"``, ``"implicit_factors"``), an (n, k) array in id
    order. Row ``rank[id]`` of ``X`` takes id's values (``rank`` None: row = id); the padding
    columns after k stay zero.

    The Surprise compat layer sets ``_initial_values`` to the values Surprise's algorithm
    would draw for the same ``random_state`` (its ``RandomState`` calls, in its order), so a
    seed starts both libraries from the same factors. Users of mfrec's models do not set it."""
    given = getattr(model, "_initial_values", None)
    if not given or name not in given:
        return
    V = np.asarray(given[name])
    if V.shape != (X.shape[0], k):
        raise ValueError(f"the given initial {name} have shape {V.shape}; this fit needs "
                         f"{(X.shape[0], k)}")
    if rank is None:
        X[:, :k] = V
    else:
        X[rank, :k] = V


def adagrad_sums(n_users: int, n_items: int, adagrad: bool) -> tuple[np.ndarray, np.ndarray]:
    """The AdaGrad accumulators G of the user rows and of the item rows, float32, starting
    at 1; empty without AdaGrad (constant steps)."""
    return (np.ones(n_users if adagrad else 0, dtype=np.float32),
            np.ones(n_items if adagrad else 0, dtype=np.float32))


def epoch_steps(steps: list[float], n_epochs: int, decay: float = 1.0) -> np.ndarray:
    """The steps of every epoch, float32 of shape (n_epochs, len(steps)): ``steps`` times
    ``decay ** t`` in epoch t (``decay`` is ``lr_decay``; 1: the same steps every epoch)."""
    scale = decay ** np.arange(n_epochs)[:, None]
    return np.ascontiguousarray(scale * steps, dtype=np.float32)


def kernel_steps(p: dict) -> dict:
    """The step and L2 weight of each parameter as the SGD kernels take them, under
    Surprise's names, from the checked parameters ``p`` that tie them in pairs: ``lr_bias``
    → ``lr_bu``, ``lr_bi``; ``lr`` → ``lr_pu``, ``lr_qi``; ``reg_bias`` → ``reg_bu``,
    ``reg_bi``. (``mfrec.compat.surprise`` sets each one of its own.)"""
    return {"lr_bu": p["lr_bias"], "lr_bi": p["lr_bias"], "lr_pu": p["lr"], "lr_qi": p["lr"],
            "reg_bu": p["reg_bias"], "reg_bi": p["reg_bias"]}


def auto_blocks(nnz: int, n_users: int, n_items: int, row_bytes: int, n_threads: int) -> int:
    """Bins per side of the block grid: few blocks, whose rows stay in a core's cache.

    The fewest bins (a multiple of ``n_threads``, so that every round splits evenly) for which a
    block's slices of the two factor matrices fit in 1.5 MB, i.e. in a core's L2 — but no more
    than one bin per side per ~5,000 ratings per block when the factors cannot fit anyway (large
    data: more, smaller blocks only add synchronisation), and at most 64. Measured on 2 threads
    (``benchmarks/test_bench_fit.py::test_funksvd_fit_blocks`` and ``benchmarks/compare.py``):
    2 bins on MovieLens 100K, 4 on latest-small, 8 on the 1M synthetic set, 40 on the 10M one.

    Parameters
    ----------
    nnz, n_users, n_items : int
        Size of the training data.
    row_bytes : int
        Bytes per factor row (padded).
    n_threads : int

    Returns
    -------
    int
    """
    fit_cache = int(np.ceil((n_users + n_items) * row_bytes / 1.5e6))
    by_ratings = int(round(np.sqrt(nnz / 5000)))
    bins = max(1, min(fit_cache, by_ratings, 64))
    return int(min(max(n_threads, -(-bins // n_threads) * n_threads), max(64, n_threads)))


def grid_bins(model, data: Interactions, k_pad: int, n_threads: int) -> int:
    """Bins per side of the block grid: the model's ``n_blocks`` (checked by its
    ``SHARED_PARAMS`` entry) or, when None, :func:`auto_blocks`'s choice for ``n_threads``;
    at most min(n_users, n_items)."""
    B = check_shared_params(model, "n_blocks")["n_blocks"]
    if B is None:
        B = auto_blocks(data.nnz, data.n_users, data.n_items, 4 * k_pad, n_threads)
    return max(1, min(B, data.n_users, data.n_items))


def sgd_schedules(rng: np.random.Generator, B: int, n_epochs: int) -> np.ndarray:
    """Random epoch schedules: per epoch B rounds × B blocks, no two blocks of a round sharing
    a bin.

    Round r of an epoch pairs user bin rows[j] with item bin cols[(j + shift[r]) % B], with
    rows, cols and shift random permutations drawn for that epoch: a random Latin square, so
    every block is visited exactly once per epoch.

    Parameters
    ----------
    rng : numpy.random.Generator
    B : int
        Bins per side.
    n_epochs : int

    Returns
    -------
    numpy.ndarray of shape (n_epochs, B, B), int32
        Block ids user_bin * B + item_bin; [t, r] is round r of epoch t.
    """
    perms = rng.permuted(np.tile(np.arange(B), (3 * n_epochs, 1)), axis=1)
    rows, cols, shift = (perms.reshape(n_epochs, 3, B)[:, m] for m in range(3))
    idx = (np.arange(B)[None, None, :] + shift[:, :, None]) % B  # (epoch, round, j)
    item_bins = np.take_along_axis(np.broadcast_to(cols[:, None, :], idx.shape), idx, axis=2)
    return np.ascontiguousarray(rows[:, None, :] * B + item_bins, dtype=np.int32)


class BlockGrid(NamedTuple):
    """The ratings regrouped into the B × B blocks, in rank space (see sgd_blocks.hpp)."""

    user: np.ndarray        # (nnz,) int32 user rank of each entry
    item: np.ndarray        # (nnz,) int32 item rank
    rating: np.ndarray      # (nnz,) float32
    block_ptr: np.ndarray   # (B * B + 1,) int64
    user_rank: np.ndarray   # (n_users,) int32: rank of each user (row of the factors)
    item_rank: np.ndarray   # (n_items,) int32

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """(user, item, rating, block_ptr), the kernels' first arguments."""
        return self.user, self.item, self.rating, self.block_ptr


def block_grid(data, values: np.ndarray, n_bins: int, rng: np.random.Generator,
               n_threads: int) -> BlockGrid:
    """Random ranks of users and items (drawn from ``rng``: users first) and the block grid
    of ``data``'s entries with ``values``."""
    user_rank = rng.permutation(data.n_users).astype(np.int32)
    item_rank = rng.permutation(data.n_items).astype(np.int32)
    nnz = data.nnz
    out = (np.empty(nnz, dtype=np.int32), np.empty(nnz, dtype=np.int32),
           np.empty(nnz, dtype=np.float32), np.empty(n_bins * n_bins + 1, dtype=np.int64))
    _core.sgd_build_blocks(data.indptr, data.item_index, values, user_rank, item_rank, *out,
                           n_bins=n_bins, n_threads=n_threads)
    return BlockGrid(*out, user_rank, item_rank)
