"""The report's flow: compute fills the result, draw only reads it, report.json has a schema."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from explainer import report  # noqa: E402
from explainer.report import figures as report_figures  # noqa: E402
from explainer.report import schema  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _one_conv() -> keras.Model:
    keras.utils.set_random_seed(7)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(3, 3, activation="relu", name="only_conv"),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ],
        name="one_conv",
    )


def _xy(n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    return rng.integers(0, 256, (n, 8, 8, 1), dtype=np.uint8), rng.integers(0, 2, n)


def test_convolutions_listed_without_figures() -> None:
    """The defect: with figures=False the conv section was empty ("no convolutional layers")."""
    x, y = _xy()
    rep = report.generate(_one_conv(), x, y, figures=False)
    out = rep.to_json()
    assert [c["layer"] for c in out["conv_layers"]] == ["only_conv"]
    assert out["conv_layers"][0]["kernel_shape"] == [3, 3, 1, 3]
    assert out["conv_layers"][0]["map_shape"] == [6, 6, 3]
    page = rep.html()
    assert "no convolutional layers" not in page and "only_conv" in page


@pytest.fixture(scope="module")
def guarded() -> tuple[report.Report, list[str]]:
    """A full report of ``_one_conv``, with every model call made while drawing the core
    sections' figures recorded (the sections of where.py and units.py have their own tests)."""
    from explainer import probe

    x, y = _xy()
    real_draws = {s.key: s.draw for s in report.SECTIONS if s.draw is not None}
    calls: list[str] = []
    drawing = False

    def guard(name: str, real):
        def wrapped(*args, **kwargs):
            if drawing:
                calls.append(name)
            return real(*args, **kwargs)

        return wrapped

    def drawn(key: str):
        def draw(result, ctx, canvas):
            nonlocal drawing
            drawing = key in ("conv", "templates", "accuracy", "mistakes", "weights")
            try:
                return real_draws[key](result, ctx, canvas)
            finally:
                drawing = False

        return draw

    sections = tuple(
        dataclasses.replace(s, draw=drawn(s.key)) if s.draw is not None else s
        for s in report.SECTIONS
    )
    with pytest.MonkeyPatch.context() as mp:
        for name in ("activations", "filters", "layer_weights", "submodel", "predict"):
            mp.setattr(probe, name, guard(name, getattr(probe, name)))
        rep = report.generate(
            _one_conv(), x, y, class_names=["cat", "dog"], samples=2, sections=sections
        )
    return rep, calls


def test_draw_functions_never_compute(guarded: tuple[report.Report, list[str]]) -> None:
    """The core sections' figures are drawn from the result alone: no model call while drawing."""
    rep, calls = guarded
    assert calls == []
    assert len(rep.result.conv_layers[0].maps) == 2 and rep.result.conv_layers[0].filters


def test_sections_registry_is_immutable() -> None:
    assert isinstance(report.SECTIONS, tuple)
    assert len({s.key for s in report.SECTIONS}) == len(report.SECTIONS)
    assert report_figures.MAX_TILES == 64


def test_published_schema_is_current() -> None:
    published = json.loads((ROOT / "docs" / "_static" / "report.schema.json").read_text("utf-8"))
    assert published == schema.report_schema(), (
        "docs/_static/report.schema.json is stale: run python -m explainer.report.schema "
        "> docs/_static/report.schema.json"
    )


def test_every_report_validates_against_the_schema(
    guarded: tuple[report.Report, list[str]], tmp_path: Path
) -> None:
    x, y = _xy()
    rep = guarded[0]  # every section, every figure
    rep.save(tmp_path / "r")
    on_disk = json.loads((tmp_path / "r" / "report.json").read_text("utf-8"))
    assert schema.validate(on_disk) == []
    dense = keras.Sequential([keras.Input((64,)), keras.layers.Dense(2)])
    assert schema.validate(report.generate(dense, x.reshape(24, -1), y).to_json()) == []
    # The validator is not a rubber stamp.
    broken = dict(on_disk, accuracy="high", generator=None)
    del broken["confusion"]
    errors = schema.validate(broken)
    assert any("accuracy" in e for e in errors) and any("confusion" in e for e in errors)
    assert any("generator" in e for e in errors)
    extra = json.loads(json.dumps(on_disk))
    extra["conv_layers"][0]["unknown"] = 1
    assert any("unknown" in e for e in schema.validate(extra))
