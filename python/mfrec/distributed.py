"""ALS and ImplicitALS beyond one machine: fit and batch top-N on a Dask cluster.

Plain functions, so the estimators stay scikit-learn clean::

    from dask.distributed import Client, LocalCluster
    import mfrec, mfrec.distributed as md

    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    model = md.fit(mfrec.ImplicitALS(n_factors=64), ddf)   # ddf: user, item[, rating]
    top = md.recommend(model, n=10)                        # dask DataFrame user, rank, item, score
    top.to_parquet("top10/")

The ratings live on the workers in row blocks: CSR shards by user block and, transposed, by
item block (Spark's blocked ALS layout). A half-sweep sends every block the other side's
factor blocks and the k × k Gramian, and each worker solves its rows with the same C++ row
solver as the local engine (``_core.als_half_sweep``). Blocks start at multiples of 2048
rows, the chunk of the Gramian kernel, and the blocks' Gramian parts are accumulated block
after block in a fixed order: a Dask fit gives the local fit's factors bit for bit.

Nothing here imports Dask until it is used (``import mfrec`` never does); without it every
function raises an ImportError naming the extra (``pip install "mfrec[dask]"``).
See docs/distributed.md.
"""

from __future__ import annotations

import functools
import operator
import uuid
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from ._engine import Csr, LocalEngine
from ._idmap import IdMap, canonical_ids
from ._input import as_interactions
from ._validation import check_choice, check_int
from .interactions import _DUPLICATES, Interactions, _make_map

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DaskEngine", "evaluate", "fit", "fold_in", "recommend"]

BLOCK_ALIGN = 2048  # rows per chunk of _core.gram: blocks start at multiples of it
_FAMILY = ("ALS", "ImplicitALS")


def _dask():
    """The ``distributed`` module, or an ImportError naming the extra."""
    try:
        import dask  # noqa: F401
        import dask.dataframe  # noqa: F401
        import distributed
    except ImportError as exc:
        raise ImportError(
            "mfrec.distributed needs Dask (dask[distributed] and dask[dataframe]): "
            "pip install 'mfrec[dask]'") from exc
    return distributed


def _get_client(client):
    distributed = _dask()
    if client is not None:
        return client
    try:
        return distributed.get_client()
    except ValueError as exc:
        raise ValueError("no Dask client: pass client= or start one first "
                         "(dask.distributed.Client(...))") from exc


def _is_dask_frame(X) -> bool:
    return type(X).__module__.startswith("dask") and hasattr(X, "columns")


def block_bounds(n: int, n_blocks: int, weights=None) -> list[tuple[int, int]]:
    """Row ranges of ``n`` rows in at most ``n_blocks`` blocks starting at multiples of 2048:
    equal numbers of 2048-row chunks, or with ``weights`` (a cost per row) equal costs as
    near as the chunks allow."""
    chunks = max(1, -(-n // BLOCK_ALIGN))
    if weights is None or n_blocks <= 1 or chunks <= 1:
        per = -(-chunks // max(1, n_blocks)) * BLOCK_ALIGN
        return [(a, min(n, a + per)) for a in range(0, max(n, 1), per)]
    cum = np.cumsum(np.add.reduceat(np.asarray(weights, dtype=np.float64),
                                    np.arange(0, n, BLOCK_ALIGN)))
    cuts = [0]
    for j in range(1, n_blocks):
        c = int(np.argmin(np.abs(cum - cum[-1] * j / n_blocks))) + 1  # chunks before the cut
        if cuts[-1] < c < chunks:
            cuts.append(c)
    cuts.append(chunks)
    return [(a * BLOCK_ALIGN, min(n, b * BLOCK_ALIGN)) for a, b in zip(cuts[:-1], cuts[1:])]


def _row_cost(counts: np.ndarray) -> np.ndarray:
    """What a row costs a half-sweep, in interactions: its own plus ~k/2 for its k × k
    solve (nnz·2k(1+cg) + k²(1+cg) per row, at k ≈ 64)."""
    return counts.astype(np.float64) + 32.0


# -- tasks (run on the workers; plain functions of numpy arrays) --------------------------
def _slice_csr(indptr, indices, values, lo, hi) -> Csr:
    a, b = indptr[lo], indptr[hi]
    return Csr(np.ascontiguousarray(indptr[lo:hi + 1] - a), np.ascontiguousarray(indices[a:b]),
               np.ascontiguousarray(values[a:b]))


def _shard(indptr, indices, values) -> Csr:
    return Csr(indptr, indices, values)


def _with_values(shard: Csr, fn) -> Csr:
    if fn is None:
        return shard
    return Csr(shard.indptr, shard.indices, np.ascontiguousarray(fn(shard.values), np.float32))


def _split_by_columns(shard: Csr, lo: int, bounds) -> list:
    """The entries of a row block (rows from ``lo``) cut by column blocks: per block
    (column, global row, value), in row order."""
    rows = np.repeat(np.arange(lo, lo + shard.n_rows, dtype=np.int32), np.diff(shard.indptr))
    out = []
    for a, b in bounds:
        m = (shard.indices >= a) & (shard.indices < b)
        out.append((shard.indices[m], rows[m], shard.values[m]))
    return out


def _transpose_block(lo: int, hi: int, *pieces) -> Csr:
    """The CSR of columns lo..hi from the row blocks' pieces (in row-block order)."""
    cols = np.concatenate([p[0] for p in pieces]) - lo
    rows = np.concatenate([p[1] for p in pieces])
    vals = np.concatenate([p[2] for p in pieces])
    order = np.argsort(cols, kind="stable")  # rows stay sorted within a column
    counts = np.bincount(cols, minlength=hi - lo)
    indptr = np.zeros(hi - lo + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Csr(indptr, np.ascontiguousarray(rows[order], np.int32),
               np.ascontiguousarray(vals[order], np.float32))


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


def _counts(shard: Csr) -> np.ndarray:
    return np.diff(shard.indptr)


def _pick(need, j):
    return need[0][j]


def _first(block):
    return block[0]


def _second(block):
    return block[1]


def _third(block):
    return block[2]


# -- the training data on the workers -------------------------------------------------------
class DistData:
    """Training interactions partitioned on the workers (what ``Recommender._fit`` sees).

    ``by_user[b]`` / ``by_item[b]``: futures of the CSR shards of the row ranges
    ``user_bounds[b]`` / ``item_bounds[b]`` (inner ids); ``local``: the in-memory
    ``Interactions`` they came from, when they came from one.
    """

    def __init__(self, client, user_map, item_map, rating_scale, user_bounds, item_bounds,
                 by_user, by_item, local: Interactions | None = None, workers=()) -> None:
        self.client = client
        self.workers = list(workers)  # block b was placed on workers[b % len(workers)]
        self.user_map, self.item_map = user_map, item_map
        self.rating_scale = rating_scale
        self.user_bounds, self.item_bounds = user_bounds, item_bounds
        self.by_user, self.by_item = by_user, by_item
        self.local = local
        self._user_counts = np.concatenate(client.gather(
            [client.submit(_counts, s, pure=False) for s in by_user]))
        self._item_counts = np.concatenate(client.gather(
            [client.submit(_counts, s, pure=False) for s in by_item]))
        self.nnz = int(self._user_counts.sum())

    n_users = property(lambda self: len(self.user_map))
    n_items = property(lambda self: len(self.item_map))

    def user_counts(self) -> np.ndarray:
        return self._user_counts

    def item_counts(self) -> np.ndarray:
        return self._item_counts

    def __repr__(self) -> str:
        return (f"DistData({self.n_users} users x {self.n_items} items, {self.nnz} "
                f"interactions in {len(self.by_user)} + {len(self.by_item)} blocks)")

    def gather(self) -> Interactions:
        """The whole matrix as an ``Interactions`` on the client."""
        if self.local is not None:
            return self.local
        shards = self.client.gather(self.by_user)
        indptr = np.zeros(self.n_users + 1, dtype=np.int64)
        np.cumsum(self._user_counts, out=indptr[1:])
        uidx = np.repeat(np.arange(self.n_users, dtype=np.int32), self._user_counts)
        iidx = np.concatenate([s.indices for s in shards])
        vals = np.concatenate([s.values for s in shards])
        return Interactions._from_inner(self.user_map, self.item_map, uidx, iidx, vals, None,
                                        self.rating_scale, canonical=True)


def _submit_blocks(client, fn, args_per_block, key, workers):
    """One task per block, block b preferring worker b mod n (it may run elsewhere)."""
    out = []
    with warnings.catch_warnings():
        # in-memory blocks travel inside their tasks on purpose: the scheduler can then
        # recompute a shard lost with its worker (a scattered one would be gone)
        warnings.filterwarnings("ignore", message=".*[Ll]arge (object|graph)")
        for b, args in enumerate(args_per_block):
            w = [workers[b % len(workers)]] if workers else None
            out.append(client.submit(fn, *args, key=f"{key}-{b}-{uuid.uuid4().hex[:8]}",
                                     workers=w, allow_other_workers=True, pure=False))
    return out


def _item_blocks(client, by_user, user_bounds, item_bounds, workers, tag):
    pieces = [client.submit(_split_by_columns, s, lo, item_bounds, pure=False)
              for s, (lo, _) in zip(by_user, user_bounds)]
    args = []
    for j, (lo, hi) in enumerate(item_bounds):
        parts = [client.submit(operator.getitem, p, j, pure=False) for p in pieces]
        args.append((lo, hi, *parts))
    return _submit_blocks(client, _transpose_block, args, f"mfrec-items-{tag}", workers)


def _from_interactions(client, data: Interactions, n_blocks: int) -> DistData:
    workers = sorted(client.nthreads())
    # blocks of equal work (interactions and rows), so no worker waits for another
    ub = block_bounds(data.n_users, n_blocks, _row_cost(data.user_counts()))
    ib = block_bounds(data.n_items, n_blocks, _row_cost(data.item_counts()))
    tag = uuid.uuid4().hex[:8]
    args = [tuple(_slice_csr(data.indptr, data.item_index, data.ratings, lo, hi))
            for lo, hi in ub]
    by_user = _submit_blocks(client, _shard, args, f"mfrec-users-{tag}", workers)
    by_item = _item_blocks(client, by_user, ub, ib, workers, tag)
    return DistData(client, data.user_map, data.item_map, data.rating_scale, ub, ib, by_user,
                    by_item, local=data, workers=workers)


def _map_partition(df, user_map, item_map, bounds):
    """A DataFrame partition as inner ids, cut by user block: per block (u, i, r)."""
    u = user_map.to_inner(canonical_ids(df["user"].to_numpy(), "user"), missing="ignore")
    i = item_map.to_inner(canonical_ids(df["item"].to_numpy(), "item"), missing="ignore")
    r = (df["rating"].to_numpy(dtype=np.float32) if "rating" in df.columns
         else np.ones(len(df), dtype=np.float32))
    if not np.all(np.isfinite(r)):
        raise ValueError("ratings must be finite")
    out = []
    for lo, hi in bounds:
        m = (u >= lo) & (u < hi)
        out.append((u[m], i[m], r[m]))
    return out


def _user_block(lo, hi, user_ids, item_map, rating_scale, duplicates, model, *pieces):
    """The CSR of users lo..hi from the partitions' pieces (in partition order): duplicates
    merged by the ``duplicates`` policy and the model's ``_prepare_data`` applied, as
    ``Interactions`` does for the whole matrix."""
    u = np.concatenate([p[0] for p in pieces]) - lo
    i = np.concatenate([p[1] for p in pieces])
    r = np.concatenate([p[2] for p in pieces])
    part = Interactions._from_inner(IdMap(user_ids, "user"), item_map, u, i, r, None,
                                    rating_scale, duplicates=duplicates)
    part = model._prepare_data(part)
    return Csr(part.indptr, part.item_index, part.ratings)


def _from_dataframe(client, ddf, model, n_blocks: int, duplicates: str) -> DistData:
    distributed = _dask()
    missing = [c for c in ("user", "item") if c not in ddf.columns]
    if missing:
        raise ValueError(f"the dask DataFrame needs columns user, item[, rating]; "
                         f"missing {missing}")
    workers = sorted(client.nthreads())
    ddf = client.persist(ddf)
    # the distinct ids (the id maps), computed on the workers; the columns stay there
    lazy = [ddf["user"].unique(), ddf["item"].unique()]
    if "rating" in ddf.columns:
        lazy += [ddf["rating"].min(), ddf["rating"].max()]
    got = client.compute(lazy, sync=True)
    user_map = _make_map(canonical_ids(np.asarray(got[0]), "users"), None, "user")
    item_map = _make_map(canonical_ids(np.asarray(got[1]), "items"), None, "item")
    scale = (float(got[2]), float(got[3])) if len(got) > 2 else (1.0, 1.0)
    if len(user_map) == 0:
        raise ValueError("no training data: the dask DataFrame has no rows")
    ub, ib = block_bounds(len(user_map), n_blocks), block_bounds(len(item_map), n_blocks)
    maps = client.scatter([user_map, item_map], broadcast=True, hash=False)
    parts = [client.submit(_map_partition, p, maps[0], maps[1], ub, pure=False)
             for p in distributed.futures_of(ddf)]
    tag = uuid.uuid4().hex[:8]
    args = []
    for b, (lo, hi) in enumerate(ub):
        pieces = [client.submit(operator.getitem, p, b, pure=False) for p in parts]
        args.append((lo, hi, user_map.ids[lo:hi], maps[1], scale, duplicates, model, *pieces))
    by_user = _submit_blocks(client, _user_block, args, f"mfrec-users-{tag}", workers)
    by_item = _item_blocks(client, by_user, ub, ib, workers, tag)
    return DistData(client, user_map, item_map, scale, ub, ib, by_user, by_item,
                    workers=workers)


# -- the engine ------------------------------------------------------------------------------
class DaskEngine(LocalEngine):
    """The ALS operations on a Dask cluster (see ``mfrec/_engine.py`` for the protocol).

    Parameters
    ----------
    client : distributed.Client
    n_blocks : int
        Row blocks per side (default: the number of workers).
    gather_user_factors : bool
        The fitted ``user_factors_`` (and biases) as numpy arrays on the client, or as dask
        arrays left on the workers (one chunk per user block).
    duplicates : str
        The repeated-pair policy for a dask DataFrame (as ``Interactions``).
    """

    name = "dask"

    def __init__(self, client, n_blocks: int | None = None, gather_user_factors: bool = True,
                 duplicates: str = "error") -> None:
        super().__init__(1)
        self.client = client
        n_workers = len(client.nthreads())
        self.n_blocks = check_int(n_blocks if n_blocks is not None else max(1, n_workers),
                                  "n_blocks", min_value=1)
        self.gather_user_factors = bool(gather_user_factors)
        check_choice(duplicates, "duplicates", _DUPLICATES)
        self.duplicates = duplicates

    def training_data(self, model: Any, X) -> DistData:
        if _is_dask_frame(X):
            return _from_dataframe(self.client, X, model, self.n_blocks, self.duplicates)
        data = model._prepare_data(as_interactions(X))
        if data.nnz == 0:
            raise ValueError(f"no training data: {data!r} has no interactions")
        return _from_interactions(self.client, data, self.n_blocks)

    def kept_data(self, data: DistData):
        return data.gather() if self.gather_user_factors else data

    def _stats(self, data: DistData):
        if not hasattr(data, "_stats"):
            parts = self.client.gather([self.client.submit(_stats, s, pure=False)
                                        for s in data.by_user])
            data._stats = parts
        return data._stats

    def mean_rating(self, data: DistData) -> float:
        if data.local is not None:
            return super().mean_rating(data.local)
        return sum(p[0] for p in self._stats(data)) / data.nnz

    def median_max(self, data: DistData) -> tuple[float, float]:
        if data.local is not None:
            return super().median_max(data.local)
        parts = self._stats(data)
        vals = np.concatenate([p[1] for p in parts])
        counts = np.concatenate([p[2] for p in parts])
        order = np.argsort(vals, kind="stable")
        vals, cum = vals[order], np.cumsum(counts[order])
        n = int(cum[-1])

        def nth(j):  # the j-th smallest value (0-based)
            return vals[np.searchsorted(cum, j + 1)]
        med = np.float32(nth(n // 2)) if n % 2 else np.mean([nth(n // 2 - 1), nth(n // 2)],
                                                             dtype=np.float32)
        return float(med), float(vals[-1])

    def validation(self, model: Any, eval_set) -> Callable[[], float]:
        if _is_dask_frame(eval_set):
            raise TypeError("eval_set must be in memory (Interactions, sparse matrix or "
                            "pandas DataFrame): it is scored on the client each epoch")
        return super().validation(model, eval_set)

    def als(self, data: DistData, values=None) -> DaskAls:
        return DaskAls(self, data, values)


class DaskAls:
    """An ALS workspace on a Dask cluster: each side's CSR shards and factor blocks
    (futures of ``(F, bias)``) stay on the workers."""

    def __init__(self, engine: DaskEngine, data: DistData, values) -> None:
        if values is not None and not callable(values):
            raise TypeError("the Dask engine takes values as a function of the ratings")
        self.engine, self.data, self.client = engine, data, engine.client
        c = self.client
        self.rows = {"users": [c.submit(_with_values, s, values, pure=False, **self._at(b))
                               for b, s in enumerate(data.by_user)],
                     "items": [c.submit(_with_values, s, values, pure=False, **self._at(b))
                               for b, s in enumerate(data.by_item)]}
        self.bounds = {"users": data.user_bounds, "items": data.item_bounds}
        # per block: which rows of each block of the other side it needs, and its indices
        # renumbered into those rows (Spark's blocked ALS sends only these)
        self.picks: dict[str, list] = {}
        self.remap: dict[str, list] = {}
        for side in ("users", "items"):
            other = self.bounds[self._other(side)]
            need = [c.submit(_needed, s, other, pure=False, **self._at(b))
                    for b, s in enumerate(self.rows[side])]
            self.picks[side] = [[c.submit(_pick, f, j, pure=False) for j in range(len(other))]
                                for f in need]
            self.remap[side] = [c.submit(_second, f, pure=False) for f in need]
        self.F: dict[str, list] = {}
        self.k = 0

    def _takes(self, side: str, b: int) -> list:
        """Futures of the other side's rows block ``b`` of ``side`` needs, one per block
        (each computed where that block lives)."""
        c = self.client
        return [c.submit(_take, f, rows, pure=False, **self._at(j))
                for j, (f, rows) in enumerate(zip(self.F[self._other(side)],
                                                  self.picks[side][b]))]

    def _at(self, b: int) -> dict:
        """Block b's tasks run where its shards are (elsewhere if that worker is gone): no
        work stealing moves a shard."""
        w = self.data.workers
        return {"workers": [w[b % len(w)]], "allow_other_workers": True} if w else {}

    @staticmethod
    def _other(side: str) -> str:
        return "items" if side == "users" else "users"

    def init_factors(self, k: int, init_std: float, seeds, nonneg: bool = False) -> None:
        self.k = k
        for side, seed in (("users", seeds[0]), ("items", seeds[1])):
            self.F[side] = [self.client.submit(_init_block, lo, hi, k, init_std, int(seed),
                                               nonneg, False, pure=False, **self._at(b))
                            for b, (lo, hi) in enumerate(self.bounds[side])]

    def gram(self, side: str):
        """A future of FᵀF: the blocks' chunk parts accumulated block after block."""
        acc = None
        blocks = self.F[side]
        for j, f in enumerate(blocks):
            acc = self.client.submit(_gram_step, acc, f, j == len(blocks) - 1, pure=False,
                                     **self._at(j))
        return acc

    def solve(self, side: str, params: _core.AlsParams, gram, loss: bool = False):
        if loss and (params.augment or params.reg_count):
            raise ValueError("the objective from the solves covers rows with a plain λ and "
                             "no bias (implicit ALS)")
        prm = {name: getattr(params, name) for name in
               ("reg", "reg_count", "implicit", "augment", "mu", "cg_steps", "reg_bias")}
        others = self.F[self._other(side)]
        c = self.client
        out = [c.submit(_solve_block, shard, remap, blk, prm, gram, loss,
                        *self._takes(side, b), pure=False, **self._at(b))
               for b, (shard, remap, blk) in enumerate(zip(self.rows[side], self.remap[side],
                                                           self.F[side]))]
        self.F[side] = out
        if not loss:
            return None
        parts = c.gather([c.submit(_third, f, pure=False) for f in out]
                         + [c.submit(_sqnorm, f, pure=False) for f in others])
        n = len(out)
        return float(sum(parts[:n])) + params.reg * float(sum(parts[n:]))

    def squared_error(self, mu: float, biased: bool) -> float:
        c = self.client
        # the ratings, not the solver's values, are what the error is measured on
        parts = c.gather([c.submit(_sq_error, s, remap, blk, mu, biased,
                                   *self._takes("users", b), pure=False, **self._at(b))
                          for b, (s, remap, blk) in enumerate(zip(
                              self.data.by_user, self.remap["users"], self.F["users"]))])
        return float(sum(parts)) / self.data.nnz

    def value_sum(self, shift: float = 0.0) -> float:
        c = self.client
        return float(sum(c.gather([c.submit(_value_sum, s, shift, pure=False)
                                   for s in self.rows["users"]])))

    def _gathered(self, side):
        blocks = self.client.gather(self.F[side])
        return (np.concatenate([b[0] for b in blocks]),
                np.concatenate([b[1] for b in blocks]))

    def _as_dask(self, side):
        import dask
        import dask.array as da
        xs, bs = [], []
        for (lo, hi), f in zip(self.bounds[side], self.F[side]):
            d = dask.delayed(f)
            xs.append(da.from_delayed(dask.delayed(_first)(d), (hi - lo, self.k), np.float32))
            bs.append(da.from_delayed(dask.delayed(_second)(d), (hi - lo,), np.float32))
        return da.concatenate(xs), da.concatenate(bs)

    def state(self, copy: bool):
        Y, bi = self._gathered("items")
        if copy or self.engine.gather_user_factors:
            X, bu = self._gathered("users")
        else:
            X, bu = self._as_dask("users")
        return X, Y, bu, bi


# -- public functions -----------------------------------------------------------------------
def _check_model(model):
    if type(model).__name__ not in _FAMILY or not hasattr(model, "_make_trainer"):
        raise TypeError(f"mfrec.distributed fits ALS and ImplicitALS, got "
                        f"{type(model).__name__}")


def fit(model, data, client=None, *, gather_user_factors: bool = True, eval_set=None,
        callback=None, n_blocks: int | None = None, duplicates: str = "error"):
    """Fit ``model`` (an ``ALS`` or ``ImplicitALS``) on a Dask cluster and return it.

    Parameters
    ----------
    model : ALS or ImplicitALS
        Its parameters are used as for ``model.fit``; with the same ``random_state`` the
        factors equal a local fit's bit for bit.
    data : Interactions, scipy sparse matrix, or dask DataFrame
        A dask DataFrame has columns ``user``, ``item``[, ``rating``] (raw ids, strings
        included); it is mapped to inner ids and cut into blocks on the workers, never
        collected on the client.
    client : distributed.Client, optional
        Default: Dask's current client.
    gather_user_factors : bool, default True
        True: the result is an ordinary fitted model (numpy factors and its training
        interactions on the client). False: ``user_factors_`` (and ``user_bias_``) stay on
        the workers as dask arrays chunked by user block, and so do the training
        interactions; use :func:`recommend` on such a model.
    eval_set, callback
        As for ``model.fit`` (``eval_set`` in memory; each epoch with either gathers the
        factors to the client).
    n_blocks : int, optional
        Row blocks per side (default: the number of workers).
    duplicates : {"error", "sum", "last", "mean"}, default "error"
        Repeated (user, item) pairs in a dask DataFrame, as for ``Interactions``.

    Returns
    -------
    model
        Fitted. A worker lost during the fit either costs a recomputation (Dask reruns the
        lost tasks from their inputs) or raises ``RuntimeError``; factors of a partial
        sweep are never returned.
    """
    _check_model(model)
    client = _get_client(client)
    engine = DaskEngine(client, n_blocks=n_blocks, gather_user_factors=gather_user_factors,
                        duplicates=duplicates)
    distributed = _dask()
    lost = (getattr(distributed.client, "FutureCancelledError", None),
            getattr(distributed.scheduler, "KilledWorker", None),
            getattr(distributed, "CancelledError", None), OSError)
    lost = tuple(e for e in lost if isinstance(e, type))
    try:
        model._fit(data, eval_set=eval_set, callback=callback, engine=engine)
    except lost as exc:
        raise RuntimeError(
            f"the Dask fit failed: a worker or its data was lost ({type(exc).__name__}: "
            f"{exc}); no factors were published from the interrupted sweep") from exc
    return model


@_kernel_task
def _topn_block(X, ub, Y, ib, seen, biased, mu, n, filter_seen, user_ids,
                item_map, lo):
    """Top-n of the users of one block, as a pandas DataFrame (user, rank, item, score)."""
    import pandas as pd

    from ._retrieval import recommend_inner
    from ._scoring import DotScorer, Snapshot

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


class _Seen:
    """The ``_train`` a block's snapshot reads for its seen filter."""

    def __init__(self, shard: Csr) -> None:
        self.indptr, self.item_index, self.nnz = shard.indptr, shard.indices, len(shard.indices)


def _seen(shard):
    return _Seen(shard)


def recommend(model, user_ids=None, n: int = 10, client=None, *, filter_seen: bool = True,
              n_blocks: int | None = None):
    """Top-``n`` items of every user (or of ``user_ids``), block by block on the workers.

    Returns a lazy dask DataFrame with columns ``user`` (raw id), ``rank`` (1-based),
    ``item`` (raw id), ``score``: the rows ``model.recommend`` gives, one per (user, rank)
    (fewer when a user has fewer candidates). Write it with ``.to_parquet(path)`` or
    ``.compute()`` it. Works on an ordinary fitted model and on one fitted by :func:`fit`
    with ``gather_user_factors=False`` (user factors on the workers).
    """
    import dask
    import dask.dataframe as dd
    import pandas as pd

    _dask()
    client = _get_client(client)
    model._check_fitted()
    n = min(check_int(n, "n", min_value=1), max(model.n_items, 1))
    st = vars(model)
    biased = bool(st["_biased"])
    mu = float(st["global_mean_"])
    X, ub = st["user_factors_"], st["user_bias_"]
    Y = client.scatter(np.asarray(st["item_factors_"]), broadcast=True, hash=False)
    ib = client.scatter(np.asarray(st["item_bias_"]), broadcast=True, hash=False)
    umap, imap = st["user_map_"], st["item_map_"]
    imap_f = None if imap.identity else client.scatter(imap, broadcast=True, hash=False)
    train = st["_train"]
    dist = isinstance(train, DistData)
    if user_ids is not None:
        from ._retrieval import _inner_ids
        sel = _inner_ids(umap, user_ids, "user_ids")
    n_workers = len(client.nthreads())
    bounds = (train.user_bounds if dist else
              block_bounds(model.n_users, n_blocks or max(1, n_workers)))
    parts = []
    for b, (lo, hi) in enumerate(bounds):
        if dist:
            seen = dask.delayed(_seen)(train.by_user[b])
            Xb, ubb = X[lo:hi], ub[lo:hi]
        else:
            seen = _Seen(_slice_csr(train.indptr, train.item_index, train.ratings, lo, hi))
            Xb, ubb = np.asarray(X[lo:hi]), np.asarray(ub[lo:hi])
        rows = None
        if user_ids is not None:
            rows = sel[(sel >= lo) & (sel < hi)] - lo
            if not len(rows):
                continue
            Xb, ubb = Xb[rows], ubb[rows]
            seen = dask.delayed(_seen_rows)(seen, rows)
        if rows is None:
            uids = None if umap.identity else umap.ids[lo:hi]
        else:
            uids = umap.ids[lo:hi][rows]
        parts.append(dask.delayed(_topn_block)(Xb, ubb, Y, ib, seen, biased, mu, n,
                                               filter_seen, uids, imap_f, lo))
    meta = pd.DataFrame({"user": pd.Series([], dtype=umap.ids.dtype),
                         "rank": pd.Series([], dtype=np.int32),
                         "item": pd.Series([], dtype=imap.ids.dtype if not imap.identity
                                           else np.int64),
                         "score": pd.Series([], dtype=np.float32)})
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _seen_rows(seen, rows):
    indptr = seen.indptr
    counts = indptr[rows + 1] - indptr[rows]
    new = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=new[1:])
    idx = (np.concatenate([seen.item_index[indptr[r]:indptr[r + 1]] for r in rows])
           if len(rows) else np.empty(0, np.int32))
    return _Seen(Csr(new, idx.astype(np.int32), np.empty(0, np.float32)))


def evaluate(model, test, client=None, *, k: int = 10, filter_seen: bool = True):
    """Ranking metrics of ``model`` on partitioned held-out interactions.

    ``test``: a dask DataFrame with columns ``user``, ``item`` (raw ids; users the model
    does not know are skipped). Each partition's users get their top-``k`` on the workers;
    the per-user hits are summed there. Returns ``{"precision@k", "recall@k", "ndcg@k",
    "n_users"}``: means over the users with held-out items (precision = hits / k; recall =
    hits / |test items|; NDCG with binary gains).
    """
    _get_client(client)
    top = recommend(model, n=k, client=client, filter_seen=filter_seen)
    merged = top.merge(test[["user", "item"]].assign(hit=1), on=["user", "item"], how="left")
    per = merged.assign(hit=merged["hit"].fillna(0),
                        dcg=merged["hit"].fillna(0) / np.log2(merged["rank"] + 1))
    per_user = per.groupby("user")[["hit", "dcg"]].sum()
    n_test = test.groupby("user")["item"].count().rename("n_test")
    joined = per_user.join(n_test, how="inner")
    res = joined.map_partitions(_metric_parts, k, meta={"p": "f8", "r": "f8", "ndcg": "f8",
                                                        "n": "i8"}).sum().compute()
    n_users = int(res["n"])
    return {f"precision@{k}": float(res["p"]) / max(n_users, 1),
            f"recall@{k}": float(res["r"]) / max(n_users, 1),
            f"ndcg@{k}": float(res["ndcg"]) / max(n_users, 1), "n_users": n_users}


def _metric_parts(df, k):
    import pandas as pd
    ideal = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))
    nt = df["n_test"].to_numpy()
    idcg = ideal[np.minimum(nt, k) - 1] if len(nt) else np.empty(0)
    return pd.DataFrame({"p": [float((df["hit"] / k).sum())],
                         "r": [float((df["hit"] / nt).sum())],
                         "ndcg": [float((df["dcg"] / idcg).sum()) if len(nt) else 0.0],
                         "n": [len(df)]})


def _fold_in_part(df, model, k):
    import pandas as pd

    cols = [f"f{j}" for j in range(k)]
    if not len(df):
        return pd.DataFrame({"user": df["user"].to_numpy()[:0], "bias": np.float32(0),
                             **{c: np.float32(0) for c in cols}}).iloc[:0]
    inter = as_interactions(df.reset_index(drop=True), what="user_items")
    X, b = model.fold_in(inter)
    out = pd.DataFrame(X, columns=cols)
    out.insert(0, "bias", b)
    out.insert(0, "user", inter.user_ids)
    return out


def fold_in(model, user_items, client=None):
    """Factors of new users from a partitioned set of their interactions, on the workers.

    ``user_items``: a dask DataFrame with columns ``user``, ``item``[, ``rating``] (raw ids;
    items must be known to the model). Rows are shuffled so that each user's rows meet in
    one partition, then each partition is folded in with the model's own ``fold_in`` (the
    same solve: rows equal ``model.fold_in`` of the whole set). Returns a lazy dask
    DataFrame ``user, bias, f0 .. f{k-1}``, one row per new user.
    """
    import pandas as pd

    _get_client(client)
    model._check_fitted()
    if not _is_dask_frame(user_items):
        raise TypeError("user_items must be a dask DataFrame (user, item[, rating]); use "
                        "model.fold_in for data in memory")
    k = int(np.asarray(model.item_factors_).shape[1])
    meta = pd.DataFrame({"user": pd.Series([], dtype=user_items["user"].dtype),
                         "bias": pd.Series([], dtype=np.float32),
                         **{f"f{j}": pd.Series([], dtype=np.float32) for j in range(k)}})
    shuffled = user_items.shuffle("user")
    return shuffled.map_partitions(_fold_in_part, model, k, meta=meta)
