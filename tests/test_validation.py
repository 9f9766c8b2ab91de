"""Bad parameters and inputs raise errors that name the problem."""

import numpy as np
import pytest

import mfrec
from mfrec._validation import resolve_n_threads, usable_cores


@pytest.mark.parametrize("params,exc,match", [
    (dict(n_factors=0), ValueError, "n_factors"),
    (dict(n_factors=2.5), TypeError, "n_factors"),
    (dict(lr=0), ValueError, "lr"),
    (dict(lr=-0.1), ValueError, "lr"),
    (dict(reg=-1), ValueError, "reg"),
    (dict(n_threads=0), ValueError, "n_threads=0"),
    (dict(n_threads="2"), TypeError, "n_threads"),
    (dict(lr_schedule="cosine"), ValueError, "lr_schedule"),
    (dict(lr_decay=1.5), ValueError, "lr_decay"),
    (dict(n_epochs=-1), ValueError, "n_epochs"),
    (dict(random_state="x"), TypeError, "random_state"),
    (dict(biased="yes"), TypeError, "biased"),
    (dict(n_iter_no_change=3), ValueError, "eval_set"),
])
def test_bad_params(small, params, exc, match):
    with pytest.raises(exc, match=match):
        mfrec.FunkSVD(**params).fit(small)


def test_bad_fit_input():
    with pytest.raises(TypeError, match="Interactions"):
        mfrec.FunkSVD().fit(np.ones((3, 3)))
    with pytest.raises(TypeError, match="callable"):
        mfrec.FunkSVD(n_epochs=1).fit(mfrec.datasets.synthetic(20, 10, 50, random_state=0),
                                      callback=3)


def test_bad_predict_input(small):
    m = mfrec.FunkSVD(n_factors=4, n_epochs=1, random_state=0).fit(small)
    with pytest.raises(ValueError, match="differ in length"):
        m.predict([0, 1], [0])
    with pytest.raises(ValueError, match="1-D"):
        m.predict(np.zeros((2, 2), int), np.zeros((2, 2), int))
    with pytest.raises(KeyError, match="unknown .*user.* -5"):
        m.predict([-5], [0])
    with pytest.raises(ValueError, match="unknown"):
        m.predict([0], [10**9], unknown="maybe")


def test_thread_resolution():
    n = usable_cores()
    assert resolve_n_threads(None) == n and resolve_n_threads(-1) == n
    assert resolve_n_threads(-2) == max(1, n - 1)
    assert resolve_n_threads(3) == 3
    with pytest.raises(ValueError):
        resolve_n_threads(0)


def test_kernel_rejects_wrong_dtype():
    from mfrec import _core

    out = np.empty(1, np.float32)
    P = np.zeros((1, 2), np.float32)
    b = np.zeros(1, np.float32)
    params = _core.PredictParams(clip=True, lo=1.0, hi=5.0)
    _core.predict_pairs(np.zeros(1, np.int64), np.zeros(1, np.int64), P, P, out, user_bias=b,
                        item_bias=b, params=params, n_threads=1)  # the right dtypes pass
    with pytest.raises(TypeError):
        _core.predict_pairs(np.zeros(1, np.int32), np.zeros(1, np.int64), P, P, out,
                            user_bias=b, item_bias=b, params=params, n_threads=1)
    with pytest.raises(ValueError, match="out of range"):
        _core.predict_pairs(np.array([3]), np.zeros(1, np.int64), P, P, out, user_bias=b,
                            item_bias=b, params=params, n_threads=1)
