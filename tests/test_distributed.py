"""mfrec.distributed: ALS and ImplicitALS fitted on a Dask LocalCluster equal the local fits
bit for bit (blocks start at multiples of the Gramian's 2048-row chunk and the blocks' parts
are accumulated in order); batch top-N equals ``recommend``; a worker killed mid-fit never
yields factors of a partial sweep."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import mfrec

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")
import mfrec.distributed as md  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def blocks_data():
    """Enough users and items (> 2 × 2048) that each side has three blocks."""
    rng = np.random.default_rng(0)
    nu, ni, nnz = 5000, 4500, 40000
    u, i = rng.integers(0, nu, nnz), rng.integers(0, ni, nnz)
    X = sp.csr_matrix((np.ceil(rng.random(nnz) * 5).astype(np.float32), (u, i)), shape=(nu, ni))
    X.sum_duplicates()
    return X


def _same(a, b):
    for attr in ("user_factors_", "item_factors_", "user_bias_", "item_bias_"):
        np.testing.assert_array_equal(np.asarray(getattr(a, attr)), getattr(b, attr), attr)


@pytest.mark.parametrize("cls,kw", [(mfrec.ImplicitALS, {}),
                                    (mfrec.ImplicitALS, {"confidence": "linear", "alpha": 2.0}),
                                    (mfrec.ALS, {}), (mfrec.ALS, {"solver": "cholesky"}),
                                    (mfrec.ALS, {"biased": False, "reg_scaling": "count"})])
def test_fit_equals_local_bit_for_bit(client, blocks_data, cls, kw):
    local = cls(n_factors=6, n_epochs=3, random_state=0, n_threads=2, **kw).fit(blocks_data)
    model = md.fit(cls(n_factors=6, n_epochs=3, random_state=0, **kw), blocks_data, client,
                   n_blocks=3)
    _same(model, local)
    np.testing.assert_allclose([h["loss"] for h in model.history_],
                               [h["loss"] for h in local.history_], rtol=1e-9)
    assert model.global_mean_ == local.global_mean_
    assert model.n_users == local.n_users
    # an ordinary model: it recommends and predicts locally as the local fit does
    np.testing.assert_array_equal(model.recommend([0, 7], n=5)[0], local.recommend([0, 7], n=5)[0])


@pytest.mark.parametrize("fraction,parts_bytes", [(0.0, 0), (0.8, 32 << 20), (2.0, 0),
                                                  (2.0, 32 << 20)])
def test_whole_blocks_or_taken_rows_give_the_local_bits(client, monkeypatch, fraction,
                                                        parts_bytes):
    """Whatever a block receives of the other side (whole blocks, or only the rows it
    touches: ``WHOLE_BLOCK_FRACTION`` 0 sends every block whole, 2 takes rows from every
    remote block) and however the Gramian's parts are added (by each solve, or by a chain of
    tasks when ``GRAM_PARTS_BYTES`` is 0), the fit is the local one. Sparse data (~2 ratings
    per user) so that blocks touch only some of a remote block's rows."""
    from mfrec.distributed import _engine
    monkeypatch.setattr(_engine, "WHOLE_BLOCK_FRACTION", fraction)
    monkeypatch.setattr(_engine, "GRAM_PARTS_BYTES", parts_bytes)
    rng = np.random.default_rng(3)
    nu, ni, nnz = 6500, 5000, 13000
    X = sp.csr_matrix((np.ones(nnz, np.float32), (rng.integers(0, nu, nnz),
                                                  rng.integers(0, ni, nnz))), shape=(nu, ni))
    X.data[:] = 1.0
    local = mfrec.ImplicitALS(n_factors=5, n_epochs=2, random_state=0, n_threads=2).fit(X)
    model = md.fit(mfrec.ImplicitALS(n_factors=5, n_epochs=2, random_state=0), X, client,
                   n_blocks=4)
    _same(model, local)
    np.testing.assert_allclose([h["loss"] for h in model.history_],
                               [h["loss"] for h in local.history_], rtol=1e-9)


def test_taken_rows_leave_the_remote_blocks_behind(client, monkeypatch):
    """A block that needs only some rows of a remote block depends on those rows (and that
    block's Gramian parts), never on the block itself: the block does not travel."""
    from mfrec.distributed import _engine
    monkeypatch.setattr(_engine, "WHOLE_BLOCK_FRACTION", 2.0)
    seen = []
    solve = _engine.DaskAls.solve

    def recording(self, side, params, gram, loss=False):
        others = list(self.F[self._other(side)])
        out = solve(self, side, params, gram, loss)
        distributed.wait(self.F[side])  # on the scheduler, with their dependencies
        deps = client.run_on_scheduler(
            lambda dask_scheduler, keys: {
                k: [d.key for d in dask_scheduler.tasks[k].dependencies] for k in keys},
            keys=[f.key for f in self.F[side]])
        for b, f in enumerate(self.F[side]):
            for j, g in enumerate(others):
                seen.append((self.kinds[side][b][j], g.key in deps[f.key]))
        return out

    monkeypatch.setattr(_engine.DaskAls, "solve", recording)
    rng = np.random.default_rng(4)
    nu, ni, nnz = 6500, 5000, 13000
    X = sp.csr_matrix((np.ones(nnz, np.float32), (rng.integers(0, nu, nnz),
                                                  rng.integers(0, ni, nnz))), shape=(nu, ni))
    X.data[:] = 1.0
    model = md.fit(mfrec.ImplicitALS(n_factors=4, n_epochs=1, random_state=0), X, client,
                   n_blocks=4)
    local = mfrec.ImplicitALS(n_factors=4, n_epochs=1, random_state=0, n_threads=2).fit(X)
    _same(model, local)
    kinds = {k for k, _ in seen}
    assert kinds >= {0, 1}  # both whole blocks and taken rows occurred
    assert all(dep == (kind == 1) for kind, dep in seen)


def test_blocks_start_at_gram_chunks():
    assert md.block_bounds(5000, 3) == [(0, 2048), (2048, 4096), (4096, 5000)]
    assert md.block_bounds(5000, 2) == [(0, 4096), (4096, 5000)]
    assert md.block_bounds(100, 4) == [(0, 100)]
    # by cost: the heavy first rows get a block of their own
    w = np.r_[np.full(2048, 10.0), np.ones(6000)]
    assert md.block_bounds(8048, 2, w) == [(0, 2048), (2048, 8048)]
    assert md.block_bounds(8048, 2, np.ones(8048)) == [(0, 4096), (4096, 8048)]


def _frame(X, rng, dup_rows=0):
    coo = X.tocoo()
    df = pd.DataFrame({"user": np.char.add("u", coo.row.astype(str)).astype(object),
                       "item": np.char.add("i", coo.col.astype(str)).astype(object),
                       "rating": coo.data.astype(np.float32)})
    df = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    if dup_rows:
        extra = df.iloc[:dup_rows].assign(rating=lambda d: d["rating"] + 1)
        df = pd.concat([df, extra], ignore_index=True)
    return df


@pytest.mark.parametrize("dup", ["sum", "last"])
def test_dask_dataframe_with_string_ids_and_duplicates(client, blocks_data, dup):
    df = _frame(blocks_data, np.random.default_rng(1), dup_rows=50)
    ddf = dd.from_pandas(df, npartitions=4)
    local = mfrec.ImplicitALS(n_factors=5, n_epochs=2, random_state=3, n_threads=2).fit(
        mfrec.Interactions(df["user"], df["item"], df["rating"], duplicates=dup))
    model = md.fit(mfrec.ImplicitALS(n_factors=5, n_epochs=2, random_state=3), ddf, client,
                   duplicates=dup)
    assert list(model.user_map_.ids) == list(local.user_map_.ids)
    assert model.epsilon_ == local.epsilon_
    _same(model, local)
    assert model._train.nnz == local._train.nnz


def test_dask_dataframe_duplicates_error_and_bad_columns(client, blocks_data):
    df = _frame(blocks_data, np.random.default_rng(1), dup_rows=3)
    with pytest.raises(ValueError, match="duplicate"):
        md.fit(mfrec.ALS(n_epochs=1), dd.from_pandas(df, npartitions=2), client)
    with pytest.raises(ValueError, match="columns user, item"):
        md.fit(mfrec.ALS(n_epochs=1), dd.from_pandas(df.rename(columns={"user": "u"}),
                                                     npartitions=2), client)


def test_explicit_dask_dataframe_equals_local(client, blocks_data):
    df = _frame(blocks_data, np.random.default_rng(2))
    local = mfrec.ALS(n_factors=4, n_epochs=2, random_state=5, n_threads=2).fit(
        mfrec.Interactions(df["user"], df["item"], df["rating"]))
    model = md.fit(mfrec.ALS(n_factors=4, n_epochs=2, random_state=5),
                   dd.from_pandas(df, npartitions=3), client)
    # the mean rating is summed per block here (float64), so μ may differ in its last bits
    assert model.global_mean_ == pytest.approx(local.global_mean_, rel=1e-12)
    np.testing.assert_allclose(model.user_factors_, local.user_factors_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.item_factors_, local.item_factors_, rtol=1e-4, atol=1e-5)


def test_recommend_equals_local_recommend(client, blocks_data):
    local = mfrec.ImplicitALS(n_factors=6, n_epochs=2, random_state=0).fit(blocks_data)
    top = md.recommend(local, n=7, client=client).compute()
    ids, scores = local.recommend(n=7)
    assert len(top) == ids.size
    top = top.sort_values(["user", "rank"])
    np.testing.assert_array_equal(top["item"].to_numpy().reshape(ids.shape), ids)
    np.testing.assert_array_equal(top["score"].to_numpy().reshape(ids.shape), scores)
    some = [4999, 3, 2100]
    part = md.recommend(local, user_ids=some, n=3, client=client).compute()
    ids, _ = local.recommend(some, n=3)
    for u, row in zip(some, ids):
        np.testing.assert_array_equal(part[part.user == u].sort_values("rank")["item"], row)


def test_partitioned_user_factors_and_recommend(client, blocks_data, tmp_path):
    local = mfrec.ALS(n_factors=5, n_epochs=2, random_state=1).fit(blocks_data)
    model = md.fit(mfrec.ALS(n_factors=5, n_epochs=2, random_state=1), blocks_data, client,
                   gather_user_factors=False)
    assert not isinstance(model.user_factors_, np.ndarray)
    assert len(model.user_factors_.chunks[0]) == 2  # two workers: two blocks
    np.testing.assert_array_equal(model.user_factors_.compute(), local.user_factors_)
    np.testing.assert_array_equal(model.item_factors_, local.item_factors_)
    top = md.recommend(model, n=4, client=client)
    top.to_parquet(tmp_path / "top")
    got = pd.read_parquet(tmp_path / "top").sort_values(["user", "rank"])
    ids, scores = local.recommend(n=4)
    np.testing.assert_array_equal(got["item"].to_numpy().reshape(ids.shape), ids)
    np.testing.assert_array_equal(got["score"].to_numpy().reshape(ids.shape), scores)


def test_string_ids_recommend(client, toy):
    local = mfrec.ALS(n_factors=2, n_epochs=3, random_state=0).fit(toy)
    top = md.recommend(local, n=2, client=client).compute()
    ids, _ = local.recommend(n=2)
    for u, row in zip(local.user_map_.ids, ids):
        got = top[top.user == u].sort_values("rank")["item"].tolist()
        assert got == [x for x in row if x is not None]


def test_eval_set_callback_and_early_stopping_as_local(client, small):
    train, test = mfrec.model_selection.train_test_split(small, test_size=0.2, random_state=0)
    kw = dict(n_factors=4, n_epochs=8, random_state=0, n_iter_no_change=1)
    local = mfrec.ALS(**kw).fit(train, eval_set=test)
    seen = []
    model = md.fit(mfrec.ALS(**kw), train, client, eval_set=test,
                   callback=lambda info: seen.append(info["epoch"]))
    assert [h["val_rmse"] for h in model.history_] == [h["val_rmse"] for h in local.history_]
    assert seen == [h["epoch"] for h in local.history_]
    _same(model, local)


def test_evaluate_matches_local_evaluate(client, small):
    train, test = mfrec.model_selection.train_test_split(small, test_size=0.2, random_state=0)
    model = mfrec.ImplicitALS(n_factors=4, n_epochs=3, random_state=0).fit(train)
    ref = mfrec.evaluate(model, test, ["precision", "recall", "ndcg"], k=5)
    tdf = dd.from_pandas(pd.DataFrame({"user": test.users, "item": test.items}), npartitions=3)
    got = md.evaluate(model, tdf, client, k=5)
    assert got["precision@5"] == pytest.approx(ref["precision"], rel=1e-9)
    assert got["recall@5"] == pytest.approx(ref["recall"], rel=1e-9)
    assert got["ndcg@5"] == pytest.approx(ref["ndcg"], rel=1e-6)


def test_errors(client, small):
    with pytest.raises(TypeError, match="ALS and ImplicitALS"):
        md.fit(mfrec.FunkSVD(), small, client)
    with pytest.raises(ValueError, match="duplicates"):
        md.fit(mfrec.ALS(), small, client, duplicates="first")


def test_importing_mfrec_does_not_import_dask():
    code = ("import sys, mfrec; assert 'dask' not in sys.modules and "
            "'distributed' not in sys.modules, sorted(m for m in sys.modules if 'dask' in m)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"mfrec\[dask\]"):
        md.fit(mfrec.ALS(), sp.eye(3, format="csr"))


def _kill_one_worker(client):
    """Kill the first worker's process without waiting: it dies while the next half-sweep
    runs (its nanny starts a new one)."""
    def exit_soon():  # nested: cloudpickle sends it by value
        import os
        import threading
        threading.Timer(0.05, os._exit, (1,)).start()

    client.run(exit_soon, workers=[sorted(client.nthreads())[0]])


def test_worker_killed_mid_fit_completes_or_fails_clearly(blocks_data):
    """A worker process dies after the first epoch: Dask reruns the lost tasks from their
    inputs and the fit equals the local one, or it raises RuntimeError; never partial
    factors."""
    local = mfrec.ImplicitALS(n_factors=6, n_epochs=4, random_state=0).fit(blocks_data)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        killed = []
        before = set(c.nthreads())

        def callback(info):
            if info["epoch"] == 1:
                killed.append(True)
                _kill_one_worker(c)

        try:
            model = md.fit(mfrec.ImplicitALS(n_factors=6, n_epochs=4, random_state=0),
                           blocks_data, c, callback=callback)
        except RuntimeError as exc:
            assert "worker" in str(exc)
        else:
            _same(model, local)
        assert killed
        c.wait_for_workers(2, timeout=30)
        assert set(c.nthreads()) != before  # the killed worker was replaced by a new one


def test_fold_in_of_partitioned_new_users(client, small):
    model = mfrec.ALS(n_factors=4, n_epochs=3, random_state=0).fit(small)
    rng = np.random.default_rng(4)
    n = 200
    df = pd.DataFrame({"user": np.char.add("new", rng.integers(0, 30, n).astype(str)),
                       "item": rng.choice(small.item_ids, n),
                       "rating": rng.integers(1, 6, n).astype(np.float32)})
    df = df.drop_duplicates(["user", "item"]).reset_index(drop=True)
    got = md.fold_in(model, dd.from_pandas(df, npartitions=3), client).compute()
    inter = mfrec.Interactions(df["user"], df["item"], df["rating"])
    X, b = model.fold_in(inter)
    got = got.set_index("user").loc[list(inter.user_ids)]
    np.testing.assert_array_equal(got[[f"f{j}" for j in range(4)]].to_numpy(), X)
    np.testing.assert_array_equal(got["bias"].to_numpy(), b)
