import numpy as np
import pytest
import scipy.sparse as sp

import mfrec


def test_canonical_csr(toy):
    assert toy.n_users == 5 and toy.n_items == 4 and toy.nnz == 10
    assert list(toy.user_ids) == ["ann", "bob", "cat", "dan", "eve"]
    assert list(toy.item_ids) == ["w", "x", "y", "z"]
    assert toy.indptr.dtype == np.int64 and toy.item_index.dtype == np.int32
    assert toy.ratings.dtype == np.float32
    X = toy.to_csr()
    assert X.shape == (5, 4) and X.has_sorted_indices
    assert X[1, 3] == 1  # bob, z
    assert X[0, 1] == 5  # ann, x
    coo = toy.to_coo()
    assert coo.nnz == 10
    np.testing.assert_array_equal(toy.users[:2], ["ann", "ann"])
    assert toy.rating_scale == (1.0, 5.0)


def test_inferred_scale_and_implicit():
    d = mfrec.Interactions([1, 2], [3, 4], [0.5, 4.5])
    assert d.rating_scale == (0.5, 4.5)
    d = mfrec.Interactions([1, 2], [3, 4])
    assert np.all(d.ratings == 1)


@pytest.mark.parametrize("policy,value", [("sum", 7.0), ("last", 4.0), ("mean", 3.5)])
def test_duplicates(policy, value):
    users, items, r = [1, 1, 2], [9, 9, 9], [3, 4, 5]
    with pytest.raises(ValueError, match="duplicate.*user=1, item=9"):
        mfrec.Interactions(users, items, r)
    d = mfrec.Interactions(users, items, r, duplicates=policy)
    assert d.nnz == 2
    assert d.to_csr()[0, 0] == value


def test_from_sparse_sums_duplicates_like_scipy():
    X = sp.coo_matrix(([1.0, 2.0, 5.0], ([0, 0, 1], [1, 1, 2])), shape=(3, 4))
    d = mfrec.Interactions.from_sparse(X)
    assert d.shape == (3, 4) and d.nnz == 2
    assert d.to_csr()[0, 1] == 3.0
    assert d.user_counts().tolist() == [1, 1, 0]


def test_from_pandas():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"userId": [1, 2, 2], "movieId": [10, 10, 20], "rating": [4.0, 3.0, 5.0],
                       "ts": [5, 6, 7]})
    d = mfrec.Interactions.from_pandas(
        df, columns={"user": "userId", "item": "movieId", "rating": "rating", "timestamp": "ts"})
    assert d.nnz == 3 and d.timestamps.tolist() == [5, 6, 7]
    d2 = mfrec.Interactions.from_pandas(df, columns=["userId", "movieId", "rating"])
    assert np.array_equal(d2.ratings, d.ratings)
    with pytest.raises(ValueError, match="no column"):
        mfrec.Interactions.from_pandas(df, columns={"user": "nope", "item": "movieId"})
    m = mfrec.FunkSVD(n_factors=2, n_epochs=1, random_state=0).fit(
        df.rename(columns={"userId": "user", "movieId": "item"}))
    assert m.predict([2], [20]).shape == (1,)


def test_subset_keeps_id_maps(toy):
    train, test = mfrec.model_selection.train_test_split(toy, test_size=0.3, random_state=0)
    assert train.user_map is toy.user_map and test.item_map is toy.item_map
    assert train.nnz + test.nnz == toy.nnz and test.nnz == 3
    assert train.rating_scale == toy.rating_scale
    pairs = set(zip(train.users, train.items)) | set(zip(test.users, test.items))
    assert pairs == set(zip(toy.users, toy.items))


def test_binarize(toy):
    b = toy.binarize(4)
    assert b.nnz == int((toy.ratings >= 4).sum())
    assert np.all(b.ratings == 1) and b.user_map is toy.user_map


def test_explicit_id_maps():
    d = mfrec.Interactions([1], [2], [3.0], user_ids=[1, 5], item_ids=[2, 7])
    assert d.n_users == 2 and d.n_items == 2 and d.user_counts().tolist() == [1, 0]
    with pytest.raises(ValueError, match="user id 9 is not in the given user_ids"):
        mfrec.Interactions([9], [2], [3.0], user_ids=[1, 5])


@pytest.mark.parametrize("bad,match", [
    (dict(ratings=[1.0, np.nan]), "non-finite"),
    (dict(ratings=[1.0, np.inf]), "non-finite"),
    (dict(ratings=["a", "b"]), "numeric"),
    (dict(items=[1]), "differ in length"),
    (dict(ratings=[1.0]), "length"),
])
def test_bad_input(bad, match):
    kw = dict(users=[1, 2], items=[3, 4], ratings=[1.0, 2.0]) | bad
    with pytest.raises((ValueError, TypeError), match=match):
        mfrec.Interactions(**kw)


def test_empty_raises():
    with pytest.raises(ValueError, match="no interactions"):
        mfrec.Interactions([], [], [])
    with pytest.raises(ValueError, match="empty"):
        mfrec.Interactions.from_sparse(sp.csr_matrix((3, 3)))


def test_readonly_and_noncontiguous_inputs():
    users = np.arange(20)[::2]
    items = np.arange(30)[::3]
    ratings = np.linspace(1, 5, 10)
    ratings.flags.writeable = False
    d = mfrec.Interactions(users, items, ratings)
    m = mfrec.FunkSVD(n_factors=3, n_epochs=2, random_state=0).fit(d)
    q_users = np.repeat(users, 2)[::2]
    q_users.flags.writeable = False
    assert m.predict(q_users, items).shape == (10,)
