"""ImplicitALS defaults that hold on raw counts and on 0/1 data; why 3-step CG lags implicit's.

Two studies, each a few minutes on 2 cores; the output of all parts is
``benchmarks/results/tune_implicit_defaults.txt``::

    export MFREC_DATA=/path/to/shared/data        # lastfm-2k/, ml-100k/, ml-latest-small/
    OUT=benchmarks/results/tune_implicit_defaults.txt
    python benchmarks/tune_implicit_defaults.py --part search > $OUT     # ~6 min
    S="--chosen log/med.1,8,100,64 --alt log/med,32,100,128"             # printed by search
    python benchmarks/tune_implicit_defaults.py --part test $S >> $OUT   # ~2 min
    python benchmarks/tune_implicit_defaults.py --part warn $S >> $OUT   # ~3 min
    python benchmarks/tune_implicit_defaults.py --part cg   $S >> $OUT   # ~5 min

(``--part all`` runs the four in order, passing the search's choice on.) ``test``, ``warn``
and ``cg`` use the settings chosen by ``search``: given by ``--chosen`` / ``--alt`` (the last
line of ``search`` prints them), else re-derived by re-running the (deterministic) search.
Minutes as measured on the shared 2-core machine, with other jobs running.

Data and splits
    Last.fm hetrec 2K raw play counts (1 .. 352,698) and MovieLens 100K ratings >= 4 as
    positives (r = 1). Two more 0/1 sets are scored in ``test`` but never used for choosing:
    MovieLens latest-small ratings >= 4 and compare.py's synthetic 1M ratings
    (``synthetic(20_000, 5_000, 1_000_000, random_state=0)``) >= 4. For test seed s in
    0, 1, 2: ``train, test = per_user_split(data, 0.2, random_state=s)``; the validation
    split is carved from the training part only:
    ``fit, val = per_user_split(train, 0.2, random_state=1000 + s)``. The model's
    ``random_state`` is s. Score: NDCG@10 of top-10 lists (training items filtered) over the
    users with held-out items, by ``mfrec.metrics.ndcg_at_k``; models are fit on the CSR (inner
    ids), which gives exactly ``mfrec.evaluate(model, test, ["ndcg@10"])`` (checked at start).

Part ``search`` (validation only)
    Candidate confidence rules, each c = 1 + alpha·f(r) with f computed from the training
    values r it is fitted on (med / mean = median / mean of the positive training values;
    on 0/1 data med = mean = 1, so every rule is a constant c there):

    ``linear``      f = r                    (today's form; today's default alpha=40)
    ``linear/med``  f = r / med              (ImplicitALS(alpha=alpha/med))
    ``log``         f = log(1 + r)           (ImplicitALS(confidence="log", epsilon=1))
    ``log/med.1``   f = log(1 + r/(0.1 med)) (epsilon = 0.1·med)
    ``log/med``     f = log(1 + r/med)       (epsilon = med)
    ``log/med10``   f = log(1 + r/(10 med))  (epsilon = 10·med)
    ``log/mean``    f = log(1 + r/mean)      (epsilon = mean)
    ``bm25/med``    f = w / med(w), w = implicit's bm25_weight(R, K1=100, B=0.8) (users as rows)
    ``tfidf/med``   f = w / med(w), w = implicit's tfidf_weight(R) = sqrt(r)·idf

    Stage 1: every rule × ALPHAS × REGS at n_factors=64 (15 epochs, CG 3 steps) on the
    validation split of seed 0, both data sets. "Joint" score of a setting = min over the
    two data sets of (its val NDCG@10 / the best val NDCG@10 of any setting on that data
    set): a default must be near the best on both. Stage 2: the 15 best joint settings and
    each data set's own best, on the validation splits of seeds 0-2 (mean). Stage 3:
    n_factors 32 / 64 / 128 for the 3 best of stage 2; the best k=64 setting is chosen
    unless another k gains >= 2 % joint score (k=128 costs ~4x the fit time here); the
    stage-3 best is reported as the alternative. Stage 4: the choice with more CG steps,
    Cholesky, 30 epochs (kept at CG 3 / 15 epochs unless the joint score gains >= 2 %).

Part ``test``
    Test NDCG@10 per seed 0-2 and their mean for today's defaults, ``confidence="log"``
    with the other defaults, the chosen defaults, the alternative, and the per-data-set settings of
    benchmarks/_tasks_implicit.py (tuned for each set alone: a ceiling); fit seconds
    (median of the 3 seeds' fits, 1 thread, loss off), then today's and the chosen defaults
    timed alternately, 5 fits each at 1 and at 2 threads.

Part ``warn``
    NDCG@10 (validation split of seed 0) of the unscaled linear confidence c = 1 + alpha·r for
    alpha from 1e-4 to 80 on data of growing magnitude: Last.fm counts capped at 1, 10, 100,
    1000, 10000 and raw, MovieLens 100K ratings 1-5 (all kept) and ratings >= 4 (0/1) - at
    the chosen reg / n_factors and at today's reg=0.01. Each is shown relative to the
    chosen defaults on the same data, against alpha·med(r) and alpha·max(r), to place the
    threshold of a "looks like raw counts" warning.

Part ``cg`` (its code: benchmarks/tune_implicit_cg.py)
    implicit's README settings on raw Last.fm counts: AlternatingLeastSquares(factors=64,
    regularization=0.05, alpha=2.0, use_cg=True, 15 iterations), c = 2·r, vs mfrec fitted on
    r' = 2r - 1 with alpha=1 (linear: c = 1 + r' = 2r, bit-exact in float32), same λ, k,
    15 epochs, CG 3 steps. Then the initial factors are swapped between the libraries
    (implicit keeps factors set before ``fit``; mfrec's kernel ``_core.als_half_sweep`` is
    driven from Python by ``sweep_fit``, checked bit-identical to ``ImplicitALS.fit``),
    other initialisations, more CG steps and Cholesky are tried, and the proposed fix
    (non-negative initial factors, |N(0, init_std)|) is measured at the mapped settings and
    at the settings of the other parts, seeds 0-2.

BLAS is pinned to 1 thread (threadpoolctl) for implicit. Every fit runs on 1 thread: mfrec's
result is bit-identical at any thread count (checked at start), and on this shared 2-core
machine 2-thread fits were slower whenever other jobs ran; the timing table of ``test``
times the defaults at 1 and 2 threads. All NDCG figures are deterministic; only the seconds
vary with the machine's load, which is printed.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import platform
import sys
import time

import numpy as np
import scipy.sparse as sp
from _meta import dist_version, git_state

import mfrec
from mfrec.model_selection import per_user_split

THREADS = 1  # every fit; results are bit-identical at any thread count (checked)
SEEDS = (0, 1, 2)
VAL_OFFSET = 1000  # validation split seed = VAL_OFFSET + test seed
N = 10

RULES = ("linear", "linear/med", "log", "log/med.1", "log/med", "log/med10", "log/mean",
         "bm25/med", "tfidf/med")
ALPHAS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
REGS = (0.01, 1.0, 10.0, 30.0, 100.0, 300.0)
FACTORS = (32, 64, 128)
TODAY = ("linear", 40.0, 0.01, 64)  # ImplicitALS() today: c = 1 + 40 r, reg 0.01, k 64
# benchmarks/_tasks_implicit.py: settings tuned for each data set alone
PER_SET = {"lastfm-2k": ("log", 5.0, 100.0, 64), "ml-100k": ("linear", 20.0, 100.0, 64)}
MAIN = ("lastfm-2k", "ml-100k")
EXTRA = ("ml-latest-small", "synthetic-1m")  # never used for choosing


# -- data ------------------------------------------------------------------------------------
_DATA: dict = {}
_SPLITS: dict = {}


def load(name: str) -> mfrec.Interactions:
    if name not in _DATA:
        if name == "lastfm-2k":
            _DATA[name] = mfrec.datasets.load_lastfm("2k", download=False)
        elif name == "ml-100k":
            _DATA[name] = mfrec.datasets.load_movielens("100k", download=False).binarize(4)
        elif name == "ml-100k-ratings":
            _DATA[name] = mfrec.datasets.load_movielens("100k", download=False)
        elif name == "synthetic-1m":  # compare.py's synthetic 1M ratings, r >= 4 as positives
            _DATA[name] = mfrec.datasets.synthetic(20_000, 5_000, 1_000_000,
                                                   random_state=0).binarize(4)
        elif name == "ml-latest-small":
            _DATA[name] = mfrec.datasets.load_movielens("latest-small",
                                                        download=False).binarize(4)
        else:
            raise KeyError(name)
    return _DATA[name]


def split(name: str, seed: int, part: str) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(fit, held-out) CSR matrices: part "val" = (fit, val) carved from the training part of
    test seed ``seed``; part "test" = (train, test)."""
    key = (name, seed)
    if key not in _SPLITS:
        train, test = per_user_split(load(name), test_size=0.2, random_state=seed)
        fit, val = per_user_split(train, test_size=0.2, random_state=VAL_OFFSET + seed)
        _SPLITS[key] = {"test": (train.to_csr(), test.to_csr()),
                        "val": (fit.to_csr(), val.to_csr())}
    return _SPLITS[key][part]


def capped(R: sp.csr_matrix, cap: float | None) -> sp.csr_matrix:
    if cap is None:
        return R
    R = R.copy()
    R.data = np.minimum(R.data, cap)
    return R


# -- confidence rules --------------------------------------------------------------------------
def _weights(R: sp.csr_matrix, kind: str) -> np.ndarray:
    """implicit's bm25_weight(K1=100, B=0.8) / tfidf_weight of R (users as rows), in R's
    CSR entry order; values <= 0 (an item every user has) are clipped to 1e-6."""
    from implicit.nearest_neighbours import bm25_weight, tfidf_weight

    W = (bm25_weight(R, K1=100, B=0.8) if kind == "bm25" else tfidf_weight(R)).tocsr()
    W.sort_indices()
    R2 = R.copy()
    R2.sort_indices()
    assert np.array_equal(W.indptr, R2.indptr) and np.array_equal(W.indices, R2.indices)
    return np.maximum(W.data.astype(np.float64), 1e-6)


def model_and_data(rule: str, alpha: float, reg: float, k: int, R: sp.csr_matrix, seed: int,
                   **extra) -> tuple[mfrec.ImplicitALS, sp.csr_matrix]:
    """The ImplicitALS that implements ``rule`` on training matrix R, and the matrix to fit.

    Every rule except bm25/tfidf is an ImplicitALS parameter setting computed from R's
    values; bm25/tfidf feed the normalised weights (linear confidence, the given alpha).
    """
    r = R.data.astype(np.float64)
    med, mean = float(np.median(r)), float(np.mean(r))
    kw = dict(n_factors=k, reg=reg, random_state=seed, n_threads=THREADS, compute_loss=False)
    kw.update(extra)
    if rule == "linear":
        return mfrec.ImplicitALS(alpha=alpha, confidence="linear", **kw), R
    if rule == "linear/med":
        return mfrec.ImplicitALS(alpha=alpha / med, confidence="linear", **kw), R
    eps = {"log": 1.0, "log/med.1": 0.1 * med, "log/med": med, "log/med10": 10 * med,
           "log/mean": mean}
    if rule in eps:
        return mfrec.ImplicitALS(alpha=alpha, confidence="log", epsilon=eps[rule], **kw), R
    if rule in ("bm25/med", "tfidf/med"):
        w = _weights(R, rule.split("/")[0])
        W = R.astype(np.float64)
        W.sort_indices()
        W.data = w / np.median(w)
        return mfrec.ImplicitALS(alpha=alpha, confidence="linear", **kw), W
    raise KeyError(rule)


def confidence(rule: str, alpha: float, R: sp.csr_matrix) -> np.ndarray:
    """c per stored entry of the (sorted) matrix the rule fits, float32, as mfrec computes it."""
    m, X = model_and_data(rule, alpha, 1.0, 1, R, 0)
    X = sp.csr_matrix(X)
    X.sort_indices()
    x = X.data.astype(np.float32).astype(np.float64)  # mfrec stores values as float32
    if m.confidence == "linear":
        return (1.0 + m.alpha * x).astype(np.float32)
    return (1.0 + m.alpha * np.log1p(x / m.epsilon)).astype(np.float32)


def ndcg(user_f: np.ndarray | None, item_f: np.ndarray | None, model, R: sp.csr_matrix,
         T: sp.csr_matrix) -> float:
    """NDCG@10 over T's users with held-out items: mfrec's recommend (training items
    filtered) for a fitted ImplicitALS, or a dense top-10 from raw factors."""
    users = np.flatnonzero(np.diff(T.indptr) > 0)
    if model is not None:
        ids, _ = model.recommend(users, n=N)
    else:
        S = user_f[users] @ item_f.T
        seen = R[users].tocoo()
        S[seen.row, seen.col] = -np.inf
        ids = np.argsort(-S, axis=1, kind="stable")[:, :N]
    return float(mfrec.metrics.ndcg_at_k(ids, T[users], N))


_CACHE: dict = {}


def score(name: str, seed: int, part: str, rule: str, alpha: float, reg: float, k: int,
          cap: float | None = None, **extra) -> tuple[float, float]:
    """(NDCG@10, fit seconds) of one setting on one split; identical confidences share a fit."""
    R, T = split(name, seed, part)
    R = capped(R, cap)
    c = confidence(rule, alpha, R)
    key = (name, seed, part, cap, reg, k, tuple(sorted(extra.items())),
           hashlib.sha1(c.tobytes()).hexdigest())
    if key not in _CACHE:
        model, X = model_and_data(rule, alpha, reg, k, R, seed, **extra)
        t0 = time.perf_counter()
        model.fit(X)
        secs = time.perf_counter() - t0
        _CACHE[key] = (ndcg(None, None, model, R, T), secs)
    return _CACHE[key]


def fmt(setting) -> str:
    rule, alpha, reg, k = setting
    return f"{rule:<10} alpha={alpha:<5g} reg={reg:<5g} k={k:<3d}"


# -- part search ---------------------------------------------------------------------------------
def part_search() -> tuple:
    print("=" * 100)
    print("PART search: candidate default rules on validation splits (carved from the "
          "training parts)")
    print("=" * 100)
    print(f"rules: {', '.join(RULES)}\nalpha: {ALPHAS}\nreg: {REGS}\nn_factors (stage 3): "
          f"{FACTORS}; 15 epochs, CG 3 steps unless stated")
    for name in MAIN:
        R, _ = split(name, 0, "val")
        print(f"{name}: fit part of seed 0: {R.shape[0]} users x {R.shape[1]} items, {R.nnz} "
              f"values, median {np.median(R.data):g}, mean {R.data.mean():.1f}, max "
              f"{R.data.max():g}")
    t0 = time.perf_counter()
    grid = [(rule, a, reg, 64) for rule in RULES for a in ALPHAS for reg in REGS] + [TODAY]
    s1 = {name: {g: score(name, 0, "val", *g)[0] for g in grid} for name in MAIN}
    best1 = {name: max(s1[name].values()) for name in MAIN}
    joint1 = {g: min(s1[n][g] / best1[n] for n in MAIN) for g in grid}
    print(f"\nStage 1 ({len(grid)} settings x 2 data sets, seed-0 validation split, "
          f"{time.perf_counter() - t0:.0f} s). Best val NDCG@10: "
          + ", ".join(f"{n} {best1[n]:.4f} ({fmt(max(s1[n], key=s1[n].get))})" for n in MAIN))
    print("Best joint setting per rule (joint = min over sets of val / best val of that set):")
    for rule in RULES:
        g = max((g for g in grid if g[0] == rule), key=joint1.get)
        print(f"  {fmt(g)}  lastfm {s1['lastfm-2k'][g]:.4f}  ml-100k {s1['ml-100k'][g]:.4f}  "
              f"joint {joint1[g]:.3f}")
    print(f"  today's default {fmt(TODAY)}: lastfm {s1['lastfm-2k'][TODAY]:.4f}  ml-100k "
          f"{s1['ml-100k'][TODAY]:.4f}  joint {joint1[TODAY]:.3f}")
    print("Full stage-1 tables (val NDCG@10, seed 0; rows reg, columns alpha):")
    for name in MAIN:
        for rule in RULES:
            if name == "ml-100k" and rule in ("linear/med",):
                continue  # identical to "linear" on 0/1 data
            print(f"  {name} {rule}: alpha " + " ".join(f"{a:>6g}" for a in ALPHAS))
            for reg in REGS:
                cells = (f"{s1[name][(rule, a, reg, 64)]:.4f}"[1:].rjust(7) for a in ALPHAS)
                print(f"    reg={reg:<6g}" + " ".join(cells))

    top = sorted(grid, key=joint1.get, reverse=True)[:15]
    for name in MAIN:
        g = max(s1[name], key=s1[name].get)
        if g not in top:
            top.append(g)
    if TODAY not in top:
        top.append(TODAY)

    def three(settings, **extra):
        out = {}
        for g in settings:
            out[g] = {n: [score(n, s, "val", *g, **extra) for s in SEEDS] for n in MAIN}
        return out

    def table(res, title):
        means = {g: {n: float(np.mean([v[0] for v in res[g][n]])) for n in MAIN} for g in res}
        best = {n: max(means[g][n] for g in res) for n in MAIN}
        joint = {g: min(means[g][n] / best[n] for n in MAIN) for g in res}
        print(title)
        for g in sorted(res, key=joint.get, reverse=True):
            secs = {n: float(np.median([v[1] for v in res[g][n]])) for n in MAIN}
            per = {n: " ".join(f"{v[0]:.4f}" for v in res[g][n]) for n in MAIN}
            print(f"  {fmt(g)}  lastfm {means[g]['lastfm-2k']:.4f} ({per['lastfm-2k']})  "
                  f"ml-100k {means[g]['ml-100k']:.4f} ({per['ml-100k']})  joint {joint[g]:.3f}"
                  f"  fit s {secs['lastfm-2k']:.2f}/{secs['ml-100k']:.2f}")
        return joint, means

    t0 = time.perf_counter()
    joint2, means2 = table(three(top), "\nStage 2: the 15 best joint settings, each set's best and "
                           "today's, on the validation splits of seeds 0-2 (mean (per seed)):")
    print(f"  ({time.perf_counter() - t0:.0f} s)")
    top3 = sorted((g for g in joint2 if g != TODAY), key=joint2.get, reverse=True)[:3]
    cand = [(r, a, reg, k) for (r, a, reg, _) in top3 for k in FACTORS]
    t0 = time.perf_counter()
    joint3, means3 = table(three(cand), "\nStage 3: n_factors for the 3 best of stage 2 "
                           "(validation, seeds 0-2; joint relative to this table's best):")
    print(f"  ({time.perf_counter() - t0:.0f} s)")
    best3 = max(cand, key=joint3.get)
    chosen = max((g for g in cand if g[3] == 64), key=joint3.get)
    if joint3[best3] >= joint3[chosen] * 1.02:
        chosen = best3
    print(f"\nChosen: {fmt(chosen)} (n_factors stays 64 unless another k gains >= 2 % joint; "
          f"best of stage 3: {fmt(best3)}, joint {joint3[best3]:.3f} vs {joint3[chosen]:.3f})")

    print("\nStage 4: solver / epochs for the chosen setting (validation, seeds 0-2):")
    variants = [("CG 3 steps, 15 epochs", {}), ("CG 6 steps, 15 epochs", {"cg_steps": 6}),
                ("Cholesky, 15 epochs", {"solver": "cholesky"}),
                ("CG 3 steps, 30 epochs", {"n_epochs": 30})]
    base = None
    for label, extra in variants:
        res = {n: [score(n, s, "val", *chosen, **extra) for s in SEEDS] for n in MAIN}
        m = {n: float(np.mean([v[0] for v in res[n]])) for n in MAIN}
        secs = {n: float(np.median([v[1] for v in res[n]])) for n in MAIN}
        base = base or m
        gain = min(m[n] / base[n] for n in MAIN) - 1
        print(f"  {label:<22} lastfm {m['lastfm-2k']:.4f}  ml-100k {m['ml-100k']:.4f}  "
              f"(min relative change vs CG 3/15: {gain:+.1%})  fit s {secs['lastfm-2k']:.2f} / "
              f"{secs['ml-100k']:.2f}")
    print(f"\nCHOSEN --chosen {chosen[0]},{chosen[1]:g},{chosen[2]:g},{chosen[3]} "
          f"--alt {best3[0]},{best3[1]:g},{best3[2]:g},{best3[3]}")
    return chosen, best3


# -- part test ------------------------------------------------------------------------------------
def part_test(chosen: tuple, alt: tuple) -> None:
    print("=" * 100)
    print("PART test: test NDCG@10 (per-user 80/20 split, seeds 0-2), fit on the whole "
          "training part")
    print("=" * 100)
    rows = [("today's defaults", TODAY), ("defaults but confidence='log'", ("log", 40.0, 0.01, 64)),
            ("chosen defaults", chosen)]
    if alt != chosen:
        rows.append(("stage-3 best (alternative)", alt))
    for name in MAIN + EXTRA:
        print(f"{name}:")
        extra_rows = [("per-set setting of _tasks_implicit.py", PER_SET[name])] \
            if name in PER_SET else []
        for label, g in rows + extra_rows:
            res = [score(name, s, "test", *g) for s in SEEDS]
            v = [x[0] for x in res]
            print(f"  {label:<38} {fmt(g)}  mean {np.mean(v):.4f}  per seed "
                  + " ".join(f"{x:.4f}" for x in v)
                  + f"  fit s (median) {np.median([x[1] for x in res]):.2f}")
    # timing: repeated fits of the whole training part, seed 0
    print(f"Fit seconds (loss off), whole training part of seed 0, min / median of 5 fits, "
          f"today's and chosen fitted alternately; load average {os.getloadavg()[0]:.1f}:")
    for name in MAIN:
        R, _ = split(name, 0, "test")
        for nt in (1, 2):
            ts: dict = {"today's defaults": [], "chosen defaults": []}
            for _ in range(5):
                for label, g in (("today's defaults", TODAY), ("chosen defaults", chosen)):
                    model, X = model_and_data(*g, R, 0, n_threads=nt)
                    t0 = time.perf_counter()
                    model.fit(X)
                    ts[label].append(time.perf_counter() - t0)
            print(f"  {name:<10} {nt} thread{'s' if nt > 1 else ' '}: " + "   ".join(
                f"{label} {min(v):.3f} / {np.median(v):.3f}" for label, v in ts.items()))


# -- part warn ------------------------------------------------------------------------------------
def part_warn(chosen: tuple) -> None:
    print("=" * 100)
    print("PART warn: unscaled linear confidence c = 1 + alpha·r vs data magnitude "
          "(validation, seed 0)")
    print("=" * 100)
    alphas = (1e-4, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0, 10.0, 40.0, 80.0)
    sets = [("lastfm-2k", 1.0), ("lastfm-2k", 10.0), ("lastfm-2k", 100.0), ("lastfm-2k", 1000.0),
            ("lastfm-2k", 10000.0), ("lastfm-2k", None), ("ml-100k", None),
            ("ml-100k-ratings", None)]
    _, _, reg_c, k_c = chosen
    print("Each cell: val NDCG@10 of linear alpha / val NDCG@10 of the chosen defaults on the "
          "same data;\n[alpha·med(r), alpha·max(r)] below each.")
    for reg in (reg_c, 0.01):
        print(f"\nreg={reg:g}, k={k_c}:")
        for name, cap in sets:
            R, _ = split(name, 0, "val")
            R = capped(R, cap)
            med, mx = float(np.median(R.data)), float(R.data.max())
            ref = score(name, 0, "val", *chosen, cap=cap)[0]
            rel = [score(name, 0, "val", "linear", a, reg, k_c, cap=cap)[0] / ref for a in alphas]
            tag = name if cap is None else f"{name} cap {cap:g}"
            print(f"  {tag} (med {med:g}, max {mx:g}, chosen {ref:.4f})")
            print("    alpha      " + " ".join(f"{a:>8g}" for a in alphas))
            print("    rel NDCG   " + " ".join(f"{x:>8.3f}" for x in rel))
            print("    alpha·med  " + " ".join(f"{a * med:>8.3g}" for a in alphas))
            print("    alpha·max  " + " ".join(f"{a * mx:>8.3g}" for a in alphas))


# -- main ------------------------------------------------------------------------------------------
def header() -> None:
    print(f"# {datetime.datetime.now().isoformat(timespec='seconds')}  mfrec {mfrec.__version__} "
          f"(git {git_state()}), implicit {dist_version('implicit') or 'not installed'}, numpy "
          f"{np.__version__}, python {platform.python_version()}, {os.cpu_count()} cores, "
          f"{THREADS} threads, load average {os.getloadavg()[0]:.1f}")


def check_eval_path() -> None:
    """The CSR path used here gives exactly mfrec.evaluate's NDCG@10."""
    train, test = per_user_split(load("lastfm-2k"), test_size=0.2, random_state=0)
    # the settings score() is asked for below, spelled out: the defaults have moved since
    log40 = dict(confidence="log", alpha=40.0, epsilon=1.0, reg=0.01, n_factors=64)
    m = mfrec.ImplicitALS(**log40, random_state=0, n_threads=THREADS,
                          compute_loss=False).fit(train)
    a = mfrec.evaluate(m, test, ["ndcg@10"])["ndcg@10"]
    b = score("lastfm-2k", 0, "test", "log", 40.0, 0.01, 64)[0]
    assert a == b, (a, b)
    m2 = mfrec.ImplicitALS(**log40, random_state=0, n_threads=2,
                           compute_loss=False).fit(train)
    assert np.array_equal(m.item_factors_, m2.item_factors_), "thread-count dependence"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("search", "test", "warn", "cg", "all"), default="all")
    ap.add_argument("--chosen", help="rule,alpha,reg,k (skip the search for test/warn/cg)")
    ap.add_argument("--alt", help="rule,alpha,reg,k: the stage-3 best, also tested")
    args = ap.parse_args()
    t0 = time.perf_counter()
    header()
    check_eval_path()
    def parse(text):
        rule, a, reg, k = text.split(",")
        return (rule, float(a), float(reg), int(k))

    chosen = parse(args.chosen) if args.chosen else None
    alt = parse(args.alt) if args.alt else chosen
    if args.part in ("search", "all") or chosen is None:
        if args.part not in ("search", "all"):
            print("(no --chosen: re-running the search)")
        chosen, alt = part_search()
    else:
        print(f"settings from the search: --chosen {args.chosen} --alt {args.alt or args.chosen}")
    if args.part in ("test", "all"):
        part_test(chosen, alt)
    if args.part in ("warn", "all"):
        part_warn(chosen)
    if args.part in ("cg", "all"):
        # tune_implicit_cg imports this module by name: the running one, not a second copy
        sys.modules.setdefault("tune_implicit_defaults", sys.modules[__name__])
        from tune_implicit_cg import part_cg

        part_cg(chosen)
    print(f"# part {args.part}: {time.perf_counter() - t0:.0f} s, load average "
          f"{os.getloadavg()[0]:.1f}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
