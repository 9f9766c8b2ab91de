"""Fuzzing the public entry points with hypothesis: random shapes, dtypes, id kinds, NaN and
inf, sparse structures (valid and broken), parameters and damaged model files.

Every call must either return a result that agrees with a reference (numpy formulas, the
model's own invariants) or raise one of the documented exception types with a message. The
examples are derandomized and bounded, so the module runs in seconds and the same way in CI.
"""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
DOCUMENTED = (ValueError, TypeError, KeyError, NotImplementedError, MemoryError,
              FloatingPointError)  # divergence: named in the message (checked below)
MODELS = [cls for _, cls in mfrec.all_models()]


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)


def call(fn, *args, **kwargs):
    """(result, None) or (None, exception), the exception one of the documented types with a
    message; anything else fails the test."""
    try:
        return fn(*args, **kwargs), None
    except DOCUMENTED as exc:
        assert _message(exc).strip(), f"{type(exc).__name__} without a message"
        return None, exc


# ------------------------------------------------------------------ strategies
ids_int = st.lists(st.integers(-3, 40), min_size=0, max_size=30)
ids_str = st.lists(st.text(alphabet="abcxyz", min_size=0, max_size=4), min_size=0,
                   max_size=30)
ids_mixed = st.lists(st.one_of(st.integers(0, 5), st.text(alphabet="ab", max_size=2),
                               st.floats(allow_nan=True)), min_size=1, max_size=30)
values = st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(float("nan")),
                            st.just(float("inf")), st.integers(-5, 5)), min_size=0,
                  max_size=30)


@st.composite
def interactions_args(draw):
    n = draw(st.integers(0, 30))
    kind = draw(st.sampled_from(["int", "str", "mixed", "float"]))
    pool = {"int": st.integers(0, 12), "str": st.text(alphabet="abcd", min_size=1, max_size=3),
            "mixed": st.one_of(st.integers(0, 4), st.text(alphabet="ab", min_size=1,
                                                          max_size=2)),
            "float": st.one_of(st.floats(0, 10), st.just(float("nan")))}[kind]
    users = draw(st.lists(pool, min_size=n, max_size=n))
    items = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n + draw(st.integers(0, 1))))
    ratings = draw(st.one_of(st.none(), st.lists(st.floats(allow_nan=True, allow_infinity=True,
                                                           width=32),
                                                 min_size=n, max_size=n)))
    dup = draw(st.sampled_from(["error", "sum", "last", "mean"]))
    return users, items, ratings, dup


@st.composite
def sparse_matrices(draw):
    """A CSR matrix, valid or with a broken structure, of random shape and values."""
    n_rows, n_cols = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    nnz = draw(st.integers(0, 20))
    indices = np.array(draw(st.lists(st.integers(-2, n_cols + 2), min_size=nnz, max_size=nnz)),
                       dtype=np.int32)
    cuts = sorted(draw(st.lists(st.integers(0, nnz), min_size=n_rows - 1, max_size=n_rows - 1)))
    indptr = np.array([0, *cuts, nnz], dtype=np.int64)
    if draw(st.booleans()):  # sometimes break the monotonic indptr
        indptr[draw(st.integers(0, n_rows))] = draw(st.integers(0, nnz))
    data = np.array(draw(st.lists(st.one_of(st.floats(1, 5, width=32), st.just(np.nan)),
                                  min_size=nnz, max_size=nnz)), dtype=np.float32)
    try:
        return sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    except ValueError:  # scipy itself refuses (e.g. indptr[0] != 0): nothing to feed us
        return sp.csr_matrix((n_rows, n_cols), dtype=np.float32)


@pytest.fixture(scope="module")
def fitted(request):
    data = mfrec.datasets.synthetic(60, 40, 800, random_state=5)
    def fit(cls):
        traits = cls()._get_traits()
        extra = dict(traits.test_fit_data(data)) if traits.test_fit_data else {}
        return cls(**dict(traits.test_variants[0])).fit(data, **extra)
    return {cls.__name__: fit(cls) for cls in MODELS}, data


# ------------------------------------------------------------------ data
@FUZZ
@given(interactions_args())
def test_interactions_constructor(args):
    users, items, ratings, dup = args
    out, exc = call(mfrec.Interactions, users, items, ratings, duplicates=dup)
    if exc is not None:
        return
    # a result: canonical CSR, every rating finite, ids of one kind
    assert out.nnz <= len(users)
    assert np.all(np.diff(out.user_index) >= 0) and np.all(np.isfinite(out.ratings))
    key = out.user_index.astype(np.int64) * max(out.n_items, 1) + out.item_index
    assert np.all(np.diff(key) > 0)
    kinds = {type(v) for v in out.user_ids.tolist()}
    assert len(kinds) == 1 or kinds <= {int, float}


@FUZZ
@given(sparse_matrices(), st.sampled_from(MODELS))
def test_fit_on_any_sparse_structure(X, cls):
    model = cls(**dict(cls()._get_traits().test_variants[0]))
    out, exc = call(model.fit, X)
    if exc is None:  # a valid matrix with interactions: a fitted, finite model
        assert np.isfinite(model.user_factors_).all() and np.isfinite(model.item_bias_).all()
        assert model.user_factors_.shape[0] == X.shape[0]


@FUZZ
@given(st.sampled_from(MODELS), st.dictionaries(
    st.sampled_from(["n_factors", "n_epochs", "reg", "lr", "alpha", "cg_steps", "n_threads",
                     "init_std", "reg_user", "n_blocks"]),
    st.one_of(st.integers(-3, 5), st.floats(allow_nan=True, allow_infinity=True),
              st.just("3"), st.none(), st.booleans()), max_size=3))
def test_fit_with_any_parameters(small, cls, params):
    base = dict(cls()._get_traits().test_variants[0])
    valid = set(cls._param_names())
    model = cls(**{**base, **{k: v for k, v in params.items() if k in valid}})
    try:
        _, exc = call(model.fit, small)
    except FloatingPointError as err:  # documented by the iterative fits: a diverged run
        exc = err
    if exc is None:
        assert np.isfinite(model.user_factors_).all()
    else:
        assert not hasattr(model, "user_factors_")  # a failed fit leaves nothing half-done
    if isinstance(exc, FloatingPointError):  # pragma: no cover - documented, but named
        assert "diverged" in str(exc)


# ------------------------------------------------------------------ queries
@FUZZ
@given(st.sampled_from([m.__name__ for m in MODELS]),
       st.one_of(ids_int, ids_str, ids_mixed), st.one_of(ids_int, ids_str))
def test_predict_any_ids(fitted, name, users, items):
    models, data = fitted
    model = models[name]
    n = min(len(users), len(items))
    users, items = users[:n], items[:n]
    out, exc = call(model.predict, users, items, unknown="baseline")
    if exc is not None:
        return
    assert out.shape == (n,) and out.dtype == np.float32 and np.isfinite(out).all()
    known = [(u, i) for u, i in zip(users, items) if isinstance(u, int) and isinstance(i, int)
             and 0 <= u < data.n_users and 0 <= i < data.n_items]
    if known:
        u, i = map(np.array, zip(*known))
        strict = model.predict(u, i)
        np.testing.assert_array_equal(strict, model.predict(u, i, unknown="baseline"))


@FUZZ
@given(st.sampled_from([m.__name__ for m in MODELS]), ids_int,
       st.one_of(st.integers(-2, 100), st.integers(2**31 - 2, 2**63), st.floats(0, 5),
                 st.just("10")),
       st.one_of(st.none(), ids_int), st.one_of(st.none(), ids_int), st.booleans())
def test_recommend_any_arguments(fitted, name, users, n, items, exclude, filter_seen):
    models, data = fitted
    model = models[name]
    out, exc = call(model.recommend, users, n=n, items=items, exclude=exclude,
                    filter_seen=filter_seen)
    if exc is not None:
        return
    ids, scores = out
    width = min(int(n), data.n_items)
    assert ids.shape == scores.shape == (len(users), width)
    allowed = set(range(data.n_items)) if items is None else set(items)
    allowed -= set(exclude or [])
    for row, srow in zip(ids, scores):
        got = [int(x) for x in row if x != -1]
        assert set(got) <= allowed and len(set(got)) == len(got)
        finite = srow[np.isfinite(srow)]
        assert np.all(np.diff(finite) <= 1e-6)


@FUZZ
@given(st.sampled_from([m.__name__ for m in MODELS]), sparse_matrices())
def test_fold_in_any_rows(fitted, name, X):
    models, data = fitted
    model = models[name]
    X = sp.csr_matrix((X.data, X.indices, X.indptr), shape=(X.shape[0], data.n_items)) \
        if X.shape[1] <= data.n_items and X.indptr[-1] <= len(X.indices) else X
    out, exc = call(model.fold_in, X)
    if exc is None:
        f, b = out
        assert f.shape == (X.shape[0], model.user_factors_.shape[1]) and np.isfinite(f).all()


@FUZZ
@given(st.lists(st.sampled_from(["rmse", "mae", "ndcg", "ndcg@3", "map@0", "recall@x", "auc",
                                 "coverage", "nonsense", "precision@50"]), max_size=4),
       st.integers(-1, 20))
def test_evaluate_any_metric_names(fitted, names, k):
    models, data = fitted
    model = models["FunkSVD"]
    out, exc = call(mfrec.evaluate, model, data, names, k=k)
    if exc is None:
        assert list(out) == list(dict.fromkeys(names))
        assert all(isinstance(v, float) and (math.isfinite(v)) for v in out.values())


@FUZZ
@given(st.integers(1, 6), st.integers(1, 8),
       st.lists(st.integers(-2, 10), min_size=0, max_size=40), st.integers(-1, 5))
def test_ranking_metrics_any_input(n_users, width, flat, k):
    rec = np.resize(np.array(flat or [0], dtype=np.int64), (n_users, width))
    rel = sp.random(n_users, 10, density=0.3, format="csr", random_state=0)
    for metric in (mfrec.metrics.ndcg_at_k, mfrec.metrics.precision_at_k,
                   mfrec.metrics.recall_at_k, mfrec.metrics.map_at_k):
        out, exc = call(metric, rec, rel, k)
        if exc is None:
            assert 0.0 <= out <= 1.0 + 1e-9


# ------------------------------------------------------------------ model files
@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    data = mfrec.datasets.synthetic(40, 30, 500, random_state=2)
    model = mfrec.FunkSVD(n_factors=3, n_epochs=2, random_state=0).fit(data)
    path = tmp_path_factory.mktemp("fuzz") / "m.npz"
    model.save(path)
    return path.read_bytes(), model


@FUZZ
@given(st.data())
def test_damaged_model_files(model_file, tmp_path_factory, data):
    blob, model = model_file
    how = data.draw(st.sampled_from(["flip", "truncate", "zero", "insert"]))
    raw = bytearray(blob)
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            pos = data.draw(st.integers(0, len(raw) - 1))
            raw[pos] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    elif how == "zero":
        start = data.draw(st.integers(0, len(raw) - 1))
        raw[start:start + data.draw(st.integers(1, 64))] = bytes(64)[:len(raw[start:start + 64])]
    else:
        pos = data.draw(st.integers(0, len(raw)))
        raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
    path = tmp_path_factory.mktemp("damaged") / "m.npz"
    path.write_bytes(bytes(raw))
    try:
        loaded = mfrec.load(path)
    except mfrec.ModelFileError as exc:
        assert str(exc)
        return
    except (zipfile.BadZipFile, io.UnsupportedOperation) as exc:  # pragma: no cover
        pytest.fail(f"undocumented {type(exc).__name__}: {exc}")
    # the damage missed everything that matters (e.g. zip padding): a sound model
    users = loaded.user_map_.ids[:5]
    items = loaded.item_map_.ids[:5]
    assert np.isfinite(loaded.predict(users, items)).all()
    ids, _ = loaded.recommend(users, n=3)
    assert ids.shape == (5, 3)
