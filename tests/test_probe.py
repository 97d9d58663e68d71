from __future__ import annotations

import numpy as np
import pytest

from explainer import probe


@pytest.fixture(scope="module")
def tiny_model():
    """Dense 3 -> 2 (relu) -> 2 (softmax) with hand-set weights."""
    import keras

    inp = keras.Input((3,), name="input")
    h = keras.layers.Dense(2, activation="relu", name="hidden")(inp)
    out = keras.layers.Dense(2, activation="softmax", name="output")(h)
    model = keras.Model(inp, out)
    w1 = np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]], dtype=np.float32)
    b1 = np.array([0.1, -0.2], dtype=np.float32)
    w2 = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    b2 = np.zeros(2, dtype=np.float32)
    model.get_layer("hidden").set_weights([w1, b1])
    model.get_layer("output").set_weights([w2, b2])
    return model, w1, b1


def test_layer_weights(tiny_model):
    model, w1, b1 = tiny_model
    lw = probe.layer_weights(model, "hidden")
    np.testing.assert_array_equal(lw.kernel, w1)
    np.testing.assert_array_equal(lw.bias, b1)
    with pytest.raises(ValueError, match="has no kernel"):
        probe.layer_weights(model, "input")


def test_activations_match_hand_computation_across_batches(tiny_model):
    model, w1, b1 = tiny_model
    x = np.random.default_rng(0).normal(size=(7, 3)).astype(np.float32)
    acts = probe.activations(model, x, ["hidden", "output"], batch_size=3)
    hidden = np.maximum(x @ w1 + b1, 0)
    np.testing.assert_allclose(acts["hidden"], hidden, rtol=1e-5, atol=1e-6)
    e = np.exp(hidden - hidden.max(axis=1, keepdims=True))
    np.testing.assert_allclose(acts["output"], e / e.sum(1, keepdims=True), rtol=1e-5)
    assert acts["hidden"].shape == (7, 2)
    assert probe.activations(model, x, []) == {}


def test_predictions_labels_confidence_margin(tiny_model):
    model, *_ = tiny_model
    x = np.random.default_rng(1).normal(size=(9, 3)).astype(np.float32)
    pred = probe.predict(model, x, batch_size=4)
    assert pred.proba.shape == (9, 2)
    np.testing.assert_allclose(pred.proba.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(pred.labels, pred.proba.argmax(1))
    np.testing.assert_allclose(pred.confidence, pred.proba.max(1))
    np.testing.assert_allclose(pred.margin, np.abs(pred.proba[:, 0] - pred.proba[:, 1]), atol=1e-7)
    assert pred.accuracy(pred.labels) == 1.0


def test_confusion_counts():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    counts = probe.confusion(y_true, y_pred, 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.sum() == 6


def test_most_confident_mistakes_order():
    y_true = np.array([0, 1, 1, 0, 1])
    proba = np.array(
        [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.05, 0.95], [0.7, 0.3]], dtype=np.float32
    )
    # wrong: 1 (conf .6), 3 (conf .95), 4 (conf .7)
    assert probe.most_confident_mistakes(y_true, proba).tolist() == [3, 4, 1]
    assert probe.most_confident_mistakes(y_true, proba, n=2).tolist() == [3, 4]


def test_passed_on_follows_batch_norm_and_activation_and_ranks_differently():
    """A negative BN scale inverts the raw conv's ranking; the ReLU after it is what counts."""
    import keras

    from explainer.report.unit_patches import UnitsAccumulator

    inp = keras.Input((4, 4, 1))
    h = keras.layers.Conv2D(1, 1, use_bias=False, name="c")(inp)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.ReLU(name="r")(h)
    out = keras.layers.Dense(2)(keras.layers.Flatten()(h))
    model = keras.Model(inp, out)
    model.get_layer("c").set_weights([np.ones((1, 1, 1, 1), np.float32)])
    model.get_layer("bn").set_weights([np.array([-1.0]), np.zeros(1), np.zeros(1), np.ones(1)])
    outer = keras.Sequential([keras.Input((4, 4, 1)), model])
    assert probe.passed_on(model, "c") == "r"
    assert probe.passed_on(model, "r") == "r"
    assert probe.passed_on(outer, f"{model.name}/c") == f"{model.name}/r"
    assert probe.layer_chain(outer, "c")[-1] is model.get_layer("c")  # a bare nested name
    x = np.linspace(-1, 1, 3 * 16, dtype=np.float32).reshape(3, 4, 4, 1)
    raw, passed = keras.Model(inp, [model.get_layer("c").output, h]).predict(x, verbose=0)
    acc = UnitsAccumulator(["c"], set(), k=1, ranked={"c": "r"})
    assert acc.layers == ["r"]

    from explainer.report.compute import Batch

    acc.update(Batch(0, x, np.zeros(3), np.zeros((3, 2)), {"r": passed}))
    best = acc.finish()["c"].indices[0, 0]
    assert best == 0 and np.argmax(raw.max(axis=(1, 2, 3))) == 2  # the raw ranking is inverted
