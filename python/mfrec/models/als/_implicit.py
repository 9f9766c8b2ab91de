"""Implicit-feedback ALS with confidence weighting (Hu, Koren & Volinsky 2008)."""

from __future__ import annotations

import warnings
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ... import _core
from ..._traits import ModelTraits
from ..._validation import check_choice, check_float
from ._common import AlsBase, AlsTrainer

if TYPE_CHECKING:
    from ..._engine import LocalEngine
    from ..._input import EpochCallback, InteractionsLike, Seed
    from ...interactions import Interactions

__all__ = ["ImplicitALS"]


def confidence(values: np.ndarray, *, kind: str, alpha: float, epsilon: float) -> np.ndarray:
    """c = 1 + alpha·log(1 + r/epsilon) (``kind="log"``) or 1 + alpha·r, float32."""
    r = values.astype(np.float64)
    if kind == "linear":
        return (1.0 + alpha * r).astype(np.float32)
    return (1.0 + alpha * np.log1p(r / epsilon)).astype(np.float32)


class ImplicitALS(AlsBase):
    """Implicit-feedback ALS with confidence weighting (Hu, Koren & Volinsky 2008).

    Every user-item pair enters the loss Σ_(u,i) c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² +
    Σ‖y_i‖²): preference p = 1 where the data has a positive value r, 0 elsewhere; confidence
    c = 1 + alpha·log(1 + r/epsilon) (``"log"``, the default) or 1 + alpha·r (``"linear"``)
    on observed pairs and 1 elsewhere. Each row solves (YᵀY + Σ_i (c_ui − 1) y_i y_iᵀ + λI)
    x_u = Σ_i c_ui y_i with YᵀY computed once per half-sweep. The initial factors are
    |Normal(0, init_std)|: non-negative item factors make the first solves agree on a common
    (popularity) direction, which the 3-step CG otherwise takes many epochs to find
    (implicit starts from uniform [0, 0.01) for the same reason).

    Mapping to other libraries: implicit (``AlternatingLeastSquares``) uses the stored
    value times its ``alpha`` *as* c, so implicit fed the matrix of ``1 + alpha·r`` values
    (with its alpha=1) solves exactly this model; implicit with ``alpha=a`` on raw r has
    c = a·r, i.e. no "+1". Spark's ``ALS(implicitPrefs=True)`` uses c = 1 + alpha·|r| —
    this model with ``confidence="linear"`` — but scales its regularization by the row
    count (ALS-WR).

    Parameters
    ----------
    n_factors : int, default 64
        Number of latent factors k.
    n_epochs : int, default 15
        Full sweeps (users then items).
    reg : float, default 100
        L2 weight λ (not scaled by the row count).
    alpha : float, default 8.0
        Confidence slope (see ``confidence``).
    confidence : {"log", "linear"}, default "log"
        c = 1 + alpha·log(1 + r/epsilon), or c = 1 + alpha·r. Raw counts (plays, clicks)
        need the log: with ``"linear"``, a warning says so when alpha times the median
        value exceeds 100.
    epsilon : float or "auto", default "auto"
        Scale of the ``"log"`` confidence; ``"auto"``: a tenth of the median positive
        training value (0.1 on 0/1 data, where c is then the constant 1 + alpha·ln 11).
        The value used is ``epsilon_``.
    solver : {"cg", "cholesky"}, default "cg"
        Conjugate gradient warm-started from the previous factors, or exact Cholesky.
    cg_steps : int, default 3
        CG steps per row and half-sweep (``solver="cg"`` only).
    init_std : float, default 0.01
        Scale of the initial factors, |Normal(0, init_std)|.
    n_threads : int, optional
        None / -1 = all cores. The result does not depend on it.
    random_state : int, numpy Generator, SeedSequence or None
        Seed for the initial factors.
    verbose : bool, default False
        Show a progress bar (tqdm, the ``progress`` extra) with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when NDCG@10 on ``eval_set`` has not improved for this many epochs.
    compute_loss : bool, default True
        Report the training loss after every epoch (the item solves compute it as they go:
        a pass over each item's interactions more, no separate pass over the data).

    Notes
    -----
    The defaults (log confidence, alpha 8, epsilon a tenth of the median, reg 100, 64
    factors, 15 epochs of 3-step CG) were chosen on validation splits carved from the
    training parts of Last.fm 2K play counts and MovieLens 100K positives, for both at once
    (``benchmarks/tune_implicit_defaults.py``; ``benchmarks/results/tune_implicit_defaults.txt``):
    test NDCG@10 0.238 on raw Last.fm and 0.297 on ML-100K positives (per-user 80/20, mean of
    seeds 0–2), within 0.3 % of settings tuned for each set alone; the former defaults
    (linear, alpha 40, reg 0.01) scored 0.012 and 0.198.

    ``predict`` and ``recommend`` score by x_uᵀy_i (unclipped: the score is a preference,
    not a rating). The ``loss`` reported per epoch is the full objective above divided by
    the total confidence weight Σ c (as implicit reports it).
    """

    def __init__(self, n_factors: int = 64, n_epochs: int = 15, reg: float = 100.0,
                 alpha: float = 8.0, confidence: str = "log", epsilon: float | str = "auto",
                 solver: str = "cg", cg_steps: int = 3, init_std: float = 0.01,
                 n_threads: int | None = None, random_state: Seed = None,
                 verbose: bool = False, n_iter_no_change: int | None = None,
                 compute_loss: bool = True) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.reg = reg
        self.alpha = alpha
        self.confidence = confidence
        self.epsilon = epsilon
        self.solver = solver
        self.cg_steps = cg_steps
        self.init_std = init_std
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change
        self.compute_loss = compute_loss

    def _get_traits(self) -> ModelTraits:
        return ModelTraits(feedback="implicit", val_metric="ndcg@10", fold_in="confidence",
                           deterministic=True, biased=False,
                           test_variants=({"n_factors": 6, "n_epochs": 2, "random_state": 0},
                                          {"n_factors": 6, "n_epochs": 2, "random_state": 0,
                                           "confidence": "log", "solver": "cholesky"}))

    def _check_params(self) -> dict:
        p = self._check_common()
        p["alpha"] = check_float(self.alpha, "alpha", nonneg=True)
        check_choice(self.confidence, "confidence", ("linear", "log"))
        if not (isinstance(self.epsilon, str) and self.epsilon == "auto"):
            p["epsilon"] = check_float(self.epsilon, "epsilon", positive=True)
        return p

    def _epsilon(self, median: float) -> float:
        """``epsilon`` for training values of median ``median`` (resolving ``"auto"``; the
        training values are all positive: ``_prepare_data`` dropped the zeros)."""
        p = self._check_params()
        if "epsilon" in p:
            return p["epsilon"]
        return 0.1 * median

    def _confidence(self, values: np.ndarray, epsilon: float) -> np.ndarray:
        """c = 1 + alpha·log(1 + r/epsilon) or 1 + alpha·r, float32."""
        return confidence(values, kind=self.confidence,
                          alpha=check_float(self.alpha, "alpha", nonneg=True), epsilon=epsilon)

    def _warn_raw_counts(self, median: float, largest: float) -> None:
        """Linear confidence on large values (raw play counts) puts almost all the weight
        on a few heavy pairs: measured on Last.fm, alpha·median > 100 lost 25-60 % of the
        NDCG@10 that log confidence reaches (benchmarks/results/tune_implicit_defaults.txt)."""
        if self.confidence != "linear":
            return
        if float(self.alpha) * median > 100:
            warnings.warn(
                f"ImplicitALS: the values look like raw counts (median {median:g}) and "
                f"confidence='linear' with alpha={self.alpha:g} gives pairs weights up to "
                f"{1 + float(self.alpha) * largest:.3g}; use the default "
                f"confidence='log', or alpha <= {100 / median:.3g}", UserWarning, stacklevel=4)

    def _prepare_data(self, data: Interactions) -> Interactions:
        if np.any(data.ratings < 0):
            raise ValueError("ImplicitALS needs non-negative interaction values (counts, "
                             f"ratings or ones); found {int((data.ratings < 0).sum())} negative")
        if np.any(data.ratings == 0):  # stored zeros are unobserved pairs (p = 0, c = 1)
            data = data.subset(data.ratings != 0)
        return data

    def _fold_in_params(self, side: str) -> dict:
        return {"reg": float(self.reg), "reg_bias": float(self.reg), "reg_count": False}

    def _fold_in_values(self, values: np.ndarray) -> np.ndarray:
        if np.any(values < 0):
            raise ValueError("ImplicitALS needs non-negative interaction values (counts, "
                             f"ratings or ones); found {int((values < 0).sum())} negative")
        return self._confidence(values, self.epsilon_)

    def _upgrade_state(self, state: dict) -> dict:
        # files of mfrec 0.1.0 have no epsilon_: its epsilon was always a number
        if "epsilon_" not in state:
            state = {**state, "epsilon_": float(self.epsilon)}
        return state

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> ImplicitALS:
        """Fit the factors.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Non-negative interaction strengths (play counts, clicks, ones); zeros count as
            unobserved.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Held-out interactions: NDCG@10 of the top-10 recommendations (training items
            filtered) is computed after every epoch as ``val_ndcg@10`` (for ``history_``,
            ``callback`` and ``n_iter_no_change``). It costs one ``recommend`` call for the
            held-out users per epoch.
        callback : callable, optional
            ``callback(info)`` after every epoch with a dict: ``epoch`` (int, 1-based),
            ``elapsed`` (seconds), ``loss`` (the objective per unit confidence, see Notes;
            NaN with ``compute_loss=False``) and ``val_ndcg@10`` with an ``eval_set``;
            returning ``False`` stops training. The same dicts are kept in ``history_``.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_factors) and ``item_factors_`` (n_items,
            n_factors), float32; biases are zeros and ``global_mean_`` is 0.

        Raises
        ------
        ValueError
            Negative interaction values, an invalid parameter, or empty training data.
        FloatingPointError
            Training diverged (non-finite loss).
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> AlsTrainer:
        median, largest = engine.median_max(data)
        self._warn_raw_counts(median, largest)
        epsilon = self._epsilon(median)
        # the confidences are computed where the values are (per partition on a cluster)
        work = engine.als(data, partial(confidence, kind=self.confidence,
                                        alpha=params["alpha"], epsilon=epsilon))
        # the loss is reported per unit of confidence: over Σ_all c
        weight = float(data.n_users) * data.n_items + work.value_sum(-1.0)
        solve = _core.AlsParams(reg=params["reg"], implicit=True, cg_steps=params["cg_steps"])
        return AlsTrainer(work, solve, n_epochs=params["n_epochs"],
                          k=params["k"], init_std=params["init_std"],
                          random_state=self.random_state, compute_loss=self.compute_loss,
                          loss_scale=weight, nonneg_init=True, fitted={"epsilon_": epsilon},
                          diverged=f"ImplicitALS diverged (non-finite loss), reg={params['reg']}")
