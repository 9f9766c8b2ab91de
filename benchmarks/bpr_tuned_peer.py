"""mfrec's BPR against implicit's BPR at implicit's best step and λ, chosen on validation.

compare.py sets mfrec's BPR against implicit's at implicit's defaults (lr 0.01, λ 0.01), once
with implicit's scheme mapped into mfrec (constant steps, popularity negatives: the same
algorithm, so a tie up to the seed's draw) and once at mfrec's own defaults with k and the
number of epochs mapped. This script asks the question a user would: is mfrec's BPR still
ahead when implicit's learning rate and λ are tuned for the data?

For each data set (compare.py's implicit task: Last.fm 2K, MovieLens 100K positives r ≥ 4;
the same cached per-user 80/20 split, seed 0):

1. a validation split carved from the training part only (``per_user_split(train, 0.2,
   random_state=1)``);
2. implicit's ``BayesianPersonalizedRanking(factors=64, iterations=100)`` over a grid of
   ``learning_rate`` × ``regularization`` (``LRS`` × ``REGS``), fitted on the rest of the
   training part, scored by NDCG@10 on the validation part (seed 0);
3. on the test split, seeds 0-4 (the models' ``random_state``; the split stays seed 0):
   implicit at the best grid point, implicit at its defaults, mfrec's ``BPR`` at its
   defaults with k = 64 and 100 epochs (compare.py's "mfrec BPR (defaults)"), and mfrec's
   ``BPR`` with implicit's best point mapped as BPR's docstring maps implicit's settings.

Both libraries on 2 threads; NDCG@10 of top-10 lists with the training items filtered, over
the users with test items, by ``mfrec.metrics``. Output: ``results/bpr_tuned_peer.txt``.

    MFREC_DATA=../shared/data python benchmarks/bpr_tuned_peer.py
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

LRS = (0.0025, 0.005, 0.01, 0.02, 0.05, 0.1)
REGS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1)
K, EPOCHS, N = 64, 100, 10


def ndcg(ids, test, users) -> float:
    import mfrec

    return float(mfrec.metrics.ndcg_at_k(ids, test[users], N))


def implicit_ndcg(train, test, lr, reg, seed, threads) -> float:
    from peers import implicit_peer

    users = np.flatnonzero(np.diff(test.indptr) > 0)
    fit = implicit_peer.fit_bpr(train, factors=K, iterations=EPOCHS, threads=threads,
                                learning_rate=lr, reg=reg, random_state=seed)
    ids, _ = implicit_peer.recommend(fit["model"], users, train, n=N)
    return ndcg(ids, test, users)


def mfrec_ndcg(train, test, seed, threads, **kw) -> float:
    import mfrec

    users = np.flatnonzero(np.diff(test.indptr) > 0)
    est = mfrec.BPR(n_factors=K, n_epochs=EPOCHS, n_threads=threads, random_state=seed,
                    **kw).fit(train)
    ids, _ = est.recommend(users, n=N)
    return ndcg(ids, test, users)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="lastfm-2k,ml-100k")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import implicit
    from _meta import cpu_name
    from _tasks_implicit import _load_split, prepare

    import mfrec

    print(f"mfrec {mfrec.__version__}, implicit {implicit.__version__}, {cpu_name()}, "
          f"{os.cpu_count()} cores, {args.threads} threads, load average "
          f"{os.getloadavg()[0]:.1f} at the start; k={K}, {EPOCHS} epochs/iterations")
    for name in args.datasets.split(","):
        start = time.perf_counter()
        prepare(name)
        train, test = _load_split(name)
        fit_part, val = mfrec.model_selection.per_user_split(
            mfrec.Interactions.from_sparse(train), test_size=0.2, random_state=1)
        fit_csr = fit_part.to_csr().astype(np.float32)
        val_csr = val.to_csr()
        grid = {}
        for lr, reg in itertools.product(LRS, REGS):
            grid[lr, reg] = implicit_ndcg(fit_csr, val_csr, lr, reg, 0, args.threads)
        best = max(grid, key=grid.get)
        print(f"\n{name}: validation NDCG@10 of implicit's BPR (rows λ, columns lr; seed 0)")
        print("  λ \\ lr  " + "".join(f"{lr:>8g}" for lr in LRS))
        for reg in REGS:
            print(f"  {reg:<7g} " + "".join(f"{grid[lr, reg]:8.4f}" for lr in LRS))
        print(f"  best: lr {best[0]:g}, λ {best[1]:g} (val {grid[best]:.4f}); implicit's "
              f"defaults lr 0.01, λ 0.01: val {grid[0.01, 0.01]:.4f}")
        lr, reg = best
        rows = [  # (label, library, settings)
            (f"implicit BPR, best on validation (lr {lr:g}, λ {reg:g})", "implicit",
             dict(lr=lr, reg=reg)),
            ("implicit BPR, defaults (lr 0.01, λ 0.01)", "implicit", dict(lr=0.01, reg=0.01)),
            ("mfrec BPR, defaults (k, epochs as implicit's)", "mfrec", {}),
            (f"mfrec BPR, implicit's best mapped (lr {lr:g}, λ {reg:g})", "mfrec",
             dict(lr=lr, reg=reg, negatives="popularity", lr_schedule="constant",
                  init_std=0.29 / K)),
        ]
        print(f"  test NDCG@10, seeds 0-{args.seeds - 1}:")
        for label, library, kw in rows:
            if library == "implicit":
                vals = [implicit_ndcg(train, test, kw["lr"], kw["reg"], s, args.threads)
                        for s in range(args.seeds)]
            else:
                vals = [mfrec_ndcg(train, test, s, args.threads, **kw)
                        for s in range(args.seeds)]
            print(f"    {label:<62} seed 0 {vals[0]:.4f}  mean {np.mean(vals):.4f}  std "
                  f"{np.std(vals, ddof=1):.4f}  min {min(vals):.4f}", flush=True)
        print(f"  ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
