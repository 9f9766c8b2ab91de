"""The ``mfrec demo --plot`` figure: learning curve and item map side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._item_map import item_map
from ._learning import learning_curve
from ._mpl import figure_class

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .._base import Recommender

__all__ = ["demo_figure"]


def demo_figure(model: Recommender, *, n: int = 150, labels: bool | int = 30,
                title: str | None = None) -> Figure:
    """One figure with the model's learning curve (left) and its item map (right).

    Parameters
    ----------
    model : fitted iterative mfrec recommender
        Needs ``history_`` (e.g. FunkSVD, ALS; fitted with an ``eval_set`` the curve also
        shows ``val_rmse``) and at least two factors.
    n : int, default 150
        Items drawn in the map (the most popular).
    labels : bool or int, default 30
        Titles shown in the map (see :func:`item_map`).
    title : str, optional
        Figure title; default: the model's class name and number of factors.

    Returns
    -------
    matplotlib.figure.Figure
        14 × 6 inches, two Axes (a third, the twin y axis, when the curve needs one).

    Examples
    --------
    >>> import mfrec
    >>> from mfrec.plot import demo_figure, save_figure
    >>> train, test = mfrec.model_selection.train_test_split(mfrec.datasets.synthetic())
    >>> model = mfrec.FunkSVD(n_factors=32).fit(train, eval_set=test)
    >>> path = save_figure(demo_figure(model), "demo.png", width=1400, height=600)
    """
    fig = figure_class()(figsize=(14.0, 6.0), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.2]})
    learning_curve(model, ax=left, title="learning curve")
    item_map(model, n=n, labels=labels, ax=right)
    k = model.item_factors_.shape[1]
    fig.suptitle(f"{type(model).__name__}, {k} factors" if title is None else title)
    return fig
