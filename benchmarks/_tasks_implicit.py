"""The implicit-feedback task: mfrec ImplicitALS vs implicit's ALS (CG, Cholesky), mfrec BPR vs
implicit's BPR.

One per-user holdout split per data set (``mfrec.model_selection.per_user_split``, 20 % of
every user's interactions, seed 0, cached), the same for every model. Each model recommends
10 items to every user with test items, its training items filtered out, and one piece of
code (``mfrec.metrics``) scores NDCG@10, recall@10 and MAP@10 against the held-out items.

The ALS rows of a data set share k, λ, the confidence and the number of iterations
(``SETTINGS``); implicit is fed the matrix of mfrec's confidences c (its ``alpha`` = 1), so
both solve the same weighted least-squares problem. Seconds per iteration: the median of the
per-iteration times (mfrec: ``history_``; implicit: its fit callback), training-loss
computation off for both. The BPR rows share k with the ALS rows and the number of
iterations (100, implicit's default, on the small sets; 50 on the 10M set, where each of
implicit's takes ~1.6 s on 2 cores): implicit's BPR at its defaults (lr 0.01, λ 0.01,
verified negatives), mfrec's ``BPR`` with those settings mapped as its docstring says
("mfrec BPR": the same loss, step, λ, popularity-weighted negatives, initial spread) and
mfrec's BPR at its own defaults but this k and number of epochs ("mfrec BPR (defaults)"),
and implicit's BPR at the learning rate and λ that ranked best on a validation split carved
from the training part ("implicit BPR (tuned)", small sets; ``benchmarks/bpr_tuned_peer.py``).
Both libraries draw nnz triples (samples) per iteration.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _runner import Spec, base_record

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("MFREC_BENCH_CACHE", Path.home() / ".cache" / "mfrec-bench"))
TASK = "implicit"
N = 10  # list length and the k of every ranking metric


@dataclass(frozen=True)
class Settings:
    """What every ALS row of one data set uses (and BPR's k and iterations).

    c = 1 + alpha·r (``"linear"``) or 1 + alpha·log(1 + r/epsilon) (``"log"``); λ is plain
    (not scaled by counts) in both libraries.
    """

    factors: int
    reg: float
    alpha: float
    iterations: int
    confidence: str = "linear"
    epsilon: float = 1.0
    bpr_iterations: int = 100
    # implicit's BPR learning rate and λ at their best on a validation split carved from the
    # training part (benchmarks/bpr_tuned_peer.py, results/bpr_tuned_peer.txt); None: not tuned
    bpr_tuned: tuple[float, float] | None = None

    def describe(self) -> str:
        conf = (f"c = 1 + {self.alpha:g}·r" if self.confidence == "linear"
                else f"c = 1 + {self.alpha:g}·log(1 + r/{self.epsilon:g})")
        return (f"k={self.factors}, λ={self.reg:g}, {conf}, {self.iterations} iterations, "
                f"CG 3 steps; BPR: k={self.factors}, {self.bpr_iterations} iterations")


DATASETS = {
    # Play counts (1 .. 352,698): log confidence, the best of a 28-point grid (linear and
    # log, alpha 0.01-20, λ 0.1-100; mfrec, 15 iterations) on a validation split carved from
    # the training part (per_user_split 0.2, seed 1).
    "lastfm-2k": Settings(factors=64, reg=100.0, alpha=5.0, iterations=15, confidence="log",
                          epsilon=1.0, bpr_tuned=(0.01, 0.003)),
    # Ratings >= 4 as positives (r = 1): implicit's best point on the validation split in
    # benchmarks/results/tune_als.txt.
    "ml-100k": Settings(factors=64, reg=100.0, alpha=20.0, iterations=15,
                        bpr_tuned=(0.005, 0.0)),
    # benchmarks/implicit_als.py's data and setting (mfrec's defaults): ratings >= 4, r = 1.
    "synthetic-10m": Settings(factors=64, reg=0.01, alpha=40.0, iterations=10,
                              bpr_iterations=50),
}
DATA_NOTES = {
    "lastfm-2k": "Last.fm hetrec 2K: artist play counts",
    "ml-100k": "MovieLens 100K, ratings ≥ 4 as positives",
    "synthetic-10m": "synthetic 10M ratings (200k users × 50k items, seed 0), ratings ≥ 4",
}
SMALL = ("lastfm-2k", "ml-100k")

MODELS = {
    "mfrec ImplicitALS (CG)": Spec("mfrec", "ImplicitALS(solver='cg', cg_steps=3)"),
    "mfrec ImplicitALS (Cholesky)": Spec("mfrec", "ImplicitALS(solver='cholesky')"),
    "implicit ALS (CG)": Spec("implicit", "AlternatingLeastSquares(use_cg=True), fed c, "
                              "alpha=1", "implicit"),
    "implicit ALS (Cholesky)": Spec("implicit", "AlternatingLeastSquares(use_cg=False), fed "
                                    "c, alpha=1", "implicit"),
    "mfrec BPR": Spec("mfrec", "BPR with implicit's settings mapped: lr 0.01, λ 0.01, "
                      "popularity negatives, verified, init_std 0.29/k"),
    "mfrec BPR (defaults)": Spec("mfrec", "BPR, its defaults but k and epochs as implicit BPR"),
    "implicit BPR": Spec("implicit", "BayesianPersonalizedRanking, lr 0.01, λ 0.01 "
                         "(defaults)", "implicit"),
    "implicit BPR (tuned)": Spec("implicit", "BayesianPersonalizedRanking at the lr and λ "
                                 "best on a validation split (Last.fm 0.01, 0.003; ML-100K "
                                 "0.005, 0) — benchmarks/bpr_tuned_peer.py", "implicit",
                                 infeasible=frozenset({"synthetic-10m"}),
                                 skipped_as="skipped (not tuned there)"),
}


# -- data --------------------------------------------------------------------------------
def load(name: str):
    """The interactions of data set ``name`` (values r ≥ 0: counts or ones)."""
    import mfrec

    if name == "lastfm-2k":
        return mfrec.datasets.load_lastfm("2k")
    if name == "ml-100k":
        return mfrec.datasets.load_movielens("100k").binarize(4)
    if name == "synthetic-10m":
        sys.path.insert(0, str(HERE))
        from implicit_als import positives

        return mfrec.Interactions.from_sparse(positives(200_000, 50_000, 10_000_000))
    raise KeyError(f"unknown implicit data set {name!r}; known: {', '.join(DATASETS)}")


def split_path(name: str) -> Path:
    """Where the cached per-user split of ``name`` lives."""
    return CACHE / "implicit" / f"{name}-per-user-split.npz"


def prepare(name: str) -> Path:
    """The per-user 80/20 split (seed 0) of ``name`` as two CSR matrices, cached in an .npz.

    Returns
    -------
    Path
        The .npz with ``shape`` and ``{tr,te}_{indptr,indices,data}`` (train and test,
        both of shape (n_users, n_items), inner ids).
    """
    path = split_path(name)
    if path.is_file():
        return path
    import mfrec

    train, test = mfrec.model_selection.per_user_split(load(name), test_size=0.2,
                                                       random_state=0)
    parts = {}
    for tag, part in (("tr", train.to_csr()), ("te", test.to_csr())):
        parts.update({f"{tag}_indptr": part.indptr, f"{tag}_indices": part.indices,
                      f"{tag}_data": part.data})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, shape=np.array(train.shape), **parts)
    os.replace(tmp, path)
    return path


def _load_split(name: str) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    z = np.load(split_path(name))
    shape = tuple(int(v) for v in z["shape"])
    return tuple(sp.csr_matrix((z[f"{t}_data"], z[f"{t}_indices"], z[f"{t}_indptr"]),
                               shape=shape) for t in ("tr", "te"))


def describe(name: str) -> str:
    """The data set, its split sizes (when cached) and the settings, in words."""
    text = DATA_NOTES[name]
    path = split_path(name)
    if path.is_file():
        z = np.load(path)
        n_users, n_items = (int(v) for v in z["shape"])
        text += (f": {n_users:,} users × {n_items:,} items, {len(z['tr_data']):,} train / "
                 f"{len(z['te_data']):,} test interactions (per-user 80/20 split, seed 0)")
    return f"{text}. ALS rows: {DATASETS[name].describe()}."


def confidence(values: np.ndarray, s: Settings) -> np.ndarray:
    """mfrec's confidence of each observed value: shape (nnz,), float32."""
    r = values.astype(np.float64)
    if s.confidence == "linear":
        return (1.0 + s.alpha * r).astype(np.float32)
    return (1.0 + s.alpha * np.log1p(r / s.epsilon)).astype(np.float32)


# -- one model ---------------------------------------------------------------------------
def run(model: str, dataset: str, threads: int, repeats: int) -> dict:
    """Fit ``model`` once on the split's training part and score its top-10 lists.

    Parameters
    ----------
    model, dataset : str
    threads : int
    repeats : int
        Unused: the per-iteration median is the timing (each fit runs many iterations).

    Returns
    -------
    dict
        The record: ``seconds_per_iter``, ``ndcg@10``, ``recall@10``, ``map@10``,
        ``fit_seconds``, ``iterations``, ``recommend_seconds``, ``n_eval_users`` besides the
        common keys (``peak_rss_mb`` is added by the worker).
    """
    import mfrec

    spec, s = MODELS[model], DATASETS[dataset]
    train, test = _load_split(dataset)
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    if spec.library == "mfrec":
        fit, ids, rec_s = _run_mfrec(model, train, users, s, threads)
    else:
        sys.path.insert(0, str(HERE))
        from peers import implicit_peer

        if model in ("implicit BPR", "implicit BPR (tuned)"):
            lr, reg = s.bpr_tuned if model.endswith("(tuned)") else (0.01, 0.01)
            fit = implicit_peer.fit_bpr(train, factors=s.factors, iterations=s.bpr_iterations,
                                        threads=threads, learning_rate=lr, reg=reg)
        else:
            conf = train.copy()
            conf.data = confidence(train.data, s)
            fit = implicit_peer.fit_als(conf, factors=s.factors, reg=s.reg,
                                        iterations=s.iterations,
                                        use_cg=model == "implicit ALS (CG)", threads=threads)
        ids, rec_s = implicit_peer.recommend(fit["model"], users, train, n=N)
    rel = test[users]
    rec = base_record(TASK, dataset, model, spec, threads)
    rec.update({"seconds_per_iter": fit["seconds_per_iter"],
                "ndcg@10": float(mfrec.metrics.ndcg_at_k(ids, rel, N)),
                "recall@10": float(mfrec.metrics.recall_at_k(ids, rel, N)),
                "map@10": float(mfrec.metrics.map_at_k(ids, rel, N)),
                "fit_seconds": fit["fit_seconds"], "iterations": len(fit["per_iter"]),
                "recommend_seconds": rec_s, "n_eval_users": int(len(users)),
                "data_settings": s.describe()})
    return rec


def _run_mfrec(model: str, train: sp.csr_matrix, users: np.ndarray, s: Settings,
               threads: int):
    import time

    import mfrec

    if model == "mfrec BPR":  # implicit's BayesianPersonalizedRanking defaults, mapped
        est = mfrec.BPR(n_factors=s.factors, n_epochs=s.bpr_iterations, lr=0.01, reg=0.01,
                        negatives="popularity", verify_negatives=True, lr_schedule="constant",
                        init_std=0.29 / s.factors, n_threads=threads, random_state=0)
    elif model == "mfrec BPR (defaults)":
        est = mfrec.BPR(n_factors=s.factors, n_epochs=s.bpr_iterations, n_threads=threads,
                        random_state=0)
    else:
        est = mfrec.ImplicitALS(n_factors=s.factors, n_epochs=s.iterations, reg=s.reg,
                                alpha=s.alpha, confidence=s.confidence, epsilon=s.epsilon,
                                solver="cg" if model.endswith("(CG)") else "cholesky",
                                cg_steps=3, n_threads=threads, random_state=0,
                                compute_loss=False)
    t0 = time.perf_counter()
    est.fit(train)
    fit_seconds = time.perf_counter() - t0
    per_iter = np.diff([0.0] + [h["elapsed"] for h in est.history_]).tolist()
    t0 = time.perf_counter()
    ids, _ = est.recommend(users, n=N)
    rec_s = time.perf_counter() - t0
    fit = dict(per_iter=per_iter, seconds_per_iter=float(np.median(per_iter)),
               fit_seconds=fit_seconds)
    return fit, ids, rec_s
