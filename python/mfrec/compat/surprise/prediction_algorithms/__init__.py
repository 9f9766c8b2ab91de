"""The algorithms of the Surprise layer (those mfrec has) and their base class."""

from .algo_base import AlgoBase
from .baseline_only import BaselineOnly
from .matrix_factorization import SVD, SVDpp
from .predictions import Prediction, PredictionImpossible
from .random_pred import NormalPredictor

__all__ = ["AlgoBase", "BaselineOnly", "NormalPredictor", "Prediction",
           "PredictionImpossible", "SVD", "SVDpp"]
