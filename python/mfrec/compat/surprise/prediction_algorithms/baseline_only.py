"""``BaselineOnly``: r̂_ui = μ + b_u + b_i (Surprise's algorithm, ``bsl_options`` as there)."""

from __future__ import annotations

import numpy as np

from .algo_base import AlgoBase

__all__ = ["BaselineOnly"]


class BaselineOnly(AlgoBase):
    """The baseline estimate μ + b_u + b_i, biases by ``bsl_options`` ("als", the default,
    on ``mfrec.Baseline``; or "sgd"); an unknown user or item contributes no bias."""

    def __init__(self, bsl_options={}, verbose=True):  # noqa: B006 (Surprise's signature)
        AlgoBase.__init__(self, bsl_options=bsl_options)
        self.verbose = verbose

    def fit(self, trainset):
        AlgoBase.fit(self, trainset)
        self.bu, self.bi = self.compute_baselines()
        return self

    def _estimate_batch(self, u, i):
        est = np.full(len(u), self.trainset.global_mean)
        est += np.where(u >= 0, self.bu[np.maximum(u, 0)], 0.0)
        est += np.where(i >= 0, self.bi[np.maximum(i, 0)], 0.0)
        return est, np.zeros(len(u), dtype=bool), "", None
