"""Reading model files: validate the archive member by member, then rebuild the model."""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from typing import TYPE_CHECKING

import numpy as np

from .._idmap import IdMap
from .._registry import all_models, model_classes
from .._scoring import ScorerCell
from .._validation import resolve_n_threads
from .._version import __version__
from ..interactions import Interactions
from ._check import check_regular_file, check_state, check_zip_members
from ._format import FORMAT_NAME, FORMAT_VERSION, HEADER_KEY, ModelFileError, _c_order, _from_json

if TYPE_CHECKING:
    from .._base import Recommender


def load(path: str | os.PathLike) -> Recommender:
    """Load a model written by :meth:`mfrec.Recommender.save`.

    Parameters
    ----------
    path : str or os.PathLike
        The file, exactly as named when saved (no ``.npz`` is appended).

    Returns
    -------
    Recommender
        A fitted model of the saved class: it predicts, recommends (the training data is
        its "seen" filter), finds similar items and users, folds in new users and can be
        refit. ``n_threads_`` is resolved again from ``n_threads`` on this machine.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    IsADirectoryError
        ``path`` is a directory.
    ModelFileError
        The file is not an mfrec model (not a regular file, not a zip archive, or an
        ``.npz`` without an mfrec header), is truncated or corrupt (including compressed
        members, which mfrec never writes, and any state the model could not safely use:
        non-finite factors, repeated ids, indices out of range or not integers, unsorted
        training rows, an attribute that would shadow a method), was written by a newer
        mfrec, names an unknown model class, or holds pickled (object) arrays, which are
        never unpickled.
    """
    path = os.fspath(path)
    check_regular_file(path)  # a FIFO would block forever, a directory says "no such file"
    with open(path, "rb") as fh:
        magic = fh.read(4)
        if magic not in (b"PK\x03\x04", b"PK\x05\x06"):
            if magic.startswith(b"\x93NUM"):
                raise ModelFileError(f"{path!r} is not an mfrec model file: it is a single "
                                     ".npy array, not an .npz archive")
            what = "it is empty" if not magic else f"it starts with {magic!r}"
            raise ModelFileError(f"{path!r} is not an mfrec model file: not a zip (.npz) "
                                 f"archive ({what})")
        fh.seek(0)
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ModelFileError(
                f"{path!r} is truncated or damaged: its zip directory is missing or "
                f"unreadable ({exc}); was the save interrupted or the copy incomplete?"
            ) from exc
        with zf:
            check_zip_members(zf, path)
            members = {n[:-4] for n in zf.namelist() if n.endswith(".npy")}
            if HEADER_KEY not in members:
                shown = sorted(members)[:8]
                raise ModelFileError(
                    f"{path!r} is an .npz archive but not an mfrec model file (it has no "
                    f"{HEADER_KEY!r} header; its arrays: {shown})")
            header = _read_header(_read_member(zf, HEADER_KEY, path), path)
            cls = _model_class(header, path)
            return _decode_model(cls, header, lambda key: _read_member(zf, key, path), path)


def _read_member(zf: zipfile.ZipFile, key: str, path: str) -> np.ndarray:
    name = key + ".npy"
    try:
        with zf.open(name) as f:
            version = np.lib.format.read_magic(f)
            readers = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}
            if version not in readers:
                raise ModelFileError(f"{path!r} is corrupt or foreign: array {key!r} uses "
                                     f".npy format version {version}, which mfrec never writes")
            dtype = readers[version](f)[2]
        if dtype.hasobject:
            raise ModelFileError(
                f"{path!r} holds a pickled object array {key!r} (dtype {dtype}): mfrec never "
                "writes one and refuses to unpickle it (unpickling can run arbitrary code)")
        with zf.open(name) as f:
            arr = np.lib.format.read_array(f, allow_pickle=False)
    except ModelFileError:
        raise
    except KeyError as exc:
        raise ModelFileError(f"{path!r} is corrupt: array {key!r} is missing") from exc
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, zlib.error) as exc:
        raise ModelFileError(f"{path!r} is corrupt: array {key!r} cannot be read "
                             f"({type(exc).__name__}: {exc})") from exc
    return _c_order(arr)


def _read_header(arr: np.ndarray, path: str) -> dict:
    try:
        if arr.shape != () or arr.dtype.kind != "U":
            raise ValueError(f"expected a 0-d string array, got {arr.dtype} {arr.shape}")
        header = json.loads(str(arr))
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            raise ValueError(f"format is {header.get('format')!r}, not {FORMAT_NAME!r}")
        version = header.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"invalid format version {version!r}")
    except (ValueError, AttributeError) as exc:
        raise ModelFileError(f"{path!r} is not a valid mfrec model file: its {HEADER_KEY!r} "
                             f"header is damaged ({exc})") from exc
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path!r} was written by a newer mfrec (model file format version {version}, "
            f"mfrec {header.get('mfrec_version', '?')}); this mfrec {__version__} reads format "
            f"versions up to {FORMAT_VERSION}: upgrade mfrec to load it")
    return header


def _model_class(header: dict, path: str) -> type:
    name, module = header.get("class"), header.get("module")
    classes = {(c.__module__, c.__name__): c for c in model_classes().values()}
    cls = classes.get((module, name))
    if cls is None:  # moved between modules of the package: match the name alone
        same = [c for (m, n), c in classes.items() if n == name and m.startswith("mfrec.")]
        cls = same[0] if len(same) == 1 and str(module).startswith("mfrec.") else None
    if cls is None or not isinstance(name, str) or name.startswith("_"):
        known = [n for n, _ in all_models()]
        raise ModelFileError(
            f"{path!r} holds a model of unknown class {name!r} (module {module!r}); this mfrec "
            f"knows {known}. For a class defined outside mfrec, import its module first")
    return cls


def _decode_model(cls: type, header: dict, read, path: str) -> Recommender:
    try:
        raw_params = {k: _from_json(v) for k, v in header["params"].items()}
        specs = header["state"]
        valid = set(cls._param_names())
        unknown = sorted(set(raw_params) - valid)
        if unknown:
            raise ModelFileError(f"{path!r} gives {cls.__name__} parameters {unknown} that "
                                 "this mfrec does not know")
        model = cls(**raw_params)
        state = {}
        for name, spec in specs.items():  # plain values and id maps first, then references
            if spec["kind"] == "models":  # models stored inside this one (a Blend's members)
                state[name] = [_decode_model(_model_class(h, path), h, read, path)
                               for h in spec["models"]]
            elif spec["kind"] not in ("interactions", "ref"):
                state[name] = _decode_value(spec, read)
        for name, spec in specs.items():
            if spec["kind"] == "ref":
                state[name] = state[spec["attr"]]
            elif spec["kind"] == "interactions":
                state[name] = _decode_interactions(spec, read, state)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise ModelFileError(f"{path!r} is corrupt: its header and arrays do not describe a "
                             f"{cls.__name__} ({type(exc).__name__}: {exc})") from exc
    state = _upgrade(model, state)
    check_state(cls, state, path)  # before the model sees any of it
    vars(model).update(state)
    _rebuild_transient(model)
    return model


def _upgrade(model: Recommender, state: dict) -> dict:
    """State written by an older mfrec, as this one keeps it. mfrec 0.1.0 stored
    ``_biased`` (whether the fitted model scores with μ + b_u + b_i) only for the models
    whose ``biased`` is a parameter; the others are what their traits say."""
    if "_biased" not in state:
        state = {**state, "_biased": bool(model._get_traits().biased)}
    return model._upgrade_state(state)


def _decode_text(spec: dict, read) -> np.ndarray:
    """Str objects from their UTF-8 bytes and offsets (see _save._text_column)."""
    blob, offsets = read(spec["key"]), read(spec["text_offsets"])
    shape = tuple(int(n) for n in spec["shape"])
    n = int(np.prod(shape))
    if (blob.dtype != np.uint8 or blob.ndim != 1 or offsets.dtype != np.int64
            or offsets.shape != (n + 1,) or offsets[0] != 0 or offsets[-1] != blob.size
            or np.any(offsets[1:] < offsets[:-1])):
        raise ValueError(f"text column {spec['key']!r}: offsets do not match its bytes")
    data = blob.tobytes()
    bounds = offsets.tolist()
    out = np.empty(n, dtype=object)
    out[:] = [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds[:-1], bounds[1:])]
    return out.reshape(shape)


def _decode_array(spec: dict, read) -> np.ndarray:
    arr = _decode_text(spec, read) if spec.get("text") == "utf-8" else read(spec["key"])
    if "sequence" in spec:
        offsets, values = read(spec["offsets"]), arr.tolist()
        make = {"tuple": tuple, "list": list}[spec["sequence"]]
        if (offsets.ndim != 1 or offsets.size == 0 or offsets[0] != 0
                or offsets[-1] != len(values) or np.any(np.diff(offsets) < 0)):
            raise ValueError(f"offsets of {spec['key']!r} do not match its values")
        out = np.empty(len(offsets) - 1, dtype=object)
        out[:] = [make(values[a:b]) for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        return out
    return arr.astype(object) if spec["object"] else arr


def _decode_value(spec: dict, read):
    kind = spec["kind"]
    if kind == "json":
        return _from_json(spec["value"])
    if kind == "array":
        return _decode_array(spec, read)
    if kind == "idmap":
        return IdMap(_decode_array(spec, read), spec["name"])
    raise ValueError(f"unknown attribute kind {kind!r}")


def _decode_interactions(spec: dict, read, state: dict) -> Interactions:
    maps = [state[s["attr"]] if s["kind"] == "ref" else _decode_value(s, read)
            for s in (spec["user_map"], spec["item_map"])]
    uidx, iidx, ratings = (_decode_array(spec[k], read)
                           for k in ("user_index", "item_index", "ratings"))
    n_users, n_items = len(maps[0]), len(maps[1])
    if uidx.dtype.kind not in "iu" or iidx.dtype.kind not in "iu":
        raise ValueError("training interaction indices are not integers")
    if not (uidx.shape == iidx.shape == ratings.shape and uidx.ndim == 1):
        raise ValueError("training interactions: index and rating arrays differ in shape")
    if uidx.size and (uidx.min() < 0 or uidx.max() >= n_users or iidx.min() < 0
                      or iidx.max() >= n_items or np.any(np.diff(uidx) < 0)):
        raise ValueError("training interactions: ids out of range or rows not sorted")
    meta = {k: _decode_array(s, read) for k, s in spec["item_metadata"]}
    user_meta = {k: _decode_array(s, read) for k, s in spec.get("user_metadata", [])}
    extra = {"user_metadata": user_meta} if user_meta else {}
    return Interactions._from_inner(maps[0], maps[1], uidx, iidx, ratings, None,
                                    tuple(spec["rating_scale"]), meta, canonical=True, **extra)


# --------------------------------------------------------------------------- pickling
def _rebuild_transient(model: Recommender) -> None:
    """Process-local state: no scorer (its retrieval caches are rebuilt on demand), the
    thread count resolved here."""
    v = vars(model)
    if "user_factors_" in v:
        model._scorer = ScorerCell()
        model.n_threads_ = resolve_n_threads(getattr(model, "n_threads", None))


def pickle_state(model: Recommender) -> dict:
    """The instance dict without the scorer and its retrieval caches (large, and rebuilt on
    demand in the other process)."""
    state = dict(vars(model))
    state.pop("_scorer", None)
    return state


def restore_pickle_state(model: Recommender, state: dict) -> None:
    """Inverse of :func:`pickle_state`; ``n_threads_`` is resolved for this machine. Arrays
    come back aligned for their dtype: an unpickler may leave them at any byte offset of its
    buffer (Dask's does), and the C++ kernels read them as float / int arrays."""
    state = {k: _aligned(v) for k, v in state.items()}
    train = state.get("_train")
    if train is not None and hasattr(train, "__dict__"):
        for k, v in list(vars(train).items()):
            if isinstance(v, np.ndarray) and not v.flags.aligned:
                setattr(train, k, v.copy())
    vars(model).update(state)
    _rebuild_transient(model)


def _aligned(v):
    return v.copy() if isinstance(v, np.ndarray) and not v.flags.aligned else v
