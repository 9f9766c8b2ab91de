"""The command line, end to end in subprocesses (as a user runs it)."""

import argparse
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import mfrec
from mfrec._retrieval import RATING_RISK_AVERSION
from mfrec.cli import build_parser

COMMANDS = ["demo", "fit", "evaluate", "recommend", "similar", "datasets"]


def _run(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "mfrec", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


@pytest.fixture(scope="module")
def ratings_file(tmp_path_factory):
    """A small ratings CSV with a header and string user ids."""
    data = mfrec.datasets.synthetic(120, 80, 2400, random_state=3)
    path = tmp_path_factory.mktemp("cli") / "ratings.csv"
    lines = ["user,item,rating,timestamp"]
    lines += [f"u{u},{i},{r:g},{t}" for u, i, r, t in
              zip(data.users, data.items, data.ratings, data.timestamps)]
    path.write_text("\n".join(lines) + "\n")
    return path


# -- demo ------------------------------------------------------------------------------------
def test_demo_runs(ml100k):
    r = _run("demo", "--threads", "2")
    assert r.returncode == 0, r.stderr
    assert "MovieLens 100K from the cache" in r.stdout
    assert "FunkSVD" in r.stdout and "Baseline" in r.stdout and "global mean" in r.stdout
    assert "Top 10 recommendations" in r.stdout


def test_demo_falls_back_to_synthetic(tmp_path):
    env = dict(os.environ, MFREC_DATA=str(tmp_path))
    env["MFREC_DOWNLOAD_URL"] = "http://127.0.0.1:9/"
    r = _run("demo", env=env)
    assert r.returncode == 0, r.stderr
    assert "synthetic" in r.stdout and "Top 10" in r.stdout


def test_demo_plot(tmp_path):
    pytest.importorskip("matplotlib")
    env = dict(os.environ, MFREC_DATA=str(tmp_path / "empty"))
    env["MFREC_DOWNLOAD_URL"] = "http://127.0.0.1:9/"
    out = tmp_path / "demo.png"
    r = _run("demo", "--plot", out, env=env)
    assert r.returncode == 0, r.stderr
    head = out.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1400, 600)
    r = _run("demo", "--plot", tmp_path / "demo.jpg", env=env)
    assert r.returncode == 1 and ".png" in r.stderr


# -- fit / evaluate / recommend / similar ----------------------------------------------------
def test_fit_evaluate_recommend_similar(ratings_file, tmp_path):
    model_path = tmp_path / "model.npz"
    r = _run("fit", ratings_file, "--model", "funksvd", "--factors", 8, "--epochs", 5,
             "--test-size", 0.2, "--seed", 1, "--threads", 1, "--out", model_path)
    assert r.returncode == 0, r.stderr
    assert "Fitted FunkSVD(" in r.stdout and "rmse" in r.stdout and model_path.is_file()
    fit_rmse = float(next(line.split()[1] for line in r.stdout.splitlines()
                          if line.startswith("rmse")))

    # evaluate on the same split: the same RMSE as fit printed
    r = _run("evaluate", model_path, ratings_file, "--test-size", 0.2, "--seed", 1,
             "--format", "json")
    assert r.returncode == 0, r.stderr
    scores = {row["metric"]: row["value"] for row in json.loads(r.stdout)}
    assert set(scores) == {"rmse", "mae"}
    assert scores["rmse"] == pytest.approx(fit_rmse, abs=1e-4)

    # recommend: same answer as the Python API on the loaded model (a rating model: the CLI
    # ranks with the risk aversion chosen on validation splits unless told otherwise)
    model = mfrec.load(model_path)
    for extra, risk in (((), RATING_RISK_AVERSION), (("--risk-aversion", 0), 0.0)):
        r = _run("recommend", model_path, "--user", "u3", "u7", "-n", 4, "--format", "json",
                 *extra)
        assert r.returncode == 0, r.stderr
        rows = json.loads(r.stdout)
        ids, scores = model.recommend(["u3", "u7"], n=4, risk_aversion=risk)
        assert [row["item"] for row in rows] == ids.ravel().tolist()
        assert [row["user"] for row in rows] == ["u3"] * 4 + ["u7"] * 4
        np.testing.assert_allclose([row["score"] for row in rows], scores.ravel(), rtol=1e-6)

    r = _run("similar", model_path, "--item", 5, "-n", 3)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["query", "rank", "item"] and len(lines) == 2 + 3
    sim, _ = model.similar_items([5], n=3)
    assert [int(line.split()[2]) for line in lines[2:]] == sim.ravel().tolist()


def test_fit_implicit_with_params(ratings_file, tmp_path):
    r = _run("fit", ratings_file, "--model", "implicit-als", "--binarize", 4, "--factors", 8,
             "--epochs", 3, "--param", "solver=cholesky", "--param", "alpha=10",
             "--test-size", 0.2, "--out", tmp_path / "imp.npz")
    assert r.returncode == 0, r.stderr
    assert "ndcg@10" in r.stdout and "solver='cholesky'" in r.stdout
    assert mfrec.load(tmp_path / "imp.npz").get_params()["alpha"] == 10


def test_fit_dataset_by_name(ml100k, tmp_path):
    r = _run("fit", "ml-100k", "--model", "baseline", "--test-size", 0.2)
    assert r.returncode == 0, r.stderr
    assert "80,000 interactions" in r.stdout


def test_recommend_prints_titles(ml100k, tmp_path):
    path = tmp_path / "ml.npz"
    assert _run("fit", "ml-100k", "--model", "als", "--epochs", 2, "--factors", 8,
                "--out", path).returncode == 0
    r = _run("recommend", path, "--user", 1, "-n", 3)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].split() == ["user", "rank", "item", "title", "score"]
    r = _run("similar", path, "--item", 50, "-n", 3, "--format", "csv")  # 50: Star Wars
    assert r.returncode == 0 and r.stdout.startswith("query,rank,item,title,score")


# -- errors and exit codes -------------------------------------------------------------------
def test_error_exit_codes(ratings_file, tmp_path):
    r = _run("fit", tmp_path / "missing.csv")
    assert r.returncode == 1 and "missing.csv" in r.stderr
    r = _run("fit", ratings_file, "--model", "nope")
    assert r.returncode == 1 and "unknown model 'nope'" in r.stderr
    r = _run("fit", ratings_file, "--model", "baseline", "--factors", 4)
    assert r.returncode == 1 and "n_factors" in r.stderr
    r = _run("fit", ratings_file, "--param", "oops")
    assert r.returncode == 1 and "KEY=VALUE" in r.stderr
    r = _run("fit", ratings_file, "--threads", 0)
    assert r.returncode == 2 and "0 threads" in r.stderr
    model_path = tmp_path / "m.npz"
    assert _run("fit", ratings_file, "--model", "baseline", "--out", model_path).returncode == 0
    r = _run("recommend", model_path, "--user", "nobody")
    assert r.returncode == 1 and "nobody" in r.stderr
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    r = _run("recommend", bad, "--user", "u1")
    assert r.returncode == 1 and "bad.npz" in r.stderr
    r = _run("datasets", "fetch")
    assert r.returncode == 2
    r = _run()
    assert r.returncode == 2 and "COMMAND" in r.stdout


# -- datasets --------------------------------------------------------------------------------
def test_datasets_list(ml100k):
    r = _run("datasets", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["ml-100k"]["cached"] == "yes"
    assert {"ml-1m", "ml-latest-small", "lastfm-2k"} <= set(rows)


def test_datasets_fetch_cached(ml100k):
    r = _run("datasets", "fetch", "ml-100k", "-q")
    assert r.returncode == 0, r.stderr
    assert "ml-100k" in r.stdout


# -- help ------------------------------------------------------------------------------------
def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_command_and_option_is_documented():
    subs = _subparsers()
    assert sorted(subs) == sorted(COMMANDS)
    for name, sub in subs.items():
        assert sub.description, name
        r = _run(name, "--help")
        assert r.returncode == 0, r.stderr
        text = " ".join(r.stdout.split())
        assert "Exit codes" in text
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and len(action.help) > 10, (name, action.dest)
            for opt in action.option_strings:
                assert opt in text, (name, opt)
    r = _run("--help")
    assert r.returncode == 0 and all(c in r.stdout for c in COMMANDS)
