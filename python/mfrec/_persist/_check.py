"""What a model file must satisfy before any of it reaches a model.

A loaded model's arrays are indexed by the C++ kernels and its attributes are set on a live
object, so everything is checked first: the file is a regular file, its zip members are
stored (not compressed: mfrec never compresses, and a small compressed member can declare a
huge array), and the decoded state is one the model can use — known attribute names that do
not shadow anything of the class, id maps without repeats, finite factors and biases of the
right shapes and dtypes, training interactions with integer indices in range and rows sorted
and unique, a rating scale lo <= hi, a finite global mean.
"""

from __future__ import annotations

import os
import stat
import zipfile

import numpy as np

from .._idmap import IdMap
from ..interactions import Interactions
from ._format import ModelFileError

__all__ = ["check_regular_file", "check_state", "check_zip_members"]

# Fitted state that does not end in "_": the base class's private fitted attributes.
_PRIVATE = {"_train", "_cold_users_", "_cold_items_", "_biased"}


def check_regular_file(path: str) -> None:
    """Raise unless ``path`` is a regular file (FileNotFoundError when it does not exist)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"no such model file: {path!r}") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path!r} is a directory, not a model file")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode)
                or stat.S_ISBLK(mode) else "not a regular file")
        raise ModelFileError(f"{path!r} is {kind}, not a model file")


def check_zip_members(zf: zipfile.ZipFile, path: str) -> None:
    for info in zf.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise ModelFileError(
                f"{path!r} is not a file mfrec wrote: its member {info.filename!r} is "
                "compressed (mfrec stores members uncompressed, so that no member can "
                "declare more data than the file holds)")


def _fail(path: str, what: str):
    raise ModelFileError(f"{path!r} is corrupt: {what}")


def _check_names(cls: type, state: dict, path: str) -> None:
    for name in state:
        if not isinstance(name, str) or not name.isidentifier():
            _fail(path, f"attribute name {name!r} is not an identifier")
        fitted = (name.endswith("_") and not name.startswith("__")) or name in _PRIVATE
        if not fitted:
            _fail(path, f"{name!r} is not a fitted attribute")
        if hasattr(cls, name):  # a method, property or class attribute: never shadowed
            _fail(path, f"attribute {name!r} would shadow {cls.__name__}.{name}")


def _check_ids(idmap: IdMap, path: str) -> None:
    ids = idmap.ids
    if ids.dtype.kind == "f" and not np.all(np.isfinite(ids)):
        _fail(path, f"the {idmap.name} ids hold NaN or infinite values")
    n_unique = len(set(ids.tolist())) if ids.dtype == object else len(np.unique(ids))
    if n_unique != len(ids):
        _fail(path, f"the {idmap.name} id map repeats ids ({len(ids) - n_unique} repeats)")


def _check_array(state: dict, name: str, shape, dtype, path: str, finite: bool) -> None:
    arr = state.get(name)
    ok = (isinstance(arr, np.ndarray) and arr.dtype == dtype and arr.ndim == len(shape)
          and all(s is None or s == a for s, a in zip(shape, arr.shape)))
    if not ok:
        got = ("missing" if arr is None else
               f"{getattr(arr, 'dtype', type(arr).__name__)} {getattr(arr, 'shape', '')}")
        _fail(path, f"{name} should be {np.dtype(dtype)} of shape {shape}, got {got}")
    if finite and not np.all(np.isfinite(arr)):
        _fail(path, f"{name} holds NaN or infinite values")


def _check_train(train, n_users: int, n_items: int, path: str) -> None:
    if not isinstance(train, Interactions) or train.shape != (n_users, n_items):
        _fail(path, f"the training interactions do not match the id maps ({n_users} users × "
                    f"{n_items} items)")
    u, i = train.user_index, train.item_index
    if u.dtype.kind not in "iu" or i.dtype.kind not in "iu":
        _fail(path, "training interaction indices are not integers")
    if not np.all(np.isfinite(train.ratings)):
        _fail(path, "training ratings hold NaN or infinite values")
    key = u.astype(np.int64) * max(n_items, 1) + i
    if key.size and np.any(key[1:] <= key[:-1]):
        _fail(path, "training interactions are not sorted by user and item, or repeat a pair "
                    "(the seen-items filter relies on sorted rows)")


def check_state(cls: type, state: dict, path: str) -> None:
    """The invariants of a fitted model's state (see the module docstring)."""
    _check_names(cls, state, path)
    maps = state.get("user_map_"), state.get("item_map_")
    if not all(isinstance(m, IdMap) for m in maps):
        _fail(path, "the model has no user and item id maps")
    for idmap in maps:
        _check_ids(idmap, path)
    n_users, n_items = (len(m) for m in maps)
    for name, shape, dtype, finite in (
            ("user_factors_", (n_users, None), np.float32, True),
            ("item_factors_", (n_items, None), np.float32, True),
            ("user_bias_", (n_users,), np.float32, True),
            ("item_bias_", (n_items,), np.float32, True),
            ("_cold_users_", (n_users,), np.bool_, False),
            ("_cold_items_", (n_items,), np.bool_, False)):
        _check_array(state, name, shape, dtype, path, finite)
    if state["user_factors_"].shape[1] != state["item_factors_"].shape[1]:
        _fail(path, "user and item factors differ in width")
    _check_train(state.get("_train"), n_users, n_items, path)
    scale = state.get("rating_scale_")
    if not (isinstance(scale, tuple) and len(scale) == 2
            and all(isinstance(v, (int, float)) and np.isfinite(v) for v in scale)
            and scale[0] <= scale[1]):
        _fail(path, f"rating_scale_ {scale!r} is not a finite (lo, hi) with lo <= hi")
    mu = state.get("global_mean_")
    if not isinstance(mu, (int, float)) or isinstance(mu, bool) or not np.isfinite(mu):
        _fail(path, f"global_mean_ {mu!r} is not a finite number")
    if not isinstance(state.get("_biased"), bool):
        _fail(path, f"_biased {state.get('_biased')!r} is not True or False")
