"""Time the book build: cold (empty model cache), warm (nothing changed), after a prose edit.

Run from the repository root after `nox -s docs` has created its environment once:

    python bench/build_bench.py [--example gallery/images/plot_01_first_look.py]

Targets on two cores: cold <= 300 s, warm <= 20 s, prose edit <= 15 s. The cold build is
measured with a fresh, empty EXPLAINER_CACHE_DIR, so every network of the book is trained.
It prints one line per measurement and, for the cold build, the per-example times that
sphinx-gallery recorded and the seconds in ``fit()`` of every model trained (where the cold
time goes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 300.0, "warm": 20.0, "prose edit": 15.0}


def build(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["nox", "-R", "-s", "docs"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def example_times() -> list[tuple[str, float]]:
    rows = []
    for path in sorted((ROOT / "docs" / "auto_examples").rglob("*.codeobj.json")):
        rst = path.with_name(path.name.replace(".codeobj.json", ".rst"))
        if rst.exists():
            m = re.search(
                r"total running time of the script:\*\*\s*\(([^)]*)\)", rst.read_text(), re.I
            )
            if m:
                minutes, seconds = re.findall(r"([\d.]+) minutes ([\d.]+) seconds", m.group(1))[0]
                rows.append((rst.stem, 60 * float(minutes) + float(seconds)))
    return rows


def model_times(cache: Path) -> list[tuple[str, int, int, float]]:
    rows = []
    for meta_path in cache.glob("*.json"):
        meta = json.loads(meta_path.read_text())
        recipe = meta["recipe"]
        rows.append(
            (recipe["name"], recipe["epochs"], recipe["batch_size"], float(meta["fit_seconds"]))
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--example", default="gallery/images/plot_01_first_look.py")
    args = parser.parse_args()
    example = ROOT / args.example
    env = dict(os.environ)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="explainer-bench-cache-") as cache:
        env["EXPLAINER_CACHE_DIR"] = cache
        for folder in ("docs/_build", "docs/auto_examples"):
            shutil.rmtree(ROOT / folder, ignore_errors=True)
        results["cold"] = build(env)
        per_example = example_times()
        per_model = model_times(Path(cache))
        results["warm"] = build(env)
        original = example.read_text()
        try:
            example.write_text(original.replace('"""', '"""\n', 1))  # a prose-only edit
            results["prose edit"] = build(env)
        finally:
            example.write_text(original)
        build(env)  # leave the tree as it was (the example's output matches its source)
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    for name, seconds in results.items():
        verdict = "ok" if seconds <= TARGETS[name] else "OVER TARGET"
        print(f"{name:>10}: {seconds:7.1f} s  (target <= {TARGETS[name]:.0f} s, {verdict})")
    print("cold build, per example (sphinx-gallery's running time, training included):")
    for name, seconds in sorted(per_example, key=lambda r: -r[1]):
        print(f"  {seconds:6.1f} s  {name}")
    print(f"  {sum(s for _, s in per_example):6.1f} s  all examples")
    print("cold build, time in fit() per trained model (from the model cache's records):")
    for name, epochs, batch, seconds in sorted(per_model, key=lambda r: -r[3]):
        print(f"  {seconds:6.1f} s  {name} ({epochs} epochs, batch {batch})")
    print(f"  {sum(r[3] for r in per_model):6.1f} s  all training")
    return 0


if __name__ == "__main__":
    sys.exit(main())
