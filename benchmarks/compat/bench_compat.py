"""Speed and accuracy of mfrec's compat layers against the peers, same code, same data.

    python benchmarks/compat/bench_compat.py [--part surprise|implicit|accuracy|all]
        [--out benchmarks/results/compat_bench.md]

Needs scikit-surprise and implicit installed beside mfrec (``pip install scikit-surprise
implicit``), the MovieLens 100K and Last.fm 2K sets (``MFREC_DATA``), and runs:

- **surprise**: Surprise's README / course-notebook code, unchanged but for the import:
  ``cross_validate(SVD(), ml-100k, measures=["RMSE", "MAE"], cv=5)`` then
  ``GridSearchCV(SVD, {"n_factors": [50, 100], "reg_all": [0.02, 0.05]}, cv=3)``; wall time
  end to end (data loading included) and the RMSEs, for ``surprise`` and for
  ``mfrec.compat.surprise``.
- **implicit**: implicit's README workflow on Last.fm 2K plays (users x artists):
  ``AlternatingLeastSquares(factors=50).fit(user_plays)``, ``recommend`` for every user (one
  batched call), ``similar_items`` for every item (one batched call); wall time, and NDCG@10 of
  the same model on implicit's ``train_test_split(0.8, random_state=0)`` with
  ``ndcg_at_k``.
- **accuracy**: every shim algorithm vs its peer on one split: Surprise's
  ``train_test_split(ml-100k, test_size=0.2, random_state=0)`` (RMSE) and implicit's split of
  Last.fm 2K (NDCG@10).

Surprise runs on one thread (it has no other mode); implicit and mfrec on all cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # what implicit asks for (before numpy)

import argparse
import importlib
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _meta import cpu_name  # noqa: E402

# (shim name, constructor kwargs) per Surprise algorithm compared on the ml-100k split
SURPRISE_ALGOS = [("SVD", {}), ("SVD", {"biased": False}), ("BaselineOnly", {}),
                  ("BaselineOnly", {"bsl_options": {"method": "sgd"}}), ("SVDpp", {}),
                  ("NMF", {}), ("KNNBasic", {}), ("KNNWithMeans", {}), ("KNNBaseline", {}),
                  ("KNNBasic", {"sim_options": {"name": "pearson", "user_based": False}})]
IMPLICIT_ALGOS = [("als", "AlternatingLeastSquares", {"factors": 64, "random_state": 0}),
                  ("bpr", "BayesianPersonalizedRanking", {"factors": 64, "random_state": 0}),
                  ("nearest_neighbours", "CosineRecommender", {}),
                  ("nearest_neighbours", "BM25Recommender", {})]


def _mods(peer: str):
    """(peer module, shim module)."""
    return importlib.import_module(peer), importlib.import_module(f"mfrec.compat.{peer}")


def notebook(surprise) -> dict:
    """Surprise's README example then a grid search: the code a course notebook runs."""
    from_ = importlib.import_module(surprise.__name__ + ".model_selection")
    start = time.perf_counter()
    data = surprise.Dataset.load_builtin("ml-100k", prompt=False)
    cv = from_.cross_validate(surprise.SVD(random_state=0), data, measures=["RMSE", "MAE"],
                              cv=from_.KFold(5, random_state=0), verbose=False)
    gs = from_.GridSearchCV(surprise.SVD, {"n_factors": [50, 100], "reg_all": [0.02, 0.05],
                                           "random_state": [0]},
                            measures=["rmse"], cv=from_.KFold(3, random_state=0))
    gs.fit(data)
    return {"seconds": time.perf_counter() - start,
            "cv_rmse": float(np.mean(cv["test_rmse"])), "best_rmse": gs.best_score["rmse"],
            "best": {k: v for k, v in gs.best_params["rmse"].items() if k != "random_state"}}


def _lastfm():
    import mfrec

    data = mfrec.datasets.load_lastfm("2k")
    m = sp.csr_matrix((data.ratings.astype(np.float32), (data.user_index, data.item_index)),
                      shape=(data.n_users, data.n_items))
    m.sum_duplicates()
    return m


def readme_workflow(implicit, plays) -> dict:
    als = importlib.import_module(implicit.__name__ + ".als")
    start = time.perf_counter()
    model = als.AlternatingLeastSquares(factors=50, random_state=0)
    model.fit(plays, show_progress=False)
    fitted = time.perf_counter()
    users = np.arange(plays.shape[0])
    ids, _ = model.recommend(users, plays[users], N=10)
    recommended = time.perf_counter()
    items = np.arange(plays.shape[1])
    similar, _ = model.similar_items(items, N=10)
    end = time.perf_counter()
    return {"seconds": end - start, "fit": fitted - start, "recommend": recommended - fitted,
            "similar_items": end - recommended}


def implicit_ndcg(implicit, module, cls, kw, train, test) -> tuple[float, float]:
    mod = importlib.import_module(f"{implicit.__name__}.{module}")
    evaluation = importlib.import_module(implicit.__name__ + ".evaluation")
    model = getattr(mod, cls)(**kw)
    start = time.perf_counter()
    model.fit(train, show_progress=False)
    seconds = time.perf_counter() - start
    return float(evaluation.ndcg_at_k(model, train, test, K=10, show_progress=False)), seconds


def surprise_rmse(surprise, name, kw, seed=0) -> tuple[float, float]:
    ms = importlib.import_module(surprise.__name__ + ".model_selection")
    data = surprise.Dataset.load_builtin("ml-100k", prompt=False)
    train, test = ms.train_test_split(data, test_size=0.2, random_state=seed)
    kw = dict(kw)
    if name not in ("KNNBasic", "KNNWithMeans", "KNNBaseline", "BaselineOnly"):
        kw["random_state"] = seed
    if name.startswith("KNN"):
        kw["verbose"] = False
    if name == "BaselineOnly":
        kw["verbose"] = False
    algo = getattr(surprise, name)(**kw)
    start = time.perf_counter()
    algo.fit(train)
    preds = algo.test(test)
    seconds = time.perf_counter() - start
    return float(surprise.accuracy.rmse(preds, verbose=False)), seconds


def _surprise_folder() -> None:
    """Surprise's load_builtin reads ~/.surprise_data/ml-100k/ml-100k/u.data, or downloads it
    (no internet here): point SURPRISE_DATA_FOLDER at a folder linking mfrec's copy, so both
    libraries read the same file."""
    if os.environ.get("SURPRISE_DATA_FOLDER"):
        return
    import tempfile

    from mfrec.datasets._cache import resolve_home
    from mfrec.datasets._catalog import CATALOG
    from mfrec.datasets._download import ensure_dataset

    folder = Path(tempfile.mkdtemp(prefix="surprise-data-"))
    (folder / "ml-100k").mkdir()
    (folder / "ml-100k" / "ml-100k").symlink_to(ensure_dataset(CATALOG["ml-100k"],
                                                               resolve_home(None)))
    os.environ["SURPRISE_DATA_FOLDER"] = str(folder) + "/"


def main() -> None:
    _surprise_folder()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", default="all", choices=["all", "surprise", "implicit", "accuracy"])
    ap.add_argument("--repeat", type=int, default=3, help="runs of mfrec's side (median)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "compat_bench.md"))
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    lines = ["# mfrec.compat vs the peers, same code", "",
             f"CPU: {cpu_name()}, {os.cpu_count()} cores; load before: {os.getloadavg()[0]:.2f}; "
             f"python {platform.python_version()}. `python benchmarks/compat/bench_compat.py "
             f"--part {a.part}`.", ""]
    if a.part in ("all", "surprise"):
        peer, shim = _mods("surprise")
        theirs = notebook(peer)
        ours = [notebook(shim) for _ in range(a.repeat)]
        t = statistics.median(o["seconds"] for o in ours)
        lines += ["## Surprise's notebook code (ml-100k: cross_validate SVD cv=5, then "
                  "GridSearchCV SVD n_factors x reg_all cv=3)", "",
                  "| | seconds | cross_validate RMSE | grid best RMSE | best params |",
                  "|---|---:|---:|---:|---|",
                  f"| surprise {peer.__version__} | {theirs['seconds']:.2f} | "
                  f"{theirs['cv_rmse']:.4f} | {theirs['best_rmse']:.4f} | {theirs['best']} |",
                  f"| mfrec.compat.surprise (median of {a.repeat}) | {t:.2f} | "
                  f"{ours[0]['cv_rmse']:.4f} | {ours[0]['best_rmse']:.4f} | {ours[0]['best']} |",
                  "", f"Speed-up: **{theirs['seconds'] / t:.1f}x**.", ""]
        print(lines[-6:])
    if a.part in ("all", "implicit"):
        peer, shim = _mods("implicit")
        plays = _lastfm()
        theirs = readme_workflow(peer, plays)
        ours_runs = [readme_workflow(shim, plays) for _ in range(a.repeat)]
        ours = sorted(ours_runs, key=lambda r: r["seconds"])[len(ours_runs) // 2]
        lines += [f"## implicit's README workflow (Last.fm 2K plays, {plays.shape[0]} users x "
                  f"{plays.shape[1]} artists, {plays.nnz} entries; ALS factors=50)", "",
                  "| | total s | fit s | recommend (all users) s | similar_items (all) s |",
                  "|---|---:|---:|---:|---:|"]
        for name, r in ((f"implicit {getattr(peer, '__version__', '')}", theirs),
                        (f"mfrec.compat.implicit (median of {a.repeat})", ours)):
            lines.append(f"| {name} | {r['seconds']:.3f} | {r['fit']:.3f} | "
                         f"{r['recommend']:.3f} | {r['similar_items']:.3f} |")
        lines += ["", f"Speed-up: **{theirs['seconds'] / ours['seconds']:.1f}x**.", ""]
        print(lines[-8:])
    if a.part in ("all", "accuracy"):
        rows = ["## Every shim algorithm vs its peer on one split", "",
                "| peer | algorithm | peer metric | shim metric | difference | peer fit s | "
                "shim fit s |", "|---|---|---:|---:|---:|---:|---:|"]
        peer, shim = _mods("surprise")
        for name, kw in SURPRISE_ALGOS:
            if not hasattr(shim, name):
                rows.append(f"| surprise | {name}({kw}) | | (not in the shim) | | | |")
                continue
            p, pt = surprise_rmse(peer, name, kw)
            s, st = surprise_rmse(shim, name, kw)
            rows.append(f"| surprise | {name}({kw}) | RMSE {p:.4f} | {s:.4f} | {s - p:+.4f} | "
                        f"{pt:.2f} | {st:.3f} |")
            print(rows[-1])
        ipeer, ishim = _mods("implicit")
        evaluation = importlib.import_module("implicit.evaluation")
        train, test = evaluation.train_test_split(_lastfm(), 0.8, random_state=0)
        for module, cls, kw in IMPLICIT_ALGOS:
            try:
                mod = importlib.import_module(f"mfrec.compat.implicit.{module}")
            except ImportError:
                mod = None
            if mod is None or not hasattr(mod, cls):
                rows.append(f"| implicit | {cls} | | (not in the shim) | | | |")
                continue
            p, pt = implicit_ndcg(ipeer, module, cls, kw, train, test)
            s, st = implicit_ndcg(ishim, module, cls, kw, train, test)
            rows.append(f"| implicit | {cls}({kw}) | NDCG@10 {p:.4f} | {s:.4f} | {s - p:+.4f} | "
                        f"{pt:.2f} | {st:.3f} |")
            print(rows[-1])
        lines += rows + [""]
    Path(a.out).write_text("\n".join(lines))
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
