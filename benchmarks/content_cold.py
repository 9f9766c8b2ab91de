"""ContentBased on items nobody rated: items held out entirely (all their ratings in test).

On MovieLens 100K (genres) and latest-small (genres + tags), a random 20 % of the items
(seed 0) lose all their ratings to the test set; the models are fitted on the rest and
scored on the held-out items' ratings only. The reference is the baseline the issue names,
μ + b_u: what ``mfrec.Baseline`` predicts for an item without ratings (b_i = 0). Also
reported: ContentBased without item biases, and ``Baseline`` / ``ContentBased`` on the
usual random 80/20 split (warm items) for context.

Run: ``MFREC_DATA=/path/to/data python benchmarks/content_cold.py [--threads 2]``; writes
``benchmarks/results/content_cold.json`` and ``.txt``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _meta import cpu_name

import mfrec

HERE = Path(__file__).resolve().parent
SETS = {"ml-100k": ("100k", "genres"), "ml-latest-small": ("latest-small", ("genres", "tags"))}


def rmse(model, test) -> float:
    return float(mfrec.metrics.rmse(test.ratings, model.predict(test.users, test.items)))


def run(threads: int) -> list[dict]:
    rows = []
    for name, (variant, features) in SETS.items():
        data = mfrec.datasets.load_movielens(variant, download=False)
        held = np.random.default_rng(0).random(data.n_items) < 0.2
        cold = held[data.item_index]
        splits = {
            "cold items (20% of items held out entirely)": (
                data.subset(np.flatnonzero(~cold)), data.subset(np.flatnonzero(cold))),
            "random 80/20 (warm)": mfrec.model_selection.train_test_split(
                data, test_size=0.2, random_state=0),
        }
        for split, (train, test) in splits.items():
            models = {
                "Baseline (μ + b_u + b_i: μ + b_u on unrated items)":
                    mfrec.Baseline(n_threads=threads),
                "ContentBased (defaults)": mfrec.ContentBased(n_threads=threads),
                "ContentBased (item_bias=False)": mfrec.ContentBased(item_bias=False,
                                                                     n_threads=threads),
            }
            for label, model in models.items():
                kw = {"item_features": features} if isinstance(model, mfrec.ContentBased) else {}
                t = time.perf_counter()
                model.fit(train, **kw)
                fit_s = time.perf_counter() - t
                extra = ({"n_features": int(model.item_factors_.shape[1])}
                         if isinstance(model, mfrec.ContentBased) else {})
                rows.append({"data": name, "split": split, "model": label,
                             "features": features if kw else None, "n_train": train.nnz,
                             "n_test": test.nnz, "rmse": rmse(model, test),
                             "fit_seconds": fit_s, **extra})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rows = run(args.threads)
    meta = {"cpu": cpu_name(), "threads": args.threads, "mfrec": mfrec.__version__,
            "load_before": open("/proc/loadavg").read().split()[0],
            "date": time.strftime("%Y-%m-%d"), "seed": 0,
            "params": "ContentBased defaults: reg 5, reg_bias 5, reg_item 10, 3 epochs, "
                      "unit-norm feature rows, min_support 5; Baseline defaults"}
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "content_cold.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = [f"# {__doc__.splitlines()[0]}", "",
             f"CPU: {meta['cpu']}; threads: {args.threads}; mfrec {meta['mfrec']}; "
             f"{meta['date']}; load average before the run {meta['load_before']} (fit times "
             "are noisy when it is above the 2 cores); " + meta["params"], "",
             "| data | split | model | features | RMSE | fit s |", "|---|---|---|---|---:|---:|"]
    for r in rows:
        feats = "" if r["features"] is None else f"{r['features']} ({r['n_features']})"
        lines.append(f"| {r['data']} | {r['split']} | {r['model']} | {feats} | "
                     f"{r['rmse']:.4f} | {r['fit_seconds']:.3f} |")
    text = "\n".join(lines) + "\n"
    (out / "content_cold.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
