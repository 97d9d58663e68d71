"""Bench of the live widgets: agreement on the book's networks, speed in Chromium, page bytes.

(a) Agreement: the JS runtime (in Node) against Keras on 200 test inputs of each cached book
    network (mnist_softmax, mnist_hidden10, mnist_cnn, cifar10_quick, h5_w2 seed 0): the largest
    absolute difference of any probability and the share of equal predicted labels, with the
    weights stored as float32 and as float16 (what the half-size pages cost).
(b) Speed: milliseconds per update in headless Chromium for mnist_cnn (goal <= 10 ms) and
    cifar10_quick (goal <= 50 ms): one forward pass, and forward + input gradient, for the
    explainer runtime and, in the same page and run, TF.js 4.22 on its CPU and wasm backends
    with the same weights (goal: no slower than TF.js).
(c) Bytes each chapter's widget adds to its page (goal <= 400 KB for the CIFAR page), and the
    shared script and stylesheet.

Needs the trained models in the cache (a docs build fills it), Node, and for (b) Chromium and
TF.js installed into bench/live-node/ (gitignored; TF.js is used by this bench only)::

    (cd bench/live-node && npm install --no-save @tensorflow/tfjs@4.22.0 \
        @tensorflow/tfjs-backend-wasm@4.22.0 playwright-core@1)
    EXPLAINER_DATA_DIR=../shared/data python bench/live_bench.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "live-node"
sys.path.insert(0, str(HERE.parent / "src"))

from explainer import environment  # noqa: E402

environment.configure()

from explainer import datasets, live, models, training  # noqa: E402

SEEDS = (0, 1, 2, 3, 4)
NODE_RUN = """
import { readFileSync } from "node:fs";
const { load } = await import(process.argv[2]);
const spec = JSON.parse(readFileSync(process.argv[3], "utf8"));
const raw = readFileSync(process.argv[4]);  // may be a view into a larger pooled buffer
const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
const net = load(spec);
const p = net.predictBatch(x, x.length / net.inputSize);
process.stdout.write(JSON.stringify(Array.from(p)));
"""


def book_networks() -> dict[str, tuple[object, np.ndarray, dict]]:
    """name -> (Keras model, 200 test inputs, export options) from the training cache."""
    mnist = datasets.load_mnist()
    cifar = datasets.load_cifar10()
    xm = mnist.x_test[:200].astype(np.float32)[..., None]
    out = {}
    for name in ("mnist_softmax", "mnist_hidden10", "mnist_cnn"):
        trained = training.train(getattr(models, name)(), mnist.x_train, mnist.y_train)
        out[name] = (trained.model, xm, {})
    quick = training.train(models.cifar10_quick(), cifar.x_train, cifar.y_train)
    out["cifar10_quick"] = (quick.model, cifar.x_test[:200].astype(np.float32), {})
    x, y = datasets.make_twoclass(seed=0)
    h5 = training.train(models.dense_tanh_seeds(5, 2, SEEDS), *models.seed_stack(x, y, SEEDS))
    h5_single = models.split_seeds(h5.model, 5, 2, SEEDS)[0]
    xt, _ = datasets.make_twoclass(seed=1)
    out["h5_w2"] = (h5_single, xt[:200].astype(np.float32), {})
    return out


def agreement(nets: dict, tmp: Path) -> dict[str, dict[str, float]]:
    script = tmp / "run.mjs"
    script.write_text(NODE_RUN)
    rows = {}
    for name, (model, x, options) in nets.items():
        want = np.asarray(model.predict(x, verbose=0))
        if want.shape[-1] == 1:
            want = np.concatenate([1 - want, want], axis=-1)
        row = {}
        for dtype in ("float32", "float16", "int8"):
            spec = live.export(model, dtype=dtype, **options)
            (tmp / "spec.json").write_text(spec.to_json())
            (tmp / "x.bin").write_bytes(np.ascontiguousarray(x, "<f4").tobytes())
            done = subprocess.run(
                [
                    "node",
                    str(script),
                    live.RUNTIME.as_uri(),
                    str(tmp / "spec.json"),
                    str(tmp / "x.bin"),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            got = np.asarray(json.loads(done.stdout)).reshape(want.shape)
            row[f"{dtype}_max_abs_proba_diff"] = float(np.abs(got - want).max())
            row[f"{dtype}_same_label"] = float((got.argmax(1) == want.argmax(1)).mean())
            row[f"{dtype}_spec_kb"] = spec.nbytes / 1000
        rows[name] = row
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def speed(nets: dict, chromium: str) -> dict:
    if not (NODE_DIR / "node_modules" / "@tensorflow" / "tfjs").is_dir():
        return {"skipped": f"TF.js is not installed in {NODE_DIR} (see this file's docstring)"}
    names = ["mnist_cnn", "cifar10_quick"]
    for name in names:
        model, x, options = nets[name]
        (NODE_DIR / f"{name}.json").write_text(live.export(model, **options).to_json())
        (NODE_DIR / f"{name}.input.bin").write_bytes(np.ascontiguousarray(x[0], "<f4").tobytes())
    shutil.copy(live.RUNTIME, NODE_DIR / "runtime.js")
    page = (HERE / "live_bench.html").read_text()
    page = page.replace(
        "<body>", f"<body><script>window.benchModels = {json.dumps(names)};</script>"
    )
    (NODE_DIR / "index.html").write_text(page)
    shutil.copy(HERE / "live_bench.mjs", NODE_DIR / "live_bench.mjs")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=NODE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        done = subprocess.run(
            ["node", "live_bench.mjs", f"http://127.0.0.1:{port}/index.html", chromium],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
    finally:
        server.terminate()
        server.wait()
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-2000:]}
    return json.loads(done.stdout)


def page_bytes() -> dict[str, float]:
    """KB each chapter's widget adds (built as the chapters build them) and the shared code."""
    mnist = datasets.load_mnist()
    cifar = datasets.load_cifar10()
    firsts = [int(np.flatnonzero(mnist.y_test == d)[0]) for d in range(10)]
    cnn = training.train(models.mnist_cnn(), mnist.x_train, mnist.y_train).model
    h10 = training.train(models.mnist_hidden10(), mnist.x_train, mnist.y_train).model
    quick = training.train(models.cifar10_quick(), cifar.x_train, cifar.y_train).model
    photos = [int(np.flatnonzero(cifar.y_test == c)[0]) for c in (3, 5, 1, 8, 2, 7)]
    x, y = datasets.make_twoclass(seed=0)
    h5 = training.train(models.dense_tanh_seeds(5, 2, SEEDS), *models.seed_stack(x, y, SEEDS))
    widgets = {
        "filters (mnist_cnn)": live.draw(cnn, mnist.x_test[firsts], mnist.y_test[firsts]),
        "templates (mnist_hidden10)": live.draw(
            h10, mnist.x_test[firsts], mnist.y_test[firsts], templates=["hidden"]
        ),
        "bending space (h5_w2)": live.space(
            h5.model, x[::4], y[::4], copy=0, limits=((-2.0, 2.0), (-1.5, 1.5))
        ),
        "where it looks (cifar10_quick, int8)": live.occlude(
            quick,
            cifar.x_test[photos],
            cifar.y_test[photos],
            class_names=list(cifar.class_names),
            fill=cifar.x_train.mean(axis=(0, 1, 2)),
            dtype="int8",
        ),
    }
    shared = len(live.page_script().encode()) + len(live.page_css().encode())
    out = {name: (w.nbytes + shared) / 1000 for name, w in widgets.items()}
    out["shared script + stylesheet"] = shared / 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    nets = book_networks()
    with tempfile.TemporaryDirectory() as tmp:
        rows = agreement(nets, Path(tmp))
    print("(a) agreement with Keras on 200 test inputs (max |Δ probability|, same label)")
    for name, row in rows.items():
        print(
            f"  {name:<15} float32 {row['float32_max_abs_proba_diff']:.1e} "
            f"{100 * row['float32_same_label']:.1f} % ({row['float32_spec_kb']:.0f} KB)   "
            f"float16 {row['float16_max_abs_proba_diff']:.1e} "
            f"{100 * row['float16_same_label']:.1f} % ({row['float16_spec_kb']:.0f} KB)   "
            f"int8 {row['int8_max_abs_proba_diff']:.1e} "
            f"{100 * row['int8_same_label']:.1f} % ({row['int8_spec_kb']:.0f} KB)"
        )
    print("(b) milliseconds per update in headless Chromium (median of 30)")
    result = speed(nets, args.chromium)
    if "results" not in result:
        print(f"  {result}")
    else:
        for name, r in result["results"].items():
            for who, t in r.items():
                extra = ""
                if "max_abs_logit_diff_vs_explainer" in t:
                    extra = f"  (|Δ logit| vs explainer {t['max_abs_logit_diff_vs_explainer']:.1e})"
                print(
                    f"  {name:<14} {who:<10} forward {t['forward']:6.1f}  "
                    f"forward+gradient {t['update']:6.1f}{extra}"
                )
        if result["messages"]:
            print(f"  console: {result['messages']}")
    print("(c) KB each widget page adds (its widget + the shared script and stylesheet)")
    t0 = time.perf_counter()
    sizes = page_bytes()
    seconds = time.perf_counter() - t0
    for name, kb in sizes.items():
        print(f"  {name:<42} {kb:7.1f}")
    print(f"  making the four widgets (models from the cache, data loaded): {seconds:.1f} s")


if __name__ == "__main__":
    main()
