"""The registry of model classes: every :class:`~mfrec.Recommender` subclass registers itself
when its class statement runs (``Recommender.__init_subclass__``), so a model exists in the
registry by existing. The exported models are those defined in ``mfrec.models`` and listed in
their module's ``__all__``; ``import mfrec`` imports all of them, so by the time anything
asks, every exported model is registered. The CLI's model list, the docs' model table and
the shared contract tests are derived from :func:`all_models`; model files find their class
through :func:`model_classes`.
"""

from __future__ import annotations

import inspect
import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._base import Recommender

__all__ = ["all_models", "cli_name", "model_classes", "register"]

_CLASSES: dict[tuple[str, str], type] = {}  # (module, name) -> class, in definition order
_MODELS_PACKAGE = "mfrec.models"


def register(cls: type) -> None:
    """Record a model class (called by ``Recommender.__init_subclass__``)."""
    _CLASSES[(cls.__module__, cls.__qualname__)] = cls


def model_classes() -> dict[tuple[str, str], type]:
    """Every registered model class, keyed by (module, qualified name), mfrec's and others'."""
    return dict(_CLASSES)


def _exported(cls: type) -> bool:
    """Exported by ``mfrec.models`` (its ``__all__`` gathers every family's ``__all__``)."""
    package = sys.modules.get(_MODELS_PACKAGE)
    return (package is not None and cls.__name__ in getattr(package, "__all__", ())
            and getattr(package, cls.__name__) is cls and not inspect.isabstract(cls))


def all_models() -> list[tuple[str, type[Recommender]]]:
    """Every model mfrec exports, as scikit-learn's ``all_estimators`` lists estimators.

    Returns
    -------
    list of (str, type)
        ``(class name, class)`` sorted by name: the public classes defined in
        ``mfrec.models`` (``mfrec.FunkSVD``, ``mfrec.ALS``, ...).
    """
    found = {cls.__name__: cls for cls in _CLASSES.values() if _exported(cls)}
    return sorted(found.items())


def cli_name(cls: type) -> str:
    """A model's command-line name: the class name in kebab case (``ImplicitALS`` ->
    ``implicit-als``, ``FunkSVD`` -> ``funk-svd``, ``KNNBaseline`` -> ``knn-baseline``), or
    the name a class declares as its own ``_cli_name`` where kebab case would split a name
    wrongly (``SVDpp`` -> ``svdpp``, not ``sv-dpp``)."""
    own = vars(cls).get("_cli_name")
    if own:
        return own
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", cls.__name__)
    return name.lower()
