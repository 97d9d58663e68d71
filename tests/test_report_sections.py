"""The report's sections "Where the model looks" and "What the units respond to", and the one
image rule in the report's figures; tiny models made here."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from conftest import report_sections, tiny_cnn  # noqa: E402

from explainer import attribution, plot, probe, report  # noqa: E402
from explainer.report import unit_patches  # noqa: E402

XSS = '<script>alert("x")</script>'


def _data(n: int, shape: tuple[int, ...], classes: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8), rng.integers(0, classes, n)


def _cnn(classes: int = 3, side: int = 10) -> keras.Model:
    convs = (("c1", 4), ("c2", 5))
    return tiny_cnn(
        (side, side, 1), convs=convs, classes=classes, head_name="out", seed=21, name="small_cnn"
    )


@pytest.fixture(scope="module")
def small() -> tuple[keras.Model, np.ndarray, np.ndarray, report.Report]:
    model = _cnn()
    x, y = _data(600, (10, 10, 1), 3, seed=1)
    names = ["a", XSS, "c$x$"]
    # This module's sections, the convolutions they follow and weights, which follows them.
    sections = report_sections("model", "conv", "where", "units", "weights")
    rep = report.generate(model, x, y, class_names=names, layers=["c1", "c2"], sections=sections)
    return model, x, y, rep


def test_both_sections_in_json_and_html(small) -> None:
    rep = small[3]
    out = rep.to_json()
    where, units = out["where"], out["units"]
    assert where["methods"] == list(attribution.REPORT_METHODS)
    assert where["skipped"] is None and units["skipped"] is None
    assert where["files"]["correct"] in rep.figures and where["files"]["mistakes"] in rep.figures
    assert [entry["layer"] for entry in units["layers"]] == [c["layer"] for c in out["conv_layers"]]
    assert all(entry["file"] in rep.figures for entry in units["layers"])
    assert units["images"] == 600
    assert out["timings"]["where"] > 0 and out["timings"]["units"] > 0
    assert "maps" not in where  # the arrays stay out of report.json
    page = rep.html()
    for key, title in (("where", "Where the model looks"), ("units", "What the units respond to")):
        assert f'<section id="{key}">' in page and title in page
    part = page[page.index('<section id="where">') : page.index('<section id="weights">')]
    assert "<script" not in part and "&lt;script&gt;" in part  # the class name, escaped


def test_where_maps_are_for_predicted_and_true_class(small) -> None:
    model, x, y, rep = small
    where = rep.result.where
    assert where is not None and where.mistakes and where.correct
    pred = np.argmax(model.predict(x.astype(np.float32), verbose=0), axis=1)
    for e in where.mistakes:
        assert e.targets == [int(pred[e.index]), int(y[e.index])] and e.targets[0] != e.targets[1]
    for e in where.correct:
        assert e.targets == [int(y[e.index])] and pred[e.index] == y[e.index]
    wrong = probe.most_confident_mistakes(y, _proba(model, x), 3)
    assert [e.index for e in where.mistakes] == wrong.tolist()
    rows = [e.index for e in where.mistakes for _ in e.targets]
    targets = [t for e in where.mistakes for t in e.targets]
    baseline = np.median(x[np.linspace(0, 599, 64).round().astype(int)])
    assert where.baseline == [baseline]
    expect = attribution.compute_maps(
        model, x[rows].astype(np.float32), targets, baseline=np.float32(baseline)
    )
    for method in attribution.REPORT_METHODS:
        got = where.maps["mistakes"][method]
        assert got.shape == (len(rows), 10, 10)
        np.testing.assert_allclose(got, expect[method], rtol=1e-5, atol=1e-6)


def _proba(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return model.predict(x.astype(np.float32), verbose=0)


def test_flat_input_model_skips_both_with_a_note() -> None:
    keras.utils.set_random_seed(22)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(3, activation="softmax")])
    x, y = _data(30, (64,), 3)
    rep = report.generate(model, x, y, sections=report_sections("model", "where", "units"))
    out = rep.to_json()
    assert "not images" in out["where"]["skipped"] and "(64,)" in out["where"]["skipped"]
    assert out["units"]["skipped"] and out["units"]["layers"] == []
    page = rep.html()
    assert "No maps: the model takes inputs of shape (64,)" in page


def test_units_top_k_equals_argsort_over_all_images(small) -> None:
    """The accumulator, fed one batch at a time in the pass, gives the brute-force answer."""
    model, x, _, rep = small
    units = rep.result.units
    assert units is not None
    full = probe.activations(model, x.astype(np.float32), ["c1", "c2"])
    for entry in units.layers:
        acts = full[entry.layer]
        flat = acts.reshape(len(x), -1, acts.shape[-1])
        best = flat.max(axis=1)  # (N, C)
        active = np.flatnonzero(best.max(axis=0) > 0)
        assert entry.drawn == active[: unit_patches.MAX_UNIT_CHANNELS].tolist()
        assert entry.inactive == acts.shape[-1] - len(active)
        for row, c in enumerate(entry.drawn):
            order = np.argsort(-best[:, c], kind="stable")[: entry.k]
            assert entry.top_indices[row] == order.tolist()
            np.testing.assert_allclose(entry.top_values[row], best[order, c], rtol=1e-6)
            where = np.argmax(flat[order, :, c], axis=1)
            w = acts.shape[2]
            np.testing.assert_array_equal(
                entry.positions[row], np.stack(np.divmod(where, w), axis=-1)
            )
    c1 = units.layers[0]
    assert c1.field_size == [3, 3] and units.layers[1].field_size == [8, 8]


def test_units_memory_is_top_k_not_n() -> None:
    acc = unit_patches.UnitsAccumulator(["c"], set(), k=4)
    rng = np.random.default_rng(3)
    for start in range(0, 1000, 100):
        acts = {"c": rng.random((100, 5, 5, 6), dtype=np.float32)}
        x = np.zeros((100, 7, 7, 1), np.float32)
        acc.update(report.Batch(start, x, np.zeros(100, int), np.zeros((100, 2)), acts))
        assert acc.tops["c"]._values.shape == (6, 4)  # C × k, whatever has been seen
    assert acc.finish()["c"].count == 1000


def _nested() -> keras.Model:
    keras.utils.set_random_seed(23)
    inp = keras.Input((12, 12, 3))
    h = keras.layers.Conv2D(4, 3, activation="relu", name="stem")(inp)
    h = keras.layers.SeparableConv2D(6, 3, strides=2, activation="relu", name="sep")(h)
    base = keras.Model(inp, h, name="base")
    return keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            keras.layers.Rescaling(1 / 255),
            base,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="nested",
    )


def test_nested_base_and_separable_get_both_sections() -> None:
    model = _nested()
    x, y = _data(40, (12, 12, 3), 3, seed=4)
    sections = report_sections("model", "where", "units", "weights")
    rep = report.generate(model, x, y, sections=sections)
    out = rep.to_json()
    assert not [note for note in out["notes"] if "Could not draw" in note], out["notes"]
    assert [f["section"] for f in out["figures"]] == ["where", "where", *["units"] * 2, "weights"]
    assert out["where"]["skipped"] is None and out["where"]["files"]["mistakes"]
    assert (
        out["where"]["baseline"]
        == np.median(x[np.linspace(0, 39, 40).round().astype(int)].reshape(-1, 3), axis=0).tolist()
    )
    layers = {entry["layer"]: entry for entry in out["units"]["layers"]}
    assert set(layers) == {"base/stem", "base/sep"}
    assert layers["base/stem"]["field_size"] == [3, 3]
    assert layers["base/sep"]["field_size"] == [5, 5] and layers["base/sep"]["field_stride"] == [
        2,
        2,
    ]
    assert all(entry["file"] in rep.figures for entry in layers.values())


def test_binary_sigmoid_attributes_the_logit_and_its_negation() -> None:
    keras.utils.set_random_seed(24)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(3, 3, activation="relu", name="c"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, activation="sigmoid", name="p"),
        ]
    )
    x, y = _data(60, (8, 8, 1), 2, seed=5)
    sections = report_sections("model", "where", "units")
    rep = report.generate(model, x, y, class_names=["cat", "dog"], sections=sections)
    where = rep.result.where
    assert where is not None and "logit" in where.score and where.mistakes
    e = where.mistakes[0]
    assert sorted(e.targets) == [0, 1]
    for method in attribution.REPORT_METHODS:
        m = where.maps["mistakes"][method]
        np.testing.assert_allclose(m[0], -m[1], rtol=1e-5, atol=1e-7)  # class 0 = -logit
    # Integrated gradients add up to the logit's change, not the probability's.
    p = float(model.predict(x[e.index : e.index + 1].astype(np.float32), verbose=0)[0, 0])
    base = np.full((1, 8, 8, 1), where.baseline[0], np.float32)
    p0 = float(model.predict(base, verbose=0)[0, 0])
    logit = np.log(p / (1 - p)) - np.log(p0 / (1 - p0))
    ig = where.maps["mistakes"]["integrated_gradients"][e.targets.index(1)]
    assert ig.sum() == pytest.approx(logit, rel=0.02, abs=1e-3)
    assert rep.result.units is not None and rep.result.units.layers[0].file


@pytest.mark.slow
def test_unreadable_receptive_field_skips_the_layer_with_a_note() -> None:
    keras.utils.set_random_seed(25)
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Conv2D(3, 3, activation="relu", name="c"),
            keras.layers.Resizing(8, 8, name="resize"),  # geometry the field walk does not know
            keras.layers.Conv2D(2, 3, activation="relu", name="after"),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    x, y = _data(20, (10, 10, 1), 2, seed=6)
    rep = report.generate(
        model, x, y, layers=["c", "after"], sections=report_sections("model", "units")
    )
    layers = {entry.layer: entry for entry in rep.result.units.layers}  # type: ignore[union-attr]
    assert layers["c"].file is not None and layers["c"].note is None
    assert layers["after"].file is None and "receptive field" in layers["after"].note
    assert "Not drawn: its receptive field cannot be computed" in rep.html()


@pytest.mark.parametrize("kind", ["uint8", "float01", "float255"])
def test_confusion_images_follow_the_one_image_rule(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's pictures use explainer.plot's fixed scales, for uint8 and float data."""
    x, y = _data(30, (10, 10, 1), 3, seed=7)
    data = {"uint8": x, "float01": x / 255.0, "float255": x.astype(np.float32)}[kind]
    model = _cnn()  # rescales 1/255: the float01 accuracy differs, the drawing rule does not
    shown: list = []
    original = plot.ConfusionExamplesDisplay.plot

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        out = original(self, *args, **kwargs)
        shown.extend(im for im in np.ravel(self.images_) if im is not None)
        shown.append(None)
        return out

    monkeypatch.setattr(plot.ConfusionExamplesDisplay, "plot", spy)
    data = data.astype(np.float32) if kind != "uint8" else data
    report.generate(model, data, y, sections=report_sections("model", "accuracy"))
    images = [im for im in shown if im is not None]
    assert images
    for im in images:
        assert im.get_clim() == ((0, 255) if kind == "uint8" else (0, 1))
        pixels = im.get_array()
        if kind == "float255":  # 0-255 floats drawn on the uint8 scale, divided by 255
            assert float(np.max(pixels)) <= 1.0


def test_fewer_images_than_top_k_keeps_only_real_winners(tmp_path) -> None:
    """Five images, top-k of 8: each channel lists its five images, no -1 or -inf slot, and the
    report saves (strict JSON has no -inf)."""
    model = _cnn()
    x, y = _data(5, (10, 10, 1), 3, seed=4)
    rep = report.generate(model, x, y, layers=["c1"], sections=report_sections("model", "units"))
    (entry,) = rep.result.units.layers
    assert entry.k == 5
    assert all(sorted(row) == [0, 1, 2, 3, 4] for row in entry.top_indices)
    assert all(np.isfinite(v) for row in entry.top_values for v in row)
    assert entry.file in rep.figures
    rep.save(tmp_path / "r")
    assert (tmp_path / "r" / "report.json").is_file()


def test_where_titles_never_round_a_probability_to_one() -> None:
    from types import SimpleNamespace

    from explainer.report.result import WhereImage
    from explainer.report.where import _title

    ctx = SimpleNamespace(class_names=("cat", "dog"))
    entry = WhereImage(index=7, true=1, predicted=0, targets=[0, 1], probabilities=[0.9961, 0.0039])
    assert _title(ctx, entry, 0) == "#7\ncat\np = 99.6%"
    assert _title(ctx, entry, 1) == "#7\ndog\np = 0.4%"


def test_a_built_in_section_without_its_figure_renders_without_it() -> None:
    """A section tuple made by hand may drop a built-in section's figure: the page says the
    numbers and shows no figure, instead of failing in the template."""
    import dataclasses

    model = _cnn(side=8)
    x, y = _data(40, (8, 8, 1), 3, seed=4)
    sections = tuple(
        dataclasses.replace(s, draw=None) for s in report_sections("model", "accuracy", "mistakes")
    )
    rep = report.generate(model, x, y, sections=sections)
    page = rep.html()
    assert rep.to_json()["figures_by_section"] == {}
    assert 'id="accuracy"' in page and "<img" not in page.split('id="accuracy"', 1)[1]
