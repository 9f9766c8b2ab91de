"""Scorers for model selection (greater is better): rating errors negated, ranking
metrics through mfrec.evaluate."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .. import metrics as _metrics
from ..evaluation import evaluate

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import TypeAlias

    from .._base import Recommender
    from ..interactions import Interactions

    # ``scorer(model, test) -> float``, greater is better.
    Scorer: TypeAlias = "Callable[[Recommender, Interactions], float]"
    # A scorer name, a list of names, a lone callable or a dict of names -> names/callables.
    Scoring: TypeAlias = "str | Sequence[str] | Scorer | Mapping[str, str | Scorer] | None"

_RATING_SCORERS = {"neg_rmse": _metrics.rmse, "neg_mae": _metrics.mae}
_RANKING_PATTERN = re.compile(r"^(?:(?:ndcg|precision|recall|map|mrr|hit_rate|coverage)"
                              r"@[1-9][0-9]*|auc)$")
_SCORER_HELP = ('"neg_rmse", "neg_mae", "auc", or "<metric>@<k>" with metric in ndcg, '
                "precision, recall, map, mrr, hit_rate, coverage (e.g. \"ndcg@10\")")


class _RatingScorer:
    """``-metric(test.ratings, model.predict(test.users, test.items, unknown="baseline"))``."""

    def __init__(self, name):
        self.name = name
        self.metric = _RATING_SCORERS[name]

    def __call__(self, model, data):
        return -self.metric(data.ratings, _predict(model, data))

    def __repr__(self):
        return f"scorer({self.name!r})"


class _RankingScorer:
    """``mfrec.evaluate(model, test, metrics=[name])[name]``."""

    def __init__(self, name):
        self.name = name

    def __call__(self, model, data):
        return _evaluate(model, data, [self.name])[self.name]

    def __repr__(self):
        return f"scorer({self.name!r})"


def _predict(model, data):
    return model.predict(data.users, data.items, unknown="baseline")


def _evaluate(model, data, names):
    return evaluate(model, data, metrics=list(names))


def _named_scorer(name):
    if not isinstance(name, str):
        raise TypeError(f"scoring names must be strings, got {name!r}")
    if name in _RATING_SCORERS:
        return _RatingScorer(name)
    if _RANKING_PATTERN.match(name):
        return _RankingScorer(name)
    hint = ""
    if name in ("rmse", "mae"):
        hint = f' (scores are "greater is better": use "neg_{name}")'
    raise ValueError(f"unknown scoring {name!r}{hint}; available: {_SCORER_HELP}, "
                     "or a dict of name -> callable(model, test) -> float")


def _check_scoring(scoring) -> dict:
    """``scoring`` as an ordered dict name -> scorer(model, data) -> float."""
    if scoring is None:
        scoring = "neg_rmse"
    if isinstance(scoring, str):
        return {scoring: _named_scorer(scoring)}
    if callable(scoring):
        return {"score": scoring}
    if isinstance(scoring, Mapping):
        if not scoring:
            raise ValueError("scoring is an empty dict")
        out = {}
        for name, scorer in scoring.items():
            if not isinstance(name, str):
                raise TypeError(f"scoring dict keys must be strings, got {name!r}")
            if isinstance(scorer, str):
                scorer = _named_scorer(scorer)
            elif not callable(scorer):
                raise TypeError(f"scoring[{name!r}] must be callable(model, test) -> float, "
                                f"got {scorer!r}")
            out[name] = scorer
        return out
    if isinstance(scoring, Iterable):
        names = list(scoring)
        if not names:
            raise ValueError("scoring is an empty list")
        if len(set(names)) != len(names):
            raise ValueError(f"scoring has repeated names: {names}")
        return {name: _named_scorer(name) for name in names}
    raise TypeError(f"scoring must be a name, a list of names or a dict of callables, "
                    f"got {scoring!r}")


def _score(model, data, scorers: dict) -> dict:
    """All scores of ``model`` on ``data``; one predict and one evaluate call are shared."""
    out = {}
    pred = None
    ranking = [s.name for s in scorers.values() if isinstance(s, _RankingScorer)]
    evaluated = _evaluate(model, data, ranking) if ranking else {}
    for name, scorer in scorers.items():
        if isinstance(scorer, _RatingScorer):
            if pred is None:
                pred = _predict(model, data)
            value = -scorer.metric(data.ratings, pred)
        elif isinstance(scorer, _RankingScorer):
            value = evaluated[scorer.name]
        else:
            value = scorer(model, data)
        try:
            out[name] = float(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"scorer {name!r} returned {value!r}, not a number") from exc
    return out


# =========================================================================================
# Fitting folds (serially or in threads)
# =========================================================================================
