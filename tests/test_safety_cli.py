"""Regression tests of the safety findings (issue "Safe on any input…"), continued from
test_safety.py: the command line, the README's setup commands and progress output. Each
reproduced a crash or a silently wrong result on commit f762787."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import mfrec


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

