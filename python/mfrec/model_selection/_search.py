"""Hyper-parameter search: GridSearchCV and RandomizedSearchCV (parameter spaces in
``_grid.py``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .._input import as_interactions
from .._params import Params
from .._validation import NotFittedError
from ._grid import ParameterGrid, ParameterSampler
from ._scoring import _check_scoring, _score
from ._split import _check_cv
from ._validate import _check_n_jobs, _clone, _fit_and_score_task, _run

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._base import Recommender
    from .._input import InteractionsLike, Seed
    from ._scoring import Scoring
    from ._split import CVLike



def _rank_min(means: np.ndarray) -> np.ndarray:
    """1 = best (largest); ties share the smallest rank; NaN ranks last."""
    from scipy.stats import rankdata

    keyed = np.where(np.isnan(means), -np.inf, means)
    ranks = rankdata(-keyed, method="min").astype(np.int32)
    if np.isnan(means).any():
        ranks[np.isnan(means)] = np.int32(len(means))
    return ranks


_S = TypeVar("_S", bound="_BaseSearchCV")


class _BaseSearchCV(Params):
    """Shared machinery of :class:`GridSearchCV` and :class:`RandomizedSearchCV`."""

    # Parameters set by the subclasses' ``__init__`` (declared for type checkers only).
    estimator: Recommender
    scoring: Scoring
    cv: CVLike
    refit: bool | str
    n_jobs: int | None
    verbose: bool
    return_train_score: bool

    def _candidates(self) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def _refit_metric(self, scorers: dict):
        refit = self.refit
        if isinstance(refit, str):
            if refit not in scorers:
                raise ValueError(f"refit={refit!r} is not one of the scoring names "
                                 f"{list(scorers)}")
            return refit
        if len(scorers) > 1 and refit:
            raise ValueError(f"with several scorings {list(scorers)}, refit must be the name "
                             "of the one to select the best candidate by (or False)")
        return next(iter(scorers)) if len(scorers) == 1 else None

    def fit(self: _S, data: InteractionsLike) -> _S:
        """Cross-validate every candidate on ``data``; refit the best one on all of it.

        Parameters
        ----------
        data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            The data to split into folds (and to refit the best candidate on).

        Returns
        -------
        self
            With ``cv_results_``, ``best_index_``, ``best_params_``, ``best_score_`` and
            (with ``refit``) ``best_estimator_``.

        Raises
        ------
        ValueError
            No candidates, a parameter name the estimator does not have, a bad ``refit``
            or ``scoring`` (before anything is fitted).
        """
        data = as_interactions(data, what="data")
        scorers = _check_scoring(self.scoring)
        metric = self._refit_metric(scorers)
        n_jobs = _check_n_jobs(self.n_jobs)
        candidates = [dict(c) for c in self._candidates()]
        if not candidates:
            raise ValueError("no candidate parameter settings to evaluate")
        template = _clone(self.estimator)  # also accepts a model class: its defaults
        valid = set(template.get_params(deep=False))
        bad = sorted({k for c in candidates for k in c} - valid)
        if bad:
            raise ValueError(f"invalid parameter(s) {bad} for {type(template).__name__}; "
                             f"valid: {sorted(valid)}")
        splits = _check_cv(self.cv, data)  # materialized once: every candidate sees them
        n_c, n_s = len(candidates), len(splits)
        if self.verbose:
            print(f"Fitting {n_s} folds for each of {n_c} candidates, totalling "
                  f"{n_c * n_s} fits", file=sys.stderr, flush=True)
        tasks = [(self.estimator, params, train, test, scorers, self.return_train_score,
                  f"[CV {s + 1}/{n_s}] candidate {c + 1}/{n_c} {params}:"
                  if self.verbose else None)
                 for c, params in enumerate(candidates) for s, (train, test) in enumerate(splits)]
        results = _run(tasks, n_jobs, _fit_and_score_task,
                       desc=type(self).__name__, verbose=bool(self.verbose))
        self.cv_results_ = self._format_results(candidates, scorers, results, n_s)
        self.scorer_ = scorers
        self.multimetric_ = len(scorers) > 1
        self.n_splits_ = n_s
        if metric is not None:
            self.best_index_ = int(self.cv_results_[f"rank_test_{metric}"].argmin())
            self.best_score_ = float(self.cv_results_[f"mean_test_{metric}"][self.best_index_])
            self.best_params_ = candidates[self.best_index_]
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = _clone(self.estimator, **self.best_params_).fit(data)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _format_results(self, candidates, scorers, results, n_s) -> dict:
        n_c = len(candidates)
        out = {}
        for key in ("fit_time", "score_time"):
            times = np.array([r[key] for r in results]).reshape(n_c, n_s)
            out[f"mean_{key}"] = times.mean(axis=1)
            out[f"std_{key}"] = times.std(axis=1)
        for name in sorted({k for c in candidates for k in c}):
            col = np.ma.MaskedArray(np.empty(n_c, dtype=object), mask=True)
            for i, c in enumerate(candidates):
                if name in c:
                    col[i] = c[name]
            out[f"param_{name}"] = col
        out["params"] = candidates
        parts = ("test", "train") if self.return_train_score else ("test",)
        for name in scorers:
            for part in parts:
                scores = np.array([r[part][name] for r in results]).reshape(n_c, n_s)
                for s in range(n_s):
                    out[f"split{s}_{part}_{name}"] = scores[:, s]
                out[f"mean_{part}_{name}"] = scores.mean(axis=1)
                out[f"std_{part}_{name}"] = scores.std(axis=1)
                if part == "test":
                    out[f"rank_test_{name}"] = _rank_min(out[f"mean_test_{name}"])
        return out

    # -- delegation to the refitted best model ---------------------------------------------
    def _best(self):
        if not hasattr(self, "best_estimator_"):
            raise NotFittedError(f"this {type(self).__name__} has no best_estimator_: call "
                                 "fit with refit enabled first")
        return self.best_estimator_

    def predict(self, users: ArrayLike, items: ArrayLike, **kwargs: Any,
                ) -> NDArray[np.float32]:
        """``best_estimator_.predict``: predicted scores of (user, item) pairs.

        Parameters
        ----------
        users, items : array-like of shape (n,)
            As in :meth:`mfrec.Recommender.predict`.
        **kwargs
            ``clip``, ``unknown``: as in :meth:`mfrec.Recommender.predict`.

        Returns
        -------
        ndarray of shape (n,), float32

        Raises
        ------
        NotFittedError
            Not fitted, or fitted with ``refit=False``.
        """
        return self._best().predict(users, items, **kwargs)

    def recommend(self, *args: Any, **kwargs: Any) -> tuple[np.ndarray, NDArray[np.float32]]:
        """``best_estimator_.recommend``: the best items for each user.

        Parameters
        ----------
        *args, **kwargs
            As in :meth:`mfrec.Recommender.recommend`.

        Returns
        -------
        ids : ndarray of shape (n_queries, n)
        scores : ndarray of shape (n_queries, n), float32

        Raises
        ------
        NotFittedError
            Not fitted, or fitted with ``refit=False``.
        """
        return self._best().recommend(*args, **kwargs)

    def score(self, data: InteractionsLike) -> float:
        """Score of ``best_estimator_`` on ``data`` with the refit scorer (greater is better).

        Parameters
        ----------
        data : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Held-out interactions.

        Returns
        -------
        float
            E.g. ``-rmse`` for ``scoring="neg_rmse"``.

        Raises
        ------
        NotFittedError
            Not fitted, or fitted with ``refit=False``.
        """
        best = self._best()
        scorers = _check_scoring(self.scoring)
        metric = self._refit_metric(scorers)
        data = as_interactions(data, what="data")
        return _score(best, data, {metric: scorers[metric]})[metric]

    def __repr__(self) -> str:
        p = self.get_params()
        return f"{type(self).__name__}(estimator={p['estimator']!r}, ...)"


_SEARCH_DOC = """
    scoring : str, list of str, callable or dict, default "neg_rmse"
        As in :func:`cross_validate` (greater is better).
    cv : int, splitter or iterable, default 5
        As in :func:`cross_validate`. The splits are materialized once, so every candidate
        is evaluated on the same folds (an int gives new random folds on each ``fit``).
    refit : bool or str, default True
        Refit the best candidate on all of ``data`` as ``best_estimator_``. With several
        scorings, the name of the one that ranks candidates (or False: then ``best_*``
        attributes are not set), as in scikit-learn.
    n_jobs : int or None, default None
        Fits (candidates × folds) run in a thread pool of this size, each model's
        ``n_threads`` divided among the workers; see :func:`cross_validate`.
    verbose : bool, default False
        Print one line per fit (candidate and fold).
    return_train_score : bool, default False
        Also record ``split{i}_train_<name>``, ``mean_train_<name>``, ``std_train_<name>``.
"""

_SEARCH_ATTRIBUTES = """
    Attributes
    ----------
    cv_results_ : dict of ndarrays
        ``"params"`` (list of dicts), ``"param_<name>"`` (masked object arrays: masked where
        a candidate does not set the parameter), ``"split{i}_test_<score>"``,
        ``"mean_test_<score>"``, ``"std_test_<score>"``, ``"rank_test_<score>"`` (1 = best,
        ties share the lowest rank), ``"mean_fit_time"``, ``"std_fit_time"``,
        ``"mean_score_time"``, ``"std_score_time"``. ``<score>`` is the scorer's name, even
        with a single scorer (``"mean_test_neg_rmse"``).
    best_index_ : int
        Index in ``cv_results_`` of the best candidate (first among ties).
    best_params_ : dict
    best_score_ : float
        Mean cross-validated score of the best candidate.
    best_estimator_ : model
        The best candidate refitted on all of ``data`` (when ``refit``).
    refit_time_ : float
    n_splits_ : int
    scorer_ : dict
    multimetric_ : bool
"""


class GridSearchCV(_BaseSearchCV):
    __doc__ = """Exhaustive search over a grid of parameters, by cross-validation.

    Parameters
    ----------
    estimator : mfrec model, or an mfrec model class
        Cloned (``type(estimator)(**estimator.get_params())``) for every fit; a class (as
        Surprise's ``GridSearchCV(SVD, ...)`` passes it) stands for the model with its
        defaults.
    param_grid : dict or list of dicts
        See :class:`ParameterGrid`. Unknown parameter names raise ``ValueError`` before any
        fitting.""" + _SEARCH_DOC + _SEARCH_ATTRIBUTES + """
    Examples
    --------
    >>> search = GridSearchCV(mfrec.FunkSVD(n_epochs=10),
    ...                       {"n_factors": [8, 32], "reg": [0.02, 0.1]},
    ...                       cv=KFold(3, random_state=0)).fit(data)
    >>> search.best_params_
    """

    def __init__(self, estimator: Recommender, param_grid: Mapping[str, Sequence[Any]]
                 | Sequence[Mapping[str, Sequence[Any]]], *, scoring: Scoring = "neg_rmse",
                 cv: CVLike = 5, refit: bool | str = True, n_jobs: int | None = None,
                 verbose: bool = False, return_train_score: bool = False) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.cv = cv
        self.refit = refit
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.return_train_score = return_train_score

    def _candidates(self):
        return list(ParameterGrid(self.param_grid))


class RandomizedSearchCV(_BaseSearchCV):
    __doc__ = """Search over random parameter settings, by cross-validation.

    Parameters
    ----------
    estimator : mfrec model, or an mfrec model class
        Cloned (``type(estimator)(**estimator.get_params())``) for every fit; a class (as
        Surprise's ``GridSearchCV(SVD, ...)`` passes it) stands for the model with its
        defaults.
    param_distributions : dict or list of dicts
        Lists (sampled uniformly) or distributions with ``rvs(random_state=...)`` such as
        ``scipy.stats.loguniform(1e-3, 1e-1)``; see :class:`ParameterSampler`. Unknown
        parameter names raise ``ValueError`` before any fitting.
    n_iter : int, default 10
        Number of candidates.""" + _SEARCH_DOC + """\
    random_state : int, numpy Generator, SeedSequence or None
        Seeds the sampling of candidates (not the folds: give ``cv`` its own seed).
""" + _SEARCH_ATTRIBUTES + """
    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> search = RandomizedSearchCV(mfrec.FunkSVD(), {"reg": loguniform(1e-3, 1)},
    ...                             n_iter=8, random_state=0).fit(data)
    """

    def __init__(self, estimator: Recommender,
                 param_distributions: Mapping[str, Any] | Sequence[Mapping[str, Any]], *,
                 n_iter: int = 10, scoring: Scoring = "neg_rmse", cv: CVLike = 5,
                 refit: bool | str = True, random_state: Seed = None,
                 n_jobs: int | None = None, verbose: bool = False,
                 return_train_score: bool = False) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.scoring = scoring
        self.cv = cv
        self.refit = refit
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.return_train_score = return_train_score

    def _candidates(self):
        return list(ParameterSampler(self.param_distributions, self.n_iter,
                                     random_state=self.random_state))
