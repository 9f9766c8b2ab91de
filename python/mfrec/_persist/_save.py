"""Writing model files: encode the fitted state as plain arrays, write atomically."""

from __future__ import annotations

import json
import numbers
import os
import secrets
import stat
import warnings
import zipfile
from typing import TYPE_CHECKING

import numpy as np

from .._idmap import IdMap
from .._version import __version__
from ..interactions import Interactions
from ._format import (
    _TRANSIENT,
    FORMAT_NAME,
    FORMAT_VERSION,
    HEADER_KEY,
    _c_order,
    _is_model,
    _to_json,
)

if TYPE_CHECKING:
    from .._base import Recommender


def save(model: Recommender, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (see :meth:`mfrec.Recommender.save`)."""
    header, arrays = _encode_model(model)
    arrays = {HEADER_KEY: np.array(json.dumps(header)), **arrays}
    _atomic_write(os.fspath(path), arrays)


def _atomic_write(path: str, arrays: dict) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``.

    A failed write leaves any previous file at ``path`` untouched and removes the
    temporary file; a replaced file keeps its permission bits. The name is used exactly as
    given (no ``.npz`` is appended).
    """
    directory, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
    try:
        old_mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        old_mode = None
    try:
        with open(tmp, "xb") as fh:  # mode 0o666 minus the umask, like any new file
            _write_npz(fh, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        if old_mode is not None:  # replacing a file: keep its permissions (e.g. 0600)
            os.chmod(tmp, old_mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_npz(fileobj, arrays: dict) -> None:
    """The ``.npz`` layout of ``np.savez``: one uncompressed ``<key>.npy`` member per array."""
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


class _Encoder:
    """Turns attribute values into JSON specs plus arrays (``state.*`` keys)."""

    def __init__(self, cls_name: str, prefix: str = ""):
        self.cls_name = cls_name
        self.prefix = prefix  # of the keys of a model stored inside another (a Blend's)
        self.arrays: dict[str, np.ndarray] = {}
        self.maps: dict[int, str] = {}  # id(IdMap) -> attribute holding it

    def array(self, key: str, arr: np.ndarray, what: str) -> dict:
        arr = np.asarray(arr)
        seqs = _sequence_column(arr, what)
        if seqs is not None:  # e.g. genres: tuples of str -> flat values + offsets
            kind, lengths, flat = seqs
            spec = self.array(key, flat, what)
            self.arrays[key + ".offsets"] = np.concatenate([[0], np.cumsum(lengths)])
            return {**spec, "sequence": kind, "offsets": key + ".offsets"}
        text = _text_column(arr)
        if text is not None:  # str objects: UTF-8 bytes and offsets, not fixed-width text
            blob, offsets = text
            self.arrays[key] = blob
            self.arrays[key + ".text_offsets"] = offsets
            return {"key": key, "object": True, "text": "utf-8",
                    "text_offsets": key + ".text_offsets", "shape": list(arr.shape)}
        stored, was_object = _plain_array(arr, what)
        self.arrays[key] = stored
        return {"key": key, "object": was_object}

    def value(self, name: str, value) -> dict:
        key = f"{self.prefix}state.{name}"
        if isinstance(value, (list, tuple)) and value and all(map(_is_model, value)):
            # fitted models inside this one (a Blend's members): each is encoded as a
            # model file of its own, its arrays under "<key>.<j>."
            headers = []
            for j, member in enumerate(value):
                header, arrays = _encode_model(member, prefix=f"{key}.{j}.")
                self.arrays.update(arrays)
                headers.append(header)
            return {"kind": "models", "models": headers}
        if isinstance(value, np.ndarray):
            return {"kind": "array", **self.array(key, value, f"attribute {name!r}")}
        if isinstance(value, IdMap):
            return self.idmap(key, value, f"id map {name!r}")
        if isinstance(value, Interactions):
            return self.interactions(key, value, name)
        try:
            return {"kind": "json", "value": _to_json(value)}
        except TypeError as exc:
            raise TypeError(f"cannot save attribute {name!r} of this {self.cls_name}: {exc}; "
                            "a model file stores arrays, id maps, interactions and JSON "
                            "values only (pickle the model instead)") from None

    def idmap(self, key: str, idmap: IdMap, what: str) -> dict:
        if id(idmap) in self.maps:
            return {"kind": "ref", "attr": self.maps[id(idmap)]}
        return {"kind": "idmap", "name": idmap.name, **self.array(key + ".ids", idmap.ids, what)}

    def interactions(self, key: str, data: Interactions, name: str) -> dict:
        meta = {side: [[k, self.array(f"{key}.{side}_meta{j}", v, f"{side} metadata {k!r}")]
                       for j, (k, v) in enumerate(getattr(data, f"{side}_metadata", {}).items())]
                for side in ("item", "user")}
        return {
            "kind": "interactions",
            "user_map": self.idmap(key + ".user_map", data.user_map, f"{name} user ids"),
            "item_map": self.idmap(key + ".item_map", data.item_map, f"{name} item ids"),
            "user_index": self.array(key + ".user_index", data.user_index, name),
            "item_index": self.array(key + ".item_index", data.item_index, name),
            "ratings": self.array(key + ".ratings", data.ratings, name),
            "rating_scale": list(data.rating_scale),
            "item_metadata": meta["item"],
            "user_metadata": meta["user"],
        }


def _encode_model(model: Recommender, prefix: str = "") -> tuple[dict, dict]:
    cls = type(model)
    params, not_saved = _encode_params(model)
    enc = _Encoder(cls.__name__, prefix)
    skip = set(model._param_names()) | set(_TRANSIENT)
    attrs = {k: v for k, v in vars(model).items() if k not in skip}
    state = {}
    # Id maps first, so interactions sharing them store a reference, not a copy.
    for name in sorted(attrs, key=lambda k: not isinstance(attrs[k], IdMap)):
        state[name] = enc.value(name, attrs[name])
        if isinstance(attrs[name], IdMap):
            enc.maps.setdefault(id(attrs[name]), name)
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "mfrec_version": __version__,
        "class": cls.__name__,
        "module": cls.__module__,
        "params": params,
        "params_not_saved": not_saved,
        "state": state,
    }
    return header, enc.arrays


def _encode_params(model: Recommender) -> tuple[dict, dict]:
    params, not_saved = {}, {}
    for name, value in model.get_params().items():
        if isinstance(value, (np.random.Generator, np.random.RandomState,
                              np.random.SeedSequence)):
            kind = f"numpy.random.{type(value).__name__}"
            warnings.warn(f"{name}={kind} cannot be stored in a model file: saved as "
                          f"{name}=None (the fitted model is unaffected; only a refit of the "
                          "loaded model differs). Use an int seed to keep it.",
                          UserWarning, stacklevel=5)
            params[name], not_saved[name] = None, kind
            continue
        try:
            params[name] = _to_json(value)
        except TypeError as exc:
            raise TypeError(f"cannot save parameter {name}={value!r} of this "
                            f"{type(model).__name__}: {exc}") from None
    return params, not_saved


def _kind_of(v) -> str:
    if isinstance(v, str):
        return "str"
    if isinstance(v, bytes):
        return "bytes"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, numbers.Integral):
        return "int"
    if isinstance(v, numbers.Real):
        return "float"
    return type(v).__name__


def _sequence_column(arr: np.ndarray, what: str):
    """For a 1-D object array of tuples (or of lists): ``(kind, lengths, flat values)``."""
    if arr.dtype != object or arr.ndim != 1 or not arr.size:
        return None
    values = arr.tolist()
    kinds = {type(v).__name__ for v in values if isinstance(v, (tuple, list))}
    if not kinds:
        return None
    if len(kinds) > 1 or any(not isinstance(v, (tuple, list)) for v in values):
        raise TypeError(f"cannot save {what}: it mixes sequences with other values "
                        f"(kinds {sorted({type(v).__name__ for v in values})})")
    flat = np.empty(sum(len(v) for v in values), dtype=object)
    flat[:] = [x for v in values for x in v]
    return kinds.pop(), [len(v) for v in values], flat


def _text_column(arr: np.ndarray):
    """For an object array of str: (UTF-8 bytes of all of them, int64 offsets), else None.

    Fixed-width numpy text would give every string the width of the longest (one 1 MB id
    would cost 4 MB per id in the file)."""
    if arr.dtype != object or not arr.size:
        return None
    values = arr.ravel().tolist()
    if not all(isinstance(v, str) for v in values):
        return None
    encoded = [v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def _plain_array(arr: np.ndarray, what: str) -> tuple[np.ndarray, bool]:
    """A C-contiguous array that needs no pickle, and whether it was an object array.

    An object array qualifies when all its elements are of one kind (str, bytes, bool, int
    or float); it is stored as the matching numpy dtype and made an object array on load.
    """
    if arr.dtype != object:
        if arr.dtype.hasobject:
            raise TypeError(f"cannot save {what}: dtype {arr.dtype} holds Python objects")
        return _c_order(arr), False
    values = arr.ravel().tolist()
    kinds = {}
    for v in values:
        kinds.setdefault(_kind_of(v), v)
    if len(kinds) > 1 or not set(kinds) <= {"str", "bytes", "bool", "int", "float"}:
        examples = ", ".join(f"{k} {v!r}" for k, v in sorted(kinds.items()))
        raise TypeError(
            f"cannot save {what}: an object array with values of kinds {sorted(kinds)} "
            f"(e.g. {examples}); a model file holds arrays of one kind only (all ints or all "
            "strings) so that loading needs no pickle. Use ids of one kind, or pickle the "
            "model instead")
    stored = np.array(values, dtype=str if not values else None).reshape(arr.shape)
    if stored.dtype.kind not in "biufUS":  # e.g. ints beyond 64 bits
        raise TypeError(f"cannot save {what}: its values do not fit a numpy dtype "
                        f"(got {stored.dtype})")
    return stored, True
