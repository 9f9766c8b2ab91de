"""implicit (benfred/implicit, CPU models) as an implicit-feedback peer for the mfrec benchmarks.

Conventions this module fixes so that implicit and mfrec solve the same problem:

* Confidence. mfrec's ``ImplicitALS`` weights an observed value r by c = 1 + α·r (or
  1 + α·log(1 + r/ε)); implicit's ``AlternatingLeastSquares`` uses the stored value (times its
  own ``alpha``) *as* c. :func:`fit_als` therefore takes the matrix of c values and sets
  implicit's ``alpha=1``, exactly as benchmarks/implicit_als.py does.
* Threads. ``num_threads`` is the benchmark's thread budget; implicit's BLAS calls (YᵀY, the
  batched scoring in ``recommend``) are pinned to one thread with threadpoolctl, which is
  implicit's own advice (it warns otherwise) and its fastest setting here.
* Timing. Seconds per iteration are the median of the per-iteration times implicit passes to
  its fit callback (one-off set-up such as the transpose is not counted), the same rule the
  mfrec rows use with ``history_``. ``fit_seconds`` is the whole ``fit`` call.
* Training-loss computation is off (``calculate_training_loss=False``), as in mfrec
  (``compute_loss=False``).

BPR (``implicit.cpu.bpr.BayesianPersonalizedRanking``) ignores the values: any stored
non-zero is a positive.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp


def _csr32(m) -> sp.csr_matrix:
    m = sp.csr_matrix(m, dtype=np.float32)
    m.sort_indices()
    return m


def _fit(model, user_items) -> tuple[list[float], float]:
    from threadpoolctl import threadpool_limits

    per_iter: list[float] = []
    with threadpool_limits(1, "blas"):
        t0 = time.perf_counter()
        model.fit(user_items, show_progress=False,
                  callback=lambda it, secs, *rest: per_iter.append(float(secs)))
        fit_seconds = time.perf_counter() - t0
    return per_iter, fit_seconds


def fit_als(confidence, *, factors: int, reg: float, iterations: int, use_cg: bool,
            threads: int, cg_steps: int = 3, random_state: int = 0) -> dict:
    """Fit ``implicit.cpu.als.AlternatingLeastSquares`` on a matrix of confidences.

    Parameters
    ----------
    confidence : scipy sparse matrix of shape (n_users, n_items)
        The confidence c of every observed pair (c = 1 + α·r for mfrec's linear form);
        implicit's ``alpha`` is set to 1 so it uses these values as they are.
    factors, iterations, threads, cg_steps, random_state : int
    reg : float
        implicit's ``regularization`` (plain λ, as mfrec's ``reg_scaling="none"``).
    use_cg : bool
        Conjugate gradient (``cg_steps`` steps) or the exact Cholesky solve.

    Returns
    -------
    dict
        ``model``, ``per_iter`` (list of seconds, one per iteration), ``seconds_per_iter``
        (their median) and ``fit_seconds``.
    """
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(factors=factors, regularization=reg, alpha=1.0,
                                    iterations=iterations, use_cg=use_cg,
                                    calculate_training_loss=False, num_threads=threads,
                                    random_state=random_state)
    model.cg_steps = cg_steps  # an attribute, not an __init__ parameter (3 is its default)
    per_iter, fit_seconds = _fit(model, _csr32(confidence))
    return dict(model=model, per_iter=per_iter, seconds_per_iter=float(np.median(per_iter)),
                fit_seconds=fit_seconds)


def fit_bpr(positives, *, factors: int, iterations: int, threads: int,
            learning_rate: float = 0.01, reg: float = 0.01, random_state: int = 0) -> dict:
    """Fit ``implicit.cpu.bpr.BayesianPersonalizedRanking`` (implicit's defaults otherwise).

    Parameters
    ----------
    positives : scipy sparse matrix of shape (n_users, n_items)
        Non-zero entries are the positives; the values are ignored.
    factors, iterations, threads, random_state : int
    learning_rate, reg : float
        implicit's defaults (0.01, 0.01).

    Returns
    -------
    dict
        ``model``, ``per_iter``, ``seconds_per_iter`` (median) and ``fit_seconds``.
    """
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    model = BayesianPersonalizedRanking(factors=factors, learning_rate=learning_rate,
                                        regularization=reg, iterations=iterations,
                                        num_threads=threads, random_state=random_state)
    per_iter, fit_seconds = _fit(model, _csr32(positives))
    return dict(model=model, per_iter=per_iter, seconds_per_iter=float(np.median(per_iter)),
                fit_seconds=fit_seconds)


def recommend(model, users: np.ndarray, seen, n: int = 10,
              batch: int = 10_000) -> tuple[np.ndarray, float]:
    """Top-``n`` item ids for ``users``, their training items filtered out.

    Parameters
    ----------
    model : a fitted implicit CPU model
    users : ndarray of shape (n_eval,)
        Inner user ids (rows of ``seen``).
    seen : scipy sparse matrix of shape (n_users, n_items)
        The training matrix; row u holds the items filtered from user u's list.
    n : int
    batch : int
        Users per ``recommend`` call (implicit scores a batch densely).

    Returns
    -------
    ids : ndarray of shape (n_eval, n), int
        Best first; -1 pads rows with fewer than ``n`` candidates.
    seconds : float
        Wall time of the ``recommend`` calls.
    """
    from threadpoolctl import threadpool_limits

    seen = _csr32(seen)
    out = []
    with threadpool_limits(1, "blas"):
        t0 = time.perf_counter()
        for s in range(0, len(users), batch):
            u = np.asarray(users[s:s + batch])
            ids, _ = model.recommend(u, seen[u], N=n, filter_already_liked_items=True)
            out.append(np.asarray(ids).reshape(len(u), -1))
        seconds = time.perf_counter() - t0
    ids = np.vstack(out) if out else np.empty((0, n), dtype=np.int64)
    if ids.shape[1] < n:  # implicit returns fewer columns when fewer items are left
        ids = np.hstack([ids, np.full((len(ids), n - ids.shape[1]), -1, ids.dtype)])
    return ids, seconds


def version() -> str | None:
    """implicit's version, or None when it is not installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version("implicit")
    except PackageNotFoundError:
        return None
