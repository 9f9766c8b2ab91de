"""Splits, cross-validation and hyper-parameter search (mfrec.model_selection)."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec.metrics import mae, rmse
from mfrec.model_selection import (
    GridSearchCV,
    KFold,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
    ShuffleSplit,
    cross_validate,
    leave_k_out,
    per_user_split,
    temporal_split,
    train_test_split,
)


def funk(**kw):
    params = dict(n_factors=8, n_epochs=5, random_state=0, n_threads=1)
    params.update(kw)
    return mfrec.FunkSVD(**params)


def keys(data):
    """Unique (user, item) key of each interaction, in canonical order."""
    return data.user_index.astype(np.int64) * data.n_items + data.item_index


def assert_partition(data, train, test):
    assert train.user_map is data.user_map and train.item_map is data.item_map
    assert test.user_map is data.user_map and test.item_map is data.item_map
    assert train.nnz + test.nnz == data.nnz
    assert np.intersect1d(keys(train), keys(test)).size == 0
    assert np.array_equal(np.sort(np.r_[keys(train), keys(test)]), keys(data))
    # ratings and timestamps travel with their rows
    both = np.r_[keys(train), keys(test)]
    order = np.argsort(both)
    assert np.array_equal(np.r_[train.ratings, test.ratings][order], data.ratings)
    if data.timestamps is not None:
        assert np.array_equal(np.r_[train.timestamps, test.timestamps][order], data.timestamps)


def per_user(data, n_users):
    return np.bincount(data.user_index, minlength=n_users)


def same(a, b):
    return np.array_equal(keys(a), keys(b))


@pytest.fixture()
def ragged():
    """Users with 1, 2, 3, 4, 5, 10 interactions; every (user, item) at a distinct time."""
    counts = [1, 2, 3, 4, 5, 10]
    users = np.repeat(np.arange(len(counts)), counts)
    items = np.concatenate([np.arange(c) for c in counts])
    ratings = np.arange(len(users)) % 5 + 1
    timestamps = (np.arange(len(users)) * 7919) % 1000
    return mfrec.Interactions(users, items, ratings, timestamps)


# -- random splits --------------------------------------------------------------------------
def test_train_test_split_unchanged(small):
    tr, te = train_test_split(small, 0.2, random_state=3)
    assert_partition(small, tr, te)
    assert te.nnz == round(0.2 * small.nnz)
    perm = np.random.default_rng(3).permutation(small.nnz)  # the documented construction
    assert np.array_equal(keys(te), np.sort(keys(small)[perm[: te.nnz]]))


def test_per_user_split(small):
    tr, te = per_user_split(small, test_size=0.25, random_state=0)
    assert_partition(small, tr, te)
    n = small.user_counts()
    want = np.minimum(np.round(0.25 * n), n - 1)
    want[n < 3] = 0
    assert np.array_equal(per_user(te, small.n_users), want)
    assert (per_user(tr, small.n_users) >= 1)[n >= 1].all()
    tr2, te2 = per_user_split(small, test_size=0.25, random_state=0)
    assert same(te, te2) and same(tr, tr2)
    _, te3 = per_user_split(small, test_size=0.25, random_state=1)
    assert not same(te, te3)


def test_per_user_split_min_and_cap(ragged):
    n = ragged.user_counts()
    tr, te = per_user_split(ragged, test_size=0.9, random_state=0, min_interactions=3)
    assert_partition(ragged, tr, te)
    # round(0.9 n) capped at n - 1; users below 3 keep everything
    assert per_user(te, 6).tolist() == [0, 0, 2, 3, 4, 9]
    _, te = per_user_split(ragged, test_size=0.5, random_state=0, min_interactions=1)
    assert per_user(te, 6).tolist() == [0, 1, 2, 2, 2, 5]  # halves to even: 1.5 -> 2, 2.5 -> 2
    assert np.array_equal(per_user(te, 6), np.minimum(np.round(0.5 * n), n - 1))


def test_random_ranks_are_uniform():
    # each of a user's 4 interactions lands in the single test slot about equally often
    data = mfrec.Interactions(np.zeros(4, int), np.arange(4), np.ones(4))
    hits = np.zeros(4)
    for seed in range(400):
        _, te = leave_k_out(data, k=1, random_state=seed)
        hits[te.item_index] += 1
    assert hits.sum() == 400 and hits.min() > 60


def test_leave_k_out(small, ragged):
    tr, te = leave_k_out(small, k=2, random_state=0)
    assert_partition(small, tr, te)
    n = small.user_counts()
    assert np.array_equal(per_user(te, small.n_users), np.where(n >= 3, 2, 0))
    assert same(te, leave_k_out(small, k=2, random_state=0)[1])
    # users with fewer than k + min_train interactions keep all in train
    _, te = leave_k_out(ragged, k=2, min_train=2, random_state=0)
    assert per_user(te, 6).tolist() == [0, 0, 0, 2, 2, 2]
    tr, te = leave_k_out(ragged, k=2, min_train=0, random_state=0)
    assert per_user(te, 6).tolist() == [0, 2, 2, 2, 2, 2] and per_user(tr, 6)[1] == 0


@pytest.mark.parametrize("bad", [0, -1, 1.0, 1.5, "0.2", True])
def test_per_user_split_bad_test_size(small, bad):
    with pytest.raises((ValueError, TypeError), match="test_size"):
        per_user_split(small, test_size=bad)


def test_split_errors(small, ragged):
    for k in (0, -2):
        with pytest.raises(ValueError, match="k must be >= 1"):
            leave_k_out(small, k=k)
    with pytest.raises(TypeError, match="k must be an integer"):
        leave_k_out(small, k=1.0)
    with pytest.raises(ValueError, match="min_train"):
        leave_k_out(small, k=1, min_train=-1)
    with pytest.raises(ValueError, match="no interaction in the test set"):
        leave_k_out(ragged, k=20)
    with pytest.raises(ValueError, match="min_interactions"):
        per_user_split(small, min_interactions=0)
    with pytest.raises(ValueError, match="no interaction in the test set"):
        per_user_split(ragged, test_size=0.01)


# -- temporal splits ------------------------------------------------------------------------
def test_temporal_global_fraction(small):
    tr, te = temporal_split(small, test_size=0.2)
    assert_partition(small, tr, te)
    assert te.nnz == round(0.2 * small.nnz)
    assert tr.timestamps.max() <= te.timestamps.min()
    _, te = temporal_split(small, test_size=100)
    assert te.nnz == 100


def test_temporal_at(small):
    cut = int(np.median(small.timestamps))
    tr, te = temporal_split(small, at=cut)
    assert_partition(small, tr, te)
    assert (te.timestamps >= cut).all() and (tr.timestamps < cut).all()
    _, te2 = temporal_split(small, at=np.datetime64(cut, "s"))
    assert same(te, te2)
    _, te3 = temporal_split(small, at="2010-01-01")
    assert (te3.timestamps >= 1262304000).all()
    with pytest.raises(ValueError, match="no interaction in the test set"):
        temporal_split(small, at=small.timestamps.max() + 1)
    with pytest.raises(ValueError, match="every interaction"):
        temporal_split(small, at=0)


def test_temporal_last_n(small, ragged):
    tr, te = temporal_split(small, last_n=2)
    assert_partition(small, tr, te)
    n = small.user_counts()
    assert np.array_equal(per_user(te, small.n_users), np.where(n > 2, 2, 0))
    for u in np.unique(te.user_index):
        assert tr.timestamps[tr.user_index == u].max() <= te.timestamps[te.user_index == u].min()
    _, te = temporal_split(ragged, last_n=4)
    assert per_user(te, 6).tolist() == [0, 0, 0, 0, 4, 4]


def test_temporal_ties_follow_canonical_order():
    # all at the same time: the later rows in canonical (user, item) order are the latest
    data = mfrec.Interactions([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], np.ones(6),
                              timestamps=[5, 5, 5, 5, 5, 5])
    _, te = temporal_split(data, test_size=2)
    assert keys(te).tolist() == [4, 5]
    _, te = temporal_split(data, last_n=1)
    assert keys(te).tolist() == [2, 5]
    data = mfrec.Interactions([0, 0, 0, 1], [0, 1, 2, 0], np.ones(4), timestamps=[9, 1, 9, 3])
    _, te = temporal_split(data, test_size=1)
    assert keys(te).tolist() == [2]  # (0, 2) is after (0, 0) among the t = 9 ties
    _, te = temporal_split(data, last_n=2)
    assert keys(te).tolist() == [0, 2]


def test_temporal_errors(small):
    no_time = mfrec.Interactions.from_sparse(small.to_csr())
    with pytest.raises(ValueError, match="timestamps"):
        temporal_split(no_time, test_size=0.2)
    with pytest.raises(ValueError, match="exactly one"):
        temporal_split(small)
    with pytest.raises(ValueError, match="exactly one"):
        temporal_split(small, 0.2, last_n=1)
    with pytest.raises(ValueError, match="last_n"):
        temporal_split(small, last_n=0)
    with pytest.raises(ValueError, match="test_size"):
        temporal_split(small, test_size=1.2)


# -- CV iterators ---------------------------------------------------------------------------
def test_kfold_partitions(small):
    cv = KFold(7, random_state=0)
    assert cv.get_n_splits() == 7
    folds = list(cv.split(small))
    assert len(folds) == 7
    n = small.nnz
    assert [te.nnz for _, te in folds] == [n // 7 + (i < n % 7) for i in range(7)]
    for tr, te in folds:
        assert_partition(small, tr, te)
    all_test = np.concatenate([keys(te) for _, te in folds])
    assert np.array_equal(np.sort(all_test), keys(small))  # each interaction tested once
    again = list(cv.split(small))
    assert all(same(a[1], b[1]) for a, b in zip(folds, again))
    other = list(KFold(7, random_state=1).split(small))
    assert not same(folds[0][1], other[0][1])
    # unshuffled: contiguous blocks of the canonical order
    blocks = list(KFold(3, shuffle=False).split(small))
    assert np.array_equal(keys(blocks[0][1]), keys(small)[: blocks[0][1].nnz])


def test_kfold_and_shufflesplit_errors(small):
    with pytest.raises(ValueError, match="n_splits"):
        KFold(1)
    with pytest.raises(ValueError, match="shuffle"):
        KFold(3, shuffle=False, random_state=0)
    tiny = mfrec.Interactions([0, 1], [0, 1], [1, 2])
    with pytest.raises(ValueError, match="n_splits=3"):
        list(KFold(3).split(tiny))
    with pytest.raises(ValueError, match="test_size"):
        ShuffleSplit(3, test_size=1.5)


def test_shuffle_split(small):
    cv = ShuffleSplit(4, test_size=0.1, random_state=0)
    splits = list(cv.split(small))
    assert len(splits) == cv.get_n_splits() == 4
    for tr, te in splits:
        assert_partition(small, tr, te)
        assert te.nnz == round(0.1 * small.nnz)
    assert not same(splits[0][1], splits[1][1])
    assert all(same(a[1], b[1]) for a, b in zip(splits, cv.split(small)))


# -- cross_validate -------------------------------------------------------------------------
def hand_scores(model_factory, folds):
    out = []
    for tr, te in folds:
        m = model_factory().fit(tr)
        pred = m.predict(te.users, te.items, unknown="baseline")
        out.append((rmse(te.ratings, pred), mae(te.ratings, pred)))
    return np.array(out)


def test_cross_validate_matches_hand_fitted(small):
    cv = KFold(4, random_state=0)
    hand = hand_scores(funk, cv.split(small))
    model = funk()
    res = cross_validate(model, small, cv=cv, scoring=["neg_rmse", "neg_mae"],
                         return_train_score=True)
    assert not hasattr(model, "user_factors_")  # the model itself is not fitted
    np.testing.assert_allclose(res["test_neg_rmse"], -hand[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(res["test_neg_mae"], -hand[:, 1], rtol=0, atol=1e-6)
    assert set(res) == {"fit_time", "score_time", "test_neg_rmse", "test_neg_mae",
                        "train_neg_rmse", "train_neg_mae"}
    assert res["fit_time"].shape == (4,) and (res["fit_time"] > 0).all()
    assert (res["train_neg_rmse"] > res["test_neg_rmse"]).all()  # training error is lower


def test_cross_validate_threads_match_serial(small):
    cv = KFold(3, random_state=1)
    serial = cross_validate(funk(), small, cv=cv, scoring=["neg_rmse", "neg_mae"])
    threaded = cross_validate(funk(), small, cv=cv, scoring=["neg_rmse", "neg_mae"], n_jobs=2,
                              return_estimator=True)
    for key in ("test_neg_rmse", "test_neg_mae"):
        assert np.array_equal(serial[key], threaded[key])
    assert [m.n_threads for m in threaded["estimator"]] == [1, 1, 1]
    # the model's threads are shared among the concurrent fits
    res = cross_validate(funk(n_threads=4), small, cv=cv, n_jobs=2, return_estimator=True)
    assert [m.n_threads for m in res["estimator"]] == [2, 2, 2]
    res = cross_validate(funk(n_threads=4), small, cv=cv, return_estimator=True)
    assert [m.n_threads for m in res["estimator"]] == [4, 4, 4]


def test_cross_validate_cv_and_scoring_forms(small):
    folds = list(KFold(3, random_state=0).split(small))
    base = cross_validate(mfrec.Baseline(), small, cv=KFold(3, random_state=0))
    by_pairs = cross_validate(mfrec.Baseline(), small, cv=folds)
    assert np.array_equal(base["test_neg_rmse"], by_pairs["test_neg_rmse"])
    idx = [(np.flatnonzero(np.isin(keys(small), keys(tr))),
            np.flatnonzero(np.isin(keys(small), keys(te)))) for tr, te in folds]
    by_idx = cross_validate(mfrec.Baseline(), small, cv=idx)
    assert np.array_equal(base["test_neg_rmse"], by_idx["test_neg_rmse"])

    def count(model, test):
        return float(test.nnz)

    res = cross_validate(mfrec.Baseline(), small, cv=folds,
                         scoring={"n": count, "rmse": "neg_rmse"})
    assert res["test_n"].tolist() == [te.nnz for _, te in folds]
    assert np.array_equal(res["test_rmse"], base["test_neg_rmse"])
    res = cross_validate(mfrec.Baseline(), small, cv=folds, scoring=count)
    assert "test_score" in res
    res = cross_validate(mfrec.Baseline(), small, cv=2)  # int: KFold(2, shuffle=True)
    assert res["test_neg_rmse"].shape == (2,)
    # a scipy sparse matrix is accepted as data
    res = cross_validate(mfrec.Baseline(), sp.csr_matrix(small.to_csr()), cv=3)
    assert res["test_neg_rmse"].shape == (3,)


def test_cross_validate_verbose(small, capsys):
    cross_validate(mfrec.Baseline(), small, cv=KFold(3, random_state=0), verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("[CV 1/3]") and "neg_rmse=" in lines[0]


def test_cross_validate_errors(small):
    for cv in (1, 0):
        with pytest.raises(ValueError, match="at least 2 folds"):
            cross_validate(mfrec.Baseline(), small, cv=cv)
    with pytest.raises(ValueError, match="neg_rmse"):
        cross_validate(mfrec.Baseline(), small, scoring="rmse")
    with pytest.raises(ValueError, match="unknown scoring 'ndcg'"):
        cross_validate(mfrec.Baseline(), small, scoring=["neg_mae", "ndcg"])
    with pytest.raises(ValueError, match="unknown scoring"):
        cross_validate(mfrec.Baseline(), small, scoring="accuracy")
    with pytest.raises(ValueError, match="n_jobs=0"):
        cross_validate(mfrec.Baseline(), small, n_jobs=0)
    with pytest.raises(TypeError, match="cv must be"):
        cross_validate(mfrec.Baseline(), small, cv="kfold")
    with pytest.raises(ValueError, match="no \\(train, test\\) pairs"):
        cross_validate(mfrec.Baseline(), small, cv=[])
    with pytest.raises(TypeError, match="get_params"):
        cross_validate(object(), small)


def test_ranking_scoring(small):
    folds = list(KFold(2, random_state=0).split(small))
    model = mfrec.Baseline().fit(folds[0][0])
    try:
        mfrec.evaluate(model, folds[0][1], metrics=["ndcg@10"])
    except ValueError:
        pytest.skip("mfrec.evaluate has no ranking metrics yet")
    res = cross_validate(mfrec.Baseline(), small, cv=folds, scoring=["ndcg@10", "neg_rmse"])
    want = [mfrec.evaluate(mfrec.Baseline().fit(tr), te, metrics=["ndcg@10"])["ndcg@10"]
            for tr, te in folds]
    np.testing.assert_allclose(res["test_ndcg@10"], want)


# -- parameter grids ------------------------------------------------------------------------
def test_parameter_grid():
    grid = ParameterGrid({"reg": [0.1, 0.01], "n_factors": [8, 16, 32]})
    cands = list(grid)
    assert len(grid) == 6 and cands[0] == {"n_factors": 8, "reg": 0.1}
    assert cands[1] == {"n_factors": 8, "reg": 0.01}  # last sorted key varies fastest
    assert [grid[i] for i in range(6)] == cands and grid[-1] == cands[-1]
    grid = ParameterGrid([{"a": [1, 2]}, {"b": [3]}, {}])
    assert list(grid) == [{"a": 1}, {"a": 2}, {"b": 3}, {}] and len(grid) == 4
    assert [grid[i] for i in range(4)] == list(grid)
    with pytest.raises(TypeError, match="wrap a single value"):
        ParameterGrid({"a": 1})
    with pytest.raises(TypeError, match="wrap a single value"):
        ParameterGrid({"a": "abc"})
    with pytest.raises(ValueError, match="empty"):
        ParameterGrid({"a": []})


def test_parameter_sampler():
    stats = pytest.importorskip("scipy.stats")
    dist = {"reg": stats.loguniform(1e-3, 1), "n_factors": [4, 8, 16]}
    a = list(ParameterSampler(dist, 5, random_state=0))
    assert a == list(ParameterSampler(dist, 5, random_state=0)) and len(a) == 5
    assert all(1e-3 <= p["reg"] <= 1 and p["n_factors"] in (4, 8, 16) for p in a)
    assert a != list(ParameterSampler(dist, 5, random_state=1))
    grid = {"a": [1, 2, 3], "b": [0, 1]}
    draws = list(ParameterSampler(grid, 6, random_state=0))  # all lists: no replacement
    assert sorted(map(str, draws)) == sorted(map(str, ParameterGrid(grid)))
    with pytest.warns(UserWarning, match="only 6"):
        assert len(list(ParameterSampler(grid, 10, random_state=0))) == 6


# -- searches -------------------------------------------------------------------------------
def test_grid_search_funk_svd(small):
    grid = {"n_factors": [4, 8], "reg": [0.02, 0.2]}
    cv = KFold(3, random_state=0)
    search = GridSearchCV(funk(), grid, cv=cv).fit(small)
    res = search.cv_results_
    assert search.n_splits_ == 3 and len(res["params"]) == 4
    assert search.best_index_ == int(np.argmax(res["mean_test_neg_rmse"]))
    assert search.best_params_ == res["params"][search.best_index_]
    assert search.best_score_ == res["mean_test_neg_rmse"].max()
    assert res["rank_test_neg_rmse"][search.best_index_] == 1
    assert sorted(res["rank_test_neg_rmse"].tolist()) == [1, 2, 3, 4]
    assert res["param_reg"].tolist() == [0.02, 0.2, 0.02, 0.2]
    for i, params in enumerate(res["params"]):
        ref = cross_validate(funk(**params), small, cv=cv)["test_neg_rmse"]
        got = [res[f"split{s}_test_neg_rmse"][i] for s in range(3)]
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)
        assert res["mean_test_neg_rmse"][i] == pytest.approx(ref.mean())
        assert res["std_test_neg_rmse"][i] == pytest.approx(ref.std())
    for key in ("mean_fit_time", "std_fit_time", "mean_score_time"):
        assert res[key].shape == (4,)
    # best_estimator_: the best parameters refitted on all the data
    ref = funk(**search.best_params_).fit(small)
    assert np.array_equal(search.best_estimator_.user_factors_, ref.user_factors_)
    users, items = small.users[:20], small.items[:20]
    assert np.array_equal(search.predict(users, items), ref.predict(users, items))
    assert search.score(small) == pytest.approx(-rmse(small.ratings, ref.predict(
        small.users, small.items)))


def test_grid_search_threads_and_baseline(small):
    cv = KFold(3, random_state=0)
    grid = [{"reg_user": [5.0, 15.0]}, {"reg_item": [1.0, 10.0, 30.0]}]
    serial = GridSearchCV(mfrec.Baseline(n_threads=1), grid, cv=cv).fit(small)
    threaded = GridSearchCV(mfrec.Baseline(n_threads=1), grid, cv=cv, n_jobs=2).fit(small)
    assert np.array_equal(serial.cv_results_["mean_test_neg_rmse"],
                          threaded.cv_results_["mean_test_neg_rmse"])
    res = serial.cv_results_
    assert res["param_reg_user"].mask.tolist() == [False, False, True, True, True]
    assert res["param_reg_item"].compressed().tolist() == [1.0, 10.0, 30.0]
    assert isinstance(serial.best_estimator_, mfrec.Baseline)


def test_grid_search_multimetric_and_refit(small):
    cv = KFold(3, random_state=0)
    grid = {"reg_user": [1.0, 15.0]}
    scoring = ["neg_rmse", "neg_mae"]
    with pytest.raises(ValueError, match="refit must be the name"):
        GridSearchCV(mfrec.Baseline(), grid, scoring=scoring, cv=cv).fit(small)
    with pytest.raises(ValueError, match="refit='r2'"):
        GridSearchCV(mfrec.Baseline(), grid, scoring=scoring, refit="r2", cv=cv).fit(small)
    s = GridSearchCV(mfrec.Baseline(), grid, scoring=scoring, refit="neg_mae", cv=cv,
                     return_train_score=True).fit(small)
    assert s.best_index_ == int(np.argmax(s.cv_results_["mean_test_neg_mae"]))
    assert "rank_test_neg_rmse" in s.cv_results_ and "mean_train_neg_mae" in s.cv_results_
    s = GridSearchCV(mfrec.Baseline(), grid, scoring=scoring, refit=False, cv=cv).fit(small)
    assert not hasattr(s, "best_estimator_") and not hasattr(s, "best_params_")
    s = GridSearchCV(mfrec.Baseline(), grid, refit=False, cv=cv).fit(small)
    assert hasattr(s, "best_params_") and not hasattr(s, "best_estimator_")
    with pytest.raises(mfrec.NotFittedError):
        s.predict(small.users[:2], small.items[:2])


class CountingBaseline(mfrec.Baseline):
    fits = 0

    def fit(self, X, **kw):
        type(self).fits += 1
        return super().fit(X, **kw)


def test_search_validates_before_fitting(small):
    CountingBaseline.fits = 0
    with pytest.raises(ValueError, match=r"invalid parameter\(s\) \['n_factorz'\]"):
        GridSearchCV(CountingBaseline(), {"reg_user": [1.0], "n_factorz": [2]}).fit(small)
    with pytest.raises(ValueError, match="'bogus'"):
        RandomizedSearchCV(CountingBaseline(), {"bogus": [1, 2]}, n_iter=2).fit(small)
    with pytest.raises(ValueError, match="unknown scoring"):
        GridSearchCV(CountingBaseline(), {"reg_user": [1.0]}, scoring="r2").fit(small)
    with pytest.raises(ValueError, match="at least 2 folds"):
        GridSearchCV(CountingBaseline(), {"reg_user": [1.0]}, cv=1).fit(small)
    assert CountingBaseline.fits == 0


def test_randomized_search(small):
    stats = pytest.importorskip("scipy.stats")
    dist = {"reg": stats.loguniform(1e-3, 1e-1), "n_factors": [4, 8]}
    cv = KFold(3, random_state=0)
    a = RandomizedSearchCV(funk(), dist, n_iter=3, cv=cv, random_state=0).fit(small)
    b = RandomizedSearchCV(funk(), dist, n_iter=3, cv=cv, random_state=0).fit(small)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    assert np.array_equal(a.cv_results_["mean_test_neg_rmse"], b.cv_results_["mean_test_neg_rmse"])
    assert len(a.cv_results_["params"]) == 3
    assert all(1e-3 <= p["reg"] <= 1e-1 for p in a.cv_results_["params"])
    assert a.best_index_ == int(np.argmax(a.cv_results_["mean_test_neg_rmse"]))
    c = RandomizedSearchCV(funk(), dist, n_iter=3, cv=cv, random_state=1, refit=False).fit(small)
    assert c.cv_results_["params"] != a.cv_results_["params"]


def test_search_verbose(small, capsys):
    GridSearchCV(mfrec.Baseline(), {"reg_user": [1.0, 5.0]}, cv=KFold(2, random_state=0),
                 verbose=True, refit=False).fit(small)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Fitting 2 folds for each of 2 candidates, totalling 4 fits"
    assert len(lines) == 5 and "candidate 2/2" in lines[-1]


# -- real data ------------------------------------------------------------------------------
@pytest.mark.slow
def test_cross_validate_ml100k(ml100k):
    cv = KFold(5, random_state=0)
    res = cross_validate(mfrec.Baseline(), ml100k, cv=cv, scoring=["neg_rmse", "neg_mae"])
    hand = hand_scores(mfrec.Baseline, cv.split(ml100k))
    np.testing.assert_allclose(res["test_neg_rmse"], -hand[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(res["test_neg_mae"], -hand[:, 1], rtol=0, atol=1e-6)
    assert 0.92 < -res["test_neg_rmse"].mean() < 0.96  # Surprise's BaselineOnly: 0.944
