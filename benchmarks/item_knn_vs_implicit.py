"""mfrec ItemKNN against implicit's CosineRecommender, TFIDFRecommender and BM25Recommender.

On Last.fm 2K play counts (users × artists, from ``MFREC_DATA``), K = 20 neighbours, both
libraries on ``--threads`` threads (BLAS at 1): fit time (median of 3), whether every item's
k similarity values are the same (sorted; ties between equal similarities may keep other
items), how many of the top-10 recommendations of the first 500 users agree position by
position (ties reorder them), and the largest difference between their sorted top-10 scores.

    python benchmarks/item_knn_vs_implicit.py > benchmarks/results/item_knn_vs_implicit.txt
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from _meta import cpu_name
from threadpoolctl import threadpool_limits

import mfrec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=20)
    args = ap.parse_args()
    import implicit
    import implicit.nearest_neighbours as nn

    data = mfrec.datasets.load_lastfm(download=False)
    X = data.to_csr().astype(np.float32)
    X.sort_indices()
    cpu = cpu_name()
    print(f"Last.fm 2K: {X.shape[0]} users × {X.shape[1]} artists, {X.nnz} play counts; "
          f"K={args.k}; {args.threads} threads; {cpu}; load average before "
          f"{os.getloadavg()[0]:.1f}; mfrec {mfrec.__version__}, implicit {implicit.__version__}\n")
    print("| weighting | implicit fit s | mfrec fit s | rows whose k values differ | "
          "top-10 agreement (500 users) | max score difference |")
    print("|---|---:|---:|---:|---:|---:|")
    users = np.arange(500)
    with threadpool_limits(1):
        for name, cls, w in [("cosine", nn.CosineRecommender, "cosine"),
                             ("tfidf", nn.TFIDFRecommender, "tfidf"),
                             ("bm25", nn.BM25Recommender, "bm25")]:
            t_imp, t_mf = [], []
            for _ in range(3):
                imp = cls(K=args.k, num_threads=args.threads)
                t = time.perf_counter()
                imp.fit(X, show_progress=False)
                t_imp.append(time.perf_counter() - t)
                model = mfrec.ItemKNN(k=args.k, weighting=w, n_threads=args.threads)
                t = time.perf_counter()
                model.fit(X)
                t_mf.append(time.perf_counter() - t)
            A, B = imp.similarity.tocsr(), model.similarity_
            differ = 0
            for r in range(A.shape[0]):
                a = np.sort(A.data[A.indptr[r]:A.indptr[r + 1]])[::-1]
                b = np.sort(B.data[B.indptr[r]:B.indptr[r + 1]])[::-1]
                a = a[a > 0]
                if len(a) != len(b) or not np.allclose(a, b, rtol=1e-4, atol=1e-6):
                    differ += 1
            ids_i, sc_i = imp.recommend(users, X[users], N=10)
            ids_m, sc_m = model.recommend(users, n=10)
            agree = float(np.mean(ids_i == ids_m))
            # implicit pads short rows with -FLT_MAX, mfrec with NaN: compare the real scores
            si = np.sort(np.where(sc_i > -1e30, sc_i, np.nan), axis=1)
            sm = np.sort(np.where(ids_m >= 0, sc_m, np.nan), axis=1)
            diff = float(np.nanmax(np.abs(si - sm)))
            print(f"| {name} | {statistics.median(t_imp):.3f} | {statistics.median(t_mf):.3f} | "
                  f"{differ} of {A.shape[0]} | {agree:.4f} | {diff:.3g} |", flush=True)


if __name__ == "__main__":
    main()
