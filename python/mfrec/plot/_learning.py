"""Learning curves: training loss and validation metrics per epoch (``history_``)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._mpl import figure_and_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._base import Recommender

__all__ = ["learning_curve"]

_NOT_SERIES = ("epoch", "elapsed")
# A shared y axis must leave each group at least this fraction of its height.
_MIN_SHARE = 0.25


def _history(model_or_history) -> list[dict]:
    if isinstance(model_or_history, Sequence) and not isinstance(model_or_history, str):
        history = list(model_or_history)
        source = "the history"
    else:
        check = getattr(model_or_history, "_check_fitted", None)
        if check is not None:
            check()  # NotFittedError (a ValueError) for an unfitted model
        history = getattr(model_or_history, "history_", None)
        source = type(model_or_history).__name__
        if history is None:
            raise ValueError(f"{source} has no training history (history_): pass a fitted "
                             "iterative model or a list of per-epoch dicts")
    if len(history) == 0:
        raise ValueError(f"{source} is empty: no epochs to plot")
    for j, info in enumerate(history):
        if not isinstance(info, dict):
            raise TypeError(f"history entry {j} must be a dict, got {type(info).__name__}")
    return history


def _series(history: list[dict], metrics) -> dict[str, np.ndarray]:
    """Numeric per-epoch series (NaN where an epoch lacks the key), in first-seen order."""
    names: list[str] = []
    for info in history:
        for key, value in info.items():
            if (key not in _NOT_SERIES and key not in names and isinstance(value, numbers.Real)
                    and not isinstance(value, bool)):
                names.append(key)
    if metrics is not None:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in wanted if m not in names]
        if unknown:
            raise KeyError(f"metric(s) {unknown} not in the history; it has {names}")
        names = wanted
    out = {}
    for name in names:
        values = np.array([np.nan if info.get(name) is None else float(info[name])
                           for info in history])
        if np.isfinite(values).any():  # e.g. compute_loss=False records NaN losses
            out[name] = values
    if not out:
        raise ValueError(f"no finite values to plot among {names or 'the history keys'}")
    return out


def _needs_twin(train: list[np.ndarray], val: list[np.ndarray]) -> bool:
    """True when one shared y axis would squash the training or the validation curves."""
    if not train or not val:
        return False

    def span(arrays):
        values = np.concatenate(arrays)
        values = values[np.isfinite(values)]
        return values.min(), values.max()

    (lo_t, hi_t), (lo_v, hi_v) = span(train), span(val)
    total = max(hi_t, hi_v) - min(lo_t, lo_v)
    if total == 0:
        return False
    return min(hi_t - lo_t, hi_v - lo_v) < _MIN_SHARE * total


def learning_curve(model_or_history: Recommender | Sequence[dict], *, ax: Axes | None = None,
                   metrics: str | Sequence[str] | None = None,
                   title: str | None = None) -> Figure:
    """Plot training loss and validation metrics per epoch.

    Parameters
    ----------
    model_or_history : fitted model or list of dict
        A model fitted by an iterative algorithm (its ``history_``), or such a history
        itself: one dict per epoch, e.g. ``{"epoch": 1, "elapsed": 0.01, "loss": 0.9,
        "val_rmse": 0.95}``. Every numeric key except ``epoch`` and ``elapsed`` is a series:
        keys starting with ``val_`` are validation metrics (``val_rmse``, ``val_ndcg@10``,
        ...), the others training losses. A series with no finite value (a model fitted
        with ``compute_loss=False`` records NaN) is left out.
    ax : matplotlib Axes, optional
        Draw here; default: a new Figure of 6.4 × 4 inches.
    metrics : str or list of str, optional
        The series to draw (default: all).
    title : str, optional
        Axes title; default: "<model class> learning curve" (none for a bare history).

    Returns
    -------
    matplotlib.figure.Figure
        x = epoch, one line per series, a legend; the left y axis is labelled with the
        training loss name. When both training and validation series are drawn and one
        shared axis would squash either group (its values would span less than a quarter
        of the shared range, e.g. a loss falling from 1.2 to 0.7 next to a validation
        RMSE moving between 0.95 and 0.93), the validation metrics get a twin y axis on
        the right, labelled with the metric name; otherwise they share the left axis.

    Raises
    ------
    NotFittedError
        The model is not fitted.
    ValueError
        The history is missing or empty, or has no finite values.
    KeyError
        A requested metric is not in the history.

    Examples
    --------
    >>> import mfrec
    >>> from mfrec.plot import learning_curve, save_figure
    >>> train, test = mfrec.model_selection.train_test_split(mfrec.datasets.synthetic())
    >>> model = mfrec.FunkSVD(n_epochs=10).fit(train, eval_set=test)
    >>> fig = learning_curve(model)          # loss and val_rmse against the epoch
    >>> path = save_figure(fig, "curve.png")
    """
    history = _history(model_or_history)
    series = _series(history, metrics)
    epochs = np.array([info.get("epoch", j + 1) for j, info in enumerate(history)], dtype=float)
    train = [k for k in series if not k.startswith("val_")]
    val = [k for k in series if k.startswith("val_")]
    fig, ax = figure_and_axes(ax, (6.4, 4.0))
    from matplotlib.ticker import MaxNLocator  # after the check that matplotlib is there

    marker = "o" if len(epochs) <= 30 else None
    twin = _needs_twin([series[k] for k in train], [series[k] for k in val])
    right = ax.twinx() if twin else ax
    lines = []
    colors = iter(f"C{j}" for j in range(len(series)))
    for name in train:
        lines += ax.plot(epochs, series[name], marker=marker, color=next(colors), label=name)
    for name in val:
        lines += right.plot(epochs, series[name], marker=marker, linestyle="--",
                            color=next(colors), label=name)
    ax.set_xlabel("epoch")
    left_names = train if (twin or not val) else train + val
    ax.set_ylabel(left_names[0] if len(left_names) == 1 else " / ".join(left_names))
    if twin:
        right.set_ylabel(val[0] if len(val) == 1 else " / ".join(val))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    ax.legend(lines, [line.get_label() for line in lines], loc="best")
    if title is None and not isinstance(model_or_history, Sequence):
        title = f"{type(model_or_history).__name__} learning curve"
    if title:
        ax.set_title(title)
    return fig
