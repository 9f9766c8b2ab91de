"""``Reader``: how a ratings file's lines are laid out (Surprise's class, same arguments)."""

from __future__ import annotations

from .builtin_datasets import BUILTIN_DATASETS

__all__ = ["Reader"]


class Reader:
    """The layout of a ratings file: one rating per line, fields split by ``sep``.

    Parameters
    ----------
    name : str, optional
        ``"ml-100k"``, ``"ml-1m"`` or ``"jester"``: the reader of that built-in data set (the
        other arguments are then ignored).
    line_format : str, default "user item rating"
        The field names in file order, space-separated: ``user``, ``item``, ``rating`` and
        optionally ``timestamp``.
    sep : str, optional
        Field separator (None: any whitespace).
    rating_scale : tuple, default (1, 5)
    skip_lines : int, default 0
        Lines to skip at the top of the file.
    """

    def __init__(self, name=None, line_format="user item rating", sep=None,
                 rating_scale=(1, 5), skip_lines=0):
        if name:
            if name not in BUILTIN_DATASETS:
                raise ValueError(f"unknown reader {name}. Accepted values are "
                                 + ", ".join(BUILTIN_DATASETS.keys()) + ".")
            self.__init__(**BUILTIN_DATASETS[name].reader_params)
            return
        self.sep = sep
        self.skip_lines = skip_lines
        self.rating_scale = rating_scale
        fields = line_format.split()
        entities = ["user", "item", "rating"]
        self.with_timestamp = "timestamp" in fields
        if self.with_timestamp:
            entities.append("timestamp")
        if any(f not in entities for f in fields) or any(e not in fields for e in entities):
            raise ValueError("line_format parameter is incorrect.")
        self.indexes = [fields.index(e) for e in entities]

    def parse_line(self, line):
        """``(user, item, rating, timestamp)`` of one line: ids as stripped strings, the
        rating as a float, the timestamp None without a timestamp field."""
        parts = line.split(self.sep)
        try:
            values = [parts[i].strip() for i in self.indexes]
        except IndexError:
            raise ValueError("Impossible to parse line. Check the line_format and sep "
                             "parameters.") from None
        uid, iid, r = values[:3]
        return uid, iid, float(r), (values[3] if self.with_timestamp else None)
