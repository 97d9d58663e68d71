"""Convolution stages: a convolution's maps before and after its activation, and after the
pooling that follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from explainer.probe.layers import conv_type, find_layer, lift_tensors

if TYPE_CHECKING:
    import keras

__all__ = [
    "ConvStages",
    "conv_stages",
]


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


def _function_name(fn: object) -> str:
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return str(name)


def _to_channels_last(arr: np.ndarray, data_format: str) -> np.ndarray:
    if data_format == "channels_first":
        return np.moveaxis(arr, 1, -1)
    return arr


def _pre_activation(conv: keras.layers.Layer, kind: str, x: object) -> object:
    """The convolution plus bias, before the layer's activation, with the layer's own settings."""
    from keras import ops

    dtype = conv.compute_dtype
    common = {"padding": conv.padding, "data_format": conv.data_format}
    if kind == "DepthwiseConv2D":
        out = ops.depthwise_conv(
            x,
            ops.cast(getattr(conv, "depthwise_kernel", None) or conv.kernel, dtype),
            strides=conv.strides,
            dilation_rate=conv.dilation_rate,
            **common,
        )
    elif kind == "SeparableConv2D":
        out = ops.separable_conv(
            x,
            ops.cast(conv.depthwise_kernel, dtype),
            ops.cast(conv.pointwise_kernel, dtype),
            strides=conv.strides,
            dilation_rate=conv.dilation_rate,
            **common,
        )
    elif kind == "Conv2DTranspose":
        out = ops.conv_transpose(
            x,
            ops.cast(conv.kernel, dtype),
            strides=conv.strides,
            output_padding=conv.output_padding,
            dilation_rate=conv.dilation_rate,
            **common,
        )
    else:
        out = conv.convolution_op(x, ops.cast(conv.kernel, dtype))
    if conv.use_bias:
        n = int(conv.bias.shape[0])
        shape = (1, 1, 1, n) if conv.data_format != "channels_first" else (1, n, 1, 1)
        out = ops.add(out, ops.reshape(ops.cast(conv.bias, dtype), shape))
    return out


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
    Sequential Keras model; arrays are float32, channels last. ``Conv2D``, ``DepthwiseConv2D``,
    ``SeparableConv2D`` and ``Conv2DTranspose`` layers, also inside a nested base model (name
    them by path, ``base/conv``; see :func:`find_layer`).
    """
    import keras
    from keras import ops

    conv = find_layer(model, layer)
    kind = conv_type(conv)
    if kind is None:
        raise ValueError(f"layer {layer!r} ({type(conv).__name__}) is not a convolution layer")
    prefix = layer.split("/")[:-1]
    container = find_layer(model, "/".join(prefix)) if prefix else model

    fused = conv.activation
    fused_name = _function_name(fused) if fused is not None else "linear"
    post_layer = conv
    activation = fused_name
    activation_layer = None
    after = _consumers(container, conv)
    if (
        fused_name == "linear"
        and len(after) == 1
        and type(after[0]).__name__ in (_ACTIVATION_LAYERS)
    ):
        post_layer = after[0]
        activation_layer = post_layer.name
        activation = (
            _function_name(post_layer.activation)
            if hasattr(post_layer, "activation") and type(post_layer).__name__ == "Activation"
            else type(post_layer).__name__
        )
        after = _consumers(container, post_layer)
    pool = after[0] if len(after) == 1 and type(after[0]).__name__ in _POOLING_LAYERS else None

    conv_input = conv.input
    input_is_model_input = not prefix and any(conv_input is t for t in model.inputs)
    outputs = [post_layer.output] + ([pool.output] if pool is not None else [])
    if not input_is_model_input:
        outputs = [conv_input, *outputs]
    outputs = lift_tensors(model, prefix, outputs)
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    sub = keras.Model(inputs, outputs)
    dtype = conv.compute_dtype

    pre_parts: list[np.ndarray] = []
    post_parts: list[np.ndarray] = []
    pool_parts: list[np.ndarray] = []
    for start in range(0, len(x), batch_size):
        batch = np.asarray(x[start : start + batch_size])
        result = sub(batch, training=False)
        if not isinstance(result, (list, tuple)):
            result = [result]
        result = list(result)
        conv_in = batch if input_is_model_input else result.pop(0)
        pre = _pre_activation(conv, kind, ops.cast(conv_in, dtype))
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
