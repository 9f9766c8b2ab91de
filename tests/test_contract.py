"""The estimator contract every model honours (later models join the list)."""

import numpy as np
import pytest

import mfrec

MODELS = [
    lambda: mfrec.FunkSVD(n_factors=8, n_epochs=3, random_state=0),
    lambda: mfrec.FunkSVD(n_factors=8, n_epochs=3, biased=False, lr_schedule="constant",
                          lr=0.01, random_state=0),
    lambda: mfrec.Baseline(n_epochs=3),
]
IDS = ["FunkSVD", "FunkSVD-unbiased-constant", "Baseline"]


@pytest.fixture(params=range(len(MODELS)), ids=IDS)
def make(request):
    return MODELS[request.param]


def test_fit_returns_self_and_sets_state(make, small):
    model = make()
    assert model.fit(small) is model
    assert model.user_factors_.shape[0] == small.n_users
    assert model.item_factors_.shape[0] == small.n_items
    assert model.user_factors_.shape[1] == model.item_factors_.shape[1]
    assert model.user_factors_.dtype == np.float32 and model.user_factors_.flags.c_contiguous
    assert np.isfinite(model.user_factors_).all() and np.isfinite(model.item_bias_).all()


def test_init_stores_params_verbatim(make):
    model = make()
    params = model.get_params()
    assert all(getattr(model, k) is v for k, v in params.items())
    assert not any(k.endswith("_") for k in vars(model))


def test_set_params_and_repr(make):
    model = make()
    model.set_params(n_epochs=1)
    assert model.get_params()["n_epochs"] == 1
    assert "n_epochs=1" in repr(model)
    with pytest.raises(ValueError, match="invalid parameter"):
        model.set_params(nonsense=3)


def test_unfitted_predict_raises(make):
    with pytest.raises(mfrec.NotFittedError, match="not fitted"):
        make().predict([0], [0])


def test_refit_forgets(make, small, toy):
    model = make().fit(small)
    model.fit(toy)
    assert model.user_factors_.shape[0] == toy.n_users
    assert model.predict(["ann"], ["x"]).shape == (1,)
    with pytest.raises(KeyError):
        model.predict([0], [0])


def test_sklearn_clone(make, small):
    base = pytest.importorskip("sklearn.base")
    model = make().fit(small)
    c = base.clone(model)
    assert type(c) is type(model) and c.get_params() == model.get_params()
    assert not hasattr(c, "user_factors_")


def test_batch_equals_single(make, small):
    model = make().fit(small)
    u, i = small.users[:20], small.items[:20]
    batch = model.predict(u, i)
    single = np.array([model.predict([a], [b])[0] for a, b in zip(u, i)])
    np.testing.assert_array_equal(batch, single)
    assert model.predict([], []).shape == (0,)


def test_predictions_clipped(make, small):
    model = make().fit(small)
    p = model.predict(small.users, small.items)
    assert p.min() >= 1 and p.max() <= 5
