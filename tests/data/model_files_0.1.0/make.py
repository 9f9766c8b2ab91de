"""Writes the model files in this directory with mfrec 0.1.0 (commit f762787).

tests/test_persistence_compat.py loads them with the current mfrec and checks every
prediction, recommendation and fold-in against the values recorded here in ``expected.npz``
by the release that wrote them. Rerun only with that release installed:

    git worktree add /tmp/mfrec-0.1.0 f762787 && pip install /tmp/mfrec-0.1.0
    python tests/data/model_files_0.1.0/make.py
"""

from pathlib import Path

import numpy as np

import mfrec

HERE = Path(__file__).resolve().parent
assert mfrec.__version__ == "0.1.0", mfrec.__version__


def data():
    """60 users x 40 items with string user ids, int item ids and item titles."""
    base = mfrec.datasets.synthetic(60, 40, 900, random_state=3)
    users = np.array([f"user{u:02d}" for u in base.user_index])
    titles = np.array([f"Movie {i}" for i in range(base.n_items)], dtype=object)
    return mfrec.Interactions(users, base.item_index.astype(np.int64) + 100, base.ratings,
                              rating_scale=(1, 5), item_metadata={"title": titles})


def _ints(ids):
    """Raw item ids (ints, padding None) as int64 with padding -1."""
    return np.array([[-1 if v is None else v for v in row] for row in ids], dtype=np.int64)


MODELS = {
    "funksvd": mfrec.FunkSVD(n_factors=6, n_epochs=4, n_blocks=2, random_state=0, n_threads=1),
    "funksvd_unbiased": mfrec.FunkSVD(n_factors=5, n_epochs=3, biased=False, random_state=1,
                                      lr_schedule="constant", lr=0.01, n_threads=1),
    "baseline": mfrec.Baseline(n_epochs=3, n_threads=1),
    "als": mfrec.ALS(n_factors=4, n_epochs=3, random_state=0, n_threads=1),
    "implicitals": mfrec.ImplicitALS(n_factors=4, n_epochs=3, random_state=0, n_threads=1,
                                     confidence="log", alpha=5.0),
}

if __name__ == "__main__":
    d = data()
    users = d.user_ids[[0, 5, 17, 59]]
    items = d.item_ids[[0, 3, 20, 39]]
    new = mfrec.Interactions(["newbie"] * 3, d.item_ids[[1, 2, 7]], [5.0, 3.0, 4.0])
    expected = {}
    for name, model in MODELS.items():
        model.fit(d)
        model.save(HERE / f"{name}.npz")
        expected[f"{name}.predict"] = model.predict(users, items)
        ids, scores = model.recommend(users, n=5)
        expected[f"{name}.recommend_ids"] = _ints(ids)
        expected[f"{name}.recommend_scores"] = scores
        sim_ids, sim_scores = model.similar_items(items[:2], n=4)
        expected[f"{name}.similar_ids"] = _ints(sim_ids)
        expected[f"{name}.similar_scores"] = sim_scores
        f, b = model.fold_in(new)
        expected[f"{name}.fold_in_factors"] = f
        expected[f"{name}.fold_in_bias"] = b
    np.savez(HERE / "expected.npz", **expected)
    print("wrote", sorted(p.name for p in HERE.glob("*.npz")))
