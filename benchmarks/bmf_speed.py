"""BayesianMF's speed figures: one Gibbs sweep (both sides + hyperparameters + storing the
sample) against one Cholesky ALS sweep (``mfrec.ALS(solver="cholesky")``, both sides, no
loss) at the same k on ``synthetic(20_000, 5_000, 1_000_000)``, and the default BayesianMF
fit on ML-100K.

A sweep's cost is the difference of two fits (E2 and E1 sweeps) over E2 − E1, so the setup
(data canonicalisation, transposes, the scorer) cancels; the two models are timed
alternately, back to back, median of the repeats. The load average is printed beside each
figure (the machine may be shared).

    MFREC_DATA=../shared/data python benchmarks/bmf_speed.py [--threads 2] [--k 10,32]
"""

import argparse
import os
import time

import numpy as np
from _meta import cpu_name

import mfrec


def timed(make, data) -> float:
    t = time.perf_counter()
    make().fit(data)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", default="10,32")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--e1", type=int, default=2)
    ap.add_argument("--e2", type=int, default=8)
    args = ap.parse_args()
    nt, e1, e2 = args.threads, args.e1, args.e2
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; n_threads={nt}; "
          f"ISA level {mfrec._core.isa_level()}; mfrec {mfrec.__version__}")
    data = mfrec.datasets.synthetic(20_000, 5_000, 1_000_000, random_state=0)
    print(f"synthetic(20_000, 5_000, 1_000_000, random_state=0): {data.nnz:,} ratings; "
          f"per-sweep time = (fit({e2}) - fit({e1})) / {e2 - e1}, median of {args.repeats}")
    for k in (int(v) for v in args.k.split(",")):
        def bmf(e, k=k):
            return lambda: mfrec.BayesianMF(n_factors=k, n_samples=e, burn_in=0, n_epochs=e,
                                            n_threads=nt, random_state=0)

        def als(e, k=k):
            return lambda: mfrec.ALS(n_factors=k, n_epochs=e, solver="cholesky",
                                     compute_loss=False, n_threads=nt, random_state=0)

        per = {"gibbs": [], "als": []}
        for _ in range(args.repeats):
            for name, make in (("gibbs", bmf), ("als", als)):
                a, b = timed(make(e1), data), timed(make(e2), data)
                per[name].append((b - a) / (e2 - e1))
        g, a = np.median(per["gibbs"]), np.median(per["als"])
        print(f"  k={k}: Gibbs sweep {g * 1e3:.1f} ms, Cholesky ALS sweep {a * 1e3:.1f} ms, "
              f"ratio {g / a:.2f} (load {os.getloadavg()[0]:.2f}); all Gibbs "
              f"{[round(x * 1e3, 1) for x in per['gibbs']]}, all ALS "
              f"{[round(x * 1e3, 1) for x in per['als']]}", flush=True)
    ml = mfrec.datasets.load_movielens("100k")
    train, _ = mfrec.model_selection.train_test_split(ml, 0.2, random_state=0)
    times = [timed(lambda: mfrec.BayesianMF(n_threads=nt, random_state=0), train)
             for _ in range(args.repeats)]
    print(f"ML-100K (80% train, seed 0), BayesianMF defaults, n_threads={nt}: fit "
          f"{np.median(times):.2f} s median of {[round(t, 2) for t in times]} "
          f"(load {os.getloadavg()[0]:.2f})")
    # The CPU time of a one-thread fit: what the fit costs when it has a core to itself (on a
    # shared machine the wall time above also counts the time other programs hold the cores).
    cpu = []
    for _ in range(args.repeats):
        c = time.process_time()
        mfrec.BayesianMF(n_threads=1, random_state=0).fit(train)
        cpu.append(time.process_time() - c)
    print(f"ML-100K, BayesianMF defaults, n_threads=1: {np.median(cpu):.2f} CPU seconds "
          f"median of {[round(t, 2) for t in cpu]} (load {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
