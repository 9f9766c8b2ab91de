"""SVDpp's epoch against FunkSVD's, with the factor rows in a core's cache and without: how
much of the 10M ratio (issue 15 bounds it at 2.5x) is arithmetic and how much is memory.

Both models at their defaults (k=100, AdaGrad), ``--epochs`` epochs per fit, the seconds per
epoch read from ``history_`` (epochs 2..n, so set-up and the first epoch's page faults are
left out), the two models alternating, ``--repeats`` times, the least of each kept (other
programs only ever add time). Two data sets of the same shape on the user side:

- ``10m``: ``synthetic(200_000, 50_000, 10_000_000)``, 80 % of it (compare.py's
  synthetic-10m shape): the item rows (q_i and y_j, 2 × 50,000 × 448 bytes) live in L3 or
  memory;
- ``2k-items``: ``synthetic(200_000, 2_000, 4_000_000)``, 80 %: the same per-user walk over
  2,000 items, whose rows (1.8 MB) stay in a core's L2: SVDpp's time is then its arithmetic
  and the latencies of its update chain.

The ratio on ``2k-items`` is what SVD++'s per-rating work costs next to FunkSVD's on this
CPU; the step from it to the ``10m`` ratio is the cost of the item rows the per-user walk
moves (a q_i and a y_j per rating, read and written back, where FunkSVD's block grid keeps
its item rows in L2).

    python benchmarks/svdpp_work_ratio.py [--epochs 4] [--repeats 3] [--threads 1,2]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _meta import cpu_name  # noqa: E402

import mfrec  # noqa: E402
from mfrec.datasets import synthetic  # noqa: E402
from mfrec.model_selection import train_test_split  # noqa: E402

SETS = {"10m": (200_000, 50_000, 10_000_000), "2k-items": (200_000, 2_000, 4_000_000)}


def _per_epoch(model) -> float:
    h = model.history_
    return (h[-1]["elapsed"] - h[0]["elapsed"]) / (len(h) - 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    print(f"mfrec {mfrec.__version__}, {cpu_name()}, {len(os.sched_getaffinity(0))} cores, "
          f"ISA level {mfrec._core.isa_level()}, load average {os.getloadavg()[0]:.1f} at the "
          f"start; defaults (k=100), seconds per epoch, least of {args.repeats}")
    for name, shape in SETS.items():
        train, _ = train_test_split(synthetic(*shape, random_state=0), test_size=0.2,
                                    random_state=0)
        for nt in (int(t) for t in args.threads.split(",")):
            best = {"FunkSVD": float("inf"), "SVDpp": float("inf")}
            for _ in range(args.repeats):
                for cls in best:
                    kw = {"algorithm": "per_user"} if cls == "SVDpp" else {}  # the walk's cost
                    m = getattr(mfrec, cls)(n_epochs=args.epochs, n_threads=nt,
                                            random_state=0, **kw).fit(train)
                    best[cls] = min(best[cls], _per_epoch(m))
            per_rating = {c: s / train.nnz * 1e9 for c, s in best.items()}
            print(f"{name:9s} {train.nnz:>9,} ratings, {nt} thread(s): FunkSVD "
                  f"{best['FunkSVD']:.3f} s ({per_rating['FunkSVD']:.1f} ns/rating), SVDpp "
                  f"{best['SVDpp']:.3f} s ({per_rating['SVDpp']:.1f} ns/rating): "
                  f"{best['SVDpp'] / best['FunkSVD']:.2f}x", flush=True)
    print(f"(python benchmarks/svdpp_work_ratio.py --epochs {args.epochs} --repeats "
          f"{args.repeats} --threads {args.threads}; load average {os.getloadavg()[0]:.1f} at "
          f"the end)")


if __name__ == "__main__":
    main()
