from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from explainer import plot


def test_one_axes_per_image_and_spare_cells_removed():
    images = np.zeros((7, 5, 5))
    grid = plot.tile_grid(images, ncols=3)
    assert len(grid.axes) == 7
    assert len(grid.images) == 7
    assert len(grid.figure.axes) == 7  # 3x3 grid minus two unused cells


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
    assert [ax.get_title() for ax in grid.axes] == ["a", "b"]
    assert grid.axes[0].title.get_color() == "tab:red"
    assert to_rgba(grid.axes[1].title.get_color()) == to_rgba("black")


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
    assert all(ax.get_figure(root=False) is bottom for ax in grid.axes)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one image"):
        plot.tile_grid(np.zeros((0, 3, 3)))
    with pytest.raises(ValueError, match="tiles must be"):
        plot.tile_grid(np.zeros((2, 3, 3, 5)))
