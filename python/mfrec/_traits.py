"""What a model is, declared once per model: :class:`ModelTraits` (scikit-learn's tags).

A model returns its traits from ``_get_traits()``; everything that used to read private
flags reads them: the scoring seam (``_scoring.py``), fold-in, the training loop's validation
metric, the CLI's model list and default metrics, the docs' model table and the shared
contract tests. A trait that depends on a parameter (FunkSVD's ``biased``) is computed from
the parameter; the fitted model keeps what it was fitted with (``_biased``), so
``set_params`` after ``fit`` cannot change how a fitted model scores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ._base import Recommender
    from .interactions import Interactions

__all__ = ["ModelTraits"]


@dataclass(frozen=True)
class ModelTraits:
    """The declared traits of a model (read with ``model._get_traits()``).

    Parameters
    ----------
    feedback : {"explicit", "implicit"}
        Ratings to predict (predictions clipped to the rating scale, RMSE) or interaction
        strengths to rank by (scores unclipped, zeros unobserved).
    val_metric : str
        The metric watched on ``eval_set`` and by ``n_iter_no_change``: ``"rmse"``
        (lower is better) or a ranking metric such as ``"ndcg@10"`` (higher is better).
    fold_in : {"ridge", "confidence", "sample", "none"}
        How ``fold_in`` solves a new row against the fixed other side: an exact ridge
        solve of the squared error (with the bias coordinate when biased), the
        confidence-weighted system of implicit ALS, draws by the model itself
        (``_fold_in_rows``: BayesianMF samples each new row against every kept sample), or
        not at all (``NotImplementedError``).
    deterministic : bool
        A fixed ``random_state`` gives bit-identical results at any ``n_threads``.
    biased : bool, default True
        Scores include μ + b_u + b_i.
    scoring : {"dot", "custom"}, default "dot"
        ``"dot"``: score = offset + b_u + b_i + x_uᵀy_i with x_u the effective user vector,
        run by the fused kernels; ``"custom"``: the model supplies its own scorer
        (``_make_scorer``; see ``mfrec/_scoring.py``).
    non_negative : bool, default False
        Every learned factor is >= 0.
    test_variants : tuple of dict, default ({},)
        Parameter sets (small, fast) the shared contract tests fit, one test run each.
    test_instance : callable, optional
        ``test_instance(params) -> model`` for models that need more than parameters to be
        built (e.g. a blend of member models); default ``type(model)(**params)``.
    test_fit_data : callable, optional
        ``test_fit_data(X) -> dict`` of the extra ``fit`` keywords a test fit on ``X``
        needs (e.g. ``item_features``).
    """

    feedback: Literal["explicit", "implicit"]
    val_metric: str
    fold_in: Literal["ridge", "confidence", "sample", "none"]
    deterministic: bool
    biased: bool = True
    scoring: Literal["dot", "custom"] = "dot"
    non_negative: bool = False
    test_variants: tuple[Mapping[str, Any], ...] = field(default=({},))
    test_instance: Callable[[Mapping[str, Any]], Recommender] | None = None
    test_fit_data: Callable[[Interactions], Mapping[str, Any]] | None = None

    @property
    def clip(self) -> bool:
        """Predictions are ratings, clipped to the training rating scale (explicit feedback).

        Returns
        -------
        bool
        """
        return self.feedback == "explicit"
