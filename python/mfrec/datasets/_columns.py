"""Which columns of a file are the user, item, rating and timestamp (``columns=``)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from ._sniff import normalize_name

__all__ = ["ROLES", "LABELS", "ALIASES", "resolve_columns"]

ROLES = ("user", "item", "rating", "timestamp")
LABELS = {"user": "user id", "item": "item id", "rating": "rating", "timestamp": "timestamp"}
# header names recognised without columns= (compared after normalize_name: "User_ID" -> "userid")
ALIASES = {
    "user": {"user", "userid", "uid", "users", "customer", "customerid"},
    "item": {"item", "itemid", "iid", "items", "movie", "movieid", "artist", "artistid",
             "product", "productid", "book", "bookid", "track", "trackid", "song", "songid"},
    "rating": {"rating", "ratings", "score", "weight", "value", "count", "plays", "playcount",
               "stars", "preference"},
    "timestamp": {"timestamp", "time", "ts", "date", "datetime", "unixtime"},
}


def resolve_columns(columns, names: list[str] | None, n_fields: int, where: str
                    ) -> dict[str, int]:
    """Role -> 0-based column position.

    Parameters
    ----------
    columns : None, dict or sequence
        See :func:`mfrec.datasets.load_file`.
    names : list of str or None
        Header names, None when the file has no header.
    n_fields : int
        Number of columns of the file.
    where : str
        Prefix of error messages (the file, and the header's line).
    """
    if columns is None:
        return _from_header(names, where) if names is not None else _by_position(n_fields)
    if isinstance(columns, dict):
        mapping = dict(columns)
    elif isinstance(columns, Sequence) and not isinstance(columns, str):
        if not 2 <= len(columns) <= 4:
            raise ValueError(f"columns must list 2 to 4 columns (user, item[, rating[, "
                             f"timestamp]]), got {list(columns)}")
        mapping = dict(zip(ROLES, columns))
    else:
        raise TypeError(f"columns must be a dict, a sequence or None, got {columns!r}")
    unknown = sorted(set(mapping) - set(ROLES))
    if unknown:
        raise ValueError(f"columns: unknown keys {unknown}; expected some of {list(ROLES)}")
    for role in ("user", "item"):
        if mapping.get(role) is None:
            raise ValueError(f"columns must say which column is the {role} ('{role}': <name "
                             "or position>)")
    out = {r: _position(c, r, names, n_fields, where) for r, c in mapping.items() if c is not None}
    if len(set(out.values())) != len(out):
        raise ValueError(f"columns: two roles share a column: {mapping}")
    return out


def _position(col, role, names, n_fields, where):
    if isinstance(col, numbers.Integral) and not isinstance(col, bool):
        if not 0 <= col < n_fields:
            raise ValueError(f"{where}: columns['{role}'] = {col} is out of range: the file has "
                             f"{n_fields} columns (positions 0..{n_fields - 1})")
        return int(col)
    if not isinstance(col, str):
        raise TypeError(f"columns['{role}'] must be a column name or a 0-based position, "
                        f"got {col!r}")
    if names is None:
        raise ValueError(f"{where}: columns['{role}'] = {col!r} is a name but the file has no "
                         "header; give 0-based positions, or header=True")
    if col not in names:
        raise ValueError(f"{where}: no column {col!r} (for {role}); the header has {names}")
    return names.index(col)


def _from_header(names, where):
    norm = [normalize_name(n) for n in names]
    out = {}
    for role in ROLES:
        hits = [j for j, n in enumerate(norm) if n in ALIASES[role] and j not in out.values()]
        if hits:
            out[role] = hits[0]
    hint = ("pass columns={'user': <name>, 'item': <name>, 'rating': <name>} (names or "
            "0-based positions)")
    for role in ("user", "item"):
        if role not in out:
            raise ValueError(f"{where}: cannot tell which column is the {role} from the header "
                             f"{names}; {hint}")
    if "rating" not in out and len(names) > len(out):
        raise ValueError(f"{where}: cannot tell which column is the rating from the header "
                         f"{names}; {hint}, or leave 'rating' out of columns= for implicit data")
    return out


def _by_position(n_fields):
    return dict(zip(ROLES, range(min(n_fields, 4))))
