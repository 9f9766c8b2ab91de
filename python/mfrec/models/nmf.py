"""NMF: matrix factorization with non-negative factors (multiplicative updates or projected SGD)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    check_random_state,
    check_shared_params,
)
from ._sgd import aligned_empty, given_rows, kernel_steps, padded_k
from ._sgd_grid import BlockGridTrainer, EpochsTrainer

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike, Seed
    from ..interactions import Interactions

__all__ = ["NMF"]


class NMF(Recommender):
    """Matrix factorization with non-negative factors (NMF; optionally with biases).

    Predicts r̂_ui = p_uᵀq_i (``biased=False``) or μ + b_u + b_i + p_uᵀq_i, with every factor
    p_uf, q_if ≥ 0 — factors that read as additive parts — minimizing the squared error plus
    the L2 penalties λ_p‖p_u‖² + λ_q‖q_i‖² + λ_b (b_u² + b_i²) per rating (so user u's row pays
    n_u·λ_p‖p_u‖²), like FunkSVD.

    Two trainers (``algorithm``), both in C++ on all cores. The default, ``"mu"``, fits more
    accurately than ``"sgd"`` within a fit time of 1/20 of Surprise NMF's (and, biased with
    k=15 in 10 epochs, reaches a lower RMSE than Surprise's NMF with its defaults); from
    about 2× that time on, ``"sgd"`` is the more accurate (``benchmarks/tune_nmf.py``,
    ``benchmarks/results/tune_nmf.txt``; there, ``algorithm="sgd", lr=0.05, reg=0.02,
    init_high=0.1`` with k=15–50 and 10–30 epochs did best).

    - ``"sgd"`` — projected SGD (LibMF's ``--nmf``): FunkSVD's update on its randomized block
      grid (see :class:`FunkSVD`; AdaGrad or constant steps), after which every factor is
      clamped at 0. For a fixed ``n_blocks`` the result is bit-identical at any thread count;
      the default ``n_blocks=None`` follows the thread count (a different, equally accurate
      fit at another thread count).
    - ``"mu"`` — Surprise's multiplicative updates (Luo et al. 2014), as half-sweeps: every
      user row with the items fixed, then every item row with the users fixed. Per row,
      p_uf ← p_uf · Σ_i N_ui q_if / (Σ_i D_ui q_if + λ_p n_u p_uf), with N − D = r − r̂ and
      N, D ≥ 0 (N = r, D = r̂ on a positive rating scale: Surprise's update); biases take one
      SGD step per rating on the way (step ``lr_bias``). A zero denominator leaves the factor
      as it is (no NaN). Rows are independent, so the user half (then the item half) runs in
      parallel and the result is **bit-identical at any thread count** for a seed. Surprise
      updates both sides from the same old factors in one pass; here the item half already
      sees the new user rows (``update_order="alternating"``); ``"simultaneous"`` updates
      the items from the user rows of the epoch's start, as Surprise does.

    Factors start uniform in [``init_low``, ``init_high``) and never become negative.

    Parameters
    ----------
    n_factors : int, default 15
        Number of latent factors k.
    n_epochs : int, default 10
        Epochs: passes over the ratings (``"sgd"``) or user + item half-sweeps (``"mu"``).
    algorithm : {"mu", "sgd"}, default "mu"
        Multiplicative updates, or projected SGD on the block grid.
    biased : bool, default True
        Include μ + b_u + b_i (the biases are not constrained).
    reg : float, default 0.15
        L2 weight λ (per rating) of the factors (with ``"sgd"`` also of the biases unless
        ``reg_bias``).
    reg_user, reg_item : float, optional
        λ_p and λ_q (default ``reg``); Surprise's ``reg_pu`` and ``reg_qi``.
    reg_bias : float, optional
        λ_b of the biases (Surprise's ``reg_bu = reg_bi``); default 0.02 with ``"mu"``
        (Surprise's), ``reg`` with ``"sgd"``.
    lr : float, default 0.05
        ``"sgd"``: step η of the factors (η/√G_row with AdaGrad). ``"mu"``: unused.
    lr_bias : float, optional
        Step of the biases: with ``"mu"`` the constant SGD step of the biases (Surprise's
        ``lr_bu = lr_bi``), default 0.005 (Surprise's); with ``"sgd"`` default ``lr``.
    update_order : {"alternating", "simultaneous"}, default "alternating"
        ``"mu"`` only: the item half-sweep against the user rows (and biases) just updated,
        or against those of the epoch's start (Surprise's order; as accurate in
        ``benchmarks/results/tune_nmf.txt``, within 0.001 of "alternating").
    lr_schedule : {"adagrad", "constant"}, default "adagrad"
        ``"sgd"`` only: per-row AdaGrad steps (LibMF's scheme) or constant steps.
    init_low, init_high : float, default 0.0, 0.5
        Initial factors ~ Uniform[init_low, init_high) (Surprise's parameters); 0 ≤ init_low
        ≤ init_high.
    n_blocks : int, optional
        ``"sgd"`` only: bins per side of the block grid (see :class:`FunkSVD`).
    n_threads : int, optional
        None or -1: all cores; -2: all but one; positive: exactly that many.
    random_state : int, numpy Generator, SeedSequence or None
        Seed for the initial factors (and the SGD visiting order).
    verbose : bool, default False
        Show a progress bar with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when the RMSE on ``eval_set`` has not improved for this many epochs.

    Notes
    -----
    Surprise's ``NMF`` (defaults: ``n_factors=15, n_epochs=50, biased=False, reg_pu=0.06,
    reg_qi=0.06, reg_bu=0.02, reg_bi=0.02, lr_bu=0.005, lr_bi=0.005, init_low=0,
    init_high=1``) is ``NMF(algorithm="mu", update_order="simultaneous", n_factors=15,
    n_epochs=50, biased=False, reg=0.06, reg_bias=0.02, lr_bias=0.005, init_low=0.0,
    init_high=1.0)``: the same model, loss, multiplicative update and update order (up to
    float32, the random draws and, when biased, the biases' steps taken in the half-sweeps),
    so results agree statistically, not bit for bit (``mfrec.compat.surprise.NMF`` also
    starts from the initial factors Surprise draws for the seed, and then, unbiased,
    reproduces Surprise's fit to float32 arithmetic). In general Surprise's
    ``reg_pu``, ``reg_qi`` are ``reg_user``, ``reg_item``; ``reg_bu = reg_bi`` is
    ``reg_bias`` and ``lr_bu = lr_bi`` is ``lr_bias`` (mfrec has one of each for both sides:
    Surprise settings with different user and item bias terms have no exact equivalent).

    ``fold_in`` / ``add_users`` solve a new row exactly: the minimizer of the row's part of
    the loss with the other side fixed (n_u·λ_p per factor, n_u·λ_b on the bias), subject to
    p_u ≥ 0, by Lawson & Hanson's active-set method (``ModelTraits.fold_in == "nonneg"``).
    """

    def __init__(self, n_factors: int = 15, n_epochs: int = 10, algorithm: str = "mu",
                 biased: bool = True, reg: float = 0.15, reg_user: float | None = None,
                 reg_item: float | None = None, reg_bias: float | None = None,
                 lr: float = 0.05, lr_bias: float | None = None,
                 update_order: str = "alternating", lr_schedule: str = "adagrad",
                 init_low: float = 0.0, init_high: float = 0.5,
                 n_blocks: int | None = None, n_threads: int | None = None,
                 random_state: Seed = None, verbose: bool = False,
                 n_iter_no_change: int | None = None) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.algorithm = algorithm
        self.biased = biased
        self.reg = reg
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.reg_bias = reg_bias
        self.lr = lr
        self.lr_bias = lr_bias
        self.update_order = update_order
        self.lr_schedule = lr_schedule
        self.init_low = init_low
        self.init_high = init_high
        self.n_blocks = n_blocks
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change

    def _get_traits(self) -> ModelTraits:
        small = {"n_factors": 6, "n_epochs": 3, "random_state": 0}
        return ModelTraits(
            feedback="explicit", val_metric="rmse", fold_in="nonneg", biased=bool(self.biased),
            # rows of the multiplicative updates are independent; the SGD block grid follows
            # n_threads unless n_blocks is given
            deterministic=self.algorithm == "mu" or self.n_blocks is not None,
            non_negative=True,
            test_variants=(small, {**small, "biased": False, "update_order": "simultaneous"},
                           {**small, "algorithm": "sgd", "n_blocks": 2},
                           {**small, "algorithm": "sgd", "biased": True,
                            "lr_schedule": "constant", "lr": 0.01}))

    def _check_params(self) -> dict:
        # shared parameters: _validation.SHARED_PARAMS; NMF's own: init_*, algorithm, ...
        p = check_shared_params(self, "n_factors", "n_epochs", "reg", "lr")
        p["init_low"] = check_float(self.init_low, "init_low", nonneg=True)
        p["init_high"] = check_float(self.init_high, "init_high", nonneg=True)
        if p["init_high"] < p["init_low"]:
            raise ValueError(f"init_high must be >= init_low, got init_low={p['init_low']}, "
                             f"init_high={p['init_high']}")
        check_choice(self.algorithm, "algorithm", ("mu", "sgd"))
        mu = self.algorithm == "mu"  # bias defaults: Surprise's with "mu", lr / reg with "sgd"
        p.update(check_shared_params(self, "lr_bias", default=0.005 if mu else p["lr"]))
        p.update(check_shared_params(self, "reg_bias", default=0.02 if mu else p["reg"]))
        p.update(check_shared_params(self, "reg_user", "reg_item", default=p["reg"]))
        p.update(kernel_steps(p))
        p.update(check_shared_params(self, "lr_schedule"))
        check_choice(self.update_order, "update_order", ("alternating", "simultaneous"))
        check_bool(self.biased, "biased")
        p.update(check_shared_params(self, "n_blocks"))
        return p

    def _fold_in_params(self, side: str) -> dict:
        # The loss charges λ_p‖p_u‖² + λ_b b_u² per rating: n_u·λ for the row.
        p = self._check_params()
        return {"reg": p["reg_user" if side == "users" else "reg_item"],
                "reg_bias": p["reg_bias"], "reg_count": True}

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> NMF:
        """Fit the non-negative factors (and biases).

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Validation ratings; ``val_rmse`` is reported after every epoch (and watched by
            ``n_iter_no_change``).
        callback : callable, optional
            ``callback(info)`` after every epoch with a dict: ``epoch`` (int, 1-based),
            ``elapsed`` (seconds), ``loss`` (the mean squared training error seen during the
            epoch: by the SGD updates, or by the item half-sweep of ``"mu"``) and, with an
            ``eval_set``, ``val_rmse``; returning ``False`` stops training. The same dicts
            are kept in ``history_``.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_factors) and ``item_factors_`` (n_items,
            n_factors), float32 and >= 0; ``user_bias_`` (n_users,), ``item_bias_``
            (n_items,) (zeros with ``biased=False``), ``global_mean_``, ``history_``.

        Raises
        ------
        FloatingPointError
            Training diverged (non-finite loss); the message names the parameter to change.
        ValueError, TypeError
            An invalid parameter (named in the message), or empty training data.
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> _MuTrainer | _PsgdTrainer:
        if self.algorithm == "mu":
            return _MuTrainer(self, data, params, engine)
        return _PsgdTrainer(self, data, params, engine)


def _uniform_rows(rng: np.random.Generator, n: int, k: int, k_pad: int, lo: float,
                  hi: float) -> np.ndarray:
    """An aligned n × k_pad float32 matrix: Uniform[lo, hi) in the first k columns, 0 after."""
    X = aligned_empty((n, k_pad))
    X[:, :k] = rng.uniform(lo, hi, size=(n, k))
    X[:, k:] = 0.0
    return X


class _MuTrainer(EpochsTrainer):
    """Multiplicative updates: the ratings by user and by item, the factors in id order."""

    def __init__(self, model: NMF, data: Interactions, p: dict, engine: LocalEngine) -> None:
        rng = check_random_state(model.random_state)
        biased = bool(model.biased)
        k = p["k"]
        # rows padded with zeros, which the updates keep at zero: to the SGD trainers' width
        # up to 64 floats, where the vector row takes them (nmf_mu_simd.hpp), else to 8
        k_pad = padded_k(k) if k <= 64 else -(-k // 8) * 8
        self.k, self.nnz, self.n_epochs, self.p = k, data.nnz, p["n_epochs"], p
        self.P = _uniform_rows(rng, data.n_users, k, k_pad, p["init_low"], p["init_high"])
        self.Q = _uniform_rows(rng, data.n_items, k, k_pad, p["init_low"], p["init_high"])
        given_rows(model, "user_factors", self.P, k)
        given_rows(model, "item_factors", self.Q, k)
        self.bu = np.zeros(data.n_users, dtype=np.float32)
        self.bi = np.zeros(data.n_items, dtype=np.float32)
        by_user = Csr(data.indptr, data.item_index, data.ratings)
        self.csr = (*by_user, *by_user.transpose(data.n_items))
        self.params = _core.NmfParams(
            mu=p["global_mean"] if biased else 0.0, reg_p=p["reg_user"], reg_q=p["reg_item"],
            reg_bu=p["reg_bu"], reg_bi=p["reg_bi"], lr_bu=p["lr_bu"],
            lr_bi=p["lr_bi"], biased=biased,
            simultaneous=model.update_order == "simultaneous")
        # an epoch: two half-sweeps of a dot product and two axpys per rating, each about
        # an SGD update's work
        self.n_threads = engine.threads(work_ns("sgd", 2 * data.nnz * k_pad))

    def _epochs(self, epochs: slice) -> tuple[np.ndarray, np.ndarray]:
        n = len(range(*epochs.indices(self.n_epochs)))
        return _core.nmf_mu_epochs(*self.csr, self.P, self.Q, self.bu, self.bi,
                                   params=self.params, n_epochs=n, n_threads=self.n_threads)

    def _diverged(self, epoch: int, sse: float) -> FloatingPointError:
        p = self.p
        return FloatingPointError(
            f"NMF diverged in epoch {epoch + 1} (training loss is {sse}): with "
            f"reg_user={p['reg_user']}, reg_item={p['reg_item']} the multiplicative steps are "
            f"unbounded, or lr_bias={p['lr_bias']} is too large; lower lr_bias (e.g. by 10x) "
            "or raise reg")

    def state(self, final: bool) -> dict:
        return {"user_factors_": np.ascontiguousarray(self.P[:, :self.k]),
                "item_factors_": np.ascontiguousarray(self.Q[:, :self.k]),
                "user_bias_": self.bu.copy(), "item_bias_": self.bi.copy()}


class _PsgdTrainer(BlockGridTrainer):
    """Projected SGD: the block grid trainer with NMF's rule (every factor clamped at 0 after
    its update) and uniform initial factors; no ``lr_decay`` (the same steps every epoch)."""

    kernel = staticmethod(_core.nmf_sgd_epochs)
    counts_advice = ("Use an implicit-feedback model (ImplicitALS), NMF(algorithm='mu'), or "
                     "rescale the values (e.g. np.log1p)")

    def _initial_factors(self, rng: np.random.Generator, data: Interactions, k_pad: int,
                         engine: LocalEngine) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.p["init_low"], self.p["init_high"]
        return (_uniform_rows(rng, data.n_users, self.k, k_pad, lo, hi),
                _uniform_rows(rng, data.n_items, self.k, k_pad, lo, hi))
