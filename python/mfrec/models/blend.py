"""Blend: linear stacking of any mfrec models, weights learned on a validation split.

r̂_ui = β₀ + Σ_m β_m r̂_ui^(m), with one β per item-support bucket when asked: the members
are fitted on the training data less a random validation part, the β solved by (ridge)
least squares of the validation ratings on the members' predictions, and the members then
refitted on all the training data (``refit=True``). The blend is a model like any other:
predict, recommend (a custom scorer over the members' score blocks), evaluate,
cross-validate, save/load (members are stored inside the blend's model file).
"""

from __future__ import annotations

import copy
import inspect
from typing import TYPE_CHECKING, Any

import numpy as np

from .._base import Recommender
from .._foldin import _extend_train, _rows
from .._persist import ModelFileError
from .._scoring import Scorer, predict_inner
from .._traits import ModelTraits
from .._validation import (
    check_bool,
    check_float,
    check_int,
    check_random_state,
    check_shared_params,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._engine import LocalEngine
    from .._input import EpochCallback, InteractionsLike, Seed
    from ..interactions import Interactions

__all__ = ["Blend"]


def _default_members() -> list[Recommender]:
    from .als import ALS
    from .baseline import Baseline
    from .funk_svd import FunkSVD

    return [Baseline(), FunkSVD(random_state=0), ALS(random_state=0)]


def _test_instance(params) -> Blend:
    from .als import ALS
    from .baseline import Baseline

    return Blend([Baseline(n_epochs=2), ALS(n_factors=3, n_epochs=2, random_state=0)],
                 **params)


def _clone(model: Recommender, **overrides: Any) -> Recommender:
    params = dict(model.get_params())
    params.update({k: v for k, v in overrides.items() if k in params})
    return type(model)(**params)


class Blend(Recommender):
    """A linear blend (stacking) of mfrec models, with weights learned on held-out ratings.

    ``fit`` carves a random ``val_size`` part out of the training ratings, fits a clone of
    every member on the rest, and solves the weights β = (β₀, β₁, …, β_M) of
    r̂ = β₀ + Σ_m β_m r̂^(m) by least squares on the held-out part (``reg`` shrinks the
    member weights; β₀ is free). With ``buckets``, items are grouped by their number of
    training ratings and each group gets its own β, shrunk towards the global one by
    ``reg_bucket`` (so content models can dominate for cold items and factorization for warm
    ones). With ``refit`` the members are then refitted on all the training ratings.

    The user's model objects are never fitted: the blend fits clones (``members_``).
    Predictions of members are clipped to the rating scale before blending, and the blend
    is clipped again. ``recommend`` ranks by the same blend of the members' (unclipped)
    scores; ``similar_items`` / ``similar_users`` average the members' cosine similarities,
    weighted by |β_m|. ``fold_in`` is not supported (a blend has no factors of its own);
    ``add_users`` / ``add_items`` fold the new rows into every member. The result is the same at any
    ``n_threads`` when every member's is (not with the default FunkSVD member, whose
    Hogwild SGD is not).

    Parameters
    ----------
    models : list of Recommender, optional
        The members (unfitted; any mfrec models of explicit ratings, custom ones included).
        Default: ``[Baseline(), FunkSVD(random_state=0), ALS(random_state=0)]``.
    val_size : float, default 0.1
        Fraction of the training ratings held out to learn the weights.
    buckets : tuple of int, optional
        Item-support edges: ``(5, 20, 100)`` gives items with < 5, 5–19, 20–99 and >= 100
        training ratings their own weights. None: one set of weights.
    reg : float, default 1.0
        Ridge penalty on the member weights of the global fit.
    reg_bucket : float, default 50.0
        Ridge penalty pulling each bucket's weights towards the global ones.
    refit : bool, default True
        Refit the members on all the training ratings after learning the weights.
    n_epochs : int, optional
        When given, every member with an ``n_epochs`` parameter is fitted with it (quick
        trials, grid searches); ``history_`` then has that many entries.
    random_state : int, numpy Generator, SeedSequence or None, default 0
        Seed of the validation split.
    n_threads : int, optional
        When given, passed to every member with an ``n_threads`` parameter.
    verbose : bool, default False
        Print a line per fitted member.
    """

    def __init__(self, models: list[Recommender] | None = None, val_size: float = 0.1,
                 buckets: tuple[int, ...] | None = None, reg: float = 1.0,
                 reg_bucket: float = 50.0, refit: bool = True, n_epochs: int | None = None,
                 random_state: Seed = 0, n_threads: int | None = None,
                 verbose: bool = False) -> None:
        self.models = models
        self.val_size = val_size
        self.buckets = buckets
        self.reg = reg
        self.reg_bucket = reg_bucket
        self.refit = refit
        self.n_epochs = n_epochs
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose

    def _members(self) -> list[Recommender]:
        return _default_members() if self.models is None else list(self.models)

    def _get_traits(self) -> ModelTraits:
        members = self._members() if isinstance(self.models, (list, tuple, type(None))) else []
        deterministic = all(isinstance(m, Recommender) and m._get_traits().deterministic
                            for m in members)
        return ModelTraits(feedback="explicit", val_metric="rmse", fold_in="none",
                           deterministic=deterministic, biased=False, scoring="custom",
                           test_variants=({"n_epochs": 2},
                                          {"n_epochs": 1, "buckets": (3, 10), "refit": False}),
                           test_instance=_test_instance)

    def _check_params(self) -> dict:
        members = self.models
        if members is not None:
            if not isinstance(members, (list, tuple)) or not members:
                raise TypeError(f"models must be a non-empty list of mfrec models, got "
                                f"{members!r}")
            for j, m in enumerate(members):
                if not isinstance(m, Recommender):
                    raise TypeError(f"models[{j}] is not an mfrec model: {m!r}")
                if isinstance(m, Blend):
                    raise TypeError(f"models[{j}] is a Blend: blends do not nest")
                if m._get_traits().feedback != "explicit":
                    raise ValueError(f"models[{j}] ({type(m).__name__}) predicts implicit "
                                     "preferences; a Blend stacks rating models")
        val_size = check_float(self.val_size, "val_size", positive=True)
        if val_size >= 1:
            raise ValueError(f"val_size must be in (0, 1), got {val_size}")
        edges = ()
        if self.buckets is not None:
            if not isinstance(self.buckets, (list, tuple)):
                raise TypeError(f"buckets must be a tuple of ints, got {self.buckets!r}")
            edges = tuple(check_int(b, "buckets", min_value=1) for b in self.buckets)
            if list(edges) != sorted(set(edges)):
                raise ValueError(f"buckets must be increasing, got {self.buckets!r}")
        check_bool(self.refit, "refit")
        n_epochs = self.n_epochs  # Blend's own: None or an int >= 0
        if n_epochs is not None:
            n_epochs = check_int(n_epochs, "n_epochs", min_value=0)
        return {"val_size": val_size, "edges": np.array(edges, dtype=np.int64),
                **check_shared_params(self, "reg"),  # shared: _validation.SHARED_PARAMS
                "reg_bucket": check_float(self.reg_bucket, "reg_bucket", nonneg=True),
                "n_epochs": n_epochs}

    def fit(self, X: InteractionsLike, *, eval_set: InteractionsLike | None = None,
            callback: EpochCallback | None = None, **fit_data: Any) -> Blend:
        """Fit the members and learn the blend weights.

        Parameters
        ----------
        X : Interactions, scipy sparse matrix of shape (n_users, n_items) or DataFrame
            Training ratings.
        eval_set : Interactions, sparse matrix of shape (n_users, n_items) or DataFrame, optional
            Ratings to report ``val_rmse`` on after fitting (``history_``).
        callback : callable, optional
            Called as ``callback(info)`` after each entry of ``history_`` (``epoch``,
            ``elapsed``, ``loss``: the blend's mean squared error on its validation part,
            and ``val_rmse`` with an ``eval_set``).
        **fit_data
            Extra fit keywords (e.g. ``item_features=`` for a ContentBased member), passed
            to each member whose ``fit`` takes them.

        Returns
        -------
        self
            Fitted: ``members_`` (the fitted clones), ``weights_`` of shape
            (n_buckets, n_members + 1) (intercept first), ``bucket_edges_``,
            ``val_rmse_`` (the validation part's RMSE of each member and of the blend,
            before any refit).
        """
        return self._fit(X, eval_set=eval_set, callback=callback, **fit_data)

    def _make_trainer(self, data: Interactions, params: dict, engine: LocalEngine,
                      **fit_data: Any) -> _BlendTrainer:
        return _BlendTrainer(self, data, params, fit_data)

    # -- new users and items: through the members ------------------------------------------
    def _add(self, side: str, data: Any, ids: Any, extra: dict) -> NDArray[np.int64]:
        """Fold new rows into copies of every member (their own fold-in), then publish the
        copies and the blend's extended id map and "seen" data in one step."""
        self._check_fitted()
        st = dict(self._fitted_state())
        new = "user" if side == "users" else "item"
        R, _ = _rows(self, side, data)
        n_old = len(st[f"{new}_map_"])
        members = []
        for m in st["members_"]:
            twin = copy.deepcopy(m)
            add = twin.add_users if side == "users" else twin.add_items
            accepted = inspect.signature(add).parameters
            add(data, ids, **{k: v for k, v in extra.items() if k in accepted})
            members.append(twin)
        idmap = getattr(members[0], f"{new}_map_")
        n_new = len(idmap) - n_old
        st.update({
            "members_": members,
            f"{new}_map_": idmap,
            f"{new}_factors_": np.zeros((n_old + n_new, 0), dtype=np.float32),
            f"{new}_bias_": np.zeros(n_old + n_new, dtype=np.float32),
            f"_cold_{new}s_": np.zeros(n_old + n_new, dtype=bool),
        })
        st["_train"] = _extend_train(st, side, R)
        self._publish(st)
        return np.arange(n_old, n_old + n_new)

    def add_users(self, user_items: InteractionsLike, user_ids: ArrayLike | None = None,
                  **member_data: Any) -> NDArray[np.int64]:
        """Add new users to every member (each by its own fold-in) and to the blend.

        Parameters
        ----------
        user_items : sparse matrix of shape (n_new, n_items), Interactions or DataFrame
            The new users' ratings (see :meth:`mfrec.Recommender.add_users`).
        user_ids : array-like of shape (n_new,), optional
            Their raw ids (see :meth:`mfrec.Recommender.add_users`).
        **member_data
            Keywords passed to the members whose ``add_users`` takes them.

        Returns
        -------
        ndarray of shape (n_new,), int64
            The new users' inner ids.

        Raises
        ------
        NotImplementedError
            A member does not support fold-in (nothing is changed).
        """
        return self._add("users", user_items, user_ids, member_data)

    def add_items(self, item_users: InteractionsLike, item_ids: ArrayLike | None = None,
                  **member_data: Any) -> NDArray[np.int64]:
        """Add new items to every member (each by its own fold-in) and to the blend.

        Parameters
        ----------
        item_users : sparse matrix of shape (n_users, n_new), Interactions or DataFrame
            The new items' ratings (see :meth:`mfrec.Recommender.add_items`).
        item_ids : array-like of shape (n_new,), optional
            Their raw ids.
        **member_data
            Keywords passed to the members whose ``add_items`` takes them: e.g.
            ``item_features=`` for a ContentBased member, which then scores the new items
            by their features.

        Returns
        -------
        ndarray of shape (n_new,), int64
            The new items' inner ids.

        Raises
        ------
        NotImplementedError
            A member does not support fold-in (nothing is changed).
        """
        return self._add("items", item_users, item_ids, member_data)

    def _upgrade_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """A loaded state's blend parts checked before use: fitted members over the blend's
        id maps, finite weights of shape (n_buckets, n_members + 1), increasing edges."""
        members, w = state.get("members_"), state.get("weights_")
        edges = state.get("bucket_edges_")
        n_users, n_items = len(state["user_map_"]), len(state["item_map_"])
        ok = (isinstance(members, list) and members
              and all(isinstance(m, Recommender) and not isinstance(m, Blend)
                      and hasattr(m, "user_factors_") and len(m.user_map_) == n_users
                      and len(m.item_map_) == n_items for m in members)
              and isinstance(edges, np.ndarray) and edges.ndim == 1 and edges.dtype.kind == "i"
              and np.all(np.diff(edges) > 0)
              and isinstance(w, np.ndarray) and w.dtype == np.float64
              and w.shape == (len(edges) + 1, len(members) + 1) and np.all(np.isfinite(w)))
        if not ok:
            raise ModelFileError("a Blend in this model file is corrupt: its members, weights "
                                 "or bucket edges do not fit together")
        return state

    def _make_scorer(self, state: dict[str, Any]) -> Scorer:
        counts = state["_train"].item_counts()
        return BlendScorer(state["members_"], state["weights_"],
                           np.searchsorted(state["bucket_edges_"], counts, side="right"),
                           train=state["_train"])


class _BlendTrainer:
    """Fits the members and solves the weights when built; the epochs only report."""

    def __init__(self, blend: Blend, data: Interactions, p: dict, fit_data: dict) -> None:
        self.n_epochs = 1 if p["n_epochs"] is None else p["n_epochs"]
        overrides = {}
        if p["n_epochs"] is not None:
            overrides["n_epochs"] = p["n_epochs"]
        if blend.n_threads is not None:
            overrides["n_threads"] = blend.n_threads
        protos = blend._members()
        rng = check_random_state(blend.random_state)
        n_val = min(max(1, int(round(p["val_size"] * data.nnz))), data.nnz - 1)
        if n_val < 1:
            raise ValueError(f"a Blend needs at least 2 training ratings, got {data.nnz}")
        perm = rng.permutation(data.nnz)
        val = data.subset(np.sort(perm[:n_val]))
        part = data.subset(np.sort(perm[n_val:]))
        u, i = val.user_index.astype(np.int64), val.item_index.astype(np.int64)
        members, P = [], np.empty((n_val, len(protos)), dtype=np.float64)
        for j, proto in enumerate(protos):
            m = _fit_member(proto, overrides, part, fit_data, blend.verbose)
            P[:, j] = m._predict_inner(u, i, clip=True)
            members.append(m)
        y = val.ratings.astype(np.float64)
        edges = p["edges"]
        bucket = np.searchsorted(edges, part.item_counts()[i], side="right")
        weights = _solve_weights(P, y, bucket, len(edges) + 1, p["reg"], p["reg_bucket"])
        blended = np.einsum("ij,ij->i", np.hstack([np.ones((n_val, 1)), P]), weights[bucket])
        lo, hi = data.rating_scale
        self.val_rmse = {type(m).__name__ + f"[{j}]": _rmse(P[:, j], y)
                         for j, m in enumerate(members)}
        self.val_rmse["blend"] = _rmse(np.clip(blended, lo, hi), y)
        self.loss = float(np.mean((np.clip(blended, lo, hi) - y) ** 2))
        if blend.refit:
            members = [_fit_member(proto, overrides, data, fit_data, blend.verbose)
                       for proto in protos]
        n_users, n_items = data.shape
        self.fitted = {
            "members_": members, "weights_": weights, "bucket_edges_": edges,
            "val_rmse_": self.val_rmse,
            "user_factors_": np.zeros((n_users, 0), dtype=np.float32),
            "item_factors_": np.zeros((n_items, 0), dtype=np.float32),
            "user_bias_": np.zeros(n_users, dtype=np.float32),
            "item_bias_": np.zeros(n_items, dtype=np.float32),
            # members decide what they can score: nothing is cold for the blend itself
            "_cold_users_": np.zeros(n_users, dtype=bool),
            "_cold_items_": np.zeros(n_items, dtype=bool),
        }

    def epoch(self, t: int) -> float:
        return self.loss

    def state(self, final: bool) -> dict:
        return dict(self.fitted)


def _fit_member(proto: Recommender, overrides: dict, data: Interactions, fit_data: dict,
                verbose: bool) -> Recommender:
    model = _clone(proto, **overrides)
    accepted = inspect.signature(model.fit).parameters
    extra = {k: v for k, v in fit_data.items() if k in accepted}
    model.fit(data, **extra)
    if verbose:
        print(f"Blend: fitted {model!r} on {data.nnz:,} ratings", flush=True)
    return model


def _rmse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def _solve_weights(P: np.ndarray, y: np.ndarray, bucket: np.ndarray, n_buckets: int,
                   reg: float, reg_bucket: float) -> np.ndarray:
    """β (n_buckets, M + 1): the global ridge fit (intercept unpenalized), then per bucket
    argmin ‖y_b − Z_b β‖² + reg_bucket ‖β − β_global‖²."""
    Z = np.hstack([np.ones((len(y), 1)), P])
    pen = np.full(Z.shape[1], reg)
    pen[0] = 0.0
    A = Z.T @ Z + np.diag(pen) + 1e-9 * np.eye(Z.shape[1])
    beta = np.linalg.solve(A, Z.T @ y)
    out = np.tile(beta, (n_buckets, 1))
    for b in range(n_buckets):
        rows = bucket == b
        if n_buckets == 1 or not rows.any():
            continue
        Zb = Z[rows]
        Ab = Zb.T @ Zb + (reg_bucket + 1e-9) * np.eye(Z.shape[1])
        out[b] = np.linalg.solve(Ab, Zb.T @ y[rows] + reg_bucket * beta)
    return out


class BlendScorer(Scorer):
    """score(u, i) = β₀(b_i) + Σ_m β_m(b_i) score_m(u, i), b_i the item's support bucket."""

    clip = True

    def __init__(self, members: list[Recommender], weights: NDArray[np.float64],
                 item_bucket: NDArray[np.int64], train: Interactions | None = None) -> None:
        self.snaps = [m._snapshot() for m in members]
        self.train = train
        self.weights = np.asarray(weights, dtype=np.float64)
        self.item_bucket = item_bucket
        self.cache: dict[str, Any] = {}  # retrieval caches of this snapshot

    def item_uncertainty(self, n_threads: int) -> NDArray[np.float32] | None:
        """σ̂ / √(n_i + 1), σ̂ the blend's residual RMSE on its training ratings (as
        ``DotScorer``'s): ``recommend(risk_aversion=...)`` ranks by a lower bound."""
        if self.train is None:
            return None
        if "item-se" not in self.cache:
            t = self.train
            pred = self.predict(t.user_index.astype(np.int64), t.item_index.astype(np.int64),
                                clip=False, scale=(0.0, 0.0), n_threads=n_threads)
            sigma = float(np.sqrt(np.mean((pred - t.ratings) ** 2, dtype=np.float64)))
            counts = t.item_counts().astype(np.float64)
            self.cache["item-se"] = (sigma / np.sqrt(counts + 1.0)).astype(np.float32)
        return self.cache["item-se"]

    def _item_weights(self, i: np.ndarray) -> np.ndarray:
        """β of each item's bucket (rows of (M + 1)); unknown items (−1) the global β."""
        per_item = self.cache.get("item-weights")
        if per_item is None:
            per_item = self.cache["item-weights"] = self.weights[self.item_bucket]
        return np.where((i >= 0)[:, None], per_item[np.maximum(i, 0)], self.weights[0])

    def predict(self, u, i, *, clip, scale, n_threads):
        w = self._item_weights(i)
        out = w[:, 0].copy()
        for j, st in enumerate(self.snaps):
            out += w[:, j + 1] * predict_inner(st, u, i, clip=True)
        if clip:
            out = np.clip(out, *scale)
        return out.astype(np.float32)

    def score_block(self, users, cand, n_threads):
        users = np.asarray(users, dtype=np.int64)
        cand = np.asarray(cand, dtype=np.int32)
        w = self._item_weights(cand.astype(np.int64))
        out = np.broadcast_to(w[:, 0], (len(users), len(cand))).astype(np.float64)
        for j, st in enumerate(self.snaps):
            out += w[None, :, j + 1] * _member_block(st, users, cand, n_threads)
        return out.astype(np.float32)

    def similarity_block(self, kind, query, cand, n_threads):
        weights = np.abs(self.weights[0, 1:])
        out = np.zeros((len(query), len(cand)), dtype=np.float64)
        total = 0.0
        for w, st in zip(weights, self.snaps):
            if w == 0 or st.user_factors_.shape[1] == 0:  # no vectors, no similarity
                continue
            out += w * st.scorer.similarity_block(kind, np.asarray(query, np.int64),
                                                  np.asarray(cand, np.int32), n_threads)
            total += w
        return (out / total if total else out).astype(np.float32)


def _member_block(st, users: np.ndarray, cand: np.ndarray, n_threads: int) -> np.ndarray:
    """A member's scores of (users × cand), cold users/items scored as its predict does."""
    scorer = st.scorer
    u = np.where(st._cold_users_[users], -1, users)
    block = scorer.score_block(np.maximum(u, 0), cand, n_threads).astype(np.float64)
    cold_u = u < 0
    cold_i = st._cold_items_[cand]
    if cold_u.any() or cold_i.any():  # the member's own fallback for pairs it cannot score
        uu = np.repeat(users, len(cand))
        ii = np.tile(cand.astype(np.int64), len(users))
        mask = (cold_u[:, None] | cold_i[None, :]).ravel()
        flat = block.ravel()
        flat[mask] = predict_inner(st, uu[mask], ii[mask], clip=False)
        block = flat.reshape(block.shape)
    return block
