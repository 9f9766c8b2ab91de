"""``dump`` and ``load`` of predictions and a fitted algorithm (Surprise's functions).

Surprise pickles ``{"predictions", "algo"}``. Here the file is an ``.npz`` archive (numpy
arrays + one JSON document, read with ``allow_pickle=False``) whenever everything in it has a
plain form: the predictions (ids, ratings, estimates, details as JSON), the algorithm's
class, its constructor parameters, its fitted arrays and scalars, and its trainset (ratings
as arrays, raw ids as JSON). Loading such a file runs no code from it. When something has no
plain form (a raw id that is a tuple, an attribute of a user's own subclass that is an
arbitrary object), the file is a pickle as Surprise's is, and ``load`` reads it as Surprise's
``load`` would (only load such files from a source you trust).
"""

from __future__ import annotations

import importlib
import io
import json
import pickle
import zipfile

import numpy as np

from .trainset import Trainset

__all__ = ["dump", "load"]

_FORMAT = "mfrec.compat.surprise.dump/1"
_SKIP = ("trainset", "_mfrec_model")


class _NotPlain(Exception):
    pass


def _plain(x):
    """x as JSON-able data (raising _NotPlain when it has no such form)."""
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x)
    if isinstance(x, dict) and all(isinstance(k, str) for k in x):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    raise _NotPlain(type(x).__name__)


def _id_list(ids):
    out = []
    for x in ids:
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (str, int, float, np.integer,
                                                                  np.floating)):
            raise _NotPlain("raw id")
        out.append(_plain(x))
    return out


def _pack(predictions, algo):
    doc, arrays = {"format": _FORMAT, "predictions": None, "algo": None}, {}
    if predictions is not None:
        doc["predictions"] = [[_plain(p[0]), _plain(p[1]), _plain(p[2]), _plain(p[3]),
                               _plain(p[4])] for p in predictions]
        for p in predictions:
            _id_list([p[0], p[1]])
    if algo is not None:
        state = {}
        for k, v in vars(algo).items():
            if k in _SKIP:
                continue
            if isinstance(v, np.ndarray):
                if v.dtype == object:
                    raise _NotPlain(k)
                arrays["a_" + k] = v
            else:
                state[k] = _plain(v)
        a = {"class": f"{type(algo).__module__}:{type(algo).__qualname__}", "state": state,
             "trainset": None}
        ts = getattr(algo, "trainset", None)
        if ts is not None:
            users = [ts.to_raw_uid(u) for u in range(ts.n_users)]
            items = [ts.to_raw_iid(i) for i in range(ts.n_items)]
            a["trainset"] = {"users": _id_list(users), "items": _id_list(items),
                             "rating_scale": _plain(list(ts.rating_scale))}
            arrays["t_users"], arrays["t_items"] = ts._users, ts._items
            arrays["t_ratings"] = ts._ratings
        doc["algo"] = a
    return doc, arrays


def dump(file_name, predictions=None, algo=None, verbose=0):
    """Save ``predictions`` and/or a fitted ``algo`` to ``file_name`` (see the module
    docstring for the format)."""
    try:
        doc, arrays = _pack(predictions, algo)
    except _NotPlain:
        with open(file_name, "wb") as f:
            pickle.dump({"predictions": predictions, "algo": algo}, f,
                        protocol=pickle.HIGHEST_PROTOCOL)
    else:
        buf = io.BytesIO()
        np.savez(buf, __doc__=np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8),
                 **arrays)
        with open(file_name, "wb") as f:
            f.write(buf.getvalue())
    if verbose:
        print("The dump has been saved as file", file_name)


def load(file_name):
    """``(predictions, algo)`` saved by ``dump``.

    Returns
    -------
    tuple
        The list of Prediction (or None) and the algorithm (or None), ready to predict.
    """
    from .prediction_algorithms.predictions import Prediction

    if not zipfile.is_zipfile(file_name):
        with open(file_name, "rb") as f:
            obj = pickle.load(f)
        return obj["predictions"], obj["algo"]
    with np.load(file_name, allow_pickle=False) as z:
        doc = json.loads(bytes(z["__doc__"]).decode())
        if doc.get("format") != _FORMAT:
            raise ValueError(f"{file_name} is not a dump of mfrec.compat.surprise")
        arrays = {k: z[k] for k in z.files if k != "__doc__"}
    predictions = None
    if doc["predictions"] is not None:
        predictions = [Prediction(*p) for p in doc["predictions"]]
    algo = None
    if doc["algo"] is not None:
        a = doc["algo"]
        module, _, name = a["class"].partition(":")
        cls = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        from .prediction_algorithms.algo_base import AlgoBase

        if not (isinstance(cls, type) and issubclass(cls, AlgoBase)):
            raise ValueError(f"{file_name}: {a['class']} is not an algorithm class")
        algo = cls.__new__(cls)
        algo.__dict__.update(a["state"])
        for k, v in arrays.items():
            if k.startswith("a_"):
                setattr(algo, k[2:], v)
        if a["trainset"] is not None:
            t = a["trainset"]
            algo.trainset = Trainset._from_arrays(
                arrays["t_users"], arrays["t_items"], arrays["t_ratings"],
                tuple(t["rating_scale"]), {u: j for j, u in enumerate(t["users"])},
                {i: j for j, i in enumerate(t["items"])})
    return predictions, algo
