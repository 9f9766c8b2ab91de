"""Does a second thread pay for the Hogwild kernels (SVDpp's per-user walk, BPR)? Their
threads update the same item rows without locks; a row one core would keep in its cache then
moves to the other core's cache whenever the other thread updated it last. This script fits
each model with ``n_threads=1`` and ``n_threads=2`` (alternating, ``--repeats`` times,
median fit seconds) on data sets from a small catalogue to a large one, and prints next to
the speedup the *hot share* of the data: the share of the ratings (positives) that land on
the most-rated items whose shared rows fit in 1 MiB (half a core's L2 here), where a second
thread mostly moves rows between the caches instead of adding memory bandwidth. (The
figures did not support a rule of threads by it: ``results/hogwild_threads.md``.)

Data: compare.py's rating splits of MovieLens 100K and latest-small (SVDpp), the implicit
task's positives of MovieLens 100K and Last.fm 2K (BPR), and 80 % of
``synthetic(200_000, n_items, nnz)`` for 2,000, 10,000 and 50,000 items (both models; BPR on
the same entries as positives). Models at their defaults but for ``n_epochs`` on the
synthetic sets (4).

    MFREC_DATA=/work/shared/data python benchmarks/hogwild_threads.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _tasks_implicit  # noqa: E402
import surprise_seeds  # noqa: E402
from _meta import cpu_name  # noqa: E402

import mfrec  # noqa: E402
from mfrec.datasets import synthetic  # noqa: E402
from mfrec.model_selection import train_test_split  # noqa: E402
from mfrec.models._sgd import padded_k  # noqa: E402

# bytes of the rows every thread updates, per item (as the models count them)
ROW_BYTES = {"SVDpp": lambda k_pad: 2 * 4 * k_pad, "BPR": lambda k_pad: 4 * k_pad + 8}
SYNTHETIC = {"synthetic 2k items": (200_000, 2_000, 4_000_000),
             "synthetic 10k items": (200_000, 10_000, 4_000_000),
             "synthetic 10M": (200_000, 50_000, 10_000_000)}


def hot_share(item_counts: np.ndarray, row_bytes: int, budget: int = 1 << 20) -> float:
    """Share of the updates landing on the most-updated items whose rows fit in ``budget``."""
    counts = np.sort(np.asarray(item_counts, dtype=np.float64))[::-1]
    n_hot = max(1, budget // row_bytes)
    return float(counts[:n_hot].sum() / counts.sum()) if counts.sum() > 0 else 0.0


def _fit_seconds(cls: str, data, n_threads: int, kw: dict) -> float:
    model = getattr(mfrec, cls)(n_threads=n_threads, random_state=0, **kw)
    t = time.perf_counter()
    model.fit(data)
    return time.perf_counter() - t


def _row(name: str, cls: str, data, kw: dict, repeats: int) -> None:
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeats):
        for nt in times:
            times[nt].append(_fit_seconds(cls, data, nt, kw))
    one, two = (statistics.median(times[nt]) for nt in (1, 2))
    k_pad = padded_k(getattr(mfrec, cls)().n_factors)
    share = hot_share(data.item_counts(), ROW_BYTES[cls](k_pad))
    print(f"| {name} | {cls} | {data.n_items:,} | {data.nnz:,} | {one:.3f} | {two:.3f} | "
          f"{one / two:.2f} | {share:.2f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"mfrec {mfrec.__version__}, {cpu_name()}, {len(os.sched_getaffinity(0))} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the start; median fit seconds of "
          f"{args.repeats} (synthetic sets: {max(2, args.repeats // 2)}), 1 and 2 threads "
          f"alternating\n")
    print("| data | model | items | ratings | 1 thread s | 2 threads s | speedup | hot share |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name in ("ml-100k", "ml-latest-small"):
        data = surprise_seeds._split(name)[0]
        _row(name, "SVDpp", data, {"algorithm": "per_user"}, args.repeats)
    for name in ("ml-100k", "lastfm-2k"):
        _tasks_implicit.prepare(name)
        train, _ = _tasks_implicit._load_split(name)
        _row(f"{name} positives", "BPR", mfrec.Interactions.from_sparse(train), {},
             args.repeats)
    for name, shape in SYNTHETIC.items():
        train, _ = train_test_split(synthetic(*shape, random_state=0), test_size=0.2,
                                    random_state=0)
        for cls in ("SVDpp", "BPR"):
            kw = {"algorithm": "per_user"} if cls == "SVDpp" else {}  # the Hogwild walk
            _row(name, cls, train, {"n_epochs": 4, **kw}, max(2, args.repeats // 2))
    print(f"\n(MFREC_DATA=... python benchmarks/hogwild_threads.py --repeats {args.repeats}; "
          f"load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
