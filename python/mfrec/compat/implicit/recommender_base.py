"""``implicit.recommender_base``: the abstract interface every implicit model follows."""

from __future__ import annotations

import warnings
from abc import ABCMeta, abstractmethod

import numpy as np

__all__ = ["ModelFitError", "RecommenderBase"]


class ModelFitError(Exception):
    """Training produced unusable factors (NaN)."""


class RecommenderBase(metaclass=ABCMeta):
    """fit / recommend / similar_users / similar_items / save / load, as in implicit 0.7.3."""

    @abstractmethod
    def fit(self, user_items, show_progress=True, callback=None):
        """Fit on a users x items CSR matrix of interaction strengths."""

    @abstractmethod
    def recommend(self, userid, user_items, N=10, filter_already_liked_items=True,
                  filter_items=None, recalculate_user=False, items=None):
        """(ids, scores) of the best N items: 1-D for one user id, 2-D for an array of ids."""

    @abstractmethod
    def similar_users(self, userid, N=10, filter_users=None, users=None):
        """(ids, scores) of the N most similar users (the query first)."""

    @abstractmethod
    def similar_items(self, itemid, N=10, recalculate_item=False, item_users=None,
                      filter_items=None, items=None):
        """(ids, scores) of the N most similar items (the query first)."""

    @abstractmethod
    def save(self, fileobj_or_path):
        """Write the model as an .npz file (no pickle)."""

    @classmethod
    def load(cls, fileobj_or_path):
        """A model read from a file written by ``save`` (arrays only: no pickle)."""
        if isinstance(fileobj_or_path, str) and not fileobj_or_path.endswith(".npz"):
            fileobj_or_path = fileobj_or_path + ".npz"
        with np.load(fileobj_or_path, allow_pickle=False) as data:
            ret = cls()
            for key, value in data.items():
                if key == "dtype":
                    value = np.dtype(str(value))
                elif value.shape == ():
                    value = value.item()
                setattr(ret, key, value)
        ret._loaded()
        return ret

    def _loaded(self) -> None:
        """Hook run after ``load`` set the attributes (nothing to do by default)."""
        return None

    def rank_items(self, userid, user_items, selected_items, recalculate_user=False):
        """Deprecated in implicit: ``recommend(..., items=selected_items)``."""
        warnings.warn("rank_items is deprecated. Use recommend with the 'items' parameter "
                      "instead", DeprecationWarning, stacklevel=2)
        return self.recommend(userid, user_items, recalculate_user=recalculate_user,
                              items=selected_items, filter_already_liked_items=False)

    @staticmethod
    def _check_factors(user_factors, item_factors) -> None:
        if np.isnan(user_factors).any() or np.isnan(item_factors).any():
            raise ModelFitError("NaN encountered in factors")
