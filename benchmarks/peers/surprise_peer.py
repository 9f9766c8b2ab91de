"""scikit-surprise models as rating-prediction peers for the mfrec benchmarks.

``fit_surprise(algo_name, train, test)`` builds a Surprise ``Trainset`` from
0-based (users, items, ratings) arrays, times ``algo.fit`` alone, then times
``algo.test`` over the whole test set and scores its (already clipped) ``est``
values with RMSE and MAE. Ids present only in the test set are left to
Surprise's own fallback (biases / global mean), as a user of Surprise would get.

Defaults are Surprise's own for each algorithm; ``params`` overrides them.
Surprise is single-threaded, and its SGD visits ratings in a fixed order every
epoch (no shuffling), so compare with it statistically, not bit for bit.

Run ``python benchmarks/peers/surprise_peer.py`` for SVD and BaselineOnly on a
random 80/20 split (seed 0) of MovieLens 100K.
"""

from __future__ import annotations

import copy
import time

import numpy as np

# Surprise's own defaults, spelled out so the returned dict records them.
_DEFAULTS = {
    "SVD": dict(n_factors=100, n_epochs=20, biased=True, init_mean=0,
                init_std_dev=0.1, lr_all=0.005, reg_all=0.02),
    "SVDpp": dict(n_factors=20, n_epochs=20, init_mean=0, init_std_dev=0.1,
                  lr_all=0.007, reg_all=0.02),
    "BaselineOnly": dict(bsl_options={}),
    "KNNBaseline": dict(k=40, min_k=1, sim_options={}, bsl_options={}),
    "NMF": dict(n_factors=15, n_epochs=50, biased=False, reg_pu=0.06, reg_qi=0.06,
                reg_bu=0.02, reg_bi=0.02, lr_bu=0.005, lr_bi=0.005, init_low=0, init_high=1),
}
_SEEDED = ("SVD", "SVDpp", "NMF")  # the only ones with a random_state argument


def surprise_available() -> bool:
    """True if scikit-surprise and pandas can be imported."""
    try:
        import pandas  # noqa: F401
        import surprise  # noqa: F401
    except ImportError:
        return False
    return True


def _trainset(users, items, ratings, rating_scale, surprise=None):
    import pandas as pd

    if surprise is None:
        import surprise
    Dataset, Reader = surprise.Dataset, surprise.Reader

    df = pd.DataFrame({
        "u": np.asarray(users, dtype=np.int64),
        "i": np.asarray(items, dtype=np.int64),
        "r": np.asarray(ratings, dtype=np.float64),
    })
    data = Dataset.load_from_df(df, Reader(rating_scale=rating_scale))
    return data.build_full_trainset()


def fit_surprise(algo_name, train, test, *, rating_scale=(1, 5), params=None,
                 random_state=0, module=None) -> dict:
    """Fit Surprise ``algo_name`` on ``train`` and score it on ``test``.

    ``train``/``test`` are ``(users int32, items int32, ratings float32)``
    arrays of 0-based ids in one shared id space. Returns ``dict(fit_seconds,
    predict_seconds, predictions, rmse, mae, n_threads=1, algo, params)``, where
    ``predictions`` (float64, shape (n_test,)) are Surprise's clipped estimates in test
    order and ``params`` the effective constructor arguments (defaults merged with
    overrides). ``module``: the module that provides the algorithms, ``Dataset`` and
    ``Reader`` (default ``surprise``; ``mfrec.compat.surprise`` runs the same code on mfrec).
    """
    surprise = module
    if surprise is None:
        import surprise

    if algo_name not in _DEFAULTS:
        raise ValueError(f"algo_name must be one of {sorted(_DEFAULTS)}, "
                         f"got {algo_name!r}")
    # Deep copies: Surprise writes into the sim_options/bsl_options it is given.
    kwargs = copy.deepcopy({**_DEFAULTS[algo_name], **(params or {})})
    if algo_name in _SEEDED:
        kwargs.setdefault("random_state", random_state)
    algo = getattr(surprise, algo_name)(verbose=False,
                                        **copy.deepcopy(kwargs))

    trainset = _trainset(*train, rating_scale, surprise)

    t0 = time.perf_counter()
    algo.fit(trainset)
    fit_seconds = time.perf_counter() - t0

    tu, ti, tr = test
    testset = list(zip(np.asarray(tu).tolist(), np.asarray(ti).tolist(),
                       np.asarray(tr, dtype=np.float64).tolist()))
    t0 = time.perf_counter()
    predictions = algo.test(testset)
    predict_seconds = time.perf_counter() - t0

    est = np.fromiter((p.est for p in predictions), dtype=np.float64,
                      count=len(predictions))
    err = est - np.asarray(tr, dtype=np.float64)
    return dict(
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        predictions=est,
        rmse=float(np.sqrt(np.mean(err ** 2))),
        mae=float(np.mean(np.abs(err))),
        n_threads=1,
        algo=algo_name,
        params=kwargs,
    )


def _load_ml100k(path="/work/shared/data/ml-100k/u.data", seed=0):
    """MovieLens 100K as 0-based arrays, randomly split 80/20 with ``seed``."""
    raw = np.loadtxt(path, dtype=np.int64, delimiter="\t", usecols=(0, 1, 2))
    _, users = np.unique(raw[:, 0], return_inverse=True)
    _, items = np.unique(raw[:, 1], return_inverse=True)
    users = users.astype(np.int32)
    items = items.astype(np.int32)
    ratings = raw[:, 2].astype(np.float32)
    perm = np.random.default_rng(seed).permutation(len(ratings))
    cut = int(0.8 * len(ratings))
    tr, te = perm[:cut], perm[cut:]
    return ((users[tr], items[tr], ratings[tr]),
            (users[te], items[te], ratings[te]))


if __name__ == "__main__":
    if not surprise_available():
        raise SystemExit("scikit-surprise / pandas not installed: "
                         "pip install scikit-surprise pandas")
    train, test = _load_ml100k()
    print(f"MovieLens 100K: {len(train[2])} train / {len(test[2])} test ratings")
    for name in ("SVD", "BaselineOnly"):
        res = fit_surprise(name, train, test)
        print({k: v for k, v in res.items() if k != "predictions"})
