"""The data cache (``MFREC_DATA``, default ``~/.cache/mfrec``) and archive downloads."""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

__all__ = ["data_home", "DatasetUnavailableError", "download_and_extract"]


class DatasetUnavailableError(OSError):
    """A data set is neither in the cache nor downloadable (e.g. offline)."""


def data_home() -> Path:
    """The cache directory: ``$MFREC_DATA`` or ``~/.cache/mfrec``."""
    return Path(os.environ.get("MFREC_DATA") or Path.home() / ".cache" / "mfrec").expanduser()


def download_and_extract(url: str, folder: str, cache: Path, *, timeout: float = 30.0) -> Path:
    """Download the zip at ``url`` and move its ``folder`` into ``cache`` atomically.

    The archive is fetched and extracted inside a temporary directory in ``cache``; only a
    complete folder is renamed into place, so an interrupted download leaves no partial data.
    """
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
        archive = Path(tmp) / "archive.zip"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp, open(archive, "wb") as f:
                shutil.copyfileobj(resp, f, length=1 << 20)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise DatasetUnavailableError(
                f"could not download {url} ({exc}); put the extracted '{folder}' folder in "
                f"{cache} or point MFREC_DATA at a directory that has it"
            ) from exc
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
        except zipfile.BadZipFile as exc:
            raise DatasetUnavailableError(f"{url} did not give a valid zip archive") from exc
        src = Path(tmp) / folder
        if not src.is_dir():
            raise DatasetUnavailableError(f"{url}: the archive has no '{folder}' folder")
        dest = cache / folder
        try:
            os.replace(src, dest)
        except OSError:
            if not dest.is_dir():  # another process may have won the race: that is fine
                raise
    return cache / folder
