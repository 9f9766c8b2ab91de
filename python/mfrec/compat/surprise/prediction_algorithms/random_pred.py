"""``NormalPredictor``: a random rating from the normal distribution of the training ones."""

from __future__ import annotations

import numpy as np

from .algo_base import AlgoBase

__all__ = ["NormalPredictor"]


class NormalPredictor(AlgoBase):
    """Predicts N(μ, σ̂²) draws, μ and σ̂ the mean and (maximum-likelihood) standard deviation
    of the training ratings. Draws come from numpy's global random state, as in Surprise."""

    def __init__(self):
        AlgoBase.__init__(self)

    def fit(self, trainset):
        AlgoBase.fit(self, trainset)
        r = trainset._ratings
        self.sigma = float(np.sqrt(np.mean((r - trainset.global_mean) ** 2))) if len(r) else 0.0
        return self

    def _estimate_batch(self, u, i):
        est = np.random.normal(self.trainset.global_mean, self.sigma, size=len(u))  # noqa: NPY002 (numpy's global state, as Surprise)
        return est, np.zeros(len(u), dtype=bool), "", None
