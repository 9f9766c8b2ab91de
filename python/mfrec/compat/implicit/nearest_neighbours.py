"""``implicit.nearest_neighbours``: item-item recommenders and the BM25 / TF-IDF weightings.

``ItemItemRecommender.fit(weighted)`` keeps, for every item, its ``K`` most similar items
(itself included) by the dot product of the item columns of ``weighted`` (users x items), as
a sparse matrix S; ``recommend`` scores item i for a user with values r as Σ_j r_j S[j, i]
over the user's items j, only items reached that way are candidates, and the user's own items
are skipped with ``filter_already_liked_items``. ``CosineRecommender`` normalises the item
columns first, ``TFIDFRecommender`` and ``BM25Recommender`` weight them. The products are
scipy sparse products (one call for all items, and one per batch of users).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .recommender_base import RecommenderBase
from .utils import check_csr

__all__ = ["BM25Recommender", "CosineRecommender", "ItemItemRecommender", "TFIDFRecommender",
           "all_pairs_knn", "bm25_weight", "normalize", "tfidf_weight"]

_PAD = -np.finfo(np.float64).max


def _top_rows(M: sp.csr_matrix, K: int) -> sp.csr_matrix:
    """The K largest stored entries of every row (ties: lower column first)."""
    M = sp.csr_matrix(M)
    M.sort_indices()
    counts = np.diff(M.indptr)
    if counts.max(initial=0) <= K:
        return M
    keep = np.ones(len(M.data), dtype=bool)
    for r in np.flatnonzero(counts > K):
        lo, hi = M.indptr[r], M.indptr[r + 1]
        order = np.argsort(-M.data[lo:hi], kind="stable")
        keep[lo + order[K:]] = False
    rows = np.repeat(np.arange(M.shape[0]), counts)[keep]
    return sp.csr_matrix((M.data[keep], (rows, M.indices[keep])), shape=M.shape)


def all_pairs_knn(users, K=100, num_threads=0, show_progress=True):
    """The K largest dot products of every column of ``users`` (users x items) with every
    column, itself included: an items x items COO matrix."""
    W = check_csr(users).astype(np.float64)
    items = W.T.tocsr()
    return _top_rows(items @ items.T, int(K)).tocoo()


class ItemItemRecommender(RecommenderBase):
    """Item-item nearest neighbours on a users x items matrix of weights."""

    def __init__(self, K=20, num_threads=0):
        self.similarity = None
        self.K = K
        self.num_threads = num_threads

    def fit(self, weighted, show_progress=True, callback=None):
        """Keep the K most similar items of every item (by the dot product of the item
        columns of ``weighted``, users x items)."""
        if callback:
            raise NotImplementedError("callback isn't support on ItemItemRecommender.fit")
        self.similarity = all_pairs_knn(weighted, int(self.K), show_progress=False).tocsr()
        return self

    def _fitted(self):
        if self.similarity is None:
            raise ValueError("this model is not fitted yet: call fit first")

    def recommend(self, userid, user_items, N=10, filter_already_liked_items=True,
                  filter_items=None, recalculate_user=False, items=None):
        """(ids, scores) of the best N items reached from the user's items: 1-D for one id,
        2-D (padded with −1 / −FLT_MAX) for an array of ids."""
        self._fitted()
        if not isinstance(user_items, sp.csr_matrix):
            raise ValueError("user_items needs to be a CSR sparse matrix")
        scalar = np.isscalar(userid)
        n_rows = 1 if scalar else len(np.asarray(userid).reshape(-1))
        if user_items.shape[0] != n_rows:
            raise ValueError("user_items must contain 1 row for every user in userids")
        if filter_items is not None and items is not None:
            raise ValueError("Can't specify both filter_items and items")
        n_items = self.similarity.shape[0]
        if items is not None:
            items = np.asarray(items)
            if items.size and (items.max() >= n_items or items.min() < 0):
                raise IndexError("Some of selected itemids are not in the model")
        U = user_items[:, :n_items] if user_items.shape[1] > n_items else user_items
        if U.shape[1] < n_items:
            U = sp.csr_matrix((U.data, U.indices, U.indptr), shape=(U.shape[0], n_items))
        scores = sp.csr_matrix(U.astype(np.float64) @ self.similarity)
        scores.sort_indices()
        out_ids, out_scores = [], []
        for r in range(n_rows):
            lo, hi = scores.indptr[r], scores.indptr[r + 1]
            ids, vals = scores.indices[lo:hi], scores.data[lo:hi]
            if filter_already_liked_items:
                keep = ~np.isin(ids, U.indices[U.indptr[r]:U.indptr[r + 1]])
                ids, vals = ids[keep], vals[keep]
            if filter_items is not None:
                keep = ~np.isin(ids, filter_items)
                ids, vals = ids[keep], vals[keep]
            if items is not None:
                keep = np.isin(ids, items)
                ids, vals = ids[keep], vals[keep]
                missing = items[~np.isin(items, ids)]
                order = np.argsort(-vals, kind="stable")
                ids = np.append(ids[order], missing)
                vals = np.append(vals[order], np.full(missing.size, _PAD))
            else:
                order = np.argsort(-vals, kind="stable")[:N]
                ids, vals = ids[order], vals[order]
            out_ids.append(ids.astype(np.int32))
            out_scores.append(vals)
        if scalar:
            return out_ids[0], out_scores[0]
        return _pad(out_ids, out_scores, N)

    def similar_users(self, userid, N=10, filter_users=None, users=None):
        raise NotImplementedError("similar_users isn't implemented for item-item recommenders")

    def similar_items(self, itemid, N=10, recalculate_item=False, item_users=None,
                      filter_items=None, items=None):
        """(ids, scores) of the item's kept neighbours (itself included), best first."""
        self._fitted()
        if recalculate_item:
            raise NotImplementedError("Recalculate_item isn't implemented")
        if filter_items is not None and items is not None:
            raise ValueError("Can't specify both filter_items and items")
        if not np.isscalar(itemid):
            res = [self.similar_items(int(i), N, filter_items=filter_items, items=items)
                   for i in np.asarray(itemid).reshape(-1)]
            return _pad([r[0] for r in res], [r[1] for r in res], N)
        S = self.similarity
        if itemid < 0:
            raise IndexError(f"itemid {itemid} is negative")
        if itemid >= S.shape[0]:
            return np.array([], dtype=np.int32), np.array([])
        lo, hi = S.indptr[itemid], S.indptr[itemid + 1]
        ids, vals = S.indices[lo:hi], S.data[lo:hi]
        if filter_items is not None:
            keep = ~np.isin(ids, filter_items)
            ids, vals = ids[keep], vals[keep]
        elif items is not None:
            items = np.asarray(items)
            keep = np.isin(ids, items)
            ids, vals = ids[keep], vals[keep]
            missing = items[~np.isin(items, ids)]
            ids, vals = np.append(ids, missing), np.append(vals, np.full(missing.size, _PAD))
        best = np.argsort(-vals, kind="stable")[:N]
        return ids[best].astype(np.int32), vals[best]

    def save(self, fileobj_or_path):
        """An .npz of K and the similarity matrix (no pickle)."""
        args = {"K": self.K}
        m = self.similarity
        if m is not None:
            args.update({"shape": m.shape, "data": m.data, "indptr": m.indptr,
                         "indices": m.indices})
        np.savez(fileobj_or_path, **args)

    @classmethod
    def load(cls, fileobj_or_path):
        if isinstance(fileobj_or_path, str) and not fileobj_or_path.endswith(".npz"):
            fileobj_or_path = fileobj_or_path + ".npz"
        with np.load(fileobj_or_path, allow_pickle=False) as data:
            ret = cls()
            if "data" in data:
                ret.similarity = sp.csr_matrix((data["data"], data["indices"], data["indptr"]),
                                               shape=tuple(data["shape"]))
            ret.K = int(data["K"])
        return ret


def _pad(ids_rows, score_rows, N):
    out_ids = np.full((len(ids_rows), N), -1, dtype=np.int32)
    out_scores = np.full((len(ids_rows), N), _PAD, dtype=np.float64)
    for r, (ids, vals) in enumerate(zip(ids_rows, score_rows)):
        out_ids[r, :min(N, len(ids))] = ids[:N]
        out_scores[r, :min(N, len(vals))] = vals[:N]
    return out_ids, out_scores


class CosineRecommender(ItemItemRecommender):
    """Item-item on cosine similarity (item columns normalised to unit length)."""

    def fit(self, counts, show_progress=True, callback=None):
        counts = check_csr(counts)
        return ItemItemRecommender.fit(self, normalize(counts.T).T.tocsr(), show_progress,
                                       callback)


class TFIDFRecommender(ItemItemRecommender):
    """Item-item on TF-IDF weighted, normalised item columns."""

    def fit(self, counts, show_progress=True, callback=None):
        counts = check_csr(counts)
        weighted = normalize(tfidf_weight(counts.T)).T.tocsr()
        return ItemItemRecommender.fit(self, weighted, show_progress, callback)


class BM25Recommender(ItemItemRecommender):
    """Item-item on BM25 weighted item columns."""

    def __init__(self, K=20, K1=1.2, B=0.75, num_threads=0):
        super().__init__(K, num_threads)
        self.K1 = K1
        self.B = B

    def fit(self, counts, show_progress=True, callback=None):
        counts = check_csr(counts)
        weighted = bm25_weight(counts.T, self.K1, self.B).T.tocsr()
        return ItemItemRecommender.fit(self, weighted, show_progress, callback)


def tfidf_weight(X):
    """Rows of X weighted by sqrt(tf)·idf of the columns (a COO matrix)."""
    X = sp.coo_matrix(X, dtype=np.float64)
    N = float(X.shape[0])
    idf = np.log(N) - np.log1p(np.bincount(X.col, minlength=X.shape[1]))
    X.data = np.sqrt(X.data) * idf[X.col]
    return X


def normalize(X):
    """Rows of X scaled to unit length (a COO matrix)."""
    X = sp.coo_matrix(X, dtype=np.float64)
    norms = np.sqrt(np.bincount(X.row, X.data**2, minlength=X.shape[0]))
    X.data = X.data / norms[X.row]
    return X


def bm25_weight(X, K1=100, B=0.8):
    """BM25 weights of the rows of X (a COO matrix): tf·(K1+1)/(K1·norm + tf)·idf, norm =
    1 − B + B·(row sum / mean row sum)."""
    X = sp.coo_matrix(X, dtype=np.float64)
    N = float(X.shape[0])
    idf = np.log(N) - np.log1p(np.bincount(X.col, minlength=X.shape[1]))
    row_sums = np.ravel(X.sum(axis=1))
    length_norm = (1.0 - B) + B * row_sums / row_sums.mean()
    X.data = X.data * (K1 + 1.0) / (K1 * length_norm[X.row] + X.data) * idf[X.col]
    return X
