"""KNNBaseline at scale, and what pruning the similarity rows costs in RMSE.

Each run is one fresh process (so its peak RSS is its own): mfrec KNNBaseline with
Surprise's settings (item-based, pearson_baseline, shrinkage 100, k=40, min_k 1, baselines
by 10 ALS sweeps) fitted on the cached 80/20 split of compare.py's rating task
(``benchmarks/_tasks_rating.py``; seed 0) and predicting the whole test split (ids without
training data get the baseline), with ``max_neighbors`` = None (every positive similarity
kept: Surprise's model exactly), a cap per row (an approximation: the k neighbours are
then chosen among the row's kept similarities), or ``unstored``: store_similarities=False,
Surprise's model exactly with no similarity stored (each row computed when the test pairs
of its item come up).

    python benchmarks/knn_scale.py --datasets synthetic-10m --max-neighbors unstored,200
    python benchmarks/knn_scale.py --datasets ml-latest-small,synthetic-1m \
        --max-neighbors none,1000,400,200,100

Prints one line per run (fit and predict wall seconds and CPU seconds of all threads — on a
busy machine CPU/threads estimates the wall time on idle cores —, RMSE, stored
similarities, peak RSS, the load average before the run) and appends them as JSON lines to
``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _meta import cpu_name  # noqa: E402


def one(dataset: str, max_neighbors: int | str | None, threads: int) -> dict:
    import resource

    import numpy as np
    from _runner import peak_rss_mb
    from _tasks_rating import prepare

    import mfrec

    z = np.load(prepare(dataset))
    n_users, n_items = (int(v) for v in z["shape"])
    train = mfrec.Interactions(z["tr_u"], z["tr_i"], z["tr_r"],
                               rating_scale=tuple(float(v) for v in z["scale"]),
                               user_ids=np.arange(n_users), item_ids=np.arange(n_items))
    unstored = max_neighbors == "unstored"
    model = mfrec.KNNBaseline(similarity="pearson_baseline", k=40, min_k=1,
                              max_neighbors=None if unstored else max_neighbors,
                              store_similarities=not unstored, n_threads=threads)
    def cpu() -> float:  # this process's CPU seconds (all threads): what the load cannot hide
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    t, c = time.perf_counter(), cpu()
    model.fit(train)
    fit_s, fit_cpu = time.perf_counter() - t, cpu() - c
    t, c = time.perf_counter(), cpu()
    pred = model.predict(z["te_u"], z["te_i"], unknown="baseline")
    pred_s, pred_cpu = time.perf_counter() - t, cpu() - c
    return {"dataset": dataset, "max_neighbors": max_neighbors, "threads": threads,
            "fit_seconds": fit_s, "predict_seconds": pred_s, "fit_cpu_seconds": fit_cpu,
            "predict_cpu_seconds": pred_cpu,
            "rmse": float(mfrec.metrics.rmse(z["te_r"], pred)),
            "n_train": int(len(z["tr_r"])), "n_test": int(len(z["te_r"])),
            "stored_similarities": int(model.sim_values_.size),
            "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="synthetic-10m")
    ap.add_argument("--max-neighbors", default="none",
                    help="comma-separated caps per similarity row; 'none' keeps every one; "
                         "'unstored': store_similarities=False (rows computed at predict)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(HERE / "results" / "knn_scale.jsonl"))
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        cap = {"none": None, "unstored": "unstored"}.get(args.worker[1])
        cap = int(args.worker[1]) if cap is None and args.worker[1] != "none" else cap
        print(json.dumps(one(args.worker[0], cap, args.threads)))
        return
    cpu = cpu_name()
    for dataset in args.datasets.split(","):
        for cap in args.max_neighbors.split(","):
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, __file__, "--threads", str(args.threads),
                                  "--worker", dataset, cap], capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{dataset} max_neighbors={cap}: failed\n{out.stderr[-2000:]}")
                continue
            rec = json.loads(out.stdout.strip().splitlines()[-1])
            rec.update(cpu=cpu, load_before=load, date=time.strftime("%Y-%m-%d %H:%M"))
            print(f"{dataset:16s} max_neighbors={cap:>5s}  fit {rec['fit_seconds']:7.2f} s "
                  f"(CPU {rec['fit_cpu_seconds']:7.2f} s)  predict {rec['predict_seconds']:6.2f} s "
                  f"(CPU {rec['predict_cpu_seconds']:6.2f} s)  RMSE {rec['rmse']:.4f}  "
                  f"similarities {rec['stored_similarities']:>12,d}  peak RSS "
                  f"{rec['peak_rss_mb']:7.0f} MB  (load before {load:.1f}; {cpu}, "
                  f"{args.threads} threads)", flush=True)
            with open(args.out, "a") as fh:
                fh.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
