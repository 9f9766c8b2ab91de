"""FunkSVD: (biased) matrix factorization trained by parallel lock-free SGD."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _core
from .._base import Recommender
from .._traits import ModelTraits
from .._validation import check_bool, check_shared_params
from ._sgd import COUNTS_ADVICE, kernel_steps, normal_rows
from ._sgd_grid import BlockGridTrainer

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike, Seed
    from ..interactions import Interactions

__all__ = ["FunkSVD"]


class FunkSVD(Recommender):
    """Matrix factorization by stochastic gradient descent (Simon Funk's SVD; Koren's biased MF).

    Predicts r̂_ui = μ + b_u + b_i + p_uᵀq_i (``biased=True``) or p_uᵀq_i, minimizing the
    squared error plus L2 penalties λ_bu b_u² + λ_bi b_i² + λ_p‖p_u‖² + λ_q‖q_i‖² per rating.

    Training runs in C++ over a cache-friendly randomized block order (after LibMF's FPSGD):
    users and items are relabelled at random and cut into ``n_blocks`` bins each, holding
    equal shares of the ratings; every epoch visits the blocks in a fresh random schedule of
    rounds whose blocks share no user and no item, so OpenMP threads update the shared
    factors without locks and without races. As a consequence, for a fixed ``n_blocks``, the
    result does not depend on ``n_threads``: a seed gives bit-identical factors at any thread
    count. The default ``n_blocks=None`` is a multiple of the thread count, so with it a
    different thread count gives a different (equally accurate) fit. On AVX-512 CPUs, rows
    of up to 128 factors go to a kernel that keeps them in vector registers
    (``cpp/include/mfrec/sgd_avx512.hpp``). The block grid
    and its scheduler are the shared SGD machinery (``cpp/include/mfrec/sgd_blocks.hpp``);
    FunkSVD's update rule is ``cpp/include/mfrec/sgd_mf.hpp``.

    Parameters
    ----------
    n_factors : int, default 100
        Number of latent factors k.
    n_epochs : int, default 20
        Passes over the training ratings.
    lr : float, default 0.05
        SGD step η for the factors (and the biases unless ``lr_bias`` is given); with the
        default ``lr_schedule="adagrad"`` the step of a row is η/√G_row.
    reg : float, default 0.1
        L2 weight λ for every parameter not given its own below.
    biased : bool, default True
        Include μ + b_u + b_i.
    init_mean, init_std : float, default 0.0, 0.05
        Initial factors ~ Normal(init_mean, init_std).
    lr_bias : float, optional
        Step for the biases (default ``lr``).
    reg_bias, reg_user, reg_item : float, optional
        Separate L2 weights for the biases, the user factors p_u and the item factors q_i
        (default ``reg``).
    lr_schedule : {"adagrad", "constant"}, default "adagrad"
        ``"adagrad"``: per-row adaptive steps η/√G_row, with G_row = 1 + the running sum of
        mean squared gradients of that row (LibMF's scheme). ``"constant"``: plain SGD with
        step η (Surprise's SVD; use a smaller ``lr``, e.g. 0.005).
    lr_decay : float, default 1.0
        Multiply the steps by this factor after every epoch.
    n_blocks : int, optional
        Bins per side of the block grid; default: the fewest (a multiple of the thread count)
        whose blocks' factor rows fit in a core's L2 cache, at most one per side per ~5,000
        ratings per block, at most 64 (and at most min(n_users, n_items)); see
        ``auto_blocks``. The result is independent of ``n_threads`` for a fixed ``n_blocks``.
    n_threads : int, optional
        None or -1: all cores; -2: all but one; positive: exactly that many.
    random_state : int, numpy Generator, SeedSequence or None
        Seed for the initial factors and the visiting order.
    verbose : bool, default False
        Show a progress bar (tqdm, the ``progress`` extra; else one line per epoch on
        stderr) with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when the RMSE on ``eval_set`` has not improved for this many epochs.

    Notes
    -----
    The defaults (AdaGrad, lr 0.05, reg 0.1, init_std 0.05) had the lowest mean validation
    RMSE above each data set's best (0.0016) at 20 epochs on MovieLens 100K, latest-small and a
    1M-rating synthetic set, in a grid of step schedules × lr × reg × init_std
    (``benchmarks/tune_funksvd.py``; output in ``benchmarks/results/tune_funksvd.txt``).

    Surprise's ``SVD`` (defaults: ``n_factors=100, n_epochs=20, lr_all=0.005, reg_all=0.02,
    init_mean=0, init_std_dev=0.1, biased=True``) is reproduced by
    ``FunkSVD(n_factors=100, n_epochs=20, lr=0.005, reg=0.02, init_std=0.1,
    lr_schedule="constant")``: the same model, loss and update rule. Surprise's
    ``lr_bu = lr_bi`` ↔ ``lr_bias``, ``reg_bu = reg_bi`` ↔ ``reg_bias``, ``reg_pu`` ↔
    ``reg_user``, ``reg_qi`` ↔ ``reg_item``. The update rule is the same; the visiting order
    differs (Surprise walks users in a fixed order every epoch and computes in float64), so
    results agree statistically, not bit for bit.
    """

    def __init__(self, n_factors: int = 100, n_epochs: int = 20, lr: float = 0.05,
                 reg: float = 0.1, biased: bool = True, init_mean: float = 0.0,
                 init_std: float = 0.05, lr_bias: float | None = None,
                 reg_bias: float | None = None, reg_user: float | None = None,
                 reg_item: float | None = None, lr_schedule: str = "adagrad",
                 lr_decay: float = 1.0, n_blocks: int | None = None,
                 n_threads: int | None = None, random_state: Seed = None,
                 verbose: bool = False, n_iter_no_change: int | None = None) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.lr = lr
        self.reg = reg
        self.biased = biased
        self.init_mean = init_mean
        self.init_std = init_std
        self.lr_bias = lr_bias
        self.reg_bias = reg_bias
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.lr_schedule = lr_schedule
        self.lr_decay = lr_decay
        self.n_blocks = n_blocks
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change

    def _get_traits(self) -> ModelTraits:
        small = {"n_factors": 8, "n_epochs": 3, "random_state": 0}
        return ModelTraits(
            feedback="explicit", val_metric="rmse", fold_in="ridge", biased=bool(self.biased),
            # the default block grid depends on n_threads (auto_blocks); a fixed one does not
            deterministic=self.n_blocks is not None,
            test_variants=(small, {**small, "biased": False, "lr_schedule": "constant",
                                   "lr": 0.01}, {**small, "n_blocks": 2}))

    def _fold_in_params(self, side: str) -> dict:
        # The SGD loss charges reg_user·‖p_u‖² + reg_bias·b_u² per rating: λ·n_u for the row.
        p = self._check_params()
        return {"reg": p["reg_user" if side == "users" else "reg_item"],
                "reg_bias": p["reg_bias"], "reg_count": True}

    def _check_params(self) -> dict:
        # shared parameters: _validation.SHARED_PARAMS (n_blocks: where the grid is built)
        p = check_shared_params(self, "n_factors", "n_epochs", "lr", "reg", "init_mean",
                                "init_std", "lr_decay")
        p.update(check_shared_params(self, "lr_bias", default=p["lr"]))
        p.update(check_shared_params(self, "reg_bias", "reg_user", "reg_item", default=p["reg"]))
        p.update(check_shared_params(self, "lr_schedule"))
        check_bool(self.biased, "biased")
        p.update(kernel_steps(p))
        return p

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> FunkSVD:
        """Fit the model.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Validation ratings; their RMSE is reported as ``val_rmse`` after every epoch
            (and watched by ``n_iter_no_change``).
        callback : callable, optional
            Called as ``callback(info)`` after every epoch with a dict: ``epoch`` (int,
            1-based), ``elapsed`` (seconds since the start of training), ``loss`` (the mean
            squared training error seen during the epoch) and, with an ``eval_set``,
            ``val_rmse``; returning ``False`` stops training. The same dicts are kept in
            ``history_``.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_factors), ``item_factors_`` (n_items,
            n_factors), ``user_bias_`` (n_users,), ``item_bias_`` (n_items,), all float32
            (biases zero with ``biased=False``), ``global_mean_``, ``history_``.

        Raises
        ------
        FloatingPointError
            When training diverges (non-finite loss); the message names the learning rate.
        ValueError, TypeError
            An invalid parameter (named in the message), or empty training data.
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> _SgdTrainer:
        return _SgdTrainer(self, data, params, engine)


class _SgdTrainer(BlockGridTrainer):
    """One FunkSVD fit: the block grid trainer with FunkSVD's rule and Normal initial factors."""

    kernel = staticmethod(_core.sgd_epochs)
    decays = True
    counts_advice = COUNTS_ADVICE

    def _initial_factors(self, rng: np.random.Generator, data: Interactions, k_pad: int,
                         engine: LocalEngine) -> tuple[np.ndarray, np.ndarray]:
        seeds = rng.integers(0, 2**63, size=2)
        init = {"mean": self.p["init_mean"], "std": self.p["init_std"], "engine": engine}
        return (normal_rows(data.n_users, self.k, k_pad, seed=seeds[0], **init),
                normal_rows(data.n_items, self.k, k_pad, seed=seeds[1], **init))
