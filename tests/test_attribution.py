"""Attribution maps on tiny models whose answers are known by hand."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from explainer import attribution, faithfulness, units

RNG = np.random.default_rng(0)


def _linear(head: str, shape: tuple[int, int, int] = (4, 4, 1), classes: int = 3) -> keras.Model:
    """Flatten → Dense, with the softmax in the Dense, in a separate layer, or not at all."""
    keras.utils.set_random_seed(1)
    inp = keras.Input(shape)
    h = keras.layers.Flatten()(inp)
    if head == "dense_softmax":
        out = keras.layers.Dense(classes, activation="softmax", name="out")(h)
    else:
        out = keras.layers.Dense(classes, name="out")(h)
        if head == "activation":
            out = keras.layers.Activation("softmax")(out)
        elif head == "softmax_layer":
            out = keras.layers.Softmax()(out)
    return keras.Model(inp, out)


@pytest.mark.parametrize("head", ["dense_softmax", "activation", "softmax_layer", "logits"])
def test_linear_gradient_is_the_weight_row(head):
    model = _linear(head)
    kernel, bias = model.get_layer("out").get_weights()
    x = RNG.random((5, 4, 4, 1)).astype(np.float32)
    targets = np.array([0, 1, 2, 1, 0])
    grads = attribution.input_gradients(model, x, targets)
    expected = kernel[:, targets].T.reshape(5, 4, 4, 1)
    np.testing.assert_allclose(grads, expected, rtol=0, atol=1e-6)
    # the reduced map: Simonyan's max over channels of |gradient|
    np.testing.assert_allclose(
        attribution.gradients(model, x, targets), np.abs(expected[..., 0]), atol=1e-6
    )
    # pre-softmax: the scores are the logits x·W + b, whichever way the softmax is written
    z = x.reshape(5, -1) @ kernel + bias
    np.testing.assert_allclose(attribution.logits(model, x), z, rtol=1e-5, atol=1e-5)


def test_softmax_gradient_would_differ():
    """The probability's gradient is not the weight row: that is why we use the logit."""
    import tensorflow as tf

    model = _linear("dense_softmax")
    kernel = model.get_layer("out").get_weights()[0]
    x = tf.constant(RNG.random((1, 4, 4, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        p = model(x)[0, 0]
    g = tape.gradient(p, x).numpy().reshape(-1)
    assert not np.allclose(g, kernel[:, 0], atol=1e-3)


def _small_cnn(activation: str = "relu") -> keras.Model:
    keras.utils.set_random_seed(2)
    return keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            keras.layers.Conv2D(4, 3, activation=activation, name="conv"),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )


def test_integrated_gradients_completeness():
    model = _small_cnn()
    x = RNG.random((3, 8, 8, 2)).astype(np.float32) * 2
    baseline = np.array([0.1, -0.2], np.float32)
    maps = attribution.integrated_gradients(model, x, baseline=baseline, steps=1024)
    assert maps.shape == (3, 8, 8) and maps.dtype == np.float32
    err = attribution.completeness_error(model, x, maps, baseline=baseline)
    assert err.max() < 1e-3
    # and it matters: few steps leave a measurable error on this ReLU network
    coarse = attribution.integrated_gradients(model, x, baseline=baseline, steps=2)
    assert attribution.completeness_error(model, x, coarse, baseline=baseline).max() > 1e-3


def test_integrated_gradients_does_not_depend_on_the_batch():
    model = _small_cnn()
    x = RNG.random((3, 8, 8, 2)).astype(np.float32)
    a = attribution.integrated_gradients(model, x, steps=8, batch_size=5)
    b = attribution.integrated_gradients(model, x, steps=8, batch_size=64)
    np.testing.assert_allclose(a, b, atol=1e-5)


def _region_model() -> keras.Model:
    """A model that only sees the top-left 4 × 4 pixels of an 8 × 8 image."""
    keras.utils.set_random_seed(3)
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Cropping2D(((0, 4), (0, 4)))(inp)
    h = keras.layers.Flatten()(h)
    return keras.Model(inp, keras.layers.Dense(2, activation="softmax")(h))


def test_occlusion_is_zero_outside_the_region_the_model_sees():
    model = _region_model()
    x = (RNG.random((2, 8, 8, 1)) + 0.5).astype(np.float32)
    maps = attribution.occlusion(model, x, patch=2, stride=2)
    assert maps.shape == (2, 8, 8)
    outside = np.ones((8, 8), bool)
    outside[:4, :4] = False
    assert np.all(maps[:, outside] == 0)
    assert np.all(np.abs(maps[:, :4, :4]) > 0)
    # sliding 3 × 3 patches: zero where no covering patch reaches the region
    slid = attribution.occlusion(model, x, patch=3, stride=1)
    far = np.ones((8, 8), bool)
    far[:6, :6] = False
    assert np.all(slid[:, far] == 0) and np.any(slid[:, :4, :4] != 0)


def test_occlusion_of_a_linear_model_is_the_contribution():
    """For a linear model, covering one pixel by 0 drops the logit by w·x exactly."""
    model = _linear("logits")
    kernel = model.get_layer("out").get_weights()[0]
    x = RNG.random((2, 4, 4, 1)).astype(np.float32)
    maps = attribution.occlusion(model, x, [1, 2], patch=1)
    expected = np.stack(
        [x[0, ..., 0] * kernel[:, 1].reshape(4, 4), x[1, ..., 0] * kernel[:, 2].reshape(4, 4)]
    )
    np.testing.assert_allclose(maps, expected, atol=1e-5)


def test_grad_cam_equals_the_class_activation_map():
    keras.utils.set_random_seed(4)
    inp = keras.Input((8, 8, 1))
    act = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="conv")(inp)
    pooled = keras.layers.GlobalAveragePooling2D()(act)
    model = keras.Model(inp, keras.layers.Dense(2, activation="softmax", name="out")(pooled))
    assert attribution.last_spatial_layer(model) == ["conv"]
    x = RNG.random((4, 8, 8, 1)).astype(np.float32)
    targets = np.array([0, 1, 1, 0])
    feats = keras.Model(inp, act).predict(x, verbose=0)
    w = model.get_layer("out").get_weights()[0]  # (3 channels, 2 classes)
    # CAM of Zhou et al. with Grad-CAM's weights: alpha_k = w_kc / (h·w)
    hand = np.maximum(np.einsum("nhwk,kn->nhw", feats, w[:, targets]) / 64, 0)
    cam = attribution.grad_cam(model, x, targets)
    np.testing.assert_allclose(cam, hand, rtol=1e-5, atol=1e-6)


def test_grad_cam_places_a_coarse_layer_at_its_receptive_fields():
    model = _small_cnn()
    x = RNG.random((2, 8, 8, 2)).astype(np.float32)
    assert attribution.last_spatial_layer(model) == ["pool"]
    cam = attribution.grad_cam(model, x)
    assert cam.shape == (2, 8, 8) and np.all(cam >= 0)
    # at the pooled 3 × 3 resolution by hand, then placed at the cells' field centres
    feats = keras.Model(model.inputs, model.get_layer("pool").output).predict(x, verbose=0)
    w = model.get_layer("out").get_weights()[0].reshape(3, 3, 4, 3)
    t = np.argmax(attribution.logits(model, x), axis=1)
    alpha = w[..., t].mean(axis=(0, 1)).T  # (N, channels)
    hand = np.maximum(np.einsum("nhwk,nk->nhw", feats, alpha), 0)
    field = units.receptive_field(model, "pool")
    assert (field.size, field.stride, field.offset) == ((4, 4), (2, 2), (0, 0))
    np.testing.assert_allclose(cam, attribution.place_cells(hand, (8, 8), field), atol=1e-5)
    # HiResCAM: a Flatten → Dense head, so its cells add up to the logit less the bias
    hires = keras.Model(model.inputs, model.get_layer("pool").output)
    cells = np.einsum("nhwk,hwkn->nhw", hires.predict(x, verbose=0), w[..., t])
    z = attribution.logits(model, x)[np.arange(2), t] - model.get_layer("out").get_weights()[1][t]
    np.testing.assert_allclose(cells.sum(axis=(1, 2)), z, rtol=1e-4)
    np.testing.assert_allclose(
        attribution.hires_cam(model, x), attribution.place_cells(cells, (8, 8), field), atol=1e-4
    )


def test_cam_peaks_at_a_bright_pixel_through_an_unpadded_convolution():
    """A 5 × 5 unpadded convolution peaked at its centre over a 28 × 28 image: the cell centred
    on a bright pixel responds most, so the map must peak on the pixel (an even resize of the
    24 × 24 cells over 28 pixels puts it two pixels off near the borders)."""
    inp = keras.Input((28, 28, 1))
    conv = keras.layers.Conv2D(1, 5, use_bias=False, name="conv")
    h = conv(inp)
    out = keras.layers.Dense(2, use_bias=False, name="out")(keras.layers.Flatten()(h))
    model = keras.Model(inp, out)
    bump = np.exp(-0.5 * (np.arange(5) - 2.0) ** 2)
    conv.set_weights([np.outer(bump, bump).reshape(5, 5, 1, 1).astype(np.float32)])
    dense = np.zeros((24 * 24, 2), np.float32)
    dense[:, 0] = 1.0
    model.get_layer("out").set_weights([dense])
    for r, c in [(3, 3), (25, 25), (3, 20), (14, 4)]:
        x = np.zeros((1, 28, 28, 1), np.float32)
        x[0, r, c] = 1.0
        for method in ("grad_cam", "hires_cam"):
            m = attribution.attribute(method, model, x, [0])[0]
            pr, pc = np.unravel_index(np.argmax(m), m.shape)
            assert abs(pr - r) <= 1 and abs(pc - c) <= 1, (method, r, c, pr, pc)


def _check_all_methods(model: keras.Model, x: np.ndarray) -> dict[str, np.ndarray]:
    options = {
        "occlusion": {"patch": 8, "stride": 8},
        "smoothgrad": {"samples": 2},
        "integrated_gradients": {"steps": 4},
    }
    maps = {
        m: attribution.attribute(m, model, x, **options.get(m, {})) for m in attribution.METHODS
    }
    for method, m in maps.items():
        assert m.shape == x.shape[:3], method
        assert m.dtype == np.float32 and np.all(np.isfinite(m)), method
        assert np.any(m != 0), method
    return maps


def _nested(outer: str) -> tuple[keras.Model, keras.Model]:
    """A small functional base (conv, batch norm, separable conv) nested in an outer model."""
    keras.utils.set_random_seed(5)
    inp = keras.Input((16, 16, 3))
    h = keras.layers.Conv2D(4, 3, padding="same", name="c1")(inp)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.ReLU(name="r1")(h)
    h = keras.layers.SeparableConv2D(6, 3, strides=2, activation="relu", name="c2")(h)
    base = keras.Model(inp, h, name="base")
    head = [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(4, activation="softmax")]
    if outer == "sequential":
        return keras.Sequential([keras.Input((16, 16, 3)), base, *head]), base
    x = keras.Input((16, 16, 3))
    h = base(x)
    for layer in head:
        h = layer(h)
    return keras.Model(x, h), base


@pytest.mark.parametrize("outer", ["sequential", "functional"])
def test_nested_base_model_runs_every_method(outer):
    model, base = _nested(outer)
    path = attribution.last_spatial_layer(model)
    assert path == ["base", "c2"]
    x = RNG.random((2, 16, 16, 3)).astype(np.float32) * 2 - 1
    maps = _check_all_methods(model, x)
    # Grad-CAM at the inner layer, by hand: GAP then Dense, so alpha_k = w_kc / (h·w)
    feats = base.predict(x, verbose=0)
    w = model.layers[-1].get_weights()[0]
    t = np.argmax(attribution.logits(model, x), axis=1)
    np.testing.assert_allclose(attribution.grad_cam(model, x, layer="base/c1").shape, (2, 16, 16))
    assert feats.shape[1:3] == (7, 7)
    hand = np.maximum(np.einsum("nhwk,kn->nhw", feats, w[:, t]) / 49, 0)
    field = units.receptive_field(model, "base/c2")
    hand = attribution.place_cells(hand, (16, 16), field)
    np.testing.assert_allclose(maps["grad_cam"], hand, rtol=1e-4, atol=1e-5)
    # the scores are the logits of the outer Dense
    z = attribution.logits(model, x)
    np.testing.assert_allclose(
        np.exp(z) / np.exp(z).sum(1, keepdims=True), model.predict(x, verbose=0), atol=1e-5
    )


@pytest.mark.slow
def test_grad_cam_finds_the_last_spatial_layer_inside_mobilenet():
    keras.utils.set_random_seed(5)
    base = keras.applications.MobileNetV2(
        include_top=False, weights=None, input_shape=(32, 32, 3), alpha=0.35
    )
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            base,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    assert attribution.last_spatial_layer(model) == [base.name, "out_relu"]
    x = RNG.random((2, 32, 32, 3)).astype(np.float32) * 2 - 1
    cam = attribution.grad_cam(model, x, [0, 3])
    assert cam.shape == (2, 32, 32) and np.all(np.isfinite(cam)) and np.all(cam >= 0)


def _separable_model() -> keras.Model:
    keras.utils.set_random_seed(6)
    inp = keras.Input((16, 16, 3))
    h = keras.layers.SeparableConv2D(6, 3, activation="relu", name="sep")(inp)
    h = keras.layers.DepthwiseConv2D(3, activation="relu", name="depth")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    h = keras.layers.Dense(3, name="dense")(h)
    return keras.Model(inp, keras.layers.Softmax()(h))


def test_separable_and_depthwise_model_runs_every_method():
    model = _separable_model()
    assert attribution.last_spatial_layer(model) == ["depth"]
    _check_all_methods(model, RNG.random((3, 16, 16, 3)).astype(np.float32))


def test_smoothgrad_is_deterministic_for_a_seed():
    model = _small_cnn()
    x = RNG.random((3, 8, 8, 2)).astype(np.float32)
    a = attribution.smoothgrad(model, x, samples=4, seed=7)
    b = attribution.smoothgrad(model, x, samples=4, seed=7, batch_size=4)
    c = attribution.smoothgrad(model, x, samples=4, seed=8)
    np.testing.assert_array_equal(a, attribution.smoothgrad(model, x, samples=4, seed=7))
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert not np.allclose(a, c)


def test_deletion_curve_endpoints_and_order():
    """Two classes, logit 0 = w·x with w > 0 and x > 0, logit 1 = 0: every deletion lowers p."""
    inp = keras.Input((4, 4, 1))
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Model(inp, keras.layers.Activation("softmax")(dense(keras.layers.Flatten()(inp))))
    w = np.zeros((16, 2), np.float32)
    w[:, 0] = np.linspace(0.05, 0.5, 16)
    dense.set_weights([w])
    x = (RNG.random((6, 4, 4, 1)) + 0.2).astype(np.float32)
    ig = attribution.integrated_gradients(model, x, steps=8)
    both = faithfulness.deletion(
        model, x, {"ig": ig, "random": attribution.random_maps(ig.shape)}, steps=8
    )
    curves, rand = both["ig"], both["random"]
    np.testing.assert_allclose(curves.fractions, np.linspace(0, 1, 9))
    p = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(curves.proba[:, 0], p, atol=1e-6)
    np.testing.assert_allclose(curves.proba[:, -1], 0.5, atol=1e-6)  # all pixels at the baseline
    np.testing.assert_allclose(rand.proba[:, -1], 0.5, atol=1e-6)
    assert np.all(np.diff(curves.proba, axis=1) <= 1e-7)
    assert curves.auc < rand.auc
    assert curves.auc == pytest.approx(curves.auc_per_image.mean())
    alone = faithfulness.deletion(model, x, {"ig": ig}, steps=8)["ig"]
    np.testing.assert_allclose(alone.proba, curves.proba, atol=1e-6)


def test_spearman_known_values():
    a = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    np.testing.assert_allclose(faithfulness.spearman(a, a), [1.0])
    np.testing.assert_allclose(faithfulness.spearman(a, -a), [-1.0])
    np.testing.assert_allclose(faithfulness.spearman(a, np.zeros_like(a)), [0.0])
    ties = np.array([[[0, 0, 1, 2]]], np.float32)
    np.testing.assert_allclose(faithfulness.spearman(ties, ties * 3), [1.0])


def test_cascading_randomization_leaves_the_model_alone():
    model = _separable_model()
    before = [w.copy() for w in model.get_weights()]
    x = RNG.random((2, 16, 16, 3)).astype(np.float32)
    options = {
        "occlusion": {"patch": 8},
        "smoothgrad": {"samples": 2},
        "integrated_gradients": {"steps": 4},
    }
    check = faithfulness.cascading_randomization(model, x, options=options, seed=1)
    assert check.layers == ("dense", "depth", "sep")
    for similarity in faithfulness.SIMILARITIES:
        values = check.similarity[similarity]
        assert set(values) == {*attribution.METHODS, "edges"}
        assert all(v.shape == (3,) and np.all(np.abs(v) <= 1 + 1e-9) for v in values.values())
        # the edge map reads no weights: it is the reference of a method that fails
        np.testing.assert_allclose(values["edges"], 1.0, atol=1e-9)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    again = faithfulness.cascading_randomization(model, x, options=options, seed=1)
    assert again.final() == check.final() and again.final("ssim") == check.final("ssim")


def test_compute_maps_for_the_report():
    model = _small_cnn()
    x = RNG.random((2, 8, 8, 2)).astype(np.float32)
    maps = attribution.compute_maps(
        model, x, [0, 2], options={"occlusion": {"patch": 2}, "integrated_gradients": {"steps": 8}}
    )
    assert tuple(maps) == attribution.REPORT_METHODS
    assert all(m.shape == (2, 8, 8) for m in maps.values())
    # a baseline for every method that takes one, and sizes that follow the image's size
    shifted = attribution.compute_maps(model, x, [0, 2], baseline=0.5)
    np.testing.assert_allclose(
        shifted["integrated_gradients"],
        attribution.integrated_gradients(model, x, [0, 2], baseline=0.5, steps=32),
        atol=1e-6,
    )
    assert attribution.default_options(224, 224)["occlusion"] == {"patch": 28, "stride": 14}


def test_bad_input_says_what_is_wrong():
    model = _small_cnn()
    x = RNG.random((2, 8, 8, 2)).astype(np.float32)
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribution.attribute("lime", model, x)
    with pytest.raises(ValueError, match="one class per image"):
        attribution.gradients(model, x, [0])
    with pytest.raises(ValueError, match="classes 0 … 2"):
        attribution.gradients(model, x, [0, 3])
    with pytest.raises(ValueError, match="does not broadcast"):
        attribution.integrated_gradients(model, x, baseline=np.zeros(3))
    with pytest.raises(ValueError, match="do not fit"):
        attribution.gradients(model, np.zeros((1, 9, 9, 2)))
    with pytest.raises(ValueError, match=r"no layer 'nope'; its layers are \['conv', 'pool'"):
        attribution.grad_cam(model, x, layer="nope")
    with pytest.raises(ValueError, match="'conv' is not a nested model"):
        attribution.grad_cam(model, x, layer="conv/inner")
    with pytest.raises(ValueError, match="maps must have shape"):
        faithfulness.deletion(model, x, {"a": np.zeros((2, 4, 4))})


@pytest.mark.parametrize("outer", ["sequential", "functional"])
def test_cascading_randomization_reaches_into_a_nested_base(outer):
    model, _ = _nested(outer)
    x = RNG.random((2, 16, 16, 3)).astype(np.float32)
    check = faithfulness.cascading_randomization(model, x, methods=("gradients", "grad_cam"))
    assert check.layers[0] != "base" and check.layers[-3:] == ("base/c2", "base/bn", "base/c1")
    assert all(v.shape == (len(check.layers),) for v in check.similarity["ssim"].values())


# --- figures -------------------------------------------------------------------------------------


def test_overlay_scales_signed_maps_around_zero_and_unsigned_from_zero():
    import matplotlib.pyplot as plt

    from explainer import plot

    image = RNG.integers(0, 256, (6, 6, 3)).astype(np.uint8)
    amap = np.linspace(-1, 3, 36, dtype=np.float32).reshape(6, 6)
    _, (a, b) = plt.subplots(1, 2)
    signed = plot.attribution_overlay(image, amap, signed=True, ax=a)
    assert signed.heat.norm.vmin == -signed.heat.norm.vmax > -3.01
    assert signed.heat.get_cmap().name == plot.WEIGHT_CMAP
    unsigned = plot.attribution_overlay(image, np.abs(amap), signed=False, ax=b)
    assert unsigned.heat.norm.vmin == 0 and unsigned.heat.get_cmap().name == plot.SALIENCY_CMAP
    # the image underneath is grey (luminance), and the map is transparent where it is zero
    grey = signed.image.get_array()
    assert grey.shape == (6, 6) and signed.image.get_cmap().name == "gray"
    np.testing.assert_allclose(grey, image @ np.array([0.299, 0.587, 0.114]) / 255, atol=1e-5)
    zero = plot.attribution_overlay(image, np.zeros((6, 6)), signed=True, ax=a)
    assert np.all(np.asarray(zero.heat.get_alpha()) == 0)
    with pytest.raises(ValueError, match="does not match the image"):
        plot.attribution_overlay(image, np.zeros((5, 6)), signed=True, ax=a)


def test_attribution_grid_has_a_row_per_method_and_a_column_per_image():
    from explainer import plot

    images = RNG.random((3, 8, 8, 1)).astype(np.float32)
    maps = {
        "integrated_gradients": RNG.normal(size=(3, 8, 8)).astype(np.float32),
        "grad_cam": RNG.random((3, 8, 8)).astype(np.float32),
    }
    grid = plot.attribution_grid(images, maps, titles=["a", "b", "c"], suptitle="grid")
    assert grid.axes.shape == (3, 5)
    assert [len(v) for v in grid.overlays.values()] == [3, 3]
    assert [ax.get_title() for ax in grid.axes[0, :3]] == ["a", "b", "c"]
    assert grid.axes[1, 0].get_ylabel() == "integrated\ngradients"
    assert all(
        o.signed and o.norm.vmin == -o.norm.vmax for o in grid.overlays["integrated_gradients"]
    )
    assert all(not o.signed and o.norm.vmin == 0 for o in grid.overlays["grad_cam"])
    ticks = [t.get_text() for t in grid.colorbars["integrated_gradients"].ax.get_yticklabels()]
    assert ticks == ["−max", "0", "+max"]
    assert grid.figure.get_suptitle() == "grid"
    with pytest.raises(ValueError, match="2 maps for 3 images"):
        plot.attribution_grid(images, {"gradients": np.zeros((2, 8, 8))})


def test_deletion_figure_draws_one_curve_per_method_with_its_area():
    from explainer import plot

    f = np.linspace(0, 1, 5)
    curves = {
        "random": faithfulness.Curves("deletion", "blur", f, np.tile(1 - f, (2, 1))),
        "occlusion": faithfulness.Curves("deletion", "blur", f, np.tile((1 - f) ** 3, (2, 1))),
    }
    drawn = plot.deletion_figure({"net A": curves, "net B": curves}, suptitle="deletion")
    assert len(drawn.axes) == 2 and [ax.get_title() for ax in drawn.axes] == ["net A", "net B"]
    lines = drawn.lines["net A"]
    assert lines["random"].get_linestyle() == "--" and lines["occlusion"].get_linestyle() == "-"
    np.testing.assert_allclose(lines["occlusion"].get_ydata(), (1 - f) ** 3)
    labels = [t.get_text() for t in drawn.axes[0].get_legend().get_texts()]
    assert labels == [
        f"random (control) ({curves['random'].auc:.3f})",
        "occlusion (0.266)",
    ]  # trapezoids of (1 - f)³


def test_deletion_curves_returns_its_axes_lines_and_legend():
    import matplotlib.pyplot as plt

    from explainer import plot

    f = np.linspace(0, 1, 5)
    curves = {
        "edges": faithfulness.Curves("insertion", "baseline", f, np.tile(f, (3, 1))),
        "gradients": faithfulness.Curves("insertion", "baseline", f, np.tile(f**2, (3, 1))),
    }
    ax = plt.figure().add_subplot()
    drawn = plot.deletion_curves(curves, ax=ax, title="insertion")
    assert drawn.ax is ax and list(drawn.lines) == ["edges", "gradients"]
    assert drawn.lines["edges"].get_linestyle() == "--"  # a model-free control
    np.testing.assert_allclose(drawn.lines["gradients"].get_ydata(), f**2)
    assert drawn.legend is ax.get_legend() and len(drawn.legend.get_texts()) == 2
    assert ax.get_xlabel() == "share of pixels inserted" and ax.get_title() == "insertion"
    bare = plot.deletion_curves(curves, ax=plt.figure().add_subplot(), legend=False)
    assert bare.legend is None and bare.ax.get_legend() is None
    plt.close("all")


def test_sanity_figure_starts_each_curve_at_one():
    from explainer import plot

    curves = {"gradients": np.array([0.5, 0.2]), "occlusion": np.array([0.9, 0.8])}
    check = faithfulness.SanityCheck(
        layers=("out", "conv"),
        similarity={"spearman_support": curves},
        examples={"gradients": RNG.random((3, 6, 6)), "occlusion": RNG.normal(size=(3, 6, 6))},
    )
    drawn = plot.sanity_figure({"net": check}, image=RNG.random((6, 6)), suptitle="sanity")
    np.testing.assert_allclose(drawn.lines["net"]["gradients"].get_ydata(), [1.0, 0.5, 0.2])
    assert [t.get_text() for t in drawn.curve_axes[0].get_xticklabels()] == [
        "trained",
        "out",
        "conv",
    ]
    assert drawn.map_axes.shape == (2, 3)
    assert drawn.overlays["occlusion"][0].norm.vmin == -drawn.overlays["occlusion"][0].norm.vmax
    assert drawn.map_axes[0, 2].get_title() == "to conv"
