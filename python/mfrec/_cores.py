"""How many threads a kernel call gets.

A positive ``n_threads`` is exact: every parallel kernel runs on that many threads. With
``n_threads=None`` (or −1, −2: "all", "all but one") the count is the most the call can use
well, decided per call:

- **work**: a call's work is an estimate of its one-thread time in nanoseconds
  (``work_ns(kind, count)``: the kernel's natural count, e.g. ratings or multiply-adds, times
  its measured cost per unit, ``COST_NS``). Below ``WORK_PER_THREAD`` a second thread costs
  more in start-up and barrier waits than it saves, so small calls run on one thread, and a
  call gets one thread per ``WORK_PER_THREAD`` at most (measured: see the constants);
- **load**: never more threads than cores that are free right now. On Linux the number of
  runnable tasks of the whole machine (``/proc/loadavg``) minus this process's own running
  threads tells how many cores other programs are using; a thread that has to share its core
  with them holds up every barrier of the kernel for whole scheduler time slices (a one-core
  busy loop made a default-thread Baseline fit 12 times slower than one thread), so those
  cores are left to them. The count is read once per fit (``LocalEngine``) and at most every
  0.2 s for queries. Elsewhere all usable cores are taken as free.

Nothing process-wide is changed: OpenMP's settings stay the user's; each region asks for its
own ``num_threads``.

Why waiting threads are kept off busy cores rather than told to yield: a thread that waits at
a barrier spins before it sleeps, and the runtimes offer no per-region or per-call control of
that. libgomp (GCC, the Linux wheels) reads its spin count once, at load, from
``OMP_WAIT_POLICY`` / ``GOMP_SPINCOUNT`` (300,000 spins by default, only 100 when a team has
more threads than the CPUs of the affinity mask, which never counts other programs' load);
libomp's ``kmp_set_blocktime`` is per calling thread but libomp-only. Changing either would
change the user's other OpenMP code too. So the count itself avoids the spinning: with at
most one thread per free core, no thread of ours waits on a core another program holds.
Regions are also kept few: Baseline's sweep is one region per epoch, SGD's epochs one region
per fit (``block_epochs``).
"""

from __future__ import annotations

import os
import threading
import time

from ._validation import usable_cores

__all__ = ["COST_NS", "WORK_PER_THREAD", "free_cores", "threads_for", "work_ns"]

# One core's time per unit of each kernel's natural count, in ns, from the one-thread times
# of benchmarks/thread_work.py (benchmarks/results/thread_work.txt; Intel Xeon, AVX-512
# kernels; the AVX2 and generic kernels are slower per unit, which only makes the estimate
# cautious: fewer threads for borderline calls).
COST_NS = {
    "pair": 0.17,    # predict_pairs: per pair × (k + 4)
    "topn": 0.03,    # fused top-N / similar: per query × candidate × k
    "bias": 2.0,     # Baseline: per rating per sweep (both halves)
    "als": 0.1,      # ALS half-sweep: per unit of LocalEngine.solve_rows' count
    "sgd": 1.1,      # SGD epoch: per rating × padded k
    "gram": 0.05,    # FᵀF: per row × k²
    "rand": 3.0,     # init_normal: per value drawn
    "sort": 5.0,     # block grid, counting sorts: per rating
    "knn": 1.0,      # neighbourhood models: per co-rating visited (similarity, estimates)
}
# One-thread time (ns) below which a second thread does not pay, on an idle machine: the
# calls of benchmarks/thread_work.py gain >= 10 % from a second thread from 24 µs (predict)
# to 140 µs (ALS), none below 20 µs.
WORK_PER_THREAD = 50_000


def work_ns(kind: str, count: float) -> float:
    """Estimated one-thread nanoseconds of ``count`` units of kernel ``kind`` (``COST_NS``)."""
    return COST_NS[kind] * float(count)

_cache_lock = threading.Lock()
_cache = (0.0, 0)  # (monotonic time, free cores)
_TTL = 0.2


def _own_running_threads() -> int:
    """This process's threads in state R (running or runnable), from /proc/self/task."""
    count = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the state follows the parenthesised command name, which may contain spaces
        if stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] == b"R":
            count += 1
    return max(count, 1)


def _measure_free_cores() -> int:
    cores = usable_cores()
    try:
        with open("/proc/loadavg", "rb") as f:
            runnable = int(f.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return cores
    others = max(0, runnable - _own_running_threads())
    return max(1, min(cores, cores - others))


def free_cores(refresh: bool = False) -> int:
    """Cores not used by other programs right now (all usable cores when unknown)."""
    global _cache
    now = time.monotonic()
    with _cache_lock:
        stamp, value = _cache
        if refresh or not value or now - stamp > _TTL:
            value = _measure_free_cores()
            _cache = (now, value)
        return value


def threads_for(n_threads, resolved: int, work: float, free: int | None = None) -> int:
    """Threads of one kernel call.

    Parameters
    ----------
    n_threads : int or None
        The model's ``n_threads`` parameter: positive = exact.
    resolved : int
        ``n_threads`` resolved (joblib's convention): the most threads to use.
    work : float
        The call's estimated one-thread time in ns (``work_ns``).
    free : int, optional
        Free cores, when the caller measured them already (once per fit).

    Returns
    -------
    int
    """
    if n_threads is not None and n_threads > 0:
        return resolved
    by_work = max(1, int(work // WORK_PER_THREAD))
    if by_work == 1 or resolved == 1:
        return 1
    return max(1, min(resolved, by_work, free_cores() if free is None else free))
