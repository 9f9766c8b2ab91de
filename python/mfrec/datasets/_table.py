"""Fast, vectorized reading of a delimited ratings file into typed columns.

pandas' C parser when pandas is installed, ``numpy.loadtxt`` (also C) otherwise; never a
Python loop per row. Values are checked in bulk afterwards (NaN or empty ratings, empty ids,
rows with too few or too many fields); on any failure :mod:`._scan` names the first bad line.

Column types: ids are int64 when every id is an integer that fits, exact Python ints when some
do not (beyond 64 bits), else text as str objects (never fixed-width numpy text: one long id
would widen every row); ratings float64 (finite); timestamps int64 (Unix seconds; fractional
seconds truncated) or datetime64[s] from ISO 8601.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from ._scan import find_problem
from ._sniff import WHITESPACE

__all__ = ["read_table", "pandas_or_none"]

_UNIT_SEP = "\x1f"  # stands in for a multi-character separator (``::``) for the C parsers


class _Unknown(Exception):
    """A value is bad but its row is not known: scan every line."""


def pandas_or_none():
    """The pandas module, or None when it is not installed (numpy fallback)."""
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def read_table(path: Path, *, sep: str, skip: int, n_fields: int, roles: dict[str, int],
               encoding: str = "utf-8") -> dict[str, np.ndarray]:
    """Parse the data rows of ``path`` and return one array per role.

    Parameters
    ----------
    path : Path
        A delimited text file.
    sep : str
        The separator (``WHITESPACE`` for runs of blanks; multi-character separators work).
    skip : int
        Lines before the first data row (header and anything above it).
    n_fields : int
        Fields per row (from the header or the first row); other rows are errors.
    roles : dict of str -> int
        Column position of ``"user"``, ``"item"``[, ``"rating"``[, ``"timestamp"``]].
    encoding : str, default "utf-8"

    Returns
    -------
    dict of str -> ndarray of shape (n_rows,)
        ``"user"``, ``"item"`` (int64 or str), ``"rating"`` (float64), ``"timestamp"``
        (int64 or datetime64[s]) for the roles asked.

    Raises
    ------
    ValueError
        ``"<path>, line <n>: <problem>"`` for the first bad line.
    """
    pd = pandas_or_none()
    try:
        table = _read_pandas(pd, path, sep, skip, encoding) if pd is not None else \
            _read_numpy(path, sep, skip, encoding)
    except UnicodeDecodeError:
        _fail(path, sep, encoding, skip, n_fields, roles, None, "undecodable bytes")
    except ValueError as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
        if _is_empty_data(pd, exc):
            table = np.empty((0, n_fields))
        else:
            _fail(path, sep, encoding, skip, n_fields, roles, None, exc)
    n_rows, n_cols = table.shape
    if n_rows == 0:
        raise ValueError(f"{path}, line {skip + 1}: no data rows"
                         + (" after the header" if skip else " (the file is empty)"))
    if n_cols != n_fields:  # every row is consistent, but not with the header
        _fail(path, sep, encoding, skip, n_fields, roles, [0], f"{n_cols} columns")
    out, suspects = {}, []
    for role, pos in roles.items():
        try:
            if role in ("user", "item"):
                values, bad = _ids(table, pos)
            else:
                values, bad = _CONVERT[role](table.column(pos), pd)
        except _Unknown as exc:
            _fail(path, sep, encoding, skip, n_fields, roles, None, exc)
        out[role] = values
        suspects.append(bad)
    suspects.extend(table.missing(j) for j in range(n_cols) if j not in roles.values())
    rows = np.concatenate(suspects)
    if rows.size:
        if any(s.size for s in suspects[:len(roles)]):  # a used value is bad: always an error
            _fail(path, sep, encoding, skip, n_fields, roles, rows, "bad values")
        problem = find_problem(path, sep=sep, encoding=encoding, skip=skip, n_fields=n_fields,
                               roles=roles, rows=rows)
        if problem:  # empty fields in unused columns are fine, short rows are not
            raise ValueError(f"{path}, {problem}")
    return out


def _fail(path, sep, encoding, skip, n_fields, roles, rows, cause):
    """Raise the message for the first bad line (among ``rows``, then anywhere)."""
    problem = None
    if rows is not None:
        problem = find_problem(path, sep=sep, encoding=encoding, skip=skip, n_fields=n_fields,
                               roles=roles, rows=rows)
    if problem is None:
        problem = find_problem(path, sep=sep, encoding=encoding, skip=skip, n_fields=n_fields,
                               roles=roles)
    if problem is None:
        raise ValueError(f"{path}: could not be parsed ({cause})")
    raise ValueError(f"{path}, {problem}")


# -- backends ------------------------------------------------------------------------------
class _Table:
    """Columns of a parsed file: ``column(j)`` as a numpy array (text as str objects),
    ``missing(j)`` row indices, ``text(j)`` the column's exact text (re-read when the parser
    made numbers of it)."""

    def __init__(self, columns: list[np.ndarray], missing: list[np.ndarray], n_rows: int,
                 text=None):
        self._columns, self._missing, self._text = columns, missing, text
        self.shape = (n_rows, len(columns))

    def column(self, j: int) -> np.ndarray:
        return self._columns[j]

    def missing(self, j: int) -> np.ndarray:
        return self._missing[j]

    def text(self, j: int) -> np.ndarray:
        col = self._columns[j]
        return col if col.dtype == object else self._text(j)


def _is_empty_data(pd, exc):
    return pd is not None and isinstance(exc, pd.errors.EmptyDataError)


def _source(path, sep, encoding):
    """A path, or (multi-character separator) the bytes with it replaced by one character."""
    if sep == WHITESPACE or len(sep) == 1:
        return path, sep
    data = path.read_bytes().replace(sep.encode(encoding), _UNIT_SEP.encode(encoding))
    return io.BytesIO(data), _UNIT_SEP


def _read_pandas(pd, path, sep, skip, encoding):
    src, sep = _source(path, sep, encoding)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        df = pd.read_csv(src, sep=sep, header=None, skiprows=skip, engine="c", quotechar='"',
                         keep_default_na=False, na_values=[""], skip_blank_lines=True,
                         encoding=encoding)
    columns, missing = [], []
    for j in range(df.shape[1]):
        s = df.iloc[:, j]
        numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(
            s.dtype)
        isna = s.isna().to_numpy()
        missing.append(np.flatnonzero(isna))
        if numeric:
            columns.append(s.to_numpy())
        else:
            arr = s.to_numpy(dtype=object)
            arr[isna] = ""
            columns.append(_as_text(arr))
    return _Table(columns, missing, len(df),
                  text=lambda j: _reread_text_pandas(pd, path, sep, skip, encoding, j))


def _reread_text_pandas(pd, path, sep, skip, encoding, j):
    """Column ``j`` as the exact text of the file (ids that pandas read as floats)."""
    src, sep = _source(path, sep, encoding)
    df = pd.read_csv(src, sep=sep, header=None, skiprows=skip, engine="c", quotechar='"',
                     keep_default_na=False, na_values=[""], skip_blank_lines=True,
                     encoding=encoding, usecols=[j], dtype=str)
    arr = df.iloc[:, 0].to_numpy(dtype=object)
    arr[df.iloc[:, 0].isna().to_numpy()] = ""
    return _as_text(arr)


def _as_text(arr):
    """Every value of an object column as a str object."""
    return np.frompyfunc(str, 1, 1)(arr).astype(object) if arr.size else arr


def _read_numpy(path, sep, skip, encoding):
    src, sep = _source(path, sep, encoding)
    if isinstance(src, io.BytesIO):
        src = io.StringIO(src.getvalue().decode(encoding), newline=None)
    delimiter = None if sep == WHITESPACE else sep
    kw = dict(delimiter=delimiter, skiprows=skip, ndmin=2, comments=None, quotechar='"',
              encoding=encoding)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
        try:
            arr = np.loadtxt(src, dtype=np.float64, **kw)
        except ValueError:  # ids that are names, or a bad line: read text, decide later
            if hasattr(src, "seek"):
                src.seek(0)
            arr = np.loadtxt(src, dtype=object, **kw)  # str objects, not fixed-width text

    def text(j):
        if hasattr(src, "seek"):
            src.seek(0)
        return np.loadtxt(src, dtype=object, usecols=[j], **kw)[:, 0]

    columns = [arr[:, j] for j in range(arr.shape[1])]
    missing = [_missing_numpy(c) for c in columns]
    return _Table(columns, missing, arr.shape[0], text=text)


def _blank(col):
    """Row indices of empty (or blank) text values."""
    if not col.size:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.frompyfunc(lambda v: not v.strip(), 1, 1)(col).astype(bool))


def _missing_numpy(col):
    if col.dtype == object:
        return _blank(col)
    return np.empty(0, dtype=np.int64)  # a float column: NaN is a value, judged by its role


# -- conversions: (values, row indices of bad values); _Unknown when rows cannot be told ----
_INT64_MAX = np.iinfo(np.int64).max
_EXACT_FLOAT = 2.0**53  # floats represent every integer up to this exactly


def _ids(table, j):
    """Ids of column ``j``: int64 when all are integers that fit, exact Python ints beyond,
    else the text (str objects); never a value changed on the way (no wrap-around, no
    rounding of ids that a parser read as floats)."""
    col = table.column(j)
    if col.dtype.kind == "i":
        return col.astype(np.int64, copy=False), _none()
    if col.dtype.kind == "u":
        if col.size == 0 or col.max() <= _INT64_MAX:
            return col.astype(np.int64), _none()
        return _text_ids(table.text(j)), _none()  # beyond int64: exact ints
    if col.dtype.kind == "f":
        bad = np.flatnonzero(np.isnan(col))
        if bad.size:
            return col, bad
        if np.all(np.abs(col) <= _EXACT_FLOAT) and np.all(col == np.floor(col)):
            return col.astype(np.int64), _none()
        return _text_ids(table.text(j)), _none()  # "1e19", "2.5": the text, exactly
    bad = _blank(col)
    if bad.size:
        return col, bad
    return _text_ids(col), _none()


def _text_ids(col):
    """Text ids: int64 if every one is a decimal integer that fits, exact Python ints if they
    are integers beyond int64, else the stripped text as str objects."""
    text = np.frompyfunc(str.strip, 1, 1)(col).astype(object) if col.size else col
    try:
        return text.astype(np.int64)
    except OverflowError:
        pass
    except ValueError:
        return text
    try:
        ints = [int(v) for v in text.tolist()]
    except ValueError:
        return text
    out = np.empty(len(ints), dtype=object)
    out[:] = ints
    return out


def _floats(col, pd):
    if col.dtype.kind in "iub":
        return col.astype(np.float64), _none()
    if col.dtype.kind != "f":
        if pd is not None:
            col = pd.to_numeric(col, errors="coerce")
            col = np.asarray(col, dtype=np.float64)
        else:
            try:
                col = col.astype(np.float64)
            except ValueError as exc:
                raise _Unknown(exc) from None
    return col, np.flatnonzero(~np.isfinite(col))


def _times(col, pd):
    if col.dtype.kind in "iu":
        return col.astype(np.int64, copy=False), _none()
    if col.dtype == object:  # text
        blank = _blank(col)
        if blank.size:
            return col, blank
        try:
            return col.astype(np.int64), _none()
        except (ValueError, OverflowError):
            pass
        try:
            col = col.astype(np.float64)
        except ValueError:
            try:
                stripped = [v.strip() for v in col.tolist()]
                return np.array(stripped, dtype="datetime64[s]").astype("datetime64[s]"), _none()
            except ValueError as exc:
                raise _Unknown(exc) from None
    bad = np.flatnonzero(~np.isfinite(col))
    if bad.size:
        return col, bad
    return np.floor(col).astype(np.int64), _none()


def _none():
    return np.empty(0, dtype=np.int64)


_CONVERT = {"rating": _floats, "timestamp": _times}
