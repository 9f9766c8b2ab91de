"""``load_file``: interactions from any delimited text file or parquet file."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..interactions import Interactions
from ._columns import ALIASES, resolve_columns
from ._parquet import load_parquet
from ._sniff import detect_header, detect_sep, head_lines, normalize_sep, sep_name, split_line
from ._table import read_table

__all__ = ["load_file"]

PARQUET_SUFFIXES = (".parquet", ".pq")


def load_file(path: str | os.PathLike, *, sep: str | None = None,
              columns: Mapping[str, str | int] | Sequence[str | int] | None = None,
              rating_scale: tuple[float, float] | None = None, header: bool | None = None,
              duplicates: str = "error", encoding: str = "utf-8") -> Interactions:
    """Load interactions from a delimited text file (CSV, TSV, ``::``, ...) or a parquet file.

    Parameters
    ----------
    path : str or path-like
        The file. A ``.parquet`` / ``.pq`` suffix reads parquet (needs pyarrow, the
        ``parquet`` extra); anything else is read as delimited text.
    sep : str, optional
        Field separator. None detects it from the first 50 lines among tab, comma, ``::``,
        ``|``, ``;`` and whitespace (the one that splits most lines into the same number of
        fields). ``" "`` or ``r"\\s+"`` mean runs of whitespace. Fields in ``"`` quotes may
        contain the separator (single-character separators).
    columns : dict or sequence, optional
        Which columns are the user, item, rating and timestamp: a dict such as
        ``{"user": "userId", "item": "movieId", "rating": "rating"}`` or a sequence of 2 to
        4 entries in the order user, item[, rating[, timestamp]]. An entry is a column name
        (files with a header) or a 0-based position (any file). Without ``rating`` the data
        is implicit (every value 1). Default: with a header, the columns named like
        ``user``/``userId``/``user_id``, ``item``/``itemId``/``movieId``/``artistID``,
        ``rating``/``score``/``weight``/``count`` and ``timestamp``/``time``/``date``
        (case and ``_`` ignored); without a header, positions 0, 1, 2, 3 (columns after the
        fourth are ignored; a file of 2 columns is implicit, of 3 has no timestamps).
    rating_scale : tuple (lo, hi), optional
        Declared scale; default (min, max) of the ratings.
    header : bool, optional
        Whether the first line names the columns. None detects it: yes when two of its
        fields are known names (above), or when a field is not a number while the field
        below it is.
    duplicates : {"error", "sum", "last", "mean"}, default "error"
        What to do with repeated (user, item) pairs (see :class:`~mfrec.Interactions`).
    encoding : str, default "utf-8"
        Text encoding (e.g. ``"latin-1"``).

    Returns
    -------
    Interactions
        Ids are int64 when every id of a column is an integer, else strings. Timestamps are
        Unix seconds: integers (fractional seconds are truncated) or ISO 8601 dates.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        A bad file, with the file, the 1-based line (row, for parquet) and the problem:
        ``"ratings.csv, line 17: rating 'abc' is not a number"``; also for empty files, rows
        with too few or too many fields (mixed separators), NaN or empty ratings, empty ids,
        unknown column names, and duplicate pairs under ``duplicates="error"``.
    ImportError
        A parquet file without pyarrow installed.

    Notes
    -----
    Parsing is vectorized: pandas' C parser when pandas is installed (the ``pandas`` extra),
    else ``numpy.loadtxt`` (slower, and it holds string ids as fixed-width text). Only when
    something is wrong are the lines walked one by one, to name the first bad one. For
    parquet files ``sep``, ``header`` and ``encoding`` do not apply.

    Examples
    --------
    >>> data = load_file("ratings.csv")                                  # doctest: +SKIP
    >>> data = load_file("u.data", columns=["user", "item", "rating"])  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return load_parquet(path, columns=columns, rating_scale=rating_scale,
                            duplicates=duplicates)
    sep = normalize_sep(sep)
    lines = head_lines(path, encoding)
    if not lines:
        raise ValueError(f"{path}, line 1: the file is empty")
    if sep is None:
        sep = detect_sep(lines, path)
    first_line, first = lines[0]
    fields = split_line(first, sep)
    if len(fields) < 2:
        raise ValueError(f"{path}, line {first_line}: a single field when split by "
                         f"{sep_name(sep)}; need at least user and item columns (sep=?)")
    if header is None:
        header = detect_header(lines, sep, ALIASES)
    names = [f.strip() for f in fields] if header else None
    where = f"{path}, line {first_line}" if header else str(path)
    roles = resolve_columns(columns, names, len(fields), where)
    skip = first_line if header else first_line - 1
    cols = read_table(path, sep=sep, skip=skip, n_fields=len(fields), roles=roles,
                      encoding=encoding)
    return _interactions(path, cols, rating_scale, duplicates)


def _interactions(path, cols, rating_scale, duplicates):
    try:
        return Interactions(cols["user"], cols["item"], cols.get("rating"), cols.get("timestamp"),
                            rating_scale=rating_scale, duplicates=duplicates)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{path}: {exc}") from exc
