"""Raw id <-> inner id maps (inner ids are 0..n-1, in sorted order of the raw ids), and the
canonical form of raw ids.

Ids are of one kind: integers (int64; exact Python ints beyond int64), floats, or strings.
Strings are kept as Python ``str`` objects (object arrays), never as fixed-width numpy text,
which would give every id the width of the longest one (a 1 MB id would cost 4 MB per row).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ._validation import UnknownIdError, plain

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["IdMap", "canonical_ids", "id_kind", "short_repr"]


def short_repr(value, limit: int = 60) -> str:
    """repr() of an id for a message, cut to ``limit`` characters."""
    text = repr(plain(value))
    return text if len(text) <= limit else text[:limit - 5] + "...'" + f" ({len(text)} chars)"


def id_kind(arr: np.ndarray) -> str:
    """"int", "float", "bool", "str" or "empty" for a canonical id array."""
    if arr.size == 0:
        return "empty"
    if arr.dtype == object:
        first = arr[0]
        return "str" if isinstance(first, str) else "int"
    return {"i": "int", "u": "int", "f": "float", "b": "bool"}[arr.dtype.kind]


def _object_ids(values: list, name: str, given: np.ndarray | None = None) -> np.ndarray:
    """Ids given as Python objects: strings (kept as objects), or numbers — as a numeric
    array, or kept as the object array ``given`` when they are all integers (ints beyond 64
    bits stay exact Python ints either way). Mixed kinds raise."""
    kinds = {type(v) for v in values}
    if not kinds:
        return np.empty(0, dtype=np.int64)
    if kinds <= {str}:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    numeric = all(issubclass(k, (numbers.Integral, numbers.Real)) and not issubclass(k, str)
                  for k in kinds)
    if numeric and given is not None and all(issubclass(k, numbers.Integral) for k in kinds):
        return given
    if numeric:
        arr = np.array(values)
        if arr.dtype != object:
            return arr
        if all(issubclass(k, numbers.Integral) for k in kinds):  # beyond 64 bits: exact ints
            out = np.empty(len(values), dtype=object)
            out[:] = [int(v) for v in values]
            return out
    examples = {}
    for v in values:
        examples.setdefault(type(v).__name__, v)
        if len(examples) > 2:
            break
    shown = ", ".join(f"{short_repr(v)} ({k})" for k, v in examples.items())
    raise TypeError(f"{name} mix kinds of ids ({shown}): use one kind, all integers or all "
                    "strings (convert with str() if you mean text)")


def canonical_ids(values, name: str) -> np.ndarray:
    """A 1-D array of raw ids of one kind (see the module docstring).

    Raises
    ------
    ValueError
        Not 1-D, or a NaN id.
    TypeError
        Ids of mixed kinds (e.g. strings and integers), or of a kind that is not an id.
    """
    from_list = isinstance(values, (list, tuple))
    if from_list:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
    else:
        arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    kind = arr.dtype.kind
    if kind in "US":
        text = arr.astype(str).tolist() if kind == "S" else arr.tolist()
        arr = np.empty(len(text), dtype=object)
        arr[:] = text
    elif kind == "O":
        arr = _object_ids(arr.tolist(), name, None if from_list else arr)
    elif kind not in "iufb":
        raise TypeError(f"{name} must be integers or strings, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contain NaN")
    return arr


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
        if self.ids.dtype.kind in "US":  # text ids as str objects (compact, see above)
            self.ids = canonical_ids(self.ids, f"{name} ids")
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
            if self.ids.dtype.kind in "iufb":
                self._order = np.argsort(self.ids, kind="stable")
                self._sorted = self.ids[self._order]
            else:  # str objects (or exact big ints): a dict
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
        if isinstance(raw, (list, tuple)):  # never numpy text: no fixed-width copies
            arr = np.empty(len(raw), dtype=object)
            arr[:] = raw
            raw = arr
        raw = np.asarray(raw)
        scalar = raw.ndim == 0
        raw = raw.reshape(-1)
        if raw.dtype == object and raw.size and self._dict is None:
            # e.g. a list of Python ints against a numeric map; text never matches one
            converted = np.array(raw.tolist())
            if converted.dtype.kind in "iufb" and converted.shape == raw.shape:
                raw = converted
        inner = self._lookup(raw)
        if missing == "raise" and raw.size:
            bad = inner < 0
            if bad.any():
                first = raw[np.flatnonzero(bad)[0]]
                n = len(self.ids)
                what = f"inner {self.name} index" if self.identity else f"{self.name} id"
                extra = f" (valid: 0..{n - 1})" if self.identity else ""
                raise UnknownIdError(
                    f"unknown {what} {short_repr(first)}{extra}; {int(bad.sum())} unknown in all"
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
            keys = raw.tolist()
            return np.fromiter((get(v, -1) if isinstance(v, (str, int)) else -1 for v in keys),
                               dtype=np.int64, count=raw.size)
        if raw.dtype.kind in "iufb" and self._sorted.dtype.kind in "iufb":
            raw, ok = _as_dtype(raw, self._sorted.dtype)
            pos = np.searchsorted(self._sorted, raw)
            pos[pos >= n] = n - 1
            found = ok & (self._sorted[pos] == raw)
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


def _as_dtype(raw: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """``raw`` in the map's numeric dtype, and where that is exact (an int64 query against a
    uint64 map, or a fractional query against an integer map, compares exactly)."""
    if raw.dtype == dtype:
        return raw, np.ones(raw.shape, dtype=bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if raw.dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                ok = (raw >= info.min) & (raw <= info.max) & (raw == np.floor(raw))
        elif raw.dtype.kind in "iu":
            big = np.iinfo(raw.dtype)
            ok = np.ones(raw.shape, dtype=bool)
            if big.min < info.min:
                ok &= raw >= 0 if info.min == 0 else raw >= info.min
            if big.max > info.max:
                ok &= raw <= info.max
        else:
            ok = np.ones(raw.shape, dtype=bool)
        safe = np.where(ok, raw, 0).astype(dtype)
        return safe, ok
    return raw.astype(dtype), np.ones(raw.shape, dtype=bool)
