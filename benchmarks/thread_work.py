"""Where a second thread starts to pay: kernel calls of growing work, 1 thread vs 2.

Sets ``mfrec._cores.COST_NS`` and ``WORK_PER_THREAD``. A call's work is the library's
estimate of its one-thread time in ns (``work_ns(kind, count)``: the kernel's natural count
times ``COST_NS[kind]``), and ``n_threads=None`` runs a call of less than ``WORK_PER_THREAD``
on one thread. For each kernel, calls of geometrically growing size, the median time of many
calls at 1 and at 2 threads (explicit), alternately, on an idle machine::

    python benchmarks/thread_work.py > benchmarks/results/thread_work.txt

- predict_pairs on n pairs, k = 64 (``pair``: n·(k + 4));
- Baseline's bias sweep on n ratings (``bias``: n);
- an ALS user half-sweep (CG, 3 steps, k = 32) on n ratings (``als``: the engine's count);
- a FunkSVD fit of one epoch on n ratings, k = 32 (``sgd``: n·k_pad; the fit's set-up too).

Columns: the estimate, the measured one-thread time, their ratio (estimate / measured: 1 when
``COST_NS`` is right), the two-thread time and the speedup. Then per kernel the smallest
estimate at which 2 threads were at least 10 % faster and the largest at which they were
not: ``WORK_PER_THREAD`` belongs between them.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import mfrec
from mfrec import _core
from mfrec._cores import WORK_PER_THREAD, work_ns
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
    out.append(("predict_pairs", work_ns("pair", n * (k + 4)), lambda t: _core.predict_pairs(
        u, i, X, Y, res, params=params, n_threads=t)))
    # baseline sweep
    by_user = (data.indptr, data.item_index, data.ratings)
    t_ = data.to_csr().T.tocsr()
    t_.sort_indices()
    by_item = (t_.indptr.astype(np.int64), t_.indices.astype(np.int32), t_.data)
    bu, bi = np.zeros(data.n_users, np.float32), np.zeros(data.n_items, np.float32)
    out.append(("baseline sweep", work_ns("bias", n), lambda t: _core.baseline_als_sweep(
        *by_user, *by_item, bu, bi, mu=3.5, reg_user=15.0, reg_item=10.0, n_threads=t)))
    # ALS half-sweep, via the engine's own work estimate
    k = 32
    X2 = (rng.standard_normal((data.n_users, k)) * 0.1).astype(np.float32)
    Y2 = (rng.standard_normal((data.n_items, k)) * 0.1).astype(np.float32)
    prm = _core.AlsParams(reg=0.1, cg_steps=3)
    per_entry = 2 * k * 4
    work = n * per_entry + data.n_users * k * k * 4
    out.append(("ALS half-sweep", work_ns("als", work), lambda t: _core.als_half_sweep(
        *by_user, X2, Y2, params=prm, n_threads=t)))
    # FunkSVD epoch
    model = mfrec.FunkSVD(n_factors=32, n_epochs=1, random_state=0)
    out.append(("FunkSVD epoch", work_ns("sgd", n * 32),
                lambda t: model.set_params(n_threads=t).fit(data)))
    return out


def main() -> None:
    print("# n_ratings, kernel, estimate (us), 1-thread (us), estimate/measured, "
          "2-thread (us), speedup\n")
    first_paying, last_not = {}, {}
    for n in SIZES:
        for name, work, call in kernels(n):
            t1, t2 = _pair(lambda c=call: c(1), lambda c=call: c(2))
            speedup = t1 / t2
            print(f"{n:>9,} {name:<16} est {work / 1e3:10.1f}  {t1 * 1e6:10.1f}  "
                  f"x{work / 1e9 / t1:5.2f}  {t2 * 1e6:10.1f}  x{speedup:.2f}", flush=True)
            if speedup >= 1.10:
                first_paying.setdefault(name, work)
            elif name not in first_paying:
                last_not[name] = work
    print("\nper kernel: largest estimate (us) where 2 threads were not >= 10% faster, "
          "smallest where they were:")
    for name in first_paying:
        print(f"  {name:<16} {last_not.get(name, 0) / 1e3:8.1f}  {first_paying[name] / 1e3:8.1f}")
    print(f"\nWORK_PER_THREAD = {WORK_PER_THREAD / 1e3:.0f} us; engine thread count for a "
          f"call of that estimate now: {LocalEngine(2, auto=True).threads(WORK_PER_THREAD)}")


if __name__ == "__main__":
    main()
