"""mfrec BPR with implicit's settings mapped vs implicit's BayesianPersonalizedRanking, over
several seeds, on the implicit task's splits (Last.fm 2K play counts and MovieLens 100K
ratings ≥ 4, per-user 80/20, seed 0; the splits ``compare.py`` caches).

One seed of either is one draw: the initial factors and the sampled triples (both libraries
run Hogwild over 2 threads, so a seed does not even fix a fit) move NDCG@10 by about a
hundredth on these small sets. ``compare.py`` runs each library once, at seed 0; this script
prints each seed's NDCG@10 and the mean and standard deviation per library, so that the gap
between the two can be read against that spread. The settings are ``compare.py``'s "mfrec
BPR" and "implicit BPR" rows: k=64, 100 epochs, lr 0.01, λ 0.01, popularity-weighted
negatives verified against the user's positives, initial spread 0.29/k, constant step.

    MFREC_DATA=/work/shared/data python benchmarks/bpr_seeds.py [--seeds 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _tasks_implicit as T  # noqa: E402
from _meta import cpu_name  # noqa: E402

import mfrec  # noqa: E402

N = 10


def _ndcg(ids, test, users) -> float:
    return float(mfrec.metrics.ndcg_at_k(ids, test[users], N))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--datasets", default="lastfm-2k,ml-100k")
    args = ap.parse_args()
    from peers import implicit_peer

    print(f"mfrec {mfrec.__version__}, {cpu_name()}, {len(os.sched_getaffinity(0))} cores, "
          f"{args.threads} threads, load average {os.getloadavg()[0]:.1f} at the start")
    for name in args.datasets.split(","):
        T.prepare(name)
        train, test = T._load_split(name)
        s = T.DATASETS[name]
        users = np.flatnonzero(np.diff(test.indptr) > 0)
        res = {"mfrec BPR (mapped)": [], "implicit BPR": []}
        t0 = time.perf_counter()
        for seed in range(args.seeds):
            est = mfrec.BPR(n_factors=s.factors, n_epochs=s.bpr_iterations, lr=0.01, reg=0.01,
                            negatives="popularity", verify_negatives=True,
                            lr_schedule="constant", init_std=0.29 / s.factors,
                            n_threads=args.threads, random_state=seed).fit(train)
            ids, _ = est.recommend(users, n=N)
            res["mfrec BPR (mapped)"].append(_ndcg(ids, test, users))
            fit = implicit_peer.fit_bpr(train, factors=s.factors, iterations=s.bpr_iterations,
                                        threads=args.threads, random_state=seed)
            ids, _ = implicit_peer.recommend(fit["model"], users, train, n=N)
            res["implicit BPR"].append(_ndcg(ids, test, users))
            print(f"  {name} seed {seed}: mfrec {res['mfrec BPR (mapped)'][-1]:.4f}  "
                  f"implicit {res['implicit BPR'][-1]:.4f}", flush=True)
        print(f"{name} ({T.describe(name)}), {args.seeds} seeds, "
              f"{time.perf_counter() - t0:.0f} s:")
        for lib, v in res.items():
            print(f"  {lib}: NDCG@10 mean {statistics.mean(v):.4f}, "
                  f"std {statistics.stdev(v) if len(v) > 1 else 0.0:.4f} "
                  f"(min {min(v):.4f}, max {max(v):.4f})")


if __name__ == "__main__":
    main()
