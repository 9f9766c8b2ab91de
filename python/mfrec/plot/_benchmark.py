"""The README's benchmark chart, from ``benchmarks/compare.py``'s JSON records."""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._mpl import figure_and_axes, figure_class

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["benchmark_chart"]

# task -> (time key, x-axis label, accuracy key, accuracy label, panel title)
_TASKS = {
    "rating": ("fit_seconds", "fit time, seconds (log scale)", "rmse", "RMSE",
               "Rating prediction: fit time (test RMSE on the bars, lower is better)"),
    "implicit": ("seconds_per_iter", "seconds per ALS iteration (log scale)", "ndcg@10",
                 "NDCG@10", "Implicit feedback: time per iteration (NDCG@10 on the bars)"),
    "topn": ("seconds", "seconds (log scale)", None, None,
             "Top-N retrieval: top-10 for every user"),
}
_MAX_STATUS = 60  # characters of a skip / failure reason shown in the gap


def _load(records) -> list[dict]:
    if isinstance(records, (str, os.PathLike)):
        with open(Path(records), encoding="utf-8") as f:
            records = json.load(f)
    if isinstance(records, dict):
        if "records" not in records:
            raise ValueError("a dict of benchmark results must hold its list under 'records'; "
                             f"got keys {sorted(records)}")
        records = records["records"]
    if isinstance(records, (str, bytes)) or not hasattr(records, "__iter__"):
        raise TypeError(f"records must be a list of dicts (or a JSON file of them), got "
                        f"{type(records).__name__}")
    out = []
    for j, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise TypeError(f"record {j} must be a dict, got {type(rec).__name__}")
        missing = [k for k in ("model", "dataset") if k not in rec]
        if missing:
            raise ValueError(f"record {j} has no {missing} key(s): {rec}")
        task = rec.get("task", "rating")  # the first compare.json had rating records only
        if task not in _TASKS:
            raise ValueError(f"record {j} has unknown task {task!r}; expected one of "
                             f"{sorted(_TASKS)}")
        out.append({**rec, "task": task})
    if not out:
        raise ValueError("no benchmark records to draw")
    return out


def _time(rec: dict, j: int) -> float | None:
    """The record's time, or None for a skipped / failed record (drawn as a gap)."""
    key = _TASKS[rec["task"]][0]
    status = str(rec.get("status", "ok"))
    if status != "ok":
        return None
    value = rec.get(key)
    if not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"record {j} ({rec['model']} on {rec['dataset']}) has status 'ok' "
                         f"but {key}={value!r}: expected a positive number of seconds")
    return float(value)


def _panel(ax, records: list[tuple[int, dict]], task: str, title) -> None:
    _, xlabel, acc_key, acc_label, default_title = _TASKS[task]
    models = list(dict.fromkeys(rec["model"] for _, rec in records))
    # colour = model, per panel: matplotlib's 10 cycle colours, or tab20's 20 for more models;
    # past 10 models each bar also carries its model's name (neighbouring shades and repeated
    # colours are hard to match with the legend)
    if len(models) <= 10:
        colors = {m: f"C{j}" for j, m in enumerate(models)}
    else:
        from matplotlib import colormaps

        tab20 = colormaps["tab20"]
        colors = {m: tab20(j % 20) for j, m in enumerate(models)}
    named = len(models) > 10
    datasets = list(dict.fromkeys(rec["dataset"] for _, rec in records))
    rows, centers, y = [], [], 0.0
    for name in datasets:
        group = [(j, rec) for j, rec in records if rec["dataset"] == name]
        centers.append(y + (len(group) - 1) / 2)
        for j, rec in group:
            rows.append((y, j, rec))
            y += 1.0
        y += 0.6  # gap between data sets
    times = [_time(rec, j) for _, j, rec in rows]
    ok = [t for t in times if t is not None]
    # Log axis: bars start at the decade below the fastest time, so their length shows it.
    base = 10.0 ** math.floor(math.log10(min(ok))) if ok else 1.0
    if ok and min(ok) < 1.5 * base:  # e.g. 0.01 s: start at 0.001 so the bar shows
        base /= 10.0
    top = max(ok) if ok else 10.0 * base
    ys = np.array([r[0] for r in rows])
    widths = np.array([0.0 if t is None else t - base for t in times])
    ax.barh(ys, widths, left=base, height=0.8,
            color=[colors[rec["model"]] for _, _, rec in rows])
    for (yy, _, rec), t in zip(rows, times):
        if t is None:
            status = str(rec.get("status"))
            status = status if len(status) <= _MAX_STATUS else status[:_MAX_STATUS - 1] + "…"
            ax.annotate(f"{rec['model']}: {status}" if named else status, (base, yy),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=7,
                        fontstyle="italic", color="0.4")
            continue
        text = (f"{rec['model']}: " if named else "") + f"{t:.3g} s"
        acc = rec.get(acc_key) if acc_key else None
        if isinstance(acc, numbers.Real) and math.isfinite(acc):
            text += f"   {acc_label} {acc:.4f}"
        ax.annotate(text, (t, yy), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(base, top * (3000.0 if named else 30.0))  # room for the annotations
    ax.set_ylim(y - 0.6 + 0.2, -0.8)  # first record on top
    ax.set_yticks(centers)
    ax.set_yticklabels(datasets)
    ax.set_xlabel(xlabel)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(default_title if title is None else title, fontsize=10)
    from matplotlib.patches import Patch

    ax.legend([Patch(color=colors[m]) for m in models], models, fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)  # outside: bars stay readable


def benchmark_chart(records: Iterable[dict] | dict | str | os.PathLike, *,
                    task: str | None = None, ax: Axes | None = None,
                    title: str | None = None) -> Figure:
    """Draw benchmark timings per model and data set, with the accuracy on each bar.

    One panel per task present (or only ``task``): for each data set a group of horizontal
    bars, one per record (colour = model), whose length is the time on a log axis, annotated
    with the time and the accuracy metric. A skipped or failed record is drawn as a labelled
    gap (an empty bar with its status text, e.g. "skipped (implicit not installed)"), never
    dropped.

    Parameters
    ----------
    records : list of dict, dict with a ``"records"`` list, or path of a JSON file of them
        ``benchmarks/compare.py`` records. Common keys: ``task`` (``"rating"``,
        ``"implicit"`` or ``"topn"``; ``"rating"`` when absent, as in the first
        ``compare.json``), ``dataset``, ``model``, ``status`` (``"ok"``, the default, or a
        ``"skipped (...)"`` / ``"failed: ..."`` text), ``threads``, ``peak_rss_mb``.
        Time drawn per task: ``fit_seconds`` (rating), ``seconds_per_iter`` (implicit),
        ``seconds`` (topn); accuracy annotated: ``rmse`` (rating), ``ndcg@10`` (implicit),
        none (topn).
    task : {"rating", "implicit", "topn"}, optional
        Draw only this task.
    ax : matplotlib Axes, optional
        Draw here (only when a single task is drawn); default: a new Figure, 9 inches wide,
        its height growing with the number of records.
    title : str, optional
        Title of the panel when one task is drawn; the figure title otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per task, one bar per record (width 0 for skipped / failed records).

    Raises
    ------
    ValueError
        No records, a record without ``model``/``dataset``, an unknown task, an ``"ok"``
        record without a positive time, or ``task`` not among the records.
    TypeError
        ``records`` is not a list of dicts.

    Examples
    --------
    >>> from mfrec.plot import benchmark_chart, save_figure
    >>> fig = benchmark_chart("benchmarks/results/compare.json", task="rating")
    >>> path = save_figure(fig, "benchmarks.png", width=1200)
    """
    recs = _load(records)
    present = list(dict.fromkeys(rec["task"] for rec in recs))
    if task is not None:
        if task not in _TASKS:
            raise ValueError(f"task must be one of {sorted(_TASKS)}, got {task!r}")
        if task not in present:
            raise ValueError(f"no {task!r} records; the records hold tasks {present}")
        present = [task]
    by_task = {t: [(j, rec) for j, rec in enumerate(recs) if rec["task"] == t]
               for t in present}
    if ax is not None:
        if len(present) > 1:
            raise ValueError(f"ax given but the records hold {len(present)} tasks {present}: "
                             "pass task= to draw one, or no ax to get one panel per task")
        fig, ax = figure_and_axes(ax, (9.0, 4.0))
        axes = [ax]
    else:
        heights = [0.28 * len(by_task[t]) + 0.25 * len({r["dataset"] for _, r in by_task[t]})
                   + 1.2 for t in present]
        fig = figure_class()(figsize=(9.0, sum(heights)), layout="constrained")
        axes = fig.subplots(len(present), 1, squeeze=False,
                            gridspec_kw={"height_ratios": heights})[:, 0].tolist()
    single = len(present) == 1
    for t, a in zip(present, axes):
        _panel(a, by_task[t], t, title if single else None)
    if title is not None and not single:
        fig.suptitle(title)
    return fig
