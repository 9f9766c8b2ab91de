"""Regression tests of the safety findings (issue "Safe on any input…"): each reproduced a
crash or a silently wrong result on commit f762787. Inputs that used to kill the process run
in a subprocess, so that a crash fails the test instead of the test run.

This file: broken sparse input, huge sizes, ids and model files. The fitted state and the
results are tested in test_safety_results.py, the CLI, setup and progress output in
test_safety_cli.py."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec

MODELS = [cls for _, cls in mfrec.all_models()]


def run_isolated(code: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter; the caller asserts on its exit and output."""
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env)


def assert_survived(done: subprocess.CompletedProcess, expect: list[str]) -> None:
    assert done.returncode == 0, (
        f"the process died (exit {done.returncode}):\n{done.stdout[-2000:]}\n"
        f"{done.stderr[-3000:]}")
    lines = done.stdout.split("\n")
    for line in expect:
        assert line in lines, f"missing {line!r} in:\n{done.stdout}\n{done.stderr[-2000:]}"


# --------------------------------------------------------------------------- 1. sparse input
BROKEN_CSR = """
import numpy as np, scipy.sparse as sp, mfrec

def csr(indices, indptr, shape=(3, 4)):
    return sp.csr_matrix((np.ones(len(indices), np.float32), np.array(indices, np.int32),
                          np.array(indptr, np.int64)), shape=shape)

def coo_out_of_range():
    m = sp.coo_matrix((np.ones(2, np.float32), (np.array([0, 1]), np.array([1, 2]))),
                      shape=(3, 4))
    m.row[1] = 7  # scipy checks at construction, not after
    return m

BROKEN = {
    "one past the end": csr([0, 1, 4], [0, 2, 3, 3]),
    "far out": csr([0, 1, 1 << 30], [0, 2, 3, 3]),
    "negative": csr([0, -1, 2], [0, 2, 3, 3]),
    "decreasing indptr": csr([0, 1, 2], [0, 3, 2, 3]),
    "coo out of range": coo_out_of_range(),
}
"""


def test_broken_sparse_structure_is_refused_by_every_model():
    code = BROKEN_CSR + """
for _, cls in mfrec.all_models():
    for name, X in BROKEN.items():
        try:
            cls(n_epochs=1).fit(X)
        except ValueError as exc:
            assert "out of range" in str(exc) or "indptr" in str(exc), exc
            print("refused", cls.__name__, name)
"""
    expect = [f"refused {cls.__name__} {name}" for cls in MODELS
              for name in ("one past the end", "far out", "negative", "decreasing indptr",
                           "coo out of range")]
    assert_survived(run_isolated(code), expect)


def test_broken_sparse_structure_is_refused_everywhere_else():
    code = BROKEN_CSR + """
good = sp.random(30, 4, density=0.5, format="csr", random_state=0, dtype=np.float32)
good.data = np.ceil(good.data * 5)
model = mfrec.FunkSVD(n_factors=2, n_epochs=1).fit(good)
bad = BROKEN["far out"]
for name, call in {
    "eval_set": lambda: mfrec.FunkSVD(n_epochs=1).fit(good, eval_set=bad),
    "evaluate": lambda: mfrec.evaluate(model, bad),
    "fold_in": lambda: model.fold_in(bad),
    "recommend user_items": lambda: model.recommend([0, 1, 2], user_items=bad),
    "split": lambda: mfrec.model_selection.train_test_split(bad, test_size=0.5),
    "metrics": lambda: mfrec.metrics.ndcg_at_k(np.zeros((3, 2), np.int64), bad, 2),
}.items():
    try:
        call()
    except ValueError:
        print("refused", name)
"""
    expect = [f"refused {name}" for name in ("eval_set", "evaluate", "fold_in",
                                             "recommend user_items", "split", "metrics")]
    assert_survived(run_isolated(code), expect)


# --------------------------------------------------------------------------- 2, 3. huge sizes
def test_huge_n_in_recommend_and_similar():
    code = """
import numpy as np, mfrec
data = mfrec.datasets.synthetic(50, 30, 400, random_state=0)
model = mfrec.FunkSVD(n_factors=4, n_epochs=1).fit(data)
for n in (10**8, 2**31, 2**63):
    ids, scores = model.recommend(data.user_ids[:1], n=n)
    assert ids.shape == (1, 30), ids.shape
    ids, scores = model.similar_items(data.item_ids[:1], n=n)
    assert ids.shape == (1, 30), ids.shape
    print("ok", n)
"""
    assert_survived(run_isolated(code), ["ok 100000000", "ok 2147483648",
                                         "ok 9223372036854775808"])


def test_factors_too_large_for_memory_raise_memory_error():
    code = """
import mfrec
data = mfrec.datasets.synthetic(50, 30, 400, random_state=0)
for cls, kw in ((mfrec.ALS, {"solver": "cholesky"}), (mfrec.ImplicitALS, {})):
    try:
        cls(n_factors=100_000, n_epochs=1, **kw).fit(data)
    except MemoryError:
        print("MemoryError", cls.__name__)
"""
    assert_survived(run_isolated(code), ["MemoryError ALS", "MemoryError ImplicitALS"])


# --------------------------------------------------------------------------- 6, 7. ids
def test_complex_ratings_are_refused():
    with pytest.raises(TypeError, match="numeric"):
        mfrec.Interactions([1, 2], [3, 4], np.array([1 + 2j, 3 + 0j]))
    X = sp.csr_matrix(np.array([[1 + 1j, 0], [0, 2]]))
    with pytest.raises(TypeError, match="numeric"):
        mfrec.FunkSVD(n_epochs=1).fit(X)


def test_mixed_id_kinds_raise_instead_of_being_stringified():
    with pytest.raises(TypeError, match="mix kinds"):
        mfrec.Interactions(["alice", 7, 7], ["x", "y", "z"], [1, 2, 3])
    model = mfrec.FunkSVD(n_factors=2, n_epochs=1, random_state=0).fit(
        mfrec.Interactions([1, 2, 2], [5, 5, 6], [1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="same kind"):
        model.add_users(mfrec.Interactions(["bob"], [5], [4.0]))
    assert model.n_users == 2


def test_big_integer_ids_are_kept_exactly(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("user,item,rating\n18446744073709551615,1,4\n5,2,3\n"
                    "9223372036854775807,3,5\n")
    d = mfrec.datasets.load_file(path)
    assert sorted(d.user_ids.tolist()) == [5, 2**63 - 1, 2**64 - 1]
    path.write_text("user,item,rating\n1e19,1,4\n2e19,2,3\n7,3,5\n")
    d = mfrec.datasets.load_file(path)
    assert d.n_users == 3 and set(d.user_ids.tolist()) == {"1e19", "2e19", "7"}
    model = mfrec.Baseline(n_epochs=1).fit(d)
    assert model.predict("2e19", 2) != model.predict("1e19", 2)


def test_one_huge_string_id_costs_its_size_not_its_size_per_row(tmp_path):
    """A 1 MB id among 3,000 rows: every id used to be stored at the longest one's width
    (4 MB per row: 12 GB); the run is limited to 1 GB of address space."""
    path = tmp_path / "big.csv"
    rows = "".join(f"u{i % 300},{i % 97},{1 + i % 5}\n" for i in range(3000))
    path.write_text("user,item,rating\n" + rows + "X" * 1_000_000 + ",5,3\n")
    code = f"""
import resource
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import mfrec
d = mfrec.datasets.load_file({str(path)!r})
m = mfrec.FunkSVD(n_factors=4, n_epochs=2).fit(d)
m.save({str(tmp_path / 'm.npz')!r})
loaded = mfrec.load({str(tmp_path / 'm.npz')!r})
ids, _ = loaded.recommend(["X" * 1_000_000], n=3)
print("ok", d.n_users, ids.shape)
"""
    assert_survived(run_isolated(code), ["ok 301 (1, 3)"])
    assert (tmp_path / "m.npz").stat().st_size < 5_000_000


# --------------------------------------------------------------------------- 8, 10. files
def _rewrite(src, dst, edit):
    """Copy the model file ``src`` to ``dst`` (uncompressed .npz) after ``edit(header,
    arrays)`` changed its JSON header and arrays in place."""
    import json

    with np.load(src, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    header = json.loads(str(arrays["__mfrec__"]))
    edit(header, arrays)
    arrays["__mfrec__"] = np.array(json.dumps(header))
    with open(dst, "wb") as fh:
        np.savez(fh, **arrays)


@pytest.fixture()
def saved(small, tmp_path):
    model = mfrec.FunkSVD(n_factors=4, n_epochs=2, random_state=0).fit(small)
    path = tmp_path / "good.npz"
    model.save(path)
    return path


def _nan_factors(h, a):
    a["state.user_factors_"] = a["state.user_factors_"].copy()
    a["state.user_factors_"][3, 1] = np.nan


def _repeated_id(h, a):
    ids = a["state.item_map_.ids"].copy()
    ids[1] = ids[0]
    a["state.item_map_.ids"] = ids


def _float_indices(h, a):
    a["state._train.user_index"] = a["state._train.user_index"].astype(np.float64)


def _reversed_scale(h, a):
    h["state"]["rating_scale_"]["value"] = {"__tuple__": [5.0, 1.0]}


def _unsorted_row(h, a):
    i = a["state._train.item_index"].copy()
    i[0], i[1] = i[1], i[0]  # user 0's first two items, swapped
    a["state._train.item_index"] = i


def _shadowing_entry(h, a):
    h["state"]["recommend"] = {"kind": "json", "value": 1}


@pytest.mark.parametrize("edit, match", [
    (_nan_factors, "NaN or infinite"), (_repeated_id, "repeats ids"),
    (_float_indices, "not integers"), (_reversed_scale, "lo <= hi"),
    (_unsorted_row, "not sorted"), (_shadowing_entry, "recommend")])
def test_hand_edited_model_files_are_refused(saved, tmp_path, edit, match):
    bad = tmp_path / "bad.npz"
    _rewrite(saved, bad, edit)
    with pytest.raises(mfrec.ModelFileError, match=match):
        mfrec.load(bad)
    _rewrite(saved, tmp_path / "same.npz", lambda h, a: None)  # the editing itself is harmless
    mfrec.load(tmp_path / "same.npz")


@pytest.mark.parametrize("member", ["state.user_factors_", "state.bomb_"])
def test_compressed_member_declaring_a_huge_array_is_refused_unread(saved, tmp_path, member):
    """1 GiB of zeros deflates to about 5 MB; it must be refused before it is inflated, in
    place of an array the loader reads (f762787 inflated it: MemoryError under the limit
    below) and as an extra member."""
    import zipfile

    bad = tmp_path / "bomb.npz"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            if info.filename != member + ".npy":
                dst.writestr(info, src.read(info))
    with zipfile.ZipFile(bad, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        with dst.open(member + ".npy", "w", force_zip64=True) as member_file:
            np.lib.format.write_array_header_1_0(
                member_file, {"descr": "<f4", "fortran_order": False, "shape": (2**28,)})
            chunk = bytes(1 << 24)
            for _ in range(64):
                member_file.write(chunk)
    assert bad.stat().st_size < 20_000_000
    code = f"""
import resource
resource.setrlimit(resource.RLIMIT_AS, (900 << 20, 900 << 20))
import mfrec
try:
    mfrec.load({str(bad)!r})
except mfrec.ModelFileError as exc:
    print("refused", "compressed" in str(exc))
"""
    assert_survived(run_isolated(code), ["refused True"])


def test_resave_keeps_the_file_permissions(saved):
    os.chmod(saved, 0o600)
    model = mfrec.load(saved)
    model.save(saved)
    assert (os.stat(saved).st_mode & 0o777) == 0o600


def test_load_of_a_fifo_or_a_directory_says_so(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    code = f"""
import mfrec
try:
    mfrec.load({str(fifo)!r})
except mfrec.ModelFileError as exc:
    print("refused", "FIFO" in str(exc))
"""
    assert_survived(run_isolated(code, timeout=60), ["refused True"])
    with pytest.raises(IsADirectoryError, match="is a directory"):
        mfrec.load(tmp_path)
