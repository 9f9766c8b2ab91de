"""Writing figures: a PNG of an exact pixel size, written atomically."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from .._validation import check_float, check_int
from ._mpl import figure_class

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(fig: Figure, path: str | os.PathLike, *, width: int | None = None,
                height: int | None = None, dpi: float = 100) -> Path:
    """Write ``fig`` as a PNG of exactly ``width`` × ``height`` pixels.

    The figure is laid out at ``width / dpi`` × ``height / dpi`` inches for the write and
    given its own size back afterwards. The PNG goes to a temporary file in the target
    directory first and is moved into place with ``os.replace``, so a reader never sees a
    half-written file and an existing file is replaced only by a complete one.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write (e.g. from :func:`learning_curve` or :func:`item_map`).
    path : str or os.PathLike
        Target file; must end in ``.png``. Its directory must exist.
    width, height : int, optional
        Size in pixels; default: the figure's own size at ``dpi`` (rounded).
    dpi : float, default 100
        Resolution: sets the size of text and lines relative to the pixel size.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    TypeError
        ``fig`` is not a matplotlib Figure, or a size is not an integer.
    ValueError
        ``path`` does not end in ``.png``, or a size / dpi is not positive.
    FileNotFoundError
        The target directory does not exist.

    Examples
    --------
    >>> from mfrec.plot import learning_curve, save_figure
    >>> fig = learning_curve([{"epoch": 1, "loss": 0.9}, {"epoch": 2, "loss": 0.8}])
    >>> path = save_figure(fig, "curve.png", width=800, height=500)
    """
    if not isinstance(fig, figure_class()):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"save_figure writes PNG files: {str(path)!r} must end in .png")
    directory = path.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: directory {str(directory)!r} "
                                "does not exist")
    dpi = check_float(dpi, "dpi", positive=True)
    old_w, old_h = fig.get_size_inches()
    width = round(old_w * dpi) if width is None else check_int(width, "width", min_value=1)
    height = round(old_h * dpi) if height is None else check_int(height, "height", min_value=1)
    # Agg sizes its canvas as int(inches * dpi): a quarter pixel over the target keeps
    # floating-point error from truncating e.g. 333 / 72 * 72 to 332.
    # A unique sibling name, opened with "x" (never clobbers; permissions follow the umask).
    tmp = directory / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        fig.set_size_inches((width + 0.25) / dpi, (height + 0.25) / dpi)
        with open(tmp, "xb") as f:
            fig.savefig(f, format="png", dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        fig.set_size_inches(old_w, old_h)
    return path
