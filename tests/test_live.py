"""The page's network runtime (``explainer/live/static/runtime.js``) against Keras.

Small deterministic models cover every layer type the exporter accepts; Node runs the runtime on
fixed inputs and every layer's output, the pre-softmax scores, the probabilities, the batched
forward pass and the input gradient must match Keras within 1e-4 (float32).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from explainer import live, models
from explainer.live.export import weights as spec_weights

HERE = Path(__file__).parent
TOL = 1e-4

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")


def run_node(spec: live.Spec, x: np.ndarray, classes: list[int], tmp_path: Path) -> dict:
    case = tmp_path / "case.json"
    flat = np.asarray(x, np.float32).reshape(len(x), -1)
    case.write_text(json.dumps({"spec": spec.data, "inputs": flat.tolist(), "classes": classes}))
    done = subprocess.run(
        ["node", str(HERE / "live_node.mjs"), str(live.RUNTIME), str(case)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def keras_reference(model, spec: live.Spec, x: np.ndarray, classes: list[int]) -> dict:
    """Each spec layer's output, the pre-softmax scores and their input gradient, by Keras."""
    import keras
    import tensorflow as tf

    layers = [model.get_layer(n) for n in spec.layer_names]
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    outputs = [np.asarray(o) for o in probe([x], training=False)]
    last = model.layers[-1]
    before = keras.Model(model.inputs, last.input)
    xt = tf.constant(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        h = before([xt], training=False)
        if type(last).__name__ == "Activation":
            z = h
        else:
            z = tf.matmul(h, last.kernel) + last.bias
        if z.shape[-1] == 1:  # one sigmoid unit: class 1's score is z, class 0's is -z
            sign = tf.constant([[1.0 if c == 1 else -1.0] for c in classes])
            picked = tf.reduce_sum(z * sign)
        else:
            picked = tf.reduce_sum(tf.gather(z, classes, axis=1, batch_dims=0) * np.eye(len(x)))
    grad = tape.gradient(picked, xt).numpy()
    return {"outputs": outputs, "logits": np.asarray(z), "grad": grad}


def check(model, x: np.ndarray, classes: list[int], tmp_path: Path, **kwargs) -> live.Spec:
    spec = live.export(model, **kwargs)
    js = run_node(spec, x, classes, tmp_path)
    ref = keras_reference(model, spec, x, classes)
    for i in range(len(x)):
        got = js["results"][i]
        for name, want, have in zip(spec.layer_names, ref["outputs"], got["outputs"], strict=True):
            want = want[i].reshape(-1)
            assert len(have) == want.size, name
            np.testing.assert_allclose(have, want, atol=TOL, err_msg=name)
        np.testing.assert_allclose(got["logits"], ref["logits"][i], atol=TOL)
        np.testing.assert_allclose(got["grad"], ref["grad"][i].reshape(-1), atol=TOL)
    proba = np.asarray(model(x, training=False))
    if proba.shape[-1] == 1:
        proba = np.concatenate([1 - proba, proba], axis=-1)
    np.testing.assert_allclose(np.reshape(js["batch"], proba.shape), proba, atol=TOL)
    return spec


def _randomise_batchnorm(model, rng: np.random.Generator) -> None:
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            n = layer.gamma.shape[0]
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, n),
                    rng.normal(0, 0.3, n),
                    rng.normal(0, 0.3, n),
                    rng.uniform(0.2, 2.0, n),
                ]
            )


def test_conv_pool_dense_chain_with_folded_batchnorm(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((12, 10, 2)),
            keras.layers.Rescaling(1 / 255, name="scale"),
            keras.layers.Conv2D(4, 3, name="conv1"),
            keras.layers.BatchNormalization(name="bn1"),
            keras.layers.Activation("relu", name="relu1"),
            keras.layers.MaxPooling2D(2, name="pool1"),
            keras.layers.Conv2D(3, 3, strides=2, padding="same", activation="tanh", name="conv2"),
            keras.layers.AveragePooling2D(2, padding="same", name="pool2"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(8, activation="sigmoid", name="hidden"),
            keras.layers.Dropout(0.5, name="drop"),
            keras.layers.Dense(5, name="scores"),
            keras.layers.Activation("softmax", name="proba"),
        ]
    )
    rng = np.random.default_rng(0)
    _randomise_batchnorm(model, rng)
    x = rng.integers(0, 256, (3, 12, 10, 2)).astype(np.float32)
    x[0, :4] = 0  # blank rows: the runtime skips zero inputs
    spec = check(model, x, [0, 3, 4], tmp_path)
    # The BatchNormalization went into conv1: one layer fewer, named for its output.
    assert spec.layer_names[:3] == ["scale", "bn1", "relu1"]
    assert "drop" not in spec.layer_names
    assert spec.data["input_max"] == 255.0


def test_normalization_relu_batchnorm_after_activation_and_one_sigmoid(tmp_path):
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((9, 9, 3)),
            keras.layers.Normalization(mean=[100, 120, 90], variance=[900, 1600, 400], name="norm"),
            keras.layers.Conv2D(4, (3, 2), padding="same", name="conv"),
            keras.layers.ReLU(name="relu"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(6, activation="relu", name="hidden"),
            keras.layers.Dense(1, activation="sigmoid", name="output"),
        ]
    )
    rng = np.random.default_rng(1)
    _randomise_batchnorm(model, rng)
    x = rng.integers(0, 256, (2, 9, 9, 3)).astype(np.float32)
    spec = check(model, x, [0, 1], tmp_path)
    assert [e["type"] for e in spec.data["layers"]][3] == "affine"  # bn after a ReLU: kept
    assert spec.data["classes"] == 2


def test_one_copy_of_the_side_by_side_tanh_stack(tmp_path):
    import keras

    recipe = models.dense_tanh_seeds(2, 3, seeds=(0, 1, 2))
    keras.utils.set_random_seed(0)
    stacked = models.build(recipe)
    copy = models.split_seeds(stacked, 2, 3, seeds=(0, 1, 2))[1]
    spec = live.export(stacked, copy=1)
    assert spec.input_shape == (2,)
    x = np.array([[0.3, -1.2], [1.5, 0.4], [0.0, 0.0]], np.float32)
    js = run_node(spec, x, [1, 0, 1], tmp_path)
    ref = keras_reference(copy, live.export(copy), x, [1, 0, 1])
    for i in range(len(x)):
        for want, have in zip(ref["outputs"], js["results"][i]["outputs"], strict=False):
            np.testing.assert_allclose(have, want[i].reshape(-1), atol=TOL)
        np.testing.assert_allclose(js["results"][i]["grad"], ref["grad"][i], atol=TOL)


def test_unsupported_layers_are_named_with_the_supported_list():
    import keras

    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2DTranspose(2, 3, name="up")]
    )
    with pytest.raises(live.UnsupportedModelError, match=r"'up' \(Conv2DTranspose\).*Conv2D"):
        live.export(model)
    inp = keras.Input((4,))
    a = keras.layers.Dense(4, name="a")(inp)
    b = keras.layers.Dense(4, name="b")(a)
    model = keras.Model(inp, keras.layers.Add(name="skip")([a, b]))
    with pytest.raises(live.UnsupportedModelError, match="skip"):
        live.export(model)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="elu")])
    with pytest.raises(live.UnsupportedModelError, match="'elu'"):
        live.export(model)


def test_drawings_are_preprocessed_like_mnist_digits(tmp_path):
    """A 30 × 60 bar drawn off-centre on 100 × 100 ends 10 × 20 (aspect kept), centred."""
    script = tmp_path / "digit.mjs"
    script.write_text(
        f"import {{ mnistDigit }} from {json.dumps(live.RUNTIME.as_uri())};\n"
        "const ink = new Float32Array(100 * 100);\n"
        "for (let y = 5; y < 65; y++) for (let x = 60; x < 90; x++) ink[y * 100 + x] = 1;\n"
        "process.stdout.write(JSON.stringify(Array.from(mnistDigit(ink, 100, 100))));\n"
    )
    out = np.array(json.loads(subprocess.check_output(["node", str(script)], text=True)))
    img = out.reshape(28, 28)
    rows, cols = np.nonzero(img > 0.5)
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (20, 10)
    ys, xs = np.mgrid[:28, :28] + 0.5
    assert abs((img * ys).sum() / img.sum() - 14) <= 0.5
    assert abs((img * xs).sum() / img.sum() - 14) <= 0.5
    assert img.max() == pytest.approx(1.0)


def test_float16_weights_decode_exactly(tmp_path):
    """Weights stored as float16 are what Keras computes with those weights rounded to float16."""
    import keras

    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Rescaling(1 / 255, name="scale"),
            keras.layers.Conv2D(3, 3, activation="relu", name="conv"),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(4, activation="softmax", name="output"),
        ]
    )
    for layer in model.layers:
        w = layer.get_weights()
        if w:
            w[1] = w[1] + np.float32(0.01)  # non-zero biases, so they are checked too
            layer.set_weights([np.asarray(a, np.float16).astype(np.float32) for a in w])
    x = np.random.default_rng(2).integers(0, 256, (2, 8, 8, 1)).astype(np.float32)
    spec = check(model, x, [1, 2], tmp_path, dtype="float16")
    assert spec.data["dtype"] == "float16"

    def weight_chars(s: live.Spec) -> int:
        return sum(len(e.get(k, "")) for e in s.data["layers"] for k in ("kernel", "bias"))

    full = live.export(model)
    assert weight_chars(spec) / weight_chars(full) == pytest.approx(0.5, abs=0.02)


def test_widget_html_inline_or_page_and_escaped(monkeypatch):
    import keras

    from explainer.live import report as live_report

    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    hostile = ["</script><b>x", "two", "three"]
    x = np.arange(2 * 36, dtype=np.uint8).reshape(2, 6, 6, 1)
    widget = live.draw(model, x, [0, 2], class_names=hostile)
    monkeypatch.delenv(live.widget.RUNTIME_ENV, raising=False)
    standalone = widget._repr_html_()
    assert standalone.count("<script") == 2 and "globalThis.ExplainerLive" in standalone
    assert "</script><b>" not in standalone and "\\u003c/script>\\u003cb>x" in standalone
    monkeypatch.setenv(live.widget.RUNTIME_ENV, "page")  # in the book: the page has the code
    assert widget._repr_html_().count("<script") == 1
    data = json.loads(widget.html().split('class="xl-data">')[1].split("</script>")[0])
    assert [im["title"] for im in data["images"]] == ["#1: </script><b>x", "#2: three"]
    # The report: the widget with its inline code, or a note naming the layer that cannot run.
    page = live_report.section_html(model, x, np.array([0, 2]), ["a", "b", "c"])
    assert 'class="xl-widget"' in page and "globalThis.ExplainerLive" in page
    odd = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2DTranspose(2, 3, name="up"),
            keras.layers.Flatten(),
        ]
    )
    note = live_report.section_html(odd, x, np.array([0, 1]), ["a", "b"])
    assert "xl-widget" not in note and "&#x27;up&#x27; (Conv2DTranspose)" in note


def test_int8_kernels_decode_exactly(tmp_path):
    """int8 kernels (one scale per output unit) are what Keras computes with those kernels."""
    import keras

    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            keras.layers.Conv2D(3, 3, activation="relu", name="conv"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(4, activation="softmax", name="output"),
        ]
    )
    spec = live.export(model, dtype="int8")
    for layer in ("conv", "output"):
        k = model.get_layer(layer).kernel
        exact = spec_weights(spec, layer).reshape(k.shape)
        model.get_layer(layer).kernel.assign(exact)
    x = np.random.default_rng(3).uniform(0, 1, (2, 8, 8, 2)).astype(np.float32)
    check(model, x, [0, 3], tmp_path, dtype="int8")


def test_the_widgets_percentages_follow_the_reports_honest_rule():
    """0.996 is "99.6", never "100": the page and the report round a probability alike."""
    from explainer.plot.text import percent

    ps = [0.5, 0.123, 0.996, 0.9996, 0.004, 1.0, 0.0, 1 - 1e-9, 1e-9, 0.99949]
    script = (
        f"const {{ percent }} = await import({json.dumps(live.RUNTIME.as_uri())});"
        f"process.stdout.write(JSON.stringify({json.dumps(ps)}.map((p) => percent(p))));"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    shown = json.loads(out.stdout)
    assert shown == [percent(p, 1).rstrip("%") for p in ps]
    assert shown[2] == "99.6" and shown[3] == "99.96" and shown[5] == "100.0"
    assert all(float(s) < 100 for p, s in zip(ps, shown, strict=True) if p < 1)


def test_a_functional_model_around_a_nested_base_runs_in_the_page(tmp_path):
    """A base model nested as a layer (transfer learning) is unpacked; the layer after it is fed
    the base's call, not the base's own inner output (refused as "not the previous layer's
    output" before)."""
    import keras

    keras.utils.set_random_seed(5)
    base_in = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(3, 3, activation="relu", name="conv")(base_in)
    base = keras.Model(base_in, keras.layers.MaxPooling2D(name="pool")(h), name="base")
    inp = keras.Input((8, 8, 1))
    z = keras.layers.Flatten(name="flat")(base(keras.layers.Rescaling(1 / 255, name="s")(inp)))
    model = keras.Model(inp, keras.layers.Dense(4, activation="softmax", name="out")(z))
    spec = live.export(model)
    assert spec.layer_names == ["s", "conv", "pool", "flat", "out"]
    x = np.random.default_rng(1).integers(0, 256, (3, 8, 8, 1)).astype(np.float32)
    js = run_node(spec, x, [0, 1, 2], tmp_path)
    proba = np.asarray(model(x, training=False))
    np.testing.assert_allclose(np.reshape(js["batch"], proba.shape), proba, atol=TOL)
