"""The base estimator: what every model shares (parameters, input handling, the fitted-state
life cycle, prediction, persistence), with retrieval and cold start from their own modules.

A model subclass declares its ``__init__`` parameters, its traits (``_get_traits``), checks
its parameters (``_check_params``) and builds a trainer for the training loop
(``_make_trainer``); its ``fit`` calls :meth:`Recommender._fit`. Everything else is here, in
``_retrieval.py`` (recommend, similar), ``_foldin.py`` (cold start), ``_scoring.py`` (the
scoring seam), ``_training.py`` (the loop) and ``_persist`` (model files). This module is a
leaf of the package's import graph below ``mfrec.models``: nothing it imports imports it.
"""

from __future__ import annotations

import inspect
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _persist, _registry
from ._engine import LocalEngine
from ._foldin import ColdStartMixin
from ._params import Params
from ._retrieval import RetrievalMixin
from ._scoring import DotScorer, Scorer, ScorerCell, Snapshot, align, predict, predict_inner
from ._training import train, val_score
from ._validation import NotFittedError, resolve_n_threads

if TYPE_CHECKING:
    import os

    from numpy.typing import ArrayLike, NDArray

    from ._engine import LocalEngine as Engine
    from ._idmap import IdMap
    from ._input import EpochCallback, InteractionsLike
    from ._training import Trainer
    from ._traits import ModelTraits
    from .interactions import Interactions

__all__ = ["Recommender", "NotFittedError"]

def _exact_threads(model) -> bool:
    """Whether the model's ``n_threads`` is an exact (positive) count."""
    n = getattr(model, "n_threads", None)
    return n is not None and n > 0


# Fitted state that is not an attribute ending in "_": private fitted attributes.
_PRIVATE_STATE = ("_train", "_cold_users_", "_cold_items_", "_biased")


class Recommender(RetrievalMixin, ColdStartMixin, Params):
    """Base class of all mfrec models (scikit-learn estimator contract).

    Fitted attributes (set by ``fit``)
    ----------------------------------
    user_factors_ : ndarray of shape (n_users, n_factors), float32
    item_factors_ : ndarray of shape (n_items, n_factors), float32
    user_bias_ : ndarray of shape (n_users,), float32 (zeros for unbiased models)
    item_bias_ : ndarray of shape (n_items,), float32
    global_mean_ : float
        Mean training rating: the baseline, and the prediction for cold or unknown ids of
        unbiased models.
    user_map_, item_map_ : IdMap
        Raw <-> inner id maps of the training data.
    rating_scale_ : tuple (lo, hi)
    history_ : list of dict
        One ``info`` dict per epoch (see ``fit``).
    n_threads_ : int
        The resolved thread count.
    """

    # Fitted state, for type checkers only: annotations create no class attributes, so an
    # unfitted model still has none of these (``_check_fitted`` relies on that).
    user_factors_: NDArray[np.float32]
    item_factors_: NDArray[np.float32]
    user_bias_: NDArray[np.float32]
    item_bias_: NDArray[np.float32]
    global_mean_: float
    user_map_: IdMap
    item_map_: IdMap
    rating_scale_: tuple[float, float]
    history_: list[dict[str, Any]]
    best_epoch_: int | None
    n_threads_: int
    _train: Interactions
    _cold_users_: NDArray[np.bool_]
    _cold_items_: NDArray[np.bool_]
    _biased: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _registry.register(cls)  # a model is in the registry by existing

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__)
                    .parameters.values() if p.name != "self"}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not (defaults.get(k) is v or defaults.get(k) == v)]
        return f"{type(self).__name__}({', '.join(changed)})"

    # -- what a model declares ----------------------------------------------------------
    def _get_traits(self) -> ModelTraits:
        """The model's :class:`~mfrec.ModelTraits` (may depend on its parameters)."""
        raise NotImplementedError(f"{type(self).__name__} declares no traits")

    def _check_params(self) -> dict[str, Any]:
        """The validated parameters (raise ValueError/TypeError naming a bad one)."""
        raise NotImplementedError

    def _make_trainer(self, data: Interactions, params: dict[str, Any], engine: Engine,
                      **fit_data: Any) -> Trainer:
        """The trainer of one fit on ``data`` (see ``_training.Trainer``). ``params`` are the
        validated parameters and ``global_mean``, μ of the training ratings (0 for implicit
        models)."""
        raise NotImplementedError

    def _upgrade_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """A fitted state read from a file an older mfrec wrote, as this one keeps it (the
        loader calls it; models whose fitted attributes grew override it)."""
        return state

    def _prepare_data(self, data: Interactions) -> Interactions:
        """The training interactions as the model sees them (implicit models drop stored
        zeros); checks the model's own requirements on the values."""
        return data

    def _make_scorer(self, state: dict[str, Any]) -> Scorer:
        """The scorer of a fitted ``state`` (the model's attributes); dot-product models
        share this one, custom scorers override it (see ``_scoring.py``)."""
        traits = self._get_traits()
        biased = bool(state["_biased"])
        mu = float(state["global_mean_"])
        return DotScorer(state["user_factors_"], state["item_factors_"],
                         state["user_bias_"] if biased else None,
                         state["item_bias_"] if biased else None,
                         offset=mu if biased else 0.0, fallback=None if biased else mu,
                         clip=traits.clip,
                         train=state["_train"] if traits.feedback == "explicit" else None)

    # -- fitting --------------------------------------------------------------------------
    def _fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None,
             callback: EpochCallback | None, engine: Engine | None = None,
             **fit_data: Any) -> Recommender:
        """Validate, build the trainer, run the training loop, publish the fitted state.

        ``engine`` (default: a :class:`LocalEngine` on ``n_threads``) turns ``X`` into the
        training data and runs the trainer (``mfrec.distributed`` passes a Dask engine)."""
        params = self._check_params()
        n_threads = resolve_n_threads(getattr(self, "n_threads", None))
        engine = engine or LocalEngine(n_threads, auto=not _exact_threads(self))
        data = engine.training_data(self, X)
        traits = self._get_traits()
        base = {
            "n_threads_": n_threads,
            "user_map_": data.user_map,
            "item_map_": data.item_map,
            "rating_scale_": data.rating_scale,
            "global_mean_": (engine.mean_rating(data) if traits.feedback == "explicit"
                             else 0.0),
            "_train": engine.kept_data(data),
            "_cold_users_": data.user_counts() == 0,
            "_cold_items_": data.item_counts() == 0,
            "_biased": bool(traits.biased),
        }
        if getattr(self, "verbose", False) and data.nnz >= 1_000_000:
            print(f"{type(self).__name__}: preparing {data.nnz:,} interactions "
                  f"({data.n_users:,} users x {data.n_items:,} items)", file=sys.stderr,
                  flush=True)
        params = {**params, "global_mean": base["global_mean_"]}
        trainer = self._make_trainer(data, params, engine, **fit_data)
        train(self, trainer, base, eval_set=eval_set, callback=callback, engine=engine)
        return self

    # -- the fitted state ---------------------------------------------------------------
    def _fitted_state(self) -> dict[str, Any]:
        """The fitted attributes (a snapshot of the dict, taken in one step)."""
        snap = dict(vars(self))
        return {k: v for k, v in snap.items()
                if (k.endswith("_") and not k.startswith("__")) or k in _PRIVATE_STATE}

    def _publish(self, state: dict[str, Any]) -> None:
        """Replace the whole fitted state by ``state`` in one step.

        Known-but-cold users/items (no training rows) get zero factors and biases, in place:
        the arrays of ``state`` are new (a trainer's), or already published with those rows
        zero (``add_users`` passes the other side's arrays on), so no reader sees a change.
        The scorer of the previous state is dropped with it.
        """
        state = dict(state)
        for key, mask in (("user", "_cold_users_"), ("item", "_cold_items_")):
            cold = state[mask]
            if cold.any():
                for attr in (f"{key}_factors_", f"{key}_bias_"):
                    state[attr][cold] = 0.0
        state["_scorer"] = ScorerCell()  # this state's own, filled on first use
        stale = [k for k in self._fitted_state() if k not in state]
        vars(self).update(state)  # one dict update: a reader sees the old state or the new
        for k in stale:
            vars(self).pop(k, None)

    def _restore_fitted_state(self, state: dict[str, Any]) -> None:
        """Put back a state taken by ``_fitted_state`` (a failed fit loses nothing)."""
        for k in [k for k in self._fitted_state() if k not in state]:
            vars(self).pop(k, None)
        vars(self).update({**state, "_scorer": ScorerCell()})

    def _snapshot(self) -> Snapshot:
        """The current fitted state, read in one step, with its scorer (built once per
        published state). Raises NotFittedError before ``fit``."""
        state = dict(vars(self))  # one step: a concurrent publish is wholly before or after
        if "user_factors_" not in state:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit first")
        cell = state.get("_scorer")
        if not isinstance(cell, ScorerCell):  # e.g. a state put back from an older pickle
            cell = state["_scorer"] = ScorerCell()
        if cell.value is None:
            cell.value = self._make_scorer(state)
        return Snapshot(state, cell.value)

    def _scoring(self) -> Scorer:
        """The scorer of the current fitted state."""
        return self._snapshot().scorer

    def _check_fitted(self) -> None:
        if not hasattr(self, "user_factors_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit first")

    @property
    def n_users(self) -> int:
        """Number of users the fitted model knows (rows of ``user_factors_``).

        Raises ``NotFittedError`` before ``fit``.
        """
        self._check_fitted()
        return len(self.user_map_)

    @property
    def n_items(self) -> int:
        """Number of items the fitted model knows (rows of ``item_factors_``).

        Raises ``NotFittedError`` before ``fit``.
        """
        self._check_fitted()
        return len(self.item_map_)

    def _val_score(self, data: Interactions) -> float:
        """The validation metric of the traits on held-out interactions (the training loop
        calls this after every epoch when there is an ``eval_set``)."""
        return val_score(self, data)

    def _align(self, data: Interactions):
        """Inner indices of ``data``'s rows in this model's id space (-1 = no data)."""
        return align(self._snapshot(), data)

    # -- prediction ------------------------------------------------------------------------
    def predict(self, users: ArrayLike, items: ArrayLike, *, clip: bool = True,
                unknown: str = "raise") -> NDArray[np.float32] | float:
        """Predicted scores of (user, item) pairs.

        Parameters
        ----------
        users, items : array-like of shape (n,), or two scalars
            Raw ids when the model was fitted on ``Interactions`` or a DataFrame; inner ids
            (row / column indices) when fitted on a scipy sparse matrix. A single pair of
            scalar ids returns a float.
        clip : bool, default True
            Clip to the training rating scale (rating models only: the scores of
            implicit-feedback models are preferences, never clipped).
        unknown : {"raise", "baseline"}
            An id absent from the training id maps raises ``KeyError`` (naming it), or is
            predicted like a cold id (its bias and factors taken as zero).

        Returns
        -------
        ndarray of shape (n,), float32, or float
            μ + b_u + b_i + p_uᵀq_i for biased models, p_uᵀq_i otherwise. Known-but-cold
            ids get the baseline (μ plus whatever bias is known; μ for unbiased models).
            A float for a pair of scalar ids.

        Raises
        ------
        NotFittedError
            The model is not fitted.
        UnknownIdError
            (a ``KeyError``) with ``unknown="raise"``, an id the model does not know.
        ValueError
            ``users`` and ``items`` are not 1-D or differ in length.
        """
        return predict(self._snapshot(), users, items, clip=clip, unknown=unknown)

    def _predict_inner(self, u: np.ndarray, i: np.ndarray, *, clip: bool) -> np.ndarray:
        return predict_inner(self._snapshot(), u, i, clip=clip)

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to ``path`` (read it back with :func:`mfrec.load`).

        The file is a versioned ``.npz`` archive that loads without pickle: the class, its
        parameters (as JSON) and every fitted array — factors, biases, id maps, the training
        interactions (the "seen" filter of ``recommend``), metadata such as titles.
        It is written to a temporary file beside ``path`` and then renamed over it, so a
        failed save leaves any previous file intact. The name is used exactly as given
        (no ``.npz`` is appended). See docs/persistence.md for what is not stored.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (replaced atomically if it exists).

        Raises
        ------
        NotFittedError
            The model is not fitted.
        TypeError
            Something cannot be stored without pickle (e.g. an id map mixing ints and
            strings); pickling the model works instead.
        """
        self._check_fitted()
        _persist.save(self, path)

    def __getstate__(self) -> dict[str, Any]:
        # Pickling (joblib, multiprocessing, Dask): drop the retrieval caches.
        return _persist.pickle_state(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        _persist.restore_pickle_state(self, state)
