"""The Dask engine: ``DaskEngine`` (the engine protocol of ``mfrec/_engine.py`` on a Dask
cluster: the training data as ``DistData``, its mean and median) and ``DaskAls`` (the ALS
workspace: factor blocks as futures, each block's tasks placed where its shards are)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _core
from .._engine import LocalEngine
from .._input import as_interactions
from .._validation import check_choice, check_int
from ..interactions import _DUPLICATES
from ._client import _is_dask_frame
from ._layout import BLOCK_ALIGN, DistData, _from_dataframe, _from_interactions
from ._tasks import (
    _first,
    _gram_add,
    _init_block,
    _kinds,
    _needed,
    _parts,
    _pick,
    _scalars,
    _second,
    _solve_block,
    _sq_error,
    _stats,
    _take,
    _value_sum,
    _with_gram,
    _with_values,
)

if TYPE_CHECKING:
    from collections.abc import Callable


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


#: A block that needs at least this fraction of a remote block's rows receives the whole
#: block (no copy of the rows on the sender, no task in between; at most 1/0.8 the bytes).
WHOLE_BLOCK_FRACTION = 0.8
#: The Gramian parts of a side (k² float32 per 2048 rows, k/2048 of its factors' bytes) go to
#: every block's solve up to this many bytes; past it, a chain of tasks adds them up block
#: after block (one k × k float64 per hop, but one hop per block).
GRAM_PARTS_BYTES = 32 << 20


class DaskAls:
    """An ALS workspace on a Dask cluster: each side's CSR shards and factor blocks stay on
    the workers.

    A factor block is a future of ``_tasks._block``'s tuple: rows, biases, and what the next
    half-sweep needs of it besides its rows (its Gramian parts, its loss part and squared
    norm), computed by the task that solved it, in parallel on the blocks' workers. A
    half-sweep is then one task per block: it sums the other side's Gramian parts in block
    order (the local Gramian's bits) and solves its rows against the other side's rows it
    needs — whole blocks (its own worker's, and any it needs most rows of) and, of the
    others, only the rows it touches (a ``_take`` on their worker; Spark's blocked ALS sends
    only these) and their Gramian parts (a ``_parts`` task there), nothing of a block it
    does not touch.
    """

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
        # per block: what it needs of each block of the other side (kinds: 1 the whole
        # block, 0 the rows it touches — picks holds a future of them —, -1 nothing), and
        # its indices renumbered into those rows
        self.kinds: dict[str, list] = {}
        self.picks: dict[str, list] = {}
        self.remap: dict[str, list] = {}
        n_workers = max(1, len(data.workers))
        for side in ("users", "items"):
            other = self.bounds[self._other(side)]
            need = [c.submit(_needed, s, other,
                             {j for j in range(len(other)) if j % n_workers == b % n_workers},
                             WHOLE_BLOCK_FRACTION, pure=False, **self._at(b))
                    for b, s in enumerate(self.rows[side])]
            self.kinds[side] = c.gather([c.submit(_kinds, f, pure=False) for f in need])
            self.picks[side] = [[c.submit(_pick, f, j, pure=False) if kind == 0 else None
                                 for j, kind in enumerate(ks)]
                                for f, ks in zip(need, self.kinds[side])]
            self.remap[side] = [c.submit(_second, f, pure=False) for f in need]
        self.F: dict[str, list] = {}
        self.has_gram = {"users": False, "items": False}
        self.k = 0

    def _needs(self, side: str, b: int) -> list:
        """Futures of what block ``b`` of ``side`` needs of the blocks of the other side, in
        order: a block itself, or its rows taken where it lives (none of a block it does
        not touch)."""
        c = self.client
        return [f if kind == 1 else c.submit(_take, f, rows, pure=False, **self._at(j))
                for j, (f, rows, kind) in enumerate(zip(self.F[self._other(side)],
                                                        self.picks[side][b],
                                                        self.kinds[side][b]))
                if kind >= 0]

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
            self.has_gram[side] = False

    def gram(self, side: str) -> tuple:
        """FᵀF of the ``side`` factors for the solves of the other side: ``("parts",)`` —
        each solve adds up the blocks' Gramian parts, taken from the blocks it receives whole
        and from a ``_parts`` task on the others' workers —, or for large sides
        ``("chain", future of FᵀF)``, the parts added by a chain of tasks, block after block
        where each block lives. Either way the sum runs in the local kernel's order (the
        local bits)."""
        c = self.client
        if not self.has_gram[side]:  # blocks made without their parts: add them, in parallel
            self.F[side] = [c.submit(_with_gram, f, pure=False, **self._at(b))
                            for b, f in enumerate(self.F[side])]
            self.has_gram[side] = True
        chunks = sum(-(-(hi - lo) // BLOCK_ALIGN) or 1 for lo, hi in self.bounds[side])
        if chunks * self.k * self.k * 4 <= GRAM_PARTS_BYTES:
            return ("parts",)
        acc = None
        for j, f in enumerate(self.F[side]):
            acc = c.submit(_gram_add, acc, f, j == len(self.F[side]) - 1, pure=False,
                           **self._at(j))
        return ("chain", acc)

    def _gram_sources(self, side: str, gram) -> Callable[[int], list]:
        """Per block of ``side``: the futures its solve makes FᵀF of the other side from."""
        if gram is None:
            return lambda b: []
        if gram[0] == "chain":
            return lambda b: [gram[1]]
        others, c, parts = self.F[self._other(side)], self.client, {}

        def sources(b: int) -> list:
            out = []
            for j, (f, kind) in enumerate(zip(others, self.kinds[side][b])):
                if kind != 1 and j not in parts:
                    parts[j] = c.submit(_parts, f, pure=False, **self._at(j))
                out.append(f if kind == 1 else parts[j])
            return out
        return sources

    def solve(self, side: str, params: _core.AlsParams, gram, loss: bool = False):
        if loss and (params.augment or params.reg_count):
            raise ValueError("the objective from the solves covers rows with a plain λ and "
                             "no bias (implicit ALS)")
        prm = {name: getattr(params, name) for name in
               ("reg", "reg_count", "implicit", "augment", "mu", "cg_steps", "reg_bias")}
        others = self.F[self._other(side)]
        sources = self._gram_sources(side, gram)
        # implicit half-sweeps alternate: the next one needs this side's Gramian
        parts = bool(params.implicit)
        c = self.client
        out = []
        for b, (shard, remap, blk) in enumerate(zip(self.rows[side], self.remap[side],
                                                    self.F[side])):
            grams = sources(b)
            out.append(c.submit(_solve_block, shard, remap, blk, prm, parts, loss, len(grams),
                                *grams, *self._needs(side, b), pure=False, **self._at(b)))
        self.F[side] = out
        self.has_gram[side] = parts
        if not loss:
            return None
        n = len(out)
        got = c.gather([c.submit(_scalars, f, pure=False, **self._at(b))
                        for blocks in (out, others) for b, f in enumerate(blocks)])
        new, old = got[:n], got[n:]
        return float(sum(v[0] for v in new)) + params.reg * float(sum(v[1] for v in old))

    def squared_error(self, mu: float, biased: bool) -> float:
        c = self.client
        # the ratings, not the solver's values, are what the error is measured on
        parts = c.gather([c.submit(_sq_error, s, remap, blk, mu, biased,
                                   *self._needs("users", b), pure=False, **self._at(b))
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
