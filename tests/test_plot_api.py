"""The plot API's rules: ax=/fig=, one kind of return value, *_kw pass-through, one style module,
and layouts that stay legible at any count (or refuse)."""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from explainer import plot

# Functions that draw one artist return it, as matplotlib's own functions do.
ARTIST_RETURNS = {"draw_image", "probability_bars", "animate_states"}


def _drawing_functions():
    for name in plot.__all__:
        obj = getattr(plot, name)
        if inspect.isfunction(obj):
            params = inspect.signature(obj).parameters
            if "ax" in params or "fig" in params:
                yield name, obj, params


def test_every_drawing_function_takes_ax_or_fig_and_returns_what_it_drew() -> None:
    found = list(_drawing_functions())
    assert len(found) >= 30
    for name, obj, params in found:
        assert not ("ax" in params and "fig" in params), f"{name} takes both ax= and fig="
        assert params.get("ax", params.get("fig")).kind is inspect.Parameter.KEYWORD_ONLY, name
        if name in ARTIST_RETURNS:
            continue
        returned = getattr(plot, str(inspect.signature(obj).return_annotation), None)
        assert returned is not None and dataclasses.is_dataclass(returned), (
            f"{name} must return a result dataclass, not {inspect.signature(obj).return_annotation}"
        )
        fields = {f.name for f in dataclasses.fields(returned)}
        assert "figure" in fields or "ax" in fields, name  # what it drew in, then the artists


def test_colours_and_font_sizes_live_in_the_style_module() -> None:
    folder = Path(plot.__file__).parent
    for path in folder.glob("*.py"):
        if path.name == "style.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.findall(r"[\"']#[0-9a-fA-F]{6}[\"']", text), f"{path.name}: a hex colour"
        assert not re.findall(r"^_?[A-Z_]*(?:COLOR|CMAP|FONT)[A-Z_]* = ", text, re.M), path.name
    assert plot.WEIGHT_CMAP == plot.style.WEIGHT_CMAP == "RdBu_r"


def test_kw_dictionaries_reach_the_artists() -> None:
    rng = np.random.default_rng(0)
    grid = plot.tile_grid(rng.random((4, 5, 5)), imshow_kw={"alpha": 0.5})
    assert {im.get_alpha() for im in grid.images} == {0.5}
    bars = plot.probability_bars(np.array([0.2, 0.8]), bar_kw={"height": 0.3})
    assert bars.patches[0].get_height() == pytest.approx(0.3)
    hist = plot.weight_histograms({"a": rng.normal(size=50)}, hist_kw={"density": True})
    filled = hist.artists["a"][0]
    assert filled.get_path().vertices[:, 1].max() < 5  # densities, not counts of 50
    x, y = rng.normal(size=(40, 2)), np.repeat([0, 1], 20)
    pairs = plot.feature_pairs(x, y, [(0, 1)], scatter_kw={"s": 17})
    assert pairs.scatters[0][0].get_sizes()[0] == 17
    emb = plot.embedding_scatter({"t-SNE": x}, y, scatter_kw={"marker": "x"})
    assert emb.scatters[0][0].get_sizes()[0] == 6


def test_tile_grid_shrinks_titles_that_would_overlap_and_refuses_hopeless_ones() -> None:
    tiles = np.zeros((40, 8, 8))
    short = plot.tile_grid(tiles, ncols=10, titles=["3"] * 40)
    assert {t.get_fontsize() for t in short.titles} == {plot.FONT_SIZE}
    long = plot.tile_grid(tiles, ncols=10, titles=["a cat (#1234)"] * 40)
    size = long.titles[0].get_fontsize()
    assert plot.MIN_FONT_SIZE <= size < plot.FONT_SIZE
    long.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in long.titles[:10]]
    assert all(a.x1 <= b.x0 + 1 for a, b in itertools.pairwise(boxes))  # no overlap
    with pytest.raises(ValueError, match=r"ncols=\), a larger tile_size= or shorter titles"):
        plot.tile_grid(tiles, ncols=10, titles=["a very long title indeed, far too long"] * 40)
    plt.close("all")


def test_attribution_grid_refuses_more_images_than_fit_the_page() -> None:
    images = np.zeros((7, 8, 8))
    maps = {"gradients": np.zeros((7, 8, 8))}
    with pytest.raises(ValueError, match=r"fits 6 images legibly.*groups of 6"):
        plot.attribution_grid(images, maps)
    wide = plt.figure(figsize=(1.25 * 7 + 1.9, 3), layout="constrained")
    assert plot.attribution_grid(images, maps, fig=wide).axes.shape == (2, 9)
