"""ALS for explicit ratings (ALS-WR by default), biases solved jointly with the factors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import _core
from ..._traits import ModelTraits
from ..._validation import check_bool, check_choice
from ._common import AlsBase, AlsTrainer

if TYPE_CHECKING:
    from ..._engine import LocalEngine
    from ..._input import EpochCallback, InteractionsLike, Seed
    from ...interactions import Interactions

__all__ = ["ALS"]


class ALS(AlsBase):
    """Matrix factorization of explicit ratings by alternating least squares.

    Minimizes Σ_(u,i) (r_ui − μ − b_u − b_i − p_uᵀq_i)² + Σ_u λ_u (‖p_u‖² + b_u²)
    + Σ_i λ_i (‖q_i‖² + b_i²), alternating exact row solves: users with item factors fixed,
    then items. The biases are solved jointly with the factors (the factor vector is
    augmented with the bias and the other side's with a constant 1), so each half-sweep is
    an exact minimization. ``reg_scaling="count"`` is ALS-WR (Zhou et al. 2008):
    λ_u = reg · n_u; ``"none"`` uses reg as is.

    Parameters
    ----------
    n_factors : int, default 64
        Number of latent factors k.
    n_epochs : int, default 15
        Full sweeps (users then items).
    reg : float, default 0.1
        L2 weight λ of factors and biases.
    reg_scaling : {"count", "none"}, default "count"
        ``"count"``: λ_u = reg · n_u, λ_i = reg · n_i (ALS-WR); ``"none"``: λ = reg.
    biased : bool, default True
        Model μ + b_u + b_i + p_uᵀq_i, else p_uᵀq_i.
    solver : {"cg", "cholesky"}, default "cg"
        Conjugate gradient warm-started from the previous factors (``cg_steps`` steps,
        never forms the matrix), or an exact Cholesky solve.
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
        Stop when the RMSE on ``eval_set`` has not improved for this many epochs.
    compute_loss : bool, default True
        Compute the training loss after every epoch (one pass over the data; turn off to
        time the solver alone, as implicit's ``calculate_training_loss=False`` does).
    """

    def __init__(self, n_factors: int = 64, n_epochs: int = 15, reg: float = 0.1,
                 reg_scaling: str = "count", biased: bool = True, solver: str = "cg",
                 cg_steps: int = 3, init_std: float = 0.01, n_threads: int | None = None,
                 random_state: Seed = None, verbose: bool = False,
                 n_iter_no_change: int | None = None, compute_loss: bool = True) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.reg = reg
        self.reg_scaling = reg_scaling
        self.biased = biased
        self.solver = solver
        self.cg_steps = cg_steps
        self.init_std = init_std
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change
        self.compute_loss = compute_loss

    def _get_traits(self) -> ModelTraits:
        small = {"n_factors": 6, "n_epochs": 2, "random_state": 0}
        return ModelTraits(feedback="explicit", val_metric="rmse", fold_in="ridge",
                           deterministic=True, biased=bool(self.biased),
                           test_variants=(small, {**small, "solver": "cholesky",
                                                  "biased": False}))

    def _check_params(self) -> dict:
        p = self._check_common()
        check_choice(self.reg_scaling, "reg_scaling", ("count", "none"))
        check_bool(self.biased, "biased")
        return p

    def _fold_in_params(self, side: str) -> dict:
        return {"reg": float(self.reg), "reg_bias": float(self.reg),
                "reg_count": self.reg_scaling == "count"}

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> ALS:
        """Fit the factors and biases.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Validation ratings; ``val_rmse`` is reported after every epoch (and watched by
            ``n_iter_no_change``).
        callback : callable, optional
            ``callback(info)`` after every epoch with a dict: ``epoch`` (int, 1-based),
            ``elapsed`` (seconds), ``loss`` (training mean squared error; NaN with
            ``compute_loss=False``) and, with an ``eval_set``, ``val_rmse``; returning
            ``False`` stops training. The same dicts are kept in ``history_``.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_factors), ``item_factors_`` (n_items,
            n_factors), ``user_bias_`` (n_users,), ``item_bias_`` (n_items,), all float32
            (biases zero with ``biased=False``), ``global_mean_``, ``history_``.

        Raises
        ------
        FloatingPointError
            Training diverged (non-finite loss); the message names ``reg``.
        ValueError, TypeError
            An invalid parameter (named in the message), or empty training data.
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> AlsTrainer:
        biased = bool(self.biased)
        mu = params["global_mean"] if biased else 0.0
        solve = _core.AlsParams(reg=params["reg"], reg_count=self.reg_scaling == "count",
                                implicit=False, augment=biased, mu=mu,
                                cg_steps=params["cg_steps"])
        return AlsTrainer(engine.als(data), solve, n_epochs=params["n_epochs"],
                          k=params["k"], init_std=params["init_std"],
                          random_state=self.random_state, compute_loss=self.compute_loss,
                          loss_scale=1.0,
                          diverged=f"ALS diverged (non-finite loss) with reg={params['reg']}")
