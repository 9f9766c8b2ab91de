"""mfrec: fast matrix-factorization recommenders (C++17/OpenMP kernels, scikit-learn API).

>>> import mfrec
>>> data = mfrec.datasets.load_movielens("100k")
>>> train, test = mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)
>>> model = mfrec.FunkSVD(random_state=0).fit(train)
>>> mfrec.evaluate(model, test)

The models live in ``mfrec.models`` (one module per family) and are exported here by
existing: ``mfrec.all_models()`` lists them.
"""

from . import datasets, metrics, model_selection, models, plot
from ._base import NotFittedError, Recommender
from ._persist import ModelFileError, load
from ._registry import all_models
from ._traits import ModelTraits
from ._validation import UnknownIdError
from ._version import __version__ as __version__
from .evaluation import evaluate
from .interactions import Interactions
from .models import *  # noqa: F403 -- every model family's estimators (models.__all__)

__all__ = [
    "Interactions",
    "ModelFileError",
    "ModelTraits",
    "NotFittedError",
    "Recommender",
    "UnknownIdError",
    "all_models",
    "datasets",
    "evaluate",
    "load",
    "metrics",
    "model_selection",
    "models",
    "plot",
    *models.__all__,
]
