"""Benchmark of ``explainer report``: end-to-end time and peak memory as the data grows.

(a) Wall-clock and CPU time of ``python -m explainer report`` for the Filters chapter's MNIST CNN
    on the 10,000 MNIST test images, in a fresh process (so the TensorFlow import counts).
    Target: <= 20 s on 2 cores.
(b) Peak resident memory of the same command at N = 10,000 and N = 200,000 images, both given as
    memory-mapped ``x.npy`` / ``y.npy`` folders (the big one repeats the real test images). The
    two peaks should differ by far less than the extra data.
(c) A bare script in a fresh process that only imports Keras, loads the same model and predicts
    the same 10,000 images, and the ratio report / bare. Goal: <= 3.
(d) The report on an untrained ``keras.applications.MobileNetV2`` (32 x 32 x 3, 10 classes) on
    2,000 CIFAR-10 test images (a deep network with nested depthwise convolutions).

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


_BARE = """
import sys, numpy as np, keras
model = keras.saving.load_model(sys.argv[1], compile=False)
x = np.load(sys.argv[2], mmap_mode="r")
proba = model.predict(np.asarray(x, dtype="float32"), batch_size=256, verbose=0)
print(proba.shape)
"""


def _mobilenet(folder: Path, n: int) -> tuple[Path, Path]:
    """An untrained MobileNetV2 for 32 x 32 x 3 and ``n`` CIFAR-10 test images as .npy."""
    import keras

    from explainer import datasets

    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=10)
    path = folder / "mobilenetv2.keras"
    model.save(path)
    cifar = datasets.load_cifar10()
    data = folder / "cifar"
    data.mkdir(parents=True, exist_ok=True)
    np.save(data / "x.npy", cifar.x_test[:n])
    np.save(data / "y.npy", cifar.y_test[:n])
    (data / "class_names.txt").write_text("\n".join(cifar.class_names) + "\n")
    return path, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=200_000, help="images in the big data set")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.prepare:
        # In a child process: Linux children inherit the parent's peak RSS, so the measuring
        # process must never import Keras itself.
        _, fit_seconds, cached = _model_file(args.prepare)
        _npy_folder(args.prepare / "small", 10_000)
        _npy_folder(args.prepare / "big", args.big)
        _mobilenet(args.prepare, 2_000)
        (args.prepare / "fit.txt").write_text(f"{fit_seconds:.1f} {cached}")
        return

    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, __file__, "--big", str(args.big), "--prepare", str(work)])
        seconds, from_cache = (work / "fit.txt").read_text().split()
        fit_seconds, cached = float(seconds), from_cache == "True"
        model, small, big = work / "mnist_cnn.keras", work / "small", work / "big"
        mobilenet, cifar = work / "mobilenetv2.keras", work / "cifar"
        report = [sys.executable, "-m", "explainer", "report", str(model), "--quiet"]

        import_only = _run([sys.executable, "-c", "import keras"])
        end_to_end = _run([*report, "--data", "mnist", "--out", str(work / "r_mnist")])
        bare = _run([sys.executable, "-c", _BARE, str(model), str(small / "x.npy")])
        mobile_cmd = [sys.executable, "-m", "explainer", "report", str(mobilenet), "--quiet"]
        mobile = _run([*mobile_cmd, "--data", str(cifar), "--out", str(work / "r_mobilenet")])
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
    print()
    print("(c) bare script: import keras, load the model, predict the same 10,000 images")
    print(
        f"    wall {bare['wall']:.1f} s, CPU {bare['cpu']:.1f} s; report / bare = "
        f"{end_to_end['wall'] / bare['wall']:.2f} (wall), "
        f"{end_to_end['cpu'] / bare['cpu']:.2f} (CPU), goal <= 3"
    )
    print()
    print("(d) keras.applications.MobileNetV2 (untrained, 32 x 32 x 3) on 2,000 CIFAR-10 images")
    print(
        f"    wall {mobile['wall']:.1f} s, CPU {mobile['cpu']:.1f} s, "
        f"peak {mobile['peak_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    main()
