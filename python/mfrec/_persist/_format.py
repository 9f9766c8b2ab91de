"""The model file format: its name and version, the error class, JSON helpers."""

from __future__ import annotations

import numbers

import numpy as np

from .._registry import model_classes

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
    if _is_model(value):  # an unfitted model as a parameter (a Blend's members)
        cls = type(value)
        return {"__model__": [cls.__module__, cls.__qualname__,
                              {k: _to_json(v) for k, v in value.get_params().items()}]}
    raise TypeError(f"a value of type {type(value).__name__} has no JSON form")


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        if set(value) == {"__dict__"}:
            return {k: _from_json(v) for k, v in value["__dict__"].items()}
        if set(value) == {"__model__"}:
            module, name, params = value["__model__"]
            return model_class(module, name)(**{k: _from_json(v) for k, v in params.items()})
        if set(value) == {"__scalar__"}:
            dtype, item = value["__scalar__"]
            if np.dtype(dtype).kind not in "biuf":
                raise ValueError(f"invalid scalar dtype {dtype!r}")
            return np.dtype(dtype).type(item)
        raise ValueError(f"untagged JSON object {sorted(value)}")
    return value


def _is_model(value) -> bool:
    """An mfrec model (``_base`` is above this package: recognised by its interface)."""
    return (not isinstance(value, type) and callable(getattr(value, "get_params", None))
            and callable(getattr(value, "_get_traits", None)) and hasattr(value, "fit"))


def model_class(module, name) -> type:
    """The registered model class ``module.name`` (a class that moved between modules of
    mfrec is found by its name); ValueError when unknown."""
    classes = {(c.__module__, c.__name__): c for c in model_classes().values()}
    cls = classes.get((module, name))
    if cls is None:  # moved between modules of the package: match the name alone
        same = [c for (m, n), c in classes.items() if n == name and m.startswith("mfrec.")]
        cls = same[0] if len(same) == 1 and str(module).startswith("mfrec.") else None
    if cls is None or not isinstance(name, str) or name.startswith("_"):
        raise ValueError(f"unknown model class {name!r} (module {module!r})")
    return cls


def _c_order(arr: np.ndarray) -> np.ndarray:
    """``arr`` C-contiguous (``np.ascontiguousarray`` would make a 0-d array 1-d)."""
    return arr if arr.flags.c_contiguous else arr.copy(order="C")
