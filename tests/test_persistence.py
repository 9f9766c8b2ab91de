"""Model files (save / load) and pickling: exact round trips for every exported model, on raw
ids and on a sparse matrix, before and after add_users; atomic saves; unreadable files."""

import copy
import errno
import json
import multiprocessing
import operator
import os
import pickle
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _persist
from mfrec._persist import _save

FAST = {"n_factors": 4, "n_epochs": 3, "random_state": 0, "n_threads": 1}


def exported_models():
    """Every Recommender subclass in ``mfrec.__all__`` (new models join automatically)."""
    return [obj for obj in (getattr(mfrec, n) for n in mfrec.__all__)
            if isinstance(obj, type) and issubclass(obj, mfrec.Recommender)
            and obj is not mfrec.Recommender]


def variants():
    """Small, fast settings per model; models with ``biased`` run both ways."""
    for cls in exported_models():
        params = cls().get_params()
        kw = {k: v for k, v in FAST.items() if k in params}
        if "biased" in params:
            for biased in (True, False):
                yield pytest.param(cls, {**kw, "biased": biased},
                                   id=f"{cls.__name__}-{'biased' if biased else 'unbiased'}")
        else:
            yield pytest.param(cls, kw, id=cls.__name__)


def same_params(a, b):
    """Equal parameters; models inside parameters (a Blend's members) are equal when of one
    class with equal parameters (a clone or a loaded copy is another object)."""
    if isinstance(a, mfrec.Recommender) or isinstance(b, mfrec.Recommender):
        return type(a) is type(b) and same_params(a.get_params(), b.get_params())
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_params(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same_params, a, b))
    return a == b


VARIANTS = list(variants())


def fit(model, data):
    """``model.fit(data)`` with the extra fit data its traits ask for (item features)."""
    traits = model._get_traits()
    return model.fit(data, **(dict(traits.test_fit_data(data)) if traits.test_fit_data else {}))


def test_every_model_family_is_covered():
    names = {cls.__name__ for cls in exported_models()}
    assert {"Baseline", "FunkSVD", "ALS", "ImplicitALS"} <= names


# --------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def raw():
    """String user ids, non-contiguous int item ids, titles, one cold user and one cold item."""
    d = mfrec.datasets.synthetic(50, 30, 500, random_state=3)
    users = np.array([f"u{u:03d}" for u in d.users])
    items = d.items.astype(np.int64) * 7 + 1000
    user_ids = np.append(np.unique(users), "zz-cold")
    item_ids = np.append(np.unique(items), 99999)
    titles = np.array([f"Title of {i}" for i in item_ids], dtype=object)
    genres = np.empty(len(item_ids), dtype=object)  # tuples of str, some empty
    genres[:] = [("Drama", "War")[:i % 3] for i in range(len(item_ids))]
    return mfrec.Interactions(users, items, d.ratings, rating_scale=(1, 5), user_ids=user_ids,
                              item_ids=item_ids,
                              item_metadata={"title": titles, "genres": genres})


@pytest.fixture(scope="module")
def sparse(raw):
    return raw.to_csr()


@pytest.fixture(params=["raw", "sparse"])
def data(request, raw, sparse):
    return raw if request.param == "raw" else sparse


def new_users(model, data):
    """Ratings of two new users, in the form the model's ids call for."""
    items = np.arange(model.n_items)
    if sp.issparse(data):
        return sp.csr_matrix(([4.0, 2.0, 5.0], ([0, 0, 1], items[[1, 4, 2]])),
                             shape=(2, model.n_items))
    raw_items = model.item_map_.ids[[1, 4, 2]]
    return mfrec.Interactions(["new-a", "new-a", "new-b"], raw_items, [4.0, 2.0, 5.0],
                              rating_scale=(1, 5))


def new_items(model, data):
    """Ratings of one new item (one column) by two known users."""
    if sp.issparse(data):
        return sp.csr_matrix(([3.0, 5.0], ([0, 2], [0, 0])), shape=(model.n_users, 1))
    return mfrec.Interactions(model.user_map_.ids[[0, 2]], [123456, 123456],
                              [3.0, 5.0], rating_scale=(1, 5))


# --------------------------------------------------------------------------- comparison
def assert_same_model(a, b, data):
    """Same class, parameters and outputs of every query method, bit for bit."""
    assert type(a) is type(b)
    assert same_params(a.get_params(), b.get_params())
    assert a.user_map_ == b.user_map_ and a.item_map_ == b.item_map_
    assert a.user_map_.ids.dtype == b.user_map_.ids.dtype
    assert a.item_map_.ids.dtype == b.item_map_.ids.dtype
    assert a.rating_scale_ == b.rating_scale_ and a.global_mean_ == b.global_mean_
    uid, iid = a.user_map_.ids, a.item_map_.ids
    pu, pi = np.repeat(uid, len(iid)), np.tile(iid, len(uid))  # every pair, cold ones too
    np.testing.assert_array_equal(a.predict(pu, pi), b.predict(pu, pi))
    # n = every item: the seen filter decides each row's length, so the padding shows.
    for kw in ({"n": a.n_items}, {"n": 5, "filter_seen": False}):
        ids_a, sc_a = a.recommend(**kw)
        ids_b, sc_b = b.recommend(**kw)
        np.testing.assert_array_equal(ids_a, ids_b)
        np.testing.assert_array_equal(sc_a, sc_b)
    for method, ids in (("similar_items", iid), ("similar_users", uid)):
        res_a, res_b = getattr(a, method)(ids, n=5), getattr(b, method)(ids, n=5)
        np.testing.assert_array_equal(res_a[0], res_b[0])
        np.testing.assert_array_equal(res_a[1], res_b[1])
    if a._get_traits().fold_in == "none":  # e.g. Blend: nothing to fold in
        return
    for x, y in zip(a.fold_in(new_users(a, data)), b.fold_in(new_users(b, data))):
        np.testing.assert_array_equal(x, y)


def save_load(model, path):
    model.save(path)
    return mfrec.load(path)


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("cls, kw", VARIANTS)
def test_save_load_round_trip(cls, kw, data, tmp_path):
    model = fit(cls(**kw), data)
    loaded = save_load(model, tmp_path / "model.npz")
    assert_same_model(model, loaded, data)
    assert loaded.history_ == model.history_
    if not sp.issparse(data):
        meta = loaded._train.item_metadata
        assert list(meta) == ["title", "genres"]
        for k, col in meta.items():
            assert col.dtype == object and col.tolist() == data.item_metadata[k].tolist()


@pytest.mark.parametrize("cls, kw", VARIANTS)
def test_round_trip_after_add_users_and_items(cls, kw, data, tmp_path):
    model = fit(cls(**kw), data)
    if model._get_traits().fold_in == "none":
        pytest.skip(f"{cls.__name__} has no fold-in of its own (traits fold_in='none')")
    added = model.add_users(new_users(model, data))
    model.add_items(new_items(model, data))
    loaded = save_load(model, tmp_path / "model.npz")
    assert_same_model(model, loaded, data)
    # The new users' ratings are their "seen" items in the loaded model too.
    new_ids = loaded.user_map_.ids[added]
    ids, _ = loaded.recommend(new_ids, n=loaded.n_items)
    seen = model._train.to_csr()[added]
    for row, seen_row in zip(ids, seen):
        got = {x for x in row.tolist() if x is not None and x != -1}
        assert not got & set(loaded.item_map_.ids[seen_row.indices].tolist())


@pytest.mark.parametrize("cls, kw", VARIANTS)
def test_pickle_round_trip(cls, kw, data):
    model = fit(cls(**kw), data)
    model.recommend(n=3)  # fills the retrieval caches
    model.similar_items(model.item_map_.ids[:2], n=3)
    assert model._scorer.value.cache  # the retrieval caches live in the fitted state's scorer
    state = model.__getstate__()
    assert "_scorer" not in state
    clone = pickle.loads(pickle.dumps(model))
    assert clone._scorer.value is None
    assert_same_model(model, clone, data)
    if model._get_traits().fold_in != "none":
        model.add_users(new_users(model, data))
    assert_same_model(model, copy.deepcopy(model), data)


def test_model_crosses_process_boundaries(raw):
    """As joblib / multiprocessing / Dask use it: pickled to a fresh interpreter."""
    model = mfrec.FunkSVD(n_factors=3, n_epochs=2, random_state=0).fit(raw)
    model.recommend(n=2)
    users = raw.user_ids[:4]
    ctx = multiprocessing.get_context("spawn")  # no fork: the parent ran OpenMP threads
    with ctx.Pool(1) as pool:
        (ids, scores), = pool.map(operator.methodcaller("recommend", users, n=5), [model])
    want_ids, want_scores = model.recommend(users, n=5)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_array_equal(scores, want_scores)


@pytest.mark.parametrize("cls, kw", VARIANTS)
def test_loaded_model_refits_like_a_fresh_one(cls, kw, data, tmp_path):
    loaded = save_load(fit(cls(**kw), data), tmp_path / "m.npz")
    fit(loaded, data)
    assert_same_model(fit(cls(**kw), data), loaded, data)


def test_unfitted_model_pickles_and_refuses_to_save(tmp_path):
    model = mfrec.FunkSVD(n_factors=3)
    assert pickle.loads(pickle.dumps(model)).get_params() == model.get_params()
    with pytest.raises(mfrec.NotFittedError, match="not fitted"):
        model.save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_path_is_used_exactly_and_loads_with_numpy(raw, tmp_path):
    model = mfrec.Baseline(n_epochs=2).fit(raw)
    path = tmp_path / "model.bin"
    model.save(str(path))
    assert os.listdir(tmp_path) == ["model.bin"]
    with np.load(path, allow_pickle=False) as f:
        header = json.loads(str(f["__mfrec__"]))
        assert header["class"] == "Baseline"
        assert header["format_version"] == _persist.FORMAT_VERSION
        np.testing.assert_array_equal(f["state.item_bias_"], model.item_bias_)


def test_object_ids_of_one_kind_round_trip(tmp_path):
    users = np.array(["a", "b", "b", "c"], dtype=object)
    items = np.array([10, 11, 10, 12], dtype=object)
    data = mfrec.Interactions(users, items, [1.0, 2.0, 3.0, 4.0],
                              user_ids=np.array(["c", "a", "b"], dtype=object),
                              item_ids=np.array([12, 10, 11], dtype=object))
    model = mfrec.FunkSVD(n_factors=2, n_epochs=2, random_state=0).fit(data)
    loaded = save_load(model, tmp_path / "m.npz")
    assert loaded.user_map_.ids.dtype == object and loaded.item_map_.ids.dtype == object
    assert loaded.user_map_.ids.tolist() == ["c", "a", "b"]
    assert loaded.item_map_.ids.tolist() == [12, 10, 11]
    np.testing.assert_array_equal(loaded.predict(["a", "c"], [11, 12]),
                                  model.predict(["a", "c"], [11, 12]))


def test_mixed_kind_ids_never_reach_a_file(raw, tmp_path):
    """An int id added to a map of strings used to make an object map that only save
    refused; it is now refused when it is added, and the model and its file are unchanged."""
    model = mfrec.FunkSVD(n_factors=2, n_epochs=1, random_state=0).fit(raw)
    path = tmp_path / "m.npz"
    model.save(path)
    before = path.read_bytes()
    n_users = model.n_users
    with pytest.raises(TypeError, match=r"user ids.*str.*int|int.*str"):
        model.add_users(sp.csr_matrix(([5.0], ([0], [0])), shape=(1, model.n_items)),
                        user_ids=[7])  # an int id in a map of strings
    assert model.n_users == n_users
    model.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]
    assert pickle.loads(pickle.dumps(model)).user_map_ == model.user_map_
    # what save refuses: an attribute mixing kinds
    model.extra_ = np.array(["a", 7], dtype=object)
    with pytest.raises(TypeError, match=r"attribute 'extra_'.*kinds \['int', 'str'\]"):
        model.save(path)
    assert path.read_bytes() == before


def test_generator_random_state_is_saved_as_none_with_a_warning(raw, tmp_path):
    model = mfrec.ALS(n_factors=3, n_epochs=2, random_state=np.random.default_rng(5)).fit(raw)
    with pytest.warns(UserWarning, match=r"random_state=numpy.random.Generator .* as "
                                         r"random_state=None"):
        model.save(tmp_path / "m.npz")
    loaded = mfrec.load(tmp_path / "m.npz")
    assert loaded.random_state is None
    np.testing.assert_array_equal(loaded.user_factors_, model.user_factors_)


def test_numpy_scalar_params_keep_their_type(raw, tmp_path):
    model = mfrec.FunkSVD(n_factors=np.int64(3), n_epochs=2, lr=np.float32(0.05),
                          random_state=0).fit(raw)
    loaded = save_load(model, tmp_path / "m.npz")
    for name in ("n_factors", "lr"):
        assert type(loaded.get_params()[name]) is type(model.get_params()[name])
        assert loaded.get_params()[name] == model.get_params()[name]


def test_movielens_model_keeps_titles(ml100k, tmp_path):
    model = mfrec.FunkSVD(n_factors=8, n_epochs=1, random_state=0).fit(ml100k)
    loaded = save_load(model, tmp_path / "ml100k.npz")
    for side in ("item", "user"):  # titles, genres (tuples of str); age, gender, ...
        want = getattr(ml100k, f"{side}_metadata", {})
        got = getattr(loaded._train, f"{side}_metadata", {})
        assert list(got) == list(want)
        for k in want:
            assert got[k].dtype == want[k].dtype and got[k].tolist() == want[k].tolist()
    users = ml100k.user_ids[:20]
    for a, b in zip(model.recommend(users, n=10), loaded.recommend(users, n=10)):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- atomic saves
class _FailingFile:
    """A file object that fails with ENOSPC once ``limit`` bytes have been written."""

    def __init__(self, fileobj, limit):
        self._f, self._left, self.written = fileobj, limit, 0

    def write(self, b):
        if len(b) > self._left:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._left -= len(b)
        self.written += len(b)
        return self._f.write(b)

    def __getattr__(self, name):
        return getattr(self._f, name)


def test_failed_save_keeps_the_previous_file(raw, tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    mfrec.Baseline(n_epochs=1).fit(raw).save(path)
    before = path.read_bytes()
    real_writer, wrappers = _save._write_npz, []

    def failing_writer(fileobj, arrays):
        wrappers.append(_FailingFile(fileobj, limit=len(before) // 2))
        real_writer(wrappers[0], arrays)

    monkeypatch.setattr(_save, "_write_npz", failing_writer)
    other = mfrec.FunkSVD(n_factors=3, n_epochs=1, random_state=0).fit(raw)
    with pytest.raises(OSError, match="No space left"):
        other.save(path)
    assert wrappers[0].written > 0  # it failed halfway, not before writing
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # the temporary file is gone
    monkeypatch.setattr(_save, "_write_npz", real_writer)
    other.save(path)
    assert type(mfrec.load(path)) is mfrec.FunkSVD and os.listdir(tmp_path) == ["model.npz"]


# --------------------------------------------------------------------------- bad files
@pytest.fixture()
def saved(raw, tmp_path):
    path = tmp_path / "model.npz"
    mfrec.FunkSVD(n_factors=3, n_epochs=1, random_state=0).fit(raw).save(path)
    return path


def rewrite(path, *, header=None, arrays=None):
    """Rewrite a model file with a changed header (a function of the dict) or arrays."""
    with np.load(path, allow_pickle=False) as f:
        content = {k: f[k] for k in f.files}
    if header is not None:
        content["__mfrec__"] = np.array(json.dumps(header(json.loads(str(content["__mfrec__"])))))
    content.update(arrays or {})
    with open(path, "wb") as fh:
        np.savez(fh, **content)  # allow_pickle: numpy's default, so object arrays go in


def load_error(path):
    with pytest.raises(mfrec.ModelFileError) as info:
        mfrec.load(path)
    assert str(path) in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("keep", [0.5, 0.97], ids=["half", "last-bytes-cut"])
def test_truncated_file(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[:int(len(data) * keep)])
    assert "is truncated or damaged" in load_error(saved)


def test_corrupt_array_data(saved):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("state.user_factors_.npy")
    # Local header: 30 bytes, then the name and the extra field, then the stored .npy.
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    pos = start + info.compress_size - 8  # inside the factor values, past the .npy header
    data[pos:pos + 4] = bytes(255 - b for b in data[pos:pos + 4])
    saved.write_bytes(bytes(data))
    msg = load_error(saved)
    assert "is corrupt" in msg and "'state.user_factors_'" in msg


def test_random_bytes_and_empty_file(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4000))
    assert "not a zip (.npz) archive" in load_error(path)
    path.write_bytes(b"")
    assert "not a zip (.npz) archive (it is empty)" in load_error(path)


def test_foreign_npz_and_npy(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.arange(3), bias=np.zeros(2))
    msg = load_error(path)
    assert "an .npz archive but not an mfrec model file" in msg and "'weights'" in msg
    npy = tmp_path / "array.npy"
    np.save(npy, np.arange(3))
    assert "a single .npy array" in load_error(npy)


def test_pickled_object_array_is_refused(saved):
    rewrite(saved, arrays={"state.user_factors_": np.array([{"evil": 1}, None], dtype=object)})
    msg = load_error(saved)
    assert "pickled object array 'state.user_factors_'" in msg and "refuses to unpickle" in msg


def test_newer_format_version(saved):
    rewrite(saved, header=lambda h: {**h, "format_version": _persist.FORMAT_VERSION + 1})
    msg = load_error(saved)
    assert f"format version {_persist.FORMAT_VERSION + 1}" in msg and "upgrade mfrec" in msg


def test_unknown_class(saved):
    rewrite(saved, header=lambda h: {**h, "class": "DeepFM", "module": "mfrec.deepfm"})
    msg = load_error(saved)
    assert "unknown class 'DeepFM'" in msg and "'FunkSVD'" in msg


def test_damaged_header_and_inconsistent_arrays(saved):
    original = saved.read_bytes()
    rewrite(saved, arrays={"__mfrec__": np.array("{not json")})
    assert "header is damaged" in load_error(saved)
    saved.write_bytes(original)
    rewrite(saved, arrays={"state.user_factors_": np.zeros((2, 3), dtype=np.float32)})
    assert "is corrupt: user_factors_ should be float32" in load_error(saved)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        mfrec.load(tmp_path / "nope.npz")
