import numpy as np
import pytest

import mfrec
from mfrec.metrics import mae, rmse


def test_rmse_mae_hand_computed():
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(np.sqrt(4 / 3))
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="length"):
        rmse([1, 2], [1])
    with pytest.raises(ValueError, match="empty"):
        mae([], [])


def test_evaluate(small):
    train, test = mfrec.model_selection.train_test_split(small, 0.25, random_state=0)
    m = mfrec.Baseline().fit(train)
    res = mfrec.evaluate(m, test, metrics=["rmse", "mae"])
    pred = m.predict(test.users, test.items)
    assert res["rmse"] == pytest.approx(rmse(test.ratings, pred))
    assert res["mae"] == pytest.approx(mae(test.ratings, pred))
    with pytest.raises(ValueError, match="unknown metric"):
        mfrec.evaluate(m, test, metrics=["auc2"])


def test_train_test_split(small):
    tr, te = mfrec.model_selection.train_test_split(small, test_size=0.2, random_state=3)
    assert te.nnz == round(0.2 * small.nnz) and tr.nnz + te.nnz == small.nnz
    tr2, te2 = mfrec.model_selection.train_test_split(small, test_size=0.2, random_state=3)
    assert np.array_equal(te.ratings, te2.ratings) and np.array_equal(te.users, te2.users)
    _, te3 = mfrec.model_selection.train_test_split(small, test_size=100, random_state=0)
    assert te3.nnz == 100
    for bad in (0.0, 1.0, 0, small.nnz, "x"):
        with pytest.raises((ValueError, TypeError)):
            mfrec.model_selection.train_test_split(small, test_size=bad)
