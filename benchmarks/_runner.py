"""Running one benchmark (task, model, data set) in a fresh child process.

The parent (``compare.py``) never fits anything itself: each (task, model, data set) runs in
``python compare.py --worker TASK MODEL DATASET``, which prints one JSON record on its last
stdout line. A fresh process per model makes its peak resident set (``VmHWM``) its own, and a
crash, a leak or a timeout stays confined to that one row.

Record keys common to every task (see ``compare.py`` for the per-task ones): ``task``,
``dataset``, ``model``, ``library``, ``threads``, ``peak_rss_mb``, ``settings`` and ``status``:
``"ok"``, ``"skipped (not installed)"``, ``"skipped (infeasible)"`` (or the model's own
``Spec.skipped_as``, e.g. ``"skipped (not tuned there)"``) or ``"failed: <reason>"``.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

COMPARE = Path(__file__).resolve().with_name("compare.py")
OK = "ok"
NOT_INSTALLED = "skipped (not installed)"
INFEASIBLE = "skipped (infeasible)"


@dataclass(frozen=True)
class Spec:
    """One model of a task: who makes it, how it is set up, where it cannot run.

    Parameters
    ----------
    library : str
        The library the row measures (``"mfrec"``, ``"surprise"``, ``"implicit"``, ``"libmf"``).
    settings : str
        The parameters, in words, for the report.
    module : str or None
        The importable module the model needs (None for mfrec itself).
    infeasible : frozenset of str
        Data sets on which the model is reported ``skipped_as`` instead of run.
    max_repeats : int or None
        Upper bound on the number of timed fits (slow peers: 1).
    single_threaded : bool
        The library has no thread setting; its rows report 1 thread.
    skipped_as : str
        The status of the rows on the ``infeasible`` data sets.
    """

    library: str
    settings: str
    module: str | None = None
    infeasible: frozenset = field(default_factory=frozenset)
    max_repeats: int | None = None
    single_threaded: bool = False
    skipped_as: str = INFEASIBLE


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB.

    Linux: ``VmHWM`` from /proc/self/status (reset by ``exec``, unlike ``ru_maxrss``, which a
    child inherits from the parent that forked it). Elsewhere: ``ru_maxrss``.

    Returns
    -------
    float
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def base_record(task: str, dataset: str, model: str, spec: Spec, threads: int,
                status: str = OK) -> dict:
    """The keys every record has; numbers are filled in by the task (None when not run).

    Parameters
    ----------
    task, dataset, model : str
    spec : Spec
    threads : int
        The thread budget given to every library (1 is recorded for single-threaded ones).
    status : str

    Returns
    -------
    dict
    """
    return {"task": task, "dataset": dataset, "model": model, "library": spec.library,
            "threads": 1 if spec.single_threaded else threads, "peak_rss_mb": None,
            "status": status, "settings": spec.settings}


def why_not_run(spec: Spec, dataset: str) -> str | None:
    """``None`` when the model can run on ``dataset``, else its skipped status.

    Parameters
    ----------
    spec : Spec
    dataset : str

    Returns
    -------
    str or None
    """
    if spec.module and importlib.util.find_spec(spec.module) is None:
        return NOT_INSTALLED
    if dataset in spec.infeasible:
        return spec.skipped_as
    return None


def run_child(task: str, model: str, dataset: str, *, spec: Spec, threads: int, repeats: int,
              timeout: float) -> dict:
    """Run one (task, model, data set) in a fresh interpreter and return its record.

    Parameters
    ----------
    task, model, dataset : str
    spec : Spec
    threads, repeats : int
    timeout : float
        Seconds before the child is killed and the row reported ``failed: timed out``.

    Returns
    -------
    dict
        The child's record, or a record whose ``status`` says why there is none.
    """
    cmd = [sys.executable, str(COMPARE), "--worker", task, model, dataset,
           "--threads", str(threads), "--repeats", str(repeats)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return base_record(task, dataset, model, spec, threads,
                           f"failed: timed out after {timeout:.0f} s")
    if out.returncode != 0:
        lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
        why = lines[-1].strip() if lines else f"exit status {out.returncode}"
        if out.returncode < 0:
            why = f"killed by signal {-out.returncode}" + (f" ({why})" if lines else "")
        return base_record(task, dataset, model, spec, threads, f"failed: {why}")
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return base_record(task, dataset, model, spec, threads,
                           "failed: the worker printed no JSON record")
