"""From-scratch wheel build time, and what the ISA variants, LTO and the precompiled header cost.

Each configuration builds the wheel the way the README's commands do (``pip wheel
--no-build-isolation``, scikit-build-core, ninja with as many jobs as cores), in an empty build
directory of its own, and reports the wall time of the whole ``pip wheel`` plus the compile time
of each translation unit from ninja's log (``.ninja_log``: start and end in ms per output).

Configurations (each a set of ``-C`` options added to the same command):

* ``default``      what ``pip install .`` builds: portable flags, runtime-dispatched AVX2 and
                   AVX-512 variants of the kernels, precompiled pybind11 header, no LTO
* ``no-dispatch``  ``-DMFREC_NO_DISPATCH``: generic kernels only (what the ISA variants cost)
* ``lto``          ``CMAKE_INTERPROCEDURAL_OPTIMIZATION=ON`` (what link-time optimization
                   costs; the build leaves it off, see CMakeLists.txt for the speed reason)
* ``no-pch``       ``CMAKE_DISABLE_PRECOMPILE_HEADERS=ON`` (what the precompiled header saves)

Usage:  python benchmarks/build_time.py [--configs default,lto] [--repeat 1] [--out FILE]
Needs scikit-build-core, pybind11 and ninja in the running environment (the README's first
command installs them).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _meta import cpu_name

ROOT = Path(__file__).resolve().parents[1]

CONFIGS: dict[str, list[str]] = {
    "default": [],
    "no-dispatch": ["-Ccmake.define.CMAKE_CXX_FLAGS=-DMFREC_NO_DISPATCH"],
    "lto": ["-Ccmake.define.CMAKE_INTERPROCEDURAL_OPTIMIZATION=ON"],
    "no-pch": ["-Ccmake.define.CMAKE_DISABLE_PRECOMPILE_HEADERS=ON"],
}


def ninja_steps(build_dir: Path) -> list[tuple[str, float]]:
    """(output, seconds) per ninja step of the last build, longest first."""
    log = next(build_dir.rglob(".ninja_log"), None)
    if log is None:
        return []
    steps = {}
    for line in log.read_text().splitlines():
        if line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 4:
            start, end, out = int(parts[0]), int(parts[1]), parts[3]
            steps[out] = (end - start) / 1000.0  # a later entry for the same output wins
    return sorted(steps.items(), key=lambda kv: -kv[1])


def build_once(options: list[str], workdir: Path) -> tuple[float, float, list[tuple[str, float]]]:
    build_dir = workdir / "build"
    out_dir = workdir / "wheel"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q",
           str(ROOT), "-w", str(out_dir), f"-Cbuild-dir={build_dir}", *options]
    t0 = time.perf_counter()
    r0 = os.times()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    r1 = os.times()
    wall = time.perf_counter() - t0
    cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
    return wall, cpu, ninja_steps(build_dir)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    lines = [
        f"# wheel build from scratch: {cpu_name()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f} at start",
        f"# {platform.python_implementation()} {platform.python_version()}, "
        f"compiler {os.environ.get('CXX', 'c++')}",
        "",
        f"{'config':<12} {'wall s':>7} {'cpu s':>7}   slowest steps (s)",
    ]
    print("\n".join(lines), flush=True)
    for name in args.configs.split(","):
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="mfrec-build-time-") as tmp:
                wall, cpu, steps = build_once(CONFIGS[name], Path(tmp))
            top = ", ".join(f"{Path(o).name.replace('.cpp.o', '')} {s:.1f}" for o, s in steps[:8])
            row = f"{name:<12} {wall:7.1f} {cpu:7.1f}   {top}"
            print(row, flush=True)
            lines.append(row)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
