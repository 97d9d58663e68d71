"""Top-activating examples (Zeiler & Fergus 2014): a running top-k over the data, per channel,
so memory does not grow with the number of images, and the compiled function that feeds it.

They show what a unit *correlates* with in the data, not what causes it to fire."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from explainer.units.fields import Patches, ReceptiveField, cut_patches

if TYPE_CHECKING:
    import keras

__all__ = [
    "TopActivations",
    "TopExamples",
    "layer_function",
    "top_activations",
]


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
