"""matplotlib, imported lazily: ``import mfrec`` never needs it.

Everything here uses the object-oriented API (``matplotlib.figure.Figure``), never pyplot's
global state, so figures can be built headless and from several threads at once.
"""

from __future__ import annotations

INSTALL_HINT = 'pip install "mfrec[plot]"'


def figure_class():
    """``matplotlib.figure.Figure``, or an ImportError that says how to install matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            f"mfrec.plot needs matplotlib, which is not installed: {INSTALL_HINT}") from exc
    return Figure


def root_figure(ax):
    """The top-level Figure holding ``ax`` (walks up through SubFigures)."""
    Figure = figure_class()
    fig = ax.figure
    while not isinstance(fig, Figure):
        fig = fig.figure
    return fig


def figure_and_axes(ax, figsize: tuple[float, float]):
    """``(figure, ax)``: a new constrained-layout Figure with one Axes when ``ax`` is None."""
    Figure = figure_class()
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return root_figure(ax), ax
