"""``SVD``, ``SVDpp`` and ``NMF`` with Surprise's parameters, trained by mfrec's kernels.

Each fits the matching mfrec model on the trainset's ratings (inner ids = Surprise's) with
Surprise's settings translated one to one, starting from the initial factors Surprise's
algorithm draws for the same ``random_state`` (its ``RandomState`` calls, in its order,
``_surprise_init``), then exposes Surprise's learned attributes as float64 arrays (``pu``,
``qi``, ``bu``, ``bi``, and ``yj`` for SVD++). Unbiased NMF's multiplicative updates (the
default) have no visiting order: its fit is Surprise's up to float32 arithmetic (MovieLens
100K and latest-small, 5 seeds: the same test RMSE to 7 decimals, ``compare.py`` and
``benchmarks/surprise_seeds.py``; tested against Surprise where it is installed); biased
NMF steps the biases in its half-sweeps (Surprise: in one pass), so it agrees statistically.
SVD and SVD++ visit the ratings in mfrec's order (shuffled,
block-parallel or users on all cores; Surprise: user by user), so from the same start they
agree statistically (ML-100K, 5 seeds: RMSE within 0.0007 of Surprise's), not bit for bit.
Estimates follow Surprise's rules for unknown users and items exactly.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..utils import get_rng, seed_of
from .algo_base import AlgoBase

__all__ = ["NMF", "SVD", "SVDpp"]

_UNKNOWN = "User and item are unknown."


def _scores(u, i, users, qi, bu, bi, mu) -> np.ndarray:
    """μ + b_u + b_i + userᵀq_i of inner index pairs, the terms of an unknown side (−1) left
    out (Surprise's rule for biased models), by mfrec's pair kernel (parallel, no gathered
    copies): float32 arithmetic on the float32 values the attributes hold (they come from
    mfrec's float32 fit; a value set by hand is rounded to float32)."""
    from mfrec import _core
    from mfrec._cores import threads_for, work_ns
    from mfrec._validation import resolve_n_threads

    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    users, qi = f32(users).reshape(len(users), -1), f32(qi).reshape(len(qi), -1)
    out = np.empty(len(u), dtype=np.float32)
    params = _core.PredictParams(offset=float(mu), use_fallback=False, fallback=0.0,
                                 clip=False, lo=0.0, hi=0.0)
    nt = threads_for(None, resolve_n_threads(None), work_ns("pair", len(u) * (qi.shape[1] + 4)))
    _core.predict_pairs(np.ascontiguousarray(u, dtype=np.int64),
                        np.ascontiguousarray(i, dtype=np.int64), users, qi, out,
                        user_bias=None if bu is None else f32(bu),
                        item_bias=None if bi is None else f32(bi), params=params,
                        n_threads=nt)
    return out.astype(np.float64)


def _lr_reg(algo, names, lr_all, reg_all) -> dict:
    """Each ``lr_<x>``/``reg_<x>`` of Surprise: its own value, else the ``*_all`` one."""
    out = {}
    for n in names:
        lr, reg = getattr(algo, "lr_" + n), getattr(algo, "reg_" + n)
        out["lr_" + n] = lr_all if lr is None else lr
        out["reg_" + n] = reg_all if reg is None else reg
    return out


def _surprise_init(algo, trainset, draws) -> dict:
    """The initial factors Surprise's algorithm draws for ``algo.random_state``: ``draws``
    = ``(name, method, a, b)`` in Surprise's order, each ``rng.<method>(a, b, size=(n, k))``
    with n the trainset's users (``user_factors``) or items, from ``get_rng`` (a new
    ``RandomState`` for an int, the given one, or numpy's global one for None). Rows are
    inner ids, as Surprise's are, so a seed starts both libraries from the same values."""
    rng = get_rng(algo.random_state)
    size = {"user_factors": trainset.n_users}
    return {name: getattr(rng, method)(a, b, size=(size.get(name, trainset.n_items),
                                                    algo.n_factors))
            for name, method, a, b in draws}


def _sgd_steps_model(base_cls):
    """A subclass of an mfrec SGD model whose per-parameter steps and weights come from a
    dict set on the instance (``_steps``), not from its own parameters."""

    class Stepped(base_cls):
        def _check_params(self) -> dict:
            p = super()._check_params()
            p.update(self._steps)
            return p

    Stepped.__name__ = Stepped.__qualname__ = f"_Surprise{base_cls.__name__}"
    return Stepped


_MODELS: dict = {}


def _model_class(name: str):
    if name not in _MODELS:
        import mfrec

        _MODELS[name] = _sgd_steps_model(getattr(mfrec, name))
    return _MODELS[name]


class _DotAlgo(AlgoBase):
    """What ``SVD``, ``SVDpp`` and ``NMF`` share: fitting their mfrec model, publishing its
    learned values as Surprise's float64 attributes, and (``SVD``, ``NMF``) the estimate
    r̂ = q_iᵀp_u, plus μ + b_u + b_i when ``biased``."""

    def _fit_model(self, model, trainset) -> bool:
        """Fit ``model`` on ``trainset`` and set ``pu``, ``qi``, ``bu``, ``bi`` from it
        (float64). False when SGD diverged: the parameters are then NaN (``_fit_or_nan``).
        The initial values the algorithm gave (``_surprise_init``) are dropped after the fit."""
        try:
            if not _fit_or_nan(self, model, trainset):
                return False
        finally:
            model.__dict__.pop("_initial_values", None)
        self._mfrec_model = model
        self.pu = model.user_factors_.astype(np.float64)
        self.qi = model.item_factors_.astype(np.float64)
        self.bu = model.user_bias_.astype(np.float64)
        self.bi = model.item_bias_.astype(np.float64)
        return True

    def _estimate_batch(self, u, i):
        if self.biased:
            est = _scores(u, i, self.pu, self.qi, self.bu, self.bi, self.trainset.global_mean)
            return est, np.zeros(len(u), dtype=bool), "", None
        both = (u >= 0) & (i >= 0)
        return _scores(u, i, self.pu, self.qi, None, None, 0.0), ~both, _UNKNOWN, None


class SVD(_DotAlgo):
    """Funk's SVD / biased MF (Surprise's ``SVD``): r̂ = μ + b_u + b_i + q_iᵀp_u.

    Same parameters and defaults as Surprise; trained by ``mfrec.FunkSVD`` with a constant
    step (``lr_schedule="constant"``) and every ``lr_*``/``reg_*`` passed on separately.
    """

    def __init__(self, n_factors=100, n_epochs=20, biased=True, init_mean=0, init_std_dev=0.1,
                 lr_all=0.005, reg_all=0.02, lr_bu=None, lr_bi=None, lr_pu=None, lr_qi=None,
                 reg_bu=None, reg_bi=None, reg_pu=None, reg_qi=None, random_state=None,
                 verbose=False):
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.biased = biased
        self.init_mean = init_mean
        self.init_std_dev = init_std_dev
        self.lr_bu, self.lr_bi, self.lr_pu, self.lr_qi = lr_bu, lr_bi, lr_pu, lr_qi
        self.reg_bu, self.reg_bi, self.reg_pu, self.reg_qi = reg_bu, reg_bi, reg_pu, reg_qi
        self.lr_all, self.reg_all = lr_all, reg_all
        self.random_state = random_state
        self.verbose = verbose
        AlgoBase.__init__(self)

    def fit(self, trainset):
        AlgoBase.fit(self, trainset)
        s = _lr_reg(self, ("bu", "bi", "pu", "qi"), self.lr_all, self.reg_all)
        init = _surprise_init(self, trainset, [
            (name, "normal", self.init_mean, self.init_std_dev)
            for name in ("user_factors", "item_factors")])
        model = _model_class("FunkSVD")(
            n_factors=self.n_factors, n_epochs=self.n_epochs, biased=bool(self.biased),
            init_mean=self.init_mean, init_std=self.init_std_dev, lr_schedule="constant",
            lr=max(s["lr_pu"], s["lr_qi"], 1e-30),
            random_state=seed_of(self.random_state, self.init_std_dev != 0),
            verbose=bool(self.verbose))
        model._steps = {"lr_bu": s["lr_bu"], "lr_bi": s["lr_bi"], "lr_pu": s["lr_pu"],
                        "lr_qi": s["lr_qi"], "reg_bu": s["reg_bu"], "reg_bi": s["reg_bi"],
                        "reg_user": s["reg_pu"], "reg_item": s["reg_qi"]}
        model._initial_values = init
        self._fit_model(model, trainset)
        return self


class SVDpp(_DotAlgo):
    """Koren's SVD++ (Surprise's ``SVDpp``): r̂ = μ + b_u + b_i + q_iᵀ(p_u + |I_u|^-½ Σ_j y_j)
    over the items j the user rated.

    Same parameters and defaults as Surprise; trained by ``mfrec.SVDpp`` (the same per-rating
    updates, y_j included, users in a shuffled order on all cores) with a constant step and
    every ``lr_*``/``reg_*`` passed on separately. ``cache_ratings`` is accepted (mfrec keeps
    the ratings as arrays anyway).
    """

    def __init__(self, n_factors=20, n_epochs=20, init_mean=0, init_std_dev=0.1, lr_all=0.007,
                 reg_all=0.02, lr_bu=None, lr_bi=None, lr_pu=None, lr_qi=None, lr_yj=None,
                 reg_bu=None, reg_bi=None, reg_pu=None, reg_qi=None, reg_yj=None,
                 random_state=None, verbose=False, cache_ratings=False):
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.init_mean = init_mean
        self.init_std_dev = init_std_dev
        self.lr_all, self.reg_all = lr_all, reg_all
        self.lr_bu, self.lr_bi, self.lr_pu, self.lr_qi, self.lr_yj = (lr_bu, lr_bi, lr_pu,
                                                                      lr_qi, lr_yj)
        self.reg_bu, self.reg_bi, self.reg_pu, self.reg_qi, self.reg_yj = (reg_bu, reg_bi,
                                                                           reg_pu, reg_qi,
                                                                           reg_yj)
        self.random_state = random_state
        self.verbose = verbose
        self.cache_ratings = cache_ratings
        AlgoBase.__init__(self)

    def fit(self, trainset):
        AlgoBase.fit(self, trainset)
        s = _lr_reg(self, ("bu", "bi", "pu", "qi", "yj"), self.lr_all, self.reg_all)
        init = _surprise_init(self, trainset, [
            (name, "normal", self.init_mean, self.init_std_dev)
            for name in ("user_factors", "item_factors", "implicit_factors")])
        model = _model_class("SVDpp")(
            n_factors=self.n_factors, n_epochs=self.n_epochs, init_mean=self.init_mean,
            init_std=self.init_std_dev, lr_schedule="constant", algorithm="per_user",
            lr=max(s["lr_pu"], s["lr_qi"], 1e-30), reg_implicit=s["reg_yj"],
            random_state=seed_of(self.random_state, self.init_std_dev != 0),
            verbose=bool(self.verbose))
        model._steps = {"lr_bu": s["lr_bu"], "lr_bi": s["lr_bi"], "lr_pu": s["lr_pu"],
                        "lr_qi": s["lr_qi"], "lr_yj": s["lr_yj"], "reg_bu": s["reg_bu"],
                        "reg_bi": s["reg_bi"], "reg_user": s["reg_pu"],
                        "reg_item": s["reg_qi"], "reg_implicit": s["reg_yj"]}
        model._initial_values = init
        if not self._fit_model(model, trainset):
            self._user_implicit = np.full_like(self.pu, np.nan)
            return self
        self.yj = model.implicit_factors_.astype(np.float64)
        self._user_implicit = model.user_implicit_.astype(np.float64)
        return self

    def _estimate_batch(self, u, i):
        users = self.pu + self._user_implicit  # effective user vectors
        est = _scores(u, i, users, self.qi, self.bu, self.bi, self.trainset.global_mean)
        return est, np.zeros(len(u), dtype=bool), "", None


class NMF(_DotAlgo):
    """Non-negative matrix factorization (Surprise's ``NMF``): r̂ = q_iᵀp_u (plus μ + b_u +
    b_i when ``biased``), every factor ≥ 0, by multiplicative updates.

    Same parameters and defaults as Surprise; trained by ``mfrec.NMF(algorithm="mu",
    update_order="simultaneous")`` (Surprise's update and order: both sides from the epoch's
    start), each ``reg_*``/``lr_*`` passed on separately. Unknown users or items are
    "impossible" when unbiased (the prediction is then the global mean), as in Surprise.
    """

    def __init__(self, n_factors=15, n_epochs=50, biased=False, reg_pu=0.06, reg_qi=0.06,
                 reg_bu=0.02, reg_bi=0.02, lr_bu=0.005, lr_bi=0.005, init_low=0, init_high=1,
                 random_state=None, verbose=False):
        if init_low < 0:
            raise ValueError("init_low should be greater than zero")
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.biased = biased
        self.reg_pu, self.reg_qi, self.reg_bu, self.reg_bi = reg_pu, reg_qi, reg_bu, reg_bi
        self.lr_bu, self.lr_bi = lr_bu, lr_bi
        self.init_low, self.init_high = init_low, init_high
        self.random_state = random_state
        self.verbose = verbose
        AlgoBase.__init__(self)

    def fit(self, trainset):
        AlgoBase.fit(self, trainset)
        init = _surprise_init(self, trainset, [
            (name, "uniform", self.init_low, self.init_high)
            for name in ("user_factors", "item_factors")])
        model = _model_class("NMF")(
            n_factors=self.n_factors, n_epochs=self.n_epochs, algorithm="mu",
            update_order="simultaneous", biased=bool(self.biased), reg_user=self.reg_pu,
            reg_item=self.reg_qi, init_low=float(self.init_low),
            init_high=float(self.init_high), random_state=seed_of(self.random_state),
            verbose=bool(self.verbose))
        model._steps = {"reg_bu": float(self.reg_bu), "reg_bi": float(self.reg_bi),
                        "lr_bu": float(self.lr_bu), "lr_bi": float(self.lr_bi)}
        model._initial_values = init
        self._fit_model(model, trainset)
        return self


def _fit_or_nan(algo, model, trainset) -> bool:
    """Fit ``model``; when SGD diverges, warn and leave NaN parameters, as Surprise's fit
    would (it has no divergence check): its predictions are then NaN. False then. Called by
    ``_DotAlgo._fit_model`` from an algorithm's ``fit``: the warning names ``fit``'s caller."""
    try:
        model.fit(trainset._to_interactions())
        return True
    except FloatingPointError as e:
        warnings.warn(f"{type(algo).__name__}: {e}; its parameters are NaN", RuntimeWarning,
                      stacklevel=4)
    k = int(getattr(algo, "n_factors", 0))
    for name, rows in (("pu", trainset.n_users), ("qi", trainset.n_items),
                       ("yj", trainset.n_items)):
        setattr(algo, name, np.full((rows, k), np.nan))
    algo.bu = np.full(trainset.n_users, np.nan)
    algo.bi = np.full(trainset.n_items, np.nan)
    return False


def _missing(name: str):
    import mfrec

    if not hasattr(mfrec, name):
        raise NotImplementedError(f"mfrec.{name} is not available in this build of mfrec")
    return getattr(mfrec, name)
