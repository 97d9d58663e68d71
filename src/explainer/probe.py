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
    "ConvStages",
    "LayerWeights",
    "Predictions",
    "activations",
    "confusion",
    "conv_stages",
    "layer_weights",
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
    sub = keras.Model(model.inputs[0] if len(model.inputs) == 1 else model.inputs, outputs)
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


# --- Convolution stages: before and after the activation, and after pooling -------------------

_POOLING_LAYERS = frozenset(
    {"MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D"}
    | {"AveragePooling3D"}
)
_ACTIVATION_LAYERS = frozenset({"Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"})


@dataclass(frozen=True)
class ConvStages:
    """What one convolution does to its inputs, stage by stage, as ``(N, H, W, C)`` arrays.

    ``pre`` is the convolution plus bias before any activation, ``post`` the same after the
    activation (the layer's fused one, or a separate activation layer right after it), and
    ``pooled`` the output of a pooling layer that directly follows (``None`` when there is none).
    """

    layer: str
    pre: np.ndarray
    post: np.ndarray
    pooled: np.ndarray | None
    activation: str
    """Name of the activation between ``pre`` and ``post`` (``"linear"`` when there is none)."""
    activation_layer: str | None = None
    """The separate activation layer used for ``post``, if the convolution has none fused."""
    pool_layer: str | None = None

    def __len__(self) -> int:
        return len(self.pre)

    def sample(self, index: int) -> ConvStages:
        """The stages of one input (arrays keep a leading axis of length 1)."""
        i = int(index)
        sl = slice(i, i + 1) if i >= 0 else slice(len(self) + i, len(self) + i + 1)
        return ConvStages(
            layer=self.layer,
            pre=self.pre[sl],
            post=self.post[sl],
            pooled=None if self.pooled is None else self.pooled[sl],
            activation=self.activation,
            activation_layer=self.activation_layer,
            pool_layer=self.pool_layer,
        )


def _consumers(model: keras.Model, layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The model's layers that take ``layer``'s output as their input."""
    out = layer.output
    found = []
    for other in model.layers:
        if other is layer:
            continue
        for node in getattr(other, "_inbound_nodes", []):
            if any(t is out for t in getattr(node, "input_tensors", [])):
                found.append(other)
                break
    return found


def _activation_name(fn: object) -> str:
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return str(name)


def _to_channels_last(arr: np.ndarray, data_format: str) -> np.ndarray:
    if data_format == "channels_first":
        return np.moveaxis(arr, 1, -1)
    return arr


def conv_stages(
    model: keras.Model, x: np.ndarray, layer: str, *, batch_size: int = 256
) -> ConvStages:
    """The outputs of convolution ``layer`` before and after its activation, and after pooling.

    Keras' ``Conv2D(..., activation="relu")`` never exposes the values before its ReLU, yet the
    negative half is what the ReLU throws away. Here ``pre`` is recomputed with the layer's own
    kernel, bias, strides and padding on the layer's actual input (in the layer's compute dtype,
    as the layer itself does), so ``post == activation(pre)``. When the convolution has no fused
    activation and a single activation layer (``ReLU``, ``Activation``, ...) follows it, ``post``
    is that layer's output. ``pooled`` is the output of a max- or average-pooling layer that
    directly follows (the convolution or its activation layer). Works on any functional or
    Sequential Keras model; arrays are float32, channels last.
    """
    import keras
    from keras import ops

    conv = model.get_layer(layer)
    if not hasattr(conv, "convolution_op") or getattr(conv, "kernel", None) is None:
        raise ValueError(f"layer {layer!r} ({type(conv).__name__}) is not a convolution layer")

    fused = conv.activation
    fused_name = _activation_name(fused) if fused is not None else "linear"
    post_layer = conv
    activation = fused_name
    activation_layer = None
    after = _consumers(model, conv)
    if (
        fused_name == "linear"
        and len(after) == 1
        and type(after[0]).__name__ in (_ACTIVATION_LAYERS)
    ):
        post_layer = after[0]
        activation_layer = post_layer.name
        activation = (
            _activation_name(post_layer.activation)
            if hasattr(post_layer, "activation") and type(post_layer).__name__ == "Activation"
            else type(post_layer).__name__
        )
        after = _consumers(model, post_layer)
    pool = after[0] if len(after) == 1 and type(after[0]).__name__ in _POOLING_LAYERS else None

    conv_input = conv.input
    input_is_model_input = any(conv_input is t for t in model.inputs)
    outputs = [post_layer.output] + ([pool.output] if pool is not None else [])
    if not input_is_model_input:
        outputs = [conv_input, *outputs]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    sub = keras.Model(inputs, outputs)

    dtype = conv.compute_dtype
    kernel = ops.cast(conv.kernel, dtype)
    bias = None
    if conv.use_bias:
        shape = (1,) * (conv.rank + 1) + (conv.filters,)
        if conv.data_format == "channels_first":
            shape = (1, conv.filters) + (1,) * conv.rank
        bias = ops.reshape(ops.cast(conv.bias, dtype), shape)

    pre_parts: list[np.ndarray] = []
    post_parts: list[np.ndarray] = []
    pool_parts: list[np.ndarray] = []
    for start in _batches(len(x), batch_size):
        batch = np.asarray(x[start : start + batch_size])
        result = sub(batch, training=False)
        if not isinstance(result, (list, tuple)):
            result = [result]
        result = list(result)
        conv_in = batch if input_is_model_input else result.pop(0)
        pre = conv.convolution_op(ops.cast(conv_in, dtype), kernel)
        if bias is not None:
            pre = ops.add(pre, bias)
        pre_parts.append(np.asarray(ops.convert_to_numpy(pre), dtype=np.float32))
        post_parts.append(np.asarray(ops.convert_to_numpy(result[0]), dtype=np.float32))
        if pool is not None:
            pool_parts.append(np.asarray(ops.convert_to_numpy(result[1]), dtype=np.float32))
    if not pre_parts:
        raise ValueError("no inputs to probe")

    fmt = conv.data_format
    return ConvStages(
        layer=layer,
        pre=_to_channels_last(np.concatenate(pre_parts), fmt),
        post=_to_channels_last(np.concatenate(post_parts), fmt),
        pooled=None if pool is None else _to_channels_last(np.concatenate(pool_parts), fmt),
        activation=activation,
        activation_layer=activation_layer,
        pool_layer=None if pool is None else pool.name,
    )
