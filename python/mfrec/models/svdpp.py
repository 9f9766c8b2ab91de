"""SVDpp: Koren's SVD++, trained by per-user parallel SGD or on the block grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _core
from .._base import Recommender
from .._cores import threads_for, work_ns
from .._persist import ModelFileError
from .._scoring import DotScorer
from .._traits import ModelTraits
from .._validation import check_choice, check_float, check_shared_params
from ._sgd import kernel_steps, padded_k
from ._svdpp_train import SvdppGridTrainer, SvdppTrainer, grid_bins_svdpp

if TYPE_CHECKING:
    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike, Seed
    from ..interactions import Interactions

__all__ = ["SVDpp"]


class SVDpp(Recommender):
    """Matrix factorization with the implicit signal of what each user rated (Koren's SVD++).

    Predicts r̂_ui = μ + b_u + b_i + q_iᵀ(p_u + |N(u)|^-½ Σ_{j∈N(u)} y_j), where N(u) is the
    set of items user u rated, plus any extra items passed as ``implicit_items`` to ``fit``
    (items a user clicked, bought or was shown without rating them), and y_j a second
    factor vector per item. It minimizes, per training rating, the squared error plus
    λ_bu b_u² + λ_bi b_i² + λ_p‖p_u‖² + λ_q‖q_i‖² + λ_y Σ_{j∈N(u)} ‖y_j‖² (Koren 2008, eq. 15;
    Surprise's ``SVDpp``).

    Two trainers, both O(|R|·k) per epoch instead of the textbook O(Σ_u |R(u)|·|N(u)|·k)
    (``algorithm``, default ``"grid"``):

    ``algorithm="per_user"`` is per-user SGD in C++ (``cpp/include/mfrec/svdpp.hpp``, O((|R(u)|
    + |N(u)|)·k) per user) with the textbook's result: for each user the implicit sum z_u =
    |N(u)|^-½ Σ_j y_j is formed once, the user's ratings are walked with the SGD steps of b_u,
    b_i, p_u and q_i (the effective user vector p_u + z_u in the prediction), and the y-gradient
    is accumulated and applied to every y_j of N(u) once at the end. Because one rating's step
    moves all y_j of N(u) alike (y_j ← d·y_j + a_y |N(u)|^-½ e_ui q_i, d = 1 − a_y λ_y), z_u is
    carried along in closed form during the walk (z_u ← d·z_u + a_y e_ui q_i) and the y_j end up
    exactly where the textbook per-rating update (Surprise's, which moves every y_j after every
    rating) puts them, up to float rounding: y_j ← d^|R(u)| y_j + the decay-weighted sum of the
    steps. Users are visited in a fresh seeded random order every epoch
    (``_core.svdpp_user_order``), split across OpenMP threads, which update the shared item
    factors, item biases and y_j without locks (Hogwild).

    ``algorithm="grid"`` trains on FunkSVD's block grid
    (``cpp/include/mfrec/svdpp_grid.hpp``): the same steps of b_u, b_i, p_u, q_i and z_u,
    rating by rating in the grid's order, each user's y step gathered meanwhile and applied to
    the y_j in a second pass over the grid, once per epoch, damped per item by its number of
    users U_j (× 1 / (1 + U_j / 10): undamped, the step that every user of an item computes
    from the same old y_j overshoots). Threads then share no row and the rows of a block stay
    in cache; with ``implicit_items``, N(u)'s entries form a second grid with the ratings'
    ranks and bins, which the y pass walks. On the data measured it is as
    accurate as the per-user walk (RMSE at the defaults, 2 threads, mean of 3 seeds: ML-100K
    0.8982 vs 0.8979, latest-small 0.8383 vs 0.8392; 10M synthetic 0.6449 vs 0.6454) and
    about twice as fast: a 20-epoch fit on 10M takes 2.0–2.2× FunkSVD's time at 2 threads
    where the per-user walk takes 4.1–4.3× (``benchmarks/svdpp_grid.py``,
    ``benchmarks/results/svdpp_grid.md``); with the test
    pairs as ``implicit_items`` 0.8982 vs 0.8983 (ML-100K) and 0.8381 vs 0.8397. The per-user
    walk remains for Surprise's per-rating steps (below).

    Reproducibility (on one machine and ISA level, with an integer ``random_state``, whether
    the epochs run in one call or one by one: a callback or ``eval_set``): on the grid the
    blocks of a round share no row, so for a fixed ``n_blocks`` a fit gives the same bits at
    any thread count. The per-user walk gives the same bits at ``n_threads=1``; with more
    threads the interleaving of the threads' updates of shared rows differs from run to run:
    results vary within the statistical noise of the visiting order, never bit for bit.

    Parameters
    ----------
    n_factors : int, default 100
        Number of latent factors k.
    n_epochs : int, default 20
        Passes over the training ratings.
    lr : float, default 0.02
        SGD step η of the factors p_u and q_i (and of the biases and the y_j unless
        ``lr_bias`` / ``lr_implicit`` are given); with the default ``lr_schedule="adagrad"``
        the step of a row is η/√G_row.
    reg : float, default 0.05
        L2 weight λ of every parameter not given its own below (``reg_implicit`` has its
        own default).
    init_mean, init_std : float, default 0.0, 0.02
        Initial p_u, q_i and y_j ~ Normal(init_mean, init_std); biases start at 0.
    lr_bias, lr_implicit : float, optional
        Steps of the biases and of the implicit factors y_j (default ``lr``).
    reg_bias, reg_user, reg_item : float, optional
        L2 weights of the biases, of p_u and of q_i (default ``reg``).
    reg_implicit : float or None, default 0.0125
        L2 weight of the y_j; None: ``reg``. The validation RMSE of
        ``benchmarks/tune_svdpp.py`` prefers a quarter of ``reg`` to ``reg`` itself.
    lr_schedule : {"adagrad", "constant"}, default "adagrad"
        ``"adagrad"``: per-row adaptive steps η/√G_row, G_row = 1 + the running sum of the
        row's mean squared gradients (one accumulator per user, for p_u, b_u and the user's
        y step, and one per item, for q_i and b_i; LibMF's scheme). ``"constant"``: plain SGD
        with step η (Surprise's; use a smaller ``lr``, e.g. 0.007).
    lr_decay : float, default 1.0
        Multiply the steps by this factor after every epoch.
    algorithm : {"grid", "per_user"}, default "grid"
        ``"grid"``: FunkSVD's block grid with the y steps applied once per epoch, damped
        (above). ``"per_user"``: each user's walk in a seeded random order, Hogwild across
        threads (above; Surprise's per-rating steps).
    n_blocks : int, optional
        ``algorithm="grid"`` only: bins per side of the grid (as FunkSVD's);
        None: FunkSVD's choice from the data's size and the thread count, but at most two per
        thread.
    n_threads : int, optional
        None or -1: all cores; -2: all but one; positive: exactly that many.
    random_state : int, numpy Generator, SeedSequence or None
        Seed for the initial factors and the users' visiting orders.
    verbose : bool, default False
        Show a progress bar (tqdm, the ``progress`` extra; else one line per epoch on
        stderr) with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when the RMSE on ``eval_set`` has not improved for this many epochs.

    Attributes
    ----------
    user_factors_ : ndarray of shape (n_users, n_factors), float32
        p_u. The effective user vector, the one retrieval and similar users use, is
        ``user_factors_ + user_implicit_``.
    item_factors_ : ndarray of shape (n_items, n_factors), float32
        q_i.
    implicit_factors_ : ndarray of shape (n_items, n_factors), float32
        y_j (zero for items in no user's N(u)).
    user_implicit_ : ndarray of shape (n_users, n_factors), float32
        z_u = |N(u)|^-½ Σ_{j∈N(u)} y_j of each user (zero for users without ratings: they
        are cold, and predicted by the baseline like every model's cold users).
    user_bias_, item_bias_, global_mean_
        b_u, b_i and μ.

    Notes
    -----
    Fold-in (``fold_in`` / ``add_users``) solves a new user's p_u and b_u with the items
    fixed, the implicit term taken from the user's own items: z_u = |N(u)|^-½ Σ_{j∈N(u)} y_j
    with N(u) the items given for that user, then the ridge problem of the user's part of
    the training loss, min Σ_i (r_ui − μ − b_i − q_iᵀz_u − q_iᵀp − b)² + n_u (λ_p‖p‖² +
    λ_bu b²), exactly (Cholesky); ``add_users`` also stores z_u in ``user_implicit_``.
    ``fold_in_items`` / ``add_items`` solve a new item's q_i and b_i against the fixed
    effective user vectors p_u + z_u (λ_q, λ_bi per rating); its y_j is zero and the users'
    implicit terms are left as they are.

    Surprise's ``SVDpp`` (defaults: ``n_factors=20, n_epochs=20, lr_all=0.007,
    reg_all=0.02, init_mean=0, init_std_dev=0.1``) is reproduced by ``SVDpp(n_factors=20,
    n_epochs=20, lr=0.007, reg=0.02, reg_implicit=0.02, init_std=0.1,
    lr_schedule="constant", algorithm="per_user")`` (``reg_implicit`` has a default of its
    own): the same
    model, loss and initialization (p_u, q_i, y_j ~ Normal(0, 0.1), biases 0), and the same
    per-rating steps of b_u, b_i, p_u and q_i; Surprise's ``lr_bu = lr_bi`` ↔ ``lr_bias``,
    ``lr_pu = lr_qi`` ↔ ``lr``, ``lr_yj`` ↔ ``lr_implicit``, ``reg_bu = reg_bi`` ↔
    ``reg_bias``, ``reg_pu`` ↔ ``reg_user``, ``reg_qi`` ↔ ``reg_item``, ``reg_yj`` ↔
    ``reg_implicit``. The per-rating steps, y_j included, are the
    same (above); what differs is the order and the precision: Surprise walks its users in
    one fixed order every epoch and computes in float64, here users come in a fresh random
    order each epoch and factors are float32. Results agree statistically, not bit for bit
    (``benchmarks/surprise_seeds.py`` compares the spread over seeds; ``compare.py`` runs
    ``mfrec.compat.surprise.SVDpp``, which also starts from the initial factors Surprise
    draws for the seed: on MovieLens 100K within 0.0007 RMSE of Surprise's, 5 seeds).

    The defaults were chosen by validation RMSE on MovieLens 100K and latest-small
    (``benchmarks/tune_svdpp.py``; output in ``benchmarks/results/tune_svdpp.txt``).
    """

    _cli_name = "svdpp"

    def __init__(self, n_factors: int = 100, n_epochs: int = 20, lr: float = 0.02,
                 reg: float = 0.05, init_mean: float = 0.0, init_std: float = 0.02,
                 lr_bias: float | None = None, lr_implicit: float | None = None,
                 reg_bias: float | None = None, reg_user: float | None = None,
                 reg_item: float | None = None, reg_implicit: float | None = 0.0125,
                 lr_schedule: str = "adagrad", lr_decay: float = 1.0,
                 algorithm: str = "grid", n_blocks: int | None = None,
                 n_threads: int | None = None, random_state: Seed = None,
                 verbose: bool = False, n_iter_no_change: int | None = None) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.lr = lr
        self.reg = reg
        self.init_mean = init_mean
        self.init_std = init_std
        self.lr_bias = lr_bias
        self.lr_implicit = lr_implicit
        self.reg_bias = reg_bias
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.reg_implicit = reg_implicit
        self.lr_schedule = lr_schedule
        self.lr_decay = lr_decay
        self.algorithm = algorithm
        self.n_blocks = n_blocks
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change

    def _get_traits(self) -> ModelTraits:
        small = {"n_factors": 8, "n_epochs": 3, "random_state": 0}
        return ModelTraits(
            feedback="explicit", val_metric="rmse", fold_in="ridge", biased=True,
            # the per-user walk is Hogwild at more than one thread; the grid's default bins
            # depend on n_threads (grid_bins_svdpp), a fixed grid does not
            deterministic=self.algorithm == "grid" and self.n_blocks is not None,
            test_variants=(small, {**small, "lr_schedule": "constant", "lr": 0.01},
                           {**small, "algorithm": "grid", "n_blocks": 2},
                           {**small, "algorithm": "per_user"}))

    def _check_params(self) -> dict:
        # shared parameters: _validation.SHARED_PARAMS; SVD++'s own: lr_implicit, reg_implicit
        p = check_shared_params(self, "n_factors", "n_epochs", "lr", "reg", "init_mean",
                                "init_std", "lr_decay")
        p.update(check_shared_params(self, "lr_bias", default=p["lr"]))
        p["lr_implicit"] = p["lr"] if self.lr_implicit is None else check_float(
            self.lr_implicit, "lr_implicit", positive=True)
        p.update(check_shared_params(self, "reg_bias", "reg_user", "reg_item", default=p["reg"]))
        p["reg_implicit"] = p["reg"] if self.reg_implicit is None else check_float(
            self.reg_implicit, "reg_implicit", nonneg=True)
        p.update(check_shared_params(self, "lr_schedule"))
        p["algorithm"] = check_choice(self.algorithm, "algorithm", ("grid", "per_user"))
        check_shared_params(self, "n_blocks")
        p.update(kernel_steps(p), lr_yj=p["lr_implicit"])
        return p

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None,
            implicit_items: InteractionsLike | None = None) -> SVDpp:
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
        implicit_items : Interactions, DataFrame or sparse matrix of shape (n_users, n_items)
            Optional: extra (user, item) pairs for N(u) besides the rated items (values ignored):
            items users clicked, bought or were shown. An Interactions or a DataFrame
            (columns ``user``, ``item``) holds raw ids, mapped through the id maps of ``X``;
            a sparse matrix holds the inner ids of ``X`` (its shape must be ``X``'s). Only
            users with ratings learn from theirs.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_factors), ``item_factors_`` and
            ``implicit_factors_`` (n_items, n_factors), ``user_implicit_`` (n_users,
            n_factors), ``user_bias_`` (n_users,), ``item_bias_`` (n_items,), all float32,
            ``global_mean_``, ``history_``.

        Raises
        ------
        FloatingPointError
            When training diverges (non-finite loss); the message names the learning rate.
        UnknownIdError
            (a ``KeyError``) ``implicit_items`` names a user or item that ``X`` does not.
        ValueError, TypeError
            An invalid parameter (named in the message), empty training data, or
            ``implicit_items`` of the wrong type or shape.
        """
        return self._fit(X, eval_set=eval_set, callback=callback,
                         implicit_items=implicit_items)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      implicit_items: InteractionsLike | None = None,
                      **fit_data) -> SvdppTrainer:
        if params["algorithm"] == "per_user":
            return SvdppTrainer(self, data, params, engine, implicit_items)
        return SvdppGridTrainer(self, data, params, engine,
                                grid_bins_svdpp(self, data, padded_k(params["k"]),
                                                engine.n_threads), implicit_items)

    # -- scoring and cold start ---------------------------------------------------------------
    def _make_scorer(self, state: dict) -> DotScorer:
        # x_u = p_u + z_u, formed once per published state
        x = np.add(state["user_factors_"], state["user_implicit_"], dtype=np.float32)
        return DotScorer(x, state["item_factors_"], state["user_bias_"], state["item_bias_"],
                         offset=float(state["global_mean_"]), fallback=None, clip=True,
                         train=state["_train"])

    def _fold_in_params(self, side: str) -> dict:
        # The SGD loss charges λ·‖row‖² and λ_b·b² per rating: λ·n for the row.
        p = self._check_params()
        return {"reg": p["reg_user" if side == "users" else "reg_item"],
                "reg_bias": p["reg_bias"], "reg_count": True}

    def _user_terms(self, R, state: dict) -> np.ndarray:
        """z_u of the rows of the CSR ``R`` (their items as N(u)) with the fitted y_j."""
        Y = state["implicit_factors_"]
        Z = np.empty((R.shape[0], Y.shape[1]), dtype=np.float32)
        n = threads_for(self.n_threads, state["n_threads_"],
                        work_ns("pair", R.nnz * (Y.shape[1] + 4)))
        _core.svdpp_user_terms(R.indptr.astype(np.int64), R.indices.astype(np.int32), Y, Z,
                               n_threads=n)
        return Z

    def _fold_in_system(self, side: str, R, state: dict) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
        if side == "items":  # against the effective user vectors p_u + z_u
            x = np.add(state["user_factors_"], state["user_implicit_"], dtype=np.float32)
            return x, state["user_bias_"], R.data
        # users: targets r_ui − q_iᵀz_u (the solver subtracts μ + b_i)
        Z = self._user_terms(R, state)
        Q = state["item_factors_"]
        rows = np.repeat(np.arange(R.shape[0], dtype=np.int64), np.diff(R.indptr))
        dots = np.empty(R.nnz, dtype=np.float32)
        prm = _core.PredictParams(offset=0.0, use_fallback=False, fallback=0.0, clip=False)
        n = threads_for(self.n_threads, state["n_threads_"],
                        work_ns("pair", R.nnz * (Q.shape[1] + 4)))
        _core.predict_pairs(rows, R.indices.astype(np.int64), Z, Q, dots, params=prm,
                            n_threads=n)
        return Q, state["item_bias_"], R.data - dots

    def _fold_in_extra_state(self, side: str, R, state: dict) -> dict:
        if side == "users":
            return {"user_implicit_": np.vstack([state["user_implicit_"],
                                                 self._user_terms(R, state)])}
        Y = state["implicit_factors_"]
        return {"implicit_factors_": np.vstack([Y, np.zeros((R.shape[0], Y.shape[1]),
                                                            dtype=np.float32)])}

    def _upgrade_state(self, state: dict) -> dict:
        # the state of a model file: SVD++'s own arrays checked as the loader checks the
        # shared ones (shapes, dtype, finite), before the model uses any of them
        n_users, n_items = len(state.get("user_map_", ())), len(state.get("item_map_", ()))
        k = getattr(state.get("user_factors_"), "shape", (0, -1))[-1]
        for name, rows in (("implicit_factors_", n_items), ("user_implicit_", n_users)):
            arr = state.get(name)
            if not (isinstance(arr, np.ndarray) and arr.dtype == np.float32
                    and arr.shape == (rows, k) and np.all(np.isfinite(arr))):
                got = "missing" if arr is None else \
                    f"{getattr(arr, 'dtype', type(arr).__name__)} {getattr(arr, 'shape', '')}"
                raise ModelFileError(f"the SVDpp model file is corrupt: {name} should be "
                                     f"finite float32 of shape ({rows}, {k}), got {got}")
        return state
