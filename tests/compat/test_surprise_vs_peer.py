"""mfrec.compat.surprise against Surprise's own numbers: SVD, SVDpp and NMF start from the
initial factors Surprise draws for the seed, unbiased NMF then gives Surprise's fit, and
every algorithm lands within 0.005 RMSE of Surprise's on the same split (the tests that need
Surprise itself skip where it is not installed)."""

from __future__ import annotations

import numpy as np
import pytest
from test_surprise_algos import _raw

from mfrec.compat import surprise
from mfrec.compat.surprise.model_selection import train_test_split


@pytest.fixture(scope="module")
def ratings():
    return _raw(300, 200, 20000)


@pytest.fixture(scope="module")
def split(ratings):
    return train_test_split(ratings, test_size=0.2, random_state=0)


@pytest.mark.parametrize("name, kw", [("SVD", {}), ("SVD", {"biased": False}),
                                      ("SVDpp", {}), ("NMF", {}), ("BaselineOnly", {}),
                                      ("KNNBasic", {}), ("KNNWithMeans", {}),
                                      ("KNNBaseline", {}),
                                      ("KNNBasic", {"sim_options": {"name": "pearson",
                                                                    "user_based": False}}),
                                      ("BaselineOnly", {"bsl_options": {"method": "sgd"}})])
def test_within_0_005_rmse_of_surprise_on_the_same_split(ratings, name, kw):
    peer = pytest.importorskip("surprise")
    raw = ratings.raw_ratings
    results = []
    for lib in (peer, surprise):
        data = lib.Dataset.load_from_df(_frame(raw), lib.Reader(rating_scale=(1, 5)))
        train, test = lib.model_selection.train_test_split(data, test_size=0.2,
                                                           random_state=0)
        extra = {"verbose": False} if name.startswith(("KNN", "Baseline")) else \
            {"random_state": 0}
        algo = getattr(lib, name)(**kw, **extra).fit(train)
        results.append(lib.accuracy.rmse(algo.test(test), verbose=False))
    assert abs(results[0] - results[1]) < 0.005, results


def _frame(raw):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame([r[:3] for r in raw], columns=["user", "item", "rating"])


@pytest.mark.parametrize("name, draws", [
    ("SVD", [("pu", "normal"), ("qi", "normal")]),
    ("SVDpp", [("pu", "normal"), ("qi", "normal"), ("yj", "normal")]),
    ("NMF", [("pu", "uniform"), ("qi", "uniform")])])
def test_initial_factors_are_surprises_draws(split, name, draws):
    """A seed starts the fit from the values Surprise's algorithm draws for it: its
    RandomState calls in its order, rows = inner ids (``n_epochs=0`` keeps them). An int
    seeds a new RandomState, a RandomState is drawn from, None draws from numpy's global one."""
    trainset, _ = split
    k = 7
    args = {"normal": (0.0, 0.1), "uniform": (0.0, 1.0)}

    def expected(rng):
        size = {"pu": trainset.n_users}
        return {attr: getattr(rng, how)(*args[how], size=(size.get(attr, trainset.n_items), k))
                for attr, how in draws}

    algo = getattr(surprise, name)(n_factors=k, n_epochs=0, random_state=3).fit(trainset)
    for attr, want in expected(np.random.RandomState(3)).items():
        np.testing.assert_array_equal(getattr(algo, attr), want.astype(np.float32), attr)
    # a RandomState, and numpy's global one: two fits in a row take Surprise's first and
    # second draws (the stream advances by the initial factors only)
    shared, ref = np.random.RandomState(5), np.random.RandomState(5)
    np.random.seed(11)  # noqa: NPY002 (Surprise's None: numpy's global RandomState)
    ref_global = np.random.RandomState(11)
    for _ in range(2):
        for seed, rng in ((shared, ref), (None, ref_global)):
            algo = getattr(surprise, name)(n_factors=k, n_epochs=0,
                                           random_state=seed).fit(trainset)
            for attr, want in expected(rng).items():
                np.testing.assert_array_equal(getattr(algo, attr), want.astype(np.float32),
                                              attr)


@pytest.mark.parametrize("name", ["SVD", "SVDpp", "NMF"])
def test_same_start_as_surprise_and_nmf_the_same_fit(ratings, name):
    """Against Surprise itself: the same initial factors for a seed; NMF's multiplicative
    updates (no visiting order, Surprise's update order) then give Surprise's estimates, up
    to float32 arithmetic."""
    peer = pytest.importorskip("surprise")
    fits = []
    for lib in (peer, surprise):
        data = lib.Dataset.load_from_df(_frame(ratings.raw_ratings),
                                        lib.Reader(rating_scale=(1, 5)))
        train, test = lib.model_selection.train_test_split(data, test_size=0.2,
                                                           random_state=0)
        start = getattr(lib, name)(n_factors=6, n_epochs=0, random_state=2).fit(train)
        fitted = getattr(lib, name)(n_factors=6, random_state=2).fit(train)
        fits.append((start, np.array([p.est for p in fitted.test(test)])))
    (theirs, their_est), (ours, our_est) = fits
    for attr in ("pu", "qi") + (("yj",) if name == "SVDpp" else ()):
        np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr), rtol=1e-6,
                                   atol=1e-7, err_msg=attr)
    if name == "NMF":
        np.testing.assert_allclose(our_est, their_est, atol=1e-4)
