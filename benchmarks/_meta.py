"""What a benchmark run records about its machine and checkout: the CPU's name, the versions
of installed packages, the git revision.

Shared by compare.py and the stand-alone scripts; they import it as ``_meta`` (benchmarks/ is
on ``sys.path`` when a script in it runs, and scripts elsewhere put it there).
"""

from __future__ import annotations

import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo.

    Returns
    -------
    str
        Where /proc/cpuinfo names none (not Linux, some ARM kernels): ``platform.processor()``,
        else ``platform.machine()``.
    """
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def dist_version(name: str) -> str | None:
    """The installed version of distribution ``name``, None when it is not installed.

    Parameters
    ----------
    name : str
        The distribution's name (``"implicit"``, ``"scikit-surprise"``, ...).

    Returns
    -------
    str or None
    """
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def git_state() -> str:
    """The checkout's short HEAD commit, followed by ``", uncommitted changes in python/ or
    cpp/: <git status --short>"`` when ``git status`` lists any; ``"?"`` without git.

    Returns
    -------
    str
    """
    try:
        head = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE.parent), "status", "--short", "--", "python",
                                "cpp"], capture_output=True, text=True).stdout.strip()
    except OSError:
        head, dirty = "?", ""
    return head + (f", uncommitted changes in python/ or cpp/: {' '.join(dirty.split())}"
                   if dirty else "")
