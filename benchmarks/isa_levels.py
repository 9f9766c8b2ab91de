"""Kernel speed per ISA level: the same calls with the AVX-512, AVX2 + FMA and generic kernels.

Every level this CPU supports is run in a child process with ``MFREC_ISA`` set (the portable
build picks its kernels per call; the variable lowers the level, see docs/architecture.md), on
one thread, so the figures are per core:

- **SGD**: ns per rating update of a FunkSVD epoch (k = 100, AdaGrad defaults) on
  ``synthetic(20_000, 5_000, 1_000_000)``, median of the epochs of one 6-epoch fit
  (``history_`` elapsed differences, the first epoch dropped);
- **ALS row solve**: µs per row of an explicit ALS epoch (k = 64, CG 3 steps; every user and
  item row solved once per epoch) and of an ImplicitALS epoch (k = 64, CG 3 steps, training
  loss on, the default) on the same ratings (positives ≥ 4 for ImplicitALS);
- **top-N**: users per second of ``recommend(n=10)`` for 5,000 users over 50,000 items
  (k = 64; the training items filtered), and the multiply-add rate that implies.

The ratios to the peers on the same machine come from the comparisons made with the same
variable: ``MFREC_ISA=avx2 python benchmarks/compare.py --tasks rating --datasets
synthetic-10m --models "mfrec FunkSVD,LibMF haswell"`` and ``MFREC_ISA=avx2 python
benchmarks/implicit_als.py --factors 64 --solvers cg``.

    python benchmarks/isa_levels.py [--json benchmarks/results/isa_levels.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _meta import cpu_name

LEVELS = {4: "avx512", 3: "avx2", 0: "generic"}


def _per_epoch(model) -> float:
    ends = [h["elapsed"] for h in model.history_]
    steps = [b - a for a, b in zip([0.0] + ends, ends)]
    return statistics.median(steps[1:] if len(steps) > 2 else steps)


def measure() -> dict:
    """The figures for the level this process runs at (called in the child)."""
    import numpy as np

    import mfrec
    from mfrec import _core

    data = mfrec.datasets.synthetic(20_000, 5_000, 1_000_000, random_state=0)
    nnz = data.nnz
    out = {"isa_level": _core.isa_level()}

    funk = mfrec.FunkSVD(n_epochs=6, n_threads=1, random_state=0).fit(data)
    out["sgd_ns_per_update"] = _per_epoch(funk) / nnz * 1e9

    rows = data.n_users + data.n_items
    als = mfrec.ALS(n_factors=64, n_epochs=4, n_threads=1, random_state=0).fit(data)
    out["als_us_per_row"] = _per_epoch(als) / rows * 1e6
    pos = data.binarize(4)
    imp = mfrec.ImplicitALS(n_factors=64, n_epochs=4, n_threads=1, random_state=0).fit(pos)
    out["implicit_als_us_per_row"] = _per_epoch(imp) / (pos.n_users + pos.n_items) * 1e6

    big = mfrec.datasets.synthetic(5_000, 50_000, 500_000, random_state=1)
    model = mfrec.ImplicitALS(n_factors=64, n_epochs=1, n_threads=1, random_state=0,
                              compute_loss=False).fit(big.binarize(1))
    users = np.arange(5_000)  # synthetic raw ids are 0 .. n-1
    model.recommend(users[:100], n=10)  # warm up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model.recommend(users, n=10)
        times.append(time.perf_counter() - start)
    t = min(times)
    out["topn_users_per_s"] = len(users) / t
    out["topn_gmac_per_s"] = len(users) * big.n_items * 64 / t / 1e9
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=None)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure()))
        return 0

    from mfrec import _core

    top = _core.cpu_isa_level()
    rows = []
    print(f"{cpu_name()}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; 1 thread\n")
    print("| ISA | SGD ns/update (k=100) | ALS µs/row (k=64) | ImplicitALS µs/row (k=64) "
          "| top-N users/s (50k items, k=64) | top-N GMAC/s |\n|---|---|---|---|---|---|")
    for level, name in LEVELS.items():
        if level > top:
            continue
        env = dict(os.environ, MFREC_ISA=name)
        res = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True,
                             capture_output=True, text=True)
        row = json.loads(res.stdout.strip().splitlines()[-1])
        row["isa"] = name
        rows.append(row)
        print(f"| {name} | {row['sgd_ns_per_update']:.1f} | {row['als_us_per_row']:.1f} | "
              f"{row['implicit_als_us_per_row']:.1f} | {row['topn_users_per_s']:,.0f} | "
              f"{row['topn_gmac_per_s']:.1f} |", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"cpu": cpu_name(), "threads": 1, "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
