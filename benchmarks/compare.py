"""Side-by-side benchmarks: mfrec vs Surprise, LibMF and implicit.

Tasks (``--tasks``, default all): ``rating`` (below), ``implicit`` (ImplicitALS vs implicit's
ALS, seconds per iteration at k = 32, 64, 128 and loss parity: benchmarks/implicit_als.py)
and ``topn`` (top-10 for every user vs implicit's recommend: benchmarks/topn.py).

Every model sees the same data, the same random 80/20 split and the same thread budget, and
is scored by the same RMSE/MAE code. Each (model, data set) runs in a fresh child process, so
its peak RSS is its own (it includes the interpreter and the loaded split, ~the same for all).

    python benchmarks/compare.py                 # ml-100k, ml-latest-small, synthetic 10M
    python benchmarks/compare.py --quick         # the small data sets only
    python benchmarks/compare.py --json out.json

Peers come from the ``bench`` extra (scikit-surprise, libmf); a missing one is reported as
skipped. LibMF runs twice: as ``pip install libmf`` builds it, and rebuilt from its sdist with
its own Makefile flags (-O3 -march=native -DUSEAVX -DUSEOMP), the build to beat.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("MFREC_BENCH_CACHE", Path.home() / ".cache" / "mfrec-bench"))

DATASETS = {
    "ml-100k": dict(repeats=5),
    "ml-latest-small": dict(repeats=5),
    "synthetic-10m": dict(repeats=1, n_users=200_000, n_items=50_000, nnz=10_000_000),
}

# name -> (library, description). LibMF: k=100, 20 iterations, λ_p2 = λ_q2 = 0.1, L1 0,
# η 0.1, 20 bins (LIBMF's own defaults); Surprise: its defaults.
MODELS = {
    "mfrec Baseline": "μ + b_u + b_i, 10 ALS sweeps, reg_u 15, reg_i 10",
    "mfrec FunkSVD": "defaults: k=100, 20 epochs, AdaGrad lr 0.05, reg 0.1, init_std 0.1",
    "mfrec FunkSVD (Surprise settings)": "k=100, 20 epochs, constant lr 0.005, reg 0.02, "
    "init_std 0.1",
    "Surprise BaselineOnly": "defaults (ALS, 10 epochs, reg_u 15, reg_i 10)",
    "Surprise SVD": "defaults: k=100, 20 epochs, lr 0.005, reg 0.02, init_std 0.1",
    "LibMF native": "k=100, 20 iters, η 0.1, λ2 0.1, 20 bins; -O3 -march=native AVX OpenMP",
    "LibMF pip": "same parameters; the PyPI build (no AVX, no OpenMP)",
}


# -- data --------------------------------------------------------------------------------
def split_path(name: str) -> Path:
    return CACHE / "splits" / f"{name}.npz"


def prepare(name: str) -> Path:
    """The 80/20 split (seed 0) as inner-id arrays, cached in an .npz."""
    path = split_path(name)
    if path.is_file():
        return path
    import mfrec

    if name.startswith("ml-"):
        data = mfrec.datasets.load_movielens(name[3:])
    else:
        cfg = DATASETS[name]
        data = mfrec.datasets.synthetic(cfg["n_users"], cfg["n_items"], cfg["nnz"],
                                        random_state=0)
    train, test = mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, tr_u=train.user_index, tr_i=train.item_index, tr_r=train.ratings,
             te_u=test.user_index, te_i=test.item_index, te_r=test.ratings,
             shape=np.array(data.shape), scale=np.array(data.rating_scale))
    os.replace(tmp, path)
    return path


# -- one model in one child process ---------------------------------------------------------
def run_model(model: str, dataset: str, threads: int, repeats: int) -> dict:
    z = np.load(split_path(dataset))
    train = (z["tr_u"], z["tr_i"], z["tr_r"])
    test = (z["te_u"], z["te_i"], z["te_r"])
    n_users, n_items = (int(v) for v in z["shape"])
    scale = tuple(float(v) for v in z["scale"])
    fits, res = [], None
    for rep in range(repeats):
        if model.startswith("mfrec"):
            res = _fit_mfrec(model, train, test, n_users, n_items, scale, threads, rep)
        elif model.startswith("Surprise"):
            sys.path.insert(0, str(HERE))
            from peers.surprise_peer import fit_surprise

            algo = model.split()[1]
            res = fit_surprise(algo, train, test, rating_scale=scale, random_state=rep)
        else:
            sys.path.insert(0, str(HERE))
            from peers.libmf_peer import fit_libmf

            res = fit_libmf(train, test, k=100, n_iters=20, eta=0.1, lambda_p2=0.1,
                            lambda_q2=0.1, lambda_p1=0.0, lambda_q1=0.0, nr_bins=20,
                            n_threads=threads, build=model.split()[1])
        fits.append(res["fit_seconds"])
    return dict(model=model, dataset=dataset, fit_seconds=float(np.median(fits)),
                fit_all=fits, predict_seconds=res["predict_seconds"], rmse=res["rmse"],
                mae=res["mae"], threads=res.get("n_threads", threads),
                n_train=int(len(train[2])),
                peak_rss_mb=peak_rss_mb())


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM on Linux: reset by exec, unlike ru_maxrss,
    which a child inherits from the parent that forked it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _fit_mfrec(model, train, test, n_users, n_items, scale, threads, seed):
    import mfrec

    data = mfrec.Interactions(*train, rating_scale=scale, user_ids=np.arange(n_users),
                              item_ids=np.arange(n_items))
    if model == "mfrec Baseline":
        est = mfrec.Baseline(n_threads=threads)
    elif model == "mfrec FunkSVD (Surprise settings)":
        est = mfrec.FunkSVD(lr=0.005, reg=0.02, lr_schedule="constant", n_threads=threads,
                            random_state=seed)
    else:
        est = mfrec.FunkSVD(n_threads=threads, random_state=seed)
    t = time.perf_counter()
    est.fit(data)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    pred = est.predict(test[0], test[1], unknown="baseline")
    pred_s = time.perf_counter() - t
    err = pred.astype(np.float64) - test[2]
    return dict(fit_seconds=fit_s, predict_seconds=pred_s, rmse=float(np.sqrt(np.mean(err**2))),
                mae=float(np.mean(np.abs(err))), n_threads=threads)


def available(model: str) -> str | None:
    """None when the peer can run, else why not."""
    import importlib.util

    need = {"Surprise": "surprise", "LibMF": "libmf"}.get(model.split()[0])
    if need and importlib.util.find_spec(need) is None:
        return f"skipped ({need} not installed: pip install '.[bench]')"
    return None


def child(model: str, dataset: str, threads: int, repeats: int, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", model, dataset,
           "--threads", str(threads), "--repeats", str(repeats)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(model=model, dataset=dataset, status=f"skipped (over {timeout:.0f} s)")
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["?"]
        return dict(model=model, dataset=dataset, status=f"failed: {tail[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- report ------------------------------------------------------------------------------
def table(rows: list[dict], dataset: str) -> str:
    head = ("| model | fit s (median) | ratings/s (fit) | predict s | RMSE | MAE | peak RSS MB "
            "| threads |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    lines = [f"\n### {dataset}\n", head]
    for r in rows:
        if "status" in r:
            lines.append(f"| {r['model']} | {r['status']} | | | | | | |")
            continue
        rate = r["n_train"] * 20 / r["fit_seconds"] if "Baseline" not in r["model"] else float(
            "nan")
        rate_s = f"{rate / 1e6:.1f} M" if np.isfinite(rate) else "–"
        lines.append(f"| {r['model']} | {r['fit_seconds']:.3f} | {rate_s} | "
                     f"{r['predict_seconds']:.3f} | {r['rmse']:.4f} | {r['mae']:.4f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['threads']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small data sets only (< 3 minutes)")
    ap.add_argument("--datasets", default=None, help="comma-separated subset of "
                    + ", ".join(DATASETS))
    ap.add_argument("--models", default=None, help="comma-separated subset of models")
    ap.add_argument("--threads", type=int, default=2, help="threads for every library (2)")
    ap.add_argument("--repeats", type=int, default=None, help="fits per model (median)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per model run")
    ap.add_argument("--json", default=None, help="also write the results as JSON here")
    ap.add_argument("--tasks", default="rating,implicit,topn",
                    help="comma-separated: rating, implicit, topn (default: all)")
    ap.add_argument("--worker", nargs=2, metavar=("MODEL", "DATASET"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        print(json.dumps(run_model(*args.worker, args.threads, args.repeats or 1)))
        return 0
    tasks = args.tasks.split(",")
    unknown = set(tasks) - {"rating", "implicit", "topn"}
    if unknown:
        ap.error(f"unknown task(s) {sorted(unknown)}")
    sys.path.insert(0, str(HERE))
    def json_for(task):
        return (None if not args.json else
                    str(Path(args.json).with_name(Path(args.json).stem + f"_{task}.json")))
    if "implicit" in tasks:
        import implicit_als

        print("\n## Implicit feedback: ImplicitALS vs implicit\n", flush=True)
        implicit_als.main((["--quick"] if args.quick else [])
                          + ["--threads", str(args.threads)]
                          + (["--json", json_for("implicit")] if args.json else []))
    if "topn" in tasks:
        import topn

        print("\n## Top-N for every user: mfrec vs implicit\n", flush=True)
        topn.main((["--quick"] if args.quick else []) + ["--threads", str(args.threads)]
                  + (["--json", json_for("topn")] if args.json else []))
    if "rating" not in tasks:
        return 0
    print("\n## Rating prediction\n", flush=True)

    datasets = (args.datasets.split(",") if args.datasets
                else [d for d in DATASETS if not (args.quick and d.startswith("synthetic"))])
    models = args.models.split(",") if args.models else list(MODELS)
    import mfrec

    print(f"mfrec {mfrec.__version__} (OpenMP: {mfrec._core.openmp_enabled()}, ISA dispatch: "
          f"{mfrec._core.isa_dispatch()}), Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores, {args.threads} threads, "
          f"{time.strftime('%Y-%m-%d')}")
    print("\n".join(f"- {m}: {d}" for m, d in MODELS.items() if m in models))
    results = []
    for ds in datasets:
        prepare(ds)
        rows = []
        for m in models:
            why = available(m)
            reps = args.repeats or DATASETS[ds]["repeats"]
            r = dict(model=m, dataset=ds, status=why) if why else child(
                m, ds, args.threads, reps, args.timeout)
            rows.append(r)
            print(f"  {ds:<16} {m:<22} "
                  + (r.get("status") or f"fit {r['fit_seconds']:.3f}s rmse {r['rmse']:.4f}"),
                  file=sys.stderr, flush=True)
        print(table(rows, ds), flush=True)
        results.extend(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
