"""Side files (movie titles, artist names, user info): text reading and alignment to id maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["read_text", "align"]


def read_text(path: Path, encoding: str = "utf-8") -> list[str]:
    """The lines of ``path`` (without line endings); bytes that are not ``encoding`` fall
    back to latin-1 for the whole file, so odd files still load."""
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.lstrip("\ufeff").splitlines()


def align(ids: np.ndarray, known_ids: list[int], columns: dict[str, list], defaults: dict
          ) -> dict[str, np.ndarray]:
    """Per-id metadata columns in the order of ``ids``.

    Parameters
    ----------
    ids : ndarray of shape (n,)
        Raw ids in inner-id order (e.g. ``Interactions.item_ids``).
    known_ids : list of int, length m
        Ids that the side file describes (repeats: the last line wins).
    columns : dict of str -> list of length m
        Values per known id.
    defaults : dict of str -> value
        Value of each column for ids the side file does not describe (a callable gets the
        raw id, e.g. ``str`` for titles).

    Returns
    -------
    dict of str -> ndarray of shape (n,)
        Object arrays, or int64 when every value is an int.
    """
    index = {k: j for j, k in enumerate(known_ids)}
    rows = [index.get(i, -1) for i in ids.tolist()]
    out = {}
    for name, values in columns.items():
        default = defaults[name]
        col = np.empty(len(rows), dtype=object)
        for j, (raw, r) in enumerate(zip(ids.tolist(), rows)):
            col[j] = values[r] if r >= 0 else (default(raw) if callable(default) else default)
        if len(col) and all(isinstance(v, int) for v in col):
            col = col.astype(np.int64)
        out[name] = col
    return out
