"""Training speed of the Filters chapter's two networks, and how steady this machine is.

The chapter's cold build trains ``mnist_cnn`` and ``cifar10_quick`` (target: about 90 s of
training on 2 cores). cifar10_quick's time in ``fit()`` has ranged from 73 s to 127 s on the
CI machine kind. This script shows why: it times short ``fit()`` runs of cifar10_quick on real
CIFAR-10 photos, with TensorFlow's two intra-op threads and then with one, over several rounds,
and prints the milliseconds per training image and the time that rate gives for the recipe's
full training. When a round with two threads runs at the one-thread rate or slower, the
virtual machine was not giving the process two cores' worth of arithmetic at that time.

Each round also shows how many cores' worth of CPU time the process used (its user + system
time over the wall time) and how busy the guest kept each CPU (from ``/proc/stat``). Nothing
inside the guest caps the process: its cgroup has no CPU quota and the kernel reports no steal
time. Yet the slow rounds recur at the same rate, to the hundredth, with one thread or two:
the pace is set outside the guest, by how much of the host's CPUs the virtual machine gets.

Run from the repository root::

    EXPLAINER_DATA_DIR=../shared/data python bench/training_throughput.py [--rounds 8]

Each thread count runs in its own process (TensorFlow fixes its thread pools at start-up).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

N_IMAGES = 4096


def _cpu_busy() -> list[tuple[int, int]]:
    """(busy, total) jiffies of each CPU from /proc/stat; empty where there is none."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu":
            ticks = [int(f) for f in fields]
            idle = ticks[3] + ticks[4]  # idle + iowait
            out.append((sum(ticks) - idle, sum(ticks)))
    return out


def measure(threads: int, rounds: int) -> list[dict[str, Any]]:
    """Per round: milliseconds per training image of cifar10_quick, how many cores' worth of
    CPU time the process used, and how busy the machine kept each of its CPUs."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    from explainer import datasets, models, training

    recipe = models.cifar10_quick()
    cifar = datasets.load_cifar10()
    x, y = cifar.x_train[:N_IMAGES], cifar.y_train[:N_IMAGES]
    training.seed_everything(recipe.seed)
    training.deterministic_ops().__enter__()  # as training does; this process only measures
    model = models.build(recipe, steps_per_execution=training.STEPS_PER_EXECUTION)
    warm = recipe.batch_size * training.STEPS_PER_EXECUTION
    model.fit(x[:warm], y[:warm], batch_size=recipe.batch_size, epochs=1, verbose=0)
    out = []
    for _ in range(rounds):
        cpu_before, times_before = _cpu_busy(), os.times()
        start = time.perf_counter()
        model.fit(x, y, batch_size=recipe.batch_size, epochs=1, verbose=0)
        wall = time.perf_counter() - start
        times_after, cpu_after = os.times(), _cpu_busy()
        used = (times_after.user + times_after.system) - (times_before.user + times_before.system)
        busy = [
            100 * (b1 - b0) / max(t1 - t0, 1)
            for (b0, t0), (b1, t1) in zip(cpu_before, cpu_after, strict=True)
        ]
        out.append({"ms": 1000 * wall / N_IMAGES, "cores": used / wall, "busy": busy})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rounds)))
        return

    from explainer import datasets, models

    recipe = models.cifar10_quick()
    images = len(datasets.load_cifar10().x_train) * recipe.epochs
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    print(f"cores: {os.cpu_count()}; cifar10_quick, batch {recipe.batch_size}, {N_IMAGES} images")
    print(f"per round; the full training is {images:,} images ({recipe.epochs} epochs)")
    for threads in (2, 1):
        run = subprocess.run(
            [sys.executable, __file__, "--child", str(threads), "--rounds", str(args.rounds)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
        rates = [r["ms"] for r in result]
        print(f"{threads} thread(s):")
        for k, r in enumerate(result, 1):
            busy = " ".join(f"{b:3.0f} %" for b in r["busy"])
            print(
                f"    round {k}: {r['ms']:.2f} ms/image, process used {r['cores']:.2f} cores,"
                f" CPUs busy {busy}"
            )
        for label, rate in [
            ("fastest", min(rates)),
            ("median", statistics.median(rates)),
            ("slowest", max(rates)),
        ]:
            seconds = rate * images / 1000
            print(f"    {label:>7s}: {rate:.3f} ms/image -> {seconds:5.1f} s of training")


if __name__ == "__main__":
    main()
