"""The report on the Keras classifiers people have: binary, nested base models, depthwise and
separable convolutions, image folders; per-class metrics against scikit-learn; the Python API;
hostile strings; a quiet CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from conftest import report_sections, tiny_cnn  # noqa: E402

from explainer import probe, report  # noqa: E402

HOSTILE = ['<script>alert("x")</script>', 'it\'s "quoted"', "two\nlines & <b>"]


def _data(n: int, shape: tuple[int, ...], classes: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8), rng.integers(0, classes, n)


def _binary_model() -> keras.Model:
    convs = (("c", 3),)
    return tiny_cnn(
        convs=convs,
        pool_after=None,
        global_pool=True,
        classes=1,
        head="sigmoid",
        head_name="p",
        seed=5,
        name="binary",
    )


def test_binary_sigmoid_is_two_classes_at_threshold_half() -> None:
    x, y = _data(40, (8, 8, 1), 2)
    model = _binary_model()
    rep = report.generate(model, x, y, class_names=["cat", "dog"], figures=False)
    out = rep.to_json()
    p = model.predict(x.astype(np.float32), verbose=0)[:, 0]
    assert out["model"]["binary"] is True and out["model"]["n_classes"] == 2
    assert out["accuracy"] == pytest.approx(np.mean((p > 0.5).astype(int) == y))
    assert np.asarray(out["confusion"]).shape == (2, 2)
    assert any("above 0.5" in note and "dog" in note for note in out["notes"])
    assert "above 0.5" in rep.html()


def test_two_unit_softmax_and_sklearn_metrics() -> None:
    from sklearn.metrics import classification_report, precision_recall_fscore_support

    keras.utils.set_random_seed(6)
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(2, "softmax")]
    )
    x, y = _data(60, (6, 6, 1), 2, seed=1)
    out = report.generate(model, x, y, figures=False).to_json()
    pred = np.argmax(model.predict(x.astype(np.float32), verbose=0), axis=1)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    for c, row in enumerate(out["per_class"]):
        assert (row["precision"], row["recall"], row["f1"], row["n"]) == pytest.approx(
            (p[c], r[c], f[c], s[c])
        )
    ref = classification_report(y, pred, labels=[0, 1], output_dict=True, zero_division=0)
    for kind in ("macro", "weighted"):
        got = out["averages"][kind]
        want = ref[f"{kind} avg"]
        assert (got["precision"], got["recall"], got["f1"]) == pytest.approx(
            (want["precision"], want["recall"], want["f1-score"])
        )
        assert got["support"] == want["support"] == 60


def test_metrics_with_an_absent_class_match_sklearn() -> None:
    from sklearn.metrics import precision_recall_fscore_support

    from explainer.report.compute import class_metrics

    y = np.array([0, 0, 1, 1, 1, 3, 3, 0])
    pred = np.array([0, 1, 1, 1, 0, 3, 2, 2])
    counts = probe.confusion(y, pred, 4)
    rows, avg = class_metrics(list("abcd"), counts)
    p, r, f, _ = precision_recall_fscore_support(y, pred, labels=range(4), zero_division=0)
    np.testing.assert_allclose([row.precision for row in rows], p)
    np.testing.assert_allclose([row.recall for row in rows], r)
    np.testing.assert_allclose([row.f1 for row in rows], f)
    assert avg["macro"].f1 == pytest.approx(f.mean())


def _nested_model() -> keras.Model:
    keras.utils.set_random_seed(7)
    base = keras.applications.MobileNetV2(
        weights=None, input_shape=(32, 32, 3), include_top=False, alpha=0.35
    )
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Rescaling(1 / 127.5, offset=-1),
            base,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="transfer",
    )


@pytest.mark.slow
def test_nested_base_model_convolutions_found_probed_drawn() -> None:
    model = _nested_model()
    base = model.layers[1].name
    paths = probe.conv_layers(model)
    assert len(paths) == 52 and all(p.startswith(f"{base}/") for p in paths)
    assert paths[0] == f"{base}/Conv1"
    x, y = _data(12, (32, 32, 3), 3, seed=2)
    # The page's other views of a nested base: test_report_sections (where, units).
    rep = report.generate(model, x, y, samples=1, sections=report_sections("model", "conv"))
    out = rep.to_json()
    chosen = [c["layer"] for c in out["conv_layers"]]
    # The first convolution and the last one at each resolution, none smaller than 4 x 4.
    assert [c["map_shape"][:2] for c in out["conv_layers"]] == [[16, 16]] * 2 + [[8, 8], [4, 4]]
    assert chosen[0] == f"{base}/Conv1" and out["conv_layers"][0]["filters"]  # image space
    assert all(c.startswith(f"{base}/") for c in chosen)
    assert any("smaller than 4 × 4" in n for n in out["notes"])
    assert any("same resolution" in n for n in out["notes"])
    for entry in out["conv_layers"]:
        assert len(entry["maps"]) == 1 and entry["maps"][0]["file"] in rep.figures
    # The maps drawn are the layer's real outputs.
    conv1 = probe.activations(model, x[:2].astype(np.float32), [f"{base}/Conv1"])
    assert conv1[f"{base}/Conv1"].shape == (2, 16, 16, 16)
    stages = probe.conv_stages(model, x[:2].astype(np.float32), f"{base}/Conv1")
    assert stages.post.shape == (2, 16, 16, 16) and stages.activation_layer is None
    assert "mobilenet" in rep.html()
    # --layers reaches into the base model by path; a wrong path is a one-line error.
    from explainer.report.model_checks import choose_layers

    assert choose_layers(model, [f"{base}/block_2_depthwise"]) == (
        [f"{base}/block_2_depthwise"],
        [],
    )
    assert probe.filters(model, f"{base}/block_2_depthwise").shape == (3, 3, 1, 48)
    with pytest.raises(report.ReportError, match="has no layer 'nope'"):
        choose_layers(model, [f"{base}/nope"])


def _separable_model() -> keras.Model:
    keras.utils.set_random_seed(8)
    inputs = keras.Input((12, 12, 3))
    h = keras.layers.Rescaling(1 / 255)(inputs)
    h = keras.layers.SeparableConv2D(4, 3, activation="relu", name="sep")(h)
    h = keras.layers.DepthwiseConv2D(3, activation="tanh", name="dw")(h)
    h = keras.layers.Conv2DTranspose(2, 3, strides=2, activation="relu", name="up")(h)
    h = keras.layers.Conv2D(3, 1, name="pointwise")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(h), name="sep_dw")


@pytest.mark.slow
def test_depthwise_separable_transpose_maps_filters_and_stages() -> None:
    model = _separable_model()
    x, y = _data(16, (12, 12, 3), 3, seed=3)
    rep = report.generate(
        model, x, y, samples=1, sections=report_sections("model", "conv", "where", "units")
    )
    out = rep.to_json()
    entries = {c["layer"]: c for c in out["conv_layers"]}
    assert list(entries) == ["sep", "dw", "pointwise"]  # "up" shares pointwise's 17 x 17
    assert entries["sep"]["kernel_shape"] == [3, 3, 3, 1] and entries["sep"]["filters"]
    assert entries["dw"]["filters"] and entries["dw"]["type"] == "DepthwiseConv2D"
    assert (
        entries["pointwise"]["filters"] is None and "1 × 1" in entries["pointwise"]["filters_note"]
    )
    assert all(len(e["maps"]) == 1 for e in entries.values())
    xf = x[:4].astype(np.float32)
    for name, act in [("sep", np.maximum), ("dw", None), ("up", np.maximum)]:
        st = probe.conv_stages(model, xf, name)
        want = np.tanh(st.pre) if act is None else np.maximum(st.pre, 0)
        np.testing.assert_allclose(st.post, want, atol=1e-5)
    assert probe.filters(model, "up").shape == (3, 3, 2, 4)


def test_image_folder_streamed_resized_named_by_folders(tmp_path: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(4)
    names = ["b_cat", "a_dog", "c_<bird>"]
    for name in names:
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for i in range(4):
            arr = rng.integers(0, 256, (10, 14, 3), dtype=np.uint8)
            Image.fromarray(arr).save(tmp_path / "imgs" / name / f"{i}.png")
    keras.utils.set_random_seed(9)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(2, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    data = report.load_data(tmp_path / "imgs")
    assert data.class_names == ("a_dog", "b_cat", "c_<bird>")  # sorted, as Keras does
    assert data.n == 12 and data.x.shape == (12, 10, 14, 3)
    from explainer.report import model_checks

    _, note, fitted = model_checks.plan_input(model, data)
    assert fitted.x.shape == (12, 8, 8, 3) and "resized" in (note or "")
    assert data.x.shape == (12, 10, 14, 3)  # the caller's data is left as it was
    rep = report.generate(model, tmp_path / "imgs", samples=1)
    out = rep.to_json()
    assert out["data"]["class_names"] == list(data.class_names)
    assert any("resized to the model's input size 8 × 8" in n for n in out["notes"])
    files = sorted((tmp_path / "imgs").rglob("*.png"))
    resized = np.stack(
        [
            np.asarray(Image.open(f).convert("RGB").resize((8, 8), Image.Resampling.BILINEAR))
            for f in files
        ]
    ).astype(np.float32)
    want = np.argmax(model.predict(resized, verbose=0), axis=1)
    labels = np.repeat([1, 0, 2], 4)  # files sorted by path: a_dog, b_cat, c_<bird>
    assert out["accuracy"] == pytest.approx(np.mean(want == np.sort(labels)))
    assert "c_&lt;bird&gt;" in rep.html()

    # Images already of the model's size: no resizing, no note; a mixed folder gets the note.
    for name in names:
        (tmp_path / "same" / name).mkdir(parents=True)
        for i in range(2):
            arr = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
            Image.fromarray(arr).save(tmp_path / "same" / name / f"{i}.png")
    same = report.generate(model, tmp_path / "same", figures=False).to_json()
    assert not any("resized" in n for n in same["notes"])
    Image.fromarray(arr[:5]).save(tmp_path / "same" / names[-1] / "9.png")  # 5 x 8
    mixed = report.generate(model, tmp_path / "same", figures=False).to_json()
    assert any("resized" in n and "5 × 8" in n for n in mixed["notes"])


def test_python_api_report_object(tmp_path: Path) -> None:
    keras.utils.set_random_seed(10)
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")]
    )
    x, y = _data(30, (6, 6, 1), 3, seed=5)
    rep = report.generate(model, x, y, class_names=HOSTILE)
    assert isinstance(rep.result, report.ReportResult)
    js = rep.to_json()
    assert js["accuracy"] == rep.result.accuracy and json.dumps(js)
    html = rep._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "data:image/png;base64," in html
    assert "<script" not in html.lower() and "\n" not in html.split('srcdoc="')[1][:0]
    saved = rep.save(tmp_path / "r")
    assert sorted(p.name for p in saved.iterdir()) == ["figures", "index.html", "report.json"]
    assert json.loads((saved / "report.json").read_text())["accuracy"] == js["accuracy"]
    page = (saved / "index.html").read_text()
    assert (
        "<script" not in re.sub(r'<section id="live">.*?</section>', "", page, flags=re.S).lower()
    )
    assert page.count('class="xl-widget"') == 1  # the live widget: Flatten and Dense run
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "it&#39;s &#34;quoted&#34;" in page and "two\nlines &amp; &lt;b&gt;" in page
    for file in re.findall(r'<img src="([^"]+)" alt="([^"]*)"', page):
        assert (saved / file[0]).is_file()
    with pytest.raises(report.ReportError, match="labels y"):
        report.generate(model, x)


def test_accumulator_rides_the_one_pass() -> None:
    """A section's accumulator sees every batch with the layer outputs it asked for."""
    keras.utils.set_random_seed(11)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(2, 3, name="c"),
            keras.layers.Flatten(),
            keras.layers.Dense(2, "softmax"),
        ]
    )
    x, y = _data(700, (6, 6, 1), 2, seed=6)

    class MaxPerChannel:
        layers = ("c",)

        def __init__(self) -> None:
            self.best = np.full(2, -np.inf)
            self.seen = 0

        def update(self, batch: report.Batch) -> None:
            acts = batch.activations["c"]
            self.best = np.maximum(self.best, acts.max(axis=(0, 1, 2)))
            self.seen += len(batch.x)

        def finish(self) -> dict:
            return {"max": self.best.tolist(), "seen": self.seen}

    got = {}

    def grab(ctx: report.Context, value: dict) -> list:
        got.update(value)
        return []

    extra = report.Section("top", "Top", accumulator=lambda s: MaxPerChannel(), compute=grab)
    sections = [s for s in report.SECTIONS if s.key != "weights"] + [extra]
    report.generate(model, x, y, figures=False, sections=sections)
    full = probe.activations(model, x.astype(np.float32), ["c"])["c"]
    assert got["seen"] == 700
    np.testing.assert_allclose(got["max"], full.max(axis=(0, 1, 2)), rtol=1e-5)


@pytest.mark.slow
def test_cli_is_quiet_in_a_fresh_process(tmp_path: Path) -> None:
    """No TensorFlow/absl line on stderr in a normal run; --verbose lets them through."""
    keras.utils.set_random_seed(12)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(2, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(2, "softmax"),
        ]
    )
    model.save(tmp_path / "m.keras")
    x, y = _data(20, (6, 6, 1), 2, seed=7)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    env = {**os.environ, "PYTHONPATH": str(Path(report.__file__).parents[2])}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    cmd = [
        sys.executable,
        "-m",
        "explainer",
        "report",
        str(tmp_path / "m.keras"),
        "--data",
        str(tmp_path / "d.npz"),
    ]
    proc = subprocess.run(
        [*cmd, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "accuracy" in proc.stdout and (tmp_path / "o" / "index.html").is_file()


def test_templates_and_css_are_package_data() -> None:
    from importlib import resources

    root = resources.files("explainer.report")
    assert root.joinpath("static/report.css").read_text().startswith(":root")
    names = {p.name for p in root.joinpath("templates/sections").iterdir()}
    assert {f"{s.key}.html.j2" for s in report.SECTIONS} <= names
