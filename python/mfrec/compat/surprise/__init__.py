"""Surprise's API on mfrec: ``from mfrec.compat import surprise`` (or ``import
mfrec.compat.surprise as surprise``) and code written for scikit-surprise 1.1.5 runs with
mfrec's kernels underneath.

Supported: ``Reader``, ``Dataset`` (``load_builtin``, ``load_from_file``, ``load_from_df``,
``load_from_folds``), ``Trainset``, ``Prediction``, ``PredictionImpossible``, ``AlgoBase``,
the algorithms ``NormalPredictor``, ``BaselineOnly``, ``SVD``, ``SVDpp``, ``NMF``,
``KNNBasic``, ``KNNWithMeans``, ``KNNBaseline``,
``accuracy``, ``model_selection``, ``similarities``, ``dump``, ``get_dataset_dir``. Every
difference from Surprise is listed in docs/compat.md.
"""

from . import accuracy, dump, model_selection, similarities
from .builtin_datasets import get_dataset_dir
from .dataset import Dataset
from .prediction_algorithms import (
                                    SVD,
                                    AlgoBase,
                                    BaselineOnly,
                                    NormalPredictor,
                                    Prediction,
                                    PredictionImpossible,
                                    SVDpp,
)
from .reader import Reader
from .trainset import Trainset

__version__ = "1.1.5"  # the Surprise API this layer follows

__all__ = ["AlgoBase", "BaselineOnly", "Dataset", "NormalPredictor", "Prediction",
           "PredictionImpossible", "Reader", "SVD", "SVDpp", "Trainset", "accuracy", "dump",
           "get_dataset_dir", "model_selection", "similarities"]
