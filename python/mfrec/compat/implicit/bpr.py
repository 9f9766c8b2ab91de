"""``implicit.bpr``: ``BayesianPersonalizedRanking`` on ``mfrec.BPR``.

implicit's layout: ``item_factors`` has ``factors + 1`` columns, the last one the item bias,
and ``user_factors`` a last column of ones, so that ``user_factors @ item_factors.T`` is the
model's score (p_uᵀq_i + b_i). Training is mfrec's BPR kernel with implicit's settings: SGD
with the constant step ``learning_rate``, L2 weight ``regularization`` on every parameter,
``iterations`` epochs of one (user, liked, other) triple per stored entry, the other item
drawn as implicit draws it (the item of a random stored entry: popularity-weighted), a triple
skipped when the user liked it (``verify_negative_samples``), factors started with implicit's
spread (N(0, (0.29/factors)²); implicit: uniform [−0.5, 0.5) / factors). Difference
(docs/compat.md): mfrec visits every stored entry once per epoch in a shuffled order
(implicit draws the entries with replacement); ``callback`` gets None for implicit's
``correct`` and ``skipped`` counts. As in implicit, ``recalculate_user`` raises
NotImplementedError (``mfrec.BPR``'s ``fold_in`` fits new users by SGD on their items).
"""

from __future__ import annotations

import time

import numpy as np

from ..._validation import check_float, check_int
from .cpu.matrix_factorization_base import NO_GPU, MatrixFactorizationBase, reject_gpu
from .gpu import HAS_CUDA
from .utils import check_csr

__all__ = ["BayesianPersonalizedRanking"]


class BayesianPersonalizedRanking(MatrixFactorizationBase):
    """Bayesian Personalized Ranking (Rendle et al. 2009) with implicit 0.7.3's API."""

    def __init__(self, factors=100, learning_rate=0.01, regularization=0.01, dtype=np.float32,
                 iterations=100, verify_negative_samples=True, random_state=None,
                 num_threads=0, use_gpu=HAS_CUDA):
        reject_gpu(use_gpu)
        super().__init__(num_threads=num_threads)
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.dtype = np.dtype(dtype)
        self.iterations = iterations
        self.verify_negative_samples = verify_negative_samples
        self.random_state = random_state
        self._model = None

    def __getstate__(self):
        state = super().__getstate__()
        state["_model"] = None  # the factors are the model; fold-in rebuilds it
        return state

    def _mfrec(self):
        import mfrec

        n = int(self.num_threads)
        seed = self.random_state
        if isinstance(seed, (np.random.Generator, np.random.RandomState)):
            seed = int(seed.integers(0, 2**31)) if isinstance(seed, np.random.Generator) \
                else int(seed.randint(0, 2**31))
        k = check_int(self.factors, "factors", min_value=1)
        return mfrec.BPR(n_factors=k, negatives="popularity", init_std=0.29 / k,
                         n_epochs=check_int(self.iterations, "iterations", min_value=0),
                         lr=check_float(self.learning_rate, "learning_rate", positive=True),
                         reg=check_float(self.regularization, "regularization", nonneg=True),
                         verify_negatives=bool(self.verify_negative_samples),
                         lr_schedule="constant", n_threads=None if n <= 0 else n,
                         random_state=seed)

    def fit(self, user_items, show_progress=True, callback=None):
        """Fit on a users x items CSR matrix (any stored value is a like)."""
        Cui = check_csr(user_items)
        model = self._mfrec()
        if Cui.nnz == 0:  # implicit fits nothing: zero factors (users' bias column 1)
            k = check_int(self.factors, "factors", min_value=1)
            self._model = None
            self._set_factors(np.zeros((Cui.shape[0], k), np.float32),
                              np.zeros((Cui.shape[1], k), np.float32),
                              np.zeros(Cui.shape[1], np.float32))
            return self
        last = [time.time()]

        def each_epoch(info):
            if callback is not None:  # implicit passes (epoch, elapsed, correct, skipped);
                now = time.time()     # mfrec's kernel counts neither: None, None
                callback(info["epoch"] - 1, now - last[0], None, None)
                last[0] = now
            return True

        model.fit(Cui, callback=each_epoch)
        self._model = model
        self._set_factors(model.user_factors_, model.item_factors_, model.item_bias_)
        self._check_factors(self.user_factors, self.item_factors)
        return self

    def _set_factors(self, P, Q, b) -> None:
        ones = np.ones((P.shape[0], 1), dtype=np.float32)
        self.user_factors = np.hstack([P, ones]).astype(self.dtype)
        self.item_factors = np.hstack([Q, b[:, None]]).astype(self.dtype)
        self._factors_changed()

    def save(self, fileobj_or_path):
        """An .npz of the factors and parameters (implicit's layout; no pickle)."""
        args = {"user_factors": self.user_factors, "item_factors": self.item_factors,
                "factors": self.factors, "learning_rate": self.learning_rate,
                "regularization": self.regularization, "iterations": self.iterations,
                "verify_negative_samples": self.verify_negative_samples,
                "num_threads": self.num_threads, "dtype": self.dtype.name,
                "random_state": self.random_state}
        args = {k: v for k, v in args.items()
                if v is not None and not isinstance(v, (np.random.Generator,
                                                         np.random.RandomState))}
        np.savez(fileobj_or_path, **args)

    def to_gpu(self):
        raise ValueError(NO_GPU)

    def to_cpu(self):
        return self
