"""Training separated from the estimator: the ALS trainer runs unchanged on another engine.

``ShardedEngine`` below is a stand-in for a distributed engine: it keeps each side's ratings
in row shards (as workers would), solves every shard with the same row solver, with the
fixed side's FᵀF computed once per half-sweep and handed to every shard, and sums the loss
over shards. ALS and ImplicitALS fitted through it equal the local fits bit for bit: the
models' code is not copied, only the engine differs.
"""

import numpy as np
import pytest

import mfrec
from mfrec._engine import Csr, LocalAls, LocalEngine


def _shards(R: Csr, n_shards: int):
    """Row ranges of R and each range as its own CSR (indptr rebased)."""
    bounds = np.linspace(0, R.n_rows, n_shards + 1).astype(int)
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        lo, hi = R.indptr[a], R.indptr[b]
        out.append((a, b, Csr(R.indptr[a:b + 1] - lo, R.indices[lo:hi], R.values[lo:hi])))
    return out


class ShardedAls(LocalAls):
    """LocalAls with every row operation done shard by shard."""

    n_shards = 3
    calls = None

    def solve(self, side, params, gram, loss=False):
        X, Y, xb, yb = self._sides(side)
        row_loss = np.empty(X.shape[0]) if loss else None
        for a, b, shard in _shards(self.rows[side], self.n_shards):
            self.calls.append((side, a, b, gram is not None))
            self.engine.solve_rows(shard, X[a:b], Y, params, gram=gram,
                                   x_bias=xb[a:b] if params.augment else None,
                                   other_bias=yb if params.augment else None,
                                   row_loss=None if row_loss is None else row_loss[a:b])
        if not loss:
            return None
        # the shards' row losses, summed in row order, and the fixed side's penalty
        return float(np.sum(row_loss)) + params.reg * float(np.einsum("ij,ij->", Y, Y,
                                                                      dtype=np.float64))


class ShardedEngine(LocalEngine):
    def __init__(self, n_threads):
        super().__init__(n_threads)
        self.calls = []

    def als(self, data, values=None):
        work = super().als(data, values)
        sharded = ShardedAls(self, work.rows["users"], work.rows["items"], data)
        sharded.calls = self.calls
        return sharded


@pytest.mark.parametrize("cls,kw", [(mfrec.ALS, {}), (mfrec.ALS, {"solver": "cholesky"}),
                                    (mfrec.ImplicitALS, {}),
                                    (mfrec.ImplicitALS, {"confidence": "log"})])
def test_als_trainer_on_a_sharded_engine_equals_local(small, cls, kw):
    local = cls(n_factors=6, n_epochs=3, random_state=0, n_threads=2, **kw).fit(small)
    engine = ShardedEngine(n_threads=1)
    sharded = cls(n_factors=6, n_epochs=3, random_state=0, n_threads=1, **kw)
    sharded._fit(small, eval_set=None, callback=None, engine=engine)
    for attr in ("user_factors_", "item_factors_", "user_bias_", "item_bias_"):
        np.testing.assert_array_equal(getattr(sharded, attr), getattr(local, attr))
    np.testing.assert_allclose([h["loss"] for h in sharded.history_],
                               [h["loss"] for h in local.history_], rtol=1e-6)
    # every half-sweep went through the shards, implicit ones with the one YᵀY
    assert len(engine.calls) == 3 * 2 * ShardedAls.n_shards
    assert all(g == (cls is mfrec.ImplicitALS) for *_, g in engine.calls)


def test_gram_is_computed_once_per_half_sweep(small, monkeypatch):
    """ImplicitALS computes each side's FᵀF once per half-sweep, and nothing more: the
    training loss comes from the item solves."""
    grams = []
    real = LocalEngine.gram
    monkeypatch.setattr(LocalEngine, "gram", lambda self, F: grams.append(F.shape) or real(self, F))
    mfrec.ImplicitALS(n_factors=4, n_epochs=3, random_state=0).fit(small)
    n_items = small.n_items
    assert [s[0] for s in grams] == [n_items, small.n_users] * 3
