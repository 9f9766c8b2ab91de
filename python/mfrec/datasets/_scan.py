"""The slow path of delimited reading: find the first bad line and say what is wrong with it.

The fast readers (pandas or numpy) parse a whole file at once; when they fail, or a value
turns out bad (a NaN rating, an empty id), this module walks the lines to name the file's
first bad line, 1-based, and the problem. Given the indices of suspect data rows it only
parses those lines (the rest is counted, not split), so locating a bad value stays cheap.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ._columns import LABELS
from ._sniff import CANDIDATES, is_blank, sep_name, split_line

__all__ = ["find_problem"]


def find_problem(path: Path, *, sep: str, encoding: str, skip: int, n_fields: int,
                 roles: dict[str, int], rows=None) -> str | None:
    """``"line N: <problem>"`` for the first bad line, or None when every line is fine.

    Parameters
    ----------
    path : Path
        The file.
    sep, encoding : str
        How to split and decode it.
    skip : int
        Number of leading lines that are not data (the header and anything above it).
    n_fields : int
        Number of fields every data line must have.
    roles : dict of str -> int
        Column position of ``"user"``, ``"item"``, ``"rating"``, ``"timestamp"`` (a subset).
    rows : array-like of int, optional
        0-based indices of the data rows to check (blank lines do not count); all when None.
    """
    todo = None if rows is None else iter(np.unique(np.asarray(rows, dtype=np.int64)).tolist())
    target = None if todo is None else next(todo, None)
    if todo is not None and target is None:
        return None
    row = -1
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            if lineno <= skip:
                continue
            try:
                line = raw.decode(encoding).rstrip("\r\n")
            except UnicodeDecodeError as exc:
                return (f"line {lineno}: not valid {encoding} text ({exc.reason} at byte "
                        f"{exc.start + 1}); pass encoding=")
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if is_blank(line, sep):
                continue
            row += 1
            if target is not None and row != target:
                continue
            problem = _check_line(line, sep, n_fields, roles)
            if problem:
                return f"line {lineno}: {problem}"
            if todo is not None:
                target = next(todo, None)
                if target is None:
                    return None
    return None


def _check_line(line, sep, n_fields, roles):
    fields = split_line(line, sep)
    if len(fields) != n_fields:
        msg = f"expected {n_fields} fields separated by {sep_name(sep)}, found {len(fields)}"
        if len(sep) == 1 and line.count('"') % 2:
            return f"{msg}; an unbalanced \" quote"
        for other in CANDIDATES:
            if other != sep and len(split_line(line, other)) == n_fields:
                return f"{msg}; mixed separators? this line splits by {sep_name(other)}"
        return msg
    for role, pos in roles.items():
        problem = _check_value(fields[pos], role)
        if problem:
            return problem
    return None


def _check_value(text, role):
    label = LABELS[role]
    if not text.strip():
        return f"{label} is empty"
    if role == "rating":
        try:
            value = float(text)
        except ValueError:
            return f"rating {text!r} is not a number"
        if math.isnan(value):
            return f"rating is NaN ({text!r})"
        if math.isinf(value):
            return f"rating {text!r} is not finite"
    elif role == "timestamp":
        return _check_time(text)
    return None


def _check_time(text):
    try:
        int(text)
        return None
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        try:
            np.datetime64(text.strip(), "s")
        except ValueError:
            return f"timestamp {text!r} is neither a number nor an ISO 8601 date"
        return None
    if not math.isfinite(value):
        return f"timestamp {text!r} is not finite"
    return None
