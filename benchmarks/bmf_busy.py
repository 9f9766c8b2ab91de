"""Issue 14's busy-machine bound for BayesianMF alone: the ML-100K fit (80/20 training part,
seed 0, defaults) with ``n_threads=None`` against ``n_threads=1`` while one single-threaded
busy loop runs, alternately, median of 5 — the measurement of ``busy_threads.py``, for one
model (``busy_threads.py`` itself covers every model and takes long).

    MFREC_DATA=../shared/data python benchmarks/bmf_busy.py
"""

import os
import subprocess
import sys
import time

from _meta import cpu_name
from busy_threads import _data, _measure


def main():
    train, positives = _data("ml-100k")
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; load before the busy loop "
          f"{os.getloadavg()[0]:.2f}")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        m = _measure("BayesianMF", train, positives, (None, 1), 5)
    finally:
        busy.kill()
        busy.wait()
    print(f"BayesianMF, ML-100K, one busy loop: n_threads=None {m['None']:.3f} s, "
          f"n_threads=1 {m['1']:.3f} s, ratio {m['None'] / m['1']:.2f} (bound 1.5); "
          f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
