"""The main job: train on MovieLens 100K and show accuracy and recommendations."""

from __future__ import annotations

import time

import numpy as np

from . import datasets
from ._retrieval import RATING_RISK_AVERSION
from .evaluation import evaluate
from .model_selection import train_test_split
from .models import Baseline, FunkSVD


def load_demo_data(log=print):
    """MovieLens 100K from the cache, else a download, else the synthetic generator."""
    cache = datasets.data_home()
    try:
        data = datasets.load_movielens("100k", download=False)
        log(f"Data: MovieLens 100K from the cache ({cache / 'ml-100k'})")
        return data, "MovieLens 100K"
    except OSError:
        pass
    try:
        log("MovieLens 100K is not in the cache; downloading it from GroupLens ...")
        data = datasets.load_movielens("100k", download=True)
        log(f"Data: MovieLens 100K, downloaded into {cache / 'ml-100k'}")
        return data, "MovieLens 100K"
    except OSError as exc:
        log(f"Download failed ({exc}).")
        log("Data: built-in synthetic ratings (943 users x 1,682 items, 100,000 ratings)")
        return datasets.synthetic(943, 1682, 100_000, random_state=0), "synthetic"


def run_demo(*, n_threads=None, seed: int = 0, user=None, n: int = 10, plot=None,
             log=print) -> dict:
    """Fit FunkSVD, compare with the global mean and the bias baseline, recommend.

    With ``plot`` (a .png path): also draw the learning curve (training loss and test RMSE
    per epoch) beside a 2-D map of the movies in factor space (needs matplotlib).
    """
    if plot is not None:
        if not str(plot).lower().endswith(".png"):
            raise ValueError(f"--plot must name a .png file, got {plot!r}")
        from .plot._mpl import figure_class

        figure_class()  # fails now, not after training, when matplotlib is missing
    data, name = load_demo_data(log)
    train, test = train_test_split(data, test_size=0.2, random_state=seed)
    log(f"{data.n_users} users, {data.n_items} items; train {train.nnz:,}, test {test.nnz:,} "
        "ratings (random 80/20 split)")
    mu = float(np.mean(train.ratings))
    rows = [("global mean", float(np.sqrt(np.mean((test.ratings - mu) ** 2))), 0.0)]
    t = time.perf_counter()
    base = Baseline(n_threads=n_threads).fit(train)
    rows.append(("Baseline (mu + b_u + b_i)", evaluate(base, test)["rmse"],
                 time.perf_counter() - t))
    t = time.perf_counter()
    model = FunkSVD(n_threads=n_threads, random_state=seed).fit(
        train, eval_set=test if plot is not None else None)  # val_rmse for the curve
    rows.append(("FunkSVD (k=100, 20 epochs)", evaluate(model, test)["rmse"],
                 time.perf_counter() - t))
    log("")
    log(f"{'model':<28} {'test RMSE':>9} {'fit s':>7}")
    for label, err, secs in rows:
        log(f"{label:<28} {err:>9.4f} {secs:>7.3f}")

    # Top-n unseen items for one user: predicted rating, penalized for little evidence.
    if user is None:
        user = data.user_ids[0]
    u = model.user_map_.to_inner([user])[0]
    ids, _ = model.recommend([user], n=n, risk_aversion=RATING_RISK_AVERSION)
    top = model.item_map_.to_inner(ids[0])
    predicted = model.predict(np.full(len(top), user), ids[0])
    seen = train.item_index[train.indptr[u]:train.indptr[u + 1]]
    titles = data.item_titles if data.item_titles is not None else data.item_ids.astype(str)
    log("")
    log(f"Top {n} recommendations for user {user} (excluding the {len(seen)} movies they "
        f"rated; ranked by predicted rating less a penalty for little evidence, "
        f"risk_aversion={RATING_RISK_AVERSION:g}):")
    for rank, (i, p) in enumerate(zip(top, predicted), 1):
        log(f"{rank:>3}. {titles[i]}  (predicted {p:.2f})")
    if plot is not None:
        from .plot import demo_figure, save_figure

        log("")
        log(f"Figure: {save_figure(demo_figure(model), plot, width=1400, height=600)}")
    return {"data": name, "rmse": {r[0]: r[1] for r in rows}, "top": data.item_ids[top]}
