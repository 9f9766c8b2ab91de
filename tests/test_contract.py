"""The estimator contract every model honours, run over every exported model.

The models come from the registry (``mfrec.all_models()``) and each is fitted with every
parameter set its traits declare (``ModelTraits.test_variants``): a new model joins this
suite by existing. What a check expects follows the traits (clipping for explicit feedback,
bit-identity across threads for deterministic models, non-negative factors, fold-in).
"""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec


def _cases():
    out = []
    for name, cls in mfrec.all_models():
        variants = cls()._get_traits().test_variants
        for j, params in enumerate(variants):
            out.append(pytest.param((cls, dict(params)), id=f"{name}-{j}"))
    return out


def same_params(a, b):
    """Equal parameters; models inside parameters (a Blend's members) are equal when of one
    class with equal parameters (a clone or a loaded copy is another object)."""
    if isinstance(a, mfrec.Recommender) or isinstance(b, mfrec.Recommender):
        return type(a) is type(b) and same_params(a.get_params(), b.get_params())
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_params(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same_params, a, b))
    return a == b


CASES = _cases()


def build(cls, params):
    """An unfitted test instance (the traits' factory when the class needs one)."""
    traits = cls(**params)._get_traits()
    return traits.test_instance(params) if traits.test_instance else cls(**params)


def fit(model, data, **kw):
    """``model.fit(data)`` with the extra fit data the traits ask for."""
    traits = model._get_traits()
    extra = dict(traits.test_fit_data(data)) if traits.test_fit_data else {}
    return model.fit(data, **extra, **kw)


@pytest.fixture(params=CASES)
def case(request):
    return request.param


def test_every_model_is_covered():
    names = {name for name, _ in mfrec.all_models()}
    assert {"FunkSVD", "Baseline", "ALS", "ImplicitALS"} <= names
    assert len(CASES) >= len(names)
    exported = {n for n in mfrec.__all__ if isinstance(getattr(mfrec, n), type)
                and issubclass(getattr(mfrec, n), mfrec.Recommender)
                and getattr(mfrec, n) is not mfrec.Recommender}
    assert exported == names


def test_fit_returns_self_and_sets_state(case, small):
    model = build(*case)
    assert fit(model, small) is model
    assert model.user_factors_.shape[0] == small.n_users
    assert model.item_factors_.shape[0] == small.n_items
    assert model.user_factors_.shape[1] == model.item_factors_.shape[1]
    assert model.user_factors_.dtype == np.float32 and model.user_factors_.flags.c_contiguous
    assert np.isfinite(model.user_factors_).all() and np.isfinite(model.item_bias_).all()
    assert len(model.history_) == model.n_epochs


def test_init_stores_params_verbatim(case):
    model = build(*case)
    params = model.get_params()
    assert all(getattr(model, k) is v for k, v in params.items())
    assert not any(k.endswith("_") for k in vars(model))


def test_set_params_and_repr(case):
    model = build(*case)
    model.set_params(n_epochs=1)
    assert model.get_params()["n_epochs"] == 1
    assert "n_epochs=1" in repr(model)
    with pytest.raises(ValueError, match="invalid parameter"):
        model.set_params(nonsense=3)


def test_unfitted_predict_raises(case):
    with pytest.raises(mfrec.NotFittedError, match="not fitted"):
        build(*case).predict([0], [0])
    with pytest.raises(mfrec.NotFittedError):
        build(*case).recommend([0])


def test_refit_forgets(case, small, toy):
    model = fit(build(*case), small)
    fit(model, toy)
    assert model.user_factors_.shape[0] == toy.n_users
    assert model.predict(["ann"], ["x"]).shape == (1,)
    with pytest.raises(KeyError):
        model.predict([0], [0])


def test_sklearn_clone(case, small):
    base = pytest.importorskip("sklearn.base")
    model = fit(build(*case), small)
    c = base.clone(model)
    assert type(c) is type(model) and same_params(c.get_params(), model.get_params())
    assert not hasattr(c, "user_factors_")


def test_batch_equals_single(case, small):
    model = fit(build(*case), small)
    u, i = small.users[:20], small.items[:20]
    batch = model.predict(u, i)
    single = np.array([model.predict([a], [b])[0] for a, b in zip(u, i)])
    np.testing.assert_array_equal(batch, single)
    assert model.predict([], []).shape == (0,)
    ids, scores = model.recommend(u[:5], n=4)
    for j, user in enumerate(u[:5]):
        one_ids, one_scores = model.recommend([user], n=4)
        np.testing.assert_array_equal(one_ids[0], ids[j])
        np.testing.assert_array_equal(one_scores[0], scores[j])


def test_predictions_clipped_when_ratings(case, small):
    model = fit(build(*case), small)
    p = model.predict(small.users, small.items)
    if model._get_traits().clip:
        assert p.min() >= 1 and p.max() <= 5
    else:  # preferences: never clipped, even when asked
        np.testing.assert_array_equal(model.predict(small.users, small.items, clip=True),
                                      model.predict(small.users, small.items, clip=False))


def test_filters_respected(case, small):
    model = fit(build(*case), small)
    users = small.user_ids[:30]
    seen = small.to_csr()
    ids, scores = model.recommend(users, n=15)
    for row, u in zip(ids, users):
        got = {int(x) for x in row if x != -1}
        assert not got & set(seen.indices[seen.indptr[u]:seen.indptr[u + 1]].tolist())
    assert np.all(np.diff(scores, axis=1)[np.isfinite(np.diff(scores, axis=1))] <= 0)
    allowed = small.item_ids[::3]
    deny = small.item_ids[::6]
    ids, _ = model.recommend(users, n=10, items=allowed, exclude=deny)
    got = {int(x) for x in ids.ravel() if x != -1}
    assert got <= set(allowed.tolist()) - set(deny.tolist())
    sims, _ = model.similar_items(small.item_ids[:5], n=5, exclude=deny)
    for q, row in zip(small.item_ids[:5], sims):
        got = {int(x) for x in row if x != -1}
        assert q not in got and not got & set(deny.tolist())


def test_save_load_round_trip(case, small, tmp_path):
    model = fit(build(*case), small)
    model.save(tmp_path / "m.npz")
    loaded = mfrec.load(tmp_path / "m.npz")
    assert type(loaded) is type(model) and same_params(loaded.get_params(), model.get_params())
    u, i = small.users[:50], small.items[:50]
    np.testing.assert_array_equal(loaded.predict(u, i), model.predict(u, i))
    for a, b in zip(loaded.recommend(small.user_ids[:10], n=5),
                    model.recommend(small.user_ids[:10], n=5)):
        np.testing.assert_array_equal(a, b)


def test_pickle_round_trip(case, small):
    model = fit(build(*case), small)
    model.recommend(n=3)
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert type(twin) is type(model)
        np.testing.assert_array_equal(twin.predict(small.users[:50], small.items[:50]),
                                      model.predict(small.users[:50], small.items[:50]))
        np.testing.assert_array_equal(twin.recommend(n=3)[0], model.recommend(n=3)[0])


def test_bad_input(case, small):
    model = build(*case)
    with pytest.raises(TypeError, match="Interactions"):
        fit(model, [[1, 2, 3]])
    with pytest.raises(ValueError, match="no (training data|interactions)"):
        fit(model, sp.csr_matrix((4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="n_threads"):
        fit(build(*case).set_params(n_threads=0), small)
    with pytest.raises(TypeError, match="n_epochs"):
        fit(build(*case).set_params(n_epochs="5"), small)
    model = fit(build(*case), small)
    with pytest.raises(KeyError):
        model.recommend([10**6])
    with pytest.raises(ValueError, match="n must be"):
        model.recommend(small.user_ids[:2], n=0)
    with pytest.raises(ValueError, match="eval_set"):
        fit(build(*case), small, eval_set=sp.csr_matrix(small.shape, dtype=np.float32))


def test_deterministic_models_ignore_thread_count(case, small):
    model = build(*case)
    if not model._get_traits().deterministic:
        pytest.skip("not deterministic across thread counts (its traits say so)")
    fits = [fit(build(*case).set_params(n_threads=t), small) for t in (1, 2)]
    for attr in ("user_factors_", "item_factors_", "user_bias_", "item_bias_"):
        np.testing.assert_array_equal(getattr(fits[0], attr), getattr(fits[1], attr))


def test_traits_hold(case, small):
    model = fit(build(*case), small)
    traits = model._get_traits()
    assert traits.feedback in ("explicit", "implicit")
    if traits.non_negative:
        assert (model.user_factors_ >= 0).all() and (model.item_factors_ >= 0).all()
    if not model._biased:
        assert not model.user_bias_.any()
    new = small.to_csr()[:5]
    if traits.fold_in == "none":
        with pytest.raises(NotImplementedError):
            model.fold_in(new)
        return
    f, b = model.fold_in(new)
    assert f.shape == (5, model.user_factors_.shape[1]) and b.shape == (5,)
    assert np.isfinite(f).all() and np.isfinite(b).all()
