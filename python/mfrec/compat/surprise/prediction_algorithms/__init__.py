"""The algorithms of the Surprise layer (those mfrec has) and their base class."""

from .algo_base import AlgoBase
from .baseline_only import BaselineOnly
from .knns import KNNBaseline, KNNBasic, KNNWithMeans
from .matrix_factorization import NMF, SVD, SVDpp
from .predictions import Prediction, PredictionImpossible
from .random_pred import NormalPredictor

__all__ = ["AlgoBase", "BaselineOnly", "KNNBaseline", "KNNBasic", "KNNWithMeans", "NMF",
           "NormalPredictor", "Prediction", "PredictionImpossible", "SVD", "SVDpp"]
