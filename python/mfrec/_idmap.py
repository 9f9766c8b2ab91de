"""Raw id <-> inner id maps (inner ids are 0..n-1, in sorted order of the raw ids)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ._validation import UnknownIdError, plain

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["IdMap"]


class IdMap:
    """A bijection between raw ids (any sortable ids: ints, strings) and inner ids 0..n-1.

    Parameters
    ----------
    ids : array-like of shape (n,)
        The raw ids, unique, in inner-id order.
    name : str
        ``"user"`` or ``"item"``; used in error messages.

    Attributes
    ----------
    ids : ndarray of shape (n,)
        The raw ids in inner-id order (int64, str or object).
    identity : bool
        True when the raw ids are exactly 0..n-1 (data given as a sparse matrix): inner
        ids are then the raw ids, and look-ups need no search.
    """

    def __init__(self, ids: ArrayLike, name: str) -> None:
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
        """The identity map of ``n`` inner ids (data given as a sparse matrix).

        Parameters
        ----------
        n : int
            Number of ids.
        name : str
            ``"user"`` or ``"item"``.

        Returns
        -------
        IdMap
            Raw ids ``arange(n)`` (int64), ``identity`` True.
        """
        return cls(np.arange(n, dtype=np.int64), name)

    def __len__(self) -> int:
        return len(self.ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdMap) and np.array_equal(self.ids, other.ids)

    @overload
    def to_inner(self, raw: np.ndarray | list[Any] | tuple[Any, ...], *,
                 missing: str = ...) -> NDArray[np.int64]: ...

    @overload
    def to_inner(self, raw: ArrayLike, *, missing: str = ...) -> NDArray[np.int64] | np.int64: ...

    def to_inner(self, raw: ArrayLike, *, missing: str = "raise",
                 ) -> NDArray[np.int64] | np.int64:
        """Inner ids of raw ids.

        Parameters
        ----------
        raw : scalar or array-like of shape (m,)
            Raw ids (a list of Python ints or strings works too).
        missing : {"raise", "ignore"}, default "raise"
            Unknown ids raise :class:`UnknownIdError` naming the first, or map to -1.

        Returns
        -------
        ndarray of shape (m,), int64, or an int64 scalar for a scalar ``raw``
            The inner ids (-1 for unknown ones with ``missing="ignore"``).

        Raises
        ------
        UnknownIdError
            With ``missing="raise"``, an id not in the map (the message says how many).
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

    def to_raw(self, inner: ArrayLike) -> np.ndarray:
        """Raw ids of inner ids.

        Parameters
        ----------
        inner : int or array-like of int of shape (m,)
            Inner ids in 0..n-1 (negative ones count from the end, as numpy indexing does).

        Returns
        -------
        ndarray of shape (m,) (a scalar for a scalar ``inner``)
            The raw ids, of the dtype of ``ids``.

        Raises
        ------
        IndexError
            An inner id is out of range.
        """
        return self.ids[np.asarray(inner, dtype=np.int64)]
