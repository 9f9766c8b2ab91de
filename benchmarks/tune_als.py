"""Choose ALS / ImplicitALS settings on a validation split; compare with implicit tuned alike.

Explicit (ALS): MovieLens 100K, random 80/20 split (seed 0). The validation split is carved
from the training part (20 %, seed 1); the grid point with the lowest validation RMSE is
refitted on the whole training part and scored once on the test part.

Implicit (ImplicitALS vs implicit's AlternatingLeastSquares): MovieLens 100K ratings >= 4
as positives, per_user_split(test_size=0.2, seed 0); validation = per_user_split of the
training part (0.2, seed 1). Both libraries search the same grid of (factors, reg, alpha)
with the same confidences (implicit is fed the matrix of 1 + alpha * r with its alpha = 1),
15 iterations, CG, 2 threads, and are scored by the same code: top-10 lists with training
items filtered, NDCG@10 from mfrec.metrics. The winner of each is refitted on the whole
training part and scored on the test part (seeds 0-4, mean ± std). mfrec's grid also
includes its ``confidence="log"`` form, which implicit lacks. The "same settings" rows score
both libraries at implicit's chosen point with linear confidence, to show they agree there.

    python benchmarks/tune_als.py > benchmarks/results/tune_als.txt
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import scipy.sparse as sp

import mfrec
from mfrec.model_selection import per_user_split, train_test_split

THREADS = 2
ALS_GRID = {"n_factors": [16, 32, 64, 128], "reg": [0.05, 0.1, 0.15, 0.2, 0.3]}
IMPLICIT_GRID = {"n_factors": [16, 32, 64], "reg": [1.0, 10.0, 30.0, 100.0],
                 "alpha": [0.5, 1.0, 5.0, 20.0]}
# mfrec also searches its confidence form; implicit has only the linear one (c = value).
CONFIDENCE = ["linear", "log"]


def rmse(model, data):
    return mfrec.metrics.rmse(data.ratings, model.predict(data.users, data.items,
                                                          unknown="baseline"))


def tune_explicit(data):
    train, test = train_test_split(data, test_size=0.2, random_state=0)
    fit_part, val = train_test_split(train, test_size=0.2, random_state=1)
    results = []
    for k, reg in itertools.product(ALS_GRID["n_factors"], ALS_GRID["reg"]):
        model = mfrec.ALS(n_factors=k, reg=reg, random_state=0, n_threads=THREADS)
        results.append((rmse(model.fit(fit_part), val), k, reg))
    results.sort()
    print("ALS validation RMSE (best 5):")
    for r, k, reg in results[:5]:
        print(f"  n_factors={k:<4} reg={reg:<5} val RMSE {r:.4f}")
    _, k, reg = results[0]
    best = mfrec.ALS(n_factors=k, reg=reg, random_state=0, n_threads=THREADS).fit(train)
    default = mfrec.ALS(random_state=0, n_threads=THREADS).fit(train)
    print(f"ALS chosen n_factors={k}, reg={reg}: test RMSE {rmse(best, test):.4f} "
          f"(defaults: {rmse(default, test):.4f})\n")


def _implicit_ndcg(model_ids, test_csr):
    return mfrec.metrics.ndcg_at_k(model_ids, test_csr, 10)


def _test_rows(train, test):
    """Users with test items, their test items (CSR rows) and their training rows."""
    t = test.to_csr()
    users = np.flatnonzero(np.diff(t.indptr) > 0)
    return users, t[users], train.to_csr()[users]


def fit_mfrec(train, k, reg, alpha, seed, confidence="linear"):
    # Fitted on the CSR (inner ids), like implicit, so both return inner item ids.
    return mfrec.ImplicitALS(n_factors=k, reg=reg, alpha=alpha, confidence=confidence,
                             random_state=seed, n_threads=THREADS).fit(train.to_csr())


def ndcg_mfrec(model, users, rel):
    ids, _ = model.recommend(users, n=10)
    return _implicit_ndcg(ids, rel)


def fit_implicit(train, k, reg, alpha, seed):
    from implicit.cpu.als import AlternatingLeastSquares

    C = train.to_csr().astype(np.float32)
    C.data = (1.0 + alpha * C.data).astype(np.float32)
    model = AlternatingLeastSquares(factors=k, regularization=reg, alpha=1.0, iterations=15,
                                    random_state=seed, num_threads=THREADS)
    model.fit(sp.csr_matrix(C), show_progress=False)
    return model


def ndcg_implicit(model, users, rel, seen):
    ids, _ = model.recommend(users, seen, N=10, filter_already_liked_items=True)
    return _implicit_ndcg(ids, rel)


def tune_implicit(data):
    from threadpoolctl import threadpool_limits

    pos = data.binarize(4)
    train, test = per_user_split(pos, test_size=0.2, random_state=0)
    fit_part, val = per_user_split(train, test_size=0.2, random_state=1)
    v_users, v_rel, v_seen = _test_rows(fit_part, val)
    t_users, t_rel, t_seen = _test_rows(train, test)
    grid = list(itertools.product(*IMPLICIT_GRID.values()))
    chosen = {}
    with threadpool_limits(1, "blas"):
        for lib in ("mfrec", "implicit"):
            scores = []
            for k, reg, alpha in grid:
                if lib == "mfrec":
                    for conf in CONFIDENCE:
                        s = ndcg_mfrec(fit_mfrec(fit_part, k, reg, alpha, 0, conf), v_users,
                                       v_rel)
                        scores.append((s, k, reg, alpha, conf))
                else:
                    s = ndcg_implicit(fit_implicit(fit_part, k, reg, alpha, 0), v_users, v_rel,
                                      v_seen)
                    scores.append((s, k, reg, alpha, "linear"))
            scores.sort(reverse=True)
            print(f"{lib} validation NDCG@10 (best 3):")
            for s, k, reg, alpha, conf in scores[:3]:
                print(f"  factors={k:<4} reg={reg:<5} alpha={alpha:<5} confidence={conf:<6} "
                      f"val NDCG@10 {s:.4f}")
            chosen[lib] = scores[0][1:]
        print()
        for lib, (k, reg, alpha, conf) in chosen.items():
            vals = []
            for seed in range(5):
                if lib == "mfrec":
                    vals.append(ndcg_mfrec(fit_mfrec(train, k, reg, alpha, seed, conf),
                                           t_users, t_rel))
                else:
                    vals.append(ndcg_implicit(fit_implicit(train, k, reg, alpha, seed),
                                              t_users, t_rel, t_seen))
            print(f"{lib:8} tuned (factors={k}, reg={reg}, alpha={alpha}, {conf}): test NDCG@10 "
                  f"{np.mean(vals):.4f} ± {np.std(vals):.4f} (5 seeds)")
        k, reg, alpha, _ = chosen["implicit"]
        for lib in ("mfrec", "implicit"):
            vals = []
            for seed in range(5):
                if lib == "mfrec":
                    vals.append(ndcg_mfrec(fit_mfrec(train, k, reg, alpha, seed), t_users,
                                           t_rel))
                else:
                    vals.append(ndcg_implicit(fit_implicit(train, k, reg, alpha, seed),
                                              t_users, t_rel, t_seen))
            print(f"{lib:8} same settings (implicit's choice, linear): test NDCG@10 "
                  f"{np.mean(vals):.4f} ± {np.std(vals):.4f}")


def main() -> int:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    data = mfrec.datasets.load_movielens("100k")
    print(f"MovieLens 100K, {THREADS} threads\n")
    tune_explicit(data)
    try:
        import implicit  # noqa: F401
    except ImportError:
        print("implicit not installed: implicit comparison skipped")
        return 0
    tune_implicit(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
