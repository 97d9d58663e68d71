"""Deletion, insertion, controls and the sanity check's similarities, on known answers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from explainer import attribution, faithfulness, scores

RNG = np.random.default_rng(0)


def test_support_spearman_ignores_shared_zeros():
    """Same 150-pixel support, unrelated values inside it: all-pixel ρ is high, support ρ ≈ 0."""
    rng = np.random.default_rng(1)
    a = np.zeros((20, 28, 28))
    b = np.zeros((20, 28, 28))
    for i in range(20):
        support = rng.choice(784, 150, replace=False)
        a[i].flat[support] = rng.random(150) + 0.1
        b[i].flat[support] = rng.random(150) + 0.1
    assert faithfulness.spearman(a, b).mean() > 0.8  # the tie-dominated metric says "same"
    assert abs(faithfulness.spearman_support(a, b).mean()) < 0.05
    np.testing.assert_allclose(faithfulness.spearman_support(a, a), 1.0)
    np.testing.assert_allclose(faithfulness.spearman_support(a, -a), 1.0)  # magnitudes
    np.testing.assert_allclose(faithfulness.spearman(a, -a), -1.0)  # signed
    # a map that moved to other pixels: the union support sees it as disagreement
    moved = np.roll(a, 5, axis=2)
    assert faithfulness.spearman_support(a, moved).mean() < -0.5


def test_ssim_known_values():
    a = RNG.normal(size=(3, 16, 16))
    np.testing.assert_allclose(faithfulness.ssim(a, a), 1.0, atol=1e-9)
    np.testing.assert_allclose(faithfulness.ssim(a, 5 * a), 1.0, atol=1e-9)  # scale-free
    assert np.all(faithfulness.ssim(a, -a) < 0.8)  # the structure term turns negative
    assert np.all(np.abs(faithfulness.ssim(a, RNG.normal(size=a.shape))) < 0.2)


def test_controls_read_the_image_only():
    x = np.zeros((1, 6, 6, 3), np.float32)
    x[0, :, 3:] = [30.0, 60.0, 90.0]  # a vertical edge between columns 2 and 3
    model = keras.Sequential(
        [keras.Input((6, 6, 3)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    np.testing.assert_allclose(attribution.image_map(model, x)[0, 0], [0, 0, 0, 60, 60, 60])
    edges = attribution.edge_map(model, x)[0]
    np.testing.assert_allclose(edges[:, [2, 3]], 4 * 60.0)  # Sobel: 1 + 2 + 1 rows of a 60 step
    np.testing.assert_allclose(edges[:, [0, 1, 4, 5]], 0.0)
    assert set(attribution.CONTROLS) == {"image", "edges", "random"}
    assert all(attribution.REGISTRY[c].model_free for c in attribution.CONTROLS)


def _rgb_linear() -> keras.Model:
    """Logit 0 = Σ (x − mean colour) · w over the pixels of the red channel; logit 1 = 0."""
    inp = keras.Input((4, 4, 3))
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Model(inp, keras.layers.Softmax()(dense(keras.layers.Flatten()(inp))))
    w = np.zeros((4, 4, 3, 2), np.float32)
    w[..., 0, 0] = 0.05
    dense.set_weights([w.reshape(48, 2)])
    return model


def test_rgb_deletion_with_a_per_channel_baseline():
    model = _rgb_linear()
    mean = np.array([100.0, 50.0, 20.0], np.float32)
    x = np.broadcast_to(mean, (2, 4, 4, 3)).copy()
    x[..., 0] += RNG.random((2, 4, 4)).astype(np.float32) * 40 + 10  # red above its mean
    ig = attribution.integrated_gradients(model, x, [0, 0], baseline=mean, steps=4)
    curves = faithfulness.deletion(model, x, {"ig": ig}, baseline=mean, targets=[0, 0], steps=4)
    c = curves["ig"]
    # deleting every pixel to the mean colour: the red logit falls to Σ mean·w, whatever the order
    z_end = 16 * 100.0 * 0.05
    np.testing.assert_allclose(c.proba[:, -1], 1 / (1 + np.exp(-z_end)), rtol=1e-5)
    assert np.all(np.diff(c.proba, axis=1) <= 1e-7)
    # the canvas is the baseline per channel, not one number for all channels
    canvas = faithfulness.make_canvas(x, "baseline", baseline=mean)
    np.testing.assert_array_equal(canvas[1, 2, 3], mean)
    with pytest.raises(ValueError, match="does not broadcast"):
        faithfulness.deletion(model, x, {"ig": ig}, baseline=np.zeros(2))


def _region_model() -> keras.Model:
    """Class 0's logit is the sum of the top-left 4 × 4 pixels of an 8 × 8 image; class 1's is 8."""
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Flatten()(keras.layers.Cropping2D(((0, 4), (0, 4)))(inp))
    dense = keras.layers.Dense(2)
    model = keras.Model(inp, keras.layers.Softmax()(dense(h)))
    w = np.zeros((16, 2), np.float32)
    w[:, 0] = 1.0
    dense.set_weights([w, np.array([0.0, 8.0], np.float32)])
    return model


@pytest.mark.parametrize("canvas", ["baseline", "blur"])
def test_insertion_of_the_region_rises_monotonically(canvas):
    model = _region_model()
    x = np.zeros((3, 8, 8, 1), np.float32)
    x[:, :4, :4] = RNG.random((3, 4, 4, 1)) * 0.5 + 0.5  # a bright square on black
    region = np.zeros((3, 8, 8), np.float32)
    region[:, :4, :4] = x[:, :4, :4, 0]  # the map that knows where the model reads
    maps = {"region": region, "reverse": -region, "random": attribution.random_maps((3, 8, 8))}
    ins = faithfulness.insertion(model, x, maps, canvas=canvas, targets=[0, 0, 0], steps=8)
    dele = faithfulness.deletion(model, x, maps, canvas=canvas, targets=[0, 0, 0], steps=8)
    assert np.all(np.diff(ins["region"].proba, axis=1) >= -1e-7)  # only ever adds evidence
    done = ins["region"].proba[:, 2:]  # a quarter of the pixels: the whole region is back
    np.testing.assert_allclose(done, np.broadcast_to(done[:, -1:], done.shape), atol=1e-6)
    assert ins["region"].auc > ins["random"].auc > ins["reverse"].auc
    assert dele["region"].auc < dele["random"].auc < dele["reverse"].auc
    # both ends are shared: the canvas alone and the image
    for c in (*ins.values(), *dele.values()):
        assert c.kind in ("insertion", "deletion") and c.canvas == canvas
    np.testing.assert_allclose(ins["region"].proba[:, 0], dele["random"].proba[:, -1], atol=1e-6)
    aucs = {k: v.auc for k, v in ins.items()}
    with pytest.raises(ValueError, match="controls"):
        faithfulness.beats_controls(aucs, "insertion")
    aucs.update(image=0.0, edges=0.0)
    assert faithfulness.beats_controls(aucs, "insertion") == ["region"]


def test_blur_canvas_keeps_the_mean_colour():
    x = RNG.random((2, 12, 12, 3)).astype(np.float32)
    b = faithfulness.blurred(x, 2.0)
    assert b.shape == x.shape and b.std() < x.std() / 2
    np.testing.assert_allclose(b.mean(axis=(1, 2)), x.mean(axis=(1, 2)), atol=0.03)
    flat = np.full((1, 5, 5, 1), 7.0, np.float32)
    np.testing.assert_allclose(faithfulness.blurred(flat), flat, atol=1e-5)
    with pytest.raises(ValueError, match="canvas must be one of"):
        faithfulness.make_canvas(x, "noise")


def test_integrated_gradients_is_exact_on_a_linear_model():
    """score = w·x + b along a straight path: one Gauss–Legendre node already integrates it."""
    model = _rgb_linear()
    w = model.layers[2].get_weights()[0][:, 0].reshape(4, 4, 3)
    x = RNG.random((2, 4, 4, 3)).astype(np.float32) * 255
    base = np.array([10.0, 20.0, 30.0], np.float32)
    for steps in (1, 7):
        ig = attribution.integrated_gradients(model, x, [0, 0], baseline=base, steps=steps)
        np.testing.assert_allclose(ig, ((x - base) * w).sum(axis=-1), rtol=1e-5, atol=1e-4)
    alphas, weights = attribution.path_points(5, "gausslegendre")
    assert np.all((alphas > 0) & (alphas < 1)) and weights.sum() == pytest.approx(1.0)
    np.testing.assert_allclose((weights * alphas**9).sum(), 0.1, rtol=1e-4)  # degree 9 exact


def test_a_sigmoid_head_is_explained_by_its_logit():
    keras.utils.set_random_seed(3)
    inp = keras.Input((4, 4, 1))
    layer = keras.layers.Dense(1, activation="sigmoid", name="out")
    model = keras.Model(inp, layer(keras.layers.Flatten()(inp)))
    x = RNG.random((3, 4, 4, 1)).astype(np.float32)
    kernel, bias = layer.get_weights()
    z = x.reshape(3, -1) @ kernel[:, 0] + bias[0]
    np.testing.assert_allclose(attribution.logits(model, x), np.stack([-z, z], 1), atol=1e-5)
    np.testing.assert_allclose(
        attribution.probabilities(model, x)[:, 1], model.predict(x, verbose=0)[:, 0], atol=1e-6
    )
    maps = attribution.compute_maps(model, x, [1, 0, 1], methods=("integrated_gradients",))
    ig = maps["integrated_gradients"]
    sign = np.array([1, -1, 1])[:, None, None]
    np.testing.assert_allclose(ig, sign * x[..., 0] * kernel[:, 0].reshape(4, 4), atol=1e-4)
    assert layer.activation is keras.activations.sigmoid  # never swapped, not even for a while
    assert "logit of the sigmoid" in scores.describe_scores(model)
