"""Plain-text tables for the terminal (and CSV/JSON for scripts)."""

from __future__ import annotations

import csv
import io
import json
import math

__all__ = ["render"]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return str(value)


def render(headers: list[str], rows: list[list], fmt: str = "table") -> str:
    """``rows`` under ``headers`` as an aligned table, CSV or JSON (a list of objects)."""
    if fmt == "json":
        return json.dumps([dict(zip(headers, row)) for row in rows], indent=1, default=str)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        return buf.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[j]) for r in cells]) for j, h in enumerate(headers)]
    numeric = [all(_is_number(r[j]) for r in cells if r[j]) and bool(cells)
               for j in range(len(headers))]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
