"""The top-N task: top-10 for every user, mfrec's fused kernel vs implicit's ``recommend``.

The problem is benchmarks/topn.py's: random factors (float32, seed 0), about 100 seen items
per user drawn with a Zipf popularity (the items to filter), n = 10. Both libraries get the
same factors, the same seen-items CSR and the same thread budget (implicit's BLAS pinned to
one thread, 10k users per call); each repetition is timed end to end (mfrec including the
packing of its item panels, a fresh model every time) and the median is reported.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _runner import Spec, base_record

HERE = Path(__file__).resolve().parent
TASK = "topn"
N = 10
FACTORS = 64
SEEN_PER_USER = 100

# name -> (n_users, n_items)
DATASETS = {
    "random-20k×10k": (20_000, 10_000),
    "random-100k×50k": (100_000, 50_000),
}
SMALL = ("random-20k×10k",)
REPEATS = 3

MODELS = {
    "mfrec recommend": Spec("mfrec", "model.recommend(n=10) for every user (fused kernel)"),
    "implicit recommend": Spec("implicit", "AlternatingLeastSquares.recommend, 10k users per "
                               "call, BLAS 1 thread", "implicit"),
}


def describe(dataset: str) -> str:
    """The problem behind a top-N data set name, in words."""
    u, i = DATASETS[dataset]
    return (f"{u:,} users × {i:,} items, k={FACTORS}, ~{SEEN_PER_USER} seen items per user "
            f"filtered, n={N}")


def run(model: str, dataset: str, threads: int, repeats: int) -> dict:
    """Time ``repeats`` top-10 passes over every user; the record holds their median.

    Parameters
    ----------
    model, dataset : str
    threads, repeats : int

    Returns
    -------
    dict
        The record: ``seconds`` (median), ``seconds_all``, ``n_users``, ``n_items``,
        ``factors``, ``n`` besides the common keys (``peak_rss_mb`` is added by the worker).
    """
    sys.path.insert(0, str(HERE))
    import topn

    spec = MODELS[model]
    n_users, n_items = DATASETS[dataset]
    U, V, seen = topn.make_problem(n_users, n_items, FACTORS, SEEN_PER_USER)
    times = []
    for _ in range(max(1, repeats)):
        if spec.library == "mfrec":
            t, ids = topn.run_mfrec(U, V, seen, N, threads)
        else:
            t, ids = topn.run_implicit(U, V, seen, N, threads, batch=10_000)
        times.append(t)
    if ids.shape != (n_users, N):
        raise RuntimeError(f"{model} returned ids of shape {ids.shape}, "
                           f"expected {(n_users, N)}")
    rec = base_record(TASK, dataset, model, spec, threads)
    rec.update(seconds=float(np.median(times)), seconds_all=times, n_users=n_users,
               n_items=n_items, factors=FACTORS, n=N)
    return rec
