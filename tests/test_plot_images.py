"""The one rule for drawing an input image, and that every plot module follows it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from explainer import plot
from explainer.plot import maps, templates


def test_uint8_is_kept_and_fixed_0_255() -> None:
    grey = np.array([[0, 128], [255, 7]], dtype=np.uint8)
    assert plot.prepare_image(grey) is grey
    im = plot.draw_image(grey[..., None], ax=plt.figure().add_subplot())
    assert im.norm.vmin == 0 and im.norm.vmax == 255 and im.get_cmap().name == "gray"


def test_float_in_0_1_is_kept_and_float_in_0_255_is_the_uint8_scale() -> None:
    faint = np.full((2, 2), 0.2, dtype=np.float64)
    np.testing.assert_allclose(plot.prepare_image(faint), 0.2)  # not stretched to white
    mean_digit = np.array([[0.0, 51.0], [127.5, 204.0]])
    np.testing.assert_allclose(plot.prepare_image(mean_digit), [[0, 0.2], [0.5, 0.8]])
    rgb = np.zeros((2, 2, 3), np.float32)
    rgb[..., 0] = 1.0
    np.testing.assert_array_equal(plot.prepare_image(rgb), rgb)


def test_float_without_a_known_range_is_stretched() -> None:
    standardised = np.array([[-2.0, 0.0], [1.0, 2.0]])
    np.testing.assert_allclose(plot.prepare_image(standardised), [[0, 0.5], [0.75, 1.0]])
    assert plot.prepare_image(np.full((2, 2, 3), -1.0)).max() == 0.0  # flat: no division by 0


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"got shape \(2, 2, 2\)"):
        plot.prepare_image(np.zeros((2, 2, 2)))


def test_every_plot_module_draws_images_by_the_rule() -> None:
    photo = np.linspace(0, 200, 4 * 4 * 3).reshape(4, 4, 3)  # float on the 0-255 scale
    expected = plot.prepare_image(photo)
    drawn = [
        maps._show_image(plt.figure().add_subplot(), photo),
        templates._display_image(plt.figure().add_subplot(), photo),
        plot.tile_grid(photo[None], ncols=1).images[0],
    ]
    disp = plot.ConfusionExamplesDisplay.from_predictions(
        np.array([0, 1]), np.array([0, 1]), np.array([0.9, 0.8]), np.stack([photo, photo])
    )
    drawn.append(disp.plot(show_counts=False).images_[0, 0])
    for im in drawn:
        np.testing.assert_allclose(im.get_array(), expected, rtol=1e-6)
    assert float(expected.max()) == pytest.approx(200 / 255)
    # The units chapter's tiles are composed as uint8 by the same rule (rounded to 1/255).
    tiles = plot.display_tiles(photo[None])
    np.testing.assert_array_equal(tiles[0], np.round(expected * 255).astype(np.uint8))


def test_display_tiles_follows_the_rule_unless_given_a_range() -> None:
    faint = np.full((1, 2, 2), 0.2)
    assert (plot.display_tiles(faint) == 51).all()  # 0.2 of white, not stretched
    standardised = np.array([[[-2.0, 0.0], [1.0, 2.0]]])
    np.testing.assert_array_equal(
        plot.display_tiles(standardised)[0, ..., 0], [[0, 128], [191, 255]]
    )
    explicit = plot.display_tiles(faint, value_range=(0.0, 0.4))
    assert (explicit == 128).all()


def test_tile_grid_layout_does_not_depend_on_the_image_dtype() -> None:
    digits = (np.arange(6 * 5 * 5) % 256).astype(np.uint8).reshape(6, 5, 5)
    a = plot.tile_grid(digits, ncols=3, titles=list("abcdef"))
    b = plot.tile_grid(digits.astype(np.float32), ncols=3, titles=list("abcdef"))
    assert a.boxes == b.boxes and len(a.boxes) == 6
    assert a.images[0].norm.vmax == 255  # uint8 tiles: the fixed image scale
