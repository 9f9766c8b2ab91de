"""Top-N, evaluation and ALS timings (pytest-benchmark), each checked after timing.

    pytest benchmarks/test_bench_retrieval_als.py --benchmark-group-by=group

The side-by-side runs against implicit at scale are benchmarks/topn.py (top-N for every
user) and benchmarks/implicit_als.py (seconds per ALS iteration); these suites keep the
smaller measurements that guard regressions, including evaluate() vs the bare recommend call.
"""

import numpy as np
import pytest

import mfrec
from mfrec.model_selection import per_user_split


@pytest.fixture(scope="module")
def implicit_1m(synthetic_1m):
    train, _ = synthetic_1m
    pos = train.binarize(4)
    return per_user_split(pos, test_size=0.2, random_state=0)


@pytest.fixture(scope="module")
def fitted_implicit(implicit_1m):
    train, _ = implicit_1m
    return mfrec.ImplicitALS(n_factors=64, n_epochs=5, random_state=0, n_threads=2).fit(train)


@pytest.mark.benchmark(group="recommend-1m")
def test_recommend_all_users(benchmark, fitted_implicit):
    ids, _ = benchmark(lambda: fitted_implicit.recommend(n=10))
    assert ids.shape == (fitted_implicit.n_users, 10)


@pytest.mark.benchmark(group="recommend-1m")
def test_evaluate_ranking(benchmark, fitted_implicit, implicit_1m):
    _, test = implicit_1m
    out = benchmark(lambda: mfrec.evaluate(fitted_implicit, test,
                                           ["ndcg@10", "recall@10", "precision@10", "map@10"]))
    assert 0 < out["ndcg@10"] < 1


@pytest.mark.benchmark(group="implicit-als-1m")
@pytest.mark.parametrize("solver", ["cg", "cholesky"])
def test_implicit_als_fit(benchmark, implicit_1m, solver):
    train, _ = implicit_1m
    model = benchmark.pedantic(
        lambda: mfrec.ImplicitALS(n_factors=64, n_epochs=3, solver=solver, random_state=0,
                                  n_threads=2, compute_loss=False).fit(train), rounds=3)
    assert np.isfinite(model.user_factors_).all()


@pytest.mark.benchmark(group="als-ml100k")
@pytest.mark.parametrize("solver", ["cg", "cholesky"])
def test_als_fit_ml100k(benchmark, ml100k_split, solver):
    train, test = ml100k_split
    model = benchmark(lambda: mfrec.ALS(solver=solver, random_state=0, n_threads=2).fit(train))
    assert mfrec.evaluate(model, test)["rmse"] < 0.95
