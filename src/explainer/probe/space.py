"""Dense stacks as maps of space (the "Bending space" chapter).

A dense layer moves every point twice: an affine map ``x @ kernel + bias``, then the activation
applied to each coordinate. These functions replay both steps in NumPy from the layer weights,
for data points and for lines of the input plane alike, so a figure can show every
intermediate position, not only what Keras exposes as layer outputs. They accept a Keras model
or its layers already read out as :class:`DenseMap` s (which is how the copies of a model
trained side by side are handed around without building a Keras model for each).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from explainer.probe.weights import layer_weights

if TYPE_CHECKING:
    import keras

__all__ = [
    "DecisionMap",
    "DenseMap",
    "State",
    "binary_accuracy",
    "carry",
    "decision_map",
    "dense_maps",
    "dense_states",
    "grid_lines",
    "split_dense_maps",
]


_NUMPY_ACTIVATIONS = {
    "linear": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
}


@dataclass(frozen=True)
class DenseMap:
    """One dense layer as a map of space: ``activation(x @ kernel + bias)``."""

    layer: str
    kernel: np.ndarray
    """(n_in, n_out), float64."""
    bias: np.ndarray
    """(n_out,), float64."""
    activation: str
    """One of ``linear``, ``tanh``, ``sigmoid``, ``relu``."""

    @property
    def n_params(self) -> int:
        return int(self.kernel.size + self.bias.size)


@dataclass(frozen=True)
class State:
    """Where the points are after one step of a dense stack."""

    label: str
    """Readable step name: ``"input"``, ``"dense0: affine"``, ``"dense0: tanh"``, …"""
    layer: str | None
    """The layer that made this state (``None`` for the input)."""
    kind: str
    """``"input"``, ``"affine"`` (before the activation) or ``"activation"``."""
    values: np.ndarray
    """``(..., dim)``: the same leading shape as the points given."""
    map: DenseMap | None = None
    """The layer's map (its kernel and bias give, e.g., the output layer's separating line)."""

    @property
    def dim(self) -> int:
        return int(self.values.shape[-1])


def _activation_name(layer: keras.layers.Layer) -> str:
    activation = layer.get_config().get("activation", "linear")
    if not isinstance(activation, str) or activation not in _NUMPY_ACTIVATIONS:
        raise ValueError(f"layer {layer.name!r}: activation {activation!r} is not supported")
    return activation


def _check_chain(maps: Sequence[DenseMap]) -> None:
    for before, after in itertools.pairwise(maps):
        if before.kernel.shape[1] != after.kernel.shape[0]:
            raise ValueError(f"{before.layer} → {after.layer}: the layers do not chain")


def dense_maps(model: keras.Model, layers: Sequence[str] | None = None) -> list[DenseMap]:
    """The model's ``Dense`` layers (or the named ones, in order) as :class:`DenseMap` s."""
    import keras

    if layers is None:
        chosen = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    else:
        chosen = [model.get_layer(name) for name in layers]
    maps = []
    for layer in chosen:
        weights = layer_weights(model, layer.name)
        bias = weights.bias if weights.bias is not None else np.zeros(weights.kernel.shape[-1])
        maps.append(
            DenseMap(
                layer=layer.name,
                kernel=weights.kernel.astype(np.float64),
                bias=np.asarray(bias, dtype=np.float64),
                activation=_activation_name(layer),
            )
        )
    _check_chain(maps)
    return maps


def split_dense_maps(model: keras.Model) -> list[list[DenseMap]]:
    """The copies of a side-by-side model (kernels ``(S, in, out)``, biases ``(S, out)``, as
    made by :func:`explainer.models.dense_tanh_seeds`) as one list of :class:`DenseMap` s per
    copy."""
    layers = [
        layer
        for layer in model.layers
        if getattr(layer, "kernel", None) is not None and len(layer.kernel.shape) == 3
    ]
    if not layers:
        raise ValueError("the model has no per-copy (S, in, out) dense layers")
    n = int(layers[0].kernel.shape[0])
    kernels = [np.asarray(layer.kernel, dtype=np.float64) for layer in layers]
    biases = [np.asarray(layer.bias, dtype=np.float64) for layer in layers]
    copies = []
    for k in range(n):
        maps = [
            DenseMap(
                layer=layer.name,
                kernel=kern[k],
                bias=bias[k].reshape(-1),
                activation=_activation_name(layer),
            )
            for layer, kern, bias in zip(layers, kernels, biases, strict=True)
        ]
        _check_chain(maps)
        copies.append(maps)
    return copies


def _as_maps(
    model: keras.Model | Sequence[DenseMap], layers: Sequence[str] | None
) -> list[DenseMap]:
    if isinstance(model, Sequence) and all(isinstance(m, DenseMap) for m in model):
        maps = list(model)
        if layers is not None:
            by_name = {m.layer: m for m in maps}
            maps = [by_name[name] for name in layers]
        _check_chain(maps)
        return maps
    return dense_maps(model, layers)


def carry(maps: Sequence[DenseMap], points: np.ndarray) -> list[State]:
    """Every state of ``points`` ``(..., n_in)`` through ``maps``: the input, then each layer's
    affine and activation states (a linear layer contributes its affine state only)."""
    x = np.asarray(points, dtype=np.float64)
    if maps and x.shape[-1] != maps[0].kernel.shape[0]:
        raise ValueError(
            f"points have {x.shape[-1]} coordinates, the first layer wants "
            f"{maps[0].kernel.shape[0]}"
        )
    states = [State(label="input", layer=None, kind="input", values=x)]
    for m in maps:
        x = x @ m.kernel + m.bias
        states.append(
            State(label=f"{m.layer}: affine", layer=m.layer, kind="affine", values=x, map=m)
        )
        if m.activation != "linear":
            x = _NUMPY_ACTIVATIONS[m.activation](x)
            states.append(
                State(
                    label=f"{m.layer}: {m.activation}",
                    layer=m.layer,
                    kind="activation",
                    values=x,
                    map=m,
                )
            )
    return states


def dense_states(
    model: keras.Model | Sequence[DenseMap],
    points: np.ndarray,
    *,
    layers: Sequence[str] | None = None,
) -> list[State]:
    """Every intermediate state of ``points`` in a stack of dense layers, computed in NumPy.

    ``model`` is a Keras model (its ``Dense`` layers, or the named ``layers``) or a list of
    :class:`DenseMap` s. ``points`` may have any leading shape (``(N, 2)`` data, ``(L, P, 2)``
    grid lines); every state keeps it. The last state is the output, what ``model.predict``
    returns (in float64).
    """
    return carry(_as_maps(model, layers), points)


def grid_lines(
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    n_lines: int = 11,
    n_points: int = 100,
) -> np.ndarray:
    """Lines of the input plane as ``(2 * n_lines, n_points, 2)``: vertical lines first.

    Fed to :func:`dense_states` they show what a layer does to the plane itself; many points
    per line keep the lines smooth after ``tanh`` bends them.
    """
    xs = np.linspace(*xlim, n_lines)
    ys = np.linspace(*ylim, n_lines)
    tx = np.linspace(*xlim, n_points)
    ty = np.linspace(*ylim, n_points)
    vertical = np.stack(np.broadcast_arrays(xs[:, None], ty[None, :]), axis=-1)
    horizontal = np.stack(np.broadcast_arrays(tx[None, :], ys[:, None]), axis=-1)
    return np.concatenate([vertical, horizontal]).astype(np.float64)


@dataclass(frozen=True)
class DecisionMap:
    """A model's output probability on a regular grid of the input plane."""

    xs: np.ndarray
    """(nx,) grid coordinates along the first input."""
    ys: np.ndarray
    """(ny,) grid coordinates along the second input."""
    proba: np.ndarray
    """(ny, nx) probability of class 1."""


def decision_map(
    model: keras.Model | Sequence[DenseMap],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    resolution: int = 200,
) -> DecisionMap:
    """The probability of class 1 over the input plane, for drawing the decision boundary."""
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    mesh = np.stack(np.meshgrid(xs, ys), axis=-1)
    proba = dense_states(model, mesh)[-1].values[..., 0]
    return DecisionMap(xs=xs, ys=ys, proba=proba)


def binary_accuracy(model: keras.Model | Sequence[DenseMap], x: np.ndarray, y: np.ndarray) -> float:
    """Share of points on the right side of 0.5 for a one-unit sigmoid output."""
    proba = dense_states(model, x)[-1].values[..., 0]
    return float(np.mean((proba > 0.5) == (np.asarray(y) == 1)))
