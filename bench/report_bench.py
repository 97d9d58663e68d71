"""Benchmark of ``explainer report``: end-to-end time and peak memory as the data grows.

(a) Wall-clock and CPU time of ``python -m explainer report`` for the Filters chapter's MNIST CNN
    on the 10,000 MNIST test images, in a fresh process (so the TensorFlow import counts).
    Target: <= 20 s on 2 cores.
(b) Peak resident memory of the same command at N = 10,000 and N = 200,000 images, both given as
    memory-mapped ``x.npy`` / ``y.npy`` folders (the big one repeats the real test images). The
    two peaks should differ by far less than the extra data.

Run from the repository root::

    EXPLAINER_DATA_DIR=../shared/data python bench/report_bench.py [--big 200000] [--keep DIR]

The model is trained through the cache (``models.mnist_cnn()``), so only the first run trains.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def _run(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd``; wall seconds, CPU seconds and peak RSS (MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out}\n{err}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,  # kilobytes on Linux
    }


def _model_file(folder: Path) -> tuple[Path, float, bool]:
    """The Filters chapter's CNN, trained through the cache, saved as a .keras file."""
    from explainer import datasets, models, training

    mnist = datasets.load_mnist()
    trained = training.train(models.mnist_cnn(), mnist.x_train, mnist.y_train)
    path = folder / "mnist_cnn.keras"
    trained.model.save(path)
    return path, trained.fit_seconds, trained.from_cache


def _npy_folder(folder: Path, n: int) -> Path:
    """x.npy / y.npy with ``n`` images: the real test images, repeated."""
    from explainer import datasets

    mnist = datasets.load_mnist()
    folder.mkdir(parents=True, exist_ok=True)
    x = np.lib.format.open_memmap(
        folder / "x.npy", mode="w+", dtype=np.uint8, shape=(n, *mnist.x_test.shape[1:])
    )
    reps = -(-n // len(mnist.x_test))
    for i in range(reps):
        start = i * len(mnist.x_test)
        stop = min(start + len(mnist.x_test), n)
        x[start:stop] = mnist.x_test[: stop - start]
    x.flush()
    del x
    np.save(folder / "y.npy", np.tile(mnist.y_test, reps)[:n])
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=200_000, help="images in the big data set")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        model, fit_seconds, cached = _model_file(work)
        small = _npy_folder(work / "small", 10_000)
        big = _npy_folder(work / "big", args.big)
        report = [sys.executable, "-m", "explainer", "report", str(model), "--quiet"]

        import_only = _run([sys.executable, "-c", "import keras"])
        end_to_end = _run([*report, "--data", "mnist", "--out", str(work / "r_mnist")])
        peak_small = _run([*report, "--data", str(small), "--out", str(work / "r_small")])
        peak_big = _run([*report, "--data", str(big), "--out", str(work / "r_big")])

    extra_mib = (args.big - 10_000) * 28 * 28 / 2**20
    print(f"model: models.mnist_cnn(), fit_seconds={fit_seconds:.1f} (from cache: {cached})")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print()
    print("(a) end to end, python -m explainer report MODEL --data mnist (10,000 test images)")
    print(
        f"    wall {end_to_end['wall']:.1f} s, CPU {end_to_end['cpu']:.1f} s "
        f"(of which `import keras` alone: wall {import_only['wall']:.1f} s, "
        f"CPU {import_only['cpu']:.1f} s); target <= 20 s wall"
    )
    print()
    print("(b) peak resident memory, memory-mapped x.npy / y.npy")
    for label, run in (
        ("N = 10,000", peak_small),
        (f"N = {args.big:,}", peak_big),
    ):
        print(f"    {label:<12} peak {run['peak_mib']:7.1f} MiB, wall {run['wall']:.1f} s")
    diff = peak_big["peak_mib"] - peak_small["peak_mib"]
    print(
        f"    difference {diff:+.1f} MiB for {extra_mib:.1f} MiB more image data "
        f"({100 * diff / extra_mib:.1f} % of it)"
    )


if __name__ == "__main__":
    main()
