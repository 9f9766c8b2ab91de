"""BPR vs implicit's BayesianPersonalizedRanking: seconds per epoch on the 10M synthetic positives.

Data: the synthetic 10M-rating set (200k users x 50k items, seed 0), positives r >= 4 (the
matrix of benchmarks/implicit_als.py, 7.37M positives). Both libraries draw nnz triples per
epoch (implicit: one sample per stored positive; mfrec: each user as many as it has
positives), same factors, same threads, implicit's settings (lr 0.01, λ 0.01, verified
negatives; mfrec with them mapped: popularity-weighted negatives, init_std 0.29/k, see
``mfrec.BPR``). Seconds per epoch = the median over the epochs of a fit of each library's own
per-epoch time (mfrec: ``history_`` elapsed differences; implicit: the seconds its fit
callback receives), so one-off set-up (input conversion) is not counted for either. The fits
of the two libraries alternate (``--rounds``); the table gives the median over rounds, and
the training AUC proxy each reports is not compared (different sampling).

    python benchmarks/bpr.py                       # k = 32, 64, 128; 5 epochs, 3 rounds
    python benchmarks/bpr.py --factors 64 --quick  # 1M ratings
    python benchmarks/bpr.py --json benchmarks/results/bpr.json > benchmarks/results/bpr.txt

``MFREC_ISA=avx2`` (or ``generic``) in the environment times mfrec's AVX2 (generic) kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _meta import cpu_name, dist_version  # noqa: E402


def run_mfrec(R, k, epochs, threads, seed, **kw):
    import mfrec

    model = mfrec.BPR(n_factors=k, n_epochs=epochs, lr=0.01, reg=0.01, negatives="popularity",
                      verify_negatives=True, init_std=0.29 / k, n_threads=threads,
                      random_state=seed, **kw)
    model.fit(R)
    ends = [h["elapsed"] for h in model.history_]
    return float(np.median(np.diff([0.0] + ends)))


def run_implicit(R, k, epochs, threads, seed):
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from threadpoolctl import threadpool_limits

    model = BayesianPersonalizedRanking(factors=k, learning_rate=0.01, regularization=0.01,
                                        iterations=epochs, num_threads=threads,
                                        verify_negative_samples=True, random_state=seed)
    per_epoch = []
    with threadpool_limits(1, "blas"):
        model.fit(R, show_progress=False, callback=lambda it, secs, *rest: per_epoch.append(secs))
    return float(np.median(per_epoch))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", default="32,64,128")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="1M ratings")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    from implicit_als import positives

    import mfrec
    from mfrec import _core

    shape = (20_000, 5_000, 1_000_000) if args.quick else (200_000, 50_000, 10_000_000)
    R = positives(*shape).astype(np.float32)
    R.sort_indices()
    imp = dist_version("implicit")
    print(f"{R.shape[0]:,} users x {R.shape[1]:,} items, {R.nnz:,} positives; {args.epochs} "
          f"epochs per fit, median of {args.rounds} alternating rounds; {args.threads} threads; "
          f"mfrec {mfrec.__version__} (ISA level {_core.isa_level()}, "
          f"MFREC_ISA={os.environ.get('MFREC_ISA', 'unset')}); implicit {imp}; {cpu_name()}; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| k | mfrec s/epoch | implicit s/epoch | implicit / mfrec | mfrec ns/triple/thread |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    for k in (int(f) for f in args.factors.split(",")):
        times = {"mfrec": [], "implicit": []}
        for r in range(args.rounds):
            times["mfrec"].append(run_mfrec(R, k, args.epochs, args.threads, r))
            times["implicit"].append(run_implicit(R, k, args.epochs, args.threads, r))
        m, i = statistics.median(times["mfrec"]), statistics.median(times["implicit"])
        row = {"k": k, "mfrec_s_per_epoch": m, "implicit_s_per_epoch": i, "ratio": i / m,
               "mfrec_rounds": times["mfrec"], "implicit_rounds": times["implicit"]}
        rows.append(row)
        print(f"| {k} | {m:.3f} | {i:.3f} | {i / m:.1f}× | "
              f"{m / R.nnz * args.threads * 1e9:.0f} |", flush=True)
    if args.json:
        meta = {"cpu": cpu_name(), "threads": args.threads, "epochs": args.epochs,
                "rounds": args.rounds, "shape": list(R.shape), "nnz": int(R.nnz),
                "mfrec": mfrec.__version__, "implicit": imp, "isa_level": _core.isa_level(),
                "date": time.strftime("%Y-%m-%d")}
        Path(args.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
