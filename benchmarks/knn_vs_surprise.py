"""mfrec's neighbourhood models against Surprise's, prediction by prediction.

On compare.py's cached 80/20 split of MovieLens 100K (seed 0), each pair of models (same
similarity, same user_based, k=40, min_k 1, Surprise's defaults otherwise) predicts the whole
test set; prints both RMSEs, the largest difference between two predictions of the same
pair, and how many pairs got a different ``actual_k``. Ties between equal similarities may
choose other neighbours (Surprise keeps the first in its own rating order, mfrec the smaller
index), which shows as a few larger differences with msd/cosine/pearson on small supports.

    python benchmarks/knn_vs_surprise.py > benchmarks/results/knn_vs_surprise.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES = [("KNNBaseline", "pearson_baseline", False), ("KNNBaseline", "pearson_baseline", True),
         ("KNNBasic", "msd", False), ("KNNBasic", "cosine", True),
         ("KNNWithMeans", "pearson", False), ("KNNWithMeans", "msd", True)]


def main() -> None:
    import pandas as pd
    import surprise
    from _tasks_rating import prepare

    import mfrec

    z = np.load(prepare("ml-100k"))
    n_users, n_items = (int(v) for v in z["shape"])
    tr_u, tr_i, tr_r, te_u, te_i, te_r = (z[k] for k in
                                          ("tr_u", "tr_i", "tr_r", "te_u", "te_i", "te_r"))
    df = pd.DataFrame({"u": tr_u, "i": tr_i, "r": tr_r})
    trainset = surprise.Dataset.load_from_df(
        df, surprise.Reader(rating_scale=(1, 5))).build_full_trainset()
    testset = list(zip(te_u.tolist(), te_i.tolist(), te_r.tolist()))
    train = mfrec.Interactions(tr_u, tr_i, tr_r, rating_scale=(1, 5),
                               user_ids=np.arange(n_users), item_ids=np.arange(n_items))
    print(f"MovieLens 100K, compare.py's 80/20 split (seed 0): {len(tr_r)} train, {len(te_r)} "
          f"test pairs; surprise {surprise.__version__}, mfrec {mfrec.__version__}\n")
    print("| model | similarity | based on | Surprise RMSE | mfrec RMSE | max prediction "
          "difference | pairs with another actual_k |")
    print("|---|---|---|---:|---:|---:|---:|")
    for algo, sim, user_based in CASES:
        peer = getattr(surprise, algo)(sim_options={"name": sim, "user_based": user_based},
                                       verbose=False).fit(trainset)
        preds = peer.test(testset)
        est = np.array([p.est for p in preds])
        peer_k = np.array([p.details.get("actual_k", -1) for p in preds])
        model = getattr(mfrec, algo)(similarity=sim, user_based=user_based).fit(train)
        ours, details = model.predict_details(te_u, te_i, unknown="baseline")
        other_k = int(((peer_k != details["actual_k"]) & (peer_k >= 0)).sum())
        print(f"| {algo} | {sim} | {'users' if user_based else 'items'} | "
              f"{np.sqrt(np.mean((est - te_r) ** 2)):.5f} | "
              f"{np.sqrt(np.mean((ours - te_r) ** 2)):.5f} | {np.abs(ours - est).max():.2g} | "
              f"{other_k} |", flush=True)


if __name__ == "__main__":
    main()
