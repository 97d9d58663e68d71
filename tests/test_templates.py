"""Templates chapter: confusion display with examples, template pictures, margin probe."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.image import AxesImage

from explainer import datasets, plot, probe
from explainer.plot.confusion import DIAGONAL_COLOR
from explainer.plot.templates import NEGATIVE_COLOR, POSITIVE_COLOR

# Six samples, three classes. Cells: (0,0) twice, (0,1) once, (1,1) twice, (2,0) once.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2])
Y_PRED = np.array([0, 0, 1, 1, 1, 0])
CONF = np.array([0.6, 0.9, 0.7, 0.8, 0.8, 0.5])


def _grey_images(n: int = 6) -> np.ndarray:
    # image i is filled with the value 10 * i, so a drawn image tells which sample it is
    return (np.arange(n, dtype=np.uint8)[:, None, None] * 10 * np.ones((1, 4, 4), np.uint8))[
        ..., None
    ]


# --- ConfusionExamplesDisplay -------------------------------------------------------------


def test_counts_and_most_confident_example_per_cell():
    disp = plot.ConfusionExamplesDisplay.from_predictions(Y_TRUE, Y_PRED, CONF, _grey_images())
    np.testing.assert_array_equal(disp.counts, [[2, 1, 0], [0, 2, 0], [1, 0, 0]])
    # (0,0): samples 0 (0.6) and 1 (0.9) -> 1; (1,1): a tie 0.8/0.8 -> the first, 3
    np.testing.assert_array_equal(disp.example_index, [[1, 2, -1], [-1, 3, -1], [5, -1, -1]])
    assert disp.n_classes == 3
    assert disp.class_names == ["0", "1", "2"]


def test_counts_agree_with_probe_confusion_on_random_predictions():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    conf = rng.random(300)
    disp = plot.ConfusionExamplesDisplay.from_predictions(
        y_true, y_pred, conf, np.zeros((300, 2, 2)), n_classes=5
    )
    np.testing.assert_array_equal(disp.counts, probe.confusion(y_true, y_pred, 5))
    for t in range(5):
        for p in range(5):
            members = np.flatnonzero((y_true == t) & (y_pred == p))
            if len(members):
                assert disp.example_index[t, p] == members[np.argmax(conf[members])]
            else:
                assert disp.example_index[t, p] == -1


def test_n_classes_from_class_names_keeps_unseen_classes_empty():
    disp = plot.ConfusionExamplesDisplay.from_predictions(
        Y_TRUE, Y_PRED, CONF, _grey_images(), class_names=["a", "b", "c", "d"]
    )
    assert disp.counts.shape == (4, 4)
    assert (disp.example_index[3] == -1).all() and (disp.example_index[:, 3] == -1).all()


def test_from_predictions_rejects_bad_input():
    with pytest.raises(ValueError, match="images"):
        plot.ConfusionExamplesDisplay.from_predictions(Y_TRUE, Y_PRED, CONF, _grey_images(5))
    with pytest.raises(ValueError, match="outside"):
        plot.ConfusionExamplesDisplay.from_predictions(
            Y_TRUE, Y_PRED, CONF, _grey_images(), n_classes=2
        )


def test_from_test_set_is_from_predictions_of_argmax_and_max():
    proba = np.eye(3)[Y_PRED] * CONF[:, None] + (1 - CONF[:, None]) / 3 * (1 - np.eye(3)[Y_PRED])
    images = _grey_images()
    data = datasets.ImageData("toy", images, Y_TRUE, images, Y_TRUE, ("a", "b", "c"), "-")
    disp = plot.ConfusionExamplesDisplay.from_test_set(data, proba)
    np.testing.assert_array_equal(disp.counts, [[2, 1, 0], [0, 2, 0], [1, 0, 0]])
    np.testing.assert_array_equal(disp.example_index, [[1, 2, -1], [-1, 3, -1], [5, -1, -1]])
    np.testing.assert_allclose(disp.confidences, CONF)
    assert disp.class_names == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"one row of 3 class probabilities for each of the 6"):
        plot.ConfusionExamplesDisplay.from_test_set(data, proba[:5])


def test_most_frequent_mistake_skips_the_diagonal_and_takes_the_first_tie():
    disp = plot.ConfusionExamplesDisplay.from_predictions(Y_TRUE, Y_PRED, CONF, _grey_images())
    # the diagonal (2, 2) is larger; (0,1) and (2,0) tie at one: row-major order picks (0,1)
    assert disp.most_frequent_mistake() == (0, 1, 1)
    counts = np.array([[50, 1, 0], [7, 40, 3], [0, 9, 30]])
    assert plot.ConfusionExamplesDisplay(
        counts, -np.ones((3, 3)), _grey_images()
    ).most_frequent_mistake() == (2, 1, 9)


def test_plot_draws_one_image_per_nonempty_cell_and_returns_itself():
    disp = plot.ConfusionExamplesDisplay.from_predictions(Y_TRUE, Y_PRED, CONF, _grey_images())
    fig, ax = plt.subplots()
    out = disp.plot(ax=ax, suptitle="examples")
    assert out is disp
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.images_.shape == (3, 3) and disp.text_.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            img, text = disp.images_[i, j], disp.text_[i, j]
            if disp.example_index[i, j] < 0:
                assert img is None and text is None
            else:
                assert isinstance(img, AxesImage)
                # the drawn pixels are those of the chosen sample
                assert img.get_array()[0, 0] == 10 * disp.example_index[i, j]
                assert text.get_text() == str(disp.counts[i, j])
    assert len(ax.get_images()) == 4
    assert len(disp.diagonal_) == 3
    assert to_rgba(disp.diagonal_[0].get_edgecolor()) == to_rgba(DIAGONAL_COLOR)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert fig._suptitle.get_text() == "examples"


def test_plot_without_counts_and_with_rgb_images():
    rgb = np.zeros((6, 4, 4, 3), dtype=np.float32)
    rgb[:, :, :, 0] = 2.0  # a float image above 1 is on the uint8 scale (plot.prepare_image)
    disp = plot.ConfusionExamplesDisplay.from_predictions(Y_TRUE, Y_PRED, CONF, rgb)
    disp.plot(show_counts=False)
    assert all(t is None for t in disp.text_.ravel())
    arr = disp.images_[0, 0].get_array()
    assert arr.shape == (4, 4, 3) and float(arr.max()) == pytest.approx(2 / 255)
    assert disp.ax_.figure is disp.figure_


def test_plot_counts_colours_mistakes_only_and_writes_every_count():
    disp = plot.ConfusionExamplesDisplay.from_predictions(Y_TRUE, Y_PRED, CONF, _grey_images())
    out = disp.plot_counts()
    assert out is disp
    texts = [[t.get_text() for t in row] for row in disp.counts_text_]
    assert texts == [["2", "1", "0"], ["0", "2", "0"], ["1", "0", "0"]]
    norm = disp.counts_im_.norm
    assert norm.vmin == 0 and norm.vmax == 1  # largest off-diagonal count, not the diagonal
    data = disp.counts_im_.get_array()
    assert np.ma.getmaskarray(data)[np.eye(3, dtype=bool)].all()
    assert len(disp.counts_diagonal_) == 3
    assert disp.counts_colorbar_ is not None


# --- templates ------------------------------------------------------------------------------


def test_template_grid_grey_shapes_shared_centred_norm_and_titles():
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(6 * 5, 4))
    kernel[0, 2] = -3.0  # the largest magnitude is negative: the scale must still be symmetric
    grid = plot.template_grid(kernel, (6, 5), class_names=list("abcd"), suptitle="t")
    assert len(grid.images) == 4
    for k, im in enumerate(grid.images):
        np.testing.assert_allclose(im.get_array(), kernel[:, k].reshape(6, 5))
    norm = grid.norms[0]
    assert all(n is norm for n in grid.norms)
    assert norm.vmin == pytest.approx(-3.0) and norm.vmax == pytest.approx(3.0)
    assert grid.images[0].get_cmap().name == plot.WEIGHT_CMAP
    assert grid.colorbar is not None
    assert [t.get_text() for t in grid.titles] == list("abcd")


def test_template_grid_per_tile_norms_are_each_centred():
    kernel = np.array([[1.0, -0.5], [-2.0, 0.25], [0.5, 0.1], [0.0, 0.0]])
    grid = plot.template_grid(kernel, (2, 2, 1), scale="per_tile")
    assert [(n.vmin, n.vmax) for n in grid.norms] == [(-2.0, 2.0), (-0.5, 0.5)]
    assert grid.colorbar is None


def test_template_grid_rgb_zero_is_mid_grey():
    kernel = np.zeros((2 * 2 * 3, 2))
    kernel[0, 0] = 1.0  # pixel (0, 0), red, of unit 0: the largest weight -> 255
    kernel[1, 1] = -0.5  # pixel (0, 0), green, of unit 1: half the largest, negative
    grid = plot.template_grid(kernel, (2, 2, 3))
    a = grid.images[0].get_array()
    b = grid.images[1].get_array()
    assert a.dtype == np.uint8 and a.shape == (2, 2, 3)
    assert a[0, 0, 0] == 255 and a[1, 1, 2] == 128
    assert b[0, 0, 1] == 64  # 0.5 - 0.5 * 0.5 = 0.25 of 255, on the shared scale
    per_tile = plot.rgb_weights_for_display(kernel.T.reshape(2, 2, 2, 3), scale="per_tile")
    assert per_tile[1, 0, 0, 1] == 0  # its own largest magnitude -> the end of the range


def test_template_grid_checks_sizes():
    with pytest.raises(ValueError, match="inputs"):
        plot.template_grid(np.zeros((10, 2)), (3, 3))
    with pytest.raises(ValueError, match="class names"):
        plot.template_grid(np.zeros((9, 2)), (3, 3), class_names=["a"])


def test_template_closeup_centred_with_region_and_annotation():
    w = np.linspace(-1, 2, 16).reshape(4, 4)
    ref = np.ones((4, 4))
    out = plot.template_closeup(
        w,
        title="zero",
        references=[("mean", ref)],
        region=(slice(1, 3), slice(1, 3)),
        annotation="why",
    )
    assert out.norm.vmin == -2.0 and out.norm.vmax == 2.0
    assert len(out.reference_images) == 1 and len(out.region_boxes) == 2
    assert out.annotation is not None and out.annotation.xy == (1.5, 1.5)
    assert out.ax.get_title() == "zero"


def test_hidden_layer_figure_bars_follow_sign_and_share_a_scale():
    rng = np.random.default_rng(2)
    hidden = rng.normal(size=(9, 4))
    output = np.array([[1.0, -2.0, 0.5], [-1.0, 0.5, 0.0], [0.3, 0.3, -0.3], [0.0, 1.5, 1.0]])
    fig = plot.hidden_layer_figure(hidden, output, (3, 3), class_names=["x", "y", "z"])
    assert len(fig.unit_images) == 4 and len(fig.bar_axes) == 3
    assert fig.unit_norm.vmin == -fig.unit_norm.vmax
    for c, bars in enumerate(fig.bars):
        heights = [b.get_height() for b in bars]
        np.testing.assert_allclose(heights, output[:, c])
        for b, v in zip(bars, output[:, c], strict=True):
            assert b.get_facecolor() == to_rgba(POSITIVE_COLOR if v >= 0 else NEGATIVE_COLOR)
    assert {ax.get_ylim() for ax in fig.bar_axes} == {(-2.16, 2.16)}
    assert [ax.get_ylabel() for ax in fig.bar_axes] == ["x", "y", "z"]


def test_top_k_figure_shows_the_k_most_probable_classes():
    proba = np.array([[0.1, 0.5, 0.4, 0.0], [0.7, 0.1, 0.1, 0.1]])
    images = np.zeros((2, 3, 3), dtype=np.uint8)
    out = plot.top_k_figure(images, proba, np.array([2, 0]), k=3, titles=["a", "b"])
    np.testing.assert_array_equal(out.top_classes, [[1, 2, 0], [0, 1, 2]])
    # bars are drawn bottom-up: the most probable class last
    first = out.bars[0]
    np.testing.assert_allclose([b.get_width() for b in first], [0.1, 0.4, 0.5])
    colors = [b.get_facecolor() for b in first]
    assert colors[2] == to_rgba("tab:red") and colors[1] == to_rgba("tab:green")
    assert out.bars[1][2].get_facecolor() == to_rgba("tab:green")  # right answer: green
    assert out.image_axes[0].get_xlabel() == "true: 2"


def test_class_grid_takes_the_first_images_of_each_class():
    y = np.array([1, 0, 1, 0, 0, 1])
    x = np.zeros((6, 2, 2, 3), dtype=np.uint8)
    out = plot.class_grid(x, y, ["a", "b"], per_class=2)
    np.testing.assert_array_equal(out.indices, [[1, 3], [0, 2]])
    assert out.axes.shape == (2, 2) and len(out.images) == 4
    with pytest.raises(ValueError, match="only"):
        plot.class_grid(x, y, ["a", "b"], per_class=4)


# --- probe ----------------------------------------------------------------------------------


def test_mistakes_by_margin_picks_hesitant_and_blatant():
    proba = np.array(
        [
            [0.90, 0.05, 0.05],  # 0: right
            [0.45, 0.44, 0.11],  # 1: wrong (true 1), true class runner-up, margin 0.01
            [0.02, 0.97, 0.01],  # 2: wrong (true 0), confident
            [0.40, 0.30, 0.30],  # 3: wrong (true 2), runner-up is not the truth
            [0.50, 0.48, 0.02],  # 4: wrong (true 1), runner-up, margin 0.02
            [0.01, 0.01, 0.98],  # 5: wrong (true 1), the most confident
        ]
    )
    y_true = np.array([0, 1, 0, 2, 1, 1])
    hesitant, blatant = probe.mistakes_by_margin(y_true, proba, n_hesitant=2, n_blatant=2)
    np.testing.assert_array_equal(blatant, [5, 2])
    np.testing.assert_array_equal(hesitant, [1, 4])
    hesitant_any, _ = probe.mistakes_by_margin(
        y_true, proba, n_hesitant=3, n_blatant=1, runner_up_true=False
    )
    np.testing.assert_array_equal(hesitant_any, [1, 4, 3])
    assert not set(hesitant_any) & {5}


def test_class_means():
    x = np.array([[[0]], [[2]], [[10]]], dtype=np.uint8)
    means = probe.class_means(x, np.array([0, 0, 2]), 3)
    np.testing.assert_allclose(means[:, 0, 0], [1.0, 0.0, 10.0])
