"""Choose ``recommend(risk_aversion=κ)`` for rating models on validation splits, then report
top-10 quality on the test splits against "most popular unseen items".

Explicit-rating models rank every item by its predicted rating, so items with one or two
5-star ratings (high predictions on little evidence) crowd the top of the lists: on
MovieLens latest-small FunkSVD's top-10 has NDCG@10 ≈ 0.005 against ≈ 0.155 for the most
popular items. ``risk_aversion`` ranks by score − κ·σ̂/√(n_i + 1) instead.

Protocol: random 80/20 split of each data set (seeds 0–2); relevant = test ratings >= 4.
κ is chosen on a validation split carved from each training part (20 %, same seed), fitting
on the rest; the value with the best mean validation NDCG@10 over both data sets, the three
seeds and the models (FunkSVD, ALS, Baseline at their defaults) is the one the demo and the
CLI use. Then each model is refitted on the whole training part and scored on the test part
with κ = 0 and the chosen κ, beside the popularity ranking (training counts, seen items
skipped)::

    MFREC_DATA=../shared/data python benchmarks/tune_risk_aversion.py \\
        > benchmarks/results/tune_risk_aversion.txt
"""

from __future__ import annotations

import sys
import time

import numpy as np
import scipy.sparse as sp

import mfrec

GRID = [0, 1, 2, 4, 8, 16, 32, 64, 96, 128, 192, 256, 384]
SEEDS = (0, 1, 2)
DATASETS = ("100k", "latest-small")
MODELS = {"FunkSVD": lambda: mfrec.FunkSVD(random_state=0),
          "ALS": lambda: mfrec.ALS(random_state=0),
          "Baseline": lambda: mfrec.Baseline()}


def popularity_ndcg(train, test, k=10):
    """NDCG@k of the most popular unseen training items (relevant: test ratings >= 4)."""
    keep = test.ratings >= 4
    users = np.unique(test.user_index[keep])
    rel = sp.csr_matrix((np.ones(keep.sum()), (np.searchsorted(users, test.user_index[keep]),
                                               test.item_index[keep])),
                        shape=(len(users), train.n_items))
    order = np.argsort(-train.item_counts(), kind="stable")
    seen = train.to_csr()
    recs = np.empty((len(users), k), dtype=np.int64)
    for row, u in enumerate(users):
        s = set(seen.indices[seen.indptr[u]:seen.indptr[u + 1]].tolist())
        recs[row] = [i for i in order[:k + len(s)] if i not in s][:k]
    return mfrec.metrics.ndcg_at_k(recs, rel, k)


def ndcg(model, test, kappa):
    return mfrec.evaluate(model, test, ["ndcg@10"], relevance_threshold=4,
                          risk_aversion=kappa)["ndcg@10"]


def main() -> None:
    start = time.perf_counter()
    print(f"# {sys.argv[0]}: mfrec {mfrec.__version__}, grid {GRID}\n")
    val = {}  # (dataset, model, kappa) -> [ndcg per seed]
    splits = {}
    for name in DATASETS:
        data = mfrec.datasets.load_movielens(name, download=False)
        for seed in SEEDS:
            train, test = mfrec.model_selection.train_test_split(data, 0.2, random_state=seed)
            fit_part, val_part = mfrec.model_selection.train_test_split(train, 0.2,
                                                                       random_state=seed)
            splits[name, seed] = (train, test)
            for model_name, make in MODELS.items():
                model = make().fit(fit_part)
                for kappa in GRID:
                    val.setdefault((name, model_name, kappa), []).append(
                        ndcg(model, val_part, kappa))
    print("## Validation NDCG@10 (mean over seeds 0-2), relevant = ratings >= 4\n")
    print("| data set | model | " + " | ".join(f"κ={k}" for k in GRID) + " |")
    print("|---|---|" + "---:|" * len(GRID))
    for name in DATASETS:
        for model_name in MODELS:
            row = [np.mean(val[name, model_name, k]) for k in GRID]
            print(f"| {name} | {model_name} | " + " | ".join(f"{v:.4f}" for v in row) + " |")
    overall = {k: np.mean([np.mean(val[d, m, k]) for d in DATASETS for m in MODELS])
               for k in GRID}
    best = max(GRID, key=lambda k: overall[k])
    print("\nmean over data sets and models: "
          + ", ".join(f"κ={k}: {overall[k]:.4f}" for k in GRID))
    print(f"\n**chosen κ = {best}** (best mean validation NDCG@10)\n")
    print("## Test NDCG@10 (refit on the whole training part), mean over seeds 0-2\n")
    print("| data set | ranking | κ = 0 | κ = chosen | per seed (chosen) |")
    print("|---|---|---:|---:|---|")
    for name in DATASETS:
        pops = [popularity_ndcg(*splits[name, s]) for s in SEEDS]
        print(f"| {name} | most popular unseen | {np.mean(pops):.4f} | {np.mean(pops):.4f} | "
              + " ".join(f"{p:.4f}" for p in pops) + " |")
        for model_name, make in MODELS.items():
            plain, chosen = [], []
            for seed in SEEDS:
                train, test = splits[name, seed]
                model = make().fit(train)
                plain.append(ndcg(model, test, 0))
                chosen.append(ndcg(model, test, best))
            print(f"| {name} | {model_name} | {np.mean(plain):.4f} | {np.mean(chosen):.4f} | "
                  + " ".join(f"{c:.4f}" for c in chosen) + " |")
    print(f"\nwall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
