"""``cross_validate`` and ``fit_and_score`` (Surprise's, same arguments and result keys).

``n_jobs`` and ``pre_dispatch`` are accepted for compatibility; the folds run one after the
other, each fit using every core through mfrec's kernels (``n_jobs`` processes of Surprise's
would each be single-threaded).
"""

from __future__ import annotations

import time

import numpy as np

from .. import accuracy
from .split import get_cv

__all__ = ["cross_validate", "fit_and_score"]


def fit_and_score(algo, trainset, testset, measures, return_train_measures=False):
    """Fit ``algo`` on ``trainset``, score it on ``testset``.

    Returns
    -------
    tuple
        ``(test measures dict, train measures dict, fit seconds, test seconds)``.
    """
    start = time.time()
    algo.fit(trainset)
    fit_time = time.time() - start
    start = time.time()
    predictions = algo.test(testset)
    test_time = time.time() - start
    train_predictions = algo.test(trainset.build_testset()) if return_train_measures else None
    test_measures, train_measures = {}, {}
    for m in measures:
        f = getattr(accuracy, m.lower())
        test_measures[m] = f(predictions, verbose=0)
        if return_train_measures:
            train_measures[m] = f(train_predictions, verbose=0)
    return test_measures, train_measures, fit_time, test_time


def cross_validate(algo, data, measures=("rmse", "mae"), cv=None, return_train_measures=False,
                   n_jobs=1, pre_dispatch="2*n_jobs", verbose=False):
    """Fit and score ``algo`` on every split of ``cv`` (None: 5-fold).

    Returns
    -------
    dict
        ``test_<measure>`` (an array over folds), ``train_<measure>`` with
        ``return_train_measures``, ``fit_time`` and ``test_time`` (tuples of seconds).
    """
    measures = [m.lower() for m in measures]
    cv = get_cv(cv)
    out = [fit_and_score(algo, tr, te, measures, return_train_measures)
           for tr, te in cv.split(data)]
    test_dicts, train_dicts, fit_times, test_times = zip(*out)
    ret, test_measures, train_measures = {}, {}, {}
    for m in measures:
        test_measures[m] = np.asarray([d[m] for d in test_dicts])
        ret["test_" + m] = test_measures[m]
        if return_train_measures:
            train_measures[m] = np.asarray([d[m] for d in train_dicts])
            ret["train_" + m] = train_measures[m]
    ret["fit_time"] = fit_times
    ret["test_time"] = test_times
    if verbose:
        _print_summary(algo, measures, test_measures, train_measures, fit_times, test_times,
                       len(fit_times))
    return ret


def _print_summary(algo, measures, test_measures, train_measures, fit_times, test_times,
                   n_splits):
    print("Evaluating {} of algorithm {} on {} split(s).".format(
        ", ".join(m.upper() for m in measures), type(algo).__name__, n_splits))
    print()
    fmt = "{:<18}" + "{:<8}" * (n_splits + 2)

    def row(label, vals, spec):
        vals = list(vals)
        return fmt.format(label, *[format(v, spec) for v in vals],
                          format(np.mean(vals), spec), format(np.std(vals), spec))

    lines = [fmt.format("", *[f"Fold {i + 1}" for i in range(n_splits)], "Mean", "Std")]
    lines += [row(k.upper() + " (testset)", v, "1.4f") for k, v in test_measures.items()]
    lines += [row(k.upper() + " (trainset)", v, "1.4f") for k, v in train_measures.items()]
    lines += [row("Fit time", fit_times, ".2f"), row("Test time", test_times, ".2f")]
    print("\n".join(lines))
