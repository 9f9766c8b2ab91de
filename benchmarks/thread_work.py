"""Where a second thread starts to pay: kernel calls of growing work, 1 thread vs 2.

Sets ``mfrec._cores.WORK_PER_THREAD``: the work (≈ multiply-adds) below which
``n_threads=None`` runs a call on one thread. For each kernel, calls of geometrically growing
size (the work estimate the library uses for it in brackets), the median time of many calls
at 1 and at 2 threads (explicit), alternately, on an idle machine::

    python benchmarks/thread_work.py > benchmarks/results/thread_work.txt

- predict_pairs on n pairs, k = 64 (work n·(k + 4));
- Baseline's bias sweep on n ratings (2n);
- an ALS user half-sweep (CG, 3 steps, k = 32) on n ratings (the half-sweep estimate);
- a FunkSVD epoch on n ratings, k = 32 (n·k_pad).

The reported threshold is the smallest work at which 2 threads are at least 10 % faster,
per kernel; the constant is set to the smallest of them (rounded down), so that a second
thread is used only where it pays for every kernel measured.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import mfrec
from mfrec import _core
from mfrec._engine import LocalEngine

SIZES = [2_000 * 2**j for j in range(12)]  # 2k .. 4M


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pair(fn1, fn2, budget=0.5):
    """Median seconds of fn1 and fn2 (alternating), ~budget seconds in all."""
    fn1(), fn2()
    one = _median_time(fn1, 3)
    repeats = max(5, min(2000, int(budget / max(one, 1e-7) / 2)))
    t1, t2 = [], []
    for _ in range(repeats):
        t1.append(_median_time(fn1, 1))
        t2.append(_median_time(fn2, 1))
    return statistics.median(t1), statistics.median(t2)


def kernels(n):
    """(name, work, call(threads)) for data of n ratings."""
    users = max(50, n // 50)
    data = mfrec.datasets.synthetic(users, max(60, min(5000, n // 20)), n, random_state=0)
    rng = np.random.default_rng(0)
    out = []
    # predict_pairs
    k = 64
    X = rng.standard_normal((data.n_users, k)).astype(np.float32)
    Y = rng.standard_normal((data.n_items, k)).astype(np.float32)
    u, i = data.user_index.astype(np.int64), data.item_index.astype(np.int64)
    res = np.empty(n, np.float32)
    params = _core.PredictParams(clip=False)
    out.append(("predict_pairs", n * (k + 4), lambda t: _core.predict_pairs(
        u, i, X, Y, res, params=params, n_threads=t)))
    # baseline sweep
    by_user = (data.indptr, data.item_index, data.ratings)
    t_ = data.to_csr().T.tocsr()
    t_.sort_indices()
    by_item = (t_.indptr.astype(np.int64), t_.indices.astype(np.int32), t_.data)
    bu, bi = np.zeros(data.n_users, np.float32), np.zeros(data.n_items, np.float32)
    out.append(("baseline sweep", 2 * n, lambda t: _core.baseline_als_sweep(
        *by_user, *by_item, bu, bi, mu=3.5, reg_user=15.0, reg_item=10.0, n_threads=t)))
    # ALS half-sweep, via the engine's own work estimate
    k = 32
    X2 = (rng.standard_normal((data.n_users, k)) * 0.1).astype(np.float32)
    Y2 = (rng.standard_normal((data.n_items, k)) * 0.1).astype(np.float32)
    prm = _core.AlsParams(reg=0.1, cg_steps=3)
    per_entry = 2 * k * 4
    work = n * per_entry + data.n_users * k * k * 4
    out.append(("ALS half-sweep", work, lambda t: _core.als_half_sweep(
        *by_user, X2, Y2, params=prm, n_threads=t)))
    # FunkSVD epoch
    model = mfrec.FunkSVD(n_factors=32, n_epochs=1, random_state=0)
    out.append(("FunkSVD epoch", n * 32, lambda t: model.set_params(n_threads=t).fit(data)))
    return out


def main() -> None:
    print("# n_ratings, kernel, work, 1-thread s, 2-thread s, speedup\n")
    first_paying = {}
    for n in SIZES:
        for name, work, call in kernels(n):
            t1, t2 = _pair(lambda c=call: c(1), lambda c=call: c(2))
            speedup = t1 / t2
            print(f"{n:>9,} {name:<16} work {work:>13,.0f}  {t1 * 1e6:10.1f} us "
                  f"{t2 * 1e6:10.1f} us  x{speedup:.2f}", flush=True)
            if speedup >= 1.10 and name not in first_paying:
                first_paying[name] = work
    print("\nsmallest work at which 2 threads were >= 10% faster:")
    for name, work in first_paying.items():
        print(f"  {name:<16} {work:,.0f}")
    print(f"\nengine thread count for a 1M-work call now: "
          f"{LocalEngine(2, auto=True).threads(1_000_000)}")


if __name__ == "__main__":
    main()
