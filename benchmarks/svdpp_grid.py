"""SVDpp(algorithm="grid") against the per-user walk: accuracy with its y-step damping swept,
and speed next to FunkSVD's, at the defaults otherwise.

- ``--part accuracy``: test RMSE on compare.py's random 80/20 splits of MovieLens 100K and
  latest-small (``--seeds`` seeds, 2 threads) and on 80 % of the 10M synthetic set (seed 0),
  for the per-user walk and for the grid with ``GRID_Y_DAMPING`` = 3, 10 (the default), 30
  and none (the constant of ``mfrec.models._svdpp_train`` set for the run; none = inf, the
  undamped Jacobi step);
- ``--part implicit``: the same splits with the test pairs given as ``implicit_items``
  (which items each user rated, not how: Koren's use of the Netflix qualifying set), test
  RMSE of the per-user walk and of the grid (N(u)'s own grid with the ratings' bins);
- ``--part speed``: on the 10M synthetic set, seconds per epoch (from ``history_``, epochs
  2..n of ``--epochs``) and whole 20-epoch fits of FunkSVD, the per-user walk and the grid,
  ``--repeats`` times alternating, 1 and 2 threads; the ratios are read within one repeat.

    MFREC_DATA=/work/shared/data python benchmarks/svdpp_grid.py [--part accuracy,speed]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import surprise_seeds  # noqa: E402
from _meta import cpu_name  # noqa: E402

import mfrec  # noqa: E402
from mfrec.datasets import synthetic  # noqa: E402
from mfrec.model_selection import train_test_split  # noqa: E402
from mfrec.models import _svdpp_train  # noqa: E402

DAMPINGS = (3.0, 10.0, 30.0, float("inf"))


def _10m():
    return train_test_split(synthetic(200_000, 50_000, 10_000_000, random_state=0),
                            test_size=0.2, random_state=0)


def _rmse(model, test) -> float:
    return mfrec.evaluate(model, test, "rmse", unknown="baseline")["rmse"]


def _variants():
    yield "per-user walk", {"algorithm": "per_user"}, None
    for c in DAMPINGS:
        yield f"grid, damping {c:g}", {"algorithm": "grid"}, c


def accuracy(seeds: int) -> None:
    default = _svdpp_train.GRID_Y_DAMPING
    print("| variant | ML-100K | latest-small | 10M (seed 0) |\n|---|---:|---:|---:|")
    sets = {name: surprise_seeds._split(name) for name in ("ml-100k", "ml-latest-small")}
    big = _10m()
    for name, kw, c in _variants():
        _svdpp_train.GRID_Y_DAMPING = default if c is None else c
        cells = []
        for data, _, test, _ in sets.values():
            r = [mfrec.metrics.rmse(test[2], mfrec.SVDpp(**kw, n_threads=2, random_state=s)
                                    .fit(data).predict(test[0], test[1], unknown="baseline"))
                 for s in range(seeds)]
            cells.append(f"{np.mean(r):.4f} ± {np.std(r, ddof=1) if seeds > 1 else 0:.4f}")
        m = mfrec.SVDpp(**kw, n_threads=2, random_state=0).fit(big[0])
        cells.append(f"{_rmse(m, big[1]):.4f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    _svdpp_train.GRID_Y_DAMPING = default


def implicit(seeds: int) -> None:
    print("| implicit_items = the test pairs | ML-100K | latest-small |\n|---|---:|---:|")
    sets = {name: surprise_seeds._split(name) for name in ("ml-100k", "ml-latest-small")}
    for alg in ("per_user", "grid"):
        cells = []
        for data, _, test, _ in sets.values():
            extra = sp.csr_matrix((np.ones(len(test[0]), dtype=np.float32), (test[0], test[1])),
                                  shape=data.shape)
            r = [mfrec.metrics.rmse(test[2], mfrec.SVDpp(algorithm=alg, n_threads=2,
                                                         random_state=s)
                                    .fit(data, implicit_items=extra)
                                    .predict(test[0], test[1], unknown="baseline"))
                 for s in range(seeds)]
            cells.append(f"{np.mean(r):.4f} ± {np.std(r, ddof=1) if seeds > 1 else 0:.4f}")
        print(f"| {alg} | " + " | ".join(cells) + " |", flush=True)


def speed(epochs: int, repeats: int) -> None:
    train, _ = _10m()
    models = {"FunkSVD": (mfrec.FunkSVD, {}),
              "SVDpp per-user": (mfrec.SVDpp, {"algorithm": "per_user"}),
              "SVDpp grid": (mfrec.SVDpp, {"algorithm": "grid"})}
    for nt in (1, 2):
        for rep in range(repeats):
            per, fit = {}, {}
            for name, (cls, kw) in models.items():
                m = cls(n_epochs=epochs, n_threads=nt, random_state=0, **kw).fit(train)
                h = m.history_
                per[name] = (h[-1]["elapsed"] - h[0]["elapsed"]) / (len(h) - 1)
                t = time.perf_counter()
                cls(n_threads=nt, random_state=0, **kw).fit(train)
                fit[name] = time.perf_counter() - t
            f = per["FunkSVD"], fit["FunkSVD"]
            print(f"{nt} thread(s), repeat {rep + 1}: " + "; ".join(
                f"{name} {per[name]:.3f} s/epoch ({per[name] / f[0]:.2f}x), 20-epoch fit "
                f"{fit[name]:.2f} s ({fit[name] / f[1]:.2f}x)" for name in models), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="accuracy,speed")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    print(f"mfrec {mfrec.__version__}, {cpu_name()}, {len(os.sched_getaffinity(0))} cores, "
          f"ISA level {mfrec._core.isa_level()}, load average {os.getloadavg()[0]:.1f} at the "
          f"start; SVDpp and FunkSVD defaults (k=100)\n")
    parts = args.part.split(",")
    if "accuracy" in parts:
        accuracy(args.seeds)
    if "implicit" in parts:
        implicit(args.seeds)
    if "speed" in parts:
        speed(args.epochs, args.repeats)
    print(f"\n(python benchmarks/svdpp_grid.py --part {args.part} --seeds {args.seeds} "
          f"--epochs {args.epochs} --repeats {args.repeats}; load average "
          f"{os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
