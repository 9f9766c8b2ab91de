"""Splits of interactions: random, per user, leave-k-out, temporal, KFold, ShuffleSplit."""

import numpy as np
import pytest

import mfrec
from mfrec.model_selection import (
    KFold,
    ShuffleSplit,
    leave_k_out,
    per_user_split,
    temporal_split,
    train_test_split,
)


def keys(data):
    """Unique (user, item) key of each interaction, in canonical order."""
    return data.user_index.astype(np.int64) * data.n_items + data.item_index


def assert_partition(data, train, test):
    assert train.user_map is data.user_map and train.item_map is data.item_map
    assert test.user_map is data.user_map and test.item_map is data.item_map
    assert train.nnz + test.nnz == data.nnz
    assert np.intersect1d(keys(train), keys(test)).size == 0
    assert np.array_equal(np.sort(np.r_[keys(train), keys(test)]), keys(data))
    # ratings and timestamps travel with their rows
    both = np.r_[keys(train), keys(test)]
    order = np.argsort(both)
    assert np.array_equal(np.r_[train.ratings, test.ratings][order], data.ratings)
    if data.timestamps is not None:
        assert np.array_equal(np.r_[train.timestamps, test.timestamps][order], data.timestamps)


def per_user(data, n_users):
    return np.bincount(data.user_index, minlength=n_users)


def same(a, b):
    return np.array_equal(keys(a), keys(b))


@pytest.fixture()
def ragged():
    """Users with 1, 2, 3, 4, 5, 10 interactions; every (user, item) at a distinct time."""
    counts = [1, 2, 3, 4, 5, 10]
    users = np.repeat(np.arange(len(counts)), counts)
    items = np.concatenate([np.arange(c) for c in counts])
    ratings = np.arange(len(users)) % 5 + 1
    timestamps = (np.arange(len(users)) * 7919) % 1000
    return mfrec.Interactions(users, items, ratings, timestamps)

# -- random splits --------------------------------------------------------------------------
def test_train_test_split_unchanged(small):
    tr, te = train_test_split(small, 0.2, random_state=3)
    assert_partition(small, tr, te)
    assert te.nnz == round(0.2 * small.nnz)
    perm = np.random.default_rng(3).permutation(small.nnz)  # the documented construction
    assert np.array_equal(keys(te), np.sort(keys(small)[perm[: te.nnz]]))


def test_per_user_split(small):
    tr, te = per_user_split(small, test_size=0.25, random_state=0)
    assert_partition(small, tr, te)
    n = small.user_counts()
    want = np.minimum(np.round(0.25 * n), n - 1)
    want[n < 3] = 0
    assert np.array_equal(per_user(te, small.n_users), want)
    assert (per_user(tr, small.n_users) >= 1)[n >= 1].all()
    tr2, te2 = per_user_split(small, test_size=0.25, random_state=0)
    assert same(te, te2) and same(tr, tr2)
    _, te3 = per_user_split(small, test_size=0.25, random_state=1)
    assert not same(te, te3)


def test_per_user_split_min_and_cap(ragged):
    n = ragged.user_counts()
    tr, te = per_user_split(ragged, test_size=0.9, random_state=0, min_interactions=3)
    assert_partition(ragged, tr, te)
    # round(0.9 n) capped at n - 1; users below 3 keep everything
    assert per_user(te, 6).tolist() == [0, 0, 2, 3, 4, 9]
    _, te = per_user_split(ragged, test_size=0.5, random_state=0, min_interactions=1)
    assert per_user(te, 6).tolist() == [0, 1, 2, 2, 2, 5]  # halves to even: 1.5 -> 2, 2.5 -> 2
    assert np.array_equal(per_user(te, 6), np.minimum(np.round(0.5 * n), n - 1))


def test_random_ranks_are_uniform():
    # each of a user's 4 interactions lands in the single test slot about equally often
    data = mfrec.Interactions(np.zeros(4, int), np.arange(4), np.ones(4))
    hits = np.zeros(4)
    for seed in range(400):
        _, te = leave_k_out(data, k=1, random_state=seed)
        hits[te.item_index] += 1
    assert hits.sum() == 400 and hits.min() > 60


def test_leave_k_out(small, ragged):
    tr, te = leave_k_out(small, k=2, random_state=0)
    assert_partition(small, tr, te)
    n = small.user_counts()
    assert np.array_equal(per_user(te, small.n_users), np.where(n >= 3, 2, 0))
    assert same(te, leave_k_out(small, k=2, random_state=0)[1])
    # users with fewer than k + min_train interactions keep all in train
    _, te = leave_k_out(ragged, k=2, min_train=2, random_state=0)
    assert per_user(te, 6).tolist() == [0, 0, 0, 2, 2, 2]
    tr, te = leave_k_out(ragged, k=2, min_train=0, random_state=0)
    assert per_user(te, 6).tolist() == [0, 2, 2, 2, 2, 2] and per_user(tr, 6)[1] == 0


@pytest.mark.parametrize("bad", [0, -1, 1.0, 1.5, "0.2", True])
def test_per_user_split_bad_test_size(small, bad):
    with pytest.raises((ValueError, TypeError), match="test_size"):
        per_user_split(small, test_size=bad)


def test_split_errors(small, ragged):
    for k in (0, -2):
        with pytest.raises(ValueError, match="k must be >= 1"):
            leave_k_out(small, k=k)
    with pytest.raises(TypeError, match="k must be an integer"):
        leave_k_out(small, k=1.0)
    with pytest.raises(ValueError, match="min_train"):
        leave_k_out(small, k=1, min_train=-1)
    with pytest.raises(ValueError, match="no interaction in the test set"):
        leave_k_out(ragged, k=20)
    with pytest.raises(ValueError, match="min_interactions"):
        per_user_split(small, min_interactions=0)
    with pytest.raises(ValueError, match="no interaction in the test set"):
        per_user_split(ragged, test_size=0.01)


# -- temporal splits ------------------------------------------------------------------------
def test_temporal_global_fraction(small):
    tr, te = temporal_split(small, test_size=0.2)
    assert_partition(small, tr, te)
    assert te.nnz == round(0.2 * small.nnz)
    assert tr.timestamps.max() <= te.timestamps.min()
    _, te = temporal_split(small, test_size=100)
    assert te.nnz == 100


def test_temporal_at(small):
    cut = int(np.median(small.timestamps))
    tr, te = temporal_split(small, at=cut)
    assert_partition(small, tr, te)
    assert (te.timestamps >= cut).all() and (tr.timestamps < cut).all()
    _, te2 = temporal_split(small, at=np.datetime64(cut, "s"))
    assert same(te, te2)
    _, te3 = temporal_split(small, at="2010-01-01")
    assert (te3.timestamps >= 1262304000).all()
    with pytest.raises(ValueError, match="no interaction in the test set"):
        temporal_split(small, at=small.timestamps.max() + 1)
    with pytest.raises(ValueError, match="every interaction"):
        temporal_split(small, at=0)


def test_temporal_last_n(small, ragged):
    tr, te = temporal_split(small, last_n=2)
    assert_partition(small, tr, te)
    n = small.user_counts()
    assert np.array_equal(per_user(te, small.n_users), np.where(n > 2, 2, 0))
    for u in np.unique(te.user_index):
        assert tr.timestamps[tr.user_index == u].max() <= te.timestamps[te.user_index == u].min()
    _, te = temporal_split(ragged, last_n=4)
    assert per_user(te, 6).tolist() == [0, 0, 0, 0, 4, 4]


def test_temporal_ties_follow_canonical_order():
    # all at the same time: the later rows in canonical (user, item) order are the latest
    data = mfrec.Interactions([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], np.ones(6),
                              timestamps=[5, 5, 5, 5, 5, 5])
    _, te = temporal_split(data, test_size=2)
    assert keys(te).tolist() == [4, 5]
    _, te = temporal_split(data, last_n=1)
    assert keys(te).tolist() == [2, 5]
    data = mfrec.Interactions([0, 0, 0, 1], [0, 1, 2, 0], np.ones(4), timestamps=[9, 1, 9, 3])
    _, te = temporal_split(data, test_size=1)
    assert keys(te).tolist() == [2]  # (0, 2) is after (0, 0) among the t = 9 ties
    _, te = temporal_split(data, last_n=2)
    assert keys(te).tolist() == [0, 2]


def test_temporal_errors(small):
    no_time = mfrec.Interactions.from_sparse(small.to_csr())
    with pytest.raises(ValueError, match="timestamps"):
        temporal_split(no_time, test_size=0.2)
    with pytest.raises(ValueError, match="exactly one"):
        temporal_split(small)
    with pytest.raises(ValueError, match="exactly one"):
        temporal_split(small, 0.2, last_n=1)
    with pytest.raises(ValueError, match="last_n"):
        temporal_split(small, last_n=0)
    with pytest.raises(ValueError, match="test_size"):
        temporal_split(small, test_size=1.2)


# -- CV iterators ---------------------------------------------------------------------------
def test_kfold_partitions(small):
    cv = KFold(7, random_state=0)
    assert cv.get_n_splits() == 7
    folds = list(cv.split(small))
    assert len(folds) == 7
    n = small.nnz
    assert [te.nnz for _, te in folds] == [n // 7 + (i < n % 7) for i in range(7)]
    for tr, te in folds:
        assert_partition(small, tr, te)
    all_test = np.concatenate([keys(te) for _, te in folds])
    assert np.array_equal(np.sort(all_test), keys(small))  # each interaction tested once
    again = list(cv.split(small))
    assert all(same(a[1], b[1]) for a, b in zip(folds, again))
    other = list(KFold(7, random_state=1).split(small))
    assert not same(folds[0][1], other[0][1])
    # unshuffled: contiguous blocks of the canonical order
    blocks = list(KFold(3, shuffle=False).split(small))
    assert np.array_equal(keys(blocks[0][1]), keys(small)[: blocks[0][1].nnz])


def test_kfold_and_shufflesplit_errors(small):
    with pytest.raises(ValueError, match="n_splits"):
        KFold(1)
    with pytest.raises(ValueError, match="shuffle"):
        KFold(3, shuffle=False, random_state=0)
    tiny = mfrec.Interactions([0, 1], [0, 1], [1, 2])
    with pytest.raises(ValueError, match="n_splits=3"):
        list(KFold(3).split(tiny))
    with pytest.raises(ValueError, match="test_size"):
        ShuffleSplit(3, test_size=1.5)


def test_shuffle_split(small):
    cv = ShuffleSplit(4, test_size=0.1, random_state=0)
    splits = list(cv.split(small))
    assert len(splits) == cv.get_n_splits() == 4
    for tr, te in splits:
        assert_partition(small, tr, te)
        assert te.nnz == round(0.1 * small.nnz)
    assert not same(splits[0][1], splits[1][1])
    assert all(same(a[1], b[1]) for a, b in zip(splits, cv.split(small)))
