"""BPR: Bayesian Personalized Ranking for implicit feedback, by parallel lock-free SGD."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _core
from .._base import Recommender
from .._cores import work_ns
from .._engine import LocalEngine
from .._scoring import DotScorer
from .._traits import ModelTraits
from .._validation import check_bool, check_choice, check_random_state, check_shared_params
from ._sgd import adagrad_sums, normal_rows, padded_k

if TYPE_CHECKING:
    import scipy.sparse as sp

    from .._input import EpochCallback, InteractionsLike, Seed
    from .._scoring import Scorer
    from ..interactions import Interactions

__all__ = ["BPR"]

# Seed of the fold-in streams: a folded-in row's triples depend on its items only.
_FOLD_IN_SEED = 0x5EED_B1A5


class BPR(Recommender):
    """Bayesian Personalized Ranking for implicit feedback (Rendle et al. 2009), by SGD.

    Learns to rank each user's positives above the other items: for sampled triples
    (u, i, j) — i one of u's positives, j a negative drawn by the sampler — it maximizes
    ln σ(x_uij) with x_uij = b_i − b_j + p_uᵀ(q_i − q_j), minus L2 penalties
    λ(‖p_u‖² + ‖q_i‖² + ‖q_j‖²) + λ_b(b_i² + b_j²) per triple. Items are ranked by
    b_i + p_uᵀq_i. Every stored non-zero value is a positive (values are ignored; stored
    zeros are unobserved pairs).

    Training (``cpp/include/mfrec/bpr.hpp``): each epoch visits the users in a fresh random
    order and draws, for each user, as many triples as it has positives — nnz triples an
    epoch, as implicit's BPR — each of the user's positives once, in a random order, the
    negative from ``negatives``; a triple whose negative is one of the user's positives is
    skipped (``verify_negatives``). A user's triples run back to back on one thread, so its
    factor row stays in the core's cache; threads take users dynamically and update the
    shared item rows without locks (Hogwild).

    Reproducibility: the random numbers are counter-based streams, so the triples drawn in
    an epoch are a function of ``random_state`` alone, at any ``n_threads``. With
    ``n_threads=1`` a seed gives bit-identical factors. With more threads the updates of two
    threads may interleave on the same item row (Hogwild races), in an order that depends on
    timing: results vary from run to run (equally accurate), and are not bit-identical to the
    1-thread fit. ``fold_in`` is deterministic at any thread count.

    The defaults were chosen on validation splits of MovieLens 100K positives (r ≥ 4) and
    Last.fm 2K (``benchmarks/tune_bpr.py``, ``benchmarks/results/tune_bpr.txt``): per-user
    AdaGrad steps and uniform negatives ranked best on both (test NDCG@10, seeds 0-2:
    0.293 on MovieLens, 0.215 on Last.fm, against 0.206 and 0.161 for implicit's BPR at its
    defaults).

    Parameters
    ----------
    n_factors : int, default 128
        Number of latent factors k.
    n_epochs : int, default 200
        Passes; each draws as many triples as there are positives.
    lr : float, default 0.05
        SGD step η (with ``lr_schedule="adagrad"`` the step of a row is η/√G_row).
    reg : float, default 0.01
        L2 weight λ of the user and item factors, charged per triple.
    reg_bias : float, optional
        L2 weight λ_b of the item biases (default ``reg``).
    negatives : {"uniform", "popularity"}, default "uniform"
        Draw negatives uniformly over the items that have positives, or in proportion to
        their number of positives (implicit's scheme: the item of a random training pair).
    verify_negatives : bool, default True
        Skip a triple whose negative is one of the user's positives (binary search in the
        user's sorted row), as implicit does. Without it, a triple is skipped only when the
        negative is the positive itself.
    lr_schedule : {"constant", "adagrad"}, default "adagrad"
        ``"adagrad"``: per-row adaptive steps η/√G_row, G_row = 1 + the running sum of mean
        squared gradients of that row (users and items).
    init_std : float, default 0.01
        Initial factors ~ Normal(0, init_std); item biases start at 0.
    n_threads : int, optional
        None or -1: all cores; -2: all but one; positive: exactly that many.
    random_state : int, numpy Generator, SeedSequence or None
        Seed for the initial factors and the triples.
    verbose : bool, default False
        Show a progress bar (tqdm, the ``progress`` extra) with the loss per epoch.
    n_iter_no_change : int, optional
        Stop when NDCG@10 on ``eval_set`` has not improved for this many epochs.

    Notes
    -----
    ``fold_in`` / ``add_users`` (new users; there is no item fold-in): the new user's factors
    start at zero and take ``n_epochs`` visits of SGD on the user's own triples (drawn as in
    training: the user's positives, negatives from the same sampler over the training
    items), the item factors and biases fixed — the user's part of the training loss,
    descended as training descends it. The triples of a row come from a stream keyed by its
    items, so a row's factors depend on its items alone (not on the other rows of the call,
    nor on ``n_threads``).

    implicit's ``BayesianPersonalizedRanking(factors=k, learning_rate=η,
    regularization=λ, iterations=n, verify_negative_samples=v)`` maps to
    ``BPR(n_factors=k, lr=η, reg=λ, n_epochs=n, verify_negatives=v,
    negatives="popularity", lr_schedule="constant", init_std=0.29 / k)``: the same loss
    (implicit keeps the item bias as an extra factor column against a constant 1 in the user
    rows, so it has the factors' step and λ: ``reg_bias=reg``), the same update, nnz triples
    an epoch, negatives drawn as the item of a random training pair, initial factors of the
    same spread (implicit: uniform on [−0.5, 0.5)/k, standard deviation 0.29/k). Differences:
    implicit draws each triple's user with its positive (a uniformly random training pair),
    mfrec visits the users in a random order, each for as many triples as it has positives
    (each positive once); implicit's initial values are uniform, mfrec's normal (measured: no
    difference in NDCG@10).
    """

    def __init__(self, n_factors: int = 128, n_epochs: int = 200, lr: float = 0.05,
                 reg: float = 0.01, reg_bias: float | None = None, negatives: str = "uniform",
                 verify_negatives: bool = True, lr_schedule: str = "adagrad",
                 init_std: float = 0.01, n_threads: int | None = None,
                 random_state: Seed = None, verbose: bool = False,
                 n_iter_no_change: int | None = None) -> None:
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.lr = lr
        self.reg = reg
        self.reg_bias = reg_bias
        self.negatives = negatives
        self.verify_negatives = verify_negatives
        self.lr_schedule = lr_schedule
        self.init_std = init_std
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.n_iter_no_change = n_iter_no_change

    def _get_traits(self) -> ModelTraits:
        small = {"n_factors": 8, "n_epochs": 3, "random_state": 0}
        return ModelTraits(
            feedback="implicit", val_metric="ndcg@10", fold_in="sgd",
            deterministic=False,  # Hogwild: bit-identical at n_threads=1 only
            biased=False,  # no μ, no b_u: the item bias is passed by _make_scorer
            test_variants=(small, {**small, "negatives": "popularity", "lr_schedule": "constant",
                                   "verify_negatives": False}))

    def _check_params(self) -> dict:
        # shared parameters: _validation.SHARED_PARAMS; BPR's own: negatives, verify_negatives
        p = check_shared_params(self, "n_factors", "n_epochs", "lr", "reg", "init_std")
        p.update(check_shared_params(self, "reg_bias", default=p["reg"]))
        p["negatives"] = check_choice(self.negatives, "negatives", ("uniform", "popularity"))
        p.update(check_shared_params(self, "lr_schedule"))
        p["verify"] = check_bool(self.verify_negatives, "verify_negatives")
        return p

    def _prepare_data(self, data: Interactions) -> Interactions:
        _check_values(data.ratings)
        if np.any(data.ratings == 0):  # stored zeros are unobserved pairs
            data = data.subset(data.ratings != 0)
        return data

    def _make_scorer(self, state: dict) -> Scorer:
        # score = b_i + p_uᵀq_i; a user without data (cold or unknown) gets b_i
        return DotScorer(state["user_factors_"], state["item_factors_"], None,
                         state["item_bias_"], offset=0.0, fallback=None, clip=False)

    def _kernel_params(self, p: dict, seed: int) -> _core.BprParams:
        return _core.BprParams(lr=p["lr"], reg_user=p["reg"], reg_item=p["reg"],
                               reg_bias=p["reg_bias"], adagrad=p["adagrad"],
                               verify=p["verify"], n_factors=p["k"], seed=seed)

    def _fold_in_rows(self, side: str, R: sp.csr_matrix, state: dict | None = None,
                      ) -> tuple[np.ndarray, np.ndarray, dict]:
        # traits fold_in="sgd": no closed-form row solve; SGD steps on the new user's triples
        if state is None:
            state = self._fitted_state()  # one consistent snapshot
        if side != "users":
            raise NotImplementedError(
                "BPR folds in new users only (fold_in, add_users): its loss ranks a user's "
                "items, and a new item has no ranking of its own to fit; refit to add items")
        p = self._check_params()
        _check_values(R.data)
        R = R.copy()
        R.eliminate_zeros()  # stored zeros are unobserved pairs
        Q = np.ascontiguousarray(state["item_factors_"], dtype=np.float32)
        bias = np.ascontiguousarray(state["item_bias_"], dtype=np.float32)
        n, k = R.shape[0], Q.shape[1]
        X = np.zeros((n, k), dtype=np.float32)
        thr, alias = negative_sampler(state["_train"].item_counts(), p["negatives"])
        passes = p["n_epochs"]
        n_threads = state.get("n_threads")
        engine = LocalEngine(state["n_threads_"],
                             auto=not (n_threads is not None and n_threads > 0))
        _core.bpr_fold_in(R.indptr.astype(np.int64), R.indices.astype(np.int32), X, Q, bias,
                          thr, alias, params=self._kernel_params(p, _FOLD_IN_SEED),
                          n_passes=passes,
                          n_threads=engine.threads(_work_ns(R.nnz * passes, k)))
        return X, np.zeros(n, dtype=np.float32), {}

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None) -> BPR:
        """Fit the factors.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Positive interactions: every stored non-zero value (values are ignored; negative
            values are refused, zeros are unobserved pairs).
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Held-out interactions: NDCG@10 of the top-10 recommendations (training items
            filtered) after every epoch as ``val_ndcg@10`` (for ``history_``, ``callback``
            and ``n_iter_no_change``).
        callback : callable, optional
            ``callback(info)`` after every epoch with a dict: ``epoch`` (int, 1-based),
            ``elapsed`` (seconds), ``loss`` (the mean of −ln σ(x_uij) over the epoch's
            triples, each before its update; NaN when no triple could be drawn) and
            ``val_ndcg@10`` with an ``eval_set``; returning ``False`` stops training. The
            same dicts are kept in ``history_``.

        Returns
        -------
        self
            Fitted: ``user_factors_`` (n_users, n_factors), ``item_factors_`` (n_items,
            n_factors), ``item_bias_`` (n_items,), float32; ``user_bias_`` is zeros and
            ``global_mean_`` is 0.

        Raises
        ------
        ValueError, TypeError
            Negative interaction values, an invalid parameter (named in the message), or
            empty training data.
        FloatingPointError
            Training diverged (non-finite loss); the message names the learning rate.
        """
        return self._fit(X, eval_set=eval_set, callback=callback)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data) -> _BprTrainer:
        return _BprTrainer(self, data, params, engine)


def _work_ns(triples: int, k_pad: int) -> float:
    """One-thread ns of ``triples`` BPR triples: measured (ML-100K and Last.fm 2K, one thread,
    CPU time: 70-150 ns a triple at k = 32-128) as about one SGD rating update of k + 32."""
    return work_ns("sgd", triples * (k_pad + 32))


def _check_values(values: np.ndarray) -> None:
    if np.any(values < 0):
        raise ValueError("BPR needs non-negative interaction values (any positive value is a "
                         f"positive); found {int((values < 0).sum())} negative")


def negative_sampler(item_counts: np.ndarray, negatives: str) -> tuple[np.ndarray, np.ndarray]:
    """The alias table (thr, alias) of the negative sampler over the items.

    Parameters
    ----------
    item_counts : ndarray of shape (n_items,)
        Positives per item in the training data.
    negatives : {"uniform", "popularity"}
        Uniform over the items with positives, or proportional to their counts.

    Returns
    -------
    thr : ndarray of shape (n_items,), uint32
    alias : ndarray of shape (n_items,), int32
    """
    counts = np.asarray(item_counts, dtype=np.float64)
    weights = counts if negatives == "popularity" else (counts > 0).astype(np.float64)
    thr = np.empty(len(weights), dtype=np.uint32)
    alias = np.empty(len(weights), dtype=np.int32)
    _core.bpr_alias_table(weights, thr, alias)
    return thr, alias


class _BprTrainer:
    """One BPR fit: the positives, the padded factors, the sampler, the kernel's parameters."""

    def __init__(self, model: BPR, data: Interactions, p: dict, engine: LocalEngine) -> None:
        rng = check_random_state(model.random_state)
        k = p["k"]
        n_users, n_items = data.n_users, data.n_items
        self.k, self.n_epochs, self.p = k, p["n_epochs"], p
        self.indptr = np.ascontiguousarray(data.indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(data.item_index, dtype=np.int32)
        # Rows padded and aligned as FunkSVD's.
        k_pad = padded_k(k)
        self.n_threads = engine.threads(_work_ns(data.nnz, k_pad))  # an epoch's work
        seeds = rng.integers(0, 2**63, size=3)
        init = {"mean": 0.0, "std": p["init_std"], "engine": engine}
        self.P = normal_rows(n_users, k, k_pad, seed=seeds[0], **init)
        self.Q = normal_rows(n_items, k, k_pad, seed=seeds[1], **init)
        self.bias = np.zeros(n_items, dtype=np.float32)
        self.Gu, self.Gi = adagrad_sums(n_users, n_items, p["adagrad"])
        self.thr, self.alias = negative_sampler(data.item_counts(), p["negatives"])
        self.params = model._kernel_params(p, int(seeds[2]))

    def _epochs(self, first: int, n: int):
        return _core.bpr_epochs(self.indptr, self.indices, self.P, self.Q, self.bias, self.Gu,
                                self.Gi, self.thr, self.alias, params=self.params,
                                first_epoch=first, n_epochs=n, n_threads=self.n_threads)

    def _loss(self, t: int, loss: float, done: int) -> float:
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"BPR diverged in epoch {t + 1} (training loss is {loss}): the learning rate "
                f"lr={self.p['lr']} is too large for this data; lower it (e.g. by 10x)")
        return loss / done if done else float("nan")

    def run_all(self) -> list[tuple[float, float]]:
        # Nothing watches the epochs: all in one call (one parallel region); the same
        # triples and updates as epoch() by epoch().
        loss, done, seconds = self._epochs(0, self.n_epochs)
        return [(self._loss(t, float(v), int(d)), float(s))
                for t, (v, d, s) in enumerate(zip(loss, done, seconds))]

    def epoch(self, t: int) -> float:
        loss, done, _ = self._epochs(t, 1)
        return self._loss(t, float(loss[0]), int(done[0]))

    def state(self, final: bool) -> dict:
        """The fitted arrays (new arrays either way)."""
        return {"user_factors_": np.ascontiguousarray(self.P[:, :self.k]),
                "item_factors_": np.ascontiguousarray(self.Q[:, :self.k]),
                "user_bias_": np.zeros(self.P.shape[0], dtype=np.float32),
                "item_bias_": self.bias.copy()}
