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
    """The shard with ``fn`` of its ratings as values, its arrays aligned once for the
    kernels (a shard that came from another process may sit at any byte offset)."""
    shard = _aligned(shard)
    if fn is None:
        return shard
    return Csr(shard.indptr, shard.indices, np.ascontiguousarray(fn(shard.values), np.float32))


def _init_block(lo, hi, k, std, seed, nonneg, biased):
    X = np.empty((hi - lo, k), dtype=np.float32)
    _core.init_normal(X, k=k, mean=0.0, std=std, seed=seed, n_threads=1, first_row=lo)
    if nonneg:
        np.abs(X, out=X)
    return _block(X, np.zeros(hi - lo, dtype=np.float32), 0.0, False)


def _block(X, bias, loss: float, parts: bool):
    """A factor block as the workers keep it: ``(X, bias, loss, gram parts, ‖X‖²)`` — the
    rows and biases, the objective part its solve computed, and with ``parts`` (implicit
    ALS, whose next half-sweep needs FᵀF and whose loss needs ‖F‖²) ``X``'s per-chunk
    Gramian parts (``_core.gram_parts``) and squared norm, else None for both: so the next
    half-sweep's Gramian and the loss need no pass of their own over the block."""
    if not parts:
        return X, bias, loss, None, None
    return (X, bias, loss, _core.gram_parts(X, n_threads=1),
            float(np.einsum("ij,ij->", X, X, dtype=np.float64)))


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
def _with_gram(block):
    """``block`` with its Gramian parts and squared norm (for a block made without them)."""
    if block[3] is not None:
        return block
    return _block(block[0], block[1], block[2], True)


def _parts(block):
    """A block's Gramian parts alone: what a block that receives only some of its rows needs
    of it besides them."""
    return block[3]


def _gram(sources) -> np.ndarray:
    """FᵀF from the blocks' per-chunk parts, added block after block and chunk after chunk in
    float64 and cast to float32: ``_core.gram``'s bits on the whole F (its blocks start at
    multiples of the 2048-row chunk)."""
    acc = None
    for j, src in enumerate(sources):
        acc = _gram_add(acc, src, j == len(sources) - 1)
    return acc


def _gram_add(acc, src, last: bool):
    """``acc`` (float64, None for zeros) plus the Gramian parts of ``src`` (a block, or its
    ``_parts``) in chunk order; cast to float32 after the ``last`` one."""
    parts = src[3] if isinstance(src, tuple) else src
    k = parts.shape[1]
    acc = np.zeros((k, k), dtype=np.float64) if acc is None else acc.copy()
    for part in parts:
        acc += part
    return acc.astype(np.float32) if last else acc


def _params(p: dict) -> _core.AlsParams:
    return _core.AlsParams(**p)


def _needed(shard: Csr, bounds, full, fraction: float):
    """What ``shard`` needs of each block of the other side: None for the whole block (the
    blocks in ``full``, those on the shard's own worker, and any of which it touches at least
    ``fraction`` of the rows), else the rows it touches (offsets within the block, maybe
    none); and its column indices renumbered into the concatenation of those (row order
    kept: a row solve sees the same rows in the same order)."""
    cols = np.unique(shard.indices)
    pos = np.empty(len(cols), dtype=np.int64)
    picks, n = [], 0
    for j, (a, b) in enumerate(bounds):
        s, e = np.searchsorted(cols, (a, b))
        sel = cols[s:e]
        if j in full or len(sel) >= fraction * (b - a):
            picks.append(None)
            pos[s:e] = n + (sel - a)
            n += b - a
        else:
            picks.append(np.ascontiguousarray(sel - a, dtype=np.int64))
            pos[s:e] = n + np.arange(len(sel))
            n += len(sel)
    return picks, pos[np.searchsorted(cols, shard.indices)].astype(np.int32)


def _kinds(need) -> list[int]:
    """Per block of the other side: 1 the whole block, 0 some of its rows, -1 none."""
    return [1 if p is None else (0 if len(p) else -1) for p in need[0]]


def _take(block, rows):
    """The rows ``rows`` of a factor block (and its biases): what one block of the other
    side needs of it."""
    return block[0][rows], block[1][rows]


def _concat(parts, j, like):
    """Element ``j`` of the parts, concatenated (none: no rows, shaped as ``like``), aligned:
    a concatenation is a new array, so parts received at odd offsets are not copied twice."""
    if not parts:
        return np.empty((0, *like.shape[1:]), dtype=like.dtype)
    if len(parts) == 1:
        return _aligned(parts[0][j])
    return np.concatenate([p[j] for p in parts])


def _solve_block(shard: Csr, remap, block, params: dict, parts: bool, loss: bool, n_gram: int,
                 *args):
    """One block's rows solved against the other side's rows it needs. ``args``: FᵀF of the
    other side (``n_gram`` = 1, a k × k array), or what carries its Gramian parts, one per
    block of the other side (the block, or its ``_parts``), or nothing (``n_gram`` = 0, no
    Gramian),
    then what this block needs of each other block (``_needed``: the block, or its
    ``_take``), in order. Returns the new block (``_block``; with its Gramian parts when the
    next half-sweep needs them)."""
    # aligned for the kernel: the shard (aligned once by _with_values), fresh copies of the
    # block, the other side's rows concatenated (received arrays are not copied twice)
    shard, remap = _aligned(shard), _aligned(remap)
    X = block[0].copy()
    xb = block[1].copy()
    grams = args[:n_gram]
    gram = _aligned(grams[0]) if n_gram == 1 and getattr(grams[0], "ndim", 0) == 2 else \
        _gram(grams) if n_gram else None
    others = args[n_gram:]
    Y = _concat(others, 0, X)
    prm = _params(params)
    yb = _concat(others, 1, xb) if prm.augment else None
    row_loss = np.empty(X.shape[0], dtype=np.float64) if loss else None
    _core.als_half_sweep(shard.indptr, remap, shard.values, X, Y, params=prm,
                         gram=gram, x_bias=xb if prm.augment else None, other_bias=yb,
                         row_loss=row_loss, n_threads=1)
    return _block(X, xb, float(np.sum(row_loss)) if loss else 0.0, parts)


def _scalars(block) -> tuple[float, float]:
    """A block's objective part and squared norm."""
    return block[2], block[4]


@_kernel_task
def _sq_error(shard: Csr, remap, block, mu, biased, *others):
    X, xb = block[0], block[1]
    Y, yb = _concat(others, 0, X), _concat(others, 1, xb)
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
