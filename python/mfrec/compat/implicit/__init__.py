"""A drop-in for implicit 0.7.3: ``from mfrec.compat import implicit``.

The public API of implicit for what mfrec has — ``als.AlternatingLeastSquares``,
``bpr.BayesianPersonalizedRanking``, ``nearest_neighbours`` (``ItemItemRecommender``,
``CosineRecommender``, ``TFIDFRecommender``, ``BM25Recommender``, ``bm25_weight``,
``tfidf_weight``), ``evaluation`` (splits and ranking metrics with implicit's definitions),
``recommender_base``, ``utils`` and ``gpu.HAS_CUDA`` (False) — with mfrec's kernels underneath.
Every name and every difference from implicit is in docs/compat.md.
"""

from __future__ import annotations

import importlib

from . import als, cpu, evaluation, gpu, nearest_neighbours, recommender_base, utils

__version__ = "0.7.3"

__all__ = ["als", "cpu", "evaluation", "gpu", "nearest_neighbours", "recommender_base",
           "utils"]


def __getattr__(name: str):
    if name in ("bpr", "datasets"):  # imported on first use
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
