"""A 2-D map of items in factor space, labelled with their titles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._validation import check_choice, check_int, check_random_state
from ._mpl import figure_and_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._base import Recommender

__all__ = ["item_map"]

_DEFAULT_N = 200  # points drawn when no items are given
_DEFAULT_LABELS = 40  # labels drawn with labels=True


def _check_model(model) -> np.ndarray:
    check = getattr(model, "_check_fitted", None)
    if check is None or not hasattr(type(model), "similar_items"):
        raise TypeError(f"model must be an mfrec recommender, got {type(model).__name__}")
    check()
    F = np.asarray(model.item_factors_, dtype=np.float64)
    if F.ndim != 2 or F.shape[1] < 2:
        raise ValueError(f"an item map needs at least 2 factors; item_factors_ has shape "
                         f"{F.shape}")
    return F


def _popularity(model, F: np.ndarray) -> np.ndarray:
    """Training interactions per item; the factor norm when the training data is unknown."""
    train = getattr(model, "_train", None)
    if train is not None and train.n_items == len(F):
        return train.item_counts().astype(np.float64)
    return np.linalg.norm(F, axis=1)


def _titles(model, titles, n_items: int) -> np.ndarray:
    ids = model.item_map_.ids
    out = np.array([str(v) for v in ids.tolist()], dtype=object)
    if titles is None:
        train = getattr(model, "_train", None)
        known = None if train is None else train.item_titles
        if known is not None and len(known) == n_items:
            out[:] = [str(t) for t in np.asarray(known).tolist()]
    elif isinstance(titles, dict):
        out[:] = [str(titles.get(v, v)) for v in ids.tolist()]
    else:
        titles = np.asarray(titles)
        if titles.shape != (n_items,):
            raise ValueError(f"titles must have shape ({n_items},) (one per item, in inner-id "
                             f"order) or be a dict raw id -> title; got shape {titles.shape}")
        out[:] = [str(t) for t in titles.tolist()]
    return out


def _inner(model, ids, what: str) -> np.ndarray:
    arr = np.asarray(ids)
    arr = arr.reshape(-1) if arr.ndim == 0 else arr
    if arr.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {arr.shape}")
    inner = model.item_map_.to_inner(arr, missing="raise")  # UnknownIdError names the id
    _, first = np.unique(inner, return_index=True)
    return inner[np.sort(first)]


def _select(model, warm, popularity, items, n) -> np.ndarray:
    """Inner ids to draw: the given items (cold ones left out) or the most popular."""
    if items is None:
        order = np.argsort(-popularity, kind="stable")
        chosen = order[warm[order]]
        return chosen[:_DEFAULT_N if n is None else n]
    requested = _inner(model, items, "items")
    if requested.size == 0:
        raise ValueError("items is empty: nothing to draw")
    chosen = requested[warm[requested]]
    if chosen.size == 0:
        raise ValueError(f"all {requested.size} requested items are cold (no training data, "
                         "no factors): nothing to draw")
    if n is not None and n < chosen.size:
        keep = np.argsort(-popularity[chosen], kind="stable")[:n]
        chosen = chosen[np.sort(keep)]
    return chosen


def _unit(F: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(F, axis=1, keepdims=True)
    return F / np.where(norms > 0, norms, 1.0)


def _project(F, warm, drawn, method, normalize, rng):
    """2-D coordinates of ``drawn`` and the two axis labels."""
    if F.shape[1] == 2:
        return F[drawn], ("factor 1", "factor 2")
    X = _unit(F) if normalize else F
    if method == "random":
        Q, _ = np.linalg.qr(rng.standard_normal((F.shape[1], 2)))
        return X[drawn] @ Q, ("random direction 1", "random direction 2")
    fit = X[warm]
    if len(fit) < 2:
        raise ValueError(f"PCA needs at least 2 items with factors, the model has {len(fit)}")
    mean = fit.mean(axis=0)
    _, s, vt = np.linalg.svd(fit - mean, full_matrices=False)
    vt = vt[:2]
    # Deterministic signs: each component's largest loading is positive (as scikit-learn).
    vt = vt * np.where(vt[np.arange(2), np.argmax(np.abs(vt), axis=1)] < 0, -1.0, 1.0)[:, None]
    share = 100.0 * s[:2] ** 2 / max(float(np.sum(s ** 2)), np.finfo(float).tiny)
    labels = tuple(f"PC {j + 1} ({share[j]:.0f}% of variance)" for j in range(2))
    return (X[drawn] - mean) @ vt.T, labels


def item_map(model: Recommender, *, items: Sequence | np.ndarray | None = None,
             n: int | None = None, labels: bool | int = True, method: str = "pca",
             highlight: Sequence | np.ndarray | None = None, ax: Axes | None = None,
             random_state: int | np.random.Generator | None = 0,
             titles: Sequence[str] | np.ndarray | dict | None = None,
             normalize: bool = True) -> Figure:
    """Draw items as points in a 2-D map of the factor space, labelled with their titles.

    With two factors the map is the item factors themselves. With more, the factors are
    first scaled to unit length (``normalize=True``): ``similar_items`` ranks by cosine,
    i.e. by the angle between factors, and unit vectors that are close in angle are close
    in space, so the 2-D projection keeps similar items together (a projection never
    moves two points apart) and a popular item's long factor cannot push it away from the
    items it resembles. The projection is then PCA (``method="pca"``: the two leading
    principal components of the centred unit factors of every item with factors, by numpy
    SVD; component signs fixed so the largest loading is positive) or a random
    orthonormal pair of directions (``method="random"``, seeded by ``random_state``).

    Parameters
    ----------
    model : fitted mfrec recommender
        Its ``item_factors_`` (ndarray of shape (n_items, n_factors), n_factors >= 2).
    items : array-like of shape (n_requested,), optional
        Raw item ids to draw (inner ids for a model fitted on a sparse matrix), in this
        order; repeats are drawn once and cold items (no training data, zero factors:
        no direction) are left out. Default: the most popular items.
    n : int, optional
        Draw at most this many items: the ``n`` most popular (most training interactions;
        the largest factor norm when the model has no training data attached). Default
        200 when ``items`` is None, every given item otherwise.
    labels : bool or int, default True
        Annotate the 40 (or ``labels``) most popular drawn items with their titles;
        False for none.
    method : {"pca", "random"}, default "pca"
        The projection for more than two factors (not used with two).
    highlight : array-like of shape (n_highlight,), optional
        Raw item ids (inner ids for a model fitted on a sparse matrix) drawn larger, in
        another colour and always labelled (added if not drawn).
    ax : matplotlib Axes, optional
        Draw here; default: a new Figure of 8 × 8 inches.
    random_state : int or numpy Generator, default 0
        Seed of ``method="random"``.
    titles : array-like of shape (n_items,) or dict, optional
        Labels in inner-id order, or a dict raw id -> title. Default: the titles of the
        training data (``Interactions.item_titles``) when known, else the raw ids.
    normalize : bool, default True
        Scale factors to unit length before projecting (see above).

    Returns
    -------
    matplotlib.figure.Figure
        One scatter of the drawn items (offsets in the order of ``items``, or most popular
        first), annotations holding the titles, axes labelled ``"factor 1"``/``"factor 2"``
        or ``"PC 1 (x% of variance)"``/``"PC 2 (...)"``.

    Raises
    ------
    NotFittedError
        The model is not fitted.
    UnknownIdError
        An id in ``items`` or ``highlight`` is not in the model (a KeyError).
    ValueError
        Fewer than two factors, nothing left to draw, or a highlighted item is cold.

    Examples
    --------
    >>> import mfrec
    >>> from mfrec.plot import item_map, save_figure
    >>> data = mfrec.datasets.load_movielens("100k")
    >>> model = mfrec.FunkSVD(n_factors=32, random_state=0).fit(data)
    >>> fig = item_map(model, n=150, highlight=[50])    # 50: Star Wars (1977)
    >>> path = save_figure(fig, "items.png", width=1200, height=1200)
    """
    F = _check_model(model)
    check_choice(method, "method", ("pca", "random"))
    if n is not None:
        n = check_int(n, "n", min_value=1)
    n_labels = _DEFAULT_LABELS if labels is True else (0 if labels is False else
                                                       check_int(labels, "labels", min_value=0))
    rng = check_random_state(random_state)
    warm = np.any(F != 0, axis=1)
    popularity = _popularity(model, F)
    drawn = _select(model, warm, popularity, items, n)
    marked = np.zeros(0, dtype=np.int64)
    if highlight is not None:
        marked = _inner(model, highlight, "highlight")
        cold = marked[~warm[marked]]
        if cold.size:
            raise ValueError(f"highlighted item {model.item_map_.ids[cold[0]]!r} is cold (no "
                             "training data, no factors): it has no place in the map")
        drawn = np.concatenate([drawn, np.setdiff1d(marked, drawn)])
    names = _titles(model, titles, len(F))
    xy, axis_labels = _project(F, warm, drawn, method, normalize, rng)

    fig, ax = figure_and_axes(ax, (8.0, 8.0))
    is_marked = np.isin(drawn, marked)
    colors = np.where(is_marked, "C3", "C0")
    ax.scatter(xy[:, 0], xy[:, 1], s=np.where(is_marked, 60, 14), c=colors, alpha=0.7,
               linewidths=0)
    by_popularity = np.argsort(-popularity[drawn], kind="stable")
    show = set(by_popularity[:n_labels].tolist()) | set(np.flatnonzero(is_marked).tolist())
    for j in sorted(show):
        ax.annotate(names[drawn[j]], xy[j], xytext=(3, 3), textcoords="offset points",
                    fontsize=7, fontweight="bold" if is_marked[j] else "normal")
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{type(model).__name__} item factors (k={F.shape[1]}, {len(drawn)} items)")
    return fig
