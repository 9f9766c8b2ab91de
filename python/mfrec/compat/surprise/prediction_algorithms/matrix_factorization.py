"""``SVD``, ``SVDpp`` and ``NMF`` with Surprise's parameters, trained by mfrec's kernels.

Each fits the matching mfrec model on the trainset's ratings (inner ids = Surprise's) with
Surprise's settings translated one to one, then exposes Surprise's learned attributes as
float64 arrays (``pu``, ``qi``, ``bu``, ``bi``, and ``yj`` for SVD++). What differs:
mfrec's SGD visits the ratings in a shuffled, block-parallel order (Surprise: user by user)
and computes in float32, so results agree statistically (RMSE within 0.005 on the same
split, tested), not bit for bit. Estimates follow Surprise's rules for unknown users and
items exactly.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..utils import seed_of
from .algo_base import AlgoBase

__all__ = ["SVD", "SVDpp"]

_UNKNOWN = "User and item are unknown."


def _lr_reg(algo, names, lr_all, reg_all) -> dict:
    """Each ``lr_<x>``/``reg_<x>`` of Surprise: its own value, else the ``*_all`` one."""
    out = {}
    for n in names:
        lr, reg = getattr(algo, "lr_" + n), getattr(algo, "reg_" + n)
        out["lr_" + n] = lr_all if lr is None else lr
        out["reg_" + n] = reg_all if reg is None else reg
    return out


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


class SVD(AlgoBase):
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
        model = _model_class("FunkSVD")(
            n_factors=self.n_factors, n_epochs=self.n_epochs, biased=bool(self.biased),
            init_mean=self.init_mean, init_std=self.init_std_dev, lr_schedule="constant",
            lr=max(s["lr_pu"], s["lr_qi"], 1e-30),
            random_state=seed_of(self.random_state, self.init_std_dev != 0),
            verbose=bool(self.verbose))
        model._steps = {"lr_bu": s["lr_bu"], "lr_bi": s["lr_bi"], "lr_pu": s["lr_pu"],
                        "lr_qi": s["lr_qi"], "reg_bu": s["reg_bu"], "reg_bi": s["reg_bi"],
                        "reg_user": s["reg_pu"], "reg_item": s["reg_qi"]}
        if not _fit_or_nan(self, model, trainset):
            return self
        self._mfrec_model = model
        self.pu = model.user_factors_.astype(np.float64)
        self.qi = model.item_factors_.astype(np.float64)
        self.bu = model.user_bias_.astype(np.float64)
        self.bi = model.item_bias_.astype(np.float64)
        return self

    def _estimate_batch(self, u, i):
        known_u, known_i = u >= 0, i >= 0
        both = known_u & known_i
        uu, ii = np.maximum(u, 0), np.maximum(i, 0)
        dots = np.where(both, np.einsum("ij,ij->i", self.pu[uu], self.qi[ii]), 0.0)
        if self.biased:
            est = (self.trainset.global_mean + np.where(known_u, self.bu[uu], 0.0)
                   + np.where(known_i, self.bi[ii], 0.0) + dots)
            return est, np.zeros(len(u), dtype=bool), "", None
        return dots, ~both, _UNKNOWN, None


class SVDpp(AlgoBase):
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
        model = _model_class("SVDpp")(
            n_factors=self.n_factors, n_epochs=self.n_epochs, init_mean=self.init_mean,
            init_std=self.init_std_dev, lr_schedule="constant",
            lr=max(s["lr_pu"], s["lr_qi"], 1e-30), reg_implicit=s["reg_yj"],
            random_state=seed_of(self.random_state, self.init_std_dev != 0),
            verbose=bool(self.verbose))
        model._steps = {"lr_bu": s["lr_bu"], "lr_bi": s["lr_bi"], "lr_pu": s["lr_pu"],
                        "lr_qi": s["lr_qi"], "lr_yj": s["lr_yj"], "reg_bu": s["reg_bu"],
                        "reg_bi": s["reg_bi"], "reg_user": s["reg_pu"],
                        "reg_item": s["reg_qi"], "reg_implicit": s["reg_yj"]}
        if not _fit_or_nan(self, model, trainset):
            self._user_implicit = np.full_like(self.pu, np.nan)
            return self
        self._mfrec_model = model
        self.pu = model.user_factors_.astype(np.float64)
        self.qi = model.item_factors_.astype(np.float64)
        self.yj = model.implicit_factors_.astype(np.float64)
        self.bu = model.user_bias_.astype(np.float64)
        self.bi = model.item_bias_.astype(np.float64)
        self._user_implicit = model.user_implicit_.astype(np.float64)
        return self

    def _estimate_batch(self, u, i):
        known_u, known_i = u >= 0, i >= 0
        both = known_u & known_i
        uu, ii = np.maximum(u, 0), np.maximum(i, 0)
        users = self.pu[uu] + self._user_implicit[uu]
        dots = np.where(both, np.einsum("ij,ij->i", users, self.qi[ii]), 0.0)
        est = (self.trainset.global_mean + np.where(known_u, self.bu[uu], 0.0)
               + np.where(known_i, self.bi[ii], 0.0) + dots)
        return est, np.zeros(len(u), dtype=bool), "", None


def _fit_or_nan(algo, model, trainset) -> bool:
    """Fit ``model``; when SGD diverges, warn and leave NaN parameters, as Surprise's fit
    would (it has no divergence check): its predictions are then NaN. False then."""
    try:
        model.fit(trainset._to_interactions())
        return True
    except FloatingPointError as e:
        warnings.warn(f"{type(algo).__name__}: {e}; its parameters are NaN", RuntimeWarning,
                      stacklevel=3)
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
