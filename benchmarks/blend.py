"""Blend vs every single model of the README table, on MovieLens 100K and latest-small.

The split is compare.py's: random 80/20, seed 0. The blend is chosen on the training part
only: a validation split of it (10 %, seed 1) scores a few candidate blends (every
registered mfrec rating model with its defaults as members — models that other issues add
join by existing — with and without item-support buckets), the best candidate is refitted
on the whole training part and scored once on the test part. The single models are refitted
on the training part for the table too. The margin is against the best single-model row
(blends excluded) of the README's results block, mfrec's and the peers'.

Run: ``MFREC_DATA=/path/to/data python benchmarks/blend.py [--threads 2]``; writes
``benchmarks/results/blend.json`` and ``.txt``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import time
from pathlib import Path

from _meta import cpu_name

import mfrec

HERE = Path(__file__).resolve().parent
SETS = {"ml-100k": "100k", "ml-latest-small": "latest-small"}
BUCKETS = (None, (5, 20, 100), (10, 50))


def member_classes() -> list[type]:
    """Every exported mfrec model of explicit ratings, the blend itself excluded."""
    out = []
    for _, cls in mfrec.all_models():
        if cls is mfrec.Blend:
            continue
        if cls()._get_traits().feedback == "explicit":
            out.append(cls)
    return out


def default_member(cls: type, threads: int):
    params = inspect.signature(cls).parameters
    kw = {k: v for k, v in (("random_state", 0), ("n_threads", threads)) if k in params}
    return cls(**kw)


def readme_rows(dataset: str) -> list[tuple[str, float]]:
    """(model, RMSE) of the README results table of ``dataset``."""
    text = (HERE.parent / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"^##### {re.escape(dataset)}\n(.*?)(?=^#####|<!-- /results -->)", text,
                  re.S | re.M)
    if not m:
        return []
    rows = []
    header = None
    for line in m.group(1).splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
            continue
        try:
            rows.append((cells[0], float(cells[header.index("RMSE")])))
        except (ValueError, IndexError):
            continue  # skipped rows
    return rows


def rmse(model, test) -> float:
    return float(mfrec.metrics.rmse(test.ratings, model.predict(test.users, test.items)))


def run_set(name: str, threads: int) -> dict:
    data = mfrec.datasets.load_movielens(SETS[name], download=False)
    train, test = mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)
    inner, val = mfrec.model_selection.train_test_split(train, test_size=0.1, random_state=1)
    classes = member_classes()
    singles = {}
    for cls in classes:
        t = time.perf_counter()
        m = default_member(cls, threads).fit(train)
        singles[f"mfrec {cls.__name__}"] = {"rmse": rmse(m, test),
                                            "fit_seconds": time.perf_counter() - t}
    candidates = []
    for buckets in BUCKETS:
        members = [default_member(cls, threads) for cls in classes]
        blend = mfrec.Blend(members, buckets=buckets, n_threads=threads)
        t = time.perf_counter()
        blend.fit(inner)
        candidates.append({"members": [type(m).__name__ for m in members],
                           "buckets": buckets, "val_rmse": rmse(blend, val),
                           "fit_seconds": time.perf_counter() - t})
    best = min(candidates, key=lambda c: c["val_rmse"])
    members = [default_member(cls, threads) for cls in classes]
    blend = mfrec.Blend(members, buckets=best["buckets"], n_threads=threads)
    t = time.perf_counter()
    blend.fit(train)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    test_rmse = rmse(blend, test)
    predict_s = time.perf_counter() - t
    readme = [(m, r) for m, r in readme_rows(name) if "blend" not in m.lower()]
    best_row = min(readme, key=lambda x: x[1]) if readme else None
    best_single = min(singles.items(), key=lambda x: x[1]["rmse"])
    return {
        "data": name, "n_train": train.nnz, "n_test": test.nnz, "singles": singles,
        "candidates": candidates, "chosen": best,
        "blend": {"rmse": test_rmse, "fit_seconds": fit_s, "predict_seconds": predict_s,
                  "weights": blend.weights_.round(4).tolist(),
                  "bucket_edges": blend.bucket_edges_.tolist(),
                  "members": [type(m).__name__ for m in blend.members_]},
        "readme_rows": readme, "best_readme_row": best_row,
        "margin_vs_readme": None if best_row is None else best_row[1] - test_rmse,
        "best_single_here": [best_single[0], best_single[1]["rmse"]],
        "margin_vs_single_here": best_single[1]["rmse"] - test_rmse,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    load = open("/proc/loadavg").read().split()[0]
    results = [run_set(name, args.threads) for name in SETS]
    meta = {"cpu": cpu_name(), "threads": args.threads, "mfrec": mfrec.__version__,
            "date": time.strftime("%Y-%m-%d"), "load_before": load,
            "split": "random 80/20, seed 0 (compare.py's); blend chosen on a 10% validation "
                     "split of the training part (seed 1)"}
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "blend.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    lines = [f"# {__doc__.splitlines()[0]}", "",
             f"CPU: {meta['cpu']}; threads: {args.threads}; mfrec {meta['mfrec']}; "
             f"{meta['date']}; load average before the run {load} (times are noisy above 2)",
             f"Split: {meta['split']}. Members: every registered mfrec rating model with "
             "its defaults (random_state=0).", ""]
    for r in results:
        lines += [f"## {r['data']} ({r['n_train']:,} train / {r['n_test']:,} test)", "",
                  "| model | test RMSE | fit s |", "|---|---:|---:|"]
        for model, s in r["singles"].items():
            lines.append(f"| {model} | {s['rmse']:.4f} | {s['fit_seconds']:.3f} |")
        b = r["blend"]
        lines.append(f"| **mfrec Blend** ({', '.join(b['members'])}; buckets "
                     f"{r['chosen']['buckets']}) | **{b['rmse']:.4f}** | "
                     f"{b['fit_seconds']:.3f} |")
        lines += ["", "Candidates (validation RMSE on the training part's 10 %): "
                  + "; ".join(f"buckets {c['buckets']}: {c['val_rmse']:.4f}"
                              for c in r["candidates"]), ""]
        if r["best_readme_row"]:
            name, val = r["best_readme_row"]
            lines.append(f"Best single-model row of the README table: {name} {val:.4f}; "
                         f"blend {b['rmse']:.4f}: margin {r['margin_vs_readme']:+.4f} "
                         "(positive = the blend is better).")
        single, val = r["best_single_here"]
        lines += [f"Best single model of this run: {single} {val:.4f}: margin "
                  f"{r['margin_vs_single_here']:+.4f}.", ""]
    text = "\n".join(lines) + "\n"
    (out / "blend.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
