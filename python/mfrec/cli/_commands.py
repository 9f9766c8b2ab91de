"""The sub-commands: each takes the parsed arguments, prints, and returns an exit code."""

from __future__ import annotations

import sys
import time

import numpy as np

from .. import datasets
from .._persist import load
from .._retrieval import RATING_RISK_AVERSION
from ..evaluation import evaluate
from ._data import load_data, split
from ._models import build_model, parse_params
from ._table import render

__all__ = ["cmd_demo", "cmd_fit", "cmd_evaluate", "cmd_recommend", "cmd_similar",
           "cmd_datasets"]

RATING_METRICS = ["rmse", "mae"]
RANKING_METRICS = ["ndcg@10", "recall@10", "map@10"]

# option name -> estimator parameter (only for models that have it)
_SHORTCUTS = {"factors": "n_factors", "epochs": "n_epochs", "reg": "reg", "lr": "lr",
              "threads": "n_threads"}


def _default_metrics(model) -> list[str]:
    return RANKING_METRICS if model._get_traits().feedback == "implicit" else RATING_METRICS


def _metric_list(text: str | None, model) -> list[str]:
    if text is None:
        return _default_metrics(model)
    return [m.strip() for m in text.split(",") if m.strip()]


def _print_metrics(scores: dict, n_test: int, fmt: str, n_trained: int = 0) -> None:
    print(render(["metric", "value"], [[k, float(v)] for k, v in scores.items()], fmt))
    if fmt == "table":
        if n_trained:
            print(f"(on {n_test:,} interactions, {n_trained:,} of them in the model's training "
                  "data: not held-out)")
        else:
            print(f"(on {n_test:,} held-out interactions)")


def _in_training(model, data) -> int:
    """How many (user, item) pairs of ``data`` the model was trained on."""
    u, i = model._align(data)
    known = (u >= 0) & (i >= 0)
    train = model._train
    trained = train.user_index.astype(np.int64) * max(train.n_items, 1) + train.item_index
    keys = u[known] * max(train.n_items, 1) + i[known]
    return int(np.isin(keys, trained).sum())


def cmd_demo(args) -> int:
    from ..demo import run_demo

    run_demo(n_threads=args.threads, seed=args.seed, user=args.user, n=args.n,
             plot=args.plot)
    return 0


def cmd_fit(args) -> int:
    params = parse_params(args.param)
    for option, name in _SHORTCUTS.items():
        value = getattr(args, option)
        if value is not None:
            params[name] = value
    if args.verbose:
        params["verbose"] = True
    model = build_model(args.model, {})
    if "random_state" in model._param_names():
        params.setdefault("random_state", args.seed)
    model = build_model(args.model, params)
    data = load_data(args)
    train, test = split(data, args)
    start = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - start
    print(f"Fitted {model!r} on {train.nnz:,} interactions ({train.n_users:,} users x "
          f"{train.n_items:,} items) in {seconds:.2f} s")
    if test is not None:
        scores = evaluate(model, test, metrics=_metric_list(args.metrics, model))
        _print_metrics(scores, test.nnz, "table")
    if args.out is not None:
        model.save(args.out)
        print(f"Saved to {args.out}")
    return 0


def cmd_evaluate(args) -> int:
    model = load(args.model)
    data = load_data(args)
    _, test = split(data, args)
    if test is None:
        test = data
    n_trained = _in_training(model, test)
    if n_trained:
        print(f"mfrec evaluate: warning: {n_trained:,} of the {test.nnz:,} interactions were in "
              "the model's training data, so these scores are not held-out; pass the "
              "--test-size and --seed the model was fitted with to score its test part",
              file=sys.stderr)
    scores = evaluate(model, test, metrics=_metric_list(args.metrics, model), k=args.k)
    _print_metrics(scores, test.nnz, args.format, n_trained)
    return 0


def _coerce(idmap, values: list[str], what: str) -> np.ndarray:
    """Command-line strings as ids of the map's type (int ids stay ints)."""
    kind = idmap.ids.dtype.kind
    if kind in "iu":
        try:
            return np.array([int(v) for v in values], dtype=np.int64)
        except ValueError:
            raise ValueError(f"{what} ids of this model are integers, got {values}") from None
    if kind == "f":
        return np.array([float(v) for v in values])
    return np.array(values, dtype=object)


def _titles(model):
    train = getattr(model, "_train", None)
    titles = getattr(train, "item_titles", None)
    return titles


def _ranked_rows(model, queries, ids, scores, query_name):
    titles = _titles(model)
    rows = []
    for q, row_ids, row_scores in zip(queries, ids, scores):
        for rank, (item, score) in enumerate(zip(row_ids, row_scores), 1):
            if item is None or (isinstance(item, (int, np.integer)) and item < 0):
                continue
            title = ""
            if titles is not None:
                title = titles[int(model.item_map_.to_inner([item])[0])]
            rows.append([q.item() if hasattr(q, "item") else q, rank,
                         item.item() if hasattr(item, "item") else item, title, float(score)])
    headers = [query_name, "rank", "item", "title", "score"]
    if titles is None:
        headers.remove("title")
        rows = [r[:3] + r[4:] for r in rows]
    return headers, rows


def cmd_recommend(args) -> int:
    model = load(args.model)
    users = _coerce(model.user_map_, args.user, "user")
    risk = args.risk_aversion
    if risk is None:
        risk = RATING_RISK_AVERSION if model._get_traits().feedback == "explicit" else 0.0
    ids, scores = model.recommend(users, n=args.n, filter_seen=not args.include_seen,
                                  risk_aversion=risk)
    headers, rows = _ranked_rows(model, users, ids, scores, "user")
    print(render(headers, rows, args.format))
    return 0


def cmd_similar(args) -> int:
    model = load(args.model)
    items = _coerce(model.item_map_, args.item, "item")
    ids, scores = model.similar_items(items, n=args.n)
    headers, rows = _ranked_rows(model, items, ids, scores, "query")
    print(render(headers, rows, args.format))
    return 0


def cmd_datasets(args) -> int:
    if args.action == "list":
        rows = [[d["name"], "yes" if d["cached"] else "no", d["description"]]
                for d in datasets.list_datasets(data_home=args.data_home)]
        print(render(["name", "cached", "description"], rows, args.format))
        return 0
    for name in args.names:
        path = datasets.fetch(name, data_home=args.data_home, verbose=not args.quiet)
        print(f"{name}: {path}", file=sys.stdout)
    return 0
