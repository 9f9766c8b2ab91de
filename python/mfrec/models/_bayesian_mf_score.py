"""BayesianMF's scorer (``bayesian_mf.py``): the posterior mean as one dot product of the
stacked samples, and the posterior variance of scores (``predict(return_std=True)``,
``recommend(risk_aversion=...)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _core
from .._scoring import DotScorer
from ._bayesian_mf_train import _raw_sample

if TYPE_CHECKING:
    from numpy.typing import NDArray


class BayesScorer(DotScorer):
    """The posterior mean as a dot product of the stacked samples (see the module
    docstring), with the posterior variance of the scores."""

    def __init__(self, state: dict[str, Any]) -> None:
        biased = bool(state["_biased"])
        super().__init__(state["user_samples_"], state["item_samples_"],
                         state["user_bias_"] if biased else None,
                         state["item_bias_"] if biased else None,
                         offset=float(state["global_mean_"]), fallback=None, clip=True,
                         train=state["_train"])
        self.state = state
        self.biased = biased
        self.k = state["user_factors_"].shape[1]
        self.width = self.k + 2 if biased else self.k
        self.n_samples = len(state["alpha_"])
        self.noise_var = float(np.mean(1.0 / state["alpha_"]))

    def query_offsets(self, users: NDArray[np.int64]) -> NDArray[np.float32]:
        """μ + b̄_u per query row (μ alone without biases: the offset is never 0 here)."""
        bias = 0.0 if self.user_bias is None else self.user_bias[users]
        return np.ascontiguousarray(np.broadcast_to(self.offset + bias, (len(users),)),
                                    dtype=np.float32)

    def unit_rows(self, kind: str) -> NDArray[np.float32]:
        """Cosine similarity in the space of the posterior mean factors."""
        key = f"unit-{kind}"
        if key not in self.cache:
            F = self.state["item_factors_" if kind == "items" else "user_factors_"]
            norms = np.linalg.norm(F.astype(np.float64), axis=1)
            out = np.zeros_like(F)
            ok = norms > 0
            out[ok] = (F[ok] / norms[ok, None]).astype(np.float32)
            self.cache[key] = out
        return self.cache[key]

    def predict_var(self, u: NDArray[np.int64], i: NDArray[np.int64],
                    n_threads: int) -> NDArray[np.float64]:
        """Posterior variance of the score (μ + b_u + b_i + p_uᵀq_i) of each pair over the
        kept samples; a side without data (−1) is drawn from each sample's prior."""
        n = len(u)
        mean = np.empty(n, dtype=np.float32)
        var = np.empty(n, dtype=np.float32)
        _core.stacked_moments(np.ascontiguousarray(u, np.int64),
                              np.ascontiguousarray(i, np.int64), self.user_vectors,
                              self.item_vectors, mean, var, width=self.width,
                              n_threads=n_threads)
        out = var.astype(np.float64)
        cold = (u < 0) | (i < 0)
        if cold.any():
            out[cold] = self._prior_var(u[cold], i[cold])
        return out

    def _prior_var(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        """Var of pᵀq + b_u + b_i with each side a kept sample's row, or (−1) a draw from
        that sample's prior N(μ, Λ⁻¹), the two independent; total variance over samples."""
        st, k, S, b = self.state, self.k, self.n_samples, self.biased
        d = k + 1 if b else k
        means = np.empty((S, len(u)))
        within = np.empty((S, len(u)))
        for s in range(S):
            sides = []
            for name, idx in (("user", u), ("item", i)):
                raw = _raw_sample(st[f"{name}_samples_"], st[f"{name}_bias_"], s, S, k, name,
                                  b)
                m = raw[np.maximum(idx, 0)].astype(np.float64)
                C = np.zeros((len(idx), d, d))
                prior = idx < 0
                if prior.any():
                    m[prior] = st[f"{name}_prior_mean_"][s]
                    C[prior] = np.linalg.inv(st[f"{name}_prior_prec_"][s])
                sides.append((m, C))
            (mx, Cx), (my, Cy) = sides
            mp, mq = mx[:, :k], my[:, :k]
            Cp, Cq = Cx[:, :k, :k], Cy[:, :k, :k]
            v = (np.einsum("na,nab,nb->n", mp, Cq, mp) + np.einsum("na,nab,nb->n", mq, Cp, mq)
                 + np.einsum("nab,nba->n", Cp, Cq))
            e = np.einsum("na,na->n", mp, mq)
            if b:
                v += Cx[:, k, k] + Cy[:, k, k] + 2 * np.einsum("na,na->n", mq, Cx[:, :k, k]) \
                    + 2 * np.einsum("na,na->n", mp, Cy[:, :k, k])
                e += mx[:, k] + my[:, k]
            means[s], within[s] = e, v
        return within.mean(axis=0) + means.var(axis=0)

    def predict_std(self, u: NDArray[np.int64], i: NDArray[np.int64],
                    n_threads: int) -> NDArray[np.float32]:
        """Predictive std of a rating: √(posterior variance of the score + E[α⁻¹])."""
        return np.sqrt(self.predict_var(u, i, n_threads) + self.noise_var).astype(np.float32)

    def item_uncertainty(self, n_threads: int) -> NDArray[np.float32]:
        """Posterior std of each item's score for the average user: of b_i^s + p̄^sᵀq_i^s
        over the kept samples, p̄^s the mean user factors of sample s. An item without
        data gets the same quantity with its row drawn from each sample's prior."""
        if "item-se" not in self.cache:
            U, V = self.user_vectors, self.item_vectors
            S, w, k = self.n_samples, self.width, self.k
            warm = np.any(U != 0, axis=1)
            ubar = U[warm].reshape(-1, S, w).mean(axis=0, dtype=np.float64)  # (S, w)
            a = np.einsum("sw,isw->is", ubar, V.reshape(-1, S, w).astype(np.float64))
            var = np.maximum(S * np.sum(a * a, axis=1) - np.sum(a, axis=1) ** 2, 0.0)
            cold = ~np.any(V != 0, axis=1)
            if cold.any():
                # z = [p̄^s, 1] (the user's bias does not depend on the item): the prior
                # score z·y has mean z·μ_I^s and variance zᵀ Λ_I^s⁻¹ z
                z = ubar[:, :k] * S
                if self.biased:
                    z = np.c_[z, np.ones(S)]
                cov = np.linalg.inv(self.state["item_prior_prec_"])
                within = np.einsum("sa,sab,sb->s", z, cov, z)
                means = np.einsum("sa,sa->s", z, self.state["item_prior_mean_"])
                var[cold] = within.mean() + means.var()
            self.cache["item-se"] = np.sqrt(var).astype(np.float32)
        return self.cache["item-se"]
