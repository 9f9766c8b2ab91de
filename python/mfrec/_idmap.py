"""Raw id <-> inner id maps (inner ids are 0..n-1, in sorted order of the raw ids)."""

from __future__ import annotations

import numpy as np

from ._validation import UnknownIdError, plain

__all__ = ["IdMap"]


class IdMap:
    """A bijection between raw ids (any sortable ids: ints, strings) and inner ids 0..n-1.

    Parameters
    ----------
    ids : array-like of shape (n,)
        The raw ids, unique, in inner-id order.
    name : str
        ``"user"`` or ``"item"``; used in error messages.
    """

    def __init__(self, ids, name: str):
        self.ids = np.asarray(ids)
        self.name = name
        n = len(self.ids)
        self.identity = (
            self.ids.dtype.kind in "iu"
            and n > 0
            and self.ids[0] == 0
            and self.ids[-1] == n - 1
            and bool(np.all(np.diff(self.ids) == 1))
        ) or n == 0
        self._sorted = None
        self._order = None
        self._dict = None
        if not self.identity:
            if self.ids.dtype.kind in "iufUS":
                self._order = np.argsort(self.ids, kind="stable")
                self._sorted = self.ids[self._order]
            else:  # object ids: a dict is the portable way
                self._dict = {v: j for j, v in enumerate(self.ids.tolist())}

    @classmethod
    def range(cls, n: int, name: str) -> IdMap:
        """The identity map of ``n`` inner ids (data given as a sparse matrix)."""
        return cls(np.arange(n, dtype=np.int64), name)

    def __len__(self) -> int:
        return len(self.ids)

    def __eq__(self, other) -> bool:
        return isinstance(other, IdMap) and np.array_equal(self.ids, other.ids)

    def to_inner(self, raw, *, missing: str = "raise") -> np.ndarray:
        """Inner ids (int64) of ``raw``.

        Unknown ids raise :class:`UnknownIdError` naming the first, or map to -1 with
        ``missing="ignore"``.
        """
        raw = np.asarray(raw)
        scalar = raw.ndim == 0
        raw = raw.reshape(-1)
        if raw.dtype == object and raw.size:  # e.g. a list of Python ints or strings
            converted = np.array(raw.tolist())
            if converted.dtype != object and converted.shape == raw.shape:
                raw = converted
        inner = self._lookup(raw)
        if missing == "raise" and raw.size:
            bad = inner < 0
            if bad.any():
                first = plain(raw[np.flatnonzero(bad)[0]])
                n = len(self.ids)
                what = f"inner {self.name} index" if self.identity else f"{self.name} id"
                extra = f" (valid: 0..{n - 1})" if self.identity else ""
                raise UnknownIdError(
                    f"unknown {what} {first!r}{extra}; {int(bad.sum())} unknown in all"
                )
        return inner[0] if scalar else inner

    def _lookup(self, raw: np.ndarray) -> np.ndarray:
        n = len(self.ids)
        out = np.full(raw.shape, -1, dtype=np.int64)
        if raw.size == 0 or n == 0:
            return out
        if self.identity:
            if raw.dtype.kind in "iu":
                ok = (raw >= 0) & (raw < n)
                out[ok] = raw[ok]
            elif raw.dtype.kind == "f":
                with np.errstate(invalid="ignore"):
                    ok = (raw >= 0) & (raw < n) & (raw == np.floor(raw))
                out[ok] = raw[ok].astype(np.int64)
            return out
        if self._dict is not None:
            get = self._dict.get
            return np.fromiter((get(v, -1) for v in raw.tolist()), dtype=np.int64, count=raw.size)
        numeric = raw.dtype.kind in "iuf" and self._sorted.dtype.kind in "iuf"
        text = raw.dtype.kind in "US" and raw.dtype.kind == self._sorted.dtype.kind
        if numeric or text:
            pos = np.searchsorted(self._sorted, raw)
            pos[pos >= n] = n - 1
            found = self._sorted[pos] == raw
            out[found] = self._order[pos[found]]
        return out

    def to_raw(self, inner) -> np.ndarray:
        """Raw ids of inner ids."""
        return self.ids[np.asarray(inner, dtype=np.int64)]
