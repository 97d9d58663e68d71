"""Receptive fields: which input pixels a unit of a layer can see, computed from the layer
graph, and the patches of the inputs cut to those fields (padding shown, never stretched)."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.errors import ExplainerError

if TYPE_CHECKING:
    import keras

__all__ = [
    "Patches",
    "ReceptiveField",
    "ReceptiveFieldError",
    "cut_patches",
    "receptive_field",
]


class ReceptiveFieldError(ExplainerError, ValueError):
    """The layers between the input and the target do not map positions to input boxes."""


@dataclass(frozen=True)
class ReceptiveField:
    """Which input pixels an output position of a layer can see, per spatial axis.

    Output position ``i`` along an axis sees input pixels ``offset + i * stride`` up to
    ``offset + i * stride + size - 1`` (a bounding box: with dilation the field can have holes).
    ``offset`` is negative where padding lets the field reach beyond the image.
    """

    layer: str
    size: tuple[int, int]
    """Height and width of the field in input pixels."""
    stride: tuple[int, int]
    """Input pixels between neighbouring output positions (the product of the strides)."""
    offset: tuple[int, int]
    """First input row and column seen by output position ``(0, 0)``."""
    input_shape: tuple[int, int] | None
    """The model's input height and width (``None`` when the model has no fixed size)."""
    output_shape: tuple[int | None, int | None]
    """The layer's output height and width."""

    def box(self, row: int, col: int, *, clip: bool = True) -> tuple[int, int, int, int]:
        """``(top, left, bottom, right)`` of the field of output position ``(row, col)``,
        clipped at the image borders unless ``clip=False``."""
        boxes = self.boxes(np.array([[row, col]]), clip=clip)
        return tuple(int(v) for v in boxes[0])  # type: ignore[return-value]

    def boxes(self, positions: np.ndarray, *, clip: bool = True) -> np.ndarray:
        """Boxes for an array of positions ``(..., 2)``: ``(..., 4)`` int64."""
        pos = np.asarray(positions, dtype=np.int64)
        if pos.shape[-1:] != (2,):
            raise ValueError(f"positions must be (..., 2) rows and columns, got {pos.shape}")
        top = self.offset[0] + pos[..., 0] * self.stride[0]
        left = self.offset[1] + pos[..., 1] * self.stride[1]
        out = np.stack([top, left, top + self.size[0], left + self.size[1]], axis=-1)
        if clip and self.input_shape is not None:
            h, w = self.input_shape
            out = np.maximum(out, 0)
            out[..., [0, 2]] = np.minimum(out[..., [0, 2]], h)
            out[..., [1, 3]] = np.minimum(out[..., [1, 3]], w)
        return out


@dataclass(frozen=True)
class _Axis:
    """One axis of a field: position ``i`` sees ``[start + i*jump, start + i*jump + size)``."""

    size: int
    jump: int
    start: int

    def then(self, inner: _Axis) -> _Axis:
        """This field followed by ``inner`` (a field measured in this field's positions)."""
        return _Axis(
            size=self.size + (inner.size - 1) * self.jump,
            jump=self.jump * inner.jump,
            start=self.start + inner.start * self.jump,
        )


_IDENTITY = (_Axis(1, 1, 0), _Axis(1, 1, 0))
_Field = tuple[_Axis, _Axis]

# Layers that act on each position separately (or not at all at inference).
_PASS_THROUGH = frozenset(
    {
        "InputLayer",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "PReLU",
        "ELU",
        "Softmax",
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
        "Dropout",
        "SpatialDropout2D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
        "Rescaling",
        "Normalization",
        "Identity",
        "Dense",
        "EinsumDense",
        "Masking",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
    }
)
# Layers after which a position no longer exists: every unit sees the whole image.
_GLOBAL = frozenset(
    {
        "Flatten",
        "Reshape",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "GlobalAveragePooling1D",
        "GlobalMaxPooling1D",
        "Attention",
        "MultiHeadAttention",
    }
)
_CONV_BASES = frozenset({"BaseConv", "BaseDepthwiseConv", "BaseSeparableConv"})


def _class_names(obj: object) -> set[str]:
    return {c.__name__ for c in type(obj).__mro__}


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    t = tuple(int(v) for v in value)
    return (t[0], t[1]) if len(t) == 2 else (t[0], t[0])


def _spatial(shape: Sequence[int | None], data_format: str) -> tuple[int | None, int | None]:
    if len(shape) != 4:
        raise ReceptiveFieldError(f"expected an image tensor (N, H, W, C), got shape {shape}")
    return (shape[2], shape[3]) if data_format == "channels_first" else (shape[1], shape[2])


def _window_axis(
    layer: Any, k: int, stride: int, dilation: int, padding: str, n: int | None, axis: str
) -> _Axis:
    k_eff = (k - 1) * dilation + 1
    if padding == "valid":
        before = 0
    elif padding == "same":
        if stride == 1:
            before = (k_eff - 1) // 2
        elif n is None:
            raise ReceptiveFieldError(
                f"layer {layer.name!r} pads 'same' with stride {stride} on an input of unknown "
                f"{axis}; build the model with a fixed input size"
            )
        else:  # TensorFlow's SAME: the odd pixel of padding goes after
            total = max((math.ceil(n / stride) - 1) * stride + k_eff - n, 0)
            before = total // 2
    else:
        raise ReceptiveFieldError(f"layer {layer.name!r}: padding {padding!r} is not supported")
    return _Axis(size=k_eff, jump=stride, start=-before)


def _layer_step(layer: Any, input_shape: Sequence[int | None]) -> _Field | None:
    """The field of one layer in its input's positions (``None``: passes positions through)."""
    names = _class_names(layer)
    cls = type(layer).__name__
    fmt = getattr(layer, "data_format", "channels_last") or "channels_last"
    if names & _CONV_BASES or "BasePooling" in names:
        rank = getattr(layer, "rank", None) or len(getattr(layer, "pool_size", (0, 0)))
        if rank != 2:
            raise ReceptiveFieldError(f"layer {layer.name!r} ({cls}) is not two-dimensional")
        kernel = _pair(layer.kernel_size if hasattr(layer, "kernel_size") else layer.pool_size)
        strides = _pair(layer.strides if layer.strides is not None else kernel)
        dilation = _pair(getattr(layer, "dilation_rate", 1))
        hw = _spatial(input_shape, fmt)
        return (
            _window_axis(layer, kernel[0], strides[0], dilation[0], layer.padding, hw[0], "height"),
            _window_axis(layer, kernel[1], strides[1], dilation[1], layer.padding, hw[1], "width"),
        )
    if cls == "ZeroPadding2D":
        (top, _), (left, _) = layer.padding
        return (_Axis(1, 1, -int(top)), _Axis(1, 1, -int(left)))
    if cls == "Cropping2D":
        (top, _), (left, _) = layer.cropping
        return (_Axis(1, 1, int(top)), _Axis(1, 1, int(left)))
    if cls in _GLOBAL:
        raise ReceptiveFieldError(
            f"layer {layer.name!r} ({cls}) mixes every position of its input, so units after it "
            "see the whole image; choose a layer before it"
        )
    return None


def _merge(layer: Any, fields: Sequence[_Field]) -> _Field:
    """Several inputs of one layer (a skip connection): the box around all their fields."""
    merged = []
    for axis in range(2):
        parts = [f[axis] for f in fields]
        if len({p.jump for p in parts}) > 1:
            raise ReceptiveFieldError(
                f"layer {layer.name!r} merges inputs with different strides "
                f"{sorted({p.jump for p in parts})}; their positions do not line up"
            )
        start = min(p.start for p in parts)
        end = max(p.start + p.size for p in parts)
        merged.append(_Axis(size=end - start, jump=parts[0].jump, start=start))
    return (merged[0], merged[1])


def _tensor_field(tensor: Any, pass_through: Collection[str], memo: dict[int, _Field]) -> _Field:
    key = id(tensor)
    if key in memo:
        return memo[key]
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        raise ReceptiveFieldError(f"cannot trace tensor {tensor!r} back to the model's input")
    op, node_index, tensor_index = history
    cls = type(op).__name__
    if cls == "InputLayer":
        result: _Field = _IDENTITY
    else:
        node = op._inbound_nodes[node_index]
        inputs = [t for t in node.input_tensors if getattr(t, "shape", None) is not None]
        fields = [_tensor_field(t, pass_through, memo) for t in inputs]
        before = fields[0] if len(fields) == 1 else _merge(op, fields)
        if "Model" in _class_names(op) or "Functional" in _class_names(op):
            inner = _tensor_field(op.outputs[tensor_index], pass_through, {})
            result = (before[0].then(inner[0]), before[1].then(inner[1]))
        else:
            step = _layer_step(op, inputs[0].shape)
            if step is None and cls not in _PASS_THROUGH and cls not in pass_through:
                raise ReceptiveFieldError(
                    f"cannot tell how layer {op.name!r} ({cls}) maps positions: receptive fields "
                    "know convolutions, pooling, padding, cropping and per-position layers; "
                    f"pass pass_through={{{cls!r}}} if it keeps every position where it is"
                )
            result = before if step is None else (before[0].then(step[0]), before[1].then(step[1]))
    memo[key] = result
    return result


def receptive_field(
    model: keras.Model, layer: str, *, pass_through: Collection[str] = ()
) -> ReceptiveField:
    """The receptive field of the units of ``layer``: size, stride and offset in input pixels.

    Walks the graph from the layer back to the input, composing each layer's kernel size,
    stride, dilation and padding (``Conv2D``, ``SeparableConv2D``, ``DepthwiseConv2D``,
    max/average pooling, ``ZeroPadding2D``, ``Cropping2D``; per-position layers such as
    activations and normalisation pass through; skip connections give the box around all
    paths; nested models are entered). ``pass_through`` names further layer classes that keep
    every position where it is. Raises :class:`ReceptiveFieldError` for layers that mix
    positions (flatten, global pooling) or whose geometry it does not know.
    """
    from explainer.probe import layer_chain

    chain = layer_chain(model, layer)
    target = chain[-1]
    out_shape = target.output.shape
    fmt = getattr(target, "data_format", "channels_last") or "channels_last"
    if len(out_shape) != 4:
        raise ReceptiveFieldError(
            f"layer {layer!r} has no spatial positions (output shape {tuple(out_shape)}); "
            "choose a convolution or pooling layer"
        )
    names = set(pass_through)
    f = _tensor_field(target.output, names, {})
    # The walk stops at the input of the model that holds the layer; compose with the field of
    # that model's input in its parent, up to the outermost model.
    for nested in reversed(chain[:-1]):
        before = _tensor_field(nested._inbound_nodes[0].input_tensors[0], names, {})
        f = (before[0].then(f[0]), before[1].then(f[1]))
    in_shape = model.inputs[0].shape
    in_hw = _spatial(in_shape, fmt)
    out_hw = _spatial(out_shape, fmt)
    return ReceptiveField(
        layer=layer,
        size=(f[0].size, f[1].size),
        stride=(f[0].jump, f[1].jump),
        offset=(f[0].start, f[1].start),
        input_shape=None if None in in_hw else (int(in_hw[0]), int(in_hw[1])),  # type: ignore[arg-type]
        output_shape=out_hw,
    )


@dataclass(frozen=True)
class Patches:
    """Receptive-field patches of inputs, all of the field's full size.

    Where the field reaches beyond the image (padding), ``inside`` is False and the pixels
    hold ``fill``: a figure can show the border honestly instead of stretching the patch.
    """

    images: np.ndarray
    """(..., size_h, size_w, channels), the data's dtype."""
    inside: np.ndarray
    """(..., size_h, size_w) bool: the pixel lies inside the image."""
    boxes: np.ndarray
    """(..., 4) int64: the clipped ``(top, left, bottom, right)`` in the image."""


def cut_patches(
    x: np.ndarray,
    indices: np.ndarray,
    positions: np.ndarray,
    field: ReceptiveField,
    *,
    fill: float = 0,
) -> Patches:
    """The receptive-field patch of input ``indices[...]`` around ``positions[...]``.

    ``indices`` is any shape (e.g. ``(C, k)`` from :class:`TopExamples`), ``positions`` the
    same shape plus a last axis of ``(row, col)``; ``x`` is ``(N, H, W)`` or ``(N, H, W, C)``
    and may be memory-mapped (only the rows needed are read). Index -1 gives an empty patch.
    """
    idx = np.asarray(indices, dtype=np.int64)
    pos = np.asarray(positions, dtype=np.int64)
    if pos.shape != (*idx.shape, 2):
        raise ValueError(f"positions {pos.shape} must be indices' shape {idx.shape} plus (2,)")
    arr = x if np.ndim(x) == 4 else np.asarray(x)[..., np.newaxis]
    if np.ndim(arr) != 4:
        raise ValueError(f"x must be (N, H, W) or (N, H, W, C) images, got shape {np.shape(x)}")
    n, h, w, ch = arr.shape
    if idx.size and idx.max() >= n:
        raise ValueError(f"index {int(idx.max())} is out of range for {n} inputs")
    fh, fw = field.size
    flat_i, flat_p = idx.reshape(-1), pos.reshape(-1, 2)
    raw = field.boxes(np.maximum(flat_p, 0), clip=False)
    images = np.full((len(flat_i), fh, fw, ch), fill, dtype=arr.dtype)
    inside = np.zeros((len(flat_i), fh, fw), dtype=bool)
    boxes = np.zeros((len(flat_i), 4), dtype=np.int64)
    wanted = np.unique(flat_i[flat_i >= 0])
    rows = {int(j): np.asarray(arr[int(j)]) for j in wanted}
    for m, (j, (top, left, _, _)) in enumerate(zip(flat_i, raw, strict=True)):
        if j < 0:
            continue
        t0, l0 = max(top, 0), max(left, 0)
        t1, l1 = min(top + fh, h), min(left + fw, w)
        boxes[m] = (t0, l0, t1, l1)
        if t1 <= t0 or l1 <= l0:
            continue
        images[m, t0 - top : t1 - top, l0 - left : l1 - left] = rows[int(j)][t0:t1, l0:l1]
        inside[m, t0 - top : t1 - top, l0 - left : l1 - left] = True
    lead = idx.shape
    return Patches(
        images=images.reshape(*lead, fh, fw, ch),
        inside=inside.reshape(*lead, fh, fw),
        boxes=boxes.reshape(*lead, 4),
    )
