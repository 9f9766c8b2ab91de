"""mfrec: fast matrix-factorization recommenders (C++17/OpenMP kernels, scikit-learn API).

>>> import mfrec
>>> data = mfrec.datasets.load_movielens("100k")
>>> train, test = mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)
>>> model = mfrec.FunkSVD(random_state=0).fit(train)
>>> mfrec.evaluate(model, test)
"""

from . import datasets, metrics, model_selection, plot
from ._base import NotFittedError, Recommender
from ._persist import ModelFileError, load
from ._validation import UnknownIdError
from .als import ALS, ImplicitALS
from .baseline import Baseline
from .evaluation import evaluate
from .funk_svd import FunkSVD
from .interactions import Interactions

__version__ = "0.1.0"

__all__ = [
    "ALS",
    "ImplicitALS",
    "Baseline",
    "FunkSVD",
    "Interactions",
    "ModelFileError",
    "NotFittedError",
    "Recommender",
    "UnknownIdError",
    "datasets",
    "evaluate",
    "load",
    "metrics",
    "model_selection",
    "plot",
]
