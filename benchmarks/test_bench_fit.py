"""Fit and predict timings (pytest-benchmark). Correctness is asserted after timing.

    pytest benchmarks --benchmark-group-by=group
"""

import numpy as np
import pytest

import mfrec


@pytest.mark.benchmark(group="fit-ml100k")
def test_funksvd_fit_ml100k(benchmark, ml100k_split):
    train, test = ml100k_split
    model = benchmark(lambda: mfrec.FunkSVD(n_threads=2, random_state=0).fit(train))
    assert mfrec.evaluate(model, test)["rmse"] < 0.96


@pytest.mark.benchmark(group="fit-ml100k")
def test_baseline_fit_ml100k(benchmark, ml100k_split):
    train, test = ml100k_split
    model = benchmark(lambda: mfrec.Baseline(n_threads=2).fit(train))
    assert mfrec.evaluate(model, test)["rmse"] < 0.97


@pytest.mark.benchmark(group="fit-ml100k")
def test_surprise_svd_fit_ml100k(benchmark, ml100k_split):
    sp = pytest.importorskip("surprise")
    pd = pytest.importorskip("pandas")
    train, test = ml100k_split
    df = pd.DataFrame({"u": train.user_index, "i": train.item_index, "r": train.ratings})
    trainset = sp.Dataset.load_from_df(df, sp.Reader(rating_scale=(1, 5))).build_full_trainset()
    algo = benchmark.pedantic(lambda: sp.SVD(random_state=0).fit(trainset), rounds=3)
    pred = [algo.predict(u, i).est for u, i in zip(test.user_index[:2000], test.item_index[:2000])]
    assert np.sqrt(np.mean((np.array(pred) - test.ratings[:2000]) ** 2)) < 1.0


@pytest.mark.benchmark(group="fit-1m")
@pytest.mark.parametrize("threads", [1, 2])
def test_funksvd_fit_1m(benchmark, synthetic_1m, threads):
    train, test = synthetic_1m
    model = benchmark.pedantic(
        lambda: mfrec.FunkSVD(n_threads=threads, random_state=0).fit(train), rounds=3)
    assert mfrec.evaluate(model, test)["rmse"] < 0.9


@pytest.mark.benchmark(group="predict-1m")
def test_predict_200k(benchmark, synthetic_1m):
    train, test = synthetic_1m
    model = mfrec.FunkSVD(n_factors=100, n_epochs=1, n_threads=2, random_state=0).fit(train)
    pred = benchmark(lambda: model.predict(test.users, test.items))
    assert pred.shape == (test.nnz,)


@pytest.mark.benchmark(group="blocks-1m")
@pytest.mark.parametrize("n_blocks", [2, 4, 8, 16, 32, 64])
def test_funksvd_fit_blocks(benchmark, synthetic_1m, n_blocks):
    """Fit time against the block grid size (the default, funk_svd.auto_blocks, picks 8 here)."""
    train, test = synthetic_1m
    model = benchmark.pedantic(
        lambda: mfrec.FunkSVD(n_threads=2, n_blocks=n_blocks, random_state=0).fit(train),
        rounds=3)
    assert mfrec.evaluate(model, test)["rmse"] < 0.9
