"""SVDpp with Surprise's settings vs Surprise's SVDpp over several seeds, on the rating
task's split (MovieLens 100K, random 80/20, seed 0; the split ``compare.py`` caches).

One seed of either is one draw: the initial factors (both) and the users' visiting orders
(mfrec's; Surprise walks users in one fixed order) move the test RMSE by a few thousandths at
these settings (k=20, 20 epochs, constant lr 0.007, reg 0.02, init N(0, 0.1)). This script
prints each seed's RMSE and the mean and standard deviation per library, so the gap between
the two can be read against that spread. mfrec runs on one thread (bit-reproducible per
seed); Surprise is single-threaded.

    MFREC_DATA=/work/shared/data python benchmarks/svdpp_surprise_seeds.py [n_seeds]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _tasks_rating  # noqa: E402
from _meta import cpu_name  # noqa: E402

import mfrec  # noqa: E402

SETTINGS = dict(n_factors=20, n_epochs=20, lr=0.007, reg=0.02, reg_implicit=0.02,
                init_std=0.1, lr_schedule="constant")


def main(n_seeds: int = 5) -> None:
    path = _tasks_rating.split_path("ml-100k")
    if not Path(path).exists():
        _tasks_rating.prepare("ml-100k")
    z = np.load(path)
    train = (z["tr_u"], z["tr_i"], z["tr_r"])
    test = (z["te_u"], z["te_i"], z["te_r"])
    n_users, n_items = (int(v) for v in z["shape"])
    scale = tuple(float(v) for v in z["scale"])
    data = mfrec.Interactions(*train, rating_scale=scale, user_ids=np.arange(n_users),
                              item_ids=np.arange(n_items))
    print(f"mfrec {mfrec.__version__}, {cpu_name()}; ml-100k random 80/20 (seed 0), "
          f"{len(train[2])} training ratings; settings {SETTINGS}")
    res = {"mfrec SVDpp (n_threads=1)": [], "Surprise SVDpp": []}
    for s in range(n_seeds):
        t = time.perf_counter()
        m = mfrec.SVDpp(**SETTINGS, n_threads=1, random_state=s).fit(data)
        fit = time.perf_counter() - t
        r = mfrec.metrics.rmse(test[2], m.predict(test[0], test[1], unknown="baseline"))
        res["mfrec SVDpp (n_threads=1)"].append(r)
        print(f"  mfrec    seed {s}: RMSE {r:.4f}  fit {fit:.3f} s", flush=True)
    try:
        import surprise  # noqa: F401

        from peers.surprise_peer import fit_surprise
    except ImportError:
        print("  Surprise: not installed")
    else:
        for s in range(n_seeds):
            out = fit_surprise("SVDpp", train, test, rating_scale=scale, random_state=s)
            r = mfrec.metrics.rmse(test[2], out["predictions"])
            res["Surprise SVDpp"].append(r)
            print(f"  Surprise seed {s}: RMSE {r:.4f}  fit {out['fit_seconds']:.1f} s",
                  flush=True)
    for name, v in res.items():
        if v:
            print(f"{name}: mean RMSE {np.mean(v):.4f}, std {np.std(v, ddof=1):.4f} over "
                  f"{len(v)} seeds (min {min(v):.4f}, max {max(v):.4f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
