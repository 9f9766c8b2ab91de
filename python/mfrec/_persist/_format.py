"""The model file format: its name and version, the error class, JSON helpers."""

from __future__ import annotations

import numbers

import numpy as np

FORMAT_NAME = "mfrec-model"
FORMAT_VERSION = 1
HEADER_KEY = "__mfrec__"

# Attributes that are machine- or process-local: never written, rebuilt on load / unpickle.
_TRANSIENT = ("_scorer", "n_threads_")


class ModelFileError(ValueError):
    """A file cannot be loaded as an mfrec model: not a model file, truncated or corrupt,
    written by a newer mfrec, or holding pickled objects. The message says which."""


def _to_json(value):
    """``value`` as JSON data; tuples, dicts and numpy scalars are tagged so they come back
    as such."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"__scalar__": [value.dtype.str, value.item()]}  # numpy scalars stay numpy
    if isinstance(value, (numbers.Integral, float)):
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _to_json(v) for k, v in value.items()}}
    raise TypeError(f"a value of type {type(value).__name__} has no JSON form")


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        if set(value) == {"__dict__"}:
            return {k: _from_json(v) for k, v in value["__dict__"].items()}
        if set(value) == {"__scalar__"}:
            dtype, item = value["__scalar__"]
            if np.dtype(dtype).kind not in "biuf":
                raise ValueError(f"invalid scalar dtype {dtype!r}")
            return np.dtype(dtype).type(item)
        raise ValueError(f"untagged JSON object {sorted(value)}")
    return value


def _c_order(arr: np.ndarray) -> np.ndarray:
    """``arr`` C-contiguous (``np.ascontiguousarray`` would make a 0-d array 1-d)."""
    return arr if arr.flags.c_contiguous else arr.copy(order="C")
