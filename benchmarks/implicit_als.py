"""ImplicitALS vs implicit's AlternatingLeastSquares: seconds per iteration and loss parity.

Data: the synthetic 10M-rating set (200k users x 50k items, seed 0), positives r >= 4 as
implicit feedback (value 1), confidence c = 1 + alpha * r with alpha = 40 (so c = 41).
Both libraries start from the same initial factors (normal, std 0.01) and get the same
confidences: mfrec applies 1 + alpha*r itself; implicit is fed the matrix of c values with
its alpha = 1 (implicit uses the stored value as c). Same reg, same cg_steps (3), same
threads; BLAS pinned to 1 thread for both. Training loss: ``--loss off`` times both without
it, ``--loss on`` with it (mfrec's default ``compute_loss=True`` against implicit's
``calculate_training_loss=True``), ``--loss both`` (the default) each k and solver both ways;
afterwards one numpy function computes the full implicit loss of both results.
Seconds per iteration = the median over iterations of each library's own per-iteration
time (mfrec: ``history_`` elapsed differences; implicit: the seconds its fit callback
receives, which include its loss computation), so one-off set-up (input conversion,
transposes) is not counted for either.

    python benchmarks/implicit_als.py                      # k = 32, 64, 128; 3 iterations
    python benchmarks/implicit_als.py --quick              # 1M ratings, k = 32, 64
    python benchmarks/implicit_als.py --factors 64 --solvers cg   # the speed issue's check
    python benchmarks/implicit_als.py --json benchmarks/results/implicit_als.json

``MFREC_ISA=avx2`` (or ``generic``) in the environment times mfrec's AVX2 (generic) kernels.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _meta import cpu_name

CACHE = Path(os.environ.get("MFREC_BENCH_CACHE", Path.home() / ".cache" / "mfrec-bench"))


def positives(n_users, n_items, nnz) -> sp.csr_matrix:
    """The synthetic set's r >= 4 interactions as a users x items CSR of ones (cached)."""
    path = CACHE / "implicit" / f"synthetic-{nnz}-pos.npz"
    if path.is_file():
        return sp.load_npz(path).tocsr()
    import mfrec

    data = mfrec.datasets.synthetic(n_users, n_items, nnz, random_state=0).binarize(4)
    m = data.to_csr()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    sp.save_npz(tmp, m)
    os.replace(tmp, path)
    return m


def implicit_loss(C: sp.csr_matrix, X, Y, reg) -> float:
    """Σ_all c (p − xᵀy)² + reg (‖X‖² + ‖Y‖²); c = 1, p = 0 off the stored entries.

    Uses Σ_all s² = Σ_u x_uᵀ (YᵀY) x_u, then corrects the stored pairs (float64)."""
    X = X.astype(np.float64)
    Y = Y.astype(np.float64)
    total = float(np.sum((X @ (Y.T @ Y)) * X))
    coo = C.tocoo()
    for s in range(0, coo.nnz, 1_000_000):
        r, c, v = coo.row[s:s + 1_000_000], coo.col[s:s + 1_000_000], coo.data[s:s + 1_000_000]
        dots = np.einsum("ij,ij->i", X[r], Y[c])
        total += float(np.sum(v * (1 - dots) ** 2 - dots**2))
    return total + reg * float(np.sum(X**2) + np.sum(Y**2))


def run_mfrec(R, X0, Y0, k, reg, alpha, iters, solver, threads, loss):
    import mfrec
    from mfrec._engine import LocalAls

    model = mfrec.ImplicitALS(n_factors=k, n_epochs=iters, reg=reg, alpha=alpha,
                              confidence="linear", solver=solver, cg_steps=3,
                              n_threads=threads, compute_loss=loss)

    def same_start(self, *args, **kwargs):  # both libraries start from X0, Y0
        self.X, self.Y = X0.copy(), Y0.copy()
        self.bu = np.zeros(X0.shape[0], np.float32)
        self.bi = np.zeros(Y0.shape[0], np.float32)

    orig = LocalAls.init_factors
    LocalAls.init_factors = same_start
    try:
        model.fit(R)
    finally:
        LocalAls.init_factors = orig
    ends = [h["elapsed"] for h in model.history_]
    per_iter = np.diff([0.0] + ends)
    return float(np.median(per_iter)), model.user_factors_, model.item_factors_


def run_implicit(C, X0, Y0, k, reg, iters, use_cg, threads, loss):
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    model = AlternatingLeastSquares(factors=k, regularization=reg, alpha=1.0, iterations=iters,
                                    use_cg=use_cg, num_threads=threads,
                                    calculate_training_loss=loss, random_state=0)
    model.cg_steps = 3  # an attribute, not an __init__ parameter (3 is its default)
    model.user_factors, model.item_factors = X0.copy(), Y0.copy()
    per_iter = []
    with threadpool_limits(1, "blas"):
        model.fit(C, show_progress=False, callback=lambda it, secs, loss: per_iter.append(secs))
    return float(np.median(per_iter)), model.user_factors, model.item_factors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", default="32,64,128")
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reg", type=float, default=0.01)
    ap.add_argument("--alpha", type=float, default=40.0)
    ap.add_argument("--solvers", default="cg,cholesky")
    ap.add_argument("--loss", choices=("off", "on", "both"), default="both")
    ap.add_argument("--quick", action="store_true", help="1M ratings, k = 32, 64")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    shape = (20_000, 5_000, 1_000_000) if args.quick else (200_000, 50_000, 10_000_000)
    factors = [32, 64] if args.quick else [int(f) for f in args.factors.split(",")]
    R = positives(*shape)
    C = R.copy()
    C.data = (1.0 + args.alpha * C.data).astype(np.float32)
    try:
        import implicit
        version = implicit.__version__
    except ImportError:
        version = None
    rows = []
    from mfrec import _core

    losses = {"off": [False], "on": [True], "both": [False, True]}[args.loss]
    print(f"{R.shape[0]:,} users x {R.shape[1]:,} items, {R.nnz:,} positives; "
          f"{args.iters} iterations, {args.threads} threads, reg {args.reg}, alpha {args.alpha}"
          f"; implicit {version or 'not installed'}; {cpu_name()}; mfrec ISA level "
          f"{_core.isa_level()} (MFREC_ISA={os.environ.get('MFREC_ISA', 'unset')})\n")
    print("| k | solver | training loss | mfrec s/iter | implicit s/iter | "
          "mfrec / implicit time | loss mfrec | loss implicit | rel. diff |\n"
          "|---|---|---|---|---|---|---|---|---|")
    for k in factors:
        rng = np.random.default_rng(k)
        X0 = (rng.standard_normal((R.shape[0], k)) * 0.01).astype(np.float32)
        Y0 = (rng.standard_normal((R.shape[1], k)) * 0.01).astype(np.float32)
        for solver, loss in [(s, lo) for s in args.solvers.split(",") for lo in losses]:
            t_m, Xm, Ym = run_mfrec(R, X0, Y0, k, args.reg, args.alpha, args.iters, solver,
                                    args.threads, loss)
            row = {"k": k, "solver": solver, "training_loss": loss,
                   "mfrec_s_per_iter": round(t_m, 4),
                   "loss_mfrec": implicit_loss(C, Xm, Ym, args.reg)}
            if version:
                t_i, Xi, Yi = run_implicit(C, X0, Y0, k, args.reg, args.iters, solver == "cg",
                                           args.threads, loss)
                li = implicit_loss(C, Xi, Yi, args.reg)
                row.update(implicit_s_per_iter=round(t_i, 4), ratio=round(t_m / t_i, 3),
                           loss_implicit=li,
                           rel_diff=abs(row["loss_mfrec"] - li) / abs(li))
            rows.append(row)
            print(f"| {k} | {solver} | {'on' if loss else 'off'} | "
                  f"{row['mfrec_s_per_iter']:.3f} | "
                  f"{row.get('implicit_s_per_iter', float('nan')):.3f} | "
                  f"{row.get('ratio', float('nan')):.2f} | {row['loss_mfrec']:.6g} | "
                  f"{row.get('loss_implicit', float('nan')):.6g} | "
                  f"{row.get('rel_diff', float('nan')):.1e} |", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"cpu": cpu_name(), "isa_level": _core.isa_level(),
                       "shape": list(R.shape), "nnz": int(R.nnz), "iters": args.iters,
                       "threads": args.threads, "reg": args.reg, "alpha": args.alpha,
                       "implicit_version": version, "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
