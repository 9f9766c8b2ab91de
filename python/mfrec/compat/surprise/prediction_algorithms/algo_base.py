"""``AlgoBase``: what every algorithm of the Surprise layer shares.

Surprise predicts one pair at a time (``predict`` → ``estimate``). Here ``test`` on a whole
test set is one vectorized call into the fitted mfrec model (``_estimate_batch``), and
``predict``/``estimate`` are that call on one pair, so single predictions and ``test`` agree
exactly. A subclass written for Surprise that overrides ``estimate`` keeps working: ``test``
then calls its ``predict`` pair by pair, as Surprise does.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from ..utils import no_gc
from .predictions import Prediction, PredictionImpossible

__all__ = ["AlgoBase"]


class AlgoBase:
    """The base class of the algorithms (Surprise's ``AlgoBase``).

    Parameters
    ----------
    bsl_options : dict, optional
        How baselines are computed (``compute_baselines``): ``method`` "als" (``reg_i`` 10,
        ``reg_u`` 15, ``n_epochs`` 10) or "sgd" (``reg`` 0.02, ``learning_rate`` 0.005,
        ``n_epochs`` 20).
    sim_options : dict, optional
        How similarities are computed (``compute_similarities``): ``name`` ("msd", "cosine",
        "pearson", "pearson_baseline"), ``user_based`` (default True), ``min_support``,
        ``shrinkage``.
    """

    def __init__(self, **kwargs):
        self.bsl_options = kwargs.get("bsl_options", {})
        self.sim_options = kwargs.get("sim_options", {})
        if "user_based" not in self.sim_options:
            self.sim_options["user_based"] = True

    def fit(self, trainset):
        """Remember ``trainset`` and forget earlier baselines; subclasses train after this.

        Returns
        -------
        self
        """
        self.trainset = trainset
        self.bu = self.bi = None
        return self

    # -- prediction --------------------------------------------------------------------------
    def _estimate_batch(self, u: np.ndarray, i: np.ndarray):
        """Estimates of inner index pairs (−1 = unknown): ``(est, impossible, reasons,
        details)`` — float64 estimates, a bool mask of impossible pairs, their reason (a str
        or one per pair) and per-pair detail dicts (or None). Implemented by the algorithms
        of this package; None means "not batched" (a user's subclass)."""
        return None

    def estimate(self, u, i):
        """The estimate for inner ids ``u``, ``i`` (``"UKN__<raw id>"`` strings when unknown);
        raises PredictionImpossible when there is none."""
        batch = self._estimate_batch(np.array([_index(u, self.trainset.n_users)]),
                                     np.array([_index(i, self.trainset.n_items)]))
        if batch is None:
            raise NotImplementedError(f"{type(self).__name__} does not implement estimate()")
        est, impossible, reasons, details = batch
        if impossible[0]:
            raise PredictionImpossible(reasons if isinstance(reasons, str) else reasons[0])
        if details is not None:
            return float(est[0]), details[0]
        return float(est[0])

    def predict(self, uid, iid, r_ui=None, clip=True, verbose=False):
        """Predict the rating of raw user ``uid`` for raw item ``iid``.

        Returns
        -------
        Prediction
            ``(uid, iid, r_ui, est, details)``; ``details["was_impossible"]`` says whether
            the estimate fell back to ``default_prediction()`` (unknown user or item, ...).
        """
        try:
            iuid = self.trainset.to_inner_uid(uid)
        except ValueError:
            iuid = "UKN__" + str(uid)
        try:
            iiid = self.trainset.to_inner_iid(iid)
        except ValueError:
            iiid = "UKN__" + str(iid)
        details = {}
        try:
            est = self.estimate(iuid, iiid)
            if isinstance(est, tuple):
                est, details = est
            details["was_impossible"] = False
        except PredictionImpossible as e:
            est = self.default_prediction()
            details["was_impossible"] = True
            details["reason"] = str(e)
        if clip:
            lo, hi = self.trainset.rating_scale
            est = max(lo, min(hi, est))
        pred = Prediction(uid, iid, r_ui, est, details)
        if verbose:
            print(pred)
        return pred

    def default_prediction(self):
        """What an impossible prediction falls back to: the mean of the training ratings."""
        return self.trainset.global_mean

    def _batched(self) -> bool:
        cls = type(self)
        return (cls.estimate is AlgoBase.estimate and cls.predict is AlgoBase.predict
                and cls._estimate_batch is not AlgoBase._estimate_batch)

    def test(self, testset, verbose=False):
        """Predictions for every ``(raw user, raw item, true rating)`` of ``testset``.

        One vectorized call for this package's algorithms; pair by pair (``predict``) for a
        subclass that overrides ``estimate``.

        Returns
        -------
        list of Prediction
        """
        if not self._batched():
            return [self.predict(uid, iid, r, clip=True, verbose=verbose)
                    for (uid, iid, r) in testset]
        with no_gc():
            ts = self.trainset
            n = len(testset)
            fast = _coded(ts, testset)
            if fast is not None:  # a fold of the same split(): inner ids by array lookups
                u, i, (uids, iids, rs) = fast
            else:
                cols = list(zip(*testset)) if n else [(), (), ()]
                uids, iids, rs = cols[0], cols[1], cols[2]
                u = _lookup_all(ts._raw2inner_id_users, uids)
                i = _lookup_all(ts._raw2inner_id_items, iids)
            est, impossible, reasons, details = self._estimate_batch(u, i)
            est = np.where(impossible, self.default_prediction(), est)
            lo, hi = ts.rating_scale
            est = np.maximum(lo, np.minimum(hi, est)).tolist()
            if details is None:
                dicts = list(map(dict.copy, repeat({"was_impossible": False}, n)))
            else:
                dicts = [{**d, "was_impossible": False} for d in details]
            for j in np.flatnonzero(impossible).tolist():
                dicts[j]["was_impossible"] = True
                dicts[j]["reason"] = reasons if isinstance(reasons, str) else reasons[j]
            # Prediction is a namedtuple: tuple.__new__ builds each one in C
            out = list(map(tuple.__new__, repeat(Prediction), zip(uids, iids, rs, est, dicts)))
            if verbose:
                for pred in out:
                    print(pred)
            return out

    # -- baselines and similarities ------------------------------------------------------
    def compute_baselines(self):
        """User and item baselines ``(bu, bi)`` (float64) by ``bsl_options``' method, cached
        until the next ``fit``."""
        if getattr(self, "bu", None) is not None:
            return self.bu, self.bi
        from ._baselines import baselines

        method = self.bsl_options.get("method", "als")
        if method not in ("als", "sgd"):
            raise ValueError(f"Invalid method {method} for baseline computation. Available "
                             "methods are als and sgd.")
        if getattr(self, "verbose", False):
            print("Estimating biases using", method + "...")
        self.bu, self.bi = baselines(self.trainset, self.bsl_options)
        return self.bu, self.bi

    def compute_similarities(self):
        """The similarity matrix (n × n, float64) of users or items by ``sim_options``."""
        from .. import similarities as sims

        funcs = {"cosine": sims.cosine, "msd": sims.msd, "pearson": sims.pearson,
                 "pearson_baseline": sims.pearson_baseline}
        ts = self.trainset
        n_x, yr = (ts.n_users, ts.ir) if self.sim_options["user_based"] else (ts.n_items, ts.ur)
        min_support = self.sim_options.get("min_support", 1)
        name = self.sim_options.get("name", "msd").lower()
        if name not in funcs:
            raise NameError(f"Wrong sim name {name}. Allowed values are "
                            + ", ".join(funcs) + ".")
        args = [n_x, yr, min_support]
        if name == "pearson_baseline":
            bu, bi = self.compute_baselines()
            bx, by = (bu, bi) if self.sim_options["user_based"] else (bi, bu)
            args += [ts.global_mean, bx, by, self.sim_options.get("shrinkage", 100)]
        if getattr(self, "verbose", False):
            print(f"Computing the {name} similarity matrix...")
        sim = funcs[name](*args)
        if getattr(self, "verbose", False):
            print("Done computing similarity matrix.")
        return sim

    def get_neighbors(self, iid, k):
        """The ``k`` nearest neighbours (inner ids) of inner id ``iid`` by ``self.sim``
        (users or items per ``sim_options["user_based"]``), most similar first."""
        row = np.asarray(self.sim[iid], dtype=np.float64).copy()
        order = np.argsort(-row, kind="stable")
        return [int(x) for x in order if x != iid][:k]


def _index(x, n: int) -> int:
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool) and 0 <= x < n:
        return int(x)
    return -1


def _coded(ts, testset):
    """(inner users, inner items, columns) of a test set cut by a splitter from the same
    encoding as ``ts``, when it is unchanged since (compared tuple by tuple, in C); else
    None."""
    codes, own = getattr(testset, "_codes", None), getattr(ts, "_codes", None)
    if codes is None or own is None or codes[0] is not own[0]:
        return None
    enc, tu, ti, cols, frozen = codes
    if not list.__eq__(testset, frozen):
        return None
    return own[1][tu], own[2][ti], cols


def _lookup_all(mapping: dict, keys) -> np.ndarray:
    """Inner ids (int64) of raw ids, −1 where unknown; the map runs in C unless a raw id is
    unhashable."""
    try:
        return np.fromiter(map(mapping.get, keys, repeat(-1)), np.int64, count=len(keys))
    except TypeError:
        return np.fromiter((_lookup(mapping, x) for x in keys), np.int64, count=len(keys))


def _lookup(mapping: dict, key) -> int:
    try:
        return mapping.get(key, -1)
    except TypeError:  # unhashable raw id: unknown
        return -1
