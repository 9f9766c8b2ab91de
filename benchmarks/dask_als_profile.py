"""Where a Dask ALS iteration goes: Dask's task stream over one fit, per task kind and worker.

The data and parameters of benchmarks/dask_als.py (synthetic 10M positives, k = 64, CG 3,
training loss on), a ``LocalCluster`` of 2 workers × 1 thread, one untimed warm-up fit, then
one fit of ``--iters`` iterations recorded with ``distributed.get_task_stream``. Reported per
iteration: the compute seconds of each task kind (summed over both workers), each worker's
busy seconds, the seconds spent fetching each kind's inputs from the other worker
(``transfer``), and the local 2-thread fit's iteration for scale.

    python benchmarks/dask_als_profile.py --out benchmarks/results/dask_als_profile.txt
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _meta import cpu_name, git_state  # noqa: E402
from dask_als import params, per_iter  # noqa: E402
from implicit_als import positives  # noqa: E402


def _kind(key) -> str:
    name = key[0] if isinstance(key, tuple) else str(key)
    return name.split("-")[0]


def main(argv=None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=6)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    import distributed

    import mfrec
    import mfrec.distributed as md

    R = positives(200_000, 50_000, 10_000_000)
    k, E = 64, args.iters
    local = mfrec.ImplicitALS(**params(k, E, n_threads=2)).fit(R)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit=0,
                                  silence_logs=40) as cluster, \
            distributed.Client(cluster) as c:
        md.fit(mfrec.ImplicitALS(**params(k, 1)), R, c)  # warm-up
        with distributed.get_task_stream(c) as ts:
            m = md.fit(mfrec.ImplicitALS(**params(k, E)), R, c)
    compute, fetch, busy = (collections.defaultdict(float) for _ in range(3))
    count = collections.Counter()
    for d in ts.data:
        for s in d["startstops"]:
            dt = s["stop"] - s["start"]
            if s["action"] == "compute":
                compute[_kind(d["key"])] += dt
                count[_kind(d["key"])] += 1
                busy[d["worker"]] += dt
            elif s["action"] == "transfer":
                fetch[_kind(d["key"])] += dt
    hist = np.diff([0.0] + [h["elapsed"] for h in m.history_])
    lines = [
        f"# Dask ALS task stream ({E} iterations; {git_state()}; CPU {cpu_name()}; "
        f"load {os.getloadavg()[0]:.1f})",
        "",
        f"local 2 threads: {per_iter(local.history_):.3f} s per iteration (median); "
        f"Dask 2 x 1: {per_iter(m.history_):.3f} s (median), per iteration "
        + ", ".join(f"{h:.3f}" for h in hist),
        "",
        "task kind: tasks, compute s per iteration (both workers; set-up kinds over the fit)",
    ]
    for name in sorted(compute, key=compute.get, reverse=True):
        lines.append(f"  {name:16s} {count[name]:4d}  {compute[name] / E:8.4f}")
    lines.append("inputs fetched from the other worker, s per iteration, by the kind that waited")
    for name in sorted(fetch, key=fetch.get, reverse=True):
        lines.append(f"  {name:16s} {fetch[name] / E:8.4f}")
    lines.append("busy s per iteration, per worker: "
                 + ", ".join(f"{v / E:.3f}" for v in busy.values()))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return text


if __name__ == "__main__":
    main()
