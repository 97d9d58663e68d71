from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import tiny_cnn
from matplotlib.colors import to_rgb

from explainer import attribution, plot, units

L = keras.layers


def _stack(*layers, shape=(16, 16, 1)) -> keras.Model:
    inp = keras.Input(shape)
    x = inp
    for layer in layers:
        x = layer(x)
    return keras.Model(inp, x)


# --- receptive fields ---------------------------------------------------------------------------


def test_two_3x3_convolutions_see_5x5():
    m = _stack(L.Conv2D(1, 3), L.Conv2D(1, 3, name="t"))
    f = units.receptive_field(m, "t")
    assert (f.size, f.stride, f.offset) == ((5, 5), (1, 1), (0, 0))
    assert f.output_shape == (12, 12) and f.input_shape == (16, 16)


def test_pooling_after_and_between_convolutions():
    after = _stack(L.Conv2D(1, 3), L.Conv2D(1, 3), L.MaxPooling2D(2, name="t"))
    assert units.receptive_field(after, "t").size == (6, 6)
    assert units.receptive_field(after, "t").stride == (2, 2)
    # Between the two: the second conv's three positions are six conv1 positions → 3 + 5 = 8.
    between = _stack(L.Conv2D(1, 3), L.MaxPooling2D(2), L.Conv2D(1, 3, name="t"))
    assert units.receptive_field(between, "t").size == (8, 8)


def test_padding_strides_and_dilation():
    m = _stack(
        L.Conv2D(1, 3, strides=2, padding="same"),  # 16 → 8: TensorFlow pads 0 before, 1 after
        L.DepthwiseConv2D(3, padding="same", dilation_rate=2),  # effective 5 × 5, 2 before
        L.SeparableConv2D(1, 3, name="t"),
    )
    f = units.receptive_field(m, "t")
    assert f.size == (3 + 4 * 2 + 2 * 2, 15)
    assert f.stride == (2, 2) and f.offset == (-4, -4)
    assert f.box(0, 0) == (0, 0, 11, 11)  # clipped at the top-left border
    assert f.box(0, 0, clip=False) == (-4, -4, 11, 11)
    assert f.box(5, 5) == (6, 6, 16, 16)  # clipped at the bottom-right border


def test_nested_model_and_skip_connection():
    base = _stack(L.Conv2D(2, 3), L.Conv2D(2, 3, name="inner"), shape=(16, 16, 1))
    inp = keras.Input((18, 18, 1))
    x = L.Conv2D(1, 3)(inp)  # 16 × 16, field 3
    y = base(x)  # field 3 + 4 = 7
    side = L.Cropping2D(2)(x)  # 12 × 12, field 3 shifted by 2
    z = L.Add(name="t")([y, side])
    m = keras.Model(inp, z)
    assert units.receptive_field(m, "t").size == (7, 7)
    assert units.receptive_field(m, "t").offset == (0, 0)
    assert units.receptive_field(m, "inner").size == (7, 7)  # inside the nested model


def test_layers_that_mix_positions_are_refused():
    m = _stack(L.Conv2D(2, 3), L.GlobalAveragePooling2D(), L.Reshape((1, 1, 2)), L.Conv2D(1, 1))
    with pytest.raises(units.ReceptiveFieldError, match="whole image"):
        units.receptive_field(m, m.layers[-1].name)
    flat = _stack(L.Conv2D(2, 3), L.Flatten(), L.Dense(3, name="d"))
    with pytest.raises(units.ReceptiveFieldError, match="no spatial positions"):
        units.receptive_field(flat, "d")
    up = _stack(L.UpSampling2D(), L.Conv2D(1, 3, name="t"))
    with pytest.raises(units.ReceptiveFieldError, match="UpSampling2D"):
        units.receptive_field(up, "t")


def test_gradient_of_one_unit_is_zero_outside_its_field():
    keras.utils.set_random_seed(0)
    m = _stack(
        L.Conv2D(3, 3, strides=2, padding="same"),
        L.AveragePooling2D(2, strides=1),
        L.DepthwiseConv2D(3, dilation_rate=2, padding="same"),
        L.Conv2D(2, 3, padding="same", name="t"),
        shape=(20, 20, 2),
    )
    f = units.receptive_field(m, "t")
    x = tf.constant(np.random.default_rng(0).normal(size=(1, 20, 20, 2)).astype(np.float32))
    for r, c in [(0, 0), (4, 3), (8, 8)]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = m(x)[0, r, c, 1]
        grad = np.abs(np.asarray(tape.gradient(out, x))[0]).sum(axis=-1)
        top, left, bottom, right = f.box(r, c)
        outside = grad.copy()
        outside[top:bottom, left:right] = 0
        assert outside.max() == 0.0
        rows, cols = np.nonzero(grad)
        # The box is tight: the gradient reaches its unclipped edges.
        assert (rows.min(), cols.min()) == (top, left)
        assert (rows.max() + 1, cols.max() + 1) == (bottom, right)


# --- running top-k -------------------------------------------------------------------------------


def test_running_top_k_equals_argsort_with_ties():
    rng = np.random.default_rng(1)
    maps = rng.integers(0, 6, size=(37, 3, 4, 5)).astype(np.float32)  # many ties
    top = units.TopActivations(4)
    for start, stop in [(0, 10), (10, 11), (11, 30), (30, 37)]:
        top.update(maps[start:stop], start)
    res = top.result()
    scores = maps.reshape(37, -1, 5).max(axis=1)
    for c in range(5):
        expected = np.argsort(-scores[:, c], kind="stable")[:4]
        assert res.indices[c].tolist() == expected.tolist()
        assert res.values[c].tolist() == scores[expected, c].tolist()
        for i, (row, col) in zip(res.indices[c], res.positions[c], strict=True):
            first = np.argmax(maps[i, :, :, c].ravel())  # first maximum in reading order
            assert (row, col) == divmod(first, 4)
    assert res.count == 37 and res.k == 4


def test_running_top_k_memory_and_short_data():
    top = units.TopActivations(5, reduce="mean")
    top.update(np.arange(6, dtype=np.float32).reshape(3, 2), 100)  # (B, C) scores
    assert top._values.shape == (2, 3)  # never more than k + B columns
    res = top.result()
    assert res.indices[0].tolist() == [102, 101, 100, -1, -1]
    assert np.isneginf(res.values[:, 3:]).all() and (res.positions == -1).all()
    with pytest.raises(ValueError, match="channels"):
        top.update(np.zeros((2, 3)), 0)


def test_nans_rank_last_and_keep_their_position_out():
    maps = np.zeros((2, 2, 2, 1), np.float32)
    maps[0, 0, 0, 0] = np.nan
    maps[0, 1, 1, 0] = 3.0
    maps[1] = np.nan
    top = units.TopActivations(2)
    top.update(maps, 0)
    res = top.result()
    assert res.indices[0].tolist() == [0, 1] and res.values[0, 0] == 3.0
    assert res.positions[0, 0].tolist() == [1, 1] and np.isneginf(res.values[0, 1])


def test_one_pass_gives_predictions_and_top_k_together():
    # What a report's single prediction pass does: one compiled call per batch for the
    # output and the convolution, the top-k fed from the same batch.
    m = _tiny_classifier()
    x = np.random.default_rng(2).integers(0, 255, (50, 12, 12, 1)).astype(np.float32)
    run = units.layer_function(m, ["out", "conv"])
    top = units.TopActivations(3, layer="conv")
    proba = []
    for start in range(0, 50, 16):
        out, conv = run(x[start : start + 16])
        proba.append(out)
        top.update(conv, start)
    np.testing.assert_allclose(np.concatenate(proba), np.asarray(m(x)), atol=1e-5)
    ref = units.top_activations(m, x, ["conv"], k=3, batch_size=7)["conv"]
    assert np.array_equal(top.result().indices, ref.indices)


def test_cut_patches_marks_pixels_beyond_the_border():
    f = units.ReceptiveField("t", (5, 5), (1, 1), (-2, -2), (6, 6), (6, 6))
    x = np.arange(2 * 6 * 6, dtype=np.uint8).reshape(2, 6, 6)
    p = units.cut_patches(x, np.array([[1, -1]]), np.array([[[0, 3], [0, 0]]]), f)
    assert p.images.shape == (1, 2, 5, 5, 1)
    assert p.inside[0, 0, :2].sum() == 0 and p.inside[0, 0, 2:].all()
    assert p.images[0, 0, 2:, :, 0].tolist() == x[1, 0:3, 1:6].tolist()
    assert tuple(p.boxes[0, 0]) == (0, 1, 3, 6)
    assert not p.inside[0, 1].any()  # index -1: an empty patch


# --- feature visualisation -------------------------------------------------------------------


def _tiny_classifier() -> keras.Model:
    return tiny_cnn((12, 12, 1), head_name="out", seed=3)


def test_channel_visualisation_raises_the_activation_and_is_deterministic():
    m = _tiny_classifier()
    a = units.visualise_channels(m, "conv", [0, 2], steps=24, seed=5)
    b = units.visualise_channels(m, "conv", [2], steps=24, seed=5)
    assert a.images.shape == (2, 12, 12, 1) and a.trace.shape == (2, 25)
    assert (a.final > a.trace[:, 0]).all()
    assert a.images.min() >= 0 and a.images.max() <= 255
    np.testing.assert_allclose(a.images[1], b.images[0], atol=1e-4)  # batch-independent
    again = units.visualise_channels(m, "conv", [0, 2], steps=24, seed=5)
    assert np.array_equal(a.images, again.images) and np.array_equal(a.trace, again.trace)
    assert m.get_layer("conv").activation.__name__ == "relu"  # the swap was undone
    # The peak is the real ReLU output of the returned image.
    real = np.asarray(keras.Model(m.inputs[0], m.get_layer("conv").output)(a.images))
    np.testing.assert_allclose(a.peak, real[..., [0, 2]].max(axis=(1, 2))[[0, 1], [0, 1]], 1e-5)


def test_class_visualisation_raises_the_logit():
    m = _tiny_classifier()
    v = units.visualise_classes(m, [0, 1, 2], steps=24, start=30.0)
    assert (v.final > v.trace[:, 0] + 0.01).all()
    assert v.objective == "class logit" and m.get_layer("out").activation.__name__ == "softmax"
    with pytest.raises(ValueError, match="classes"):
        units.visualise_classes(m, [3])
    # The trace ends at the class's logit as the attribution chapter reads it.
    np.testing.assert_allclose(
        v.final, attribution.logits(m, v.images)[[0, 1, 2], [0, 1, 2]], rtol=1e-5, atol=1e-5
    )


def test_visualisations_share_their_options_and_refuse_a_misspelt_one():
    m = _tiny_classifier()
    options = {"steps": 4, "seed": 1, "regularisers": units.Regularisers(blur_every=0)}
    v = units.visualise_channels(m, "conv", [1], **options)
    assert v.trace.shape == (1, 5) and v.regularisers.blur_every == 0
    assert units.visualise_classes(m, [1], **options).trace.shape == (1, 5)
    for call in (
        lambda: units.visualise_channels(m, "conv", [1], stepz=4),
        lambda: units.visualise_classes(m, [1], stepz=4),
    ):
        with pytest.raises(TypeError, match=r"unknown options \['stepz'\]; it takes noise, "):
            call()


# --- the learned space -----------------------------------------------------------------------


def test_knn_accuracy_on_an_obvious_toy_set():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]])
    y_train = np.repeat(np.arange(3), 20)
    train = centres[y_train] + rng.normal(scale=0.5, size=(60, 2))
    y_test = np.array([0, 1, 2, 2])
    test = centres[y_test] + 0.1
    assert units.knn_accuracy(train, y_train, test, y_test) == 1.0
    assert units.knn_accuracy(train, y_train, test, (y_test + 1) % 3) == 0.0
    with pytest.raises(ValueError, match="same D"):
        units.knn_accuracy(train, y_train, test[:, :1], y_test)


def test_tsne_shape_and_determinism():
    x = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    x[:20] += 6
    a = units.tsne(x, max_iter=250)
    assert a.shape == (40, 2) and a.dtype == np.float32
    assert np.array_equal(a, units.tsne(x, max_iter=250))
    # The two groups stay apart.
    gap = np.linalg.norm(a[:20].mean(0) - a[20:].mean(0))
    assert gap > 2 * a[:20].std(0).max()


def test_grid_layout_snaps_each_cell_to_the_nearest_point():
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [0.1, 0.1], [0.9, 0.0], [0.45, 0.9]])
    grid = units.grid_layout(xy, 2, 2)
    # Rows go down from the largest y: top-left holds (0.45, 0.9), bottom-left the point
    # nearest that cell's centre (0.25, 0.25) among (0, 0) and (0.1, 0.1).
    assert grid.tolist() == [[4, 1], [2, 3]]
    assert units.grid_layout(xy, 3).shape == (3, 3)


# --- figures ---------------------------------------------------------------------------------


def test_top_patches_grid_rows_are_channels():
    f = units.ReceptiveField("t", (4, 4), (2, 2), (-1, -1), (8, 8), (4, 4))
    x = np.random.default_rng(0).integers(0, 255, (5, 8, 8, 3)).astype(np.uint8)
    patches = units.cut_patches(x, np.array([[0, 1, 2]] * 4), np.zeros((4, 3, 2), int), f)
    drawn = plot.top_patches(patches, blocks=2, suptitle="top patches")
    assert len(drawn.grids) == 2 and sum(len(g.images) for g in drawn.grids) == 12
    assert [t.get_text() for t in drawn.row_labels] == ["ch 0", "ch 1", "ch 2", "ch 3"]
    tile = drawn.grids[0].images[0].get_array()
    assert tile.shape == (4, 4, 3)
    assert tuple(tile[0, 0]) in {(236,) * 3, (208,) * 3}  # the padding's checkerboard
    assert tile[1:, 1:].tolist() == x[0, :3, :3].tolist()
    assert drawn.figure._suptitle.get_text() == "top patches"


def test_visualisation_beside_examples():
    opt = np.full((2, 6, 6, 1), 255.0)
    ex = np.zeros((2, 3, 2, 2, 1), np.uint8)
    drawn = plot.visualisation_beside_examples(opt, ex, labels=["a", "b"], suptitle="vis")
    assert len(drawn.grid.images) == 8  # two rows of 1 + 3
    assert drawn.grid.images[0].get_array()[0, 0].tolist() == [255, 255, 255]
    assert drawn.magnification == 3 and drawn.grid.images[1].get_array().shape == (6, 6, 3)
    assert [t.get_text() for t in drawn.row_labels] == ["a", "b"]
    assert drawn.headings[0].get_text() == "optimised"
    with pytest.raises(ValueError, match="optimised images"):
        plot.visualisation_beside_examples(opt[:1], ex)


def test_embedding_scatter_colours_and_legend():
    y = np.array([0, 1, 1, 2])
    xy = np.arange(8.0).reshape(4, 2)
    drawn = plot.embedding_scatter({"a": xy, "b": -xy}, y, class_names=["x", "y", "z"])
    assert len(drawn.axes) == 2 and [len(p) for p in drawn.scatters] == [3, 3]
    assert drawn.scatters[1][1].get_offsets().tolist() == (-xy[1:3]).tolist()
    assert [t.get_text() for t in drawn.legend.get_texts()] == ["x", "y", "z"]
    assert np.allclose(drawn.scatters[0][2].get_facecolor()[0][:3], to_rgb(plot.CLASS_PALETTE[2]))


def test_thumbnail_mosaic_places_images_by_position():
    images = np.stack([np.full((3, 3), v, np.uint8) for v in (10, 200, 90)])
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    drawn = plot.thumbnail_mosaic(images, xy, n_cols=2, y=np.array([0, 1, 1]), suptitle="m")
    assert drawn.layout.tolist() == [[2, 1], [0, -1]]
    assert drawn.mosaic.shape == (10, 10, 3)  # 2 × 2 cells of 3 px plus a 1-px frame
    assert drawn.mosaic[6, 1].tolist() == [10, 10, 10]  # image 0, bottom-left
    frame = np.round(np.asarray(plot.CLASS_PALETTE[1]) * 255)
    assert drawn.mosaic[0, 0].tolist() == frame.tolist()  # image 2's frame: class 1
    assert (drawn.mosaic[5:, 5:] == 255).all()  # the empty cell stays white
    assert len(drawn.figure.axes[0].images) == 1


def test_a_layer_inside_a_nested_model():
    # Transfer learning: the convolution sits in a base model used as one layer.
    keras.utils.set_random_seed(4)
    base = _stack(L.Conv2D(3, 3, activation="relu", name="inner"), L.MaxPooling2D(2))
    inp = keras.Input((16, 16, 1))
    out = L.Dense(2, activation="softmax")(L.Flatten()(base(inp)))
    m = keras.Model(inp, out)
    x = np.random.default_rng(0).normal(size=(9, 16, 16, 1)).astype(np.float32)
    inner = np.asarray(keras.Model(base.inputs[0], base.get_layer("inner").output)(x))
    (got,) = units.layer_function(m, ["inner"])(x)
    np.testing.assert_allclose(got, inner, atol=1e-6)
    top = units.top_activations(m, x, ["inner"], k=2)["inner"]
    assert top.indices[:, 0].tolist() == inner.max(axis=(1, 2)).argmax(axis=0).tolist()
    assert units.receptive_field(m, "inner").size == (3, 3)
    v = units.visualise_channels(m, "inner", [1], steps=8, value_range=(-1.0, 1.0))
    assert v.final[0] > v.trace[0, 0]
