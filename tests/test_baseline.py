import numpy as np
import pytest

import mfrec
from reference import baseline_als


def test_matches_reference(small):
    m = mfrec.Baseline(n_epochs=4, reg_user=15, reg_item=10).fit(small)
    bu, bi = baseline_als(small.indptr, small.item_index, small.ratings.astype(np.float64),
                          small.n_items, small.ratings.mean(dtype=np.float64), 15, 10, 4)
    np.testing.assert_allclose(m.user_bias_, bu, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(m.item_bias_, bi, rtol=1e-4, atol=1e-5)


def test_hand_computed():
    # users a, b; items x, y; μ = 3; one sweep with reg 0: b_i first, then b_u.
    data = mfrec.Interactions(["a", "a", "b"], ["x", "y", "x"], [4, 2, 3])
    m = mfrec.Baseline(n_epochs=1, reg_user=0, reg_item=0).fit(data)
    # b_x = ((4-3) + (3-3)) / 2 = 0.5, b_y = (2-3)/1 = -1
    # b_a = ((4-3-0.5) + (2-3+1)) / 2 = 0.25, b_b = (3-3-0.5)/1 = -0.5
    np.testing.assert_allclose(m.item_bias_, [0.5, -1.0])
    np.testing.assert_allclose(m.user_bias_, [0.25, -0.5])
    np.testing.assert_allclose(m.predict(["a"], ["y"]), [3 + 0.25 - 1.0])


def test_deterministic_across_threads(small):
    a = mfrec.Baseline(n_threads=1).fit(small)
    b = mfrec.Baseline(n_threads=2).fit(small)
    assert np.array_equal(a.user_bias_, b.user_bias_)


def test_movielens(ml100k):
    train, test = mfrec.model_selection.train_test_split(ml100k, 0.2, random_state=0)
    rmse = mfrec.evaluate(mfrec.Baseline().fit(train), test)["rmse"]
    assert 0.93 < rmse < 0.96  # Surprise's BaselineOnly: ≈ 0.944 on such splits


def test_loss_decreases(small):
    m = mfrec.Baseline(n_epochs=5).fit(small)
    loss = [h["loss"] for h in m.history_]
    assert loss[-1] <= loss[0]
    with pytest.raises(ValueError):
        mfrec.Baseline(reg_user=-1).fit(small)


def test_loss_is_training_mse(small):
    m = mfrec.Baseline(n_epochs=3).fit(small)
    pred = m.predict(small.users, small.items, clip=False)
    mse = np.mean((pred.astype(np.float64) - small.ratings) ** 2)
    assert m.history_[-1]["loss"] == pytest.approx(mse, rel=1e-4)
