"""The models: one module (or package) per model family, each exporting its estimators in
``__all__``.

Every public module here is imported and its ``__all__`` re-exported, in name order, so a
new model family is exported from ``mfrec.models`` and from ``mfrec`` by existing: nothing
lists the models by hand (``mfrec.all_models()`` derives the list). Private modules
(``_sgd.py``: the Python side of the shared SGD machinery; ``_sgd_grid.py``: the trainer
on its block grid; ``_knn_train.py`` and the like: a family's trainer, scorer or helpers,
imported by its module) are not walked.
"""

import importlib
import pkgutil

__all__: list[str] = []

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("_"):
        continue
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)

del _info, _module, _name
