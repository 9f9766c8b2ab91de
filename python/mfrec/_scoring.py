"""How a fitted model scores: the seam between the models and the shared prediction,
retrieval and similarity code.

Every fitted model hands the shared code a :class:`Scorer` (``Recommender._scoring()``,
built once per published state by the model's ``_make_scorer``):

- a dot-product model (``ModelTraits.scoring == "dot"``) returns a :class:`DotScorer`:
  score(u, i) = offset + b_u + b_i + x_uᵀy_i, with x_u the *effective* user vector (SVD++
  puts p_u plus its implicit term there; BPR passes item biases only). ``predict`` and
  ``recommend`` run the fused C++ kernels on it, ``similar_items`` the cosine of the rows;
- any other model (``"custom"``: neighbourhood models) subclasses :class:`Scorer` and
  produces dense score blocks; ``recommend`` selects from them with the C++ selection kernel
  (``_core.topk_dense``), which breaks ties and pads exactly as the fused kernel does.

A scorer is an immutable snapshot of one fitted state with its retrieval caches (packed
panels, unit rows): refitting or adding users publishes a new state and so a new scorer,
and nothing computed from an older state is ever used again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from ._cores import threads_for, work_ns
from ._validation import check_choice

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["DotScorer", "Scorer", "ScorerCell", "Snapshot", "align", "predict", "predict_inner"]


class Scorer:
    """A fitted model's scoring, as prediction and retrieval call it.

    Custom scorers implement :meth:`predict`, :meth:`score_block` and
    :meth:`similarity_block`; inner ids throughout, −1 for a user or item without data.
    """

    #: predictions are clipped to the rating scale by default (explicit feedback)
    clip: bool = True

    def item_uncertainty(self, n_threads: int) -> NDArray[np.float32] | None:
        """The standard error of each item's score (n_items,), for ranking by a lower bound
        (``recommend(risk_aversion=...)``); None when the model has no estimate."""
        return None

    def predict(self, u: NDArray[np.int64], i: NDArray[np.int64], *, clip: bool,
                scale: tuple[float, float], n_threads: int) -> NDArray[np.float32]:
        """Scores of the pairs (u[j], i[j]), clipped to ``scale`` when ``clip``."""
        raise NotImplementedError

    def score_block(self, users: NDArray[np.int64], cand: NDArray[np.int32],
                    n_threads: int) -> NDArray[np.float32]:
        """Scores (len(users), len(cand)) of every candidate item for each user, unclipped;
        NaN or −inf marks a candidate that must never be recommended."""
        raise NotImplementedError

    def similarity_block(self, kind: str, query: NDArray[np.int64], cand: NDArray[np.int32],
                         n_threads: int) -> NDArray[np.float32]:
        """Similarities (len(query), len(cand)) between ``kind`` ("items" or "users") rows;
        NaN or −inf marks a pair that must never be returned."""
        raise NotImplementedError


class DotScorer(Scorer):
    """score(u, i) = offset + b_u + b_i + x_uᵀy_i, the shape the fused kernels run.

    Parameters
    ----------
    user_vectors : ndarray of shape (n_users, k), float32
        Effective user vectors x_u (C-contiguous).
    item_vectors : ndarray of shape (n_items, k), float32
        Item vectors y_i.
    user_bias, item_bias : ndarray of shape (n_users,) / (n_items,), float32, or None
        The biases the model has (None: no such term).
    offset : float
        Added to every score (μ for biased rating models, else 0).
    fallback : float or None
        The score of a pair with a side without data, for models without biases (μ for
        unbiased rating models, 0 for implicit ones); None: offset plus the known biases.
    clip : bool
        Clip predictions to the rating scale by default.
    train : Interactions, optional
        The training interactions of a rating model: the evidence behind each item's score
        (``item_uncertainty``).
    """

    def __init__(self, user_vectors: NDArray[np.float32], item_vectors: NDArray[np.float32],
                 user_bias: NDArray[np.float32] | None, item_bias: NDArray[np.float32] | None,
                 offset: float, fallback: float | None, clip: bool, train=None) -> None:
        self.user_vectors = user_vectors
        self.item_vectors = item_vectors
        self.user_bias = user_bias
        self.item_bias = item_bias
        self.offset = offset
        self.fallback = fallback
        self.clip = clip
        self.train = train
        self.cache: dict[str, Any] = {}  # packed panels and unit rows of this snapshot

    def item_uncertainty(self, n_threads: int) -> NDArray[np.float32] | None:
        """σ̂ / √(n_i + 1): the standard error of an item's score when it rests on its n_i
        training ratings, σ̂ the model's residual RMSE on its training data. None for
        implicit-feedback models (their scores are preferences, not ratings)."""
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

    # -- prediction ------------------------------------------------------------------------
    def predict(self, u: NDArray[np.int64], i: NDArray[np.int64], *, clip: bool,
                scale: tuple[float, float], n_threads: int) -> NDArray[np.float32]:
        out = np.empty(len(u), dtype=np.float32)
        lo, hi = scale
        params = _core.PredictParams(offset=self.offset, use_fallback=self.fallback is not None,
                                     fallback=0.0 if self.fallback is None else self.fallback,
                                     clip=bool(clip), lo=lo, hi=hi)
        _core.predict_pairs(np.ascontiguousarray(u, dtype=np.int64),
                            np.ascontiguousarray(i, dtype=np.int64), self.user_vectors,
                            self.item_vectors, out, user_bias=self.user_bias,
                            item_bias=self.item_bias, params=params, n_threads=n_threads)
        return out

    def query_offsets(self, users: NDArray[np.int64]) -> NDArray[np.float32] | None:
        """offset + b_u per query row of the fused top-n kernel (None: nothing to add)."""
        if self.user_bias is None and self.offset == 0.0:
            return None
        if self.user_bias is None:  # one offset per query row, not a scalar
            return np.full(len(users), self.offset, dtype=np.float32)
        return np.ascontiguousarray(self.offset + self.user_bias[users], dtype=np.float32)

    # -- retrieval -------------------------------------------------------------------------
    def panels(self, key: str, factors: NDArray[np.float32], bias: NDArray[np.float32] | None,
               cand: NDArray[np.int64] | None, n_threads: int) -> tuple[np.ndarray, ...]:
        """Candidate rows packed for the fused kernel; cached when ``cand`` is the whole
        catalogue (None)."""
        nr = _core.topk_panel_width()  # of the ISA level in use: part of the cache key
        key = f"{key}-nr{nr}"
        whole = cand is None
        if whole:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
            cand = np.arange(factors.shape[0], dtype=np.int32)
        panels = _core.pack_panels(factors, np.ascontiguousarray(cand, dtype=np.int32),
                                   bias=bias, nr=nr, n_threads=n_threads)
        if whole:
            self.cache[key] = panels
        return panels

    def unit_rows(self, kind: str) -> NDArray[np.float32]:
        """The rows of ``kind`` ("items" or "users") scaled to unit length (zero rows stay 0)."""
        key = f"unit-{kind}"
        if key not in self.cache:
            F = self.item_vectors if kind == "items" else self.user_vectors
            norms = np.linalg.norm(F.astype(np.float64), axis=1)
            out = np.zeros_like(F)
            ok = norms > 0
            out[ok] = (F[ok] / norms[ok, None]).astype(np.float32)
            self.cache[key] = out
        return self.cache[key]

    def score_block(self, users: NDArray[np.int64], cand: NDArray[np.int32],
                    n_threads: int) -> NDArray[np.float32]:
        # The dense form of the fused kernel's scores (the reference the tests compare with).
        scores = self.user_vectors[users] @ self.item_vectors[cand].T
        if self.item_bias is not None:
            scores += self.item_bias[cand]
        offsets = self.query_offsets(users)
        if offsets is not None:
            scores += offsets[:, None]
        return scores.astype(np.float32, copy=False)

    def similarity_block(self, kind: str, query: NDArray[np.int64], cand: NDArray[np.int32],
                         n_threads: int) -> NDArray[np.float32]:
        unit = self.unit_rows(kind)
        return (unit[query] @ unit[cand].T).astype(np.float32, copy=False)


class ScorerCell:
    """Holds the scorer of one published state, built on first use (a fresh cell per
    state: a scorer built from an older state can only ever land in that state's cell)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Scorer | None = None


class Snapshot:
    """One published fitted state, read in one step, with its scorer.

    Prediction and retrieval read everything from a snapshot (``Recommender._snapshot()``),
    so a concurrent ``fit`` or ``add_users``, which publishes a whole new state, cannot mix
    two states in one answer. Attributes are the model's fitted attributes
    (``snap.user_map_``, ``snap._train``, ...).
    """

    __slots__ = ("state", "scorer")

    def __init__(self, state: dict[str, Any], scorer: Scorer) -> None:
        self.state = state
        self.scorer = scorer

    def __getattr__(self, name: str) -> Any:
        try:
            return self.state[name]
        except KeyError:
            raise AttributeError(name) from None

    def threads(self, work: float) -> int:
        """Threads for a query of ``work`` (one-thread ns, ``work_ns``), per the model's
        ``n_threads``."""
        return threads_for(self.state.get("n_threads"), self.state["n_threads_"], work)

    @property
    def n_users(self) -> int:
        return len(self.state["user_map_"])

    @property
    def n_items(self) -> int:
        return len(self.state["item_map_"])


def align(st, data) -> tuple[np.ndarray, np.ndarray]:
    """Inner indices of ``data``'s rows in the id space of ``st`` (a snapshot or a fitted
    model); −1 where an id is unknown."""
    if data.user_map is st.user_map_ or data.user_map == st.user_map_:
        u = data.user_index.astype(np.int64)
    else:
        u = st.user_map_.to_inner(data.users, missing="ignore")
    if data.item_map is st.item_map_ or data.item_map == st.item_map_:
        i = data.item_index.astype(np.int64)
    else:
        i = st.item_map_.to_inner(data.items, missing="ignore")
    return u, i


def predict_inner(st: Snapshot, u: np.ndarray, i: np.ndarray, *, clip: bool) -> np.ndarray:
    """Scores of inner index pairs (−1: unknown); cold ids (no training rows) behave as
    unknown."""
    u = np.where((u >= 0) & ~st._cold_users_[np.maximum(u, 0)], u, -1)
    i = np.where((i >= 0) & ~st._cold_items_[np.maximum(i, 0)], i, -1)
    scorer = st.scorer
    k = st.user_factors_.shape[1]
    return scorer.predict(u, i, clip=bool(clip) and scorer.clip, scale=st.rating_scale_,
                          n_threads=st.threads(work_ns("pair", len(u) * (k + 4))))


def predict(st: Snapshot, users, items, *, clip: bool, unknown: str):
    """``Recommender.predict`` on a snapshot: raw ids in, scores out (a float for a pair of
    scalars)."""
    check_choice(unknown, "unknown", ("raise", "baseline"))
    users, items = np.asarray(users), np.asarray(items)
    scalar = users.ndim == 0 and items.ndim == 0
    if users.ndim > 1 or items.ndim > 1:
        raise ValueError(f"users and items must be 1-D, got shapes {users.shape}, {items.shape}")
    users, items = users.reshape(-1), items.reshape(-1)
    if len(users) != len(items):
        raise ValueError(f"users and items differ in length: {len(users)} != {len(items)}")
    missing = "raise" if unknown == "raise" else "ignore"
    u = st.user_map_.to_inner(users, missing=missing)
    i = st.item_map_.to_inner(items, missing=missing)
    out = predict_inner(st, u, i, clip=clip)
    return float(out[0]) if scalar else out
