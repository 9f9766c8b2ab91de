"""Cross-validation and hyper-parameter search (mfrec.model_selection)."""

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
    cross_validate,
)


def funk(**kw):
    params = dict(n_factors=8, n_epochs=5, random_state=0, n_threads=1)
    params.update(kw)
    return mfrec.FunkSVD(**params)


def keys(data):
    """Unique (user, item) key of each interaction, in canonical order."""
    return data.user_index.astype(np.int64) * data.n_items + data.item_index


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
    lines = [line for line in capsys.readouterr().err.replace("\r", "\n").splitlines()
             if line.startswith("[CV")]
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
    lines = [line for line in capsys.readouterr().err.replace("\r", "\n").splitlines()
             if line.startswith(("[CV", "Fitting"))]
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


def test_a_model_class_stands_for_its_defaults_and_other_classes_say_what_to_pass(small):
    """Surprise's habit, GridSearchCV(SVD, grid): the class works as the default model."""
    grid = {"n_factors": [2, 4], "n_epochs": [2], "random_state": [0], "n_threads": [1]}
    cv = KFold(2, shuffle=True, random_state=0)
    by_class = GridSearchCV(mfrec.FunkSVD, grid, cv=cv).fit(small)
    by_instance = GridSearchCV(mfrec.FunkSVD(), grid, cv=cv).fit(small)
    np.testing.assert_array_equal(by_class.cv_results_["mean_test_neg_rmse"],
                                  by_instance.cv_results_["mean_test_neg_rmse"])
    assert isinstance(by_class.best_estimator_, mfrec.FunkSVD)
    res = cross_validate(mfrec.Baseline, small, cv=cv)
    np.testing.assert_array_equal(res["test_neg_rmse"],
                                  cross_validate(mfrec.Baseline(), small, cv=cv)["test_neg_rmse"])
    with pytest.raises(TypeError, match=r"e\.g\. FunkSVD\(\)"):
        GridSearchCV(dict, {"a": [1]}, cv=2).fit(small)
    with pytest.raises(ValueError, match="invalid parameter"):
        GridSearchCV(mfrec.FunkSVD, {"n_factor": [2]}, cv=2).fit(small)
