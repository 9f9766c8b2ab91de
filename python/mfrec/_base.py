"""The base estimator: everything shared by the models (parameters, input handling,
prediction, the epoch loop with callbacks and early stopping).

An algorithm subclass only declares its ``__init__`` parameters and produces factors and
biases in ``fit``.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import scipy.sparse as sp

from . import _core
from ._foldin import ColdStartMixin
from ._progress import progress
from ._retrieval import RetrievalMixin
from ._threads import blas_limited
from ._validation import check_choice, check_int, resolve_n_threads
from .interactions import Interactions

if TYPE_CHECKING:
    import os
    from typing import TypeAlias

    import pandas as pd
    from numpy.typing import ArrayLike, NDArray

    from ._idmap import IdMap

    # What ``fit``, ``eval_set``, ``fold_in``, ``evaluate`` and the splits accept.
    InteractionsLike: TypeAlias = "Interactions | sp.spmatrix | sp.sparray | pd.DataFrame"
    # ``callback(info)`` after every epoch; returning False stops training.
    EpochCallback: TypeAlias = "Callable[[dict[str, Any]], bool | None]"
    # ``random_state``: a seed, a SeedSequence, a Generator (used as is) or None (fresh).
    Seed: TypeAlias = "int | np.random.Generator | np.random.SeedSequence | None"

__all__ = ["Recommender", "as_interactions", "NotFittedError"]

_P = TypeVar("_P", bound="Params")


class NotFittedError(ValueError, AttributeError):
    """The model is used before ``fit``."""


def as_interactions(X: InteractionsLike, *, what: str = "X") -> Interactions:
    """Canonical :class:`Interactions` from the accepted inputs (validates once).

    Parameters
    ----------
    X : Interactions, scipy sparse matrix or array of shape (n_users, n_items), or DataFrame
        Returned as is when already an Interactions; a sparse matrix has inner ids (row and
        column indices); a DataFrame has columns ``user``, ``item``[, ``rating``[,
        ``timestamp``]].
    what : str, default "X"
        The argument's name, for the error message.

    Returns
    -------
    Interactions

    Raises
    ------
    TypeError
        ``X`` is none of the accepted types.
    """
    if isinstance(X, Interactions):
        return X
    if sp.issparse(X):
        return Interactions.from_sparse(X)
    if type(X).__name__ == "DataFrame" and hasattr(X, "columns"):
        return Interactions.from_pandas(X)
    raise TypeError(
        f"{what} must be an mfrec.Interactions, a scipy sparse matrix or a pandas DataFrame, "
        f"got {type(X).__name__}"
    )


class Params:
    """The scikit-learn parameter contract: ``__init__`` arguments are the parameters."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this object, as given to ``__init__``.

        Parameters
        ----------
        deep : bool, default True
            Accepted for scikit-learn compatibility; no parameter is itself an estimator
            whose parameters would be listed.

        Returns
        -------
        dict of str -> object
            ``{name: value}`` for every ``__init__`` parameter, values as stored.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: _P, **params: Any) -> _P:
        """Set parameters, as ``__init__`` would (no validation until ``fit``).

        Parameters
        ----------
        **params
            ``name=value`` for ``__init__`` parameters.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A name is not an ``__init__`` parameter (the message lists the valid ones).
        """
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; "
                                 f"valid: {valid}")
            setattr(self, key, value)
        return self


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

    # Whether predictions include μ + b_u + b_i (set per instance by biased models).
    _biased = True

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
    _panel_cache: dict[str, Any]

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__)
                    .parameters.values() if p.name != "self"}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not (defaults.get(k) is v or defaults.get(k) == v)]
        return f"{type(self).__name__}({', '.join(changed)})"

    # -- fitting helpers ----------------------------------------------------------------
    def _reset(self) -> None:
        for name in list(vars(self)):
            if name.endswith("_") and not name.startswith("__"):
                delattr(self, name)

    def _begin_fit(self, X: InteractionsLike) -> Interactions:
        """Validate the data and the shared parameters; forget any previous fit."""
        self._reset()
        data = as_interactions(X)
        if data.nnz == 0:
            raise ValueError(f"no training data: {data!r} has no interactions")
        self.n_threads_ = resolve_n_threads(getattr(self, "n_threads", None))
        self.user_map_ = data.user_map
        self.item_map_ = data.item_map
        self.rating_scale_ = data.rating_scale
        self.global_mean_ = float(np.mean(data.ratings, dtype=np.float64))
        self._train = data
        self._cold_users_ = data.user_counts() == 0
        self._cold_items_ = data.item_counts() == 0
        self._panel_cache = {}  # packed retrieval panels (see _retrieval.py); refit forgets
        return data

    def _finish_fit(self) -> None:
        """Known-but-cold users/items (no training rows) get zero factors and biases."""
        cold_u, cold_i = self._cold_users_, self._cold_items_
        for arr, cold in ((self.user_factors_, cold_u), (self.item_factors_, cold_i),
                          (self.user_bias_, cold_u), (self.item_bias_, cold_i)):
            arr[cold] = 0.0

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

    # -- the epoch loop (shared by every iterative model) -----------------------------------
    # The validation metric watched on ``eval_set`` (and by ``n_iter_no_change``): RMSE for
    # rating models; implicit-feedback models override it with a ranking metric.
    _val_metric = "rmse"

    def _run_epochs(self, n_epochs: int, step: Callable[[int], float], *,
                    eval_set: InteractionsLike | None = None,
                    callback: EpochCallback | None = None, loss_name: str = "loss") -> None:
        """Run ``step(epoch) -> loss`` for each epoch with callbacks and early stopping.

        After each epoch a dict ``info`` (``epoch``, ``elapsed``, ``loss`` and, with an
        ``eval_set``, ``val_<metric>``: ``val_rmse`` for rating models, ``val_ndcg@10`` for
        implicit ones) is appended to ``history_`` and passed to ``callback``; a callback
        returning ``False`` stops training. With ``n_iter_no_change`` set, training stops when
        the validation metric has not improved for that many epochs. With ``verbose``, a
        progress bar (tqdm when installed, else one line per epoch on stderr).
        BLAS pools are limited to one thread meanwhile (see ``_threads.py``).
        """
        patience = getattr(self, "n_iter_no_change", None)
        if patience is not None:
            patience = check_int(patience, "n_iter_no_change", min_value=1)
            if eval_set is None:
                raise ValueError("n_iter_no_change needs an eval_set to watch")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        val = None if eval_set is None else as_interactions(eval_set, what="eval_set")
        if val is not None and val.nnz == 0:
            raise ValueError("eval_set has no interactions")
        val_key = f"val_{self._val_metric}"
        lower_is_better = self._val_metric in ("rmse", "mae")
        self.history_ = []
        self.best_epoch_ = None
        best, since_best = np.inf, 0
        start = time.perf_counter()
        bar = progress(n_epochs, type(self).__name__,
                       enabled=bool(getattr(self, "verbose", False)), unit="epoch")
        with bar, blas_limited():
            for epoch in range(n_epochs):
                loss = step(epoch)
                info = {"epoch": epoch + 1, "elapsed": time.perf_counter() - start,
                        loss_name: loss}
                if val is not None:
                    info[val_key] = self._val_score(val)
                self.history_.append(info)
                bar.update(**{k: v for k, v in info.items() if k not in ("epoch", "elapsed")})
                if val is not None:
                    score = info[val_key] if lower_is_better else -info[val_key]
                    if score < best - 1e-7:
                        best, since_best, self.best_epoch_ = score, 0, epoch + 1
                    else:
                        since_best += 1
                if callback is not None and callback(info) is False:
                    bar.write(f"{type(self).__name__}: stopped by the callback after epoch "
                              f"{epoch + 1}")
                    break
                if patience is not None and since_best >= patience:
                    bar.write(f"{type(self).__name__}: early stop after epoch {epoch + 1}: "
                              f"{val_key} has not improved for {patience} epochs "
                              f"(best at epoch {self.best_epoch_})")
                    break

    def _val_score(self, data: Interactions) -> float:
        """The validation metric ``_val_metric`` on held-out interactions."""
        if self._val_metric == "rmse":
            return self._rmse_on(data)
        from .evaluation import evaluate  # evaluation imports this module

        return float(evaluate(self, data, metrics=[self._val_metric])[self._val_metric])

    def _rmse_on(self, data: Interactions) -> float:
        pred = self._predict_inner(*self._align(data), clip=True)
        return float(np.sqrt(np.mean((pred - data.ratings) ** 2, dtype=np.float64)))

    def _align(self, data: Interactions):
        """Inner indices of ``data``'s rows in this model's id space (-1 = no data)."""
        if data.user_map is self.user_map_ or data.user_map == self.user_map_:
            u = data.user_index.astype(np.int64)
        else:
            u = self.user_map_.to_inner(data.users, missing="ignore")
        if data.item_map is self.item_map_ or data.item_map == self.item_map_:
            i = data.item_index.astype(np.int64)
        else:
            i = self.item_map_.to_inner(data.items, missing="ignore")
        return u, i

    # -- prediction ------------------------------------------------------------------------
    def predict(self, users: ArrayLike, items: ArrayLike, *, clip: bool = True,
                unknown: str = "raise") -> NDArray[np.float32]:
        """Predicted scores of (user, item) pairs.

        Parameters
        ----------
        users, items : array-like of shape (n,)
            Raw ids when the model was fitted on ``Interactions`` or a DataFrame; inner ids
            (row / column indices) when fitted on a scipy sparse matrix.
        clip : bool, default True
            Clip to the training rating scale.
        unknown : {"raise", "baseline"}
            An id absent from the training id maps raises ``KeyError`` (naming it), or is
            predicted like a cold id (its bias and factors taken as zero).

        Returns
        -------
        ndarray of shape (n,), float32
            μ + b_u + b_i + p_uᵀq_i for biased models, p_uᵀq_i otherwise. Known-but-cold
            ids get the baseline (μ plus whatever bias is known; μ for unbiased models).

        Raises
        ------
        NotFittedError
            The model is not fitted.
        UnknownIdError
            (a ``KeyError``) with ``unknown="raise"``, an id the model does not know.
        ValueError
            ``users`` and ``items`` are not 1-D or differ in length.
        """
        self._check_fitted()
        check_choice(unknown, "unknown", ("raise", "baseline"))
        users, items = np.asarray(users), np.asarray(items)
        if users.ndim > 1 or items.ndim > 1:
            raise ValueError(
                f"users and items must be 1-D, got shapes {users.shape}, {items.shape}")
        users, items = users.reshape(-1), items.reshape(-1)
        if len(users) != len(items):
            raise ValueError(f"users and items differ in length: {len(users)} != {len(items)}")
        missing = "raise" if unknown == "raise" else "ignore"
        u = self.user_map_.to_inner(users, missing=missing)
        i = self.item_map_.to_inner(items, missing=missing)
        return self._predict_inner(u, i, clip=clip)

    def _predict_inner(self, u: np.ndarray, i: np.ndarray, *, clip: bool) -> np.ndarray:
        # Cold ids (no training rows) behave as unknown: index −1 for the kernel.
        u = np.where((u >= 0) & ~self._cold_users_[np.maximum(u, 0)], u, -1)
        i = np.where((i >= 0) & ~self._cold_items_[np.maximum(i, 0)], i, -1)
        out = np.empty(len(u), dtype=np.float32)
        lo, hi = self.rating_scale_
        _core.predict_pairs(
            np.ascontiguousarray(u, dtype=np.int64), np.ascontiguousarray(i, dtype=np.int64),
            self.user_factors_, self.item_factors_, self.user_bias_, self.item_bias_,
            self.global_mean_, self._biased, bool(clip), lo, hi, out, self.n_threads_)
        return out

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
        from . import _persist

        _persist.save(self, path)

    def __getstate__(self) -> dict[str, Any]:
        # Pickling (joblib, multiprocessing, Dask): drop the retrieval caches.
        from . import _persist

        return _persist.pickle_state(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        from . import _persist

        _persist.restore_pickle_state(self, state)
