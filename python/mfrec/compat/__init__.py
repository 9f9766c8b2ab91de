"""Drop-in API layers for code written against other recommender libraries.

``from mfrec.compat import surprise`` gives the public API of scikit-surprise 1.1.5 (Reader,
Dataset, Trainset, the algorithms mfrec has, accuracy, model_selection, dump) with mfrec's
kernels underneath; ``from mfrec.compat import implicit`` the API of implicit 0.7.3 for ALS,
BPR and the item-item models. Every supported name and every difference from the originals
is listed in docs/compat.md.
"""

from __future__ import annotations

import importlib

__all__ = ["implicit", "surprise"]


def __getattr__(name: str):
    if name in __all__:  # imported on first use: neither layer costs anything until then
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
