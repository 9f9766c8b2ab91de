"""Input checks shared by every estimator and data structure.

Validation happens once, in Python, before any kernel runs; errors name the offending
parameter, value, shape or id. Nothing here is public API.
"""

from __future__ import annotations

import numbers
import os

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
