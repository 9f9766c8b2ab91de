"""Thread use on an idle and on a busy machine: every model's fit with the default thread
count against one thread.

Two tables, both from one interpreter with one build of mfrec:

- **busy**: one single-threaded busy loop (``python -c "while True: pass"``, a separate
  process) runs for the whole measurement; each model's ML-100K fit (80/20 training part,
  seed 0) with ``n_threads=None`` and with ``n_threads=1``, alternately, median of 5 each.
  The ratio default / 1-thread is what a user running two things at once sees.
- **idle**: no competing process; each model's fit with ``n_threads=2`` and ``n_threads=1``
  (median of 5; 3 on the 10M synthetic set), on ML-100K and on ``synthetic(200_000, 50_000,
  10_000_000, random_state=0)`` (its 80/20 training part), and the speedup 1-thread / 2-thread.

Models: every model mfrec exports (``mfrec.all_models()``; the four of mfrec 0.1.0 when run
against that release), at their defaults (implicit-feedback models — ImplicitALS, BPR — on
ratings >= 4)::

    python benchmarks/busy_threads.py --json benchmarks/results/busy_threads.json [--skip-10m]

``--models ContentBased,Blend`` measures only those (``--skip-idle``: the busy table only).
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

import mfrec

NAMES = ["Baseline", "FunkSVD", "ALS", "ImplicitALS"]
IMPLICIT = ("ImplicitALS", "BPR")  # fitted on the positives (ratings >= 4)


_ONLY: list[str] = []


def _models():
    if _ONLY:
        return list(_ONLY)
    if hasattr(mfrec, "all_models"):
        return [name for name, _ in mfrec.all_models()]
    return [n for n in NAMES if hasattr(mfrec, n)]


def _data(which):
    if which == "ml-100k":
        data = mfrec.datasets.load_movielens("100k", download=False)
    else:
        data = mfrec.datasets.synthetic(200_000, 50_000, 10_000_000, random_state=0)
    train, _ = mfrec.model_selection.train_test_split(data, 0.2, random_state=0)
    return train, train.binarize(4)


def _fit_seconds(name, data, threads, repeats):
    cls = getattr(mfrec, name)
    kw = {"n_threads": threads}
    if "random_state" in cls().get_params():
        kw["random_state"] = 0
    times = []
    for _ in range(repeats):
        model = cls(**kw)
        start = time.perf_counter()
        model.fit(data)
        times.append(time.perf_counter() - start)
    return times


def _measure(name, train, positives, pairs, repeats):
    """Median seconds per thread setting, the settings timed alternately."""
    data = positives if name in IMPLICIT else train
    _fit_seconds(name, data, 1, 1)  # warm-up (allocators, thread pool)
    runs = {t: [] for t in pairs}
    for _ in range(repeats):
        for t in pairs:
            runs[t] += _fit_seconds(name, data, t, 1)
    return {str(t): statistics.median(v) for t, v in runs.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json")
    ap.add_argument("--skip-10m", action="store_true")
    ap.add_argument("--models", default=None, help="comma-separated model names (default: all)")
    ap.add_argument("--skip-idle", action="store_true", help="the busy table only")
    args = ap.parse_args()
    if args.models:
        _ONLY.extend(args.models.split(","))
    names = _models()
    meta = {"mfrec": mfrec.__version__, "file": mfrec.__file__, "date": time.strftime("%Y-%m-%d"),
            "cpu": cpu_name(),
            "cores": len(os.sched_getaffinity(0))}
    out = {"meta": meta, "busy": {}, "idle": {}}
    train, positives = _data("ml-100k")

    print("## Busy machine: ML-100K fit, one busy loop running, median of 5\n")
    print("| model | n_threads=None s | n_threads=1 s | None / 1 |")
    print("|---|---:|---:|---:|")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        for name in names:
            m = _measure(name, train, positives, (None, 1), 5)
            ratio = m["None"] / m["1"]
            out["busy"][name] = {**m, "ratio": ratio}
            print(f"| {name} | {m['None']:.4f} | {m['1']:.4f} | {ratio:.2f} |", flush=True)
    finally:
        busy.kill()
        busy.wait()

    sets = [] if args.skip_idle else [("ml-100k", train, positives, 5)]
    if sets:
        print("\n## Idle machine: 2-thread / 1-thread speedup (1-thread s / 2-thread s)\n")
        print("| data set | model | n_threads=2 s | n_threads=1 s | speedup |")
        print("|---|---|---:|---:|---:|")
    if not args.skip_10m and not args.skip_idle:
        big, big_pos = _data("synthetic-10m")
        sets.append(("synthetic-10m", big, big_pos, 3))
    for label, data, pos, repeats in sets:
        for name in names:
            m = _measure(name, data, pos, (2, 1), repeats)
            speedup = m["1"] / m["2"]
            out["idle"].setdefault(label, {})[name] = {**m, "speedup": speedup}
            print(f"| {label} | {name} | {m['2']:.4f} | {m['1']:.4f} | {speedup:.2f} |",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
