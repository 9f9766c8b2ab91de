"""Top-N for every user: mfrec's fused kernel vs implicit's recommend, on the same factors.

Both libraries get the same user/item factors (random, float32), the same seen-items CSR
(the items to filter), the same n and the same number of threads. implicit scores a batch
of users densely (BLAS) and selects per row, so it is fed ``--batch`` users per call (10k by
default); its BLAS is pinned to one thread, which is implicit's own recommendation and its
fastest setting here (measured: letting OpenBLAS use 2 threads was 2x slower). Both are
timed end to end, mfrec including the packing of the item panels.

    python benchmarks/topn.py                # 100k users x 50k items, k=64, 2 threads
    python benchmarks/topn.py --quick        # 20k x 10k
    python benchmarks/topn.py --json benchmarks/results/topn.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import scipy.sparse as sp


def make_problem(n_users, n_items, k, seen_per_user, seed=0):
    rng = np.random.default_rng(seed)
    U = (rng.standard_normal((n_users, k)) * 0.3).astype(np.float32)
    V = (rng.standard_normal((n_items, k)) * 0.3).astype(np.float32)
    nnz = n_users * seen_per_user
    rows = rng.integers(0, n_users, nnz)
    cols = np.minimum(rng.zipf(1.3, nnz) - 1, n_items - 1)  # popular items are seen more
    seen = sp.csr_matrix((np.ones(nnz, np.float32), (rows, cols)), shape=(n_users, n_items))
    seen.sum_duplicates()
    seen.data[:] = 1.0
    return U, V, seen


def _model(U, V, seen, threads):
    """An unbiased mfrec model holding the given factors, fitted on ``seen``."""
    import mfrec

    model = mfrec.FunkSVD(n_factors=U.shape[1], biased=False, n_threads=threads)
    model.fit(seen[:1, :])  # anything: the fitted state is replaced below
    train = mfrec.Interactions.from_sparse(seen)
    state = {"_train": train, "user_map_": train.user_map, "item_map_": train.item_map,
             "user_factors_": U, "item_factors_": V, "user_bias_": np.zeros(len(U), np.float32),
             "item_bias_": np.zeros(len(V), np.float32), "_cold_users_": np.zeros(len(U), bool),
             "_cold_items_": np.zeros(len(V), bool)}
    if hasattr(model, "_publish"):
        model._publish({**model._fitted_state(), **state})
    else:  # mfrec 0.1.0 (benchmarks/compare_builds.py times it beside the current build)
        vars(model).update(state, _panel_cache={})
    return model


def run_mfrec(U, V, seen, n, threads):
    model = _model(U, V, seen, threads)
    start = time.perf_counter()
    ids, _ = model.recommend(n=n)
    return time.perf_counter() - start, ids


def run_evaluate(U, V, seen, n, threads, per_user=10, seed=1):
    """evaluate() with four ranking metrics vs the bare recommend call, same model: every
    user gets ``per_user`` random unseen test items."""
    import mfrec

    model = _model(U, V, seen, threads)
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(len(U)), per_user)
    cols = rng.integers(0, len(V), len(rows))
    test = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=seen.shape)
    test.sum_duplicates()
    test = test - test.multiply(seen)  # test items are unseen
    test.eliminate_zeros()
    test.data[:] = 1.0
    start = time.perf_counter()
    model.recommend(n=n)
    t_rec = time.perf_counter() - start
    start = time.perf_counter()
    mfrec.evaluate(model, test, [f"ndcg@{n}", f"recall@{n}", f"precision@{n}", f"map@{n}"])
    return t_rec, time.perf_counter() - start


def run_implicit(U, V, seen, n, threads, batch):
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    model = AlternatingLeastSquares(factors=U.shape[1], num_threads=threads)
    model.user_factors, model.item_factors = U, V
    out = []
    with threadpool_limits(1, "blas"):
        start = time.perf_counter()
        for s in range(0, len(U), batch):
            users = np.arange(s, min(len(U), s + batch))
            ids, _ = model.recommend(users, seen[users], N=n, filter_already_liked_items=True)
            out.append(ids)
        elapsed = time.perf_counter() - start
    return elapsed, np.vstack(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=50_000)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--seen", type=int, default=100, help="seen items per user (mean)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=10_000, help="users per implicit call")
    ap.add_argument("--quick", action="store_true", help="20k users x 10k items")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if args.quick:
        args.users, args.items = 20_000, 10_000

    U, V, seen = make_problem(args.users, args.items, args.factors, args.seen)
    t_m, ids_m = run_mfrec(U, V, seen, args.n, args.threads)
    row = {"users": args.users, "items": args.items, "factors": args.factors, "n": args.n,
           "threads": args.threads, "mfrec_s": round(t_m, 3), "machine": platform.processor()
           or platform.machine()}
    try:
        import implicit

        t_i, ids_i = run_implicit(U, V, seen, args.n, args.threads, args.batch)
        row.update(implicit_version=implicit.__version__, implicit_s=round(t_i, 3),
                   speedup=round(t_i / t_m, 2), same_ids=float(np.mean(ids_i == ids_m)))
    except ImportError:
        row.update(implicit_s="skipped (not installed)")
    print(f"| users × items | k | n | threads | mfrec (s) | implicit (s) | mfrec speed-up |"
          f" same ids |\n|---|---|---|---|---|---|---|---|\n"
          f"| {args.users:,} × {args.items:,} | {args.factors} | {args.n} | {args.threads} | "
          f"{row['mfrec_s']} | {row['implicit_s']} | {row.get('speedup', '-')}× | "
          f"{row.get('same_ids', '-')} |")
    t_rec, t_eval = run_evaluate(U, V, seen, args.n, args.threads)
    row.update(evaluate_s=round(t_eval, 3), recommend_again_s=round(t_rec, 3),
               evaluate_over_recommend=round(t_eval / t_rec, 3))
    print(f"\nmfrec.evaluate (NDCG, recall, precision, MAP @{args.n}, every user has test "
          f"items): {t_eval:.3f} s vs recommend alone {t_rec:.3f} s = "
          f"{t_eval / t_rec:.2f}x")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(row, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
