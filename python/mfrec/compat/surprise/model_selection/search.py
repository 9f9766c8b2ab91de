"""``GridSearchCV`` and ``RandomizedSearchCV`` (Surprise's: an algorithm *class* and a grid of
its parameters, nested ``bsl_options``/``sim_options`` grids, per-measure best results).

Every parameter combination is scored on the same splits. ``n_jobs``, ``pre_dispatch`` and
``joblib_verbose`` are accepted; combinations run one after the other, each fit on every
core. Unlike Surprise (whose all-lists sampling draws from numpy's global state),
``RandomizedSearchCV(random_state=...)`` fixes the sampled combinations in every case.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from ..dataset import DatasetUserFolds
from ..utils import get_rng
from .split import get_cv
from .validation import fit_and_score

__all__ = ["GridSearchCV", "RandomizedSearchCV"]

_LOWER_IS_BETTER = ("mae", "rmse", "mse")


class BaseSearchCV:
    """What both searches share: fitting every combination on every split, and the results
    (``best_params``, ``best_score``, ``best_estimator``, ``best_index``: dicts keyed by
    measure; ``cv_results``: a dict of arrays, one entry per combination)."""

    def __init__(self, algo_class, measures=("rmse", "mae"), cv=None, refit=False,
                 return_train_measures=False, n_jobs=1, pre_dispatch="2*n_jobs",
                 joblib_verbose=0):
        if not isinstance(algo_class, type):
            raise TypeError(f"{type(self).__name__} takes an algorithm class (e.g. SVD), not "
                            f"an instance: got {algo_class!r}")
        self.algo_class = algo_class
        self.measures = [m.lower() for m in measures]
        self.cv = cv
        if isinstance(refit, str):
            if refit.lower() not in self.measures:
                raise ValueError("It looks like the measure you want to use with refit "
                                 f"({refit}) is not in the measures parameter")
            self.refit = refit.lower()
        elif refit is True:
            self.refit = self.measures[0]
        else:
            self.refit = False
        self.return_train_measures = return_train_measures
        self.n_jobs = n_jobs
        self.pre_dispatch = pre_dispatch
        self.joblib_verbose = joblib_verbose

    @staticmethod
    def _parse_options(params):
        """Nested ``sim_options``/``bsl_options`` grids → lists of option dicts."""
        for key in ("sim_options", "bsl_options"):
            if key in params:
                grid = params[key]
                params[key] = [dict(zip(grid, v)) for v in product(*grid.values())]
        return params

    def fit(self, data):
        """Score every combination on every split of ``cv`` (and refit the best one on all
        of ``data`` with ``refit``)."""
        if self.refit and isinstance(data, DatasetUserFolds):
            raise ValueError("refit cannot be used when data has been loaded with "
                             "load_from_folds().")
        cv = get_cv(self.cv)
        splits = list(cv.split(data))
        combos = self.param_combinations
        out = [fit_and_score(self.algo_class(**params), tr, te, self.measures,
                             self.return_train_measures)
               for params in combos for tr, te in splits]
        test_dicts, train_dicts, fit_times, test_times = zip(*out)
        shape = (len(combos), len(splits))
        results, best_index, best_params, best_score, best_estimator = {}, {}, {}, {}, {}
        for m in self.measures:
            test = np.asarray([d[m] for d in test_dicts]).reshape(shape)
            train = (np.asarray([d[m] for d in train_dicts]).reshape(shape)
                     if self.return_train_measures else None)
            for s in range(shape[1]):
                results[f"split{s}_test_{m}"] = test[:, s]
                if train is not None:
                    results[f"split{s}_train_{m}"] = train[:, s]
            mean = test.mean(axis=1)
            results[f"mean_test_{m}"] = mean
            results[f"std_test_{m}"] = test.std(axis=1)
            if train is not None:
                results[f"mean_train_{m}"] = train.mean(axis=1)
                results[f"std_train_{m}"] = train.std(axis=1)
            order = mean.argsort()
            rank = np.empty_like(order)
            if m in _LOWER_IS_BETTER:
                rank[order] = np.arange(len(order)) + 1
                best_index[m] = int(mean.argmin())
            else:  # fcp: higher is better
                rank[order] = np.arange(len(order), 0, -1)
                best_index[m] = int(mean.argmax())
            results[f"rank_test_{m}"] = rank
            best_params[m] = combos[best_index[m]]
            best_score[m] = mean[best_index[m]]
            best_estimator[m] = self.algo_class(**best_params[m])
        for name, times in (("fit", fit_times), ("test", test_times)):
            t = np.asarray(times).reshape(shape)
            results[f"mean_{name}_time"] = t.mean(axis=1)
            results[f"std_{name}_time"] = t.std(axis=1)
        results["params"] = combos
        for param in combos[0]:
            results["param_" + param] = [c[param] for c in combos]
        if self.refit:
            best_estimator[self.refit].fit(data.build_full_trainset())
        self.best_index = best_index
        self.best_params = best_params
        self.best_score = best_score
        self.best_estimator = best_estimator
        self.cv_results = results
        return self

    def test(self, testset, verbose=False):
        """``test`` of the refitted best estimator (needs ``refit``)."""
        if not self.refit:
            raise ValueError("refit is False, cannot use test()")
        return self.best_estimator[self.refit].test(testset, verbose)

    def predict(self, *args):
        """``predict`` of the refitted best estimator (needs ``refit``)."""
        if not self.refit:
            raise ValueError("refit is False, cannot use predict()")
        return self.best_estimator[self.refit].predict(*args)


class GridSearchCV(BaseSearchCV):
    """Every combination of ``param_grid`` (a dict of lists; ``sim_options`` and
    ``bsl_options`` may themselves be dicts of lists)."""

    def __init__(self, algo_class, param_grid, measures=("rmse", "mae"), cv=None, refit=False,
                 return_train_measures=False, n_jobs=1, pre_dispatch="2*n_jobs",
                 joblib_verbose=0):
        super().__init__(algo_class, measures, cv, refit, return_train_measures, n_jobs,
                         pre_dispatch, joblib_verbose)
        self.param_grid = self._parse_options(param_grid.copy())
        self.param_combinations = [dict(zip(self.param_grid, v))
                                   for v in product(*self.param_grid.values())]


class RandomizedSearchCV(BaseSearchCV):
    """``n_iter`` combinations sampled from ``param_distributions`` (lists, or scipy.stats
    distributions with ``rvs``)."""

    def __init__(self, algo_class, param_distributions, n_iter=10, measures=("rmse", "mae"),
                 cv=None, refit=False, return_train_measures=False, n_jobs=1,
                 pre_dispatch="2*n_jobs", random_state=None, joblib_verbose=0):
        super().__init__(algo_class, measures, cv, refit, return_train_measures, n_jobs,
                         pre_dispatch, joblib_verbose)
        self.n_iter = n_iter
        self.random_state = random_state
        self.param_distributions = self._parse_options(param_distributions.copy())
        self.param_combinations = self._sample_parameters(self.param_distributions, n_iter,
                                                          random_state)

    @staticmethod
    def _sample_parameters(param_distributions, n_iter, random_state=None):
        rng = get_rng(random_state)
        if all(not hasattr(v, "rvs") for v in param_distributions.values()):
            grid = [dict(zip(param_distributions, v))
                    for v in product(*param_distributions.values())]
            if n_iter > len(grid):
                raise ValueError(f"n_iter={n_iter} is larger than the {len(grid)} parameter "
                                 "combinations of the grid")
            return [grid[j] for j in rng.choice(len(grid), n_iter, replace=False)]
        combos = []
        for _ in range(n_iter):
            params = {}
            for k, v in sorted(param_distributions.items()):
                params[k] = v.rvs(random_state=rng) if hasattr(v, "rvs") else v[rng.randint(len(v))]
            combos.append(params)
        return combos
