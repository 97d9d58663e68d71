"""A layer's weights as NumPy arrays, a convolution's filters, and the class means that the
templates of a one-layer network are compared with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from explainer.probe.layers import conv_type, find_layer

if TYPE_CHECKING:
    import keras

__all__ = [
    "LayerWeights",
    "class_means",
    "filters",
    "layer_weights",
]


@dataclass(frozen=True)
class LayerWeights:
    """A layer's kernel and bias as NumPy arrays (``bias`` is ``None`` when it has none)."""

    layer: str
    kernel: np.ndarray
    bias: np.ndarray | None


def layer_weights(model: keras.Model, name: str) -> LayerWeights:
    """Kernel and bias of the layer at ``name`` (a path into a nested model works too)."""
    layer = find_layer(model, name)
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        raise ValueError(f"layer {name!r} ({type(layer).__name__}) has no kernel")
    bias = getattr(layer, "bias", None)
    return LayerWeights(
        layer=name,
        kernel=np.asarray(kernel, dtype=np.float32),
        bias=None if bias is None else np.asarray(bias, dtype=np.float32),
    )


def filters(model: keras.Model, path: str) -> np.ndarray | None:
    """A convolution's spatial filters as a ``(kh, kw, in, out)`` kernel, one tile per ``out``.

    ``Conv2D``: its kernel. ``DepthwiseConv2D`` and the depthwise half of ``SeparableConv2D``:
    one single-channel filter per input channel (and depth multiplier). ``Conv2DTranspose``: the
    pattern each input channel paints into the output channels. ``None`` for 1 × 1 kernels,
    which have no spatial pattern to look at.
    """
    layer = find_layer(model, path)
    kind = conv_type(layer)
    if kind in ("DepthwiseConv2D", "SeparableConv2D"):
        depthwise = getattr(layer, "depthwise_kernel", None)
        if depthwise is None:  # Keras 3 names DepthwiseConv2D's weights "kernel"
            depthwise = layer.kernel
        k = np.asarray(depthwise, dtype=np.float32)  # (kh, kw, C, multiplier)
        k = k.reshape(k.shape[0], k.shape[1], 1, -1)
    elif kind is not None:
        k = np.asarray(layer.kernel, dtype=np.float32)
    else:
        raise ValueError(f"layer {path!r} ({type(layer).__name__}) is not a convolution layer")
    if k.shape[0] * k.shape[1] == 1:
        return None
    return k


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
