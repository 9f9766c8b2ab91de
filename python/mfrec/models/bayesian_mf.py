"""Bayesian matrix factorization by Gibbs sampling (BPMF), with predictive uncertainty.

The sampler lives in C++ (``cpp/include/mfrec/bmf.hpp``): each half-sweep draws every row
of one side from its Gaussian conditional given the other side, in parallel over rows, the
random numbers of a row keyed by (seed, sweep, side, row). The Normal–Wishart draws of the
hyperparameters (d × d, twice per sweep) and the Gamma draw of the noise precision are done
here with numpy, from a Generator seeded by ``random_state``: they cost O(d³) and need only
each side's sums Σ x and Σ x xᵀ, which the half-sweep returns.

Predictions are exact posterior means over the kept samples: the samples are stored stacked,
user row u = [p_u^s, b_u^s − b̄_u, 1] / S and item row i = [q_i^s, 1, b_i^s − b̄_i] for
s = 1..S, so that μ + b̄_u + b̄_i + (stacked u)·(stacked i) = (1/S) Σ_s r̂_ui^s — a dot
product, which the shared fused prediction and top-N kernels run unchanged. The same stacks
give the posterior variance of a score (``_core.stacked_moments``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _core
from .._base import Recommender
from .._cores import work_ns
from .._engine import Csr
from .._scoring import DotScorer
from .._traits import ModelTraits
from .._validation import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_random_state,
    check_shared_params,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike, Seed
    from ..interactions import Interactions

__all__ = ["BayesianMF"]

_SIDE_KEYS = {"users": ("user", 0), "items": ("item", 1)}


class BayesianMF(Recommender):
    """Bayesian matrix factorization by Gibbs sampling (Salakhutdinov & Mnih 2008, BPMF).

    r_ui ~ N(μ + b_u + b_i + p_uᵀq_i, α⁻¹), with [p_u, b_u] ~ N(μ_U, Λ_U⁻¹) for every user
    and [q_i, b_i] ~ N(μ_I, Λ_I⁻¹) for every item (the bias is one more coordinate of the
    row, so its prior variance and its covariance with the factors are learned too), and
    Normal–Wishart hyperpriors on (μ_U, Λ_U) and (μ_I, Λ_I): μ ~ N(0, (β₀Λ)⁻¹),
    Λ ~ Wishart(W₀ = w0·I, ν₀ = d). Each sweep draws the user hyperparameters, every user
    row, the item hyperparameters, every item row (and α, with ``alpha="auto"``). No
    regularization to tune: it is learned from the data.

    ``predict`` is the posterior mean over the kept samples (exact: the samples are kept,
    stacked so that the mean is one dot product and the shared fused kernels run it);
    ``predict(..., return_std=True)`` adds the predictive standard deviation;
    ``recommend`` ranks by the posterior mean, ``recommend(risk_aversion=κ)`` by the lower
    bound mean − κ·se(item), se(item) the posterior std of the item's score for the average
    user. ``user_factors_`` / ``item_factors_`` / the biases are the posterior means of the
    rows (``similar_items`` / ``similar_users`` use them).

    Fold-in (``fold_in``, ``add_users``, and the item side) draws each new row once per kept
    sample from its conditional given that sample of the other side, its hyperparameters and
    α; ``fold_in`` returns the means of the draws, ``add_users`` keeps the draws, so the new
    rows predict exactly like trained ones. ``save`` stores the kept samples and the
    hyperparameters of each kept sweep (what exact prediction, the std and fold-in need):
    about (n_users + n_items) × n_samples × (n_factors + 2) floats. The chain is the same at
    any ``n_threads`` for a given ``random_state``.

    Parameters
    ----------
    n_factors : int, default 10
        Number of latent factors k.
    n_samples : int, default 150
        Samples kept for prediction (after the burn-in, every ``thin``-th sweep).
    burn_in : int, default 30
        Sweeps discarded before the first kept sample.
    thin : int, default 1
        Keep every ``thin``-th sweep after the burn-in.
    n_epochs : int, optional
        Total sweeps; default ``burn_in + n_samples * thin``. Fewer sweeps keep fewer
        samples (at least the last sweep's).
    alpha : float or "auto", default "auto"
        Precision α of the rating noise, fixed (at most 1e4); ``"auto"``: sampled from its
        conditional (Gamma(1 + N/2, rate 1 + SSE/2), N ratings) every sweep, starting from 2.
    beta0 : float, default 2.0
        Prior strength of the hyperprior mean (μ ~ N(0, (β₀Λ)⁻¹)).
    w0 : float, default 1.0
        Scale of the Wishart hyperprior, W₀ = w0·I.
    biased : bool, default True
        Model the user and item biases (as one more row coordinate each).
    init_std : float, default 0.1
        Standard deviation of the initial factors (at most 1000).
    n_threads : int, optional
        None / -1 = all cores. The chain does not depend on it.
    random_state : int, numpy Generator, SeedSequence or None
        Seed of the chain (row draws and hyperparameter draws).
    verbose : bool, default False
        Progress bar with the training RMSE of each sweep (and ``val_rmse`` of the
        posterior mean so far with an ``eval_set``).
    """

    def __init__(self, n_factors: int = 10, n_samples: int = 150, burn_in: int = 30,
                 thin: int = 1, n_epochs: int | None = None, alpha: float | str = "auto",
                 beta0: float = 2.0, w0: float = 1.0, biased: bool = True,
                 init_std: float = 0.1, n_threads: int | None = None,
                 random_state: Seed = None, verbose: bool = False) -> None:
        self.n_factors = n_factors
        self.n_samples = n_samples
        self.burn_in = burn_in
        self.thin = thin
        self.n_epochs = n_epochs
        self.alpha = alpha
        self.beta0 = beta0
        self.w0 = w0
        self.biased = biased
        self.init_std = init_std
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def _get_traits(self) -> ModelTraits:
        small = {"n_factors": 4, "n_samples": 4, "burn_in": 2, "n_epochs": 6, "random_state": 0}
        return ModelTraits(feedback="explicit", val_metric="rmse", fold_in="sample",
                           deterministic=True, biased=bool(self.biased), scoring="dot",
                           test_variants=(small, {**small, "biased": False, "alpha": "auto",
                                                  "thin": 2, "n_epochs": 10}))

    def _check_params(self) -> dict[str, Any]:
        # shared parameters (n_factors, init_std): _validation.SHARED_PARAMS; the others,
        # n_epochs too (None: burn_in + n_samples * thin), are BayesianMF's own
        p = check_shared_params(self, "n_factors")
        p.update(n_samples=check_int(self.n_samples, "n_samples", min_value=1),
                 burn_in=check_int(self.burn_in, "burn_in", min_value=0),
                 thin=check_int(self.thin, "thin", min_value=1),
                 beta0=check_float(self.beta0, "beta0", positive=True),
                 w0=check_float(self.w0, "w0", positive=True))
        p.update(check_shared_params(self, "init_std"))
        if p["init_std"] > 1e3:  # float32 factors: the first draws would overflow
            raise ValueError(f"init_std must be <= 1000, got {p['init_std']}")
        total = p["burn_in"] + p["n_samples"] * p["thin"]
        p["n_epochs"] = total if self.n_epochs is None else check_int(
            self.n_epochs, "n_epochs", min_value=1)
        if isinstance(self.alpha, str):
            check_choice(self.alpha, "alpha", ("auto",))
            p["alpha"] = None
        else:
            p["alpha"] = check_float(self.alpha, "alpha", positive=True)
            if p["alpha"] > 1e4:  # a noise std below 0.01: float32 systems lose definiteness
                raise ValueError(f"alpha must be <= 1e4 (a noise std of 0.01), got {p['alpha']}")
        check_bool(self.biased, "biased")
        return p

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> BayesianMF:
        """Run the Gibbs sampler and keep its samples.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Validation ratings; ``val_rmse`` of the posterior mean so far (the current
            sample during the burn-in) is reported after every sweep.
        callback : callable, optional
            ``callback(info)`` after every sweep with a dict: ``epoch`` (int, 1-based),
            ``elapsed`` (seconds), ``loss`` (training mean squared error of the sweep's
            sample) and, with an ``eval_set``, ``val_rmse``; returning ``False`` stops.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_factors), ``item_factors_``,
            ``user_bias_``, ``item_bias_`` (posterior means over the kept samples, float32),
            ``user_samples_`` (n_users, S·w) and ``item_samples_`` (n_items, S·w) (the kept
            samples stacked, w = n_factors + 2 when biased, else n_factors), ``alpha_``
            (S,) (α per kept sample), ``user_prior_mean_`` / ``item_prior_mean_`` (S, d) and
            ``user_prior_prec_`` / ``item_prior_prec_`` (S, d, d) (each kept sweep's
            hyperparameters, for fold-in and the uncertainty of cold pairs; d = n_factors
            + 1 when biased), ``global_mean_``, ``history_``.

        Raises
        ------
        FloatingPointError
            The chain diverged (non-finite values).
        ValueError, TypeError
            An invalid parameter (named in the message), or empty training data.
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> GibbsTrainer:
        return GibbsTrainer(data, params, engine, biased=bool(self.biased),
                            random_state=self.random_state)

    def _make_scorer(self, state: dict[str, Any]) -> BayesScorer:
        return BayesScorer(state)

    # -- prediction with uncertainty -------------------------------------------------------
    def predict(self, users: ArrayLike, items: ArrayLike, *, clip: bool = True,
                unknown: str = "raise", return_std: bool = False,
                ) -> (NDArray[np.float32] | float
                      | tuple[NDArray[np.float32], NDArray[np.float32]] | tuple[float, float]):
        """Posterior mean ratings of (user, item) pairs, optionally with their std.

        Parameters
        ----------
        users, items, clip, unknown
            As in :meth:`mfrec.Recommender.predict`.
        return_std : bool, default False
            Also return the predictive standard deviation of each rating:
            √(Var_posterior(score) + E[α⁻¹]), the posterior variance of the score over the
            kept samples plus the rating noise. For a cold or unknown side, its row is
            taken from the prior of each kept sample (μ, Λ⁻¹) instead.

        Returns
        -------
        mean : ndarray of shape (n,), float32, or float
            The posterior mean (clipped to the rating scale with ``clip``).
        std : ndarray of shape (n,), float32, or float
            Only with ``return_std`` (never clipped).
        """
        mean = super().predict(users, items, clip=clip, unknown=unknown)
        if not return_std:
            return mean
        st = self._snapshot()
        missing = "raise" if unknown == "raise" else "ignore"
        u_raw, i_raw = np.asarray(users).reshape(-1), np.asarray(items).reshape(-1)
        u = st.user_map_.to_inner(u_raw, missing=missing).astype(np.int64)
        i = st.item_map_.to_inner(i_raw, missing=missing).astype(np.int64)
        u = np.where((u >= 0) & ~st._cold_users_[np.maximum(u, 0)], u, -1)
        i = np.where((i >= 0) & ~st._cold_items_[np.maximum(i, 0)], i, -1)
        std = st.scorer.predict_std(u, i, st.threads(work_ns("pair", len(u) * st.scorer.width
                                                              * st.scorer.n_samples)))
        if np.ndim(mean) == 0:
            return mean, float(std[0])
        return mean, std

    # -- fold-in: new rows drawn against every kept sample of the other side ----------------
    def _fold_in_rows(self, side: str, R, state: dict | None = None):
        """Each new row drawn once per kept sample s from its conditional given the other
        side's sample s, that sweep's hyperparameters and α (seeded by ``random_state``);
        the factors and biases returned are the means over the samples."""
        st = self._fitted_state() if state is None else state
        own, side_id = _SIDE_KEYS[side]
        other = "item" if own == "user" else "user"
        biased = bool(st["_biased"])
        stacks = {s: st[f"{s}_samples_"] for s in ("user", "item")}
        alphas = st["alpha_"]
        S = len(alphas)
        k = st["user_factors_"].shape[1]
        w, d = (k + 2, k + 1) if biased else (k, k)
        mu = float(st["global_mean_"])
        n_new = R.shape[0]
        rows = Csr(R.indptr.astype(np.int64), R.indices.astype(np.int32),
                   np.ascontiguousarray(R.data, dtype=np.float32))
        has = np.diff(rows.indptr) > 0
        draws = np.zeros((n_new, S, d), dtype=np.float32)
        X = np.zeros((n_new, d), dtype=np.float32)
        seed = int(check_random_state(self.random_state).integers(0, 2**63)) ^ 0x5F0D
        nt = st["n_threads_"]
        for s in range(S):
            Y = _raw_sample(stacks[other], st[f"{other}_bias_"], s, S, k, other, biased)
            prec = np.ascontiguousarray(st[f"{own}_prior_prec_"][s], dtype=np.float32)
            pm = (prec.astype(np.float64) @ st[f"{own}_prior_mean_"][s]).astype(np.float32)
            params = _core.GibbsParams(alpha=float(alphas[s]), mu=mu, biased=biased,
                                       seed=seed, sweep=s, side=2 + side_id)
            _core.gibbs_half_sweep(rows.indptr, rows.indices, rows.values, X, Y,
                                   params=params, prec=prec, prec_mean=pm, n_threads=nt)
            draws[:, s] = X
        factors = draws[:, :, :k].mean(axis=1).astype(np.float32)
        bias = (draws[:, :, k].mean(axis=1).astype(np.float32) if biased
                else np.zeros(n_new, dtype=np.float32))
        stack = _stack_rows(draws, bias, k, own, biased, S)
        stack[~has] = 0.0
        return factors, bias, {f"{own}_samples_": stack.reshape(n_new, S * w)}


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
