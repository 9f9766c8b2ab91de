"""NMF against Surprise's NMF on MovieLens 100K and latest-small (random 80/20 split, seed
0): the spread
over seeds, fit CPU time on one thread, and the busy-machine bound.

``compare.py`` measures one seed's RMSE and the wall-clock fit time at 2 threads. This
script adds what one run of it cannot show:

1. **Seeds.** Test RMSE of mfrec ``NMF`` (defaults), mfrec ``NMF`` with Surprise's settings
   and Surprise's ``NMF`` (its defaults) for ``random_state`` 0–4: whether a difference is
   larger than the spread of the random initialization.
2. **CPU time.** Fit time as CPU seconds (``time.process_time``, median of 5) with one
   thread each: the work, robust to other jobs on a shared machine (wall-clock times of
   2-thread fits there measure the load more than the code). Surprise is single-threaded.
3. **Busy machine** (issue 14): the ML-100K fit (80/20 training part) with
   ``n_threads=None`` against ``n_threads=1`` while one ``python -c "while True: pass"``
   runs, alternately, median of 5 — ``busy_threads.py``'s measurement, for NMF (and
   FunkSVD beside it).

    MFREC_DATA=../shared/data python benchmarks/nmf_vs_surprise.py \\
        > benchmarks/results/nmf_vs_surprise.txt
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import numpy as np

import mfrec

SURPRISE_SETTINGS = dict(algorithm="mu", update_order="simultaneous", n_factors=15,
                         n_epochs=50, biased=False, reg=0.06, reg_bias=0.02, lr_bias=0.005,
                         init_low=0.0, init_high=1.0)
SEEDS = range(5)


def _rmse(pred, truth) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred, np.float64) - truth) ** 2)))


def _seeds_table(label, train, test, surprise, defaults, make_trainset) -> None:
    """Test RMSE per seed and median fit CPU seconds of the three rows, on one split."""
    trainset = make_trainset(train.user_index.astype(np.int32),
                             train.item_index.astype(np.int32),
                             train.ratings.astype(np.float32), train.rating_scale)
    truth = test.ratings.astype(np.float64)

    def surprise_fit(seed):
        algo = surprise.NMF(**defaults["NMF"], random_state=seed, verbose=False)
        t = time.process_time()
        algo.fit(trainset)
        secs = time.process_time() - t
        pred = [algo.predict(int(u), int(i)).est  # raw ids = indices
                for u, i in zip(test.user_index, test.item_index)]
        return _rmse(pred, truth), secs

    def mfrec_fit(seed, **kw):
        m = mfrec.NMF(n_threads=1, random_state=seed, **kw)
        t = time.process_time()
        m.fit(train)
        secs = time.process_time() - t
        return mfrec.evaluate(m, test)["rmse"], secs

    rows = {"mfrec NMF (defaults)": lambda s: mfrec_fit(s),
            "mfrec NMF (Surprise settings)": lambda s: mfrec_fit(s, **SURPRISE_SETTINGS),
            "Surprise NMF (defaults)": surprise_fit}
    print(f"\n## {label}: test RMSE by random_state, and fit CPU seconds (1 thread)\n")
    print("| model | " + " | ".join(f"seed {s}" for s in SEEDS) + " | mean | CPU s (median) |")
    print("|---|" + "---:|" * (len(SEEDS) + 2))
    cpu = {}
    for name, fit in rows.items():
        res = [fit(s) for s in SEEDS]
        cpu[name] = statistics.median(r[1] for r in res)
        cells = " | ".join(f"{r[0]:.4f}" for r in res)
        print(f"| {name} | {cells} | {statistics.mean(r[0] for r in res):.4f} | "
              f"{cpu[name]:.4f} |", flush=True)
    ref = cpu["Surprise NMF (defaults)"]
    print("\nSurprise's fit CPU time / mfrec's (1 thread): "
          + ", ".join(f"{n} {ref / s:.1f}x" for n, s in cpu.items() if n.startswith("mfrec")))


def main() -> None:
    import surprise
    from _meta import cpu_name
    from busy_threads import _measure

    from peers.surprise_peer import _DEFAULTS, _trainset

    print(f"# nmf_vs_surprise.py — {time.strftime('%Y-%m-%d')}, mfrec {mfrec.__version__}, "
          f"surprise {surprise.__version__}, {cpu_name()}, {len(os.sched_getaffinity(0))} cores, "
          f"load average at start {os.getloadavg()[0]:.1f}")
    splits = {}
    for name in ("100k", "latest-small"):
        data = mfrec.datasets.load_movielens(name)
        splits[name] = mfrec.model_selection.train_test_split(data, 0.2, random_state=0)
        _seeds_table(f"ml-{name}", *splits[name], surprise, _DEFAULTS, _trainset)
    train = splits["100k"][0]

    print("\n## Busy machine: fit with n_threads=None / n_threads=1, one busy loop running, "
          "median of 5\n")
    print("| model | n_threads=None s | n_threads=1 s | None / 1 |")
    print("|---|---:|---:|---:|")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        for name in ("NMF", "FunkSVD"):
            m = _measure(name, train, None, (None, 1), 5)
            print(f"| {name} | {m['None']:.4f} | {m['1']:.4f} | {m['None'] / m['1']:.2f} |",
                  flush=True)
    finally:
        busy.kill()
        busy.wait()
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
