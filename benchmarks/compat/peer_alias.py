"""pytest plugin: ``import surprise`` / ``import implicit`` resolve to mfrec's compat layers.

Loaded by ``run_peer_tests.py`` (``-p peer_alias``) with ``MFREC_ALIAS=surprise`` or
``implicit``: every module of ``mfrec.compat.<name>`` is registered in ``sys.modules``
under the peer's name before the peer's tests import anything.

The peers' test modules import, beside what mfrec offers, classes it does not (Surprise's
``CoClustering``, ``SlopeOne``, ``KNNWithZScore``; implicit's LMF and ANN models). So that the
rest of those modules can run, the aliased modules get placeholders under those names that
skip the test that uses them (``fit``, ``test``, ``predict``); ``run_peer_tests.py`` lists
them as left out.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import types

# Names the peers' tests import that mfrec does not offer (see docs/compat.md).
_ABSENT = {
    "surprise": {"": ["CoClustering", "SlopeOne", "KNNWithZScore"],
                 ".prediction_algorithms": ["CoClustering", "SlopeOne", "KNNWithZScore"]},
    "implicit": {".lmf": ["LogisticMatrixFactorization"],
                 ".approximate_als": ["AnnoyAlternatingLeastSquares",
                                      "FaissAlternatingLeastSquares",
                                      "NMSLibAlternatingLeastSquares"]},
}


def _placeholder(name: str) -> type:
    """A stand-in that can be built (the peers' tests build their algorithms while pytest
    collects them) and skips the test that uses it."""

    def __init__(self, *args, **kwargs):
        self._args = (args, kwargs)

    def _skip(self, *args, **kwargs):
        import pytest

        pytest.skip(f"{name} is not offered by mfrec (left out, docs/compat.md)")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _skip

    return type(name, (), {"__init__": __init__, "fit": _skip, "test": _skip,
                           "predict": _skip, "recommend": _skip, "__getattr__": __getattr__,
                           "__repr__": lambda self: f"{name}()"})


def _alias(peer: str) -> None:
    base = importlib.import_module(f"mfrec.compat.{peer}")
    sys.modules[peer] = base
    for info in pkgutil.walk_packages(base.__path__, prefix=f"mfrec.compat.{peer}."):
        module = importlib.import_module(info.name)
        sys.modules[peer + info.name[len(f"mfrec.compat.{peer}"):]] = module
    for suffix, names in _ABSENT.get(peer, {}).items():
        module = sys.modules.get(peer + suffix)
        if module is None:  # a whole module mfrec does not have
            module = types.ModuleType(peer + suffix)
            sys.modules[peer + suffix] = module
            setattr(base, suffix.lstrip("."), module)
        for name in names:
            if not hasattr(module, name):
                cls = _placeholder(name)
                cls.__module__ = module.__name__  # picklable: found where it is registered
                setattr(module, name, cls)


for _peer in filter(None, os.environ.get("MFREC_ALIAS", "").split(",")):
    _alias(_peer)
