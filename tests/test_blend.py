"""Blend: weights against numpy least squares on the validation split, predictions and
rankings against the members' own, support buckets, model files holding the members,
cross-validation (clone), member fit data, and bad members."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec.model_selection import cross_validate


def members():
    return [mfrec.Baseline(n_epochs=3), mfrec.ALS(n_factors=4, n_epochs=3, random_state=0)]


def split_like_blend(data, val_size=0.1, seed=0):
    perm = np.random.default_rng(seed).permutation(data.nnz)
    n_val = int(round(val_size * data.nnz))
    return data.subset(np.sort(perm[n_val:])), data.subset(np.sort(perm[:n_val]))


def test_weights_are_least_squares_on_the_validation_part(small):
    b = mfrec.Blend(members(), reg=0.0, refit=False).fit(small)
    part, val = split_like_blend(small)
    P = np.column_stack([m.predict(val.users, val.items) for m in b.members_])
    Z = np.hstack([np.ones((val.nnz, 1)), P.astype(np.float64)])
    beta, *_ = np.linalg.lstsq(Z, val.ratings.astype(np.float64), rcond=None)
    np.testing.assert_allclose(b.weights_[0], beta, atol=1e-5)
    # the members were fitted on the rest only
    assert b.members_[0]._train.nnz == part.nnz


def test_prediction_is_the_weighted_sum_of_the_members(small):
    b = mfrec.Blend(members()).fit(small)
    assert all(m._train.nnz == small.nnz for m in b.members_)  # refitted on everything
    u, i = small.users[:200], small.items[:200]
    P = np.column_stack([m.predict(u, i) for m in b.members_]).astype(np.float64)
    expect = np.clip(b.weights_[0, 0] + P @ b.weights_[0, 1:], 1, 5)
    np.testing.assert_allclose(b.predict(u, i), expect, rtol=1e-6, atol=1e-5)


def test_recommend_ranks_by_the_blended_scores(small):
    b = mfrec.Blend(members()).fit(small)
    users = small.user_ids[:5]
    ids, scores = b.recommend(users, n=5, filter_seen=False)
    items = small.item_ids
    for row_ids, row_scores, u in zip(ids, scores, users):
        # members' unclipped scores (what their recommend ranks by), blended
        raw = b.weights_[0, 0] + sum(
            w * m.predict(np.full(len(items), u), items, clip=False).astype(np.float64)
            for w, m in zip(b.weights_[0, 1:], b.members_))
        best = np.argsort(-raw, kind="stable")[:5]
        np.testing.assert_allclose(row_scores, raw[best], rtol=1e-5)
        assert set(row_ids.tolist()) == set(items[best].tolist())


def test_buckets_give_items_their_own_weights(small):
    b = mfrec.Blend(members(), buckets=(20, 40), reg_bucket=1.0).fit(small)
    assert b.weights_.shape == (3, 3) and list(b.bucket_edges_) == [20, 40]
    assert not np.allclose(b.weights_[0], b.weights_[2])
    counts = small.item_counts()
    j = int(np.flatnonzero(counts >= 40)[0])
    u = small.users[:3]
    P = np.column_stack([m.predict(u, np.full(3, j)) for m in b.members_]).astype(np.float64)
    expect = np.clip(b.weights_[2, 0] + P @ b.weights_[2, 1:], 1, 5)
    np.testing.assert_allclose(b.predict(u, np.full(3, j)), expect, rtol=1e-6, atol=1e-5)


def test_members_are_clones_and_fit_data_reaches_content(small, tmp_path):
    given = members() + [mfrec.ContentBased(n_epochs=1)]
    F = (np.random.default_rng(0).random((small.n_items, 4)) < 0.5).astype(np.float32)
    b = mfrec.Blend(given).fit(small, item_features=F)
    assert not any(hasattr(m, "user_factors_") for m in given)
    np.testing.assert_array_equal(b.members_[2].item_factors_.shape, (small.n_items, 4))
    b.save(tmp_path / "blend.npz")
    loaded = mfrec.load(tmp_path / "blend.npz")
    assert [type(m) for m in loaded.members_] == [type(m) for m in b.members_]
    assert type(loaded.models[2]) is mfrec.ContentBased and loaded.models[2].n_epochs == 1
    u, i = small.users[:100], small.items[:100]
    np.testing.assert_array_equal(loaded.predict(u, i), b.predict(u, i))
    np.testing.assert_array_equal(loaded.recommend(small.user_ids[:4], n=6)[0],
                                  b.recommend(small.user_ids[:4], n=6)[0])


def test_cross_validate_clones_the_blend(small):
    res = cross_validate(mfrec.Blend(members()), small, cv=2)
    assert len(res["test_neg_rmse"]) == 2 and np.all(res["test_neg_rmse"] > -1.2)


def test_blend_beats_its_members_on_ml100k(ml100k):
    train, test = mfrec.model_selection.train_test_split(ml100k, test_size=0.2,
                                                         random_state=0)
    b = mfrec.Blend([mfrec.Baseline(), mfrec.ALS(random_state=0, n_epochs=8),
                     mfrec.ContentBased()]).fit(train)
    rmse = lambda m: mfrec.metrics.rmse(test.ratings, m.predict(test.users, test.items))  # noqa: E731
    assert rmse(b) < min(rmse(m) for m in b.members_) - 0.003


def test_bad_members(small):
    with pytest.raises(TypeError, match="non-empty list"):
        mfrec.Blend([]).fit(small)
    with pytest.raises(TypeError, match=r"models\[1\] is not an mfrec model"):
        mfrec.Blend([mfrec.Baseline(), "ALS"]).fit(small)
    with pytest.raises(TypeError, match="do not nest"):
        mfrec.Blend([mfrec.Blend()]).fit(small)
    with pytest.raises(ValueError, match="implicit"):
        mfrec.Blend([mfrec.ImplicitALS()]).fit(small)
    with pytest.raises(ValueError, match="val_size"):
        mfrec.Blend(members(), val_size=1.5).fit(small)
    with pytest.raises(ValueError, match="increasing"):
        mfrec.Blend(members(), buckets=(10, 5)).fit(small)
    with pytest.raises(NotImplementedError):
        mfrec.Blend(members()).fit(small).fold_in(small.to_csr()[:2])


def test_corrupt_blend_file_is_refused(small, tmp_path):
    import json
    import zipfile

    b = mfrec.Blend(members()).fit(small)
    b.save(tmp_path / "b.npz")
    with zipfile.ZipFile(tmp_path / "b.npz") as zf:
        arrays = {n[:-4]: np.lib.format.read_array(zf.open(n)) for n in zf.namelist()}
    header = json.loads(str(arrays["__mfrec__"]))
    header["state"]["members_"]["models"].pop()  # one member fewer than weights
    arrays["__mfrec__"] = np.array(json.dumps(header))
    with zipfile.ZipFile(tmp_path / "bad.npz", "w") as zf:
        for k, v in arrays.items():
            with zf.open(k + ".npy", "w") as f:
                np.lib.format.write_array(f, v, allow_pickle=False)
    with pytest.raises(mfrec.ModelFileError, match="Blend"):
        mfrec.load(tmp_path / "bad.npz")


def test_risk_averse_recommend(small):
    b = mfrec.Blend(members()).fit(small)
    se = b._scoring().item_uncertainty(1)
    assert se.shape == (small.n_items,) and np.all(se > 0)
    plain = b.recommend(small.user_ids[:3], n=5)[1]
    careful = b.recommend(small.user_ids[:3], n=5, risk_aversion=2.0)[1]
    assert np.all(careful[:, 0] < plain[:, 0])


def test_add_users_and_items_through_the_members(small, tmp_path):
    b = mfrec.Blend(members()).fit(small)
    new = small.to_csr()[:3]
    ids = b.add_users(new)
    assert ids.tolist() == [small.n_users, small.n_users + 1, small.n_users + 2]
    assert all(m.n_users == small.n_users + 3 for m in b.members_)
    items = np.arange(10)
    P = np.column_stack([m.predict(np.full(10, ids[0]), items) for m in b.members_])
    expect = np.clip(b.weights_[0, 0] + P.astype(np.float64) @ b.weights_[0, 1:], 1, 5)
    np.testing.assert_allclose(b.predict(np.full(10, ids[0]), items), expect, rtol=1e-6,
                               atol=1e-5)
    seen = set(new[0].indices.tolist())
    assert not seen & set(b.recommend([ids[0]], n=20)[0][0].tolist())
    col = sp.vstack([small.to_csr()[:, :1], sp.csr_matrix((3, 1))]).tocsr()
    (j,) = b.add_items(col)
    assert j == small.n_items and all(m.n_items == small.n_items + 1 for m in b.members_)
    b.save(tmp_path / "b.npz")
    loaded = mfrec.load(tmp_path / "b.npz")
    u = np.repeat(ids, 4)
    i = np.tile([0, 1, 2, j], 3)
    np.testing.assert_array_equal(loaded.predict(u, i), b.predict(u, i))


def test_new_items_reach_a_content_member_with_their_features(small):
    F = (np.random.default_rng(0).random((small.n_items, 4)) < 0.5).astype(np.float32)
    b = mfrec.Blend(members() + [mfrec.ContentBased(normalize=False)]).fit(
        small, item_features=F)
    new_f = np.array([[1, 0, 1, 1]], dtype=np.float32)
    (j,) = b.add_items(sp.csr_matrix((small.n_users, 1), dtype=np.float32),
                       item_features=new_f)
    np.testing.assert_array_equal(b.members_[2].item_factors_[j], new_f[0])
    scores = b.predict(small.users[:20], np.full(20, j), clip=False)
    assert np.unique(np.round(scores, 5)).size > 1  # users differ on it: the features count
