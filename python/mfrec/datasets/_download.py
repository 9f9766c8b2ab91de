"""Archive downloads into the cache: fetch, MD5 check, extract, row-count check, atomic move.

Everything happens inside a temporary directory in the cache (``<cache>/.download-*``); only a
complete, verified folder is renamed into place with :func:`os.replace`, so an interrupted or
failed download leaves nothing behind and a present folder is always a complete one.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.request
import warnings
import zipfile
from pathlib import Path

from .._progress import progress
from ._cache import CorruptDownloadError, DatasetUnavailableError
from ._catalog import DatasetSpec, archive_url

__all__ = ["ensure_dataset", "download_dataset", "count_data_rows", "where_hint"]

_CHUNK = 1 << 20
# what a lost or refused connection raises (disk errors while writing are not among them)
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError,
                   TimeoutError)


def where_hint(spec: DatasetSpec, home: Path) -> str:
    """What to put where to use ``spec`` without downloading it."""
    return (f"to work offline, extract {spec.archive} so that {home / spec.folder / spec.ratings} "
            f"exists, or set MFREC_DATA to a directory that holds '{spec.folder}/'")


def ensure_dataset(spec: DatasetSpec, home: Path, *, download: bool = True,
                   verbose: bool = True, timeout: float = 30.0) -> Path:
    """The folder of ``spec`` in the cache ``home``, downloaded first when missing.

    Raises
    ------
    DatasetUnavailableError
        Missing and ``download`` is False, or the download failed (offline, HTTP error).
    CorruptDownloadError
        The download failed a check; nothing was kept.
    """
    folder = home / spec.folder
    if (folder / spec.ratings).is_file():
        return folder
    if not download:
        raise DatasetUnavailableError(
            f"{folder / spec.ratings} not found and download=False; {where_hint(spec, home)}")
    return download_dataset(spec, home, verbose=verbose, timeout=timeout)


def download_dataset(spec: DatasetSpec, home: Path, *, url: str | None = None,
                     verbose: bool = True, timeout: float = 30.0, replace: bool = False) -> Path:
    """Download ``spec``'s archive into the cache ``home`` and return its folder.

    Parameters
    ----------
    spec : DatasetSpec
        The data set.
    home : Path
        The cache directory (created when missing).
    url : str, optional
        The archive's URL; default :func:`archive_url` (``$MFREC_DOWNLOAD_URL`` or GroupLens).
    verbose : bool, default True
        Show a progress bar (tqdm, the ``progress`` extra; silent without it).
    timeout : float, default 30
        Seconds to wait for the server to answer.
    replace : bool, default False
        Replace a folder already in the cache (once the new copy passed its checks).

    Returns
    -------
    Path
        ``home / spec.folder``.

    Warns
    -----
    UserWarning
        When no MD5 sum is published beside the archive (``<url>.md5``): it is then used
        without a checksum check.
    """
    url = url or archive_url(spec)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetUnavailableError(
            f"cannot create the cache directory {home} ({exc}); set MFREC_DATA to a writable "
            "directory") from exc
    with tempfile.TemporaryDirectory(dir=home, prefix=".download-") as tmp:
        archive = Path(tmp) / spec.archive
        _fetch(url, archive, spec, home, verbose=verbose, timeout=timeout)
        _verify_md5(url, archive, timeout=timeout)
        src = _extract(archive, Path(tmp) / "extract", spec, url)
        archive.unlink()
        _check_rows(src / spec.ratings, spec, url)
        if replace and (home / spec.folder).exists():
            os.replace(home / spec.folder, Path(tmp) / "old")  # deleted with tmp
        _place(src, home / spec.folder, spec)
    return home / spec.folder


def _fetch(url, dest, spec, home, *, verbose, timeout):
    """Stream ``url`` into ``dest`` with a Content-Length based progress bar."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as f:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            got = 0
            with progress(total, spec.archive, enabled=verbose, unit="B", unit_scale=True) as bar:
                while chunk := resp.read(_CHUNK):
                    f.write(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise DatasetUnavailableError(
            f"could not download {url}: HTTP {exc.code} {exc.reason}; "
            f"{where_hint(spec, home)}") from exc
    except _NETWORK_ERRORS as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DatasetUnavailableError(
            f"could not download {url} ({reason}); are you offline? {where_hint(spec, home)}"
        ) from exc
    if total is not None and got != total:
        raise DatasetUnavailableError(
            f"could not download {url}: got {got} of {total} bytes; {where_hint(spec, home)}")


def _verify_md5(url, archive, *, timeout):
    """Compare the archive's MD5 with the sum GroupLens publishes at ``<url>.md5``."""
    md5_url = url + ".md5"
    try:
        with urllib.request.urlopen(md5_url, timeout=timeout) as resp:
            text = resp.read(4096).decode("ascii", "replace")
    except urllib.error.HTTPError as exc:
        warnings.warn(f"no checksum published for {url} ({md5_url}: HTTP {exc.code}); "
                      "the archive is used without a checksum check", UserWarning, stacklevel=4)
        return
    except _NETWORK_ERRORS as exc:
        warnings.warn(f"could not fetch the checksum {md5_url} ({exc}); the archive is used "
                      "without a checksum check", UserWarning, stacklevel=4)
        return
    found = re.search(r"\b[0-9a-fA-F]{32}\b", text)
    if found is None:
        warnings.warn(f"{md5_url} holds no MD5 sum; the archive is used without a checksum "
                      "check", UserWarning, stacklevel=4)
        return
    expected = found.group(0).lower()
    actual = _md5(archive)
    if actual != expected:
        archive.unlink()
        raise CorruptDownloadError(
            f"checksum mismatch for {url}: expected MD5 {expected} (from {md5_url}), got "
            f"{actual}; the download was deleted, retry or check the mirror")


def _md5(path):
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _extract(archive, dest, spec, url):
    try:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)  # zipfile drops absolute paths and '..' components
    except (zipfile.BadZipFile, EOFError) as exc:
        raise CorruptDownloadError(f"{url} is not a valid zip archive ({exc})") from exc
    src = dest / spec.archive_folder if spec.archive_folder else dest
    if not (src / spec.ratings).is_file():
        inner = f"{spec.archive_folder}/{spec.ratings}" if spec.archive_folder else spec.ratings
        raise CorruptDownloadError(f"{url}: the archive has no {inner}")
    return src


def count_data_rows(path: Path, *, header: bool) -> int:
    """Number of lines of ``path`` (a last line without newline counts), minus the header.

    Counts newline bytes chunk by chunk: about a second per GB.
    """
    n = 0
    last = b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        n += 1
    return max(n - int(header), 0)


def _check_rows(path, spec, url):
    if spec.n_rows is None:
        return
    n = count_data_rows(path, header=spec.header)
    if n != spec.n_rows:
        raise CorruptDownloadError(
            f"{url}: {spec.ratings} has {n:,} rows, expected {spec.n_rows:,} for {spec.name}; "
            "the download was deleted")


def _place(src, dest, spec):
    try:
        os.replace(src, dest)
    except OSError as exc:
        if (dest / spec.ratings).is_file():  # another process finished first: that is fine
            return
        raise DatasetUnavailableError(
            f"cannot move the download into {dest} ({exc}); that folder exists without "
            f"{spec.ratings}: remove it and retry") from exc
