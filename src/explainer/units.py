"""What a unit wants: receptive fields, top-activating examples, feature visualisation, and the
space a layer has learned.

Three views of one channel of a convolution (or one class score), each answering a different
question, and each misleading in its own way:

* **Top-activating examples** (Zeiler & Fergus 2014): the inputs, and the patches of them that
  the unit can see (its *receptive field*), that excite it most. Streamed over the data with a
  running top-k (:class:`TopActivations`), so memory does not grow with the number of images.
  They show what the unit *correlates* with in the data, not what causes it to fire.
* **Feature visualisation** (Erhan et al. 2009; Yosinski et al. 2015; Olah et al. 2017):
  gradient ascent on the input to excite the unit, with regularisers that keep the result
  readable (:func:`visualise_channels`, :func:`visualise_classes`). The result lives outside
  the data: no real image looks like it.
* **The learned space**: a layer's activations for many images (:func:`features`), mapped to
  2-D with t-SNE (:func:`tsne`, van der Maaten & Hinton 2008) and measured with the accuracy
  of a k-nearest-neighbour classifier in that space (:func:`knn_accuracy`).

Everything returns NumPy arrays or small dataclasses; the figures live in
:mod:`explainer.plot`. Positions are ``(row, col)`` and boxes ``(top, left, bottom, right)``
with ``bottom``/``right`` exclusive, in pixels of the model's input.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack

import numpy as np

from explainer.errors import ExplainerError

if TYPE_CHECKING:
    import keras

__all__ = [
    "LEAK",
    "AscentOptions",
    "Patches",
    "ReceptiveField",
    "ReceptiveFieldError",
    "Regularisers",
    "TopActivations",
    "TopExamples",
    "Visualisation",
    "cut_patches",
    "features",
    "grid_layout",
    "knn_accuracy",
    "layer_function",
    "pixels",
    "receptive_field",
    "top_activations",
    "tsne",
    "visualise_channels",
    "visualise_classes",
]


# --- Receptive fields ------------------------------------------------------------------------


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


# --- Running top-k ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TopExamples:
    """The ``k`` inputs that excite each channel most, best first.

    Rows are channels. Where fewer than ``k`` inputs were seen, ``indices`` is -1 and
    ``values`` is ``-inf``.
    """

    indices: np.ndarray
    """(C, k) int64: index of the input in the data."""
    values: np.ndarray
    """(C, k) float32: the channel's score for that input (its maximum or mean over positions)."""
    positions: np.ndarray
    """(C, k, 2) int64: ``(row, col)`` of the channel's maximum in the layer's map (-1 for
    outputs without positions)."""
    count: int
    """How many inputs were seen."""
    reduce: str = "max"
    layer: str | None = None

    @property
    def k(self) -> int:
        return int(self.indices.shape[1])

    @property
    def n_channels(self) -> int:
        return int(self.indices.shape[0])

    def patches(
        self, x: np.ndarray, field: ReceptiveField, *, channels: Sequence[int] | None = None
    ) -> Patches:
        """The receptive-field patches of the inputs around each maximum (see
        :func:`cut_patches`)."""
        sel = np.arange(self.n_channels) if channels is None else np.asarray(channels)
        return cut_patches(x, self.indices[sel], self.positions[sel], field)


class TopActivations:
    """A running top-k per channel, fed one batch of activations at a time.

    ``update(batch, offset)`` takes a batch of a layer's outputs, ``(B, H, W, C)`` maps (each
    image scores the maximum, or with ``reduce="mean"`` the mean, of the channel over its
    positions; the position of the maximum is kept for cutting patches) or ``(B, C)`` scores
    (class scores, dense units), and the index in the data of its first row. Memory is
    ``C × (k + B)`` numbers whatever the number of inputs, so the same pass that computes
    predictions can fill it. An image counts once per channel. Ties keep the input with the
    smaller index first, and a tie of positions within an image the first in reading order,
    so the result equals a stable ``argsort`` over the whole data.

    In a pass that also computes predictions (as a report does)::

        run = units.layer_function(model, [model.layers[-1].name, *conv_layers])
        tops = {name: units.TopActivations(9, layer=name) for name in conv_layers}
        for start in range(0, len(x), 256):
            proba, *maps = run(x[start : start + 256])
            ...  # use the predictions
            for name, m in zip(conv_layers, maps):
                tops[name].update(m, start)
        top = tops["conv"].result()
        patches = top.patches(x, units.receptive_field(model, "conv"))  # plot.top_patches
    """

    def __init__(self, k: int, *, reduce: Literal["max", "mean"] = "max", layer: str | None = None):
        if int(k) < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if reduce not in ("max", "mean"):
            raise ValueError(f"reduce must be 'max' or 'mean', got {reduce!r}")
        self.k = int(k)
        self.reduce = reduce
        self.layer = layer
        self.count = 0
        self._values: np.ndarray | None = None
        self._indices: np.ndarray | None = None
        self._positions: np.ndarray | None = None

    def update(self, batch_activations: np.ndarray, batch_offset: int) -> None:
        """Add a batch whose first row is input number ``batch_offset`` of the data."""
        a = np.asarray(batch_activations)
        if a.ndim not in (2, 4):
            raise ValueError(
                f"activations must be (B, H, W, C) maps or (B, C) scores, got shape {a.shape}"
            )
        if int(batch_offset) < 0:
            raise ValueError(f"batch_offset must be >= 0, got {batch_offset}")
        b, c = a.shape[0], a.shape[-1]
        if self._values is not None and c != self._values.shape[0]:
            raise ValueError(f"this top-k has {self._values.shape[0]} channels, the batch has {c}")
        if b == 0:
            return
        a = a.astype(np.float32, copy=False)
        if a.ndim == 4:
            h, w = a.shape[1:3]
            flat = a.reshape(b, h * w, c)
            where = np.argmax(flat, axis=1)  # (B, C): first maximum in reading order
            peak = np.take_along_axis(flat, where[:, None, :], axis=1)[:, 0, :]
            if np.isnan(peak).any():  # argmax stops at a NaN: rank NaNs below everything
                safe = np.where(np.isnan(flat), -np.inf, flat)
                where = np.argmax(safe, axis=1)
                peak = np.take_along_axis(safe, where[:, None, :], axis=1)[:, 0, :]
            score = peak if self.reduce == "max" else flat.mean(axis=1)
            pos = np.stack(np.divmod(where, w), axis=-1)  # (B, C, 2)
        else:
            score = a
            pos = np.full((b, c, 2), -1, dtype=np.int64)
        score = np.where(np.isnan(score), -np.inf, score).astype(np.float32)
        idx = np.broadcast_to(np.arange(b, dtype=np.int64)[:, None] + int(batch_offset), (b, c))
        new_v, new_i, new_p = score.T, idx.T, pos.transpose(1, 0, 2).astype(np.int64)
        if self._values is not None:
            assert self._indices is not None and self._positions is not None
            new_v = np.concatenate([self._values, new_v], axis=1)
            new_i = np.concatenate([self._indices, new_i], axis=1)
            new_p = np.concatenate([self._positions, new_p], axis=1)
        # Best first: larger value, then smaller data index (np.lexsort: last key is primary).
        order = np.lexsort((new_i, -new_v.astype(np.float64)), axis=-1)[:, : self.k]
        self._values = np.take_along_axis(new_v, order, axis=1)
        self._indices = np.take_along_axis(new_i, order, axis=1)
        self._positions = np.take_along_axis(new_p, order[..., None], axis=1)
        self.count += b

    def result(self) -> TopExamples:
        """What has been seen so far, padded to ``k`` columns."""
        if self._values is None:
            raise ValueError("no activations yet: call update() with at least one batch")
        assert self._indices is not None and self._positions is not None
        c, have = self._values.shape
        pad = self.k - have
        values, indices, positions = self._values, self._indices, self._positions
        if pad > 0:
            values = np.concatenate([values, np.full((c, pad), -np.inf, np.float32)], axis=1)
            indices = np.concatenate([indices, np.full((c, pad), -1, np.int64)], axis=1)
            positions = np.concatenate([positions, np.full((c, pad, 2), -1, np.int64)], axis=1)
        return TopExamples(
            indices=indices.copy(),
            values=values.copy(),
            positions=positions.copy(),
            count=self.count,
            reduce=self.reduce,
            layer=self.layer,
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


# --- Running a model: a compiled function from input to the named layers ----------------------


def _sub_function(model: Any, name: str) -> Callable[[Any], Any]:
    """input → output of the layer called ``name`` (inside nested models too), traceable."""
    from explainer.probe import layer_path, submodel

    sub = submodel(model, [layer_path(model, name)])

    def run(x: Any) -> Any:
        out = sub(x, training=False)
        return out[0] if isinstance(out, (list, tuple)) else out

    return run


def layer_function(model: keras.Model, layers: Sequence[str]) -> Callable[[np.ndarray], list]:
    """A compiled function: a batch of inputs → the outputs of ``layers`` as NumPy arrays.

    One forward pass for all layers (:func:`explainer.probe.submodel`, which also reaches into
    nested models). Compiled once with ``tf.function`` for any batch size: for the book's small
    networks this is two to three times faster than calling the model eagerly.
    """
    import tensorflow as tf

    from explainer.probe import layer_path, submodel

    sub = submodel(model, [layer_path(model, name) for name in layers])
    shape = [None, *model.inputs[0].shape[1:]]

    @tf.function(input_signature=[tf.TensorSpec(shape, model.inputs[0].dtype)])
    def run(x: Any) -> list[Any]:
        out = sub(x, training=False)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def call(batch: np.ndarray) -> list[np.ndarray]:
        result = run(tf.convert_to_tensor(np.asarray(batch), dtype=model.inputs[0].dtype))
        return [np.asarray(r) for r in result]

    return call


def _channels_last(layer: Any, arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 4 and getattr(layer, "data_format", None) == "channels_first":
        return np.moveaxis(arr, 1, -1)
    return arr


def top_activations(
    model: keras.Model,
    x: np.ndarray,
    layers: Sequence[str],
    *,
    k: int = 9,
    reduce: Literal["max", "mean"] = "max",
    batch_size: int = 256,
) -> dict[str, TopExamples]:
    """The top-``k`` inputs of every channel of each of ``layers``, in one pass over ``x``.

    Memory is one batch of activations plus ``k`` numbers per channel, whatever ``len(x)``;
    ``x`` may be memory-mapped. See :class:`TopActivations` for scores and ties.
    """
    if len(x) == 0:
        raise ValueError("no inputs: x is empty")
    run = layer_function(model, layers)
    tops = {name: TopActivations(k, reduce=reduce, layer=name) for name in layers}
    from explainer.probe import find_layer

    targets = [find_layer(model, name) for name in layers]
    for start in range(0, len(x), batch_size):
        outs = run(np.asarray(x[start : start + batch_size]))
        for name, layer, out in zip(layers, targets, outs, strict=True):
            tops[name].update(_channels_last(layer, out), start)
    return {name: top.result() for name, top in tops.items()}


# --- Feature visualisation by optimisation ----------------------------------------------------


@dataclass(frozen=True)
class Regularisers:
    """What keeps an optimised input readable, applied at every step of the ascent.

    Plain gradient ascent finds high-frequency patterns that excite a unit strongly and mean
    nothing to us (the "adversarial" answer). Three cheap priors push it towards images:

    * ``jitter``: shift the image by up to this many pixels (random, seeded) before each
      gradient: a pattern must excite the unit wherever it sits, not only aligned to the pixel
      grid (the "transformation robustness" of Mordvintsev et al. 2015 and Olah et al. 2017).
    * ``decay``: pull every pixel this fraction of the way back towards the start image (the
      ``start`` value, mid-range by default) after each step (L2 decay, Yosinski et al. 2015):
      only pixels that keep earning their gradient stay away from it, so the picture shows
      what matters, not saturated noise.
    * ``blur_every`` / ``blur_sigma``: a small Gaussian blur every few steps (Yosinski et al.
      2015): a penalty on high frequencies, the pixel-level noise the two above leave.

    A total-variation penalty would do the blur's job as a loss term; the blur is cheaper and
    its strength easier to read. Set a field to 0 to switch its prior off.
    """

    jitter: int = 2
    decay: float = 0.01
    blur_every: int = 4
    blur_sigma: float = 0.5


@dataclass(frozen=True)
class Visualisation:
    """Inputs optimised to excite units, and how their activation grew."""

    images: np.ndarray
    """(n, H, W, C) float32 within ``value_range``."""
    trace: np.ndarray
    """``(n, steps + 1)``, the unit's activation (channel mean over positions, or class logit) of
    the image before the first step and after each step."""
    peak: np.ndarray
    """``(n,)``, the returned image's largest activation of the unit over positions (the score
    :class:`TopActivations` ranks real images by; the logit again for classes)."""
    targets: np.ndarray
    """The channel or class index of each image."""
    objective: str
    """``"channel mean"`` (a layer's channel averaged over positions) or ``"class logit"``."""
    layer: str
    value_range: tuple[float, float]
    regularisers: Regularisers = field(default_factory=Regularisers)

    @property
    def final(self) -> np.ndarray:
        """``(n,)``, the activation of the returned images."""
        return self.trace[:, -1]


def _gaussian_kernel(sigma: float, channels: int) -> np.ndarray:
    radius = max(1, math.ceil(2 * sigma))
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-(t**2) / (2 * sigma**2))
    g /= g.sum()
    k2 = np.outer(g, g).astype(np.float32)
    return np.repeat(k2[:, :, None, None], channels, axis=2)  # (h, w, C, 1) depthwise


def _activation_name(layer: Any) -> str:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return "linear"
    return str(getattr(activation, "__name__", type(activation).__name__))


def _leaky(z: Any) -> Any:
    import keras

    return keras.activations.leaky_relu(z, negative_slope=LEAK)


def _leaky_relu(layer: Any) -> Callable[..., Any] | None:
    """For a layer with a fused ReLU, the same layer (its weights) with a leaky ReLU instead."""
    from explainer.scores import with_activation

    if _activation_name(layer) != "relu" or not hasattr(layer, "call"):
        return None
    return with_activation(layer, _leaky, "leaky")


def surrogate(model: keras.Model, *, layer: str | None = None, scores: bool = False) -> Any:
    """The network feature visualisation ascends: ``model``'s layers with every fused ReLU made
    leaky (slope :data:`LEAK` below zero), sharing the weights, the model itself unchanged.

    With ``layer`` its outputs are ``[that layer's output, final output]``; with ``scores`` the
    final output is the class scores before the softmax (as
    :func:`explainer.scores.score_model`).
    """
    from explainer.probe import layer_chain
    from explainer.scores import rewired, scores_head

    head = scores_head(model) if scores else (lambda op: None)

    def replace(op: Any) -> Callable[..., Any] | None:
        return head(op) or _leaky_relu(op)

    capture = [lay.name for lay in layer_chain(model, layer)] if layer is not None else None
    return rewired(model, replace, capture=capture, name="surrogate")


LEAK = 0.1
"""Slope below zero of the ReLU a channel is ascended through (see :func:`visualise_channels`)."""


class AscentOptions(TypedDict, total=False):
    """How feature visualisation ascends, whatever it maximises: the keyword arguments of
    :func:`visualise_channels` and :func:`visualise_classes`, each optional (its default at
    the end)."""

    steps: int
    """Gradient steps (128)."""
    step_size: float
    """Length of a step, the gradient normalised to a root-mean-square of one, as a fraction of
    the pixel range (0.03)."""
    value_range: tuple[float, float]
    """The range of inputs the model was trained on, e.g. 0–255 for a model that rescales
    inside; every step clips to it (0 to 255)."""
    start: float | None
    """The start image's value, towards which the L2 decay pulls (the middle of the range; the
    data's mean pixel is a good choice)."""
    regularisers: Regularisers | None
    """The priors applied at every step (:class:`Regularisers`' defaults)."""
    seed: int
    """Seed of the start noise, per target, and of the jitter (0)."""
    noise: float
    """Spread of the start's Gaussian noise, as a fraction of the pixel range (0.02)."""


def _check_options(caller: str, options: Mapping[str, Any]) -> None:
    """Refuse a misspelt option before anything is traced (``**options`` accepts any name)."""
    unknown = sorted(set(options) - AscentOptions.__optional_keys__)
    if unknown:
        known = ", ".join(sorted(AscentOptions.__optional_keys__))
        raise TypeError(f"{caller}() got unknown options {unknown}; it takes {known}")


def _ascend(
    model: Any,
    ascent: Callable[[Any, Any], Any],
    measure: Callable[[Any, Any], Any],
    targets: np.ndarray,
    *,
    objective: str,
    layer: str,
    **options: Unpack[AscentOptions],
) -> Visualisation:
    """Gradient ascent of ``ascent`` (B,) on a batch of images, one per target; ``measure``
    gives the unit's real activation ``(B, 2)``: mean and peak. One ascent for every
    objective, so its settings (:class:`AscentOptions`) are read in one place."""
    import tensorflow as tf

    steps = options.get("steps", 128)
    step_size = options.get("step_size", 0.03)
    value_range = options.get("value_range", (0.0, 255.0))
    start = options.get("start")
    reg = options.get("regularisers") or Regularisers()
    seed = options.get("seed", 0)
    noise = options.get("noise", 0.02)

    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    if len(shape) != 3 or None in shape:
        raise ValueError(f"feature visualisation needs a fixed image input (H, W, C), got {shape}")
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(f"value_range must be (low, high) with high > low, got {value_range}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    base = (lo + hi) / 2 if start is None else float(start)
    if not lo <= base <= hi:
        raise ValueError(f"start {start} lies outside value_range {value_range}")
    span = hi - lo
    first = np.stack(
        [
            base + noise * span * np.random.default_rng([seed, int(t)]).standard_normal(shape)
            for t in targets
        ]
    )
    first = np.clip(first, lo, hi).astype(np.float32)
    jit = max(int(reg.jitter), 0)
    shifts = np.random.default_rng([seed, 7]).integers(-jit, jit + 1, (steps, 2)).astype(np.int32)
    blur = _gaussian_kernel(reg.blur_sigma, shape[-1]) if reg.blur_sigma > 0 else None
    pad = 0 if blur is None else blur.shape[0] // 2
    target_t = tf.constant(targets, dtype=tf.int64)

    def step(x: Any, shift: Any, do_blur: bool) -> Any:
        moved = tf.roll(x, shift, axis=[1, 2])
        with tf.GradientTape() as tape:
            tape.watch(moved)
            total = tf.reduce_sum(ascent(moved, target_t))
        grad = tf.roll(tape.gradient(total, moved), -shift, axis=[1, 2])
        rms = tf.sqrt(tf.reduce_mean(tf.square(grad), axis=[1, 2, 3], keepdims=True)) + 1e-12
        x = x + step_size * span * grad / rms
        x = base + (1.0 - reg.decay) * (x - base)
        if blur is not None and do_blur:
            padded = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
            x = tf.nn.depthwise_conv2d(padded, tf.constant(blur), [1, 1, 1, 1], "VALID")
        return tf.clip_by_value(x, lo, hi)

    image_spec = tf.TensorSpec((len(targets), *shape), tf.float32)
    shift_spec = tf.TensorSpec((2,), tf.int32)
    # Concrete functions, traced once.
    plain = tf.function(lambda x, s: step(x, s, False)).get_concrete_function(
        image_spec, shift_spec
    )
    blurred = tf.function(lambda x, s: step(x, s, True)).get_concrete_function(
        image_spec, shift_spec
    )
    measured = tf.function(lambda x: measure(x, target_t)).get_concrete_function(image_spec)

    x = tf.constant(first)
    trace = np.zeros((len(targets), steps + 1), dtype=np.float32)
    trace[:, 0] = np.asarray(measured(x))[:, 0]
    for t in range(steps):
        do_blur = reg.blur_every > 0 and (t + 1) % reg.blur_every == 0
        x = (blurred if do_blur else plain)(x, tf.constant(shifts[t]))
        trace[:, t + 1] = np.asarray(measured(x))[:, 0]
    peak = np.asarray(measured(x))[:, 1]
    return Visualisation(
        images=np.asarray(x, dtype=np.float32),
        trace=trace,
        peak=peak.astype(np.float32),
        targets=np.asarray(targets),
        objective=objective,
        layer=layer,
        value_range=(lo, hi),
        regularisers=reg,
    )


def visualise_channels(
    model: keras.Model, layer: str, channels: Sequence[int], **options: Unpack[AscentOptions]
) -> Visualisation:
    """Inputs optimised to maximise the mean activation of each of ``channels`` of ``layer``.

    Gradient ascent on the input pixels (its keyword options: :class:`AscentOptions`): each step
    moves every image along its gradient, normalised to a root-mean-square of one and scaled by
    ``step_size`` times the pixel range, then applies the :class:`Regularisers` and clips to
    ``value_range`` (the range of inputs the model was trained on, e.g. 0–255 for a model that
    rescales inside). The image starts as ``start`` (default: the middle of the range; the
    data's mean pixel is a good choice) plus seeded Gaussian noise of ``noise`` times the range,
    and the L2 decay pulls back towards ``start``. A channel's start depends only on ``seed``
    and the channel, so asking for other channels alongside does not change its image; all are
    optimised as one batch.

    The ascent runs on a *surrogate network* (:func:`surrogate`): the same weights with every
    fused ReLU made leaky (slope :data:`LEAK` below zero) in the forward pass, at every step.
    This is not Olah et al.'s (2017) "redirected ReLU", which changes only the gradient and
    only early on; it is a simpler stand-in with the same purpose: a ReLU that is silent on
    the start image passes no gradient at all, so from a plain start nothing would move.
    (Dropping the ReLU instead fails too: a first layer's mean is then a linear function of
    the pixels, whose maximum is a flat image.) The trace and :attr:`Visualisation.peak`
    measure the real network, so they say how well the surrogate's optimum transfers.
    """
    import tensorflow as tf

    from explainer.probe import find_layer

    _check_options("visualise_channels", options)
    target = find_layer(model, layer)
    if len(target.output.shape) != 4:
        raise ValueError(f"layer {layer!r} has no channel maps (output {target.output.shape})")
    first = _is_channels_first(target)
    n_channels = int(target.output.shape[1 if first else -1])
    chans = np.asarray(channels, dtype=np.int64)
    if chans.size == 0 or chans.min() < 0 or chans.max() >= n_channels:
        raise ValueError(f"channels must be in 0 … {n_channels - 1}, got {list(chans)}")
    fn = _sub_function(model, layer)
    leaky = surrogate(model, layer=layer)

    def pick(maps: Any, t: Any) -> Any:
        if first:
            maps = tf.transpose(maps, [0, 2, 3, 1])
        return tf.einsum("bhwc,bc->bhw", maps, tf.one_hot(t, n_channels, dtype=maps.dtype))

    def ascent(x: Any, t: Any) -> Any:
        return tf.reduce_mean(pick(leaky(x, training=False)[0], t), axis=[1, 2])

    def measure(x: Any, t: Any) -> Any:
        m = pick(fn(x), t)
        return tf.stack([tf.reduce_mean(m, axis=[1, 2]), tf.reduce_max(m, axis=[1, 2])], axis=1)

    return _ascend(
        model,
        ascent,
        measure,
        chans,
        objective="channel mean",
        layer=layer,
        **options,
    )


def _is_channels_first(layer: Any) -> bool:
    return getattr(layer, "data_format", None) == "channels_first"


def visualise_classes(
    model: keras.Model, classes: Sequence[int], **options: Unpack[AscentOptions]
) -> Visualisation:
    """Inputs optimised to maximise each class's score *before* the softmax (its logit).

    The logit, not the probability: a probability can also be raised by lowering the other
    classes' scores, which finds inputs that are "not anything else" rather than "this"
    (Simonyan et al. 2014). The scores are :func:`explainer.scores.score_model`'s (the
    raw output for a model without a softmax), the same the attribution chapter explains.
    Otherwise as :func:`visualise_channels`.
    """
    import tensorflow as tf

    from explainer.scores import score_model

    _check_options("visualise_classes", options)
    scores = score_model(model)  # one rule for "the class score before the softmax"
    leaky = surrogate(model, scores=True)
    n_classes = int(scores.outputs[0].shape[-1])
    cls = np.asarray(classes, dtype=np.int64)
    if cls.size == 0 or cls.min() < 0 or cls.max() >= n_classes:
        raise ValueError(f"classes must be in 0 … {n_classes - 1}, got {list(cls)}")

    def logit(net: Any, x: Any, t: Any) -> Any:
        z = net(x, training=False)
        return tf.reduce_sum(z * tf.one_hot(t, n_classes, dtype=z.dtype), axis=1)

    def ascent(x: Any, t: Any) -> Any:
        return logit(leaky, x, t)

    def measure(x: Any, t: Any) -> Any:
        z = logit(scores, x, t)
        return tf.stack([z, z], axis=1)

    return _ascend(
        model,
        ascent,
        measure,
        cls,
        objective="class logit",
        layer=model.layers[-1].name,
        **options,
    )


# --- The learned space -------------------------------------------------------------------------


def pixels(x: np.ndarray) -> np.ndarray:
    """Images as rows of float32 pixel values ``(N, H*W*C)``: the "raw pixel" space.

    float32, not the data's uint8: distances between uint8 arrays wrap around.
    """
    arr = np.asarray(x)
    return arr.reshape(len(arr), -1).astype(np.float32)


def features(
    model: keras.Model, x: np.ndarray, layer: str, *, batch_size: int = 1024
) -> np.ndarray:
    """The activations of ``layer`` for every input, one row per input ``(N, D)`` float32.

    Computed batch by batch into one preallocated array (no list of batches to concatenate);
    ``x`` may be memory-mapped.
    """
    if len(x) == 0:
        raise ValueError("no inputs: x is empty")
    run = layer_function(model, [layer])
    out: np.ndarray | None = None
    for start in range(0, len(x), batch_size):
        part = run(np.asarray(x[start : start + batch_size]))[0]
        part = part.reshape(len(part), -1)
        if out is None:
            out = np.empty((len(x), part.shape[1]), dtype=np.float32)
        out[start : start + len(part)] = part
    assert out is not None
    return out


def knn_accuracy(
    train: np.ndarray,
    y_train: np.ndarray,
    test: np.ndarray,
    y_test: np.ndarray,
    *,
    k: int = 5,
) -> float:
    """Accuracy on ``test`` of a ``k``-nearest-neighbour vote among ``train`` (Euclidean).

    A representation in which classes are easy puts same-class images next to each other:
    this number measures that, with no training beyond storing the points. scikit-learn's
    brute-force search (exact; it computes the distances as matrix products, in blocks).
    """
    from sklearn.neighbors import KNeighborsClassifier

    train = np.asarray(train, dtype=np.float32)
    test = np.asarray(test, dtype=np.float32)
    y_train = np.asarray(y_train).reshape(-1)
    y_test = np.asarray(y_test).reshape(-1)
    if train.ndim != 2 or test.ndim != 2 or train.shape[1] != test.shape[1]:
        raise ValueError(
            f"train and test must be (N, D) rows of the same D, got {train.shape} and "
            f"{test.shape}; flatten images with units.pixels()"
        )
    if len(train) != len(y_train) or len(test) != len(y_test):
        raise ValueError("each row needs one label: lengths of points and labels differ")
    if len(train) < k:
        raise ValueError(f"k = {k} neighbours need at least {k} training points")
    knn = KNeighborsClassifier(n_neighbors=k, algorithm="brute")
    knn.fit(train, y_train)
    return float(np.mean(knn.predict(test) == y_test))


def tsne(
    points: np.ndarray,
    *,
    seed: int = 0,
    perplexity: float = 30.0,
    pca_dims: int | None = 50,
    max_iter: int = 400,
    angle: float = 0.7,
) -> np.ndarray:
    """A 2-D t-SNE embedding of ``points`` ``(N, D)``: ``(N, 2)`` float32.

    scikit-learn's Barnes–Hut t-SNE, seeded and initialised from PCA (stable from run to run
    and keeps the global layout, Kobak & Linderman 2021), after a PCA down to ``pca_dims``
    dimensions (van der Maaten & Hinton's own recipe: it removes noise and makes the
    neighbour search cheap; a seeded randomised PCA, several times faster than a full SVD).
    ``max_iter`` 400 instead of scikit-learn's 1,000 and a Barnes–Hut ``angle`` of 0.7 instead
    of 0.5 (within the 0.2–0.8 that scikit-learn recommends): the neighbourhoods settle well
    before (the placement of far-apart clusters may still move a little),
    each map costs about a third less, and the book's build stays short. Runs on one thread,
    so the same input gives the same output on a busy machine too (several threads fighting
    for two busy cores were ten times slower here).
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    x = np.asarray(points, dtype=np.float32)
    if x.ndim != 2 or len(x) < 5:
        raise ValueError(f"points must be (N, D) with N >= 5, got shape {x.shape}")
    perplexity = min(perplexity, (len(x) - 1) / 3)
    with threadpool_limits(1):
        if pca_dims is not None and x.shape[1] > pca_dims and len(x) > pca_dims:
            x = PCA(pca_dims, random_state=seed, svd_solver="randomized").fit_transform(x)
        emb = TSNE(
            n_components=2,
            perplexity=perplexity,
            init="pca",
            learning_rate="auto",
            max_iter=max_iter,
            angle=angle,
            random_state=seed,
        ).fit_transform(x)
    return np.asarray(emb, dtype=np.float32)


def grid_layout(xy: np.ndarray, n_cols: int, n_rows: int | None = None) -> np.ndarray:
    """Snap 2-D points to a grid: ``(n_rows, n_cols)`` indices into ``xy`` (-1: empty cell).

    Each cell of a grid over the points' bounding box shows the point nearest its centre, so
    thumbnails placed on it never overlap (the picture of Karpathy's CS231n t-SNE
    visualisation); dense regions lose points, sparse ones leave cells empty. Rows go down
    from the largest ``y``, so the grid reads like the scatter plot. Ties: the lower index.
    """
    pts = np.asarray(xy, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise ValueError(f"xy must be (N, 2) points, got shape {pts.shape}")
    if n_cols < 1:
        raise ValueError(f"n_cols must be at least 1, got {n_cols}")
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    if n_rows is None:
        n_rows = max(1, round(n_cols * span[1] / span[0]))
    u = (pts - lo) / span  # in [0, 1]
    col = np.minimum((u[:, 0] * n_cols).astype(int), n_cols - 1)
    row = np.minimum(((1 - u[:, 1]) * n_rows).astype(int), n_rows - 1)
    cx = (col + 0.5) / n_cols
    cy = 1 - (row + 0.5) / n_rows
    dist = (u[:, 0] - cx) ** 2 + (u[:, 1] - cy) ** 2
    cell = row * n_cols + col
    order = np.lexsort((np.arange(len(pts)), dist, cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    grid = np.full(n_rows * n_cols, -1, dtype=np.int64)
    grid[cell[order][first]] = order[first]
    return grid.reshape(n_rows, n_cols)
