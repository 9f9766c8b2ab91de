"""cross_validate: serial folds with parallel kernels (n_jobs=None) vs two folds at once in
threads, each fit with half the threads (n_jobs=2). MovieLens 100K, 5 folds, 2 threads.

    python benchmarks/cv_jobs.py > benchmarks/results/cv_jobs.txt
"""

from __future__ import annotations

import time

import numpy as np

import mfrec
from mfrec.model_selection import KFold, cross_validate

MODELS = {
    "FunkSVD": lambda: mfrec.FunkSVD(random_state=0, n_threads=2),
    "ALS": lambda: mfrec.ALS(random_state=0, n_threads=2),
    "Baseline": lambda: mfrec.Baseline(n_threads=2),
}


def main() -> int:
    data = mfrec.datasets.load_movielens("100k")
    print("| model | n_jobs=None (s) | n_jobs=2 (s) | ratio | same scores |\n|---|---|---|---|---|")
    for name, make in MODELS.items():
        times, scores = {}, {}
        for jobs in (None, 2):
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                out = cross_validate(make(), data, cv=KFold(5, random_state=0), n_jobs=jobs)
                runs.append(time.perf_counter() - start)
            times[jobs], scores[jobs] = float(np.median(runs)), out["test_neg_rmse"]
        same = bool(np.allclose(scores[None], scores[2], atol=0.002))
        print(f"| {name} | {times[None]:.3f} | {times[2]:.3f} | {times[2] / times[None]:.2f} | "
              f"{same} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
