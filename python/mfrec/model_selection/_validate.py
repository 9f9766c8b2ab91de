"""cross_validate and the fit-and-score machinery shared with the searches."""

from __future__ import annotations

import numbers
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

import numpy as np

from .._input import as_interactions
from .._progress import progress
from .._validation import resolve_n_threads
from ._scoring import _check_scoring, _score
from ._split import _check_cv

if TYPE_CHECKING:
    from .._base import Recommender
    from .._input import InteractionsLike
    from ._scoring import Scoring
    from ._split import CVLike


def _clone(estimator, **params):
    """A fresh, unfitted copy ``type(estimator)(**estimator.get_params())``, with overrides.
    An mfrec model class (``FunkSVD``, as Surprise's ``GridSearchCV(SVD, ...)`` takes it)
    stands for an instance with its defaults."""
    if isinstance(estimator, type):
        if not (hasattr(estimator, "get_params") and hasattr(estimator, "fit")):
            raise TypeError(f"estimator must be an mfrec model, e.g. FunkSVD(); got the class "
                            f"{estimator.__name__}")
        return estimator(**params)
    if not hasattr(estimator, "get_params") or not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must have get_params and fit (an mfrec model), "
                        f"got {estimator!r}")
    merged = dict(estimator.get_params(deep=False))
    merged.update(params)
    return type(estimator)(**merged)


def _check_n_jobs(n_jobs) -> int:
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be an int or None, got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs=0 is invalid: use None or 1 for serial, a positive count, "
                         "or -1 for one job per core")
    return resolve_n_threads(int(n_jobs))


def _fit_and_score(estimator, params, train, test, scorers, return_train, n_workers,
                   message=None):
    """Fit a clone with ``params`` on ``train``; score on ``test`` (and ``train``)."""
    if n_workers > 1:
        all_params = {**estimator.get_params(deep=False), **params}
        if "n_threads" in all_params:  # share the cores between the concurrent fits
            total = resolve_n_threads(all_params["n_threads"])
            params = {**params, "n_threads": max(1, total // n_workers)}
    model = _clone(estimator, **params)
    start = time.perf_counter()
    model.fit(train)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    test_scores = _score(model, test, scorers)
    score_time = time.perf_counter() - start
    out = {"model": model, "fit_time": fit_time, "score_time": score_time,
           "test": test_scores}
    if return_train:
        out["train"] = _score(model, train, scorers)
    if message is not None:
        scores = ", ".join(f"{k}={v:.4f}" for k, v in test_scores.items())
        out["message"] = f"{message} {scores} (fit {fit_time:.2f}s, score {score_time:.2f}s)"
    return out


def _run(tasks: list, n_jobs: int, fn, *, desc: str = "fits", verbose: bool = False) -> list:
    """``[fn(*task) for task in tasks]``, in threads when ``n_jobs > 1``; order kept.

    With ``verbose``: a progress bar over the tasks (tqdm when installed) and each task's
    ``message`` (if it returns one) printed as it finishes.
    """
    n_workers = min(n_jobs, len(tasks))
    with progress(len(tasks), desc, enabled=verbose, unit="fit") as bar:
        def done(result):
            if "message" in result:
                bar.write(result["message"])
            bar.update()
            return result

        if n_workers <= 1:
            return [done(fn(*task, 1)) for task in tasks]
        pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="mfrec-cv")
        try:
            futures = [pool.submit(fn, *task, n_workers) for task in tasks]
            for future in as_completed(futures):
                done(future.result())
            return [f.result() for f in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def cross_validate(model: Recommender, data: InteractionsLike, cv: CVLike = 5,
                   scoring: Scoring = "neg_rmse", *, n_jobs: int | None = None,
                   return_train_score: bool = False, return_estimator: bool = False,
                   verbose: bool = False) -> dict[str, Any]:
    """Evaluate a model by cross-validation.

    Each fold fits a fresh clone, ``type(model)(**model.get_params())``, on the training
    part and scores it on the test part; ``model`` itself is left untouched.

    Parameters
    ----------
    model : mfrec model
        Any object with ``get_params``, ``fit`` and (for the named scorers) ``predict``.
    data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
        The data to split into folds.
    cv : int, splitter or iterable, default 5
        An int k means ``KFold(k, shuffle=True, random_state=None)`` (new folds on each
        call: pass a :class:`KFold` with a ``random_state`` for reproducible folds). Also
        any object with ``split(data)`` (e.g. :class:`KFold`, :class:`ShuffleSplit`), or an
        iterable of ``(train, test)`` pairs of Interactions (or of index arrays into
        ``data``'s canonical order).
    scoring : str, list of str, callable or dict, default "neg_rmse"
        Greater is better. Names: ``"neg_rmse"``, ``"neg_mae"`` (negated
        :func:`mfrec.metrics.rmse` / ``mae`` of ``model.predict(test.users, test.items,
        unknown="baseline")``), and the ranking metrics of :func:`mfrec.evaluate`:
        ``"auc"`` and ``"<metric>@<k>"`` for ``ndcg``, ``precision``, ``recall``, ``map``,
        ``mrr``, ``hit_rate``, ``coverage``. A dict maps names to names or to callables
        ``scorer(model, test) -> float``; a lone callable is named ``"score"``.
    n_jobs : int or None, default None
        None or 1: folds run one after another (each fit uses the model's own
        ``n_threads``). ``n_jobs > 1`` (or -1 for one per core): folds run concurrently in
        a thread pool of ``w = min(n_jobs, n_folds)`` threads (the C++ kernels release
        the GIL) and each clone's ``n_threads`` is set to
        ``max(1, resolve(model.n_threads) // w)`` so that cores are not oversubscribed.
        Results are in fold order either way.
    return_train_score : bool, default False
        Also score each model on its training part.
    return_estimator : bool, default False
        Also return the fitted models (key ``"estimator"``).
    verbose : bool, default False
        Print one line per fold.

    Returns
    -------
    dict of str -> ndarray of shape (n_folds,) or list
        ``"test_<name>"`` (and ``"train_<name>"``): ndarray of shape (n_folds,), float64,
        per scorer name (the name is used even for a single scorer, unlike scikit-learn's
        ``"test_score"``); ``"fit_time"``, ``"score_time"``: ndarray of shape (n_folds,),
        seconds; ``"estimator"``: list of n_folds fitted models (``return_estimator``).

    Raises
    ------
    ValueError
        Unknown scoring names, ``cv < 2``, or ``n_jobs=0`` (before anything is fitted).

    Examples
    --------
    >>> res = cross_validate(mfrec.Baseline(), data, cv=KFold(5, random_state=0),
    ...                      scoring=["neg_rmse", "neg_mae"])
    >>> res["test_neg_rmse"].mean()
    """
    data = as_interactions(data, what="data")
    scorers = _check_scoring(scoring)
    n_jobs = _check_n_jobs(n_jobs)
    _clone(model)  # fails early on non-estimators or bad parameters
    splits = _check_cv(cv, data)
    n = len(splits)
    tasks: list[tuple[Any, ...]] = [
        (model, {}, train, test, scorers, return_train_score,
         f"[CV {i + 1}/{n}]" if verbose else None)
        for i, (train, test) in enumerate(splits)]
    results = _run(tasks, n_jobs, _fit_and_score_task, desc="cross-validation",
                   verbose=bool(verbose))
    out: dict[str, Any] = {"fit_time": np.array([r["fit_time"] for r in results]),
                           "score_time": np.array([r["score_time"] for r in results])}
    for name in scorers:
        out[f"test_{name}"] = np.array([r["test"][name] for r in results])
        if return_train_score:
            out[f"train_{name}"] = np.array([r["train"][name] for r in results])
    if return_estimator:
        out["estimator"] = [r["model"] for r in results]
    return out


def _fit_and_score_task(estimator, params, train, test, scorers, return_train, message,
                        n_workers):
    return _fit_and_score(estimator, params, train, test, scorers, return_train, n_workers,
                          message)


# =========================================================================================
# Parameter grids and samplers
# =========================================================================================
