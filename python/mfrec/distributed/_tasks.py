"""The tasks a fit and a batch top-N run on the workers: plain module-level functions of numpy
arrays (Dask sends them by module path).

The ones that call the C++ kernels are wrapped in ``_kernel_task``: their arguments arrive
aligned (``_aligned``), whatever byte offset Dask's deserialization left them at.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import _core
from .._engine import Csr


# -- a fit's tasks (the ALS workspace's factor blocks, Gramian, solves and sums) -----------
def _with_values(shard: Csr, fn) -> Csr:
    if fn is None:
        return shard
    return Csr(shard.indptr, shard.indices, np.ascontiguousarray(fn(shard.values), np.float32))


def _init_block(lo, hi, k, std, seed, nonneg, biased):
    X = np.empty((hi - lo, k), dtype=np.float32)
    _core.init_normal(X, k=k, mean=0.0, std=std, seed=seed, n_threads=1, first_row=lo)
    if nonneg:
        np.abs(X, out=X)
    return X, np.zeros(hi - lo, dtype=np.float32)


def _aligned(x):
    """``x`` with every numpy array in it aligned for its dtype. Arrays a worker receives
    from another process can sit at any byte offset of a message buffer (Dask's
    deserialization keeps them in place), and the C++ kernels read them as float / int64
    arrays: a misaligned one is copied (the sanitizer build showed the misaligned loads)."""
    if isinstance(x, np.ndarray):
        return x if x.flags.aligned else x.copy()
    if isinstance(x, Csr):
        return Csr(*(_aligned(v) for v in x))
    if isinstance(x, _Seen):
        return _Seen(Csr(_aligned(x.indptr), _aligned(x.item_index), np.zeros(0, np.float32)))
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return tuple(_aligned(v) for v in x)
    if isinstance(x, list):
        return [_aligned(v) for v in x]
    return x


def _kernel_task(fn):
    """A task that hands its arguments to the C++ kernels: they arrive aligned."""

    @functools.wraps(fn)
    def run(*args):
        return fn(*(_aligned(a) for a in args))

    return run


@_kernel_task
def _gram_step(acc, block, last):
    X = block[0]
    acc = np.zeros((X.shape[1], X.shape[1])) if acc is None else acc.copy()
    _core.gram_accumulate(X, acc, n_threads=1)
    return acc.astype(np.float32) if last else acc


def _params(p: dict) -> _core.AlsParams:
    return _core.AlsParams(**p)


def _needed(shard: Csr, bounds):
    """The other side's rows ``shard`` touches, per block of the other side (offsets within
    the block), and its column indices renumbered into the concatenation of those rows
    (which keeps their order: a row solve sees the same rows in the same order)."""
    cols = np.unique(shard.indices)
    picks = [np.ascontiguousarray(cols[(cols >= a) & (cols < b)] - a, dtype=np.int64)
             for a, b in bounds]
    return picks, np.searchsorted(cols, shard.indices).astype(np.int32)


def _take(block, rows):
    """The rows ``rows`` of a factor block (and its biases): what one block of the other
    side needs of it."""
    if len(rows) == len(block[1]):
        return block[0], block[1]
    return block[0][rows], block[1][rows]


def _concat(parts, j):
    return parts[0][j] if len(parts) == 1 else np.concatenate([p[j] for p in parts])


@_kernel_task
def _solve_block(shard: Csr, remap, block, params: dict, gram, loss: bool, *others):
    """One block's rows solved against the other side's rows it needs (``others``: one
    ``_take`` per block of the other side, in order)."""
    X = block[0].copy()
    xb = block[1].copy()
    Y = _concat(others, 0)
    prm = _params(params)
    yb = _concat(others, 1) if prm.augment else None
    row_loss = np.empty(X.shape[0], dtype=np.float64) if loss else None
    _core.als_half_sweep(shard.indptr, remap, shard.values, X, Y, params=prm,
                         gram=gram, x_bias=xb if prm.augment else None, other_bias=yb,
                         row_loss=row_loss, n_threads=1)
    return X, xb, (float(np.sum(row_loss)) if loss else 0.0)


def _sqnorm(block) -> float:
    X = block[0]
    return float(np.einsum("ij,ij->", X, X, dtype=np.float64))


@_kernel_task
def _sq_error(shard: Csr, remap, block, mu, biased, *others):
    X, xb = block[0], block[1]
    Y, yb = _concat(others, 0), _concat(others, 1)
    users = np.repeat(np.arange(shard.n_rows, dtype=np.int64), np.diff(shard.indptr))
    pred = np.empty(len(users), dtype=np.float32)
    params = _core.PredictParams(offset=mu if biased else 0.0, use_fallback=not biased,
                                 fallback=mu, clip=False)
    _core.predict_pairs(users, remap.astype(np.int64), X, Y, pred,
                        user_bias=xb if biased else None, item_bias=yb if biased else None,
                        params=params, n_threads=1)
    return float(np.sum((pred - shard.values) ** 2, dtype=np.float64))


def _value_sum(shard: Csr, shift: float) -> float:
    return float(np.sum(shard.values + np.float32(shift), dtype=np.float64))


def _stats(shard: Csr):
    """(Σ value in float64, distinct values and their counts, largest value)."""
    vals, counts = np.unique(shard.values, return_counts=True)
    return float(np.sum(shard.values, dtype=np.float64)), vals, counts


def _pick(need, j):
    return need[0][j]


def _first(block):
    return block[0]


def _second(block):
    return block[1]


def _third(block):
    return block[2]


# -- batch top-N's tasks (the seen filter of a user block, its top-n) --------------------
class _Seen:
    """The ``_train`` a block's snapshot reads for its seen filter."""

    def __init__(self, shard: Csr) -> None:
        self.indptr, self.item_index, self.nnz = shard.indptr, shard.indices, len(shard.indices)


def _seen(shard):
    return _Seen(shard)


def _seen_rows(seen, rows):
    indptr = seen.indptr
    counts = indptr[rows + 1] - indptr[rows]
    new = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=new[1:])
    idx = (np.concatenate([seen.item_index[indptr[r]:indptr[r + 1]] for r in rows])
           if len(rows) else np.empty(0, np.int32))
    return _Seen(Csr(new, idx.astype(np.int32), np.empty(0, np.float32)))


@_kernel_task
def _topn_block(X, ub, Y, ib, seen, biased, mu, n, filter_seen, user_ids,
                item_map, lo):
    """Top-n of the users of one block, as a pandas DataFrame (user, rank, item, score)."""
    import pandas as pd

    from .._retrieval import recommend_inner
    from .._scoring import DotScorer, Snapshot

    n_rows = X.shape[0]
    scorer = DotScorer(X, Y, ub if biased else None, ib if biased else None,
                       offset=mu if biased else 0.0, fallback=None if biased else mu,
                       clip=False)
    state = {"n_threads_": 1, "n_threads": 1, "user_map_": range(n_rows),
             "item_map_": range(len(Y)), "user_factors_": X,
             "_train": seen}
    users = np.arange(n_rows, dtype=np.int64)
    ids, scores = recommend_inner(Snapshot(state, scorer), users, n,
                                  filter_seen=filter_seen and seen is not None)
    keep = ids >= 0
    rank = np.broadcast_to(np.arange(1, ids.shape[1] + 1), ids.shape)[keep]
    rows = np.broadcast_to(users[:, None], ids.shape)[keep]
    uid = user_ids[rows] if user_ids is not None else rows + lo
    iid = item_map.ids[ids[keep]] if item_map is not None else ids[keep].astype(np.int64)
    return pd.DataFrame({"user": uid, "rank": rank.astype(np.int32), "item": iid,
                         "score": scores[keep]})
