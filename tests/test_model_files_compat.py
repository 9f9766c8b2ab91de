"""Model files written by mfrec 0.1.0 (commit f762787) load and behave as they did.

The files and the values their models produced then (``expected.npz``) were written by
``tests/data/model_files_0.1.0/make.py`` with that release installed; the current mfrec must
load every one (the classes moved into ``mfrec.models`` since) and give the same
predictions, recommendations, similar items and fold-in solutions.
"""

from pathlib import Path

import numpy as np
import pytest

import mfrec

HERE = Path(__file__).resolve().parent / "data" / "model_files_0.1.0"
NAMES = ["funksvd", "funksvd_unbiased", "baseline", "als", "implicitals"]
CLASSES = {"funksvd": mfrec.FunkSVD, "funksvd_unbiased": mfrec.FunkSVD,
           "baseline": mfrec.Baseline, "als": mfrec.ALS, "implicitals": mfrec.ImplicitALS}


@pytest.fixture(scope="module")
def expected():
    with np.load(HERE / "expected.npz") as f:
        return dict(f)


def _ints(ids):
    return np.array([[-1 if v is None else v for v in row] for row in ids], dtype=np.int64)


@pytest.mark.parametrize("name", NAMES)
def test_release_0_1_0_files_load(name, expected):
    model = mfrec.load(HERE / f"{name}.npz")
    assert type(model) is CLASSES[name]
    users = model.user_map_.ids[[0, 5, 17, 59]]
    items = model.item_map_.ids[[0, 3, 20, 39]]
    np.testing.assert_allclose(model.predict(users, items), expected[f"{name}.predict"],
                               rtol=1e-6)
    ids, scores = model.recommend(users, n=5)
    np.testing.assert_array_equal(_ints(ids), expected[f"{name}.recommend_ids"])
    np.testing.assert_allclose(scores, expected[f"{name}.recommend_scores"], rtol=1e-6)
    ids, scores = model.similar_items(items[:2], n=4)
    np.testing.assert_array_equal(_ints(ids), expected[f"{name}.similar_ids"])
    np.testing.assert_allclose(scores, expected[f"{name}.similar_scores"], rtol=1e-6)
    new = mfrec.Interactions(["newbie"] * 3, model.item_map_.ids[[1, 2, 7]], [5.0, 3.0, 4.0])
    f, b = model.fold_in(new)
    np.testing.assert_allclose(f, expected[f"{name}.fold_in_factors"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(b, expected[f"{name}.fold_in_bias"], rtol=1e-5, atol=1e-7)
    assert model._train.item_metadata["title"][0] == "Movie 0"
