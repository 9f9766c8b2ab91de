"""BayesianMF's Gibbs chain (``bayesian_mf.py``): ``GibbsTrainer`` (the C++ half-sweeps,
the Normal–Wishart and Gamma draws of the hyperparameters here), the stacked layout of the
kept samples (``_stack_rows``, and ``_raw_sample`` to read one sample back, which fold-in
and the scorer use too) and the Wishart draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _core
from .._cores import work_ns
from .._engine import Csr
from .._validation import check_random_state

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from ..interactions import Interactions


def _stack_rows(draws: np.ndarray, bias_mean: np.ndarray, k: int, side: str, biased: bool,
                S: int) -> np.ndarray:
    """(n, S, w) stacked blocks of ``draws`` (n, S, d): users [p, b − b̄, 1] / S, items
    [q, 1, b − b̄] (unbiased: p / S and q)."""
    n = draws.shape[0]
    w = k + 2 if biased else k
    out = np.empty((n, S, w), dtype=np.float32)
    out[:, :, :k] = draws[:, :, :k]
    if biased:
        dev = draws[:, :, k] - bias_mean[:, None]
        if side == "user":
            out[:, :, k], out[:, :, k + 1] = dev, 1.0
        else:
            out[:, :, k], out[:, :, k + 1] = 1.0, dev
    if side == "user":
        out *= np.float32(1.0 / S)
    return out


def _raw_sample(stack: np.ndarray, bias_mean: np.ndarray, s: int, S: int, k: int, side: str,
                biased: bool) -> np.ndarray:
    """Sample s of a side as the sampler lays it out: (n, d) rows [factors, bias]."""
    n = stack.shape[0]
    w = k + 2 if biased else k
    block = stack.reshape(n, S, w)[:, s].astype(np.float32)
    if side == "user":
        block *= np.float32(S)
    if not biased:
        return np.ascontiguousarray(block)
    col = k if side == "user" else k + 1
    out = np.empty((n, k + 1), dtype=np.float32)
    out[:, :k] = block[:, :k]
    out[:, k] = block[:, col] + bias_mean
    return out


def _wishart(rng: np.random.Generator, scale: np.ndarray, df: float) -> np.ndarray:
    """A draw of Wishart(scale, df) (Bartlett's decomposition)."""
    d = scale.shape[0]
    L = np.linalg.cholesky(scale)
    A = np.zeros((d, d))
    A[np.diag_indices(d)] = np.sqrt(rng.chisquare(df - np.arange(d)))
    A[np.tril_indices(d, -1)] = rng.standard_normal(d * (d - 1) // 2)
    LA = L @ A
    return LA @ LA.T


class GibbsTrainer:
    """The Gibbs chain of one fit: a sweep is the user hyperparameters, the user rows, the
    item hyperparameters, the item rows (and α); kept sweeps are stored stacked."""

    def __init__(self, data: Interactions, params: dict, engine: LocalEngine, *,
                 biased: bool, random_state: Any) -> None:
        k = params["k"]
        d = k + 1 if biased else k
        self.k, self.d, self.biased, self.engine = k, d, biased, engine
        self.n_epochs = params["n_epochs"]
        self.burn_in, self.thin = params["burn_in"], params["thin"]
        self.S = min(params["n_samples"], max(1, (self.n_epochs - self.burn_in + self.thin - 1)
                                             // self.thin))
        self.beta0, self.w0 = params["beta0"], params["w0"]
        self.fixed_alpha = params["alpha"]
        self.alpha = 2.0 if params["alpha"] is None else params["alpha"]
        self.mu = float(params["global_mean"])
        self.nnz = data.nnz
        by_user = Csr(data.indptr, data.item_index, np.ascontiguousarray(data.ratings,
                                                                         np.float32))
        self.rows = {"users": by_user, "items": by_user.transpose(data.n_items)}
        rng = check_random_state(random_state)
        seeds = rng.integers(0, 2**63, size=3)
        self.seed = int(seeds[0])
        self.hyper_rng = np.random.default_rng(int(seeds[1]))
        n = {"users": data.n_users, "items": data.n_items}
        self.F, self.stats, self.has = {}, {}, {}
        nt = engine.threads(work_ns("rand", (n["users"] + n["items"]) * d))
        for j, side in enumerate(("users", "items")):
            F = np.empty((n[side], d), dtype=np.float32)
            _core.init_normal(F, k=k, mean=0.0, std=params["init_std"],
                              seed=int(seeds[2]) + j, n_threads=nt)
            self.has[side] = np.diff(self.rows[side].indptr) > 0
            F[~self.has[side]] = 0.0
            self.F[side] = F
            X = F[self.has[side]].astype(np.float64)
            self.stats[side] = (X.sum(axis=0), X.T @ X)
        w = k + 2 if biased else k
        self.w = w
        self.kept = 0
        # kept samples, stacked as the scorer reads them (raw biases until the end)
        self.store = {s: np.zeros((n[s], self.S, w), dtype=np.float32) for s in n}
        self.hyper = {s: (np.zeros((self.S, d)), np.zeros((self.S, d, d))) for s in n}
        self.alphas = np.zeros(self.S)
        self.current = {}  # the hyperparameters of this sweep, per side

    def _draw_hyper(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        """(μ, Λ) from their Normal–Wishart conditional given the side's rows with data."""
        total, scatter = self.stats[side]
        scatter = np.tril(scatter) + np.tril(scatter, -1).T
        N = int(self.has[side].sum())
        d = self.d
        xbar = total / max(N, 1)
        S = scatter - N * np.outer(xbar, xbar)  # Σ (x − x̄)(x − x̄)ᵀ
        beta_n, nu_n = self.beta0 + N, d + N
        mu_n = N * xbar / beta_n
        W_inv = np.eye(d) / self.w0 + S + (self.beta0 * N / beta_n) * np.outer(xbar, xbar)
        W_inv = 0.5 * (W_inv + W_inv.T)
        Lam = _wishart(self.hyper_rng, np.linalg.inv(W_inv), nu_n)
        L = np.linalg.cholesky(beta_n * Lam)
        mu0 = mu_n + np.linalg.solve(L.T, self.hyper_rng.standard_normal(d))
        return mu0, Lam

    def _half(self, side: str, t: int, sse: bool) -> float:
        other = "items" if side == "users" else "users"
        mu0, Lam = self._draw_hyper(side)
        self.current[side] = (mu0, Lam)
        prec = np.ascontiguousarray(Lam, dtype=np.float32)
        pm = (Lam @ mu0).astype(np.float32)
        d, R = self.d, self.rows[side]
        total, scatter = np.empty(d), np.empty((d, d))
        row_sse = np.empty(R.n_rows) if sse else None
        params = _core.GibbsParams(alpha=self.alpha, mu=self.mu, biased=self.biased,
                                   seed=self.seed, sweep=t, side=0 if side == "users" else 1)
        work = len(R.indices) * d * d + R.n_rows * d ** 3 / 3
        failed = _core.gibbs_half_sweep(R.indptr, R.indices, R.values, self.F[side],
                                        self.F[other], params=params, prec=prec, prec_mean=pm,
                                        stats_sum=total, stats_scatter=scatter,
                                        row_sse=row_sse,
                                        n_threads=self.engine.threads(work_ns("als", work)))
        if failed or not (np.all(np.isfinite(total)) and np.all(np.isfinite(scatter))):
            raise FloatingPointError(f"BayesianMF diverged: non-finite values at sweep {t + 1} "
                                     f"({failed} rows not positive definite)")
        self.stats[side] = (total, scatter)
        return float(np.sum(row_sse)) if sse else 0.0

    def epoch(self, t: int) -> float:
        self._half("users", t, False)
        sse = self._half("items", t, True)
        alpha_used = self.alpha
        if self.fixed_alpha is None:
            self.alpha = float(self.hyper_rng.gamma(1.0 + self.nnz / 2.0,
                                                    1.0 / (1.0 + sse / 2.0)))
        after = t - self.burn_in
        last = t == self.n_epochs - 1
        if self.kept < self.S and ((after >= 0 and after % self.thin == 0)
                                   or (last and self.kept == 0)):
            s = self.kept
            for side in ("users", "items"):
                self._keep(side, s)
                self.hyper[side][0][s], self.hyper[side][1][s] = self.current[side]
            self.alphas[s] = alpha_used
            self.kept += 1
        loss = sse / self.nnz
        if not np.isfinite(loss):
            raise FloatingPointError(f"BayesianMF diverged (non-finite loss) at sweep {t + 1}")
        return loss

    def _keep(self, side: str, s: int) -> None:
        """Sample s of ``side`` into its stack: users [p, b, 1], items [q, 1, b] (the biases
        are centred and the users scaled by 1/S when the state is handed over)."""
        F, out, k = self.F[side], self.store[side][:, s], self.k
        out[:, :k] = F[:, :k]
        if self.biased:
            one, bias = (k + 1, k) if side == "users" else (k, k + 1)
            out[:, bias] = F[:, k]
            out[:, one] = self.has[side]

    def state(self, final: bool) -> dict[str, Any]:
        k, inplace = self.k, final
        if self.kept == 0:  # burn-in: the current sample alone
            store = {}
            for side, name in (("users", "user"), ("items", "item")):
                F = self.F[side][:, None, :]
                mean_b = F[:, 0, k] if self.biased else np.zeros(F.shape[0], np.float32)
                store[side] = _stack_rows(F, mean_b, k, name, self.biased, 1)
                if self.biased:  # _stack_rows centres the bias: put it back raw
                    store[side][:, :, k if name == "user" else k + 1] += mean_b[:, None]
            hyper = {s: (self.current[s][0][None], self.current[s][1][None]) for s in self.F}
            alphas = np.array([self.alpha])
            inplace = True  # the arrays are new: centre them in place
        else:
            store = {s: self.store[s][:, :self.kept] for s in self.F}
            hyper = {s: (self.hyper[s][0][:self.kept], self.hyper[s][1][:self.kept])
                     for s in self.F}
            alphas = self.alphas[:self.kept]
        S = store["users"].shape[1]
        out: dict[str, Any] = {"alpha_": alphas.astype(np.float64).copy()}
        for side, name in (("users", "user"), ("items", "item")):
            stack = store[side]
            n = stack.shape[0]
            factors = stack[:, :, :k].mean(axis=1, dtype=np.float64).astype(np.float32)
            if not inplace or not stack.flags.c_contiguous:
                stack = np.ascontiguousarray(stack) if inplace else stack.copy()
            bias = np.zeros(n, dtype=np.float32)
            if self.biased:
                col = k if name == "user" else k + 1
                bias = stack[:, :, col].mean(axis=1, dtype=np.float64).astype(np.float32)
                stack[:, :, col] -= bias[:, None]
            if name == "user":
                stack *= np.float32(1.0 / S)
            stack[~self.has[side]] = 0.0
            out[f"{name}_factors_"] = factors
            out[f"{name}_bias_"] = bias
            out[f"{name}_samples_"] = stack.reshape(n, S * self.w)
            out[f"{name}_prior_mean_"] = hyper[side][0].copy()
            out[f"{name}_prior_prec_"] = hyper[side][1].copy()
        if final:
            self.store = None
        return out
