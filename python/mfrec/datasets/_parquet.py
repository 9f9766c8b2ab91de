"""Interactions from a parquet file (pyarrow, the ``parquet`` extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..interactions import Interactions
from ._columns import LABELS, resolve_columns

__all__ = ["load_parquet"]


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("reading parquet files needs pyarrow: pip install mfrec[parquet]"
                          ) from exc
    return pa, pc, pq


def load_parquet(path: Path, *, columns=None, rating_scale=None, duplicates: str = "error"
                 ) -> Interactions:
    """See :func:`mfrec.datasets.load_file`; errors name the 1-based row instead of a line."""
    pa, pc, pq = _pyarrow()
    try:
        names = list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{path}: not a readable parquet file ({exc})") from exc
    roles = resolve_columns(columns, names, len(names), str(path))
    table = pq.read_table(path, columns=[names[p] for p in roles.values()])
    if table.num_rows == 0:
        raise ValueError(f"{path}: no rows")
    cols = {role: _column(table.column(names[pos]), role, names[pos], path, pa, pc)
            for role, pos in roles.items()}
    try:
        return Interactions(cols["user"], cols["item"], cols.get("rating"), cols.get("timestamp"),
                            rating_scale=rating_scale, duplicates=duplicates)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{path}: {exc}") from exc


def _column(col, role, name, path, pa, pc):
    label = LABELS[role]
    if col.null_count:
        first = pc.index(pc.is_null(col), True).as_py()
        raise ValueError(f"{path}, row {first + 1}: {label} is missing (null in column "
                         f"{name!r})")
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    t = col.type
    what = f"{path}: column {name!r} ({label}) has type {t}"
    if role == "rating":
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
            raise ValueError(f"{what}, not a number")
        values = np.asarray(col.to_numpy(), dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"{path}, row {bad[0] + 1}: rating {values[bad[0]]} is not finite")
        return values
    if role == "timestamp":
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return np.asarray(col.to_numpy()).astype("datetime64[s]")
        if not pa.types.is_integer(t):
            raise ValueError(f"{what}; timestamps must be integers or timestamps")
        return np.asarray(col.to_numpy(), dtype=np.int64)
    if pa.types.is_integer(t):
        return np.asarray(col.to_numpy(), dtype=np.int64)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return np.asarray(col.to_numpy(zero_copy_only=False)).astype(str)
    raise ValueError(f"{what}; ids must be integers or strings")
