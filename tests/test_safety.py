"""Regression tests of the safety findings (issue "Safe on any input…"): each reproduced a
crash or a silently wrong result on commit f762787. Inputs that used to kill the process run
in a subprocess, so that a crash fails the test instead of the test run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

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


# --------------------------------------------------------------------------- 5. stale caches
def test_recommend_during_fit_does_not_poison_later_results(small):
    train, val = mfrec.model_selection.train_test_split(small, 0.2, random_state=0)
    kw = dict(n_factors=8, n_epochs=4, random_state=0)
    watched = mfrec.ImplicitALS(**kw).fit(train, eval_set=val)
    plain = mfrec.ImplicitALS(**kw).fit(train)
    for a, b in zip(watched.recommend(n=10), plain.recommend(n=10)):
        np.testing.assert_array_equal(a, b)
    # the recorded validation metric is the model's own at that epoch
    assert watched.history_[-1]["val_ndcg@10"] == pytest.approx(
        mfrec.evaluate(plain, val, ["ndcg@10"])["ndcg@10"], rel=1e-6)


# --------------------------------------------------------------------------- 9. concurrency
def test_fit_while_other_threads_read_sees_whole_states(small):
    """Readers during a refit see the model before or after it, never a mix."""
    train = small
    a = mfrec.FunkSVD(n_factors=6, n_epochs=2, random_state=1, n_threads=1).fit(train)
    b = mfrec.FunkSVD(n_factors=6, n_epochs=2, random_state=2, n_threads=1).fit(train)
    users = train.user_ids[:40]
    want = {tuple(map(tuple, m.recommend(users, n=5)[0])) for m in (a, b)}
    want_pred = [m.predict(train.users[:200], train.items[:200]) for m in (a, b)]
    model = mfrec.FunkSVD(n_factors=6, n_epochs=2, random_state=1, n_threads=1).fit(train)
    stop, bad, reading = threading.Event(), [], threading.Barrier(3)

    def read():
        reading.wait()
        while not stop.is_set():
            try:
                ids = tuple(map(tuple, model.recommend(users, n=5)[0]))
                pred = model.predict(train.users[:200], train.items[:200])
            except Exception as exc:  # f762787: "not fitted" or a missing attribute mid-fit
                bad.append(repr(exc))
                return
            if ids not in want or not any(np.array_equal(pred, w) for w in want_pred):
                bad.append(ids)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: any window between two states shows
    try:
        reading.wait()
        for seed in (2, 1) * 10:
            model.set_params(random_state=seed).fit(train)
    finally:
        sys.setswitchinterval(switch)
        stop.set()
        for t in readers:
            t.join()
    assert not bad, f"{len(bad)} reads saw a mix of two fitted states, or none: {bad[:3]}"


# --------------------------------------------------------------------------- 13. first hour
def test_scalar_predict_is_a_float(toy):
    model = mfrec.FunkSVD(n_factors=2, n_epochs=2, random_state=0).fit(toy)
    p = model.predict("ann", "x")
    assert isinstance(p, float) and 1 <= p <= 5
    assert p == pytest.approx(float(model.predict(["ann"], ["x"])[0]))


def test_predict_and_evaluate_agree_on_unknown_ids(toy):
    model = mfrec.FunkSVD(n_factors=2, n_epochs=2, random_state=0).fit(toy)
    test = mfrec.Interactions(["ann", "zed"], ["x", "x"], [4, 3])
    with pytest.raises(KeyError, match="zed"):
        model.predict(test.users, test.items)
    with pytest.raises(KeyError, match="zed"):
        mfrec.evaluate(model, test)
    base = mfrec.evaluate(model, test, unknown="baseline")
    pred = model.predict(test.users, test.items, unknown="baseline")
    assert base["rmse"] == pytest.approx(np.sqrt(np.mean((pred - test.ratings) ** 2)))


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


# --------------------------------------------------------------------------- 12. top-N
def test_risk_aversion_ranks_by_the_lower_bound(small):
    model = mfrec.FunkSVD(n_factors=6, n_epochs=3, random_state=0).fit(small)
    kappa = 5.0
    counts = small.item_counts().astype(np.float64)
    pred = model.predict(small.users, small.items, clip=False)
    sigma = np.sqrt(np.mean((pred.astype(np.float64) - small.ratings) ** 2))
    users = small.user_ids[:25]
    S = (model.global_mean_ + model.user_bias_[users, None] + model.item_bias_[None, :]
         + model.user_factors_[users].astype(np.float64) @ model.item_factors_.T
         - kappa * sigma / np.sqrt(counts + 1)[None, :])
    seen = small.to_csr()[users]
    S[seen.nonzero()] = -np.inf
    ids, scores = model.recommend(users, n=8, risk_aversion=kappa)
    want = np.sort(S, axis=1)[:, ::-1][:, :8]
    np.testing.assert_allclose(scores, want, rtol=1e-4, atol=1e-4)
    assert not np.array_equal(ids, model.recommend(users, n=8)[0])
    with pytest.raises(ValueError, match="risk_aversion"):
        model.recommend(users, risk_aversion=-1)
    implicit = mfrec.ImplicitALS(n_factors=4, n_epochs=2, random_state=0).fit(small)
    with pytest.raises(ValueError, match="uncertainty"):
        implicit.recommend(users, risk_aversion=1.0)


def test_funksvd_top10_beats_popularity_with_the_cli_setting(ml_latest_small):
    from mfrec._retrieval import RATING_RISK_AVERSION

    train, test = mfrec.model_selection.train_test_split(ml_latest_small, 0.2, random_state=0)
    keep = test.ratings >= 4
    users = np.unique(test.user_index[keep])
    rel = sp.csr_matrix((np.ones(keep.sum()), (np.searchsorted(users, test.user_index[keep]),
                                               test.item_index[keep])),
                        shape=(len(users), train.n_items))
    order, seen = np.argsort(-train.item_counts(), kind="stable"), train.to_csr()
    pop = np.array([[i for i in order[:400] if i not in
                     set(seen.indices[seen.indptr[u]:seen.indptr[u + 1]].tolist())][:10]
                    for u in users])
    popularity = mfrec.metrics.ndcg_at_k(pop, rel, 10)
    model = mfrec.FunkSVD(random_state=0).fit(train)
    plain = mfrec.evaluate(model, test, ["ndcg@10"], relevance_threshold=4)["ndcg@10"]
    careful = mfrec.evaluate(model, test, ["ndcg@10"], relevance_threshold=4,
                             risk_aversion=RATING_RISK_AVERSION)["ndcg@10"]
    assert plain < 0.02  # the items of one or two 5-star ratings crowd the top
    assert careful >= popularity  # measured 0.1718 vs 0.1583


def test_cli_recommend_of_a_rating_model_is_not_crowded_by_rare_items(ml_latest_small,
                                                                     tmp_path):
    """`mfrec recommend` of FunkSVD on latest-small: f762787 ranked by the raw score, and 91%
    of the top-10 lists were items with at most 5 ratings (median 2); the CLI's own setting
    must keep them out (measured 0%, median 218 ratings)."""
    import json

    path = tmp_path / "m.npz"
    r = _cli("fit", "ml-latest-small", "--model", "funksvd", "--seed", 0, "--out", path)
    assert r.returncode == 0, r.stderr
    users = ml_latest_small.user_ids[:30]
    r = _cli("recommend", path, "--user", *users, "-n", 10, "--format", "json")
    assert r.returncode == 0, r.stderr
    items = [row["item"] for row in json.loads(r.stdout)]
    assert len(items) == 300
    counts = ml_latest_small.item_counts()[ml_latest_small.item_map.to_inner(items)]
    assert np.mean(counts <= 5) < 0.1 and np.median(counts) > 20


# --------------------------------------------------------------------------- 13. CLI
def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mfrec", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_cli_version():
    r = _cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"mfrec {mfrec.__version__}"


def test_cli_fit_on_play_counts_explains_itself(tmp_path):
    rng = np.random.default_rng(0)
    rows = [f"{u},{i},{int(rng.pareto(1.0) * 1000) + 1}" for u in range(60) for i in range(30)
            if rng.random() < 0.3]
    path = tmp_path / "plays.csv"
    path.write_text("user,item,plays\n" + "\n".join(rows) + "\n")
    r = _cli("fit", path, "--epochs", 3)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "counts" in r.stderr and "implicit-als" in r.stderr


def test_cli_evaluate_on_training_data_says_it_is_not_held_out(small, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("user,item,rating\n" + "\n".join(
        f"{u},{i},{r:g}" for u, i, r in zip(small.users, small.items, small.ratings)) + "\n")
    model_path = tmp_path / "m.npz"
    assert _cli("fit", path, "--epochs", 2, "--out", model_path).returncode == 0
    r = _cli("evaluate", model_path, path)
    assert r.returncode == 0
    assert "not held-out" in r.stderr and "not held-out" in r.stdout
    r = _cli("evaluate", model_path, path, "--test-size", 0.2)
    assert "warning" in r.stderr  # the model was fitted on all of it: still not held-out


# --------------------------------------------------------------------------- 14. setup
def test_readme_commands_make_their_environment_and_name_the_build_needs():
    """Debian's system Python refuses `pip install .` (PEP 668): each of the README's two
    commands makes (or reuses) and activates a virtual environment before it installs; the
    README names the system packages a source build needs; the build directory is kept, so
    the second command reuses the first one's build."""
    import re

    root = os.path.join(os.path.dirname(__file__), "..")
    readme, pyproject = (os.path.join(root, f) for f in ("README.md", "pyproject.toml"))
    if not (os.path.exists(readme) and os.path.exists(pyproject)):
        pytest.skip("README.md is not beside these tests (installed-wheel run)")
    text = open(readme, encoding="utf-8").read()
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    commands = [c.strip() for c in re.findall(r"```bash\n(.*?)```", section, re.S)]
    assert len(commands) == 2, commands
    assert "pytest" in commands[1] and "mfrec demo" in commands[0]
    for command in commands:
        venv, activate = command.find("-m venv "), command.find("/bin/activate")
        assert 0 <= venv < activate < command.find("pip install"), command
    for package in ("python3-venv", "g++", "cmake"):
        assert package in section, f"the README does not name {package}"
    build = open(pyproject, encoding="utf-8").read().split("[tool.scikit-build]", 1)[1]
    assert re.search(r'^build-dir = "build/', build.split("\n[", 1)[0], re.M)


# --------------------------------------------------------------------------- 15. progress
def test_long_work_shows_progress_when_verbose(capsys):
    data = mfrec.datasets.synthetic(20_000, 500, 60_000, random_state=0, verbose=True)
    assert "synthetic" in capsys.readouterr().err
    model = mfrec.FunkSVD(n_factors=4, n_epochs=1, verbose=True).fit(data)
    capsys.readouterr()
    ids, _ = model.recommend(n=3)
    err = capsys.readouterr().err
    assert "FunkSVD.recommend" in err and ids.shape == (20_000, 3)
    quiet = mfrec.FunkSVD(n_factors=4, n_epochs=1).fit(data)
    capsys.readouterr()
    quiet.recommend(n=3)
    assert capsys.readouterr().err == ""


def test_verbose_fit_of_a_million_interactions_says_so_before_preparing(capsys):
    """A verbose fit names its work before the (long, for 10M ratings) preparation, ahead of
    any epoch's progress; f762787 was silent until the first epoch ended."""
    import re

    cell = np.arange(1_000_000)
    data = mfrec.Interactions(cell // 250, cell % 250, 1.0 + cell % 5)  # 4,000 x 250, dense
    seen = []

    def first_epoch(info):
        seen.append(capsys.readouterr().err)
        return True

    capsys.readouterr()
    mfrec.FunkSVD(n_factors=4, n_epochs=1, verbose=True).fit(data, callback=first_epoch)
    lines = [line for line in re.split(r"[\r\n]", seen[0]) if line.strip()]
    assert lines and "1,000,000 interactions" in lines[0], seen[0]


# --------------------------------------------------------------------------- 16. docs
def test_funksvd_thread_reproducibility_is_as_documented(small):
    kw = dict(n_factors=6, n_epochs=3, random_state=4)
    fixed = [mfrec.FunkSVD(n_blocks=4, n_threads=t, **kw).fit(small).user_factors_
             for t in (1, 2)]
    np.testing.assert_array_equal(*fixed)
    grids = [mfrec.FunkSVD(n_threads=t, **kw).fit(small) for t in (1, 2)]
    assert not np.array_equal(grids[0].user_factors_, grids[1].user_factors_)
    assert not mfrec.FunkSVD()._get_traits().deterministic
    assert mfrec.FunkSVD(n_blocks=4)._get_traits().deterministic
    docs = os.path.join(os.path.dirname(__file__), "..", "docs", "training.md")
    if os.path.exists(docs):
        text = open(docs, encoding="utf-8").read()
        assert "for a fixed `n_blocks`" in text and "threads race" not in text


# --------------------------------------------------------------------------- 11. implicit
def _ndcg_per_user_split(model, data, seed=0):
    train, test = mfrec.model_selection.per_user_split(data, test_size=0.2, random_state=seed)
    return mfrec.evaluate(model.fit(train), test, ["ndcg@10"])["ndcg@10"]


def test_implicit_defaults_on_raw_play_counts(lastfm):
    """Linear confidence with alpha 40 (the former defaults) scored 0.011 on raw counts."""
    ndcg = _ndcg_per_user_split(mfrec.ImplicitALS(random_state=0), lastfm)
    assert ndcg >= 0.22  # measured 0.2378 (seed 0)
    model = mfrec.ImplicitALS(random_state=0).fit(lastfm)
    median = float(np.median(lastfm.ratings))
    assert model.epsilon_ == pytest.approx(0.1 * median)


def test_implicit_defaults_on_positives(ml100k):
    ndcg = _ndcg_per_user_split(mfrec.ImplicitALS(random_state=0), ml100k.binarize(4))
    assert ndcg >= 0.25  # measured 0.3046; the former defaults 0.2015 (seed 0)


def test_linear_confidence_on_raw_counts_warns(small):
    counts = mfrec.Interactions(small.users, small.items, small.ratings * 300.0)
    with pytest.warns(UserWarning, match="raw counts"):
        mfrec.ImplicitALS(n_factors=4, n_epochs=1, confidence="linear").fit(counts)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mfrec.ImplicitALS(n_factors=4, n_epochs=1).fit(counts)  # log confidence: fine
        mfrec.ImplicitALS(n_factors=4, n_epochs=1, confidence="linear").fit(small.binarize(4))


@pytest.mark.filterwarnings("ignore:.*raw counts")  # linear confidence on counts: on purpose
def test_cg_at_implicits_readme_settings_matches_implicit(lastfm):
    """implicit's README settings on raw counts (factors 64, reg 0.05, alpha 2, CG): its
    confidence 2·r is mfrec's 1 + 1·r' with r' = 2r − 1. mfrec's 3-step CG scored 0.069
    there against implicit's 0.101, from the zero-mean start; non-negative initial factors
    (as implicit's) close the gap."""
    mapped = mfrec.Interactions._from_inner(lastfm.user_map, lastfm.item_map,
                                            lastfm.user_index, lastfm.item_index,
                                            2 * lastfm.ratings - 1, None, lastfm.rating_scale,
                                            canonical=True)
    ours = _ndcg_per_user_split(mfrec.ImplicitALS(n_factors=64, reg=0.05, alpha=1.0,
                                                  confidence="linear", random_state=0), mapped)
    try:
        import threadpoolctl
        from implicit.cpu.als import AlternatingLeastSquares
    except ImportError:  # implicit 0.7.3 scored 0.1023 here (benchmarks/results/...)
        theirs = 0.1023
    else:
        train, test = mfrec.model_selection.per_user_split(lastfm, 0.2, random_state=0)
        with threadpoolctl.threadpool_limits(1, "blas"):
            peer = AlternatingLeastSquares(factors=64, regularization=0.05, alpha=2.0,
                                           use_cg=True, random_state=0, num_threads=1)
            peer.fit(train.to_csr(), show_progress=False)
        ids, _ = peer.recommend(np.arange(train.n_users), train.to_csr(), N=10)
        keep = np.unique(test.user_index)
        rel = sp.csr_matrix((np.ones(test.nnz), (np.searchsorted(keep, test.user_index),
                                                 test.item_index)),
                            shape=(len(keep), train.n_items))
        theirs = mfrec.metrics.ndcg_at_k(ids[keep], rel, 10)
    assert ours >= 0.95 * theirs  # measured 0.1004 vs 0.1023
