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

This module holds the estimator (and its fold-in draws); the chain, ``GibbsTrainer``, and
the stacking of samples are in ``_bayesian_mf_train.py``, the scorer, ``BayesScorer``, in
``_bayesian_mf_score.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _core
from .._base import Recommender
from .._cores import work_ns
from .._engine import Csr
from .._traits import ModelTraits
from .._validation import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_random_state,
    check_shared_params,
)
from ._bayesian_mf_score import BayesScorer
from ._bayesian_mf_train import GibbsTrainer, _raw_sample, _stack_rows

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
