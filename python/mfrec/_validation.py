"""Input checks shared by every estimator and data structure.

Validation happens once, in Python, before any kernel runs; errors name the offending
parameter, value, shape or id. Nothing here is public API.

Model parameters: a parameter that several models have (``n_factors``, ``lr``, ``reg``,
``lr_decay``, ...) is checked by its entry in :data:`SHARED_PARAMS`, through
:func:`check_shared_params`; a model's own parameters are checked in its module, by its
``_check_params``.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """The model is used before ``fit``."""


class UnknownIdError(KeyError, ValueError):
    """An id that is not in the model's id map (or an inner id out of range).

    Subclasses both ``KeyError`` (it is a failed look-up) and ``ValueError`` (it is bad input).
    """

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


def plain(value):
    """A numpy scalar as the Python value it holds (for readable error messages)."""
    return value.item() if isinstance(value, np.generic) else value


def usable_cores() -> int:
    """Number of CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def resolve_n_threads(n_threads) -> int:
    """Resolve ``n_threads`` with joblib's convention.

    ``None`` or -1: all usable cores; -2: all but one; positive: exactly that many; 0: error.
    """
    cores = usable_cores()
    if n_threads is None:
        return cores
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"n_threads must be an int or None, got {n_threads!r}")
    n_threads = int(n_threads)
    if n_threads == 0:
        raise ValueError(
            "n_threads=0 is invalid: use None or -1 for all cores, or a positive count")
    if n_threads < 0:
        return max(1, cores + 1 + n_threads)
    return n_threads


def check_int(value, name: str, *, min_value: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}")
    return value


def check_float(value, name: str, *, positive: bool = False, nonneg: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonneg and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_bool(value, name: str) -> bool:
    """A flag: ``True`` or ``False`` (numpy bools too; 0, 1 and strings raise TypeError)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_lr_decay(value, name: str) -> float:
    """The factor the SGD steps are multiplied by after every epoch: a float in (0, 1]."""
    decay = check_float(value, name, positive=True)
    if decay > 1:
        raise ValueError(f"{name} must be in (0, 1], got {decay}")
    return decay


def _check_lr_schedule(value, name: str) -> bool:
    """The SGD step schedule, ``"adagrad"`` (per-row adaptive steps) or ``"constant"``;
    returns whether it is AdaGrad."""
    return check_choice(value, name, ("constant", "adagrad")) == "adagrad"


def _check_n_blocks(value, name: str) -> int | None:
    """Bins per side of the SGD block grid: None (the model chooses) or an int >= 1."""
    return None if value is None else check_int(value, name, min_value=1)


_STEP = partial(check_float, positive=True)  # an SGD step size: > 0
_WEIGHT = partial(check_float, nonneg=True)  # an L2 weight, a standard deviation: >= 0

#: The parameters that more than one model has, each checked here and nowhere else:
#: ``name -> (key, check)``; ``check(value, name)`` returns the checked value, which
#: :func:`check_shared_params` returns under ``key``. A parameter of the same name that
#: takes other values in one model (BayesianMF's and Blend's ``n_epochs`` accept None) is
#: that model's own, checked in its module.
SHARED_PARAMS: dict[str, tuple[str, Callable[[Any, str], Any]]] = {
    "n_factors": ("k", partial(check_int, min_value=1)),  # latent factors k: >= 1
    "n_epochs": ("n_epochs", partial(check_int, min_value=0)),  # 0 keeps the initial state
    "lr": ("lr", _STEP),
    "lr_bias": ("lr_bias", _STEP),
    "reg": ("reg", _WEIGHT),
    "reg_bias": ("reg_bias", _WEIGHT),
    "reg_user": ("reg_user", _WEIGHT),
    "reg_item": ("reg_item", _WEIGHT),
    "init_mean": ("init_mean", check_float),  # any finite float
    "init_std": ("init_std", _WEIGHT),
    "lr_decay": ("lr_decay", _check_lr_decay),
    "lr_schedule": ("adagrad", _check_lr_schedule),  # True for "adagrad"
    "n_blocks": ("n_blocks", _check_n_blocks),
}


def check_shared_params(model, *names: str, default=None) -> dict[str, Any]:
    """Check the parameters ``names`` of ``model`` (attributes of that name), in that
    order, each by its :data:`SHARED_PARAMS` entry.

    Parameters
    ----------
    model
        The estimator whose parameters are checked.
    *names : str
        Keys of :data:`SHARED_PARAMS`.
    default : optional
        The value of an optional parameter left at None (used as given, not checked), e.g.
        ``lr`` for ``lr_bias``. Without it, None is checked like any value (and refused).

    Returns
    -------
    dict
        ``{key: checked value}`` (``"k"`` for ``n_factors``, ``"adagrad"`` for
        ``lr_schedule``).

    Raises
    ------
    TypeError, ValueError
        The first bad parameter, named in the message.
    """
    out = {}
    for name in names:
        key, check = SHARED_PARAMS[name]
        value = getattr(model, name)
        out[key] = default if value is None and default is not None else check(value, name)
    return out


def check_random_state(seed) -> np.random.Generator:
    """A numpy Generator from None, an int seed, a SeedSequence or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(seed, bool):
            raise TypeError(f"random_state must be None, an int or a Generator, got {seed!r}")
        if isinstance(seed, numbers.Integral) and seed < 0:
            raise ValueError(f"random_state must be >= 0, got {seed}")
        return np.random.default_rng(seed)
    raise TypeError(f"random_state must be None, an int or a numpy Generator, got {seed!r}")


def as_1d(values, name: str) -> np.ndarray:
    """A 1-D numpy view of ``values`` (list, tuple, Series, array); scalars are rejected."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    return arr


def finite_float32(values, name: str) -> np.ndarray:
    """Ratings as a contiguous float32 array; NaN/inf, complex and non-numbers raise."""
    arr = as_1d(values, name)
    if arr.dtype == object or arr.dtype.kind == "c" or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ):
        raise TypeError(f"{name} must be numeric (real numbers), got dtype {arr.dtype}")
    out = np.ascontiguousarray(arr, dtype=np.float32)
    bad = ~np.isfinite(out)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} non-finite value(s) (NaN or inf); "
            f"first at position {first}: {plain(arr[first])!r}"
        )
    return out


_INDEX_MAX = np.iinfo(np.int32).max  # the kernels index rows and columns with int32


def check_sparse(X, name: str) -> None:
    """The structure of a scipy sparse matrix, checked before any scipy or C++ routine reads
    it (a column index out of range or a decreasing ``indptr`` makes them read out of
    bounds): compressed formats' ``indptr`` starts at 0, never decreases and ends within
    ``indices`` and ``data``; every index is within the shape. O(nnz), no copy.

    Raises
    ------
    ValueError
        The matrix is not 2-D, too large for 32-bit indices, or structurally invalid (the
        message says how).
    """
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {X.shape}")
    n_rows, n_cols = X.shape
    if n_rows > _INDEX_MAX or n_cols > _INDEX_MAX:
        raise ValueError(f"{name} has shape {X.shape}: at most {_INDEX_MAX} rows and columns")
    fmt = X.format
    if fmt in ("csr", "csc", "bsr"):
        major, minor = (n_rows, n_cols) if fmt != "csc" else (n_cols, n_rows)
        if fmt == "bsr":
            br, bc = X.blocksize
            major, minor = n_rows // br, n_cols // bc
        _check_compressed(X.indptr, X.indices, X.data, major, minor, fmt, name)
    elif fmt == "coo":
        row, col = X.row, X.col
        for what, idx, limit in (("row", row, n_rows), ("column", col, n_cols)):
            if idx.dtype.kind not in "iu":
                raise ValueError(f"{name}: COO {what} indices must be integers, got {idx.dtype}")
            if idx.size and (idx.min() < 0 or idx.max() >= limit):
                bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
                raise ValueError(f"{name}: COO {what} index {bad} is out of range for shape "
                                 f"{X.shape}")
        if not (len(row) == len(col) == len(X.data)):
            raise ValueError(f"{name}: COO row, col and data differ in length "
                             f"({len(row)}, {len(col)}, {len(X.data)})")


def _check_compressed(indptr, indices, data, major, minor, fmt, name) -> None:
    what = {"csr": ("row", "column"), "csc": ("column", "row"), "bsr": ("block row",
                                                                       "block column")}[fmt]
    if indptr.ndim != 1 or len(indptr) != major + 1:
        raise ValueError(f"{name}: indptr has {len(indptr)} entries, expected {major + 1} "
                         f"(one per {what[0]}, plus one)")
    if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
        raise ValueError(f"{name}: indptr and indices must be integers, got {indptr.dtype}, "
                         f"{indices.dtype}")
    if major and (indptr[0] != 0 or np.any(indptr[1:] < indptr[:-1])):
        raise ValueError(f"{name}: indptr must start at 0 and never decrease (a {fmt.upper()} "
                         "matrix with a broken structure)")
    nnz = int(indptr[-1]) if major else 0
    if nnz > len(indices) or nnz > len(data):
        raise ValueError(f"{name}: indptr ends at {nnz} but there are {len(indices)} indices "
                         f"and {len(data)} values")
    used = indices[:nnz]
    if used.size and (used.min() < 0 or used.max() >= minor):
        bad = int(used.min()) if used.min() < 0 else int(used.max())
        raise ValueError(f"{name}: {what[1]} index {bad} is out of range (valid: 0..{minor - 1})")
