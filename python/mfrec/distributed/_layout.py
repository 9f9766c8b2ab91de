"""The training ratings on the workers, in Spark's blocked layout: a CSR shard per user block
and, transposed on the workers, per item block.

``block_bounds`` cuts rows into blocks that start at multiples of 2048 (the chunk of the
Gramian kernel); the tasks below build the shards on the workers, from an in-memory
``Interactions`` (``_from_interactions``) or from a dask DataFrame that never reaches the
client (``_from_dataframe``); ``DistData`` holds the futures of the shards.
"""

from __future__ import annotations

import operator
import uuid
import warnings

import numpy as np

from .._engine import Csr
from .._idmap import IdMap, canonical_ids
from ..interactions import Interactions, _make_map
from ._client import _dask

BLOCK_ALIGN = 2048  # rows per chunk of _core.gram: blocks start at multiples of it


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


# -- tasks that build the shards (run on the workers; plain functions of numpy arrays) ---
def _slice_csr(indptr, indices, values, lo, hi) -> Csr:
    a, b = indptr[lo], indptr[hi]
    return Csr(np.ascontiguousarray(indptr[lo:hi + 1] - a), np.ascontiguousarray(indices[a:b]),
               np.ascontiguousarray(values[a:b]))


def _shard(indptr, indices, values) -> Csr:
    return Csr(indptr, indices, values)


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


def _counts(shard: Csr) -> np.ndarray:
    return np.diff(shard.indptr)


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
