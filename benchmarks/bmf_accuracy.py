"""BayesianMF's acceptance figures: test RMSE with its defaults (and FunkSVD's, for the
margin) on random 80/20 splits of MovieLens 100K and latest-small, split seeds 0–4, and the
fit time of the default run.

    MFREC_DATA=../shared/data python benchmarks/bmf_accuracy.py [--threads 2] [--params JSON]

``--params`` overrides BayesianMF's defaults (to try a setting; the acceptance run uses
none). Output: a table per data set and the means, to stdout.
"""

import argparse
import json
import os
import time

import numpy as np
from _meta import cpu_name

import mfrec


def _ndcg(model, test, kappa):
    return mfrec.evaluate(model, test, ["ndcg@10"], relevance_threshold=4,
                          risk_aversion=kappa)["ndcg@10"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--params", default="{}")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--sets", default="100k,latest-small")
    ap.add_argument("--no-funk", action="store_true")
    ap.add_argument("--ndcg", action="store_true",
                    help="also NDCG@10 (relevant: test ratings >= 4) at risk_aversion 0 and 96")
    args = ap.parse_args()
    params = json.loads(args.params)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; n_threads={args.threads}; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    print(f"BayesianMF({', '.join(f'{k}={v!r}' for k, v in params.items()) or 'defaults'}) "
          f"vs FunkSVD(defaults); random 80/20 splits, seeds {seeds}; mfrec {mfrec.__version__}")
    for name in args.sets.split(","):
        data = mfrec.datasets.load_movielens(name)
        rows = []
        for seed in seeds:
            train, test = mfrec.model_selection.train_test_split(data, 0.2, random_state=seed)
            t = time.perf_counter()
            bmf = mfrec.BayesianMF(n_threads=args.threads, random_state=0, **params).fit(train)
            fit_s = time.perf_counter() - t
            r_bmf = mfrec.metrics.rmse(test.ratings, bmf.predict(test.users, test.items,
                                                                 unknown="baseline"))
            r_funk = np.nan
            if not args.no_funk:
                funk = mfrec.FunkSVD(n_threads=args.threads, random_state=0).fit(train)
                r_funk = mfrec.metrics.rmse(test.ratings, funk.predict(test.users, test.items,
                                                                       unknown="baseline"))
            rows.append((seed, r_bmf, r_funk, fit_s))
            print(f"  ml-{name} seed {seed}: BayesianMF {r_bmf:.4f} ({fit_s:.2f} s fit), "
                  f"FunkSVD {r_funk:.4f}, load {os.getloadavg()[0]:.2f}", flush=True)
            if args.ndcg:
                models = {"BayesianMF": bmf} if args.no_funk else {"BayesianMF": bmf,
                                                                    "FunkSVD": funk}
                out = [f"{m} κ={kappa}: {_ndcg(model, test, kappa):.4f}"
                       for m, model in models.items() for kappa in (0, 96)]
                print(f"    NDCG@10 {', '.join(out)}", flush=True)
        a = np.array([r[1:] for r in rows])
        print(f"ml-{name}: mean test RMSE BayesianMF {a[:, 0].mean():.4f}, FunkSVD "
              f"{a[:, 1].mean():.4f}, margin {a[:, 1].mean() - a[:, 0].mean():.4f}; "
              f"BayesianMF fit median {np.median(a[:, 2]):.2f} s", flush=True)


if __name__ == "__main__":
    main()
