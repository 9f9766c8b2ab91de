"""Implicit-feedback ALS with confidence weighting (Hu, Koren & Volinsky 2008)."""

from __future__ import annotations

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


class ImplicitALS(AlsBase):
    """Implicit-feedback ALS with confidence weighting (Hu, Koren & Volinsky 2008).

    Every user-item pair enters the loss Σ_(u,i) c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² +
    Σ‖y_i‖²): preference p = 1 where the data has a positive value r, 0 elsewhere; confidence
    c = 1 + alpha·r (``"linear"``) or 1 + alpha·log(1 + r/epsilon) (``"log"``) on observed
    pairs and 1 elsewhere. Each row solves (YᵀY + Σ_i (c_ui − 1) y_i y_iᵀ + λI) x_u =
    Σ_i c_ui y_i with YᵀY computed once per half-sweep.

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
    reg : float, default 0.01
        L2 weight λ (not scaled by the row count).
    alpha : float, default 40.0
        Confidence slope: c = 1 + alpha·r (``"linear"``).
    confidence : {"linear", "log"}, default "linear"
        The confidence mapping (see above).
    epsilon : float, default 1.0
        Scale of the ``"log"`` confidence.
    solver : {"cg", "cholesky"}, default "cg"
        Conjugate gradient warm-started from the previous factors, or exact Cholesky.
    cg_steps : int, default 3
        CG steps per row and half-sweep (``solver="cg"`` only).
    init_std : float, default 0.01
        Standard deviation of the normal initial factors.
    n_threads : int, optional
        None / -1 = all cores. The result does not depend on it.
    random_state : int, numpy Generator, SeedSequence or None
        Seed for the initial factors.
    verbose : bool, default False
        Show a progress bar (tqdm, the ``progress`` extra) with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when NDCG@10 on ``eval_set`` has not improved for this many epochs.
    compute_loss : bool, default True
        Compute the loss after every epoch (about a tenth of an epoch's work).

    Notes
    -----
    ``predict`` and ``recommend`` score by x_uᵀy_i (unclipped: the score is a preference,
    not a rating). The ``loss`` reported per epoch is the full objective above divided by
    the total confidence weight Σ c (as implicit reports it).
    """

    def __init__(self, n_factors: int = 64, n_epochs: int = 15, reg: float = 0.01,
                 alpha: float = 40.0, confidence: str = "linear", epsilon: float = 1.0,
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
        if self.confidence == "log":
            p["epsilon"] = check_float(self.epsilon, "epsilon", positive=True)
        return p

    def _confidence(self, values: np.ndarray) -> np.ndarray:
        """c = 1 + alpha·r or 1 + alpha·log(1 + r/epsilon), float32."""
        p = self._check_params()
        r = values.astype(np.float64)
        if self.confidence == "linear":
            return (1.0 + p["alpha"] * r).astype(np.float32)
        return (1.0 + p["alpha"] * np.log1p(r / p["epsilon"])).astype(np.float32)

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
        return self._confidence(values)

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
        conf = self._confidence(data.ratings)
        # the loss is reported per unit of confidence: over Σ_all c
        weight = float(data.n_users) * data.n_items + float(np.sum(conf - 1.0, dtype=np.float64))
        solve = _core.AlsParams(reg=params["reg"], implicit=True, cg_steps=params["cg_steps"])
        return AlsTrainer(engine.als(data, conf), solve, n_epochs=params["n_epochs"],
                          k=params["k"], init_std=params["init_std"],
                          random_state=self.random_state, compute_loss=self.compute_loss,
                          loss_scale=weight,
                          diverged=f"ImplicitALS diverged (non-finite loss), reg={params['reg']}")
