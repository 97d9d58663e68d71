from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from explainer import plot


def test_one_axes_holds_every_tile_in_reading_order():
    images = np.zeros((7, 5, 4))
    grid = plot.tile_grid(images, ncols=3, gap=0.2)
    assert grid.figure.axes == [grid.ax]  # one axes, not one per tile
    assert len(grid.images) == 7 and len(grid.boxes) == 7
    assert all(im.axes is grid.ax for im in grid.images)
    assert not grid.ax.axison
    # 5x4 tiles, 1 pixel apart (0.2 of the larger side): rows of 3, left to right.
    assert grid.boxes[0] == pytest.approx((0, 0, 4, 5))
    assert grid.boxes[1] == pytest.approx((5, 0, 9, 5))
    assert grid.boxes[3] == pytest.approx((0, 6, 4, 11))
    assert grid.boxes[6] == pytest.approx((0, 12, 4, 17))
    assert tuple(grid.images[1].get_extent()) == pytest.approx((5, 9, 5, 0))
    assert grid.ax.get_xlim() == pytest.approx((0, 14))
    assert grid.ax.get_ylim() == pytest.approx((17, 0))  # y points down, like an image


def test_tiles_of_different_sizes_are_centred_in_their_cells():
    grid = plot.tile_grid([np.zeros((4, 4)), np.zeros((2, 2))], gap=0.0)
    assert grid.boxes[1] == pytest.approx((5, 1, 7, 3))


def test_diverging_shared_scale_is_centred_at_zero():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 5, 5)) + 0.7  # mostly positive
    w[2, 0, 0] = -3.0
    grid = plot.tile_grid(w, diverging=True, colorbar=True)
    m = float(np.abs(w).max())
    for norm in grid.norms:
        assert norm is grid.norms[0]
        assert norm.vmin == pytest.approx(-m) and norm.vmax == pytest.approx(m)
    assert grid.images[0].get_cmap().name == plot.WEIGHT_CMAP
    assert grid.colorbar is not None


def test_per_tile_scale_is_centred_per_tile():
    w = np.stack([np.full((3, 3), 0.1), np.full((3, 3), -2.0)])
    w[0, 0, 0] = -0.05
    grid = plot.tile_grid(w, diverging=True, scale="per_tile")
    assert (grid.norms[0].vmin, grid.norms[0].vmax) == pytest.approx((-0.1, 0.1))
    assert (grid.norms[1].vmin, grid.norms[1].vmax) == pytest.approx((-2.0, 2.0))


def test_titles_and_colours():
    grid = plot.tile_grid(
        np.ones((2, 4, 4, 1)), titles=["a", "b"], title_colors=["tab:red", "black"]
    )
    assert [t.get_text() for t in grid.titles] == ["a", "b"]
    assert grid.titles[0].get_color() == "tab:red"
    assert to_rgba(grid.titles[1].get_color()) == to_rgba("black")
    # Each title sits centred on its tile's top edge, in room left above the tiles.
    left, top, right, _bottom = grid.boxes[1]
    assert grid.titles[1].get_position() == pytest.approx(((left + right) / 2, top))
    assert grid.titles[1].get_va() == "bottom" and top > 0


def test_labels_above_and_below_a_tile():
    grid = plot.tile_grid(np.ones((3, 4, 4)), label_lines=(1, 2))
    below = grid.label(2, "x\ny", where="below", loc="right", color="tab:blue")
    _left, _top, right, bottom = grid.boxes[2]
    assert below.get_position() == pytest.approx((right, bottom))
    assert (below.get_va(), below.get_ha()) == ("top", "right")
    assert below.axes is grid.ax
    assert grid.ax.get_ylim()[0] > bottom  # room for the two lines below


def test_rgb_float_tiles_are_rescaled_to_unit_range():
    rgb = np.linspace(-1, 3, 2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    grid = plot.tile_grid(rgb)
    arrays = [im.get_array() for im in grid.images]
    assert min(a.min() for a in arrays) == pytest.approx(0.0)
    assert max(a.max() for a in arrays) == pytest.approx(1.0)
    assert grid.norms == [None, None]


def test_draws_into_given_subfigure():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    _top, bottom = fig.subfigures(2, 1)
    grid = plot.tile_grid(np.zeros((4, 3, 3)), fig=bottom, ncols=4)
    assert grid.figure is bottom
    assert grid.ax.get_figure(root=False) is bottom


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one image"):
        plot.tile_grid(np.zeros((0, 3, 3)))
    with pytest.raises(ValueError, match="tiles must be"):
        plot.tile_grid(np.zeros((2, 3, 3, 5)))


def test_every_tile_has_a_frame_unless_asked_not_to():
    grid = plot.tile_grid(np.zeros((3, 4, 4)), ncols=2)
    assert grid.frames is not None and grid.frames.axes is grid.ax
    outlines = grid.frames.get_segments()
    assert len(outlines) == 3
    left, top, right, bottom = grid.boxes[2]
    np.testing.assert_allclose(
        outlines[2][:4], [(left, top), (right, top), (right, bottom), (left, bottom)]
    )
    assert plot.tile_grid(np.zeros((3, 4, 4)), frame=False).frames is None
