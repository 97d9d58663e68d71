"""Time one chapter's own run: the script alone, outside Sphinx, from a warm model cache.

Run from the repository root after `nox -s docs` has created its environment (and filled the
model cache) once:

    python bench/chapter_bench.py [gallery/images/plot_06_where_it_looks.py] [--repeat 2]

It runs the chapter in a fresh interpreter of the docs environment with a non-interactive
matplotlib backend, as sphinx-gallery does, and prints the wall time of each run and the
chapter's target (its own run time, imports and loading the cached networks included). The
target of "Where the network looks" is 45 s on two cores; the machine's load changes the
number, so run it on a quiet machine and read the load average printed beside it; the CPU
seconds (all threads) change less with the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"plot_06_where_it_looks": 45.0}


def run(script: Path, python: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, all threads) of one run of ``script``."""
    env = {**os.environ, "MPLBACKEND": "Agg", "TF_ENABLE_ONEDNN_OPTS": "1"}
    if "EXPLAINER_DATA_DIR" not in env and (ROOT.parent / "shared" / "data").is_dir():
        env["EXPLAINER_DATA_DIR"] = str(ROOT.parent / "shared" / "data")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(python), str(script)],
        cwd=script.parent,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", default="gallery/images/plot_06_where_it_looks.py")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    script = (ROOT / args.script).resolve()
    python = ROOT / ".nox" / "docs" / "bin" / "python"
    if not python.exists():
        sys.exit("no docs environment: run `nox -s docs` once first")
    target = TARGETS.get(script.stem)
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        wall, cpu = run(script, python)
        verdict = "" if target is None else f" (target ≤ {target:.0f} s)"
        print(
            f"{script.stem} run {i + 1}: {wall:.1f} s{verdict}, CPU {cpu:.1f} s, "
            f"load average before {load:.1f}"
        )


if __name__ == "__main__":
    main()
