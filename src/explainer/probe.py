"""Read a trained model: weights, activations of any layer, predictions, mistakes.

Everything here returns plain NumPy arrays, so plotting never touches Keras and the same
functions serve the book's chapters and the report on a user's own model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    "LayerWeights",
    "Predictions",
    "activations",
    "class_means",
    "confusion",
    "layer_weights",
    "mistakes_by_margin",
    "most_confident_mistakes",
    "predict",
]


@dataclass(frozen=True)
class LayerWeights:
    """A layer's kernel and bias as NumPy arrays (``bias`` is ``None`` when it has none)."""

    layer: str
    kernel: np.ndarray
    bias: np.ndarray | None


def layer_weights(model: keras.Model, name: str) -> LayerWeights:
    """Kernel and bias of the layer called ``name``."""
    layer = model.get_layer(name)
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        raise ValueError(f"layer {name!r} ({type(layer).__name__}) has no kernel")
    bias = getattr(layer, "bias", None)
    return LayerWeights(
        layer=name,
        kernel=np.asarray(kernel, dtype=np.float32),
        bias=None if bias is None else np.asarray(bias, dtype=np.float32),
    )


def _batches(n: int, batch_size: int) -> range:
    return range(0, n, batch_size)


def activations(
    model: keras.Model,
    x: np.ndarray,
    layers: Sequence[str],
    *,
    batch_size: int = 256,
) -> dict[str, np.ndarray]:
    """Outputs of the named layers for the inputs ``x``, keyed by layer name.

    One functional sub-model computes all requested layers in a single pass per batch, so
    asking for five layers costs one forward pass, not five. ``x`` may be memory-mapped: only
    one batch at a time is read.
    """
    import keras

    if not layers:
        return {}
    outputs = [model.get_layer(name).output for name in layers]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    sub = keras.Model(inputs, outputs)
    chunks: list[list[np.ndarray]] = [[] for _ in layers]
    for start in _batches(len(x), batch_size):
        batch = np.asarray(x[start : start + batch_size])
        result = sub(batch, training=False)
        if not isinstance(result, (list, tuple)):
            result = [result]
        for store, out in zip(chunks, result, strict=True):
            store.append(np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float32))
    return {name: np.concatenate(parts) for name, parts in zip(layers, chunks, strict=True)}


@dataclass(frozen=True)
class Predictions:
    """Class probabilities with the predicted label and its probability per sample."""

    proba: np.ndarray
    """(N, n_classes) probabilities."""

    @property
    def labels(self) -> np.ndarray:
        return np.argmax(self.proba, axis=1)

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the predicted class."""
        return np.max(self.proba, axis=1)

    @property
    def margin(self) -> np.ndarray:
        """Top-1 minus top-2 probability: small when the network hesitates."""
        top2 = np.sort(self.proba, axis=1)[:, -2:]
        return top2[:, 1] - top2[:, 0]

    def accuracy(self, y_true: np.ndarray) -> float:
        return float(np.mean(self.labels == np.asarray(y_true)))


def predict(model: keras.Model, x: np.ndarray, *, batch_size: int = 512) -> Predictions:
    """Class probabilities for ``x``, computed batch by batch."""
    parts = []
    for start in _batches(len(x), batch_size):
        batch = np.asarray(x[start : start + batch_size])
        parts.append(np.asarray(model(batch, training=False), dtype=np.float32))
    if not parts:
        raise ValueError("no inputs to predict")
    return Predictions(proba=np.concatenate(parts))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts matrix: rows are true classes, columns predicted classes."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def most_confident_mistakes(
    y_true: np.ndarray, proba: np.ndarray, n: int | None = None
) -> np.ndarray:
    """Indices of misclassified samples, the most confidently wrong first."""
    y_true = np.asarray(y_true)
    pred = np.argmax(proba, axis=1)
    wrong = np.flatnonzero(pred != y_true)
    conf = proba[wrong, pred[wrong]]
    order = wrong[np.argsort(-conf, kind="stable")]
    return order if n is None else order[:n]


# --- Templates chapter: mistakes chosen by margin, class means -----------------------------


def mistakes_by_margin(
    y_true: np.ndarray,
    proba: np.ndarray,
    n_hesitant: int = 2,
    n_blatant: int = 2,
    *,
    runner_up_true: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of "hesitant" and "blatant" mistakes, chosen by the probabilities alone.

    Hesitant: misclassified samples with the smallest margin between the two most probable
    classes (where a person might hesitate too); with ``runner_up_true`` only those whose
    true class is the runner-up, so the network nearly got it right. Blatant: misclassified
    samples with the highest probability on the wrong class. Ties keep the data order; a
    sample is never in both lists.
    """
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError("proba must be (N, n_classes) with one row per label")
    order = np.argsort(-proba, axis=1, kind="stable")
    top1, top2 = order[:, 0], order[:, 1]
    rows = np.arange(len(y_true))
    margin = proba[rows, top1] - proba[rows, top2]
    wrong = np.flatnonzero(top1 != y_true)
    blatant = wrong[np.argsort(-proba[wrong, top1[wrong]], kind="stable")][:n_blatant]
    candidates = np.setdiff1d(wrong, blatant, assume_unique=True)
    if runner_up_true:
        candidates = candidates[top2[candidates] == y_true[candidates]]
    hesitant = candidates[np.argsort(margin[candidates], kind="stable")][:n_hesitant]
    return hesitant, blatant


def class_means(x: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Mean image of each class, ``(n_classes, *x.shape[1:])`` float32.

    A template learned without a hidden layer is related to these averages; comparing the
    two shows what the weights took from the data.
    """
    y = np.asarray(y).reshape(-1)
    means = np.zeros((n_classes, *x.shape[1:]), dtype=np.float32)
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        if len(members):
            means[c] = np.mean(x[members], axis=0, dtype=np.float64)
    return means
