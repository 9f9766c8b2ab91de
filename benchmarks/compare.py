"""Side-by-side benchmarks: mfrec vs Surprise, LibMF and implicit, one markdown table per task.

One command runs mfrec and the peers it replaces on the same data, the same splits and the
same thread budget (``--threads``, default 2; Surprise has no thread setting and runs on one),
scores them with one metric implementation (``mfrec.metrics``) and prints one markdown table
per task and data set, plus a one-line summary per task:

``rating``
    mfrec Baseline, FunkSVD (its defaults and Surprise's settings) and ALS (its defaults) vs
    Surprise BaselineOnly, SVD, SVDpp, KNNBaseline (item-based, with the pearson_baseline
    similarity Surprise's docs advise for it) and LibMF (the PyPI build and a native
    -march=native AVX OpenMP rebuild), on a random 80/20 split (seed 0) of MovieLens 100K,
    MovieLens latest-small, synthetic 1M (20k users × 5k items) and synthetic 10M (200k × 50k).
    Fit time (median over 5 / 5 / 3 / 1 repeats; SVDpp and KNNBaseline once), predict time for
    the whole test set, RMSE, MAE, peak RSS. Surprise's SVDpp and KNNBaseline cannot run on 10M
    ratings here (SVDpp's epoch costs ~Σ_u n_u²: hours; KNNBaseline's dense item×item matrices
    for 50k items need ~100 GB): they are reported "skipped (infeasible)" there and run on the
    1M set, whose 5k items keep those matrices at 200 MB each and SVDpp at a few minutes.
``implicit``
    mfrec ImplicitALS (CG, Cholesky) vs implicit's AlternatingLeastSquares (CG, Cholesky), mfrec
    BPR vs implicit's BayesianPersonalizedRanking, on Last.fm 2K play counts, MovieLens 100K
    positives (r ≥ 4) and synthetic 10M positives (r ≥ 4), one per-user 80/20 split (seed 0).
    Seconds per iteration, NDCG@10, recall@10, MAP@10 of top-10 lists with training items
    filtered, peak RSS. The ALS rows share k, λ, confidence and iterations per data set
    (printed above each table); implicit is fed mfrec's confidences c with its alpha = 1 (same
    problem). BPR: implicit's defaults, mfrec's BPR with them mapped, and mfrec's BPR defaults
    (same k and epochs); each draws nnz triples an iteration.
``topn``
    Top-10 for every user from the same random factors, ~100 seen items per user filtered:
    mfrec's recommend vs implicit's (BLAS at 1 thread, 10k users per call), 100k × 50k.

Each (task, model, data set) runs in a fresh child process, so its peak RSS (VmHWM) is its own
(it includes the interpreter and the loaded split); a peer that is not installed is reported
"skipped (not installed)", a crash or timeout "failed: ...". Nothing is dropped silently.

    python benchmarks/compare.py                          # everything: ~20 min on 2 cores
    python benchmarks/compare.py --quick                  # small data sets only: < 3 min
    python benchmarks/compare.py --json out.json --plot chart.png
    python benchmarks/compare.py --tasks rating --datasets synthetic-1m --models "Surprise SVDpp"
    python benchmarks/compare.py --from-json out.json     # re-print / re-plot a saved run

Data: MovieLens and Last.fm from ``MFREC_DATA`` (or the loaders' cache); splits and synthetic
sets are cached under ``MFREC_BENCH_CACHE`` (default ~/.cache/mfrec-bench). The JSON file is
``{"meta": {machine, date, threads, versions, ...}, "records": [...]}``; every record has
``task, dataset, model, library, threads, peak_rss_mb, status`` ("ok" or why not), and
rating: ``fit_seconds, predict_seconds, rmse, mae``; implicit: ``seconds_per_iter, ndcg@10,
recall@10, map@10``; topn: ``seconds``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402
import _tasks_implicit  # noqa: E402
import _tasks_rating  # noqa: E402
import _tasks_topn  # noqa: E402
from _meta import cpu_name, dist_version  # noqa: E402
from _runner import base_record, peak_rss_mb, run_child, why_not_run  # noqa: E402

TASKS = {"rating": _tasks_rating, "implicit": _tasks_implicit, "topn": _tasks_topn}
TITLES = {"rating": "Rating prediction", "implicit": "Implicit feedback",
          "topn": "Top-N for every user"}
QUICK_REPEATS = 3


def collect_meta(threads: int, argv: list[str]) -> dict:
    """Machine, date, thread budget and versions for the JSON header and the report.

    Parameters
    ----------
    threads : int
    argv : list of str
        The command line (recorded as ``command``).

    Returns
    -------
    dict
    """
    import mfrec

    versions = {"python": platform.python_version(), "numpy": dist_version("numpy"),
                "mfrec": mfrec.__version__, "surprise": dist_version("scikit-surprise"),
                "implicit": dist_version("implicit"), "libmf": dist_version("libmf")}
    return {"machine": platform.machine(), "cpu": cpu_name(), "cores": os.cpu_count(),
            "system": platform.system(), "date": datetime.date.today().isoformat(),
            "threads": threads, "versions": versions,
            "openmp": bool(mfrec._core.openmp_enabled()),
            "isa_dispatch": mfrec._core.isa_dispatch(),
            "command": shlex.join(["benchmarks/compare.py", *argv])}


def _note(task: str, dataset: str) -> str | None:
    """The line under a data set's heading: its sizes (and settings), None if unknown."""
    if task == "rating":
        note = _tasks_rating.describe(dataset)
        return note and note + "."
    if task == "implicit":
        return _tasks_implicit.describe(dataset)
    return _tasks_topn.describe(dataset) + "."


def _notes(task: str, records: list[dict]) -> dict:
    datasets = {r["dataset"] for r in records if r.get("task", "rating") == task}
    return {ds: _note(task, ds) for ds in datasets if ds in TASKS[task].DATASETS}


def _settings(task: str, models: list[str]) -> str:
    specs = TASKS[task].MODELS
    return "\n".join(f"- {m}: {specs[m].settings}" for m in models)


def plan(args) -> list[tuple[str, list[str], list[str]]]:
    """(task, data sets, models) to run, after ``--tasks/--datasets/--models/--quick``.

    Raises
    ------
    ValueError
        When a task, data set or model name is unknown to every selected task.
    """
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    bad = sorted(set(tasks) - set(TASKS))
    if bad:
        raise ValueError(f"unknown task(s) {bad}; known: {', '.join(TASKS)}")
    want_ds = [d.strip() for d in args.datasets.split(",")] if args.datasets else None
    want_m = [m.strip() for m in args.models.split(",")] if args.models else None
    known_ds = {d for t in tasks for d in TASKS[t].DATASETS}
    known_m = {m for t in tasks for m in TASKS[t].MODELS}
    for what, want, known in (("data set", want_ds, known_ds), ("model", want_m, known_m)):
        bad = sorted(set(want or ()) - known)
        if bad:
            raise ValueError(f"unknown {what}(s) {bad} for tasks {tasks}; known: "
                             f"{', '.join(sorted(known))}")
    out = []
    for t in tasks:
        mod = TASKS[t]
        ds = [d for d in mod.DATASETS if (want_ds is None and (not args.quick or d in mod.SMALL))
              or (want_ds is not None and d in want_ds)]
        models = [m for m in mod.MODELS if want_m is None or m in want_m]
        if ds and models:
            out.append((t, ds, models))
    return out


def _repeats(task: str, dataset: str, args) -> int:
    if args.repeats:
        return args.repeats
    if task == "rating":
        n = _tasks_rating.DATASETS[dataset]["repeats"]
        return min(n, QUICK_REPEATS) if args.quick else n
    return _tasks_topn.REPEATS if task == "topn" else 1


def _progress(r: dict) -> str:
    if r["status"] != "ok":
        return r["status"]
    key = {"rating": "fit_seconds", "implicit": "seconds_per_iter", "topn": "seconds"}[r["task"]]
    return f"{key} {r[key]:.3f}, peak RSS {r['peak_rss_mb']:.0f} MB"


def run_task(task: str, datasets: list[str], models: list[str], args) -> list[dict]:
    """Run every (model, data set) of one task in child processes; print its tables."""
    mod = TASKS[task]
    print(f"\n## {TITLES[task]}\n\n{_settings(task, models)}", flush=True)
    records = []
    for ds in datasets:
        prep_error = None
        if hasattr(mod, "prepare"):
            try:
                mod.prepare(ds)
            except Exception as e:  # the data set is missing: every row says so
                prep_error = f"failed: {type(e).__name__}: {e}"
        rows = []
        for m in models:
            spec = mod.MODELS[m]
            why = prep_error or why_not_run(spec, ds)
            if why:
                r = base_record(task, ds, m, spec, args.threads, why)
            else:
                r = run_child(task, m, ds, spec=spec, threads=args.threads,
                              repeats=_repeats(task, ds, args), timeout=args.timeout)
            rows.append(r)
            print(f"  {task:<8} {ds:<16} {m:<34} {_progress(r)}", file=sys.stderr, flush=True)
        print(_report.render(rows, task, {ds: _note(task, ds)}, with_summary=False),
              flush=True)
        records.extend(rows)
    line = _report.summary(records, task)
    if line:
        print("\n" + line, flush=True)
    return records


def plot(path: str, records: list[dict]) -> None:
    """Draw ``records`` with ``mfrec.plot.benchmark_chart`` and save a PNG at ``path``."""
    from mfrec.plot import benchmark_chart, save_figure

    fig = benchmark_chart(records)
    w, h = fig.get_size_inches()
    save_figure(fig, path, width=1200, height=int(round(1200 * h / w)))
    print(f"\nchart: {path}", file=sys.stderr)


def _check_plot_available() -> str | None:
    if importlib.util.find_spec("matplotlib") is None:
        return "--plot needs matplotlib: pip install 'mfrec[plot]'"
    if importlib.util.find_spec("mfrec.plot") is None:
        return "--plot needs mfrec.plot (benchmark_chart, save_figure), not in this mfrec"
    return None


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="small data sets only (ml-100k, ml-latest-small, lastfm-2k, 20k×10k "
                    "top-N), at most 3 repeats: < 3 minutes")
    ap.add_argument("--tasks", default="rating,implicit,topn",
                    help="comma-separated: rating, implicit, topn (default: all)")
    ap.add_argument("--datasets", default=None, help="comma-separated data sets (per task: "
                    + "; ".join(f"{t}: {', '.join(m.DATASETS)}" for t, m in TASKS.items())
                    + ")")
    ap.add_argument("--models", default=None, help="comma-separated model names")
    ap.add_argument("--threads", type=int, default=2, help="threads for every library (2)")
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed fits per rating model / top-N passes (median); the implicit "
                    "task times the median iteration of one fit")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per child run (default 1800; 300 with --quick, where the "
                    "slowest child takes ~30 s: a hung peer, e.g. LibMF's scheduler deadlocking "
                    "now and then, then costs minutes, not half an hour)")
    ap.add_argument("--json", default=None, help="also write {meta, records} as JSON here")
    ap.add_argument("--plot", default=None, metavar="PNG",
                    help="also draw the records with mfrec.plot.benchmark_chart")
    ap.add_argument("--from-json", default=None, metavar="JSON",
                    help="run nothing: print the tables (and --plot) of a saved run")
    ap.add_argument("--worker", nargs=3, metavar=("TASK", "MODEL", "DATASET"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.timeout is None:
        args.timeout = 300.0 if args.quick else 1800.0
    if args.threads < 1:
        ap.error(f"--threads must be >= 1, got {args.threads}")

    if args.worker:
        task, model, dataset = args.worker
        rec = TASKS[task].run(model, dataset, args.threads, args.repeats or 1)
        rec["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(rec))
        return 0
    if args.plot and (why := _check_plot_available()):
        ap.error(why)
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        meta, records = (saved.get("meta", {}), saved["records"]) if isinstance(saved, dict) \
            else ({}, saved)
        if meta:
            print(_report.header(meta))
        for task in TASKS:
            mine = [r for r in records if r.get("task", "rating") == task]
            if mine:
                settings = {r["model"]: r["settings"] for r in mine if r.get("settings")}
                print(f"\n## {TITLES[task]}")
                if settings:
                    print("\n" + "\n".join(f"- {m}: {text}" for m, text in settings.items()))
                print(_report.render(records, task, _notes(task, records)))
        if args.plot:
            plot(args.plot, records)
        return 0
    try:
        todo = plan(args)
    except ValueError as e:
        ap.error(str(e))

    start = time.perf_counter()
    meta = collect_meta(args.threads, argv)
    meta["quick"] = bool(args.quick)
    print(_report.header(meta), flush=True)
    records = []
    for task, datasets, models in todo:
        records += run_task(task, datasets, models, args)
    meta["wall_seconds"] = round(time.perf_counter() - start, 1)
    print(f"\nwall time {meta['wall_seconds']:.0f} s", file=sys.stderr)
    if args.json:
        tmp = Path(args.json).with_suffix(".tmp")
        tmp.write_text(json.dumps({"meta": meta, "records": records}, indent=1))
        os.replace(tmp, args.json)
    if args.plot:
        plot(args.plot, records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
