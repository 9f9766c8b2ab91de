"""pytest plugin: ``import surprise`` / ``import implicit`` resolve to mfrec's compat layers.

Loaded by ``run_peer_tests.py`` (``-p peer_alias``) with ``MFREC_ALIAS=surprise`` or
``implicit``: every module of ``mfrec.compat.<name>`` is registered in ``sys.modules``
under the peer's name before the peer's tests import anything.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys


def _alias(peer: str) -> None:
    base = importlib.import_module(f"mfrec.compat.{peer}")
    sys.modules[peer] = base
    for info in pkgutil.walk_packages(base.__path__, prefix=f"mfrec.compat.{peer}."):
        module = importlib.import_module(info.name)
        sys.modules[peer + info.name[len(f"mfrec.compat.{peer}"):]] = module


for _peer in filter(None, os.environ.get("MFREC_ALIAS", "").split(",")):
    _alias(_peer)
