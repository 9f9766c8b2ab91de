"""pytest plugin: ``import surprise`` / ``import implicit`` resolve to mfrec's compat layers.

Loaded by ``run_peer_tests.py`` (``-p peer_alias``) with ``MFREC_ALIAS=surprise`` or
``implicit``: every module of ``mfrec.compat.<name>`` is registered in ``sys.modules``
under the peer's name before the peer's tests import anything.

The peers' test modules import, beside what mfrec offers, classes it does not (Surprise's
``CoClustering``, ``SlopeOne``, ``KNNWithZScore``; implicit's LMF and ANN models). So that the
rest of those modules can run, the aliased modules get placeholders under those names that
raise ``NotImplementedError`` when used; ``run_peer_tests.py`` deselects the tests that use
them and lists them as left out.
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
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(f"{name} is not offered by mfrec's compat layer")

    return type(name, (), {"__init__": __init__})


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
                setattr(module, name, _placeholder(name))


for _peer in filter(None, os.environ.get("MFREC_ALIAS", "").split(",")):
    _alias(_peer)
