"""Alternating least squares: explicit ratings (`ALS`) and implicit feedback (`ImplicitALS`).

Both alternate exact (Cholesky) or conjugate-gradient (CG) solves of every user row against
fixed item factors and back; the kernel is ``cpp/include/mfrec/als.hpp``. Rows are solved
independently with a fixed arithmetic order, so results are identical at any ``n_threads``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from . import _core
from ._base import Recommender, as_interactions
from ._validation import check_choice, check_float, check_int, check_random_state

if TYPE_CHECKING:
    from ._base import EpochCallback, InteractionsLike, Seed

__all__ = ["ALS", "ImplicitALS"]


def _csr_parts(m: sp.csr_matrix):
    return (m.indptr.astype(np.int64), m.indices.astype(np.int32),
            np.ascontiguousarray(m.data, dtype=np.float32))


def _transpose(data) -> sp.csr_matrix:
    t = data.to_csr().T.tocsr()
    t.sort_indices()
    return t


class _AlsBase(Recommender):
    """Shared parameter checks, initialisation and the sweep loop."""

    # Parameters set by the subclasses' ``__init__`` (declared for type checkers only).
    n_factors: int
    n_epochs: int
    reg: float
    init_std: float
    solver: str
    cg_steps: int

    def _check_common(self) -> dict:
        p = {
            "k": check_int(self.n_factors, "n_factors", min_value=1),
            "n_epochs": check_int(self.n_epochs, "n_epochs", min_value=0),
            "reg": check_float(self.reg, "reg", nonneg=True),
            "init_std": check_float(self.init_std, "init_std", nonneg=True),
        }
        check_choice(self.solver, "solver", ("cg", "cholesky"))
        steps = check_int(self.cg_steps, "cg_steps", min_value=1)
        p["cg_steps"] = steps if self.solver == "cg" else 0
        return p

    def _init_factors(self, n_users, n_items, k, init_std, seed_source):
        rng = check_random_state(seed_source)
        seeds = rng.integers(0, 2**63, size=2)
        X = np.empty((n_users, k), dtype=np.float32)
        Y = np.empty((n_items, k), dtype=np.float32)
        _core.init_normal(X, k, 0.0, init_std, int(seeds[0]), self.n_threads_)
        _core.init_normal(Y, k, 0.0, init_std, int(seeds[1]), self.n_threads_)
        return X, Y


class ALS(_AlsBase):
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
        p = self._check_common()
        check_choice(self.reg_scaling, "reg_scaling", ("count", "none"))
        if not isinstance(self.biased, (bool, np.bool_)):
            raise TypeError(f"biased must be True or False, got {self.biased!r}")
        data = self._begin_fit(X)
        self._biased = bool(self.biased)
        nt = self.n_threads_
        Xf, Yf = self._init_factors(data.n_users, data.n_items, p["k"], p["init_std"],
                                    self.random_state)
        bu = np.zeros(data.n_users, dtype=np.float32)
        bi = np.zeros(data.n_items, dtype=np.float32)
        self.user_factors_, self.item_factors_ = Xf, Yf
        self.user_bias_, self.item_bias_ = bu, bi
        by_user = (data.indptr, data.item_index, data.ratings)
        by_item = _csr_parts(_transpose(data))
        mu = np.float32(self.global_mean_ if self._biased else 0.0)
        aug = self._biased
        count = self.reg_scaling == "count"
        users_all, items_all = data.user_index.astype(np.int64), data.item_index.astype(np.int64)
        pred = np.empty(data.nnz, dtype=np.float32)

        def step(epoch: int) -> float:
            _core.als_half_sweep(*by_user, Xf, Yf, bu if aug else None, bi if aug else None,
                                 p["reg"], count, False, aug, mu, p["cg_steps"], nt)
            _core.als_half_sweep(*by_item, Yf, Xf, bi if aug else None, bu if aug else None,
                                 p["reg"], count, False, aug, mu, p["cg_steps"], nt)
            if not self.compute_loss:
                return float("nan")
            _core.predict_pairs(users_all, items_all, Xf, Yf, bu, bi, float(mu), aug, False,
                                0.0, 0.0, pred, nt)
            loss = float(np.mean((pred - data.ratings) ** 2, dtype=np.float64))
            if not np.isfinite(loss):
                raise FloatingPointError(f"ALS diverged (non-finite loss) with reg={p['reg']}")
            return loss

        self._run_epochs(p["n_epochs"], step, eval_set=eval_set, callback=callback)
        self._finish_fit()
        return self


class ImplicitALS(_AlsBase):
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

    _biased = False
    _implicit = True
    _val_metric = "ndcg@10"

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

    def _confidence(self, values: np.ndarray) -> np.ndarray:
        """c = 1 + alpha·r or 1 + alpha·log(1 + r/epsilon), float32."""
        alpha = check_float(self.alpha, "alpha", nonneg=True)
        check_choice(self.confidence, "confidence", ("linear", "log"))
        r = values.astype(np.float64)
        if np.any(r < 0):
            raise ValueError("ImplicitALS needs non-negative interaction values (counts, "
                             f"ratings or ones); found {int((r < 0).sum())} negative")
        if self.confidence == "linear":
            return (1.0 + alpha * r).astype(np.float32)
        eps = check_float(self.epsilon, "epsilon", positive=True)
        return (1.0 + alpha * np.log1p(r / eps)).astype(np.float32)

    def _fold_in_params(self, side: str) -> dict:
        return {"reg": float(self.reg), "reg_bias": float(self.reg), "reg_count": False}

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
        p = self._check_common()
        data = as_interactions(X)
        if np.any(data.ratings == 0):  # stored zeros are unobserved pairs (p = 0, c = 1)
            data = data.subset(data.ratings != 0)
        data = self._begin_fit(data)
        conf = self._confidence(data.ratings)
        self.global_mean_ = 0.0  # cold / unknown users and items score 0
        nt = self.n_threads_
        Xf, Yf = self._init_factors(data.n_users, data.n_items, p["k"], p["init_std"],
                                    self.random_state)
        self.user_factors_, self.item_factors_ = Xf, Yf
        self.user_bias_ = np.zeros(data.n_users, dtype=np.float32)
        self.item_bias_ = np.zeros(data.n_items, dtype=np.float32)
        by_user = (data.indptr, data.item_index, conf)
        t = sp.csr_matrix((conf, data.item_index, data.indptr), shape=data.shape).T.tocsr()
        t.sort_indices()
        by_item = _csr_parts(t)
        weight = float(data.n_users) * data.n_items + float(np.sum(conf - 1.0, dtype=np.float64))

        def step(epoch: int) -> float:
            _core.als_half_sweep(*by_user, Xf, Yf, None, None, p["reg"], False, True, False,
                                 0.0, p["cg_steps"], nt)
            _core.als_half_sweep(*by_item, Yf, Xf, None, None, p["reg"], False, True, False,
                                 0.0, p["cg_steps"], nt)
            if not self.compute_loss:
                return float("nan")
            loss = _core.implicit_loss(*by_user, Xf, Yf, p["reg"], nt) / weight
            if not np.isfinite(loss):
                raise FloatingPointError(f"ImplicitALS diverged (non-finite loss), reg={p['reg']}")
            return loss

        self._run_epochs(p["n_epochs"], step, eval_set=eval_set, callback=callback)
        self._finish_fit()
        return self

    def _predict_inner(self, u, i, *, clip):
        return super()._predict_inner(u, i, clip=False)
