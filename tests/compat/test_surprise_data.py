"""mfrec.compat.surprise: Reader, Dataset, Trainset, the splitters, accuracy, dump."""

from __future__ import annotations

import itertools
import math
import os
import zipfile

import numpy as np
import pytest

from mfrec.compat import surprise
from mfrec.compat.surprise import Dataset, Reader, accuracy
from mfrec.compat.surprise.model_selection import (
    KFold,
    LeaveOneOut,
    PredefinedKFold,
    RepeatedKFold,
    ShuffleSplit,
    train_test_split,
)

LINES = ["# a header line", "u1 i1 4", "u1 i2 2", "u2 i1 5", "u3 i3 1", "u2 i3 3", "u4 i2 4",
         "u3 i1 2", "u4 i4 5", "u5 i2 3", "u5 i4 1"]


@pytest.fixture
def toy(tmp_path):
    path = tmp_path / "ratings.txt"
    path.write_text("\n".join(LINES) + "\n")
    return Dataset.load_from_file(str(path), Reader(line_format="user item rating", sep=" ",
                                                    skip_lines=1, rating_scale=(1, 5)))


def test_reader_parses_fields_in_any_order():
    r = Reader(line_format="item timestamp user rating", sep=",")
    assert r.parse_line("i9, 123 ,u7,4.5\n") == ("u7", "i9", 4.5, "123")
    assert Reader(line_format="user item rating").parse_line("a b 3") == ("a", "b", 3.0, None)
    assert Reader("ml-100k").sep == "\t" and Reader("ml-1m").sep == "::"
    with pytest.raises(ValueError, match="line_format"):
        Reader(line_format="user item score")
    with pytest.raises(ValueError, match="unknown reader"):
        Reader("ml-7")
    with pytest.raises(ValueError, match="Impossible to parse"):
        Reader(sep=",").parse_line("a,b")


def test_trainset_inner_ids_follow_first_appearance(toy):
    ts = toy.build_full_trainset()
    assert (ts.n_users, ts.n_items, ts.n_ratings) == (5, 4, 10)
    assert [ts.to_raw_uid(u) for u in ts.all_users()] == ["u1", "u2", "u3", "u4", "u5"]
    assert [ts.to_raw_iid(i) for i in ts.all_items()] == ["i1", "i2", "i3", "i4"]
    assert ts.ur[ts.to_inner_uid("u2")] == [(0, 5.0), (2, 3.0)]
    assert ts.ir[ts.to_inner_iid("i1")] == [(0, 4.0), (1, 5.0), (2, 2.0)]
    assert ts.global_mean == pytest.approx(np.mean([4, 2, 5, 1, 3, 4, 2, 5, 3, 1]))
    assert ts.knows_user(4) and not ts.knows_user(5) and not ts.knows_user("UKN__x")
    with pytest.raises(ValueError, match="not part of the trainset"):
        ts.to_inner_uid("nobody")
    with pytest.raises(ValueError, match="not a valid inner id"):
        ts.to_raw_iid(99)
    assert sorted(ts.build_testset()) == sorted(
        (u, i, float(r)) for u, i, r in (line.split() for line in LINES[1:]))
    anti = ts.build_anti_testset()
    assert len(anti) == 5 * 4 - 10
    assert {(u, i) for u, i, _ in anti}.isdisjoint({(u, i) for u, i, _ in ts.build_testset()})
    assert all(f == ts.global_mean for _, _, f in anti)
    assert all(f == 3.0 for _, _, f in ts.build_anti_testset(fill=3))


def test_trainset_built_by_hand_matches_the_dataset_one(toy):
    ts = toy.build_full_trainset()
    again = surprise.Trainset(ts.ur, ts.ir, ts.n_users, ts.n_items, ts.n_ratings,
                              ts.rating_scale, ts._raw2inner_id_users, ts._raw2inner_id_items)
    assert list(again.all_ratings()) == list(ts.all_ratings())
    assert again.global_mean == ts.global_mean


def test_load_from_df_and_folds(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"who": [1, 1, 2], "what": [10, 20, 10], "score": [3, 4, 5]})
    data = Dataset.load_from_df(df, Reader(rating_scale=(1, 5)))
    assert data.raw_ratings == [(1, 10, 3.0, None), (1, 20, 4.0, None), (2, 10, 5.0, None)]
    train, test = tmp_path / "train", tmp_path / "test"
    train.write_text("a x 1\nb y 2\n")
    test.write_text("a y 3\n")
    folds = Dataset.load_from_folds([(str(train), str(test))], Reader(sep=" "))
    (trainset, testset), = PredefinedKFold().split(folds)
    assert trainset.n_ratings == 2 and testset == [("a", "y", 3.0)]
    with pytest.raises(ValueError, match="does not exist"):
        Dataset.load_from_folds([(str(train), str(tmp_path / "missing"))], Reader())


def test_load_builtin_reads_movielens_in_file_order(monkeypatch, tmp_path):
    home = os.environ.get("MFREC_DATA")
    if not home or not os.path.isfile(os.path.join(home, "ml-100k", "u.data")):
        pytest.skip("MovieLens 100K not in $MFREC_DATA")
    monkeypatch.setenv("SURPRISE_DATA_FOLDER", str(tmp_path))  # not in Surprise's folder
    data = Dataset.load_builtin("ml-100k")
    assert len(data.raw_ratings) == 100_000
    with open(os.path.join(home, "ml-100k", "u.data")) as f:
        first = f.readline().split("\t")
    assert data.raw_ratings[0] == (first[0], first[1], float(first[2]), first[3].strip())
    with pytest.raises(ValueError, match="unknown dataset"):
        Dataset.load_builtin("ml-7")


def _ratings(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return [(f"u{rng.integers(30)}", f"i{rng.integers(40)}", float(rng.integers(1, 6)), None)
            for _ in range(n)]


class _Raw(Dataset):
    def __init__(self, raw):
        Dataset.__init__(self, Reader())
        self.raw_ratings = raw


def test_kfold_partitions_the_ratings_and_repeats_with_a_seed():
    data = _Raw(_ratings(103))
    folds = list(KFold(n_splits=4, random_state=1).split(data))
    sizes = [len(te) for _, te in folds]
    assert sorted(sizes) == [25, 26, 26, 26] and sum(sizes) == 103
    for tr, te in folds:
        assert tr.n_ratings + len(te) == 103
    tests = [sorted(map(str, te)) for _, te in folds]
    again = [sorted(map(str, te)) for _, te in KFold(n_splits=4, random_state=1).split(data)]
    assert tests == again
    other = [sorted(map(str, te)) for _, te in KFold(n_splits=4, random_state=2).split(data)]
    assert tests != other
    unshuffled = list(KFold(n_splits=4, shuffle=False).split(data))
    assert unshuffled[0][1] == [(u, i, r) for u, i, r, _ in data.raw_ratings[:26]]
    with pytest.raises(ValueError, match="n_splits"):
        list(KFold(n_splits=1).split(data))
    assert len(list(RepeatedKFold(n_splits=3, n_repeats=2, random_state=0).split(data))) == 6
    assert RepeatedKFold(n_splits=3, n_repeats=2).get_n_folds() == 6


def test_shuffle_split_sizes_and_train_test_split():
    data = _Raw(_ratings(100))
    tr, te = train_test_split(data, test_size=0.25, random_state=0)
    assert (tr.n_ratings, len(te)) == (75, 25)
    tr, te = train_test_split(data, test_size=10, train_size=0.5, random_state=0)
    assert (tr.n_ratings, len(te)) == (50, 10)
    with pytest.raises(ValueError, match="should be less than"):
        train_test_split(data, test_size=100)
    with pytest.raises(ValueError, match="strictly greater than 0"):
        ShuffleSplit(test_size=0)
    with pytest.raises(ValueError, match="sum of train_size and test_size"):
        train_test_split(data, test_size=60, train_size=50)
    assert len(list(ShuffleSplit(n_splits=3, random_state=0).split(data))) == 3


def test_leave_one_out_takes_one_rating_per_user():
    raw = _ratings(300)
    per_user = {u: sum(1 for x in raw if x[0] == u) for u, *_ in raw}
    for tr, te in LeaveOneOut(n_splits=2, random_state=0, min_n_ratings=5).split(_Raw(raw)):
        users = [u for u, _, _ in te]
        assert len(users) == len(set(users))
        assert set(users) == {u for u, c in per_user.items() if c > 5}
        assert tr.n_ratings + len(te) == sum(c for c in per_user.values() if c > 5)
    with pytest.raises(ValueError, match="min_n_ratings"):
        next(LeaveOneOut(min_n_ratings=10_000).split(_Raw(raw)))


def _preds(triples):
    return [surprise.Prediction(u, i, r, est, {}) for u, i, r, est in triples]


def test_accuracy_measures_against_numpy():
    rng = np.random.default_rng(3)
    true, est = rng.integers(1, 6, 50).astype(float), rng.uniform(1, 5, 50)
    preds = _preds([(j % 7, j, t, e) for j, (t, e) in enumerate(zip(true, est))])
    assert accuracy.rmse(preds, verbose=False) == pytest.approx(
        math.sqrt(np.mean((true - est) ** 2)))
    assert accuracy.mse(preds, verbose=False) == pytest.approx(np.mean((true - est) ** 2))
    assert accuracy.mae(preds, verbose=False) == pytest.approx(np.mean(np.abs(true - est)))
    with pytest.raises(ValueError, match="empty"):
        accuracy.rmse([])


def test_fcp_against_the_pairwise_definition():
    rng = np.random.default_rng(4)
    triples = [(int(rng.integers(6)), j, float(rng.integers(1, 6)),
                float(rng.integers(1, 6)))  # integer estimates: ties happen
               for j in range(80)]
    nc, nd = {}, {}
    for u in {t[0] for t in triples}:
        mine = [(r, e) for uu, _, r, e in triples if uu == u]
        c = sum(1 for (ri, ei), (rj, ej) in itertools.product(mine, mine) if ei > ej and ri > rj)
        d = sum(1 for (ri, ei), (rj, ej) in itertools.product(mine, mine) if ei >= ej and ri < rj)
        if c:
            nc[u] = c
        if d:
            nd[u] = d
    expected = np.mean(list(nc.values())) / (np.mean(list(nc.values()))
                                             + np.mean(list(nd.values())))
    assert accuracy.fcp(_preds(triples), verbose=False) == pytest.approx(expected)
    with pytest.raises(ValueError):
        accuracy.fcp(_preds([(0, 0, 3.0, 3.0)]), verbose=False)


def test_dump_and_load_without_pickle(toy, tmp_path):
    trainset = toy.build_full_trainset()
    algo = surprise.SVD(n_factors=3, n_epochs=5, random_state=0).fit(trainset)
    preds = algo.test(trainset.build_testset())
    path = tmp_path / "dump"
    surprise.dump.dump(str(path), predictions=preds, algo=algo)
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as z:  # nothing in it needs pickle
        assert "a_pu" in z.files
    preds2, algo2 = surprise.dump.load(str(path))
    assert preds2 == preds
    assert type(algo2) is surprise.SVD
    assert algo2.test(trainset.build_testset()) == preds
    assert algo2.predict("u1", "i4") == algo.predict("u1", "i4")
    only_preds, none = surprise.dump.load(_dumped(tmp_path / "p", predictions=preds))
    assert only_preds == preds and none is None


def _dumped(path, **kw):
    surprise.dump.dump(str(path), **kw)
    return str(path)


def test_dump_falls_back_to_pickle_for_ids_json_cannot_hold(tmp_path):
    preds = _preds([((1, 2), "i", 3.0, 3.5)])
    path = _dumped(tmp_path / "p", predictions=preds)
    assert not zipfile.is_zipfile(path)
    assert surprise.dump.load(path)[0] == preds
