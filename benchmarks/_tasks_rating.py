"""The rating-prediction task: mfrec vs Surprise and LibMF on one random 80/20 split.

Every model sees the same split (seed 0, cached as inner-id arrays), is timed on ``fit``
alone (median over the repeats) and on predicting the whole test set, and is scored by the
same RMSE/MAE code (``mfrec.metrics``). Ids present only in the test set get each library's
own fallback (mfrec: ``unknown="baseline"``; Surprise: its biases or the global mean;
LibMF: the global mean).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
from _runner import Spec, base_record

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("MFREC_BENCH_CACHE", Path.home() / ".cache" / "mfrec-bench"))
TASK = "rating"

# name -> timed fits per model (median) and, for synthetic sets, the generator's sizes.
DATASETS = {
    "ml-100k": dict(repeats=5),
    "ml-latest-small": dict(repeats=5),
    # 20k users x 5k items: Surprise's item x item matrices fit in memory (5k^2 doubles =
    # 200 MB each) and its SVDpp, whose epoch costs ~ sum_u n_u^2 (2.8e8 here), ends in minutes.
    "synthetic-1m": dict(repeats=3, n_users=20_000, n_items=5_000, nnz=1_000_000),
    "synthetic-10m": dict(repeats=1, n_users=200_000, n_items=50_000, nnz=10_000_000),
}
SMALL = ("ml-100k", "ml-latest-small")

_SLOW_ON_10M = frozenset({"synthetic-10m"})
KNN_SIM = {"name": "pearson_baseline", "user_based": False}
LIBMF = dict(k=100, n_iters=20, eta=0.1, lambda_p2=0.1, lambda_q2=0.1, lambda_p1=0.0,
             lambda_q1=0.0, nr_bins=20)

MODELS = {
    "mfrec Baseline": Spec("mfrec", "μ + b_u + b_i, 10 ALS sweeps, reg_u 15, reg_i 10"),
    "mfrec FunkSVD": Spec("mfrec", "defaults: k=100, 20 epochs, AdaGrad lr 0.05, reg 0.1, "
                          "init_std 0.05"),
    "mfrec FunkSVD (Surprise settings)": Spec(
        "mfrec", "k=100, 20 epochs, constant lr 0.005, reg 0.02, init_std 0.1"),
    "mfrec ALS": Spec("mfrec", "defaults: k=64, 15 epochs, reg 0.1 × n_u (ALS-WR), biased, "
                      "CG 3 steps"),
    "mfrec SVDpp": Spec("mfrec", "defaults: block grid, k=100, 20 epochs, AdaGrad lr 0.02, "
                        "reg 0.05, reg_implicit 0.0125, init_std 0.02"),
    "mfrec SVDpp (Surprise settings)": Spec(
        "mfrec", "Surprise's SVDpp code on mfrec.compat.surprise (its defaults: k=20, 20 "
        "epochs, lr 0.007, reg 0.02, init_std 0.1; mfrec's per-user walk), from Surprise's "
        "initial factors for the seed"),
    "mfrec NMF": Spec("mfrec", "defaults: multiplicative updates, biased, k=15, 10 epochs, "
                      "reg 0.15 (biases: reg 0.02, step 0.005), U(0, 0.5) init"),
    "mfrec NMF (Surprise settings)": Spec(
        "mfrec", "Surprise's NMF code on mfrec.compat.surprise (its defaults: k=15, 50 epochs, "
        "unbiased, reg 0.06; mfrec's multiplicative updates in Surprise's order), from "
        "Surprise's initial factors for the seed"),
    "mfrec KNNBaseline": Spec("mfrec", "Surprise's settings: item-based, pearson_baseline "
                              "(shrinkage 100), k=40, min_k 1, baselines by 10 ALS sweeps; "
                              "every positive similarity kept (sparse), none on 10M "
                              "(store_similarities='auto': rows computed when predicting)"),
    "Surprise BaselineOnly": Spec("surprise", "defaults (ALS, 10 epochs, reg_u 15, reg_i 10)",
                                  "surprise", single_threaded=True),
    "Surprise SVD": Spec("surprise", "defaults: k=100, 20 epochs, lr 0.005, reg 0.02, "
                         "init_std 0.1", "surprise", single_threaded=True),
    "Surprise SVDpp": Spec("surprise", "defaults: k=20, 20 epochs, lr 0.007, reg 0.02 "
                           "(cost per epoch ∝ Σ_u n_u²: hours on 10M)", "surprise",
                           infeasible=_SLOW_ON_10M, max_repeats=1, single_threaded=True),
    "Surprise NMF": Spec("surprise", "defaults: k=15, 50 epochs, unbiased, reg_pu = reg_qi "
                         "0.06, U(0, 1) init (multiplicative updates)", "surprise",
                         max_repeats=1, single_threaded=True),
    "Surprise KNNBaseline": Spec("surprise", "item-based, pearson_baseline similarity (the "
                                 "one Surprise's docs advise for KNNBaseline), k=40, min_k 1, "
                                 "baselines by ALS; its dense item×item matrices need ~100 GB "
                                 "on 10M",
                                 "surprise", infeasible=_SLOW_ON_10M, max_repeats=1,
                                 single_threaded=True),
    "LibMF native": Spec("libmf", "k=100, 20 iters, η 0.1, λ2 0.1, 20 bins (LIBMF's defaults);"
                         " rebuilt -O3 -march=native AVX OpenMP", "libmf"),
    # The AVX2 + FMA build, against mfrec's AVX2 path (MFREC_ISA=avx2) on any x86 machine.
    "LibMF haswell": Spec("libmf", "same parameters; rebuilt -O3 -march=haswell (AVX2 + FMA) "
                          "AVX OpenMP", "libmf"),
    "LibMF pip": Spec("libmf", "same parameters; the PyPI build (no AVX, no OpenMP)", "libmf"),
    # Content and hybrid models need item features: the MovieLens sets only.
    "mfrec ContentBased": Spec("mfrec", "defaults: per-user ridge on the item metadata "
                               "(genres; + tags carried by >= 5 films on latest-small), reg 5, "
                               "3 sweeps with item biases; MovieLens only (item features)",
                               infeasible=frozenset(DATASETS) - frozenset(SMALL)),
    "mfrec Blend": Spec("mfrec", "Baseline + FunkSVD + ALS + ContentBased (defaults), linear "
                        "weights learned on 10 % of the training ratings, item-support "
                        "buckets (5, 20, 100), members refitted on all of it (the blend "
                        "benchmarks/blend.py chooses); MovieLens only",
                        infeasible=frozenset(DATASETS) - frozenset(SMALL), max_repeats=1),
    "mfrec BayesianMF": Spec("mfrec", "defaults: k=10, Gibbs sampling, 30 burn-in + 150 kept "
                             "sweeps, α sampled, posterior mean; its kept samples need "
                             "n × 150 × 12 floats (1.8 GB on 10M)", infeasible=_SLOW_ON_10M),
    "LibMF native --nmf": Spec("libmf", "LibMF native's parameters with do_nmf (projected SGD: "
                               "P, Q clamped at 0 after every update)", "libmf"),
}


def split_path(name: str) -> Path:
    """Where the cached split of data set ``name`` lives."""
    return CACHE / "splits" / f"{name}.npz"


def prepare(name: str) -> Path:
    """The 80/20 split (seed 0) of data set ``name`` as inner-id arrays, cached in an .npz.

    Parameters
    ----------
    name : str
        A key of ``DATASETS``.

    Returns
    -------
    Path
        The .npz with ``tr_u, tr_i, tr_r, te_u, te_i, te_r`` (shape (n_train,) / (n_test,)),
        ``shape`` (n_users, n_items) and ``scale`` (lo, hi).
    """
    path = split_path(name)
    if path.is_file():
        return path
    import mfrec

    if name.startswith("ml-"):
        data = mfrec.datasets.load_movielens(name[3:])
    elif name in DATASETS:
        cfg = DATASETS[name]
        data = mfrec.datasets.synthetic(cfg["n_users"], cfg["n_items"], cfg["nnz"],
                                        random_state=0)
    else:
        raise KeyError(f"unknown rating data set {name!r}; known: {', '.join(DATASETS)}")
    train, test = mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, tr_u=train.user_index, tr_i=train.item_index, tr_r=train.ratings,
             te_u=test.user_index, te_i=test.item_index, te_r=test.ratings,
             shape=np.array(data.shape), scale=np.array(data.rating_scale))
    os.replace(tmp, path)
    return path


def describe(name: str) -> str | None:
    """Users, items and train/test sizes of a prepared split, in words (None if not cached)."""
    path = split_path(name)
    if not path.is_file():
        return None
    z = np.load(path)
    n_users, n_items = (int(v) for v in z["shape"])
    return (f"{n_users:,} users × {n_items:,} items, {len(z['tr_r']):,} train / "
            f"{len(z['te_r']):,} test ratings (random 80/20 split, seed 0)")


def run(model: str, dataset: str, threads: int, repeats: int) -> dict:
    """Fit ``model`` ``repeats`` times on the cached split and score the last fit.

    Every repeat uses ``random_state=0``, so a rerun (or ``--quick``, which repeats fewer
    times) scores the same fit: deterministic models reproduce their accuracy exactly.

    Parameters
    ----------
    model, dataset : str
    threads, repeats : int

    Returns
    -------
    dict
        The record: ``fit_seconds`` (median), ``fit_all``, ``predict_seconds``, ``rmse``,
        ``mae``, ``n_train`` besides the common keys (``peak_rss_mb`` is added by the worker).
    """
    spec = MODELS[model]
    z = np.load(split_path(dataset))
    train = (z["tr_u"], z["tr_i"], z["tr_r"])
    test = (z["te_u"], z["te_i"], z["te_r"])
    n_users, n_items = (int(v) for v in z["shape"])
    scale = tuple(float(v) for v in z["scale"])
    sys.path.insert(0, str(HERE))
    fits, last = [], None
    for _ in range(min(repeats, spec.max_repeats or repeats)):
        if spec.library == "mfrec":
            res = _fit_mfrec(model, train, test, n_users, n_items, scale, threads, 0,
                             dataset=dataset)
        elif spec.library == "surprise":
            from peers.surprise_peer import fit_surprise

            algo = model.split()[1]
            params = {"sim_options": KNN_SIM} if algo == "KNNBaseline" else None
            res = fit_surprise(algo, train, test, rating_scale=scale, params=params,
                               random_state=0)
        else:
            from peers.libmf_peer import fit_libmf

            res = fit_libmf(train, test, **LIBMF, n_threads=threads, build=model.split()[1],
                            do_nmf=model.endswith("--nmf"))
        fits.append(res["fit_seconds"])
        last = res
    import mfrec

    rec = base_record(TASK, dataset, model, spec, threads)
    rec.update(fit_seconds=float(np.median(fits)), fit_all=fits,
               predict_seconds=last["predict_seconds"],
               rmse=float(mfrec.metrics.rmse(test[2], last["predictions"])),
               mae=float(mfrec.metrics.mae(test[2], last["predictions"])),
               n_train=int(len(train[2])))
    return rec


def _item_metadata(dataset: str | None) -> dict | None:
    """The item metadata (genres, tags) of a MovieLens set, in the split's inner item order
    (the split's item ids are the inner ids of ``load_movielens``)."""
    if dataset is None or not dataset.startswith("ml-"):
        return None
    import mfrec

    return mfrec.datasets.load_movielens(dataset[3:]).item_metadata


# The rows run by mfrec.compat.surprise: Surprise's own code with one import changed, so the
# fit starts from the initial factors Surprise's algorithm draws for the same seed. A
# one-seed comparison then measures the two trainers, not two draws of the initial factors
# (which move either library's RMSE by ±0.003 between seeds: results/surprise_seeds.txt).
COMPAT = {"mfrec SVDpp (Surprise settings)": "SVDpp", "mfrec NMF (Surprise settings)": "NMF"}


def _fit_compat(algo, train, test, scale, threads, seed) -> dict:
    """Surprise's ``algo`` at its defaults, as ``fit_surprise`` runs it, on
    ``mfrec.compat.surprise``: trainset built untimed (as Surprise's is), ``fit`` timed,
    ``test`` scored with Surprise's rules (its per-prediction objects: the rows' predict
    seconds are those of Surprise's API, not of mfrec's ``predict``). The compat layer takes
    every usable core (Surprise's signature has no thread count): the calling thread is held
    to ``threads`` cores meanwhile, which holds the OpenMP threads the fit starts (compare.py
    runs each row in a fresh process, so there are none before)."""
    import os

    from mfrec.compat import surprise as compat
    from peers.surprise_peer import fit_surprise

    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    if cores is not None and threads < len(cores):
        os.sched_setaffinity(0, cores[:threads])
    try:
        return fit_surprise(algo, train, test, rating_scale=scale, random_state=seed,
                            module=compat)
    finally:
        if cores is not None:
            os.sched_setaffinity(0, cores)


def _fit_mfrec(model, train, test, n_users, n_items, scale, threads, seed,
               dataset=None) -> dict:
    import mfrec

    meta = _item_metadata(dataset) if model in ("mfrec ContentBased", "mfrec Blend") else None
    data = mfrec.Interactions(*train, rating_scale=scale, user_ids=np.arange(n_users),
                              item_ids=np.arange(n_items), item_metadata=meta)
    if model == "mfrec Baseline":
        est = mfrec.Baseline(n_threads=threads)
    elif model == "mfrec FunkSVD (Surprise settings)":
        est = mfrec.FunkSVD(lr=0.005, reg=0.02, lr_schedule="constant", init_std=0.1,
                            n_threads=threads, random_state=seed)
    elif model == "mfrec FunkSVD":
        est = mfrec.FunkSVD(n_threads=threads, random_state=seed)
    elif model == "mfrec ALS":
        est = mfrec.ALS(n_threads=threads, random_state=seed)
    elif model == "mfrec SVDpp":
        est = mfrec.SVDpp(n_threads=threads, random_state=seed)
    elif model in COMPAT:
        return _fit_compat(COMPAT[model], train, test, scale, threads, seed)
    elif model == "mfrec ContentBased":
        est = mfrec.ContentBased(n_threads=threads)
    elif model == "mfrec Blend":
        est = mfrec.Blend([mfrec.Baseline(), mfrec.FunkSVD(random_state=seed),
                           mfrec.ALS(random_state=seed), mfrec.ContentBased()],
                          buckets=(5, 20, 100), n_threads=threads)
    elif model == "mfrec BayesianMF":
        est = mfrec.BayesianMF(n_threads=threads, random_state=seed)
    elif model == "mfrec NMF":
        est = mfrec.NMF(n_threads=threads, random_state=seed)
    elif model == "mfrec KNNBaseline":
        est = mfrec.KNNBaseline(similarity="pearson_baseline", k=40, n_threads=threads)
    else:
        raise KeyError(f"unknown mfrec model {model!r}")
    t = time.perf_counter()
    est.fit(data)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    pred = est.predict(test[0], test[1], unknown="baseline")
    pred_s = time.perf_counter() - t
    return dict(fit_seconds=fit_s, predict_seconds=pred_s, predictions=pred)
