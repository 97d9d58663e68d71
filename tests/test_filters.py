"""Tests of the Filters chapter's probes and figures, on tiny models and arrays."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.colors import to_hex

from explainer import plot, probe

pytestmark = pytest.mark.usefixtures("cache_dir")  # conftest: a private model cache


@pytest.fixture(scope="module")
def keras():
    import keras

    keras.utils.set_random_seed(0)
    return keras


def _conv_by_hand(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A 'valid' 2-D convolution (cross-correlation, as Keras does) with plain NumPy loops."""
    n, h, w, _ = x.shape
    kh, kw, _, c = kernel.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, c), dtype=np.float64)
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            patch = x[:, i : i + kh, j : j + kw, :]
            out[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out + bias


# --- probe.conv_stages ---------------------------------------------------------------------------


def test_conv_stages_fused_relu_matches_hand_convolution(keras) -> None:
    inputs = keras.Input((9, 9, 1))
    h = keras.layers.Rescaling(0.5, name="scale")(inputs)
    h = keras.layers.Conv2D(3, 3, activation="relu", name="conv")(h)
    h = keras.layers.MaxPooling2D(2, name="pool")(h)
    out = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(h))
    model = keras.Model(inputs, out)
    x = np.random.default_rng(1).normal(size=(5, 9, 9, 1)).astype(np.float32)

    stages = probe.conv_stages(model, x, "conv", batch_size=2)

    assert stages.pre.shape == stages.post.shape == (5, 7, 7, 3)
    assert stages.pooled is not None and stages.pooled.shape == (5, 3, 3, 3)
    assert stages.activation == "relu" and stages.pool_layer == "pool"
    w = probe.layer_weights(model, "conv")
    expected = _conv_by_hand(0.5 * x, w.kernel, w.bias)
    np.testing.assert_allclose(stages.pre, expected, rtol=1e-4, atol=1e-5)
    assert (stages.pre < 0).mean() > 0.2  # the pre-ReLU maps really have negative values
    np.testing.assert_allclose(stages.post, np.maximum(stages.pre, 0), atol=1e-6)
    pooled = stages.post[:, :6, :6, :].reshape(5, 3, 2, 3, 2, 3).max(axis=(2, 4))
    np.testing.assert_allclose(stages.pooled, pooled, atol=1e-6)
    one = stages.sample(-1)
    assert one.pre.shape == (1, 7, 7, 3)
    np.testing.assert_array_equal(one.post[0], stages.post[4])


def test_conv_stages_separate_activation_layer_and_no_pool(keras) -> None:
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, padding="same", name="c"),
            keras.layers.Activation("tanh", name="act"),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    x = np.random.default_rng(2).normal(size=(3, 8, 8, 3)).astype(np.float32)

    stages = probe.conv_stages(model, x, "c")

    assert stages.pre.shape == (3, 8, 8, 4)
    assert stages.activation == "tanh" and stages.activation_layer == "act"
    assert stages.pooled is None and stages.pool_layer is None
    np.testing.assert_allclose(stages.post, np.tanh(stages.pre), atol=1e-6)


def test_conv_stages_rejects_non_convolution(keras) -> None:
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(name="flat")])
    with pytest.raises(ValueError, match="not a convolution"):
        probe.conv_stages(model, np.zeros((1, 4, 4, 1), np.float32), "flat")


# --- plot.filters_grid / feature_maps ------------------------------------------------------------


def test_filters_grid_grey_kernel_is_centred_with_colorbar() -> None:
    kernel = np.random.default_rng(3).normal(size=(5, 5, 1, 6)) + 0.3  # mostly positive
    grid = plot.filters_grid(kernel, suptitle="Six filters")

    assert len(grid.images) == 6
    assert [t.get_text() for t in grid.titles] == [str(i) for i in range(6)]
    norm = grid.norms[0]
    assert norm.vmin == pytest.approx(-norm.vmax)
    assert norm.vmax == pytest.approx(np.abs(kernel).max())
    assert grid.images[0].get_cmap().name == plot.WEIGHT_CMAP
    assert grid.colorbar is not None
    np.testing.assert_allclose(grid.images[2].get_array(), kernel[:, :, 0, 2])


def test_filters_grid_rgb_kernel_is_grey_at_zero() -> None:
    kernel = np.zeros((3, 3, 3, 4))
    kernel[0, 0, 0, 1] = 2.0  # one positive red weight
    kernel[1, 1, :, 1] = -2.0  # one negative weight in all channels
    grid = plot.filters_grid(kernel)

    assert len(grid.images) == 4 and grid.colorbar is None
    rgb = np.asarray(grid.images[1].get_array())
    assert rgb.shape == (3, 3, 3)
    assert tuple(rgb[2, 2]) == (128, 128, 128)  # zero weight: mid grey
    assert tuple(rgb[0, 0]) == (255, 128, 128)  # red channel up
    assert tuple(rgb[1, 1]) == (0, 0, 0)  # every channel down
    assert np.all(np.asarray(grid.images[0].get_array()) == 128)  # an all-zero filter


def test_filters_comparison_draws_one_grid_per_kernel() -> None:
    rng = np.random.default_rng(10)
    before, after = (
        rng.normal(size=(2, 3, 3, 1, 4)) * np.array([0.1, 1.0])[:, None, None, None, None]
    )
    drawn = plot.filters_comparison([before, after], ["before", "after"], suptitle="Two")
    assert [g.figure.get_suptitle() for g in drawn.grids] == ["before", "after"]
    assert all(len(g.images) == 4 and g.colorbar is not None for g in drawn.grids)
    assert drawn.grids[0].norms[0].vmax == pytest.approx(np.abs(before).max())
    assert drawn.grids[1].norms[0].vmin == pytest.approx(-np.abs(after).max())


def test_filters_grid_many_channels_uses_mean() -> None:
    kernel = np.random.default_rng(4).normal(size=(3, 3, 5, 2))
    grid = plot.filters_grid(kernel, colorbar=False)
    np.testing.assert_allclose(
        grid.images[1].get_array(), kernel[:, :, :, 1].mean(axis=2), rtol=1e-6
    )
    assert grid.colorbar is None


def test_feature_maps_tiles_and_automatic_diverging() -> None:
    maps = np.random.default_rng(5).normal(size=(6, 6, 7))
    grid = plot.feature_maps(maps, suptitle="Seven maps")
    assert len(grid.images) == 7
    assert grid.images[0].get_cmap().name == plot.WEIGHT_CMAP
    assert grid.norms[0].vmin == pytest.approx(-grid.norms[0].vmax)
    assert all(n is grid.norms[0] for n in grid.norms)  # one shared scale

    relu = plot.feature_maps(np.maximum(maps, 0)[np.newaxis])  # (1, H, W, C) is accepted
    assert relu.images[0].get_cmap().name == plot.FEATURE_CMAP
    assert relu.norms[0].vmin == 0.0
    np.testing.assert_allclose(relu.images[3].get_array(), np.maximum(maps[..., 3], 0))


def test_conv_stages_figure_shares_one_centred_scale() -> None:
    rng = np.random.default_rng(6)
    pre = rng.normal(size=(1, 8, 8, 4)).astype(np.float32)
    post = np.maximum(pre, 0)
    pooled = post.reshape(1, 4, 2, 4, 2, 4).max(axis=(2, 4))
    stages = probe.ConvStages("conv", pre, post, pooled, activation="relu")
    image = rng.integers(0, 255, size=(10, 10, 1), dtype=np.uint8)

    drawn = plot.conv_stages_figure(image, stages, suptitle="Stages", image_title="input")

    assert list(drawn.grids) == ["pre", "post", "pooled"]
    assert all(len(g.images) == 4 for g in drawn.grids.values())
    assert drawn.norm.vmin == pytest.approx(-drawn.norm.vmax)
    assert drawn.norm.vmax == pytest.approx(post.max())  # the largest value after the ReLU
    assert drawn.colorbar.extend in ("min", "neither")
    for grid in drawn.grids.values():
        assert all(im.norm is drawn.norm for im in grid.images)
    assert "ReLU" in drawn.grids["post"].figure.get_suptitle()
    assert drawn.colorbar is not None


def test_maps_comparison_panels_share_scale() -> None:
    rng = np.random.default_rng(7)
    maps = [np.abs(rng.normal(size=(6, 6, 4))) * s for s in (1.0, 3.0)]
    images = [rng.integers(0, 255, size=(8, 8), dtype=np.uint8) for _ in maps]
    drawn = plot.maps_comparison(
        images, maps, titles=["a", "b"], title_colors=["red", "black"], suptitle="Compare"
    )
    assert len(drawn.grids) == 2 and all(len(g.images) == 4 for g in drawn.grids)
    assert drawn.norm.vmin == 0.0 and drawn.norm.vmax == pytest.approx(maps[1].max())
    assert to_hex(drawn.titles[0].get_color()) == to_hex("red")


# --- plot.mistakes_grid --------------------------------------------------------------------------


def _mistake_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.array([0, 1, 2, 3, 4, 5])
    proba = np.full((6, 10), 0.01)
    proba[0, 0] = 0.91  # right
    proba[1, 7] = 0.60  # wrong, 60 %
    proba[2, 2] = 0.91  # right
    proba[3, 8] = 0.95  # wrong, 95 %: the most confident mistake
    proba[4, 9] = 0.70  # wrong, 70 %
    proba[5, 5] = 0.91
    images = np.random.default_rng(8).integers(0, 255, size=(6, 5, 5, 1), dtype=np.uint8)
    return images, y, proba


def test_mistakes_grid_orders_by_confidence_and_colours_labels() -> None:
    images, y, proba = _mistake_data()
    grid = plot.mistakes_grid(images, y, proba, suptitle="Mistakes")

    np.testing.assert_array_equal(grid.indices, [3, 4, 1])
    assert len(grid.images) == 3
    assert len(grid.boxes) == 3 and len(grid.frames.get_segments()) == 3  # the grid's own fields
    assert [t.get_text() for t in grid.true_texts] == ["3", "4", "1"]
    assert [t.get_text() for t in grid.pred_texts] == ["→ 8", "→ 9", "→ 7"]
    assert [t.get_text() for t in grid.confidence_texts] == ["95%", "70%", "60%"]
    for t in grid.true_texts:
        assert to_hex(t.get_color()) == to_hex(plot.TRUE_LABEL_COLOR)
    for t in grid.pred_texts:
        assert to_hex(t.get_color()) == to_hex(plot.PRED_LABEL_COLOR)
    assert to_hex(plot.TRUE_LABEL_COLOR) != to_hex(plot.PRED_LABEL_COLOR)
    np.testing.assert_array_equal(grid.images[0].get_array(), images[3, :, :, 0])


def test_mistakes_grid_with_class_names_and_chosen_indices() -> None:
    images, y, proba = _mistake_data()
    names = [f"class{k}" for k in range(10)]
    grid = plot.mistakes_grid(
        images, y, proba, indices=[1, 3], class_names=names, show_confidence=False
    )
    assert [t.get_text() for t in grid.true_texts] == ["class1", "class3"]
    assert [t.get_text() for t in grid.pred_texts] == ["→ class7", "→ class8"]
    assert to_hex(grid.pred_texts[0].get_color()) == to_hex(plot.PRED_LABEL_COLOR)
    with_conf = plot.mistakes_grid(images, y, proba, class_names=names)
    assert [t.get_text() for t in with_conf.pred_texts] == [
        "→ class8\n95%",
        "→ class9\n70%",
        "→ class7\n60%",
    ]


def test_mistakes_grid_needs_a_mistake() -> None:
    y = np.array([0, 1])
    proba = np.eye(10)[:2]
    with pytest.raises(ValueError, match="no mistakes"):
        plot.mistakes_grid(np.zeros((2, 4, 4)), y, proba)


def test_probability_bars_and_layer_maps_figure() -> None:
    rng = np.random.default_rng(9)
    proba = np.array([0.1, 0.6, 0.3])
    maps = {"c1": rng.normal(size=(8, 8, 4)), "p1": np.abs(rng.normal(size=(4, 4, 6)))}
    drawn = plot.layer_maps_figure(
        rng.integers(0, 255, size=(8, 8, 3), dtype=np.uint8),
        maps,
        proba=proba,
        class_names=["a", "b", "c"],
        suptitle="Layers",
    )
    assert len(drawn.grids["c1"].images) == 4 and len(drawn.grids["p1"].images) == 6
    assert drawn.norms["c1"].vmin == pytest.approx(-drawn.norms["c1"].vmax)
    assert drawn.norms["p1"].vmin == 0.0
    assert drawn.bars is not None
    widths = [b.get_width() for b in drawn.bars]
    np.testing.assert_allclose(widths, proba)
    assert to_hex(drawn.bars[1].get_facecolor()) == to_hex(plot.PRED_LABEL_COLOR)
    again = plot.layer_maps_figure(np.zeros((8, 8, 3)), maps, norms=drawn.norms)
    assert again.norms["c1"] is drawn.norms["c1"] and again.bars is None
