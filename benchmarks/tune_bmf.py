"""How BayesianMF's defaults were chosen: validation RMSE over a grid of n_factors × the
noise precision α (fixed, or sampled: "auto") × the Wishart scale w0, then the number of kept
samples at the best setting, on MovieLens 100K and latest-small.

Each data set is split 80/20 (seed 0) and the training part again 80/20 (seed 1); the grid is
scored on that validation part only, never on the test part (as tune_funksvd.py does).
The burn-in is 30 sweeps throughout; one thread, random_state=0.

    MFREC_DATA=../shared/data python benchmarks/tune_bmf.py
"""

import itertools
import time

import mfrec

FACTORS = (5, 10, 20)
ALPHAS = (1.5, 2.0, "auto")
W0S = (0.5, 1.0, 3.0)
SAMPLES = (50, 100, 150, 300)
DEFAULT = (10, "auto", 1.0)  # n_factors, alpha, w0


def _splits(name):
    train, _ = mfrec.model_selection.train_test_split(mfrec.datasets.load_movielens(name), 0.2,
                                                      random_state=0)
    return mfrec.model_selection.train_test_split(train, 0.2, random_state=1)


def _score(tr, val, **kw):
    t = time.perf_counter()
    m = mfrec.BayesianMF(burn_in=30, random_state=0, n_threads=1, **kw).fit(tr)
    return mfrec.evaluate(m, val)["rmse"], time.perf_counter() - t


def main():
    sets = ("100k", "latest-small")
    excess = {}
    best_per_set = {}
    splits = {name: _splits(name) for name in sets}
    for name in sets:
        tr, val = splits[name]
        rows = []
        for k, alpha, w0 in itertools.product(FACTORS, ALPHAS, W0S):
            rmse, secs = _score(tr, val, n_factors=k, alpha=alpha, w0=w0, n_samples=150)
            rows.append((rmse, k, alpha, w0, secs))
            print(f"  ml-{name}: k={k:<3} alpha={alpha!s:<5} w0={w0:<4} val RMSE {rmse:.4f} "
                  f"({secs:.1f} s)", flush=True)
        rows.sort(key=lambda r: r[0])
        best_per_set[name] = rows[0][0]
        print(f"\nml-{name}: best 5 of {len(rows)} (validation RMSE, n_factors, alpha, w0), "
              "150 samples")
        for r in rows[:5]:
            print(f"  {r[0]:.4f}  k={r[1]:<3} alpha={r[2]!s:<5} w0={r[3]}")
        default = [r for r in rows if r[1:4] == DEFAULT][0]
        print(f"  default {DEFAULT}: {default[0]:.4f}\n", flush=True)
        for r in rows:
            excess[r[1:4]] = excess.get(r[1:4], 0.0) + (r[0] - rows[0][0]) / len(sets)
    ranked = sorted(excess.items(), key=lambda kv: kv[1])
    print("Lowest mean excess over each set's best validation RMSE (the defaults are the first):")
    for setting, ex in ranked[:5]:
        print(f"  {ex:.4f}  {setting}")
    print(f"  default {DEFAULT}: {excess[DEFAULT]:.4f}\n")
    k, alpha, w0 = DEFAULT
    print("Kept samples at the default setting (burn-in 30): validation RMSE, fit seconds")
    for name in sets:
        tr, val = splits[name]
        for s in SAMPLES:
            rmse, secs = _score(tr, val, n_factors=k, alpha=alpha, w0=w0, n_samples=s)
            print(f"  ml-{name}: n_samples={s:<4} {rmse:.4f} ({secs:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
