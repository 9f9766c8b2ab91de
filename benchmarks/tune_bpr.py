"""BPR's defaults, chosen on validation splits of MovieLens 100K positives and Last.fm 2K.

The same procedure benchmarks/tune_implicit_defaults.py used for ImplicitALS's defaults; the
output of all parts is ``benchmarks/results/tune_bpr.txt``::

    export MFREC_DATA=/path/to/shared/data        # lastfm-2k/, ml-100k/
    python benchmarks/tune_bpr.py > benchmarks/results/tune_bpr.txt      # ~25 min, 2 cores

Data and splits
    Last.fm hetrec 2K play counts (BPR ignores the values: every stored pair is a positive)
    and MovieLens 100K ratings >= 4 as positives. For test seed s in 0, 1, 2:
    ``train, test = per_user_split(data, 0.2, random_state=s)``; the validation split is carved
    from the training part only: ``fit, val = per_user_split(train, 0.2, random_state=1000 +
    s)``. The model's ``random_state`` is s and every fit runs on 1 thread, where BPR is
    bit-identical for a seed (so every number here is reproducible; at 2 threads Hogwild
    races make each fit differ slightly). Score: NDCG@10 of top-10 lists (training items
    filtered) over the users with held-out items (``mfrec.evaluate``).

Part ``search`` (validation only)
    Stage 1: lr_schedule × negatives × lr × reg (``LRS``, ``REGS``) at n_factors=64,
    100 epochs (implicit's default), init_std 0.01, verified negatives, on the validation
    split of seed 0 of both data sets. "Joint" score of a setting = min over the two data
    sets of (its val NDCG@10 / the best val NDCG@10 of any setting on that data set): a
    default must be near the best on both. Stage 2: the 12 best joint settings and each data
    set's own best, on the validation splits of seeds 0-2 (mean). Stage 3: one knob at a
    time around the 2 best of stage 2: n_epochs 25 / 50 / 100 / 200, n_factors 32 / 64 / 128,
    init_std 0.001 / 0.01 / 0.1, reg_bias 0 / reg, verify_negatives off. A change of
    n_factors or verify is kept only if it gains >= 2 % joint score; n_epochs is the fewest
    within 1 % of the best; init_std and reg_bias the best.

Part ``test``
    Test NDCG@10 per seed 0-2 and their mean: the chosen defaults; mfrec with implicit's
    defaults mapped (``BPR(n_factors=100, n_epochs=100, lr=0.01, reg=0.01,
    negatives="popularity", init_std=0.29/100)``); implicit's
    ``BayesianPersonalizedRanking()`` itself (its defaults: k=100, 100 iterations, lr 0.01,
    λ 0.01, 1 thread, BLAS at 1 thread); the same three at k=64 (compare.py's k);
    ImplicitALS's defaults and ranking by popularity for context. Then fit seconds of the
    chosen defaults at 1 and 2 threads, and of the constant and AdaGrad schedules (the
    "per-row learning-rate schedule if it pays" question): median of 5 fits.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time

import numpy as np
import scipy.sparse as sp
from _meta import cpu_name, dist_version, git_state
from tune_implicit_defaults import load  # the same data sets (MAIN), loaded once

import mfrec
from mfrec.model_selection import per_user_split

THREADS = 1
SEEDS = (0, 1, 2)
VAL_OFFSET = 1000
N = 10
MAIN = ("lastfm-2k", "ml-100k")
LRS = {"constant": (0.005, 0.01, 0.02, 0.05, 0.1, 0.2), "adagrad": (0.05, 0.1, 0.2, 0.5, 1.0)}
REGS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1)
NEGATIVES = ("uniform", "popularity")
BASE = {"n_factors": 64, "n_epochs": 100, "init_std": 0.01, "verify_negatives": True}

_SPLITS: dict = {}
_CACHE: dict = {}


def split(name: str, seed: int, part: str):
    """(fit, held-out) Interactions: part "val" = (fit, val) carved from the training part of
    test seed ``seed``; part "test" = (train, test)."""
    key = (name, seed)
    if key not in _SPLITS:
        train, test = per_user_split(load(name), test_size=0.2, random_state=seed)
        fit, val = per_user_split(train, test_size=0.2, random_state=VAL_OFFSET + seed)
        _SPLITS[key] = {"test": (train, test), "val": (fit, val)}
    return _SPLITS[key][part]


def key_of(params: dict) -> tuple:
    """A hashable key of the full setting (``BASE`` updated by ``params``)."""
    return tuple(sorted({**BASE, **params}.items()))


def score(name: str, seed: int, part: str, params: dict) -> tuple[float, float]:
    """(NDCG@10, fit seconds) of ``BPR(**BASE, **params)`` on one split."""
    full = {**BASE, **params}
    key = (name, seed, part, key_of(full))
    if key not in _CACHE:
        R, T = split(name, seed, part)
        model = mfrec.BPR(**full, random_state=seed, n_threads=THREADS)
        t0 = time.perf_counter()
        model.fit(R)
        secs = time.perf_counter() - t0
        _CACHE[key] = (float(mfrec.evaluate(model, T, ["ndcg@10"])["ndcg@10"]), secs)
    return _CACHE[key]


def fmt(params: dict) -> str:
    p = {**BASE, **params}
    out = (f"{p.get('lr_schedule', 'constant'):<8} {p.get('negatives', 'uniform'):<10} "
           f"lr={p['lr']:<5g} reg={p['reg']:<5g}")
    extra = {k: v for k, v in params.items()
             if k not in ("lr_schedule", "negatives", "lr", "reg") and BASE.get(k) != v}
    return out + ("  " + " ".join(f"{k}={v}" for k, v in extra.items()) if extra else "")


def joint_table(settings: list[dict], seeds=SEEDS, title: str = "") -> dict:
    """Mean val NDCG@10 over ``seeds`` per data set, the joint score; printed best first."""
    res = {key_of(g): {n: [score(n, s, "val", g) for s in seeds] for n in MAIN}
           for g in settings}
    means = {g: {n: float(np.mean([v[0] for v in res[g][n]])) for n in MAIN} for g in res}
    best = {n: max(means[g][n] for g in res) for n in MAIN}
    joint = {g: min(means[g][n] / best[n] for n in MAIN) for g in res}
    if title:
        print(title)
        for g in sorted(res, key=joint.get, reverse=True):
            secs = {n: float(np.median([v[1] for v in res[g][n]])) for n in MAIN}
            per = {n: " ".join(f"{v[0]:.4f}" for v in res[g][n]) for n in MAIN}
            print(f"  {fmt(dict(g))}\n      lastfm {means[g]['lastfm-2k']:.4f} "
                  f"({per['lastfm-2k']})  ml-100k {means[g]['ml-100k']:.4f} "
                  f"({per['ml-100k']})  joint {joint[g]:.3f}  fit s "
                  f"{secs['lastfm-2k']:.2f}/{secs['ml-100k']:.2f}")
    return {"joint": joint, "means": means}


# -- part search --------------------------------------------------------------------------------
def part_search() -> dict:
    print("=" * 100)
    print("PART search: BPR settings on validation splits (carved from the training parts)")
    print("=" * 100)
    for name in MAIN:
        R, V = split(name, 0, "val")
        print(f"{name}: fit part of seed 0: {R.n_users} users x {R.n_items} items, {R.nnz} "
              f"positives; {V.nnz} validation positives")
    t0 = time.perf_counter()
    grid = [{"lr_schedule": sch, "negatives": neg, "lr": lr, "reg": reg}
            for sch in LRS for neg in NEGATIVES for lr in LRS[sch] for reg in REGS]
    s1 = {n: {key_of(g): score(n, 0, "val", g)[0] for g in grid} for n in MAIN}
    best1 = {n: max(s1[n].values()) for n in MAIN}
    joint1 = {key_of(g): min(s1[n][key_of(g)] / best1[n] for n in MAIN) for g in grid}
    print(f"\nStage 1 ({len(grid)} settings x 2 data sets, k=64, 100 epochs, init_std 0.01, "
          f"seed-0 validation split, {time.perf_counter() - t0:.0f} s). Best val NDCG@10: "
          + ", ".join(f"{n} {best1[n]:.4f} ({fmt(dict(max(s1[n], key=s1[n].get)))})"
                      for n in MAIN))
    print("Best joint setting per schedule x negatives (joint = min over sets of val / best "
          "val of that set):")
    for sch in LRS:
        for neg in NEGATIVES:
            g = max((key_of(g) for g in grid if g["lr_schedule"] == sch
                     and g["negatives"] == neg), key=joint1.get)
            print(f"  {fmt(dict(g))}  lastfm {s1['lastfm-2k'][g]:.4f}  ml-100k "
                  f"{s1['ml-100k'][g]:.4f}  joint {joint1[g]:.3f}")
    print("Full stage-1 tables (val NDCG@10, seed 0; rows reg, columns lr):")
    for name in MAIN:
        for sch in LRS:
            for neg in NEGATIVES:
                print(f"  {name} {sch} {neg}: lr " + " ".join(f"{a:>6g}" for a in LRS[sch]))
                for reg in REGS:
                    cells = (f"{s1[name][key_of({'lr_schedule': sch, 'negatives': neg, 'lr': a, 'reg': reg})]:.4f}"[1:].rjust(7)  # noqa: E501
                             for a in LRS[sch])
                    print(f"    reg={reg:<6g}" + " ".join(cells))

    top = sorted(joint1, key=joint1.get, reverse=True)[:12]
    for name in MAIN:
        g = max(s1[name], key=s1[name].get)
        if g not in top:
            top.append(g)
    t0 = time.perf_counter()
    r2 = joint_table([dict(g) for g in top], title="\nStage 2: the 12 best joint settings and "
                     "each set's best, validation splits of seeds 0-2 (mean (per seed)):")
    print(f"  ({time.perf_counter() - t0:.0f} s)")
    best2 = sorted(r2["joint"], key=r2["joint"].get, reverse=True)[:2]

    t0 = time.perf_counter()
    knobs = {"n_epochs": (25, 50, 100, 200), "n_factors": (32, 64, 128),
             "init_std": (0.001, 0.01, 0.1), "reg_bias": (0.0, None),
             "verify_negatives": (True, False)}
    cands = []
    for g in best2:
        for knob, values in knobs.items():
            for v in values:
                c = {**dict(g), knob: v}
                if knob == "reg_bias" and v is None:
                    c.pop("reg_bias", None)
                cands.append(c)
    uniq = list({key_of(c): c for c in cands}.values())
    r3 = joint_table(uniq, title="\nStage 3: one knob at a time around the 2 best of stage 2 "
                     "(validation, seeds 0-2; joint relative to this table's best):")
    print(f"  ({time.perf_counter() - t0:.0f} s)")
    j3 = r3["joint"]
    base = dict(max(best2, key=lambda g: j3[key_of(dict(g))]))  # full settings
    chosen = dict(base)
    notes = []
    for knob, values in knobs.items():
        opts = []
        for v in values:
            c = {**base, knob: v}
            if knob == "reg_bias" and v is None:
                c.pop("reg_bias", None)
            opts.append((v, j3[key_of(c)]))
        ref = j3[key_of(base)]
        if knob == "n_epochs":
            top_j = max(j for _, j in opts)
            v = min(v for v, j in opts if j >= top_j * 0.99)
        elif knob in ("n_factors", "verify_negatives"):
            cur = BASE[knob]
            bv, bj = max(opts, key=lambda o: o[1])
            v = bv if bj >= ref * 1.02 else cur
        else:
            v = max(opts, key=lambda o: o[1])[0]
        notes.append(f"{knob}={v} ({', '.join(f'{a}: {j:.3f}' for a, j in opts)})")
        if knob == "reg_bias" and v is None:
            continue
        chosen[knob] = v
    print("\nStage 3 choices (joint score of each value, all else at the stage-2 best):")
    for note in notes:
        print(f"  {note}")
    r4 = joint_table([chosen, base], title="\nChosen vs the stage-2 best (validation, seeds "
                     "0-2):")
    del r4
    print(f"\nCHOSEN {chosen}")
    return chosen


# -- part test ------------------------------------------------------------------------------------
def implicit_ndcg(name: str, seed: int, k: int) -> tuple[float, float]:
    """implicit's BayesianPersonalizedRanking at its defaults (but k) on the test split."""
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from threadpoolctl import threadpool_limits

    R, T = split(name, seed, "test")
    X = sp.csr_matrix(R.to_csr(), dtype=np.float32)
    X.sort_indices()
    model = BayesianPersonalizedRanking(factors=k, num_threads=THREADS, random_state=seed)
    with threadpool_limits(1, "blas"):
        t0 = time.perf_counter()
        model.fit(X, show_progress=False)
        secs = time.perf_counter() - t0
        users = np.flatnonzero(T.user_counts() > 0)
        ids, _ = model.recommend(users, X[users], N=N, filter_already_liked_items=True)
    ids = np.asarray(ids).reshape(len(users), -1)
    return float(mfrec.metrics.ndcg_at_k(ids, T.to_csr()[users], N)), secs


def popularity_ndcg(name: str, seed: int) -> float:
    R, T = split(name, seed, "test")
    users = np.flatnonzero(T.user_counts() > 0)
    S = np.tile(R.item_counts().astype(np.float64), (len(users), 1))
    seen = R.to_csr()[users].tocoo()
    S[seen.row, seen.col] = -np.inf
    ids = np.argsort(-S, axis=1, kind="stable")[:, :N]
    return float(mfrec.metrics.ndcg_at_k(ids, T.to_csr()[users], N))


def mapped(k: int) -> dict:
    """implicit's BayesianPersonalizedRanking defaults at k factors, as BPR parameters."""
    return {"n_factors": k, "n_epochs": 100, "lr": 0.01, "reg": 0.01, "negatives": "popularity",
            "lr_schedule": "constant", "init_std": 0.29 / k, "verify_negatives": True}


def part_test(chosen: dict) -> None:
    print("=" * 100)
    print("PART test: test NDCG@10 (per-user 80/20 split, seeds 0-2), fit on the whole "
          "training part, 1 thread")
    print("=" * 100)
    for name in MAIN:
        print(f"{name}:")
        rows = [("chosen defaults (BPR())", {}), ("mfrec, implicit's defaults mapped, k=100",
                                               mapped(100)),
                ("mfrec, implicit's defaults mapped, k=64", mapped(64)),
                ("chosen defaults at k=100", {"n_factors": 100})]
        for label, g in rows:
            res = []
            for s in SEEDS:
                R, T = split(name, s, "test")
                params = g if "lr" in g else {**chosen, **g}
                model = mfrec.BPR(**params, random_state=s, n_threads=THREADS)
                t0 = time.perf_counter()
                model.fit(R)
                secs = time.perf_counter() - t0
                res.append((float(mfrec.evaluate(model, T, ["ndcg@10"])["ndcg@10"]), secs))
            v = [x[0] for x in res]
            print(f"  {label:<42} mean {np.mean(v):.4f}  per seed "
                  + " ".join(f"{x:.4f}" for x in v)
                  + f"  fit s (median) {np.median([x[1] for x in res]):.2f}")
        for k in (100, 64):
            try:
                res = [implicit_ndcg(name, s, k) for s in SEEDS]
            except ImportError:
                print(f"  implicit BPR k={k}: not installed")
                continue
            v = [x[0] for x in res]
            print(f"  {f'implicit BayesianPersonalizedRanking, k={k}':<42} mean {np.mean(v):.4f}  "
                  f"per seed " + " ".join(f"{x:.4f}" for x in v)
                  + f"  fit s (median) {np.median([x[1] for x in res]):.2f}")
        v = []
        for s in SEEDS:
            R, T = split(name, s, "test")
            m = mfrec.ImplicitALS(random_state=s, n_threads=THREADS).fit(R)
            v.append(float(mfrec.evaluate(m, T, ["ndcg@10"])["ndcg@10"]))
        print(f"  {'ImplicitALS() (context)':<42} mean {np.mean(v):.4f}  per seed "
              + " ".join(f"{x:.4f}" for x in v))
        v = [popularity_ndcg(name, s) for s in SEEDS]
        print(f"  {'popularity (context)':<42} mean {np.mean(v):.4f}  per seed "
              + " ".join(f"{x:.4f}" for x in v))

    print(f"\nFit seconds, whole training part of seed 0, min / median of 5 fits, fitted "
          f"alternately; load average {os.getloadavg()[0]:.1f}:")
    other = "adagrad" if chosen.get("lr_schedule", "constant") == "constant" else "constant"
    for name in MAIN:
        R, _ = split(name, 0, "test")
        for nt in (1, 2):
            variants = {"chosen": dict(chosen), f"chosen with {other}": {**chosen,
                                                                         "lr_schedule": other}}
            ts: dict = {label: [] for label in variants}
            for _ in range(5):
                for label, g in variants.items():
                    model = mfrec.BPR(**g, random_state=0, n_threads=nt)
                    t0 = time.perf_counter()
                    model.fit(R)
                    ts[label].append(time.perf_counter() - t0)
            print(f"  {name:<10} {nt} thread{'s' if nt > 1 else ' '}: " + "   ".join(
                f"{label} {min(v):.3f} / {np.median(v):.3f}" for label, v in ts.items()))


# -- main ------------------------------------------------------------------------------------------
def header() -> None:
    print(f"# {datetime.datetime.now().isoformat(timespec='seconds')}  mfrec {mfrec.__version__} "
          f"(git {git_state()}), implicit {dist_version('implicit') or 'not installed'}, numpy "
          f"{np.__version__}, python {platform.python_version()}, {cpu_name()}, "
          f"{os.cpu_count()} cores, {THREADS} thread per fit, ISA level "
          f"{mfrec._core.isa_level()}, load average {os.getloadavg()[0]:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("search", "test", "all"), default="all")
    ap.add_argument("--chosen", help="the chosen settings as a Python dict literal (skip the "
                    "search for --part test)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    header()
    if args.chosen:
        import ast

        chosen = ast.literal_eval(args.chosen)
        print(f"settings from the search: {chosen}")
    else:
        chosen = part_search()
    if args.part in ("test", "all"):
        part_test(chosen)
    print(f"# part {args.part}: {time.perf_counter() - t0:.0f} s, load average "
          f"{os.getloadavg()[0]:.1f}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
