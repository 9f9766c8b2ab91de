"""Part ``cg`` of benchmarks/tune_implicit_defaults.py (run it from there: ``--part cg``): why
mfrec's 3-step CG lagged implicit's on raw Last.fm counts — implicit's README settings through
both libraries, initial factors swapped between them, CG steps vs Cholesky, the mechanism
(popularity correlation, CG accuracy per epoch), and the |N(0, init_std)| fix at other
settings. Data, splits and scoring are tune_implicit_defaults.py's.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from tune_implicit_defaults import (
    MAIN,
    PER_SET,
    SEEDS,
    THREADS,
    TODAY,
    confidence,
    fmt,
    model_and_data,
    ndcg,
    split,
)

import mfrec
from mfrec import _core
from mfrec._validation import check_random_state


# -- part cg --------------------------------------------------------------------------------------
def csr32(m) -> sp.csr_matrix:
    m = sp.csr_matrix(m, dtype=np.float32)
    m.sort_indices()
    return m


def mfrec_init(n_users: int, n_items: int, k: int, seed: int, std: float = 0.01):
    """ImplicitALS's initial factors: N(0, init_std) from the two seeds AlsTrainer draws."""
    seeds = check_random_state(seed).integers(0, 2**63, size=2)
    X = np.empty((n_users, k), np.float32)
    Y = np.empty((n_items, k), np.float32)
    _core.init_normal(X, k=k, mean=0.0, std=std, seed=int(seeds[0]), n_threads=THREADS)
    _core.init_normal(Y, k=k, mean=0.0, std=std, seed=int(seeds[1]), n_threads=THREADS)
    return X, Y


def implicit_init(n_users: int, n_items: int, k: int, seed: int):
    """implicit 0.7.3's initial factors: U[0, 1)·0.01, users drawn first (als.py fit)."""
    rs = np.random.default_rng(seed)
    return (rs.random((n_users, k), dtype=np.float32) * 0.01,
            rs.random((n_items, k), dtype=np.float32) * 0.01)


def sweep_fit(C: sp.csr_matrix, X: np.ndarray, Y: np.ndarray, reg: float, epochs: int,
              steps: int) -> tuple[np.ndarray, np.ndarray]:
    """ImplicitALS's training loop on a confidence matrix C from given factors (in place):
    per epoch a user then an item half-sweep of _core.als_half_sweep with the other side's
    gram; steps=0 is Cholesky."""
    Cu = csr32(C)
    Ci = csr32(Cu.T)
    prm = _core.AlsParams(reg=reg, implicit=True, cg_steps=steps)
    for _ in range(epochs):
        for R, A, B in ((Cu, X, Y), (Ci, Y, X)):
            _core.als_half_sweep(R.indptr.astype(np.int64), R.indices.astype(np.int32), R.data,
                                 A, B, params=prm, gram=_core.gram(B, n_threads=THREADS),
                                 n_threads=THREADS)
    return X, Y


def implicit_fit(R: sp.csr_matrix, seed: int, *, alpha: float = 2.0, reg: float = 0.05,
                 k: int = 64, use_cg: bool = True, steps: int = 3, init=None):
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # also around the constructor: it checks BLAS threads
        m = AlternatingLeastSquares(factors=k, regularization=reg, alpha=alpha, use_cg=use_cg,
                                    iterations=15, random_state=seed, num_threads=THREADS)
        m.cg_steps = steps
        if init is not None:  # implicit keeps factors that are set before fit
            m.user_factors, m.item_factors = init[0].copy(), init[1].copy()
        t0 = time.perf_counter()
        m.fit(csr32(R), show_progress=False)
        secs = time.perf_counter() - t0
    return m.user_factors, m.item_factors, secs


def part_cg(chosen: tuple) -> None:
    print("=" * 100)
    print("PART cg: implicit README settings on raw Last.fm counts (c = 2·r, λ 0.05, k 64, 15 "
          "iterations, CG 3 steps)")
    print("=" * 100)
    k, reg = 64, 0.05
    rows: dict[str, list] = {}

    def add(label, v, secs=None):
        rows.setdefault(label, []).append((v, secs))

    for seed in SEEDS:
        R, T = split("lastfm-2k", seed, "test")
        R = csr32(R)
        nu, ni = R.shape
        C = R.copy()
        C.data = 2.0 * C.data  # implicit's alpha·r in float32: exact
        Rp = R.copy()
        Rp.data = 2.0 * Rp.data - 1.0  # mfrec: c = 1 + 1·(2r - 1) = 2r
        # mfrec through its public API, and the same loop driven from Python (must be identical)
        model = mfrec.ImplicitALS(n_factors=k, reg=reg, alpha=1.0, confidence="linear",
                                  random_state=seed, n_threads=THREADS, compute_loss=False)
        t0 = time.perf_counter()
        model.fit(Rp)
        secs = time.perf_counter() - t0
        add("mfrec ImplicitALS, own init |N(0,0.01)|", ndcg(None, None, model, R, T), secs)
        Xn, Yn = mfrec_init(nu, ni, k, seed)
        # ImplicitALS adopted this study's fix: its initial factors are |N(0, init_std)|
        X, Y = sweep_fit(C, np.abs(Xn), np.abs(Yn), reg, 15, 3)
        assert np.array_equal(X, model.user_factors_) and np.array_equal(Y, model.item_factors_), \
            "sweep_fit must reproduce ImplicitALS bit for bit"
        Xu, Yu = implicit_init(nu, ni, k, seed)
        Ua, Ia, secs = implicit_fit(R, seed)
        add("implicit, own init U[0,0.01)", ndcg(Ua, Ia, None, R, T), secs)
        if seed == 0:  # implicit_init() is implicit's own draw: same factors after fit
            Ub, Ib, _ = implicit_fit(R, seed, init=(Xu, Yu))
            assert np.array_equal(Ua, Ub) and np.array_equal(Ia, Ib)
        X, Y, _ = implicit_fit(R, seed, init=(Xn, Yn))
        add("implicit, mfrec's init N(0,0.01)", ndcg(X, Y, None, R, T))
        variants = {
            "mfrec, implicit's init U[0,0.01)": (Xu, Yu, 3),
            "mfrec, init U[-0.005,0.005) (zero mean)": (Xu - 0.005, Yu - 0.005, 3),
            "mfrec, init N(0,0.01) + 0.005": (Xn + 0.005, Yn + 0.005, 3),
            "mfrec, init |N(0,0.01)|  <- proposed fix": (np.abs(Xn), np.abs(Yn), 3),
            "mfrec, X N(0,0.01), Y |N(0,0.01)|": (Xn, np.abs(Yn), 3),
            "mfrec, X |N(0,0.01)|, Y N(0,0.01)": (np.abs(Xn), Yn, 3),
            "mfrec, init N(0,0.001)": (Xn / 10, Yn / 10, 3),
            "mfrec, init N(0,0.1)": (Xn * 10, Yn * 10, 3),
            "mfrec, init N(0,0.01), CG 6 steps": (Xn, Yn, 6),
            "mfrec, init N(0,0.01), CG 10 steps": (Xn, Yn, 10),
            "mfrec, init N(0,0.01), Cholesky": (Xn, Yn, 0),
            "mfrec, init U[0,0.01), Cholesky": (Xu, Yu, 0),
        }
        for label, (X0, Y0, steps) in variants.items():
            t0 = time.perf_counter()
            X, Y = sweep_fit(C, X0.copy(), Y0.copy(), reg, 15, steps)
            secs = time.perf_counter() - t0
            add(label, ndcg(X, Y, None, R, T), secs)
        X, Y, secs = implicit_fit(R, seed, use_cg=False)
        add("implicit, Cholesky, own init", ndcg(X, Y, None, R, T), secs)
        X, Y, _ = implicit_fit(R, seed, use_cg=False, init=(Xn, Yn))
        add("implicit, Cholesky, mfrec's init", ndcg(X, Y, None, R, T))
    print("test NDCG@10 (per-user 80/20): mean (per seed 0/1/2), share of implicit's mean, fit "
          "seconds (median of the seeds, 1 thread)")
    ref = np.mean([v for v, _ in rows["implicit, own init U[0,0.01)"]])
    for label, vals in rows.items():
        v = [x for x, _ in vals]
        s = [x for _, x in vals if x is not None]
        print(f"  {label:<44} {np.mean(v):.4f} ({' '.join(f'{x:.4f}' for x in v)})  "
              f"{np.mean(v) / ref:6.1%} of implicit" + (f"  {np.median(s):.2f} s" if s else ""))

    print("\nMechanism, seed 0: Spearman correlation of the mean user's scores x̄ᵀy_i with item "
          "popularity (items with >= 5 training users), and test NDCG@10, after epochs 1/2/5/15:")
    from scipy.stats import spearmanr

    R, T = split("lastfm-2k", 0, "test")
    R = csr32(R)
    C = R.copy()
    C.data = 2.0 * C.data
    pop = np.diff(csr32(R.T).indptr)
    ones = np.ones((R.shape[0], 1), np.float32)
    popularity = ndcg(ones, pop[:, None].astype(np.float32), None, R, T)
    print(f"  (popularity ranking alone: NDCG@10 {popularity:.4f})")
    Xn, Yn = mfrec_init(*R.shape, k, 0)
    Xu, Yu = implicit_init(*R.shape, k, 0)
    for label, X0, Y0 in (("N(0,0.01) (mfrec)", Xn, Yn), ("U[0,0.01) (implicit)", Xu, Yu),
                          ("|N(0,0.01)| (fix)", np.abs(Xn), np.abs(Yn))):
        X, Y = X0.copy(), Y0.copy()
        out = []
        for ep in range(1, 16):
            sweep_fit(C, X, Y, reg, 1, 3)
            if ep in (1, 2, 5, 15):
                rho = spearmanr(X.mean(0) @ Y.T[:, pop >= 5], pop[pop >= 5]).correlation
                out.append(f"ep {ep}: rho {rho:.3f} NDCG {ndcg(X, Y, None, R, T):.4f}")
        print(f"  {label:<22} " + "; ".join(out))
    print("  Per-epoch objective and CG accuracy (median over rows of ‖x_cg − x_exact‖/‖x_exact‖, "
          "x_exact = Cholesky solve of the same row system):")
    Cu, Ci = csr32(C), csr32(csr32(C).T)
    exact = _core.AlsParams(reg=reg, implicit=True, cg_steps=0)
    cgp = _core.AlsParams(reg=reg, implicit=True, cg_steps=3)
    for label, X0, Y0 in (("N(0,0.01) (mfrec)", Xn, Yn),
                          ("|N(0,0.01)| (fix)", np.abs(Xn), np.abs(Yn))):
        X, Y = X0.copy(), Y0.copy()
        out = []
        for ep in range(1, 16):
            errs = []
            for M, A, B in ((Cu, X, Y), (Ci, Y, X)):
                G = _core.gram(B, n_threads=THREADS)
                args = (M.indptr.astype(np.int64), M.indices.astype(np.int32), M.data)
                ex = A.copy()
                _core.als_half_sweep(*args, ex, B, params=exact, gram=G, n_threads=THREADS)
                _core.als_half_sweep(*args, A, B, params=cgp, gram=G, n_threads=THREADS)
                nz = np.diff(M.indptr) > 0
                errs.append(np.median(np.linalg.norm(A[nz] - ex[nz], axis=1)
                                      / np.linalg.norm(ex[nz], axis=1)))
            if ep in (1, 5, 15):
                loss = _core.implicit_loss(Cu.indptr.astype(np.int64), Cu.indices.astype(np.int32),
                                           Cu.data, X, Y, gram=_core.gram(Y, n_threads=THREADS),
                                           reg=reg, n_threads=THREADS)
                out.append(f"ep {ep}: loss {loss:.3e}, CG err users {errs[0]:.3f} "
                           f"items {errs[1]:.3f}")
        print(f"  {label:<22} " + "; ".join(out))

    print("\nThe fix (|N(0, init_std)| initial factors) at other settings: test NDCG@10, mean over "
          "seeds 0-2 (per seed)")
    for name in MAIN:
        for label, g in (("today's defaults", TODAY), ("chosen defaults", chosen),
                         ("per-set setting", PER_SET[name])):
            base, fixed = [], []
            for seed in SEEDS:
                R, T = split(name, seed, "test")
                model, X = model_and_data(*g, R, seed)
                model.fit(X)
                Cm = csr32(X)
                Cm.data = confidence(g[0], g[1], R)
                X0, Y0 = mfrec_init(*R.shape, g[3], seed)
                Xa, Ya = sweep_fit(Cm, X0.copy(), Y0.copy(), g[2], 15, 3)
                base.append(ndcg(Xa, Ya, None, R, T))
                Xb, Yb = sweep_fit(Cm, np.abs(X0), np.abs(Y0), g[2], 15, 3)
                assert np.array_equal(Xb, model.user_factors_)  # the fix, as ImplicitALS has it
                fixed.append(ndcg(None, None, model, R, T))
            print(f"  {name:<10} {label:<17} {fmt(g)}  N(0,0.01): {np.mean(base):.4f} ("
                  + " ".join(f"{x:.4f}" for x in base) + f")  |N(0,0.01)|: {np.mean(fixed):.4f} ("
                  + " ".join(f"{x:.4f}" for x in fixed) + ")")
