"""Progress and control: callbacks, eval_set, early stopping, verbose bars, BLAS limits."""

import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import mfrec
from mfrec.model_selection import train_test_split

# Every iterative model, with few epochs and small sizes (the callback contract is shared).
MODELS = {
    "Baseline": lambda **kw: mfrec.Baseline(n_epochs=6, **kw),
    "FunkSVD": lambda **kw: mfrec.FunkSVD(n_factors=8, n_epochs=6, n_threads=1,
                                          random_state=0, **kw),
    "ALS": lambda **kw: mfrec.ALS(n_factors=8, n_epochs=6, random_state=0, **kw),
    "ImplicitALS": lambda **kw: mfrec.ImplicitALS(n_factors=8, n_epochs=6, random_state=0,
                                                  **kw),
}
VAL_KEY = {"ImplicitALS": "val_ndcg@10"}


@pytest.fixture(scope="module")
def split(small):
    return train_test_split(small, test_size=0.2, random_state=0)


def _data(name, split):
    train, test = split
    if name == "ImplicitALS":
        return train.binarize(4), test.binarize(4)
    return train, test


@pytest.mark.parametrize("name", MODELS)
def test_callback_info_and_history(name, split):
    train, test = _data(name, split)
    seen = []
    model = MODELS[name]().fit(train, eval_set=test, callback=seen.append)
    key = VAL_KEY.get(name, "val_rmse")
    assert [info["epoch"] for info in seen] == list(range(1, 7))
    assert model.history_ == seen
    for info in seen:
        assert set(info) == {"epoch", "elapsed", "loss", key}
        assert np.isfinite(info["loss"]) and np.isfinite(info[key])
    elapsed = [info["elapsed"] for info in seen]
    assert elapsed == sorted(elapsed)
    # the last epoch's validation value is the fitted model's score on the eval set
    metric = key[len("val_"):]
    assert seen[-1][key] == pytest.approx(mfrec.evaluate(model, test, metrics=[metric])[metric],
                                          rel=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_callback_false_stops(name, split):
    train, _ = _data(name, split)
    model = MODELS[name]().fit(train, callback=lambda info: info["epoch"] < 2)
    assert len(model.history_) == 2
    # None (a callback without a return value) does not stop
    model = MODELS[name]().fit(train, callback=lambda info: None)
    assert len(model.history_) == 6


@pytest.mark.parametrize("name", MODELS)
def test_early_stopping_on_eval_set(name, split, monkeypatch):
    """Stops ``n_iter_no_change`` epochs after the best validation score, in the metric's
    own direction (RMSE down, NDCG up)."""
    train, test = _data(name, split)
    model = MODELS[name](n_iter_no_change=2)
    key = VAL_KEY.get(name, "val_rmse")
    lower = key == "val_rmse"
    # improves for 3 epochs, then gets worse: the best epoch is 3, stop after epoch 5
    path = iter([0.9, 0.8, 0.7, 0.75, 0.8, 0.85, 0.9])
    monkeypatch.setattr(type(model), "_val_score",
                        lambda self, data: next(path) if lower else 1 - next(path))
    model.fit(train, eval_set=test)
    assert [h["epoch"] for h in model.history_] == [1, 2, 3, 4, 5]
    assert model.best_epoch_ == 3


@pytest.mark.parametrize("name", MODELS)
def test_early_stopping_needs_eval_set(name, split):
    train, _ = _data(name, split)
    with pytest.raises(ValueError, match="n_iter_no_change needs an eval_set"):
        MODELS[name](n_iter_no_change=2).fit(train)
    with pytest.raises(ValueError, match="n_iter_no_change"):
        MODELS[name](n_iter_no_change=0).fit(train, eval_set=train)


def test_real_early_stop_overfitting(split):
    """An overfitting FunkSVD (tiny reg, many epochs) stops before its last epoch."""
    train, test = split
    model = mfrec.FunkSVD(n_factors=32, n_epochs=200, lr=0.02, reg=0.0, lr_schedule="constant",
                          n_threads=1, random_state=0, n_iter_no_change=3)
    model.fit(train, eval_set=test)
    rmses = [h["val_rmse"] for h in model.history_]
    assert len(rmses) < 200
    assert model.best_epoch_ == int(np.argmin(rmses)) + 1 == len(rmses) - 3


def test_callback_must_be_callable(split):
    with pytest.raises(TypeError, match="callback must be callable"):
        mfrec.Baseline().fit(split[0], callback=3)


def test_verbose_tqdm_bar(split, capsys):
    pytest.importorskip("tqdm")
    mfrec.Baseline(n_epochs=3, verbose=True).fit(split[0], eval_set=split[1])
    err = capsys.readouterr().err
    assert "Baseline" in err and "3/3" in err and "val_rmse" in err


def test_verbose_without_tqdm(split, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails: plain lines
    mfrec.Baseline(n_epochs=3, verbose=True).fit(split[0])
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Baseline 1/3: loss=") and lines[2].startswith("Baseline 3/3")


def test_quiet_by_default(split, capsys):
    mfrec.FunkSVD(n_factors=4, n_epochs=2, random_state=0).fit(split[0], eval_set=split[1])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def _blas_threads():
    return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]


def test_blas_pools_limited_inside_kernels(split):
    before = _blas_threads()
    if not before:
        pytest.skip("no BLAS library loaded that threadpoolctl can control")
    during = []
    mfrec.ALS(n_factors=4, n_epochs=2).fit(split[0], callback=lambda info: during.append(
        _blas_threads()))
    assert during and all(t == [1] * len(before) for t in during)
    assert _blas_threads() == before  # restored afterwards
