"""SVDpp and NMF with Surprise's settings vs Surprise's SVDpp and NMF over several seeds, on
the rating task's splits (random 80/20, seed 0; the splits ``compare.py`` caches).

One seed of either library is one draw: the initial factors (both) and, for SVDpp, the users'
visiting orders (mfrec's; Surprise walks users in one fixed order) move the test RMSE by a few
thousandths at these settings. ``compare.py`` runs each once, at seed 0; this script prints
each seed's RMSE and the mean and standard deviation per library, so that the gap between the
two can be read against that spread. mfrec's column fits mfrec's models directly with
Surprise's settings mapped (mfrec's own initial factors):

- SVDpp: k=20, 20 epochs, constant lr 0.007, reg 0.02 (every term), init N(0, 0.1);
- NMF: multiplicative updates in Surprise's order, k=15, 50 epochs, unbiased, reg 0.06,
  init U(0, 1).

A third column runs Surprise's own code on ``mfrec.compat.surprise`` (what ``compare.py``'s
"(Surprise settings)" rows run now): the same settings, started from the initial factors
Surprise draws for the seed, so that its gap to Surprise's RMSE is the trainers' alone.

mfrec runs on ``--threads`` threads (default 1: SVDpp is then bit-reproducible per seed; NMF's
multiplicative updates are at any thread count); Surprise is single-threaded.

    MFREC_DATA=/work/shared/data python benchmarks/surprise_seeds.py \
        [--models svdpp,nmf] [--datasets ml-100k,ml-latest-small] [--seeds 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _tasks_rating  # noqa: E402
from _meta import cpu_name  # noqa: E402

import mfrec  # noqa: E402

SETTINGS = {
    "svdpp": ("SVDpp", "SVDpp", dict(n_factors=20, n_epochs=20, lr=0.007, reg=0.02,
                                     reg_implicit=0.02, init_std=0.1, lr_schedule="constant",
                                     algorithm="per_user")),
    "nmf": ("NMF", "NMF", dict(algorithm="mu", update_order="simultaneous", n_factors=15,
                               n_epochs=50, biased=False, reg=0.06, init_low=0.0,
                               init_high=1.0)),
}


def _split(name: str):
    path = _tasks_rating.split_path(name)
    if not Path(path).exists():
        _tasks_rating.prepare(name)
    z = np.load(path)
    train = (z["tr_u"], z["tr_i"], z["tr_r"])
    test = (z["te_u"], z["te_i"], z["te_r"])
    n_users, n_items = (int(v) for v in z["shape"])
    scale = tuple(float(v) for v in z["scale"])
    data = mfrec.Interactions(*train, rating_scale=scale, user_ids=np.arange(n_users),
                              item_ids=np.arange(n_items))
    return data, train, test, scale


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="svdpp,nmf")
    ap.add_argument("--datasets", default="ml-100k,ml-latest-small")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    try:
        import surprise  # noqa: F401

        from peers.surprise_peer import fit_surprise
    except ImportError:
        fit_surprise = None
    print(f"mfrec {mfrec.__version__}, {cpu_name()}, mfrec on {args.threads} thread(s), load "
          f"average {os.getloadavg()[0]:.1f} at the start"
          + ("" if fit_surprise else "; Surprise not installed"))
    for key in args.models.split(","):
        cls, peer, settings = SETTINGS[key]
        for ds in args.datasets.split(","):
            data, train, test, scale = _split(ds)
            print(f"\n{cls} on {ds} random 80/20 (seed 0), {len(train[2])} training ratings; "
                  f"mfrec {cls}({', '.join(f'{k}={v!r}' for k, v in settings.items())})")
            res = {f"mfrec {cls}": [], f"Surprise {peer}": [],
                   f"mfrec.compat.surprise {peer}": []}
            for s in range(args.seeds):
                t = time.perf_counter()
                m = getattr(mfrec, cls)(**settings, n_threads=args.threads,
                                        random_state=s).fit(data)
                fit = time.perf_counter() - t
                r = mfrec.metrics.rmse(test[2], m.predict(test[0], test[1], unknown="baseline"))
                res[f"mfrec {cls}"].append(r)
                line = f"  seed {s}: mfrec RMSE {r:.4f} (fit {fit:.3f} s)"
                if fit_surprise:
                    out = fit_surprise(peer, train, test, rating_scale=scale, random_state=s)
                    r = mfrec.metrics.rmse(test[2], out["predictions"])
                    res[f"Surprise {peer}"].append(r)
                    line += f", Surprise RMSE {r:.4f} (fit {out['fit_seconds']:.2f} s)"
                    out = _tasks_rating._fit_compat(peer, train, test, scale, args.threads, s)
                    r = mfrec.metrics.rmse(test[2], out["predictions"])
                    res[f"mfrec.compat.surprise {peer}"].append(r)
                    line += f", compat RMSE {r:.4f} (fit {out['fit_seconds']:.3f} s)"
                print(line, flush=True)
            for name, v in res.items():
                if v:
                    print(f"  {name}: mean RMSE {np.mean(v):.4f}, std "
                          f"{np.std(v, ddof=1) if len(v) > 1 else 0.0:.4f} over {len(v)} "
                          f"seeds (min {min(v):.4f}, max {max(v):.4f})")


if __name__ == "__main__":
    main()
