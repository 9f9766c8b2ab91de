"""ContentBased's item features (``content.py``): the dense feature matrix of the training
items and its names (from metadata columns, a DataFrame indexed by raw item id, or an
array / sparse matrix by inner id), the checks of given features, unit-norm rows, and the
contract tests' random features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .._idmap import IdMap, canonical_ids

if TYPE_CHECKING:
    from ..interactions import Interactions

# Dense features: n_items × n_features float32, and a Cholesky of (d+1)² per user.
_MAX_FEATURES = 4096


def _test_features(X) -> dict:
    """Deterministic random binary features for the contract tests (5 per item)."""
    n_items = getattr(X, "n_items", None)
    if n_items is None and sp.issparse(X):
        n_items = X.shape[1]
    if n_items is None:
        return {}
    rng = np.random.default_rng(n_items)
    return {"item_features": (rng.random((n_items, 5)) < 0.4).astype(np.float32)}


# -- item features ------------------------------------------------------------------------
def _is_dataframe(x) -> bool:
    return type(x).__name__ == "DataFrame" and hasattr(x, "index") and hasattr(x, "columns")


def _dense(F, what: str) -> np.ndarray:
    """A finite float32 C-contiguous 2-D array from an array or sparse matrix."""
    if sp.issparse(F):
        if F.shape[1] > _MAX_FEATURES:
            raise ValueError(f"{what} has {F.shape[1]} features; at most {_MAX_FEATURES} "
                             "are supported (the profile solve is dense)")
        F = F.toarray()
    try:
        F = np.asarray(F, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be a numeric array, sparse matrix or DataFrame: {exc}"
                        ) from None
    if F.ndim != 2:
        raise ValueError(f"{what} must be 2-D (one row per item), got shape {F.shape}")
    if F.shape[1] > _MAX_FEATURES:
        raise ValueError(f"{what} has {F.shape[1]} features; at most {_MAX_FEATURES} are "
                         "supported (the profile solve is dense)")
    if not np.all(np.isfinite(F)):
        bad = np.argwhere(~np.isfinite(F))[0]
        raise ValueError(f"{what} contains NaN or infinite values (first at row {bad[0]}, "
                         f"column {bad[1]})")
    return np.ascontiguousarray(F)


def _frame_rows(df, ids: np.ndarray, names: np.ndarray | None) -> np.ndarray:
    """Rows of DataFrame ``df`` (indexed by raw item id) for ``ids``; columns as ``names``
    (missing ones 0) or all numeric columns."""
    index = IdMap(canonical_ids(df.index.to_numpy(), "item_features index"), "item")
    rows = index.to_inner(ids, missing="ignore")
    if np.any(rows < 0):
        missing = ids[rows < 0][:5].tolist()
        raise ValueError(f"item_features has no row for {int(np.sum(rows < 0))} items "
                         f"(e.g. {missing}); its index must hold every raw item id")
    cols = [str(c) for c in df.columns]
    if names is None:
        M = _dense(df.to_numpy(), "item_features")
        return np.ascontiguousarray(M[rows])
    M = _dense(df.to_numpy(), "item_features")
    out = np.zeros((len(ids), len(names)), dtype=np.float32)
    where = {c: j for j, c in enumerate(cols)}
    for j, name in enumerate(names):
        if str(name) in where:
            out[:, j] = M[rows, where[str(name)]]
    return out


def _metadata_features(data: Interactions, columns: tuple[str, ...] | None,
                       min_support: int):
    """Binary features from item metadata columns: one per value (a column of tuples, e.g.
    genres and tags, gives several per item; a column of str or int one), kept when at
    least ``min_support`` items carry it. ``columns=None``: every such column."""
    meta = data.item_metadata or {}
    found = [c for c in (meta if columns is None else columns) if c in meta]
    if not found:
        raise ValueError(f"item_features={columns!r}: the training data has no such item "
                         f"metadata (it has {sorted(meta)}); pass item_features as an "
                         "array, sparse matrix or DataFrame")
    blocks, names = [], []
    for col in found:
        values = meta[col]
        if np.asarray(values).ndim != 1:
            continue
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, v in enumerate(values):
            seq = v if isinstance(v, (tuple, list)) else (v,)
            for x in set(seq):
                if isinstance(x, (float, np.floating)) or x is None or x == "":
                    continue  # unknown / numeric values are not categories
                rows.append(i)
                cols.append(vocab.setdefault(str(x), len(vocab)))
        m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                          shape=(len(values), len(vocab)))
        support = np.asarray((m > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(support >= min_support)
        labels = np.array(list(vocab), dtype=object)
        order = keep[np.argsort(labels[keep].astype(str), kind="stable")]
        blocks.append(m[:, order])
        names.extend(f"{col}:{labels[j]}" for j in order)
    if not names:
        raise ValueError(f"item metadata {found} gives no feature carried by at least "
                         f"min_support={min_support} items")
    return sp.hstack(blocks, format="csr"), np.array(names, dtype=object)


def item_feature_matrix(data: Interactions, item_features, feature_names, min_support: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The dense feature matrix (n_items, d) of ``data``'s items and the feature names (see
    :meth:`ContentBased.fit` for how rows are matched to items)."""
    n_items = data.n_items
    if isinstance(item_features, str):
        item_features = (item_features,)
    if item_features is None or (isinstance(item_features, tuple)
                                 and all(isinstance(c, str) for c in item_features)):
        M, names = _metadata_features(data, item_features, min_support)
        F = _dense(M, "item_features")
    elif _is_dataframe(item_features):
        F = _frame_rows(item_features, data.item_ids, None)
        names = np.array([str(c) for c in item_features.columns], dtype=object)
    else:
        F = _dense(item_features, "item_features")
        if F.shape[0] != n_items:
            raise ValueError(f"item_features must have one row per item: {n_items} rows "
                             f"(inner item ids), got shape {F.shape}")
        if feature_names is None:
            names = np.array([f"f{j}" for j in range(F.shape[1])], dtype=object)
        else:
            names = np.array([str(n) for n in feature_names], dtype=object)
            if names.shape != (F.shape[1],):
                raise ValueError(f"feature_names must have {F.shape[1]} names, got "
                                 f"{len(names)}")
    if F.shape[1] == 0:
        raise ValueError("item_features has no features (0 columns)")
    return F, names


def _unit_rows(F: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", F, F, dtype=np.float64))
    out = F.astype(np.float32, copy=True)
    ok = norms > 0
    out[ok] /= norms[ok, None].astype(np.float32)
    return np.ascontiguousarray(out)
