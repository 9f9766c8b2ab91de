import os
import subprocess
import sys


def _run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "mfrec", *args], capture_output=True,
                          text=True, timeout=300, env=env)


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


def test_help():
    r = _run("demo", "--help")
    assert r.returncode == 0 and "--threads" in r.stdout and "--seed" in r.stdout
    r = _run()
    assert r.returncode == 2
