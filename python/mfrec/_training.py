"""The training loop every iterative model shares, and the trainer interface it drives.

A model's ``fit`` validates its parameters and data, builds a trainer (the algorithm: its
data layout, one epoch, the fitted arrays) on an execution engine (``_engine.py``), and calls
:func:`train`. The loop, not the model, owns epochs, the validation metric on ``eval_set``,
callbacks, early stopping, the progress bar, ``history_`` and when the fitted state is
published (LensKit's trainer loop).

Publishing is atomic: the model's fitted attributes are replaced in one step, at the end of
``fit`` (and after each epoch when something looks at the model between epochs), with arrays
the trainer no longer writes to; a failed ``fit`` restores the fitted state the model had
before it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ._engine import LocalEngine
from ._progress import progress
from ._scoring import align, predict_inner
from ._threads import blas_limited
from ._validation import check_int
from .evaluation import evaluate

if TYPE_CHECKING:
    from ._base import Recommender
    from ._input import EpochCallback, InteractionsLike
    from .interactions import Interactions

__all__ = ["Trainer", "train", "val_score"]


class Trainer(Protocol):
    """One fit of one model: built with the data and parameters (``prepare``), then driven."""

    n_epochs: int

    def epoch(self, t: int) -> float:
        """Run epoch ``t`` (0-based); return the training loss (NaN when not computed).
        Raise FloatingPointError, naming the parameter to change, when training diverges."""

    def state(self, final: bool) -> dict[str, Any]:
        """The fitted attributes so far. With ``final=False`` training goes on afterwards, so
        the arrays must be copies the trainer will not write to."""

    def run_all(self) -> list[tuple[float, float]] | None:
        """Optional fast path when nothing watches the epochs: run them all at once and
        return ``[(loss, elapsed seconds), ...]``, or None to be driven epoch by epoch."""


def val_score(model: Recommender, data: Interactions) -> float:
    """The model's validation metric (its traits' ``val_metric``) on held-out ``data``."""
    metric = model._get_traits().val_metric
    if metric == "rmse":
        st = model._snapshot()
        pred = predict_inner(st, *align(st, data), clip=True)
        return float(np.sqrt(np.mean((pred - data.ratings) ** 2, dtype=np.float64)))
    return float(evaluate(model, data, metrics=[metric])[metric])


def train(model: Recommender, trainer: Trainer, base: dict[str, Any], *,
          eval_set: InteractionsLike | None = None,
          callback: EpochCallback | None = None, engine: Any = None) -> None:
    """Run ``trainer`` for its epochs and publish the fitted state on ``model``.

    After each epoch a dict ``info`` (``epoch``, ``elapsed``, ``loss`` and, with an
    ``eval_set``, ``val_<metric>``: ``val_rmse`` for rating models, ``val_ndcg@10`` for
    implicit ones) is appended to ``history_`` and passed to ``callback``; a callback
    returning ``False`` stops training. With ``n_iter_no_change`` set, training stops when the
    validation metric has not improved for that many epochs. With ``verbose``, a progress bar
    (tqdm when installed, else one line per epoch on stderr). BLAS pools are limited to one
    thread meanwhile (see ``_threads.py``). ``base`` holds the fitted attributes that do not
    come from the trainer (id maps, rating scale, training data). ``engine`` (the trainer's)
    computes the validation score (``engine.validation``; default: the model's
    ``_val_score`` on ``eval_set`` in this process).
    """
    patience = getattr(model, "n_iter_no_change", None)
    if patience is not None:
        patience = check_int(patience, "n_iter_no_change", min_value=1)
        if eval_set is None:
            raise ValueError("n_iter_no_change needs an eval_set to watch")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    val = None
    if eval_set is not None:
        val = (engine or LocalEngine(1)).validation(model, eval_set)
    metric = model._get_traits().val_metric
    verbose = bool(getattr(model, "verbose", False))
    name = type(model).__name__
    before = model._fitted_state()
    history: list[dict[str, Any]] = []
    best_epoch = None
    try:
        with blas_limited():
            run_all = getattr(trainer, "run_all", None)
            fast = None
            if val is None and callback is None and not verbose and patience is None \
                    and run_all is not None:
                fast = run_all()
            if fast is not None:
                history = [{"epoch": t + 1, "elapsed": float(seconds), "loss": float(loss)}
                           for t, (loss, seconds) in enumerate(fast)]
            else:
                best_epoch = _epochs(model, trainer, base, history, val, metric, callback,
                                     patience, verbose, name)
            model._publish({**base, **trainer.state(final=True), "history_": history,
                            "best_epoch_": best_epoch})
    except BaseException:
        model._restore_fitted_state(before)
        raise


def _epochs(model, trainer, base, history, val, metric, callback, patience, verbose, name):
    """Epoch by epoch, publishing after each when something looks at the model."""
    val_key = f"val_{metric}"
    lower_is_better = metric in ("rmse", "mae")
    best, since_best, best_epoch = np.inf, 0, None
    start = time.perf_counter()
    bar = progress(trainer.n_epochs, name, enabled=verbose, unit="epoch")
    with bar:
        for epoch in range(trainer.n_epochs):
            loss = trainer.epoch(epoch)
            info = {"epoch": epoch + 1, "elapsed": time.perf_counter() - start, "loss": loss}
            history.append(info)
            if val is not None or callback is not None:
                # the validation metric and the callback look at the model as of this epoch
                model._publish({**base, **trainer.state(final=False), "history_": history,
                                "best_epoch_": best_epoch})
            if val is not None:
                info[val_key] = val()
            bar.update(**{k: v for k, v in info.items() if k not in ("epoch", "elapsed")})
            if val is not None:
                score = info[val_key] if lower_is_better else -info[val_key]
                if score < best - 1e-7:
                    best, since_best, best_epoch = score, 0, epoch + 1
                else:
                    since_best += 1
            if callback is not None and callback(info) is False:
                bar.write(f"{name}: stopped by the callback after epoch {epoch + 1}")
                break
            if patience is not None and since_best >= patience:
                bar.write(f"{name}: early stop after epoch {epoch + 1}: {val_key} has not "
                          f"improved for {patience} epochs (best at epoch {best_epoch})")
                break
    return best_epoch
