"""mfrec.compat.surprise: the algorithms, similarities, cross_validate and the searches."""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest

import mfrec
from mfrec.compat import surprise
from mfrec.compat.surprise import (
    NMF,
    SVD,
    AlgoBase,
    BaselineOnly,
    NormalPredictor,
    PredictionImpossible,
    Reader,
    SVDpp,
    accuracy,
    similarities,
)
from mfrec.compat.surprise.dataset import DatasetAutoFolds
from mfrec.compat.surprise.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_validate,
    train_test_split,
)


def _raw(n_users, n_items, nnz):
    """Synthetic ratings with structure (a low-rank model plus noise), raw ids as str."""
    d = mfrec.datasets.synthetic(n_users, n_items, nnz, random_state=0)
    return DatasetAutoFolds(reader=Reader(), raw_ratings=[
        (f"u{u}", f"i{i}", float(r), None)
        for u, i, r in zip(d.users.tolist(), d.items.tolist(), d.ratings.tolist())])


@pytest.fixture(scope="module")
def ratings():
    return _raw(300, 200, 20000)


@pytest.fixture(scope="module")
def split(ratings):
    return train_test_split(ratings, test_size=0.2, random_state=0)


def test_svd_test_equals_predict_and_follows_surprises_unknown_rules(split):
    trainset, testset = split
    algo = SVD(n_factors=10, n_epochs=10, random_state=0).fit(trainset)
    assert algo.pu.shape == (trainset.n_users, 10) and algo.pu.dtype == np.float64
    assert algo.bi.shape == (trainset.n_items,)
    preds = algo.test(testset[:300])
    for p in preds[:50]:
        assert p == algo.predict(p.uid, p.iid, p.r_ui)
    u, i = trainset.to_inner_uid("u0"), trainset.to_inner_iid("i0")
    mu = trainset.global_mean
    expected = mu + algo.bu[u] + algo.bi[i] + algo.pu[u] @ algo.qi[i]
    assert algo.predict("u0", "i0", clip=False).est == pytest.approx(expected)
    # unknown user: μ + b_i; unknown item: μ + b_u; both: μ (never "impossible" when biased)
    p = algo.predict("new user", "i0")
    assert p.est == pytest.approx(mu + algo.bi[i]) and not p.details["was_impossible"]
    assert algo.predict("u0", "new item").est == pytest.approx(
        np.clip(mu + algo.bu[u], 1, 5))
    assert algo.predict("x", "y").est == pytest.approx(mu)
    unbiased = SVD(n_factors=4, n_epochs=3, biased=False, random_state=0).fit(trainset)
    p = unbiased.predict("new user", "i0")
    assert p.details == {"was_impossible": True, "reason": "User and item are unknown."}
    assert p.est == mu
    with pytest.raises(PredictionImpossible):
        unbiased.estimate("UKN__x", i)


def test_svd_clips_to_the_rating_scale(split):
    trainset, testset = split
    algo = SVD(n_factors=4, n_epochs=3, random_state=0).fit(trainset)
    algo.bu[:] = 10.0
    assert algo.predict("u0", "i0").est == 5
    assert algo.predict("u0", "i0", clip=False).est > 10
    assert all(p.est == 5 for p in algo.test(testset[:20]))


def test_svd_test_is_one_batched_call(split, monkeypatch):
    trainset, testset = split
    algo = SVD(n_factors=4, n_epochs=2, random_state=0).fit(trainset)
    calls = []
    orig = SVD._estimate_batch
    monkeypatch.setattr(SVD, "_estimate_batch",
                        lambda self, u, i: calls.append(len(u)) or orig(self, u, i))
    algo.test(testset)
    assert calls == [len(testset)]


def test_every_svd_step_and_weight_is_used(split):
    trainset, testset = split

    def rmse(**kw):
        algo = SVD(n_factors=2, n_epochs=2, random_state=1, **kw).fit(trainset)
        return accuracy.rmse(algo.test(testset), verbose=False)

    base = rmse()
    assert rmse() == base  # a seed fixes the fit
    for name in ("lr_bu", "lr_bi", "lr_pu", "lr_qi", "reg_bu", "reg_bi", "reg_pu", "reg_qi",
                 "lr_all", "reg_all"):
        assert rmse(**{name: 0.05}) != base, name
    with pytest.warns(RuntimeWarning, match="diverged"):
        assert math.isnan(rmse(lr_all=5))  # Surprise's fit does not stop either


def test_svd_learns_more_than_the_baselines(split):
    trainset, testset = split
    ours = accuracy.rmse(SVD(random_state=0).fit(trainset).test(testset), verbose=False)
    baseline = accuracy.rmse(BaselineOnly(verbose=False).fit(trainset).test(testset),
                             verbose=False)
    assert ours < baseline - 0.01


def test_baseline_only_als_is_mfrec_baseline_and_sgd_is_surprises_rule(split):
    trainset, testset = split
    als = BaselineOnly(bsl_options={"method": "als", "n_epochs": 5, "reg_u": 12, "reg_i": 7},
                       verbose=False).fit(trainset)
    ref = mfrec.Baseline(n_epochs=5, reg_user=12, reg_item=7).fit(trainset._to_interactions())
    np.testing.assert_allclose(als.bu, ref.user_bias_, rtol=1e-6)
    np.testing.assert_allclose(als.bi, ref.item_bias_, rtol=1e-6)
    # SGD biases: Surprise's rule in Surprise's order (numpy), compared by accuracy
    sgd = BaselineOnly(bsl_options={"method": "sgd"}, verbose=False).fit(trainset)
    bu, bi = np.zeros(trainset.n_users), np.zeros(trainset.n_items)
    mu = trainset.global_mean
    for _ in range(20):
        for u, i, r in trainset.all_ratings():
            err = r - (mu + bu[u] + bi[i])
            bu[u] += 0.005 * (err - 0.02 * bu[u])
            bi[i] += 0.005 * (err - 0.02 * bi[i])
    ref_algo = BaselineOnly(bsl_options={"method": "sgd"}, verbose=False).fit(trainset)
    ref_algo.bu, ref_algo.bi = bu, bi
    a = accuracy.rmse(sgd.test(testset), verbose=False)
    b = accuracy.rmse(ref_algo.test(testset), verbose=False)
    assert abs(a - b) < 0.005
    assert np.corrcoef(sgd.bi, bi)[0, 1] > 0.99
    with pytest.raises(ValueError, match="Invalid method"):
        BaselineOnly(bsl_options={"method": "newton"}).fit(trainset)


def test_normal_predictor_draws_from_the_training_distribution(split):
    trainset, testset = split
    np.random.seed(0)  # noqa: NPY002 (the global state NormalPredictor draws from)
    algo = NormalPredictor().fit(trainset)
    r = trainset._ratings
    assert algo.sigma == pytest.approx(np.std(r))
    est = np.array([p.est for p in algo.test(testset * 5)])
    clipped = np.clip(np.random.default_rng(0).normal(r.mean(), r.std(), 200_000), 1, 5)
    assert abs(est.mean() - clipped.mean()) < 0.05


def test_a_users_own_algorithm_runs_pair_by_pair(split):
    trainset, testset = split

    class Mean(AlgoBase):
        def fit(self, trainset):
            AlgoBase.fit(self, trainset)
            return self

        def estimate(self, u, i):
            if not self.trainset.knows_user(u):
                raise PredictionImpossible("who?")
            return 3.0, {"mine": True}

    preds = Mean().fit(trainset).test(testset[:10] + [("stranger", "i0", 4.0)])
    assert preds[0].est == 3.0 and preds[0].details == {"mine": True, "was_impossible": False}
    assert preds[-1].details == {"was_impossible": True, "reason": "who?"}
    assert preds[-1].est == trainset.global_mean


def _pairs_reference(n_x, yr, f):
    """Surprise's definitions, pair by pair: f(list of (ri, rj)) per co-rated pair."""
    common = {}
    for y, pairs in yr.items():
        for (xi, ri), (xj, rj) in itertools.product(pairs, pairs):
            common.setdefault((xi, xj), []).append((ri, rj, y))
    sim = np.zeros((n_x, n_x))
    for (xi, xj), rr in common.items():
        sim[xi, xj] = f(rr, xi, xj)
    np.fill_diagonal(sim, 1.0)
    return sim


def test_similarities_match_their_definitions():
    trainset = _raw(60, 40, 1200).build_full_trainset()
    yr, n = trainset.ur, trainset.n_items  # item-item
    mu = trainset.global_mean
    bu, bi = BaselineOnly(verbose=False).fit(trainset).compute_baselines()

    def cos(rr, *_):
        a, b = np.array([r[0] for r in rr]), np.array([r[1] for r in rr])
        return a @ b / math.sqrt((a @ a) * (b @ b))

    def msd(rr, *_):
        return 1 / (np.mean([(a - b) ** 2 for a, b, _ in rr]) + 1)

    def pearson(rr, *_):
        a, b = np.array([r[0] for r in rr]), np.array([r[1] for r in rr])
        k = len(a)
        den = math.sqrt((k * (a @ a) - a.sum() ** 2) * (k * (b @ b) - b.sum() ** 2))
        return 0.0 if den == 0 else (k * (a @ b) - a.sum() * b.sum()) / den

    def pb(rr, xi, xj):
        if len(rr) < 2:
            return 0.0
        a = np.array([r - (mu + bu[y] + bi[xi]) for r, _, y in rr])
        b = np.array([r - (mu + bu[y] + bi[xj]) for _, r, y in rr])
        return a @ b / math.sqrt((a @ a) * (b @ b)) * (len(rr) - 1) / (len(rr) - 1 + 100)

    for name, f in (("cosine", cos), ("msd", msd), ("pearson", pearson)):
        got = getattr(similarities, name)(n, yr, 1)
        np.testing.assert_allclose(got, _pairs_reference(n, yr, f), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    got = similarities.pearson_baseline(n, yr, 1, mu, bi, bu, 100)
    np.testing.assert_allclose(got, _pairs_reference(n, yr, pb), rtol=1e-7, atol=1e-10)
    strict = similarities.msd(n, yr, 3)
    counts = _pairs_reference(n, yr, lambda rr, *_: len(rr))
    off = ~np.eye(n, dtype=bool)
    assert np.all(strict[off & (counts < 3)] == 0)


def test_compute_similarities_and_neighbours(split):
    trainset, _ = split
    algo = AlgoBase(sim_options={"name": "cosine", "user_based": False})
    algo.fit(trainset)
    algo.sim = algo.compute_similarities()
    assert algo.sim.shape == (trainset.n_items, trainset.n_items)
    nb = algo.get_neighbors(0, k=5)
    assert 0 not in nb and len(nb) == 5
    row = algo.sim[0].copy()
    row[0] = -np.inf
    assert algo.sim[0, nb[0]] == row.max()
    with pytest.raises(NameError, match="Wrong sim name"):
        AlgoBase(sim_options={"name": "jaccard"}).fit(trainset).compute_similarities()
    assert AlgoBase().sim_options == {"user_based": True}


def test_cross_validate_returns_surprises_keys(ratings, capsys):
    out = cross_validate(SVD(n_factors=4, n_epochs=3, random_state=0), ratings,
                         measures=["RMSE", "mae"], cv=3, return_train_measures=True,
                         verbose=True)
    assert set(out) == {"test_rmse", "test_mae", "train_rmse", "train_mae", "fit_time",
                        "test_time"}
    assert out["test_rmse"].shape == (3,) and len(out["fit_time"]) == 3
    assert np.all(out["train_rmse"] < out["test_rmse"])
    assert "Evaluating RMSE, MAE of algorithm SVD on 3 split(s)." in capsys.readouterr().out


def test_grid_search_scores_every_combination_on_the_same_folds(ratings):
    grid = {"n_epochs": [3], "lr_all": [0.005, 0.01], "reg_all": [0.02, 0.4],
            "n_factors": [4], "random_state": [0]}
    gs = GridSearchCV(SVD, grid, measures=["rmse", "mae"], cv=KFold(3, random_state=0),
                      refit=True)
    gs.fit(ratings)
    res = gs.cv_results
    assert len(res["params"]) == 4 and res["param_lr_all"] == [0.005, 0.005, 0.01, 0.01]
    best = int(np.argmin(res["mean_test_rmse"]))
    assert gs.best_params["rmse"] == res["params"][best]
    assert gs.best_score["rmse"] == res["mean_test_rmse"][best]
    assert res["rank_test_rmse"][best] == 1
    again = cross_validate(SVD(**gs.best_params["rmse"]), ratings, ["rmse"],
                           KFold(3, random_state=0))["test_rmse"].mean()
    assert again == pytest.approx(gs.best_score["rmse"])
    assert gs.predict("u0", "i0").est == gs.best_estimator["rmse"].predict("u0", "i0").est
    with pytest.raises(TypeError, match="class"):
        GridSearchCV(SVD(), grid)
    with pytest.raises(ValueError, match="refit"):
        GridSearchCV(SVD, grid, measures=["rmse"], refit="mae")


def test_nested_option_grids_and_randomized_search():
    grid = GridSearchCV(BaselineOnly, {"bsl_options": {"method": ["als", "sgd"],
                                                       "reg": [1, 2]}})
    assert grid.param_combinations == [
        {"bsl_options": {"method": m, "reg": r}} for m in ("als", "sgd") for r in (1, 2)]
    dist = {"n_epochs": [1, 2, 3], "lr_all": [0.1, 0.2]}
    a = RandomizedSearchCV(SVD, dist, n_iter=4, random_state=7).param_combinations
    b = RandomizedSearchCV(SVD, dist, n_iter=4, random_state=7).param_combinations
    assert a == b and len({str(c) for c in a}) == 4
    stats = pytest.importorskip("scipy.stats")
    c = RandomizedSearchCV(SVD, {"lr_all": stats.uniform(0.001, 0.01), "n_epochs": [1, 2]},
                           n_iter=5, random_state=0).param_combinations
    assert len(c) == 5 and all(0.001 <= x["lr_all"] <= 0.011 for x in c)


def test_module_names_mirror_surprise():
    import importlib

    for name in ("surprise.dataset", "surprise.reader", "surprise.trainset",
                 "surprise.accuracy", "surprise.dump", "surprise.similarities",
                 "surprise.builtin_datasets", "surprise.utils", "surprise.model_selection.split",
                 "surprise.model_selection.validation", "surprise.model_selection.search",
                 "surprise.prediction_algorithms.algo_base",
                 "surprise.prediction_algorithms.predictions",
                 "surprise.prediction_algorithms.matrix_factorization",
                 "surprise.prediction_algorithms.baseline_only",
                 "surprise.prediction_algorithms.random_pred"):
        importlib.import_module("mfrec.compat." + name)
    assert surprise.get_dataset_dir()


def test_svdpp_estimates_follow_surprises_formula(split):
    trainset, testset = split
    algo = SVDpp(n_factors=6, n_epochs=5, random_state=0).fit(trainset)
    assert algo.yj.shape == (trainset.n_items, 6) and algo.yj.dtype == np.float64
    mu = trainset.global_mean
    for raw_u, raw_i in (("u0", "i0"), ("u3", "i7"), ("u10", "i2")):
        u, i = trainset.to_inner_uid(raw_u), trainset.to_inner_iid(raw_i)
        rated = [j for j, _ in trainset.ur[u]]
        implicit = algo.yj[rated].sum(axis=0) / np.sqrt(len(rated))
        want = mu + algo.bu[u] + algo.bi[i] + algo.qi[i] @ (algo.pu[u] + implicit)
        assert algo.predict(raw_u, raw_i, clip=False).est == pytest.approx(want, rel=1e-5)
    i = trainset.to_inner_iid("i0")
    assert algo.predict("new user", "i0").est == pytest.approx(mu + algo.bi[i])
    assert algo.predict("x", "y").est == pytest.approx(mu)
    preds = algo.test(testset[:100])
    assert [p.est for p in preds] == [algo.predict(p.uid, p.iid).est for p in preds]


def test_every_svdpp_step_and_weight_is_used(split):
    trainset, _ = split

    def learned(**kw):
        algo = SVDpp(n_factors=4, n_epochs=3, random_state=1, **kw).fit(trainset)
        return np.concatenate([a.ravel() for a in (algo.bu, algo.bi, algo.pu, algo.qi, algo.yj)])

    # Surprise's SVDpp has no n_threads: the process is pinned to one core instead, where a
    # seed fixes a fit bit for bit, so a step or weight that the kernel ignored would leave
    # every learned value unchanged. (Comparing test RMSEs at the default thread count was
    # fragile: two threads' Hogwild interleaving moves the RMSE by as much as reg_yj does.)
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("needs os.sched_setaffinity to run on one core")
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        base = learned()
        np.testing.assert_array_equal(learned(), base)
        for name, value in (("lr_bu", 0.05), ("lr_bi", 0.05), ("lr_pu", 0.5), ("lr_qi", 0.05),
                            ("lr_yj", 0.5), ("reg_bu", 1.0), ("reg_bi", 1.0), ("reg_pu", 1.0),
                            ("reg_qi", 1.0), ("reg_yj", 5.0), ("lr_all", 0.05),
                            ("reg_all", 1.0)):
            assert np.abs(learned(**{name: value}) - base).max() > 1e-4, name
    finally:
        os.sched_setaffinity(0, cpus)


def test_nmf_is_non_negative_and_follows_surprises_rules(split):
    trainset, testset = split
    algo = NMF(n_factors=5, n_epochs=10, random_state=0).fit(trainset)
    assert algo.pu.min() >= 0 and algo.qi.min() >= 0 and algo.pu.shape == (trainset.n_users, 5)
    u, i = trainset.to_inner_uid("u1"), trainset.to_inner_iid("i4")
    assert algo.predict("u1", "i4", clip=False).est == pytest.approx(algo.pu[u] @ algo.qi[i])
    p = algo.predict("new user", "i4")
    assert p.details["was_impossible"] and p.est == pytest.approx(trainset.global_mean)
    biased = NMF(n_factors=5, n_epochs=5, biased=True, random_state=0).fit(trainset)
    mu = trainset.global_mean
    assert biased.predict("new user", "i4").est == pytest.approx(mu + biased.bi[i])
    with pytest.raises(ValueError, match="init_low"):
        NMF(init_low=-1)
    # each bias step and weight reaches the kernel
    fits = {kw: accuracy.rmse(NMF(n_factors=3, n_epochs=5, biased=True, random_state=0,
                                  **dict([kw])).fit(trainset).test(testset), verbose=False)
            for kw in (("reg_bu", 0.02), ("reg_bu", 2.0), ("reg_bi", 2.0), ("lr_bu", 0.05),
                       ("lr_bi", 0.05), ("reg_pu", 1.0), ("reg_qi", 1.0))}
    base = fits.pop(("reg_bu", 0.02))
    for kw, value in fits.items():
        assert value != base, kw


@pytest.mark.parametrize("cls_name", ["KNNBasic", "KNNWithMeans", "KNNBaseline"])
def test_knn_estimates_follow_surprises_formulas(split, cls_name):
    """Surprise's aggregation over the k most similar neighbours who rated the item (user-
    based by default), from the dense similarity matrix ``sim`` the layer exposes."""
    trainset, testset = split
    cls = getattr(surprise, cls_name)
    algo = cls(k=5, min_k=2, sim_options={"name": "pearson", "min_support": 3},
               verbose=False).fit(trainset)
    sim = algo.sim
    assert sim.shape == (trainset.n_users, trainset.n_users)
    np.testing.assert_allclose(sim, similarities.pearson(
        trainset.n_users, trainset.ir, 3), atol=1e-6)
    mu = trainset.global_mean
    if cls_name == "KNNWithMeans":
        means = np.array([np.mean([r for _, r in trainset.ur[u]])
                          for u in range(trainset.n_users)])
        np.testing.assert_allclose(algo.means, means, rtol=1e-6)
    checked = 0
    for uid, iid, _ in testset[:200]:
        if not (trainset.knows_user(trainset.to_inner_uid(uid)) if uid in
                trainset._raw2inner_id_users else False):
            continue
        if iid not in trainset._raw2inner_id_items:
            continue
        u, i = trainset.to_inner_uid(uid), trainset.to_inner_iid(iid)
        neigh = sorted(((sim[u, v], v, r) for v, r in trainset.ir[i] if sim[u, v] > 0),
                       reverse=True)[:5]
        if cls_name == "KNNBasic":
            base = {v: 0.0 for _, v, _ in neigh}
            own = 0.0
        elif cls_name == "KNNWithMeans":
            base, own = {v: means[v] for _, v, _ in neigh}, means[u]
        else:
            base = {v: mu + algo.bu[v] + algo.bi[i] for _, v, _ in neigh}
            own = mu + algo.bu[u] + algo.bi[i]
        pred = algo.predict(uid, iid, clip=False)
        if len(neigh) < 2:
            if cls_name == "KNNBasic":
                assert pred.details["was_impossible"]
                assert pred.details["reason"] == "Not enough neighbors."
            continue
        want = own + sum(s * (r - base[v]) for s, v, r in neigh) / sum(s for s, _, _ in neigh)
        assert pred.est == pytest.approx(want, rel=1e-4, abs=1e-4)
        assert pred.details["actual_k"] == len(neigh)
        checked += 1
    assert checked > 50
    p = algo.predict("new user", "i0")
    assert p.details["was_impossible"] and p.est == pytest.approx(mu)
    assert p.details["reason"] == "User and/or item is unknown."


@pytest.mark.parametrize("how", ["kfold", "train_test_split"])
def test_splitters_fast_path_equals_the_plain_one(ratings, how, monkeypatch):
    """Folds cut from arrays (and test() by array lookups) give exactly what the tuple lists
    give: the same inner ids, ratings, test tuples and predictions."""
    from mfrec.compat.surprise.model_selection import split as split_module

    def pairs():
        if how == "kfold":
            return list(KFold(3, random_state=0).split(ratings))
        return [train_test_split(ratings, test_size=0.25, random_state=3)]

    fast = pairs()
    with monkeypatch.context() as m:
        m.setattr(split_module, "_encoder", lambda data: None)
        plain = pairs()
    for (trainset, testset), (ptrain, ptest) in zip(fast, plain):
        assert ptrain._raw2inner_id_users == trainset._raw2inner_id_users
        assert ptrain._raw2inner_id_items == trainset._raw2inner_id_items
        np.testing.assert_array_equal(ptrain._users, trainset._users)
        np.testing.assert_array_equal(ptrain._items, trainset._items)
        np.testing.assert_array_equal(ptrain._ratings, trainset._ratings)
        assert list(testset) == list(ptest) and type(ptest) is list
        algo = SVD(n_factors=3, n_epochs=2, random_state=0).fit(trainset)
        assert algo.test(testset) == algo.test(ptest)
        edited = type(testset)(testset)
        edited._codes = testset._codes
        middle = len(edited) // 2
        edited[middle] = ("u0", "i0", 3.0)  # an edited list no longer uses its codes
        assert algo.test(edited)[middle] == algo.predict("u0", "i0", 3.0)
