"""NMF's multiplicative updates: fit time per ISA level and thread count.

Surprise's NMF mapped — ``NMF(algorithm="mu", update_order="simultaneous", biased=False,
reg=0.06, n_epochs=50, init U(0, 1))``, the rows' plain path — at k = 15 (Surprise's
default) and k = 40; and mfrec's defaults with 50 epochs — ``NMF(n_epochs=50)``: biased,
k = 15, the general path with its bias steps. MovieLens 100K (random 80/20 split, seed 0:
80,000 training ratings), 1 and 2 threads; the median of ``--repeats`` fits. Every ISA
level this CPU supports runs in a child process with ``MFREC_ISA`` set (the portable build
picks its kernels per call). Surprise's ``NMF`` (if installed) is timed once per k on the
same split, single-threaded as it always is.

The rows take ``cpp/include/mfrec/nmf_mu_simd.hpp`` on the AVX2 and AVX-512 levels; to
compare with a build without it, run this script with that build's Python and set the
figures side by side (``benchmarks/results/nmf_mu_speed.md``).

    MFREC_DATA=../shared/data python benchmarks/nmf_mu_speed.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _meta import cpu_name

LEVELS = {4: "avx512", 3: "avx2", 0: "generic"}
KS = (15, 40)
CONFIGS = [f"{k}/{t}" for k in KS for t in (1, 2)] + ["biased/1", "biased/2"]


def _split():
    import mfrec

    data = mfrec.datasets.load_movielens("100k")
    return mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)


def measure(repeats: int) -> dict:
    """Median fit seconds per (k, threads) at the level this process runs at (the child)."""
    import mfrec
    from mfrec import _core

    train, _ = _split()
    out = {"isa_level": _core.isa_level(), "fits": {}}
    for config in CONFIGS:
        k, threads = config.split("/")
        times = []
        for _ in range(repeats):
            if k == "biased":
                model = mfrec.NMF(n_epochs=50, n_threads=int(threads), random_state=0)
            else:
                model = mfrec.NMF(algorithm="mu", update_order="simultaneous",
                                  n_factors=int(k), n_epochs=50, biased=False, reg=0.06,
                                  init_low=0.0, init_high=1.0, n_threads=int(threads),
                                  random_state=0)
            start = time.perf_counter()
            model.fit(train)
            times.append(time.perf_counter() - start)
        out["fits"][config] = statistics.median(times)
    return out


def surprise_fits() -> dict:
    """Surprise's NMF fit seconds per k on the same training ratings (empty if absent)."""
    try:
        import pandas as pd
        import surprise
    except ImportError:
        return {}
    train, _ = _split()
    df = pd.DataFrame({"u": train.user_index, "i": train.item_index,
                       "r": train.ratings.astype(float)})
    trainset = surprise.Dataset.load_from_df(
        df, surprise.Reader(rating_scale=(1, 5))).build_full_trainset()
    out = {}
    for k in KS:
        algo = surprise.NMF(n_factors=k, random_state=0)
        start = time.perf_counter()
        algo.fit(trainset)
        out[k] = time.perf_counter() - start
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--json", default=None)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.repeats)))
        return 0

    from mfrec import _core

    top = _core.cpu_isa_level()
    print(f"{cpu_name()}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f} at the start; "
          f"median of {args.repeats} fits, ms\n")
    cols = CONFIGS
    print("| ISA | " + " | ".join(
        ("defaults (biased)" if c.startswith("biased") else f"k={c.split('/')[0]}")
        + f", {c.split('/')[1]} thr" for c in cols) + " |\n|---|" + "---|" * len(cols))
    rows = []
    for level, name in LEVELS.items():
        if level > top:
            continue
        env = dict(os.environ, MFREC_ISA=name)
        res = subprocess.run([sys.executable, __file__, "--child", "--repeats",
                              str(args.repeats)], env=env, check=True, capture_output=True,
                             text=True)
        row = json.loads(res.stdout.strip().splitlines()[-1])
        row["isa"] = name
        rows.append(row)
        print(f"| {name} | " + " | ".join(f"{row['fits'][c] * 1e3:.2f}" for c in cols) + " |",
              flush=True)
    peer = surprise_fits()
    if peer:
        print("\nSurprise NMF (1 thread): " + ", ".join(f"k={k}: {s * 1e3:.0f} ms"
                                                       for k, s in peer.items()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"cpu": cpu_name(), "rows": rows, "surprise": peer}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
