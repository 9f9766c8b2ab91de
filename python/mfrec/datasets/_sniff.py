"""Reading the first lines of a delimited file: separator and header detection, line splitting.

The separator is one of :data:`CANDIDATES` (or any string the caller gives); whitespace is
spelled :data:`WHITESPACE` (``r"\\s+"``, as pandas does). Single-character separators honour
``"``-quoted fields (a title with commas); multi-character ones (``::``) split plainly.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

__all__ = ["WHITESPACE", "CANDIDATES", "normalize_sep", "sep_name", "split_line", "is_blank",
           "is_number", "head_lines", "detect_sep", "detect_header", "normalize_name"]

WHITESPACE = r"\s+"
CANDIDATES = ("::", "\t", ",", ";", "|", WHITESPACE)  # ties go to the earlier one
_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "'|'", "::": "'::'",
          WHITESPACE: "whitespace"}
_HEAD_BYTES = 1 << 16
_HEAD_LINES = 50


def normalize_sep(sep: str | None) -> str | None:
    """``sep`` as used internally: None (detect), WHITESPACE, or the literal separator."""
    if sep is None:
        return None
    if not isinstance(sep, str) or sep == "":
        raise ValueError(f"sep must be a non-empty string or None, got {sep!r}")
    if sep in (" ", WHITESPACE, "whitespace") or sep.isspace() and sep != "\t":
        return WHITESPACE
    if "\n" in sep or "\r" in sep or '"' in sep:
        raise ValueError(f"sep cannot contain newlines or quotes, got {sep!r}")
    return sep


def sep_name(sep: str) -> str:
    """A readable name for error messages (``"tab"``, ``"comma"``, ``"'::'"``)."""
    return _NAMES.get(sep, repr(sep))


def split_line(line: str, sep: str) -> list[str]:
    """The fields of one line (without its line ending)."""
    if sep == WHITESPACE:
        return line.split()
    if len(sep) == 1:
        return next(csv.reader([line], delimiter=sep, quotechar='"'), [])
    return line.split(sep)


def is_blank(line: str, sep: str | None) -> bool:
    """Blank lines are skipped: only whitespace, and no separator (pandas' rule)."""
    return not line.strip() and (sep is None or sep == WHITESPACE or sep not in line)


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def head_lines(path: Path, encoding: str) -> list[tuple[int, str]]:
    """Up to 50 (1-based line number, text) pairs of the first lines, blank lines skipped."""
    with open(path, "rb") as f:
        raw = f.read(_HEAD_BYTES)
        more = bool(f.read(1))
    text = raw.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    if more and lines:
        lines = lines[:-1]  # the last one may be cut short
    out = [(n, s) for n, s in enumerate(lines, 1) if not is_blank(s, None)]
    return out[:_HEAD_LINES]


def detect_sep(lines: list[tuple[int, str]], path: Path) -> str:
    """The candidate that splits most of ``lines`` into the same number (>= 2) of fields."""
    best, best_score = None, 0
    for sep in CANDIDATES:
        counts = [len(split_line(s, sep)) for _, s in lines]
        common = Counter(c for c in counts if c >= 2).most_common(1)
        score = common[0][1] if common else 0
        if score > best_score:
            best, best_score = sep, score
    if best is None:
        first = lines[0][0] if lines else 1
        tried = ", ".join(sep_name(s) for s in CANDIDATES)
        raise ValueError(f"{path}, line {first}: cannot detect the separator (no line splits "
                         f"into 2 or more fields by {tried}); pass sep=")
    return best


def detect_header(lines: list[tuple[int, str]], sep: str, aliases: dict[str, set[str]]) -> bool:
    """Whether the first line is a header.

    Yes when two or more of its fields are known column names (``userId``, ``rating``, ...),
    or when a field that is a number on the next line is not a number on the first (a
    single-line file: when none of its fields is a number).
    """
    first = split_line(lines[0][1], sep)
    known = set().union(*aliases.values())
    if sum(normalize_name(f) in known for f in first) >= 2:
        return True
    if len(lines) == 1:
        return not any(is_number(f) for f in first)
    second = split_line(lines[1][1], sep)
    return any(not is_number(a) and is_number(b) for a, b in zip(first, second))


def normalize_name(name: str) -> str:
    """Lower case, letters and digits only: ``"User_ID"`` -> ``"userid"``."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())
