"""Cold start by fold-in: factors for new users (items) solved against the fixed other side.

One exact (Cholesky) ridge solve per new row with the ALS row solver, as the model's traits
say (``ModelTraits.fold_in``): ``"ridge"`` for rating models (z = [q_i, 1], t = r − μ − b_i
when biased) — the user's part of the training loss with the item side fixed — and
``"confidence"`` for implicit models, the confidence-weighted system with YᵀY. Each model
says which regularization its training loss puts on a row (``_fold_in_params``) and how a
stored value enters (``_fold_in_values``), so for ALS models a folded-in row equals one more
exact half-sweep. A model whose score has terms beyond its factors and biases (SVD++'s
implicit term) supplies the fixed side and the targets of the solve (``_fold_in_system``) and
the attributes that grow with registered rows (``_fold_in_extra_state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from . import _core
from ._engine import Csr, LocalEngine
from ._idmap import IdMap, canonical_ids, id_kind
from ._input import as_interactions
from ._threads import blas_limited
from ._validation import check_sparse
from .interactions import Interactions

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from ._input import InteractionsLike

__all__ = ["ColdStartMixin", "fold_in", "add_rows"]

_SIDES = {
    "users": ("user", "item", "user_factors_", "item_factors_", "user_bias_", "item_bias_"),
    "items": ("item", "user", "item_factors_", "user_factors_", "item_bias_", "user_bias_"),
}


def _rows(model, side: str, data):
    """``data`` as a canonical CSR of new rows over the fixed side's inner ids, plus the
    new rows' raw ids when ``data`` carries them (Interactions / DataFrame)."""
    new, fixed = _SIDES[side][:2]
    what = "user_items" if side == "users" else "item_users"
    n_fixed = len(getattr(model, f"{fixed}_map_"))
    if sp.issparse(data):
        check_sparse(data, what)
        m = sp.csr_matrix(data if side == "users" else data.T)
        check_sparse(m, what)
        if m.shape[1] != n_fixed:
            shape = (m.shape[0], n_fixed) if side == "users" else (n_fixed, m.shape[0])
            raise ValueError(f"{what} must have shape {shape} for this model "
                             f"({n_fixed} {fixed}s), got {data.shape}")
        raw_ids = None
    else:
        inter = as_interactions(data, what=what)
        fixed_map = getattr(model, f"{fixed}_map_")
        if side == "users":
            cols = fixed_map.to_inner(inter.items, missing="raise")
            rows = inter.user_index
            raw_ids, n_rows = inter.user_ids, inter.n_users
        else:
            cols = fixed_map.to_inner(inter.users, missing="raise")
            rows = inter.item_index
            raw_ids, n_rows = inter.item_ids, inter.n_items
        m = sp.csr_matrix((inter.ratings, (rows, cols)), shape=(n_rows, n_fixed))
    m = m.astype(np.float32)
    m.sum_duplicates()
    m.sort_indices()
    if m.nnz and not np.all(np.isfinite(m.data)):
        raise ValueError(f"{what} contains NaN or infinite values")
    return m, raw_ids


def fold_in(model, side: str, data):
    """Factors and biases of new rows; see :meth:`mfrec.Recommender.fold_in`."""
    model._check_fitted()
    R, _ = _rows(model, side, data)
    own = model._fold_in_rows(side, R)  # a model that draws its own rows (BayesianMF)
    return (own[0], own[1]) if own is not None else _solve(model, side, R)


def _solve(model, side, R, st=None):
    how = model._get_traits().fold_in
    if how == "none":
        raise NotImplementedError(f"{type(model).__name__} does not support fold-in")
    if st is None:
        st = model._fitted_state()  # one consistent snapshot, whatever a concurrent fit does
    prm = model._fold_in_params(side)
    implicit = how == "confidence"
    if implicit:
        R = R.copy()
        R.eliminate_zeros()  # stored zeros are unobserved pairs
    Y, fixed_bias, values = model._fold_in_system(side, R, st)
    n, k = R.shape[0], Y.shape[1]
    X = np.zeros((n, k), dtype=np.float32)
    xb = np.zeros(n, dtype=np.float32)
    aug = bool(st["_biased"]) and not implicit
    params = _core.AlsParams(reg=float(prm["reg"]), reg_count=bool(prm["reg_count"]),
                             implicit=implicit, augment=aug,
                             mu=float(st["global_mean_"]) if aug else 0.0, cg_steps=0,
                             reg_bias=float(prm["reg_bias"]))
    rows = Csr(R.indptr.astype(np.int64), R.indices.astype(np.int32),
               np.ascontiguousarray(values, dtype=np.float32))
    n = st.get("n_threads")
    engine = LocalEngine(st["n_threads_"], auto=not (n is not None and n > 0))
    with blas_limited():
        engine.solve_rows(rows, X, Y, params, gram=engine.gram(Y) if implicit else None,
                          x_bias=xb if aug else None, other_bias=fixed_bias if aug else None)
    return X, xb


def add_rows(model, side: str, data, ids=None):
    """Fold in and register new users / items; returns their inner ids."""
    model._check_fitted()
    new, _, own_f, _, own_b, _ = _SIDES[side]
    R, raw_ids = _rows(model, side, data)
    idmap = getattr(model, f"{new}_map_")
    n_old, n_new = len(idmap), R.shape[0]
    if ids is None:
        if raw_ids is not None:
            ids = raw_ids
        elif idmap.identity:
            ids = np.arange(n_old, n_old + n_new, dtype=np.int64)
        else:
            raise ValueError(f"{new}_ids are required: this model uses raw {new} ids")
    ids = canonical_ids(ids, f"{new}_ids")
    if ids.shape != (n_new,):
        raise ValueError(f"{new}_ids must have {n_new} entries, got shape {ids.shape}")
    kinds = id_kind(idmap.ids), id_kind(ids)
    if "empty" not in kinds and kinds[0] != kinds[1]:
        raise TypeError(f"the model's {new} ids are {kinds[0]}s; {new}_ids are {kinds[1]}s: "
                        f"new {new}s need ids of the same kind")
    unique = len(set(ids.tolist())) if ids.dtype == object else len(np.unique(ids))
    if unique != n_new or np.any(idmap.to_inner(ids, missing="ignore") >= 0):
        raise ValueError(f"{new}_ids must be new and unique: some are repeated or already "
                         "known to the model")
    state = model._fitted_state()
    own = model._fold_in_rows(side, R, state)  # a model that draws its own rows (BayesianMF)
    X, xb, rows = own if own is not None else (*_solve(model, side, R, state), {})
    all_ids = np.concatenate([idmap.ids, ids])  # one kind (a longer string needs no widening)
    new_map = IdMap(all_ids, new)
    cold = f"_cold_{new}s_"
    extra = model._fold_in_extra_state(side, R, state)  # before the update: the old state
    state.update({
        own_f: np.vstack([state[own_f], X]),
        own_b: np.concatenate([state[own_b], xb]),
        f"{new}_map_": new_map,
        cold: np.concatenate([state[cold], np.diff(R.indptr) == 0]),
        **extra,
    })
    for key, new_rows in rows.items():  # the drawing model's own per-row arrays
        state[key] = np.concatenate([state[key], new_rows])
    state["_train"] = _extend_train(state, side, R)
    model._publish(state)  # one step: a reader sees the model before or after, never between
    return np.arange(n_old, n_old + n_new)


def _extend_train(state, side, R):
    """The training interactions (the "seen" filter) with the new rows appended; metadata of
    the extended side is padded (titles/names with the new ids)."""
    t = state["_train"]
    coo = R.tocoo()
    item_meta = t.item_metadata
    user_meta = getattr(t, "user_metadata", None) or {}
    user_map, item_map = state["user_map_"], state["item_map_"]
    if side == "users":
        u = np.concatenate([t.user_index, coo.row + t.n_users])
        i = np.concatenate([t.item_index, coo.col])
        user_meta = _pad_metadata(user_meta, user_map.ids[t.n_users:])
    else:
        u = np.concatenate([t.user_index, coo.col])
        i = np.concatenate([t.item_index, coo.row + t.n_items])
        item_meta = _pad_metadata(item_meta, item_map.ids[t.n_items:])
    r = np.concatenate([t.ratings, coo.data.astype(np.float32)])
    kwargs = {"user_metadata": user_meta} if user_meta else {}
    return Interactions._from_inner(user_map, item_map, u, i, r, None, t.rating_scale,
                                    item_meta, **kwargs)


def _pad_metadata(meta: dict, new_ids: np.ndarray) -> dict:
    """Metadata arrays extended by ``len(new_ids)`` rows for new users/items: text columns
    get the ids as text (new items show their id as title), columns of tuples (genres) an
    empty tuple, floats NaN, booleans False and integers −1 (unknown, as the loaders use;
    0 if unsigned)."""
    out = {}
    for key, arr in (meta or {}).items():
        arr = np.asarray(arr)
        shape = (len(new_ids),) + arr.shape[1:]
        if arr.dtype.kind in "OUS" and arr.ndim == 1:
            sequences = arr.dtype == object and any(isinstance(v, (tuple, list)) for v in arr)
            pad = np.empty(len(new_ids), dtype=object)
            for j, raw in enumerate(new_ids):  # element-wise: numpy would broadcast ()
                pad[j] = () if sequences else str(raw)
            arr = np.concatenate([arr.astype(object), pad])
        elif arr.dtype.kind in "OUS":
            arr = np.concatenate([arr.astype(object), np.full(shape, "", dtype=object)])
        elif arr.dtype.kind == "f":
            arr = np.concatenate([arr, np.full(shape, np.nan, dtype=arr.dtype)])
        elif arr.dtype.kind == "b":
            arr = np.concatenate([arr, np.zeros(shape, dtype=bool)])
        else:  # integers: -1 (0 for unsigned)
            fill = 0 if arr.dtype.kind == "u" else -1
            arr = np.concatenate([arr, np.full(shape, fill, dtype=arr.dtype)])
        out[key] = arr
    return out


class ColdStartMixin:
    """The public cold-start methods of :class:`mfrec.Recommender` (implemented above)."""

    # -- cold start ----------------------------------------------------------------------------
    def _fold_in_params(self, side: str) -> dict:
        """The regularization the training loss puts on one row of ``side`` ("users" or
        "items"): ``reg`` (factors), ``reg_bias`` (bias), ``reg_count`` (scaled by n)."""
        raise NotImplementedError(f"{type(self).__name__} does not support fold-in")

    def _fold_in_values(self, values: np.ndarray) -> np.ndarray:
        """The values a fold-in row solves with, from the stored ones (implicit models:
        their confidences)."""
        return values

    def _fold_in_system(self, side: str, R, state: dict) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
        """What the new rows of ``R`` (CSR over the fixed side) are solved against, in the
        fitted ``state``: the fixed side's vectors, its biases, and the target of each stored
        entry. The default is the fixed side's factors and biases and ``_fold_in_values``
        of the stored values; a model whose score has more terms (SVD++'s implicit term)
        says how they enter."""
        _, _, _, fixed_f, _, fixed_b = _SIDES[side]
        return state[fixed_f], state[fixed_b], self._fold_in_values(R.data)

    def _fold_in_rows(self, side: str, R: sp.csr_matrix, state: dict | None = None):
        """None (the ridge or confidence solve of the traits), or, for a model that makes
        its fold-in rows itself (``ModelTraits.fold_in == "sample"``: BayesianMF draws them),
        ``(factors, biases, rows)`` for the rows of ``R`` (canonical CSR over the fixed
        side) from the fitted ``state`` (default: the current one), ``rows`` mapping the
        model's other per-row fitted attributes of ``side`` to the new rows (appended by
        ``add_users`` / ``add_items``)."""
        return None

    def _fold_in_extra_state(self, side: str, R, state: dict) -> dict:
        """Fitted attributes besides factors, biases, id map and cold mask that grow with
        the rows ``add_users`` / ``add_items`` registers (``R``: their CSR over the fixed
        side; ``state``: the fitted state before them). None by default."""
        return {}

    def fold_in(self, user_items: InteractionsLike,
                ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Factors for users not seen in training, solved exactly with the items fixed.

        Each row is the ridge solve of the model's own loss restricted to that user (for
        ``ALS``: exactly one more user half-sweep; for ``FunkSVD``: the SGD loss with its
        per-rating regularization ``reg_user``, i.e. λ·n_u; for ``ImplicitALS``: the
        confidence-weighted system with YᵀY). Nothing is registered: see :meth:`add_users`.

        Parameters
        ----------
        user_items : scipy sparse matrix of shape (n_new, n_items), Interactions or DataFrame
            The new users' ratings / interactions: columns are inner item ids for a sparse
            matrix; raw item ids (mapped through the model) otherwise.

        Returns
        -------
        factors : ndarray of shape (n_new, n_factors), float32
        biases : ndarray of shape (n_new,), float32
            Zeros for unbiased models. A user without interactions gets zeros.
        """
        return fold_in(self, "users", user_items)

    def add_users(self, user_items: InteractionsLike, user_ids: ArrayLike | None = None,
                  ) -> NDArray[np.int64]:
        """Fold in new users and register them so ``predict`` and ``recommend`` know them.

        Parameters
        ----------
        user_items : as in :meth:`fold_in`
            Their items also become their "seen" items for ``recommend``.
        user_ids : array-like of shape (n_new,), optional
            Raw ids of the new users (must be new). Default: the ids an Interactions /
            DataFrame carries, or the next inner ids for models fitted on a sparse matrix.

        Returns
        -------
        ndarray of shape (n_new,), int64
            The new users' inner ids (``n_users`` before the call, onwards).

        Raises
        ------
        ValueError
            ``user_ids`` are repeated or already known, or missing for a model that uses
            raw ids and data that carries none.
        """
        return add_rows(self, "users", user_items, user_ids)

    def fold_in_items(self, item_users: InteractionsLike,
                      ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Factors for new items, solved with the user side fixed (see :meth:`fold_in`).

        Parameters
        ----------
        item_users : scipy sparse matrix of shape (n_users, n_new), Interactions or DataFrame
            The new items' ratings / interactions: for a sparse matrix, the new items as
            columns of the users × items matrix (rows are inner user ids); otherwise raw
            user ids, mapped through the model.

        Returns
        -------
        factors : ndarray of shape (n_new, n_factors), float32
        biases : ndarray of shape (n_new,), float32
            Zeros for unbiased models. An item without interactions gets zeros.
        """
        return fold_in(self, "items", item_users)

    def add_items(self, item_users: InteractionsLike, item_ids: ArrayLike | None = None,
                  ) -> NDArray[np.int64]:
        """Fold in new items and register them (see :meth:`add_users`).

        Parameters
        ----------
        item_users : as in :meth:`fold_in_items`
            Their users also count the new items as "seen" for ``recommend``.
        item_ids : array-like of shape (n_new,), optional
            Raw ids of the new items (must be new). Default: the ids an Interactions /
            DataFrame carries, or the next inner ids for models fitted on a sparse matrix.
            Item metadata (e.g. titles) is padded for them.

        Returns
        -------
        ndarray of shape (n_new,), int64
            The new items' inner ids (``n_items`` before the call, onwards).

        Raises
        ------
        ValueError
            ``item_ids`` are repeated or already known, or missing for a model that uses
            raw ids and data that carries none.
        """
        return add_rows(self, "items", item_users, item_ids)
