"""Instruction counts (valgrind --tool=callgrind) of the hot kernels, comparable across builds.

Counts instructions, not seconds, so the figures repeat exactly on a busy machine. Each kernel
runs in a fresh interpreter under callgrind twice, with 1 and with 3 calls after the same
set-up; (count₃ − count₁) / 2 is the cost of one call, set-up and interpreter start excluded.
One thread (OMP_WAIT_POLICY=passive), PYTHONHASHSEED=0. The kernels, on the MovieLens 100K
80/20 training split (random_state 0):

- ``sgd_epoch``: one FunkSVD epoch at its defaults (k=100, AdaGrad), through ``fit`` with
  n_epochs = 1 and 3 (all epochs run in one C++ call);
- ``als_half_sweep``: one user half-sweep of ALS at its defaults (k=64, CG 3 steps, biased,
  ALS-WR) from fixed random factors;
- ``implicit_half_sweep``: one user half-sweep of ImplicitALS at its defaults (k=64, CG 3
  steps, c = 1 + 40·r on r >= 4), YᵀY included;
- ``topn``: ``recommend(n=10)`` for all 943 users of a fitted FunkSVD (k=100; the packed
  panels are cached after the first call).

valgrind emulates no AVX-512: its CPU reports AVX2 + FMA, so the runtime dispatch takes the
AVX2 path there ("forced"); a build with ``-DMFREC_NO_DISPATCH`` runs the generic path.
Usage (each PYTHON is an interpreter with one build of mfrec installed)::

    python benchmarks/callgrind_kernels.py --compare NAME=PYTHON [NAME=PYTHON ...] \\
        [--json benchmarks/results/callgrind.json]

The kernel calls speak both the keyword API of the bindings (AlsParams, ...) and the
positional one of mfrec 0.1.0, so that release can be measured beside the current one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

KERNELS = ("sgd_epoch", "als_half_sweep", "implicit_half_sweep", "topn")


def _split():
    import mfrec

    data = mfrec.datasets.load_movielens("100k", download=False)
    train, _ = mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)
    return train


def _factors(n, k, seed):
    import numpy as np

    return (np.random.default_rng(seed).standard_normal((n, k)) * 0.1).astype(np.float32)


def _als_call(kind: str, train):
    """A function doing one user half-sweep (its arrays made once, outside)."""
    import numpy as np

    from mfrec import _core

    k = 64
    X, Y = _factors(train.n_users, k, 1), _factors(train.n_items, k, 2)
    if kind == "explicit":
        values = train.ratings
        bu, bi = np.zeros(train.n_users, np.float32), np.zeros(train.n_items, np.float32)
        mu = float(np.float32(train.ratings.mean(dtype=np.float64)))
    else:
        pos = train.subset(train.ratings >= 4)
        train = pos
        values = (1.0 + 40.0 * pos.ratings).astype(np.float32)
        X = _factors(pos.n_users, k, 1)
    args = (train.indptr, train.item_index, np.ascontiguousarray(values, np.float32), X, Y)
    if hasattr(_core, "AlsParams"):  # keyword API
        if kind == "explicit":
            prm = _core.AlsParams(reg=0.1, reg_count=True, augment=True, mu=mu, cg_steps=3)
            return lambda: _core.als_half_sweep(*args, params=prm, x_bias=bu, other_bias=bi,
                                                n_threads=1)
        prm = _core.AlsParams(reg=0.01, implicit=True, cg_steps=3)
        return lambda: _core.als_half_sweep(*args, params=prm,
                                            gram=_core.gram(Y, n_threads=1), n_threads=1)
    if kind == "explicit":  # mfrec 0.1.0
        return lambda: _core.als_half_sweep(*args, bu, bi, 0.1, True, False, True, mu, 3, 1)
    return lambda: _core.als_half_sweep(*args, None, None, 0.01, False, True, False, 0.0, 3, 1)


def run_kernel(kernel: str, calls: int) -> None:
    """The workload (inside valgrind): set up, then ``calls`` calls of ``kernel``."""
    import mfrec

    train = _split()
    if kernel == "sgd_epoch":
        mfrec.FunkSVD(n_epochs=calls, n_threads=1, random_state=0).fit(train)
        return
    if kernel == "topn":
        model = mfrec.FunkSVD(n_epochs=1, n_threads=1, random_state=0).fit(train)
        model.recommend(n=10)  # packs and caches the panels
        for _ in range(calls):
            model.recommend(n=10)
        return
    call = _als_call("explicit" if kernel == "als_half_sweep" else "implicit", train)
    for _ in range(calls):
        call()


def _count(python: str, kernel: str, calls: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = {**os.environ, "OMP_WAIT_POLICY": "passive", "OMP_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               python, os.path.abspath(__file__), "--run", kernel, str(calls)]
        subprocess.run(cmd, check=True, env=env, capture_output=True, cwd=tmp)
        text = out.read_text()
        return int(re.search(r"^summary:\s+(\d+)", text, re.MULTILINE).group(1))


def per_call(python: str, kernel: str) -> int:
    """Instructions of one call of ``kernel`` with the mfrec of ``python``."""
    return (_count(python, kernel, 3) - _count(python, kernel, 1)) // 2


def describe(python: str) -> dict:
    code = ("import mfrec, mfrec._core as c; print(mfrec.__file__); "
            "print(c.isa_dispatch()); print(c.sgd_row_floats())")
    lines = subprocess.run([python, "-c", code], check=True, capture_output=True,
                           text=True).stdout.split()
    return {"mfrec": lines[0], "isa_dispatch": lines[1] == "True"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", nargs=2, metavar=("KERNEL", "CALLS"), help=argparse.SUPPRESS)
    ap.add_argument("--compare", nargs="+", metavar="NAME=PYTHON")
    ap.add_argument("--kernels", nargs="+", default=list(KERNELS), choices=KERNELS)
    ap.add_argument("--json", help="write the counts here")
    args = ap.parse_args()
    if args.run:
        run_kernel(args.run[0], int(args.run[1]))
        return
    builds = dict(item.split("=", 1) for item in args.compare)
    results = {name: {"python": py, **describe(py), "instructions": {}}
               for name, py in builds.items()}
    names = list(builds)
    print("| kernel | " + " | ".join(names) + " | ratio " + " / ".join(names[1:]) + " vs "
          + names[0] + " |")
    print("|---|" + "---:|" * (len(names) + 1))
    for kernel in args.kernels:
        counts = {name: per_call(py, kernel) for name, py in builds.items()}
        for name in names:
            results[name]["instructions"][kernel] = counts[name]
        ratios = " / ".join(f"{counts[n] / counts[names[0]]:.4f}" for n in names[1:])
        print(f"| {kernel} | " + " | ".join(f"{counts[n]:,}" for n in names) + f" | {ratios} |",
              flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
