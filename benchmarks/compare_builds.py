"""mfrec's own rows of ``compare.py --quick`` for two builds, timed alternately in one session.

For a change that must not cost speed: each round runs ``compare.py --quick`` restricted to
mfrec's models once per build (A, B, A, B, ...), so both see the same machine state; the
report gives, per (task, data set, model), the median over rounds of each build's time and
the ratio B / A. Times: fit seconds (rating; median of the quick repeats), seconds per
iteration (implicit), seconds per top-N pass (topn)::

    python benchmarks/compare_builds.py --a base=/path/to/python --b new=/path/to/python \\
        --rounds 3 --json benchmarks/results/compare_builds.json

Each PYTHON is an interpreter with one build of mfrec installed; this script and compare.py
come from the tree it sits in.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MFREC_MODELS = ["mfrec Baseline", "mfrec FunkSVD", "mfrec FunkSVD (Surprise settings)",
                "mfrec ALS", "mfrec ImplicitALS (CG)", "mfrec ImplicitALS (Cholesky)",
                "mfrec recommend"]
TIME_KEYS = {"rating": "fit_seconds", "implicit": "seconds_per_iter", "topn": "seconds"}


def _run(python: str, out: Path, threads: int) -> list[dict]:
    cmd = [python, str(HERE / "compare.py"), "--quick", "--threads", str(threads),
           "--models", ",".join(MFREC_MODELS), "--json", str(out)]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(out.read_text())["records"]


def _times(records: list[dict]) -> dict[tuple, float]:
    out = {}
    for r in records:
        if r.get("status") != "ok":
            continue
        key = (r["task"], r["dataset"], r["model"])
        out[key] = r[TIME_KEYS[r["task"]]]
        if r["task"] == "rating":
            out[(r["task"], r["dataset"], r["model"] + " · predict")] = r["predict_seconds"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True, metavar="NAME=PYTHON")
    ap.add_argument("--b", required=True, metavar="NAME=PYTHON")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    builds = dict(item.split("=", 1) for item in (args.a, args.b))
    (name_a, py_a), (name_b, py_b) = builds.items()
    runs: dict[str, list[dict]] = {name_a: [], name_b: []}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            for name, py in ((name_a, py_a), (name_b, py_b)):
                print(f"round {rnd + 1}/{args.rounds}: {name}", file=sys.stderr, flush=True)
                runs[name].append(_times(_run(py, Path(tmp) / f"{name}-{rnd}.json",
                                              args.threads)))
    keys = sorted(set.intersection(*(set(t) for r in runs.values() for t in r)))
    rows = []
    print(f"| task | data set | model | {name_a} s | {name_b} s | {name_b} / {name_a} |")
    print("|---|---|---|---:|---:|---:|")
    for key in keys:
        med = {n: statistics.median(t[key] for t in runs[n]) for n in runs}
        ratio = med[name_b] / med[name_a]
        rows.append({"task": key[0], "dataset": key[1], "model": key[2],
                     name_a: med[name_a], name_b: med[name_b], "ratio": ratio,
                     "rounds": {n: [t[key] for t in runs[n]] for n in runs}})
        print(f"| {key[0]} | {key[1]} | {key[2]} | {med[name_a]:.4g} | {med[name_b]:.4g} | "
              f"{ratio:.3f} |")
    if args.json:
        meta = {"date": datetime.date.today().isoformat(), "machine": platform.processor()
                or platform.machine(), "threads": args.threads, "rounds": args.rounds,
                "builds": builds}
        Path(args.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
