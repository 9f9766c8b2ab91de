"""The data cache (``MFREC_DATA``, default ``~/.cache/mfrec``) and the data set errors."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_home", "resolve_home", "DatasetUnavailableError", "CorruptDownloadError"]


class DatasetUnavailableError(OSError):
    """A data set is neither in the cache nor downloadable (e.g. offline)."""


class CorruptDownloadError(DatasetUnavailableError):
    """A downloaded archive failed a check (checksum, zip, expected files or row count).

    Nothing of the download is kept in the cache.
    """


def data_home() -> Path:
    """The cache directory: ``$MFREC_DATA`` or ``~/.cache/mfrec``.

    Returns
    -------
    Path
        The directory (it may not exist yet).
    """
    return Path(os.environ.get("MFREC_DATA") or Path.home() / ".cache" / "mfrec").expanduser()


def resolve_home(home: str | os.PathLike | None) -> Path:
    """``home`` as a Path, or :func:`data_home` when it is None."""
    return Path(home).expanduser() if home is not None else data_home()
