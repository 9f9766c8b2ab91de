"""``Trainset``: the ratings an algorithm is fitted on, with inner ids (Surprise's class).

Inner ids are given in order of first appearance, as Surprise does, so ``pu[inner_uid]``
means what it means there. The ratings are kept as three arrays (what mfrec's kernels read);
Surprise's dict-of-lists views ``ur`` and ``ir`` are built from them on first use.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

__all__ = ["Trainset"]


class Trainset:
    """A training set: the ratings with users and items mapped to inner ids 0..n-1.

    Built by ``Dataset.build_full_trainset()`` or the splitters of ``model_selection``; the
    constructor has Surprise's signature for code that builds one by hand.

    Attributes
    ----------
    ur, ir : defaultdict of lists
        ``ur[u]`` = the ``(inner item id, rating)`` pairs of inner user ``u``, in file order;
        ``ir[i]`` the ``(inner user id, rating)`` pairs of item ``i``.
    n_users, n_items, n_ratings : int
    rating_scale : tuple
    global_mean : float
        The mean of all ratings.
    """

    def __init__(self, ur, ir, n_users, n_items, n_ratings, rating_scale,
                 raw2inner_id_users, raw2inner_id_items):
        users, items, ratings = [], [], []
        for u, pairs in ur.items():
            for i, r in pairs:
                users.append(u)
                items.append(i)
                ratings.append(r)
        self._init(np.asarray(users, np.int64), np.asarray(items, np.int64),
                   np.asarray(ratings, np.float64), n_users, n_items, rating_scale,
                   raw2inner_id_users, raw2inner_id_items)
        self.n_ratings = n_ratings
        self._ur, self._ir = ur, ir

    @classmethod
    def _from_arrays(cls, users, items, ratings, rating_scale, raw2inner_users,
                     raw2inner_items) -> Trainset:
        self = cls.__new__(cls)
        self._init(users, items, ratings, len(raw2inner_users), len(raw2inner_items),
                   rating_scale, raw2inner_users, raw2inner_items)
        return self

    def _init(self, users, items, ratings, n_users, n_items, rating_scale, raw2inner_users,
              raw2inner_items) -> None:
        self._users, self._items, self._ratings = users, items, ratings
        self.n_users, self.n_items = int(n_users), int(n_items)
        self.n_ratings = len(ratings)
        self.rating_scale = rating_scale
        self._raw2inner_id_users = raw2inner_users
        self._raw2inner_id_items = raw2inner_items
        self._inner2raw_id_users = None
        self._inner2raw_id_items = None
        self._global_mean = None
        self._ur = self._ir = None
        self._interactions = None

    # -- Surprise's views -------------------------------------------------------------------
    @property
    def ur(self):
        if self._ur is None:
            ur = defaultdict(list)
            for u in range(self.n_users):
                ur[u]  # every user a key, in inner-id order, as Surprise's dict has them
            for u, i, r in zip(self._users.tolist(), self._items.tolist(),
                               self._ratings.tolist()):
                ur[u].append((i, r))
            self._ur = ur
        return self._ur

    @ur.setter
    def ur(self, value):
        self._ur = value

    @property
    def ir(self):
        if self._ir is None:
            ir = defaultdict(list)
            for i in range(self.n_items):
                ir[i]
            for u, i, r in zip(self._users.tolist(), self._items.tolist(),
                               self._ratings.tolist()):
                ir[i].append((u, r))
            self._ir = ir
        return self._ir

    @ir.setter
    def ir(self, value):
        self._ir = value

    def knows_user(self, uid) -> bool:
        """Whether inner user id ``uid`` is part of the training set."""
        if self._ur is not None:
            return uid in self._ur
        return _is_index(uid, self.n_users)

    def knows_item(self, iid) -> bool:
        """Whether inner item id ``iid`` is part of the training set."""
        if self._ir is not None:
            return iid in self._ir
        return _is_index(iid, self.n_items)

    def to_inner_uid(self, ruid):
        """The inner id of raw user id ``ruid`` (ValueError when unknown)."""
        try:
            return self._raw2inner_id_users[ruid]
        except (KeyError, TypeError):
            raise ValueError(f"User {ruid} is not part of the trainset.") from None

    def to_raw_uid(self, iuid):
        """The raw id of inner user id ``iuid`` (ValueError when not an inner id)."""
        if self._inner2raw_id_users is None:
            self._inner2raw_id_users = {v: k for k, v in self._raw2inner_id_users.items()}
        try:
            return self._inner2raw_id_users[iuid]
        except (KeyError, TypeError):
            raise ValueError(f"{iuid} is not a valid inner id.") from None

    def to_inner_iid(self, riid):
        """The inner id of raw item id ``riid`` (ValueError when unknown)."""
        try:
            return self._raw2inner_id_items[riid]
        except (KeyError, TypeError):
            raise ValueError(f"Item {riid} is not part of the trainset.") from None

    def to_raw_iid(self, iiid):
        """The raw id of inner item id ``iiid`` (ValueError when not an inner id)."""
        if self._inner2raw_id_items is None:
            self._inner2raw_id_items = {v: k for k, v in self._raw2inner_id_items.items()}
        try:
            return self._inner2raw_id_items[iiid]
        except (KeyError, TypeError):
            raise ValueError(f"{iiid} is not a valid inner id.") from None

    def all_ratings(self):
        """Every ``(inner user, inner item, rating)``, user by user (as ``ur`` holds them)."""
        for u, pairs in self.ur.items():
            for i, r in pairs:
                yield u, i, r

    def build_testset(self):
        """The training ratings as a test set: ``(raw user, raw item, rating)`` tuples."""
        return [(self.to_raw_uid(u), self.to_raw_iid(i), r) for u, i, r in self.all_ratings()]

    def build_anti_testset(self, fill=None):
        """Every (user, item) pair NOT in the training set, with rating ``fill`` (default: the
        global mean): the candidates of top-N recommendation."""
        fill = self.global_mean if fill is None else float(fill)
        seen = np.zeros((self.n_users, self.n_items), dtype=bool) if (
            self.n_users * self.n_items <= 50_000_000) else None
        out = []
        if seen is not None:
            seen[self._users, self._items] = True
            raw_items = [self.to_raw_iid(i) for i in range(self.n_items)]
            for u in range(self.n_users):
                ru = self.to_raw_uid(u)
                out += [(ru, raw_items[i], fill) for i in np.flatnonzero(~seen[u]).tolist()]
            return out
        for u in self.all_users():
            user_items = {j for j, _ in self.ur[u]}
            ru = self.to_raw_uid(u)
            out += [(ru, self.to_raw_iid(i), fill) for i in self.all_items()
                    if i not in user_items]
        return out

    def all_users(self):
        """``range(n_users)``: every inner user id."""
        return range(self.n_users)

    def all_items(self):
        """``range(n_items)``: every inner item id."""
        return range(self.n_items)

    @property
    def global_mean(self) -> float:
        if self._global_mean is None:
            self._global_mean = float(np.mean(self._ratings)) if self.n_ratings else np.nan
        return self._global_mean

    # -- mfrec -------------------------------------------------------------------------------
    def _to_interactions(self):
        """The ratings as an ``mfrec.Interactions`` whose ids are the inner ids (cached):
        what the algorithms fit mfrec's models on."""
        if self._interactions is None:
            import mfrec
            from mfrec._idmap import IdMap

            # inner ids are valid indices by construction: straight to the inner form
            self._interactions = mfrec.Interactions._from_inner(
                IdMap.range(self.n_users, "user"), IdMap.range(self.n_items, "item"),
                np.asarray(self._users, dtype=np.int32), np.asarray(self._items, np.int32),
                self._ratings.astype(np.float32), None,
                tuple(float(v) for v in self.rating_scale), duplicates="mean")
        return self._interactions


def _is_index(x, n: int) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) and 0 <= x < n
