"""A trained Keras model as plain data that the book's JavaScript runtime runs in a browser.

The spec is a dict that ``json.dumps`` writes as is: the input shape, the number of classes,
and the layers in order, each with its output shape and its weights as base64 float32 (little
endian, Keras' own layout, channels last). A BatchNormalization right after a linear
convolution or dense layer is folded into it; anywhere else it becomes a per-channel scale and
shift, like Rescaling and Normalization. ``runtime.js`` reads it; ``tests/test_live.py`` holds
the two to Keras.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = ["SUPPORTED", "Spec", "UnsupportedModelError", "export"]

FORMAT = "explainer-live/1"
ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softmax")
SUPPORTED = (
    "InputLayer",
    "Rescaling",
    "Normalization",
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Flatten",
    "Reshape",
    "Dense",
    "Dropout",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "Activation",
    "ReLU",
    "Softmax",
    "BatchNormalization",
    "SeedStackDense",
)
"""Keras layer classes the runtime runs (``SeedStackDense`` is the book's own, from
:func:`explainer.models.dense_tanh_seeds`; one copy is exported)."""

_IDENTITY = {"Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "InputLayer"}


class UnsupportedModelError(ValueError):
    """The model has a layer or a wiring the runtime cannot run."""


@dataclass(frozen=True)
class Spec:
    """An exported network: plain data (``.data``) and its JSON text."""

    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.data["input_shape"])

    @property
    def layer_names(self) -> list[str]:
        return [layer["name"] for layer in self.data["layers"]]

    def to_json(self) -> str:
        return json.dumps(self.data, separators=(",", ":"))

    @property
    def nbytes(self) -> int:
        """Size of the JSON text in bytes: what a page that embeds it carries."""
        return len(self.to_json().encode())


def _b64(array: Any, dtype: str = "float32") -> str:
    data = np.ascontiguousarray(np.asarray(array, dtype="<f2" if dtype == "float16" else "<f4"))
    return base64.b64encode(data.tobytes()).decode("ascii")


def _activation_name(fn: Any) -> str:
    import keras

    name = fn if isinstance(fn, str) else keras.activations.serialize(fn)
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name"))
    return str(name)


def _pair(value: Any) -> list[int]:
    return [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)] * 2


def _shape(layer: Any, copy: int | None) -> list[int]:
    shape = [int(s) for s in layer.output.shape[1:]]
    if copy is not None and shape:
        shape = shape[1:] or [1]  # the copies' axis goes: one copy is exported
    return shape


def _refuse(layer: Any, why: str = "") -> UnsupportedModelError:
    kind = type(layer).__name__
    reason = why or f"its class {kind} is not one the runtime runs"
    return UnsupportedModelError(
        f"layer {layer.name!r} ({kind}) cannot run in the page: {reason}. "
        f"Supported layers: {', '.join(SUPPORTED)}"
    )


def _producer(tensor: Any) -> Any:
    """The layer (or nested model) whose call produced ``tensor`` in its model's graph.

    A nested model's own ``output`` belongs to its inner graph, so the layer after it is fed
    the output of the call, not ``base.output``: comparing producers handles both.
    """
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history is not None else None


def _flat_layers(model: keras.Model) -> list[Any]:
    """The layers in order, nested models unpacked; refuses anything but a single chain."""
    from explainer.probe import is_model

    out: list[Any] = []
    previous = None
    for layer in model.layers:
        if is_model(layer):
            out.extend(_flat_layers(layer))
            previous = layer
            continue
        if type(layer).__name__ == "InputLayer":
            previous = layer
            continue
        try:
            inputs = layer.input
        except (AttributeError, ValueError) as exc:
            raise _refuse(layer, "it is used more than once") from exc
        if isinstance(inputs, list | tuple):
            raise _refuse(layer, "it has more than one input (a branch or skip connection)")
        if previous is not None and _producer(inputs) is not previous:
            raise _refuse(layer, "its input is not the previous layer's output")
        out.append(layer)
        previous = layer
    return out


def _activation(layer: Any) -> str:
    name = _activation_name(getattr(layer, "activation", "linear"))
    if name not in ACTIVATIONS:
        raise _refuse(layer, f"its activation {name!r} is not one of {', '.join(ACTIVATIONS)}")
    return name


def _affine_values(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    kind = type(layer).__name__
    if kind == "Rescaling":
        return (
            np.atleast_1d(np.asarray(layer.scale, "f8")),
            np.atleast_1d(np.asarray(layer.offset, "f8")),
        )
    if kind == "Normalization":
        if layer.invert:
            raise _refuse(layer, "invert=True")
        mean = np.asarray(layer.mean, "f8").reshape(-1)
        std = np.maximum(np.sqrt(np.asarray(layer.variance, "f8").reshape(-1)), 1e-7)
        return 1 / std, -mean / std
    # BatchNormalization at inference: gamma (x - mean) / sqrt(var + eps) + beta.
    gamma = np.asarray(layer.gamma, "f8") if layer.scale else 1.0
    beta = np.asarray(layer.beta, "f8") if layer.center else 0.0
    mean = np.asarray(layer.moving_mean, "f8")
    var = np.asarray(layer.moving_variance, "f8")
    scale = gamma / np.sqrt(var + layer.epsilon)
    return np.atleast_1d(scale), np.atleast_1d(beta - mean * scale)


def _check_last_axis(layer: Any, values: np.ndarray, channels: int) -> None:
    if values.size not in (1, channels):
        raise _refuse(layer, f"{values.size} values do not broadcast over {channels} channels")


def _entry(layer: Any, copy: int | None) -> dict[str, Any] | None:
    kind = type(layer).__name__
    shape = _shape(layer, copy)
    base = {"name": layer.name, "class": kind, "output_shape": shape}
    if kind in _IDENTITY:
        return None
    if kind in ("Flatten", "Reshape"):
        return {**base, "type": "reshape"}
    if kind == "Conv2D":
        if layer.data_format != "channels_last" or tuple(layer.dilation_rate) != (1, 1):
            raise _refuse(layer, "only channels_last, undilated convolutions run")
        if layer.groups != 1:
            raise _refuse(layer, "grouped convolutions do not run")
        kernel = np.asarray(layer.kernel)
        bias = np.asarray(layer.bias) if layer.use_bias else np.zeros(kernel.shape[-1])
        return {
            **base,
            "type": "conv2d",
            "kernel_size": list(kernel.shape[:2]),
            "strides": _pair(layer.strides),
            "padding": layer.padding,
            "activation": _activation(layer),
            "kernel": kernel,
            "bias": bias,
        }
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        if layer.data_format != "channels_last":
            raise _refuse(layer, "only channels_last pooling runs")
        return {
            **base,
            "type": "pool",
            "mode": "max" if kind.startswith("Max") else "average",
            "pool_size": _pair(layer.pool_size),
            "strides": _pair(layer.strides or layer.pool_size),
            "padding": layer.padding,
        }
    if kind in ("Dense", "SeedStackDense"):
        kernel = np.asarray(layer.kernel)
        bias = np.asarray(layer.bias) if getattr(layer, "use_bias", True) else None
        if kind == "SeedStackDense":
            if copy is None:
                raise _refuse(layer, "give export(..., copy=k) to pick one of its copies")
            kernel = kernel[copy]
            bias = None if bias is None else bias[copy]
        if bias is None:
            bias = np.zeros(kernel.shape[-1])
        return {**base, "type": "dense", "activation": _activation(layer)} | {
            "kernel": kernel,
            "bias": bias,
        }
    if kind in ("Activation", "Softmax", "ReLU"):
        if kind == "Softmax":
            name = "softmax"
            if layer.axis not in (-1, [-1]):
                raise _refuse(layer, "only a softmax over the last axis runs")
        elif kind == "ReLU":
            if layer.max_value is not None or layer.negative_slope or layer.threshold:
                raise _refuse(layer, "only a plain ReLU (no max_value, slope or threshold) runs")
            name = "relu"
        else:
            name = _activation(layer)
        return {**base, "type": "activation", "activation": name}
    if kind in ("Rescaling", "Normalization", "BatchNormalization"):
        if kind == "BatchNormalization" and layer.axis not in (-1, len(layer.input.shape) - 1):
            raise _refuse(layer, "only a normalisation over the last axis runs")
        scale, shift = _affine_values(layer)
        channels = shape[-1] if shape else 1
        _check_last_axis(layer, scale, channels)
        _check_last_axis(layer, shift, channels)
        return {**base, "type": "affine", "scale": scale, "shift": shift}
    raise _refuse(layer)


def _fold(previous: dict[str, Any], bn: dict[str, Any]) -> bool:
    """Fold a BatchNormalization's scale and shift into the linear layer before it."""
    if previous.get("type") not in ("conv2d", "dense") or previous["activation"] != "linear":
        return False
    if bn["class"] != "BatchNormalization":
        return False
    scale, shift = bn["scale"], bn["shift"]
    previous["kernel"] = np.asarray(previous["kernel"], "f8") * scale
    previous["bias"] = np.asarray(previous["bias"], "f8") * scale + shift
    previous["folded"] = [*previous.get("folded", []), previous["name"]]
    previous["name"] = bn["name"]  # its output is now the normalisation's output
    return True


def _quantise(entry: dict[str, Any]) -> dict[str, Any]:
    """Kernel as int8 with one float32 scale per output unit (its last axis)."""
    kernel = np.asarray(entry["kernel"], "f8")
    top = np.abs(kernel.reshape(-1, kernel.shape[-1])).max(axis=0)
    scale = np.where(top > 0, top / 127, 1.0)
    q = np.clip(np.round(kernel / scale), -127, 127).astype(np.int8)
    return {**entry, "kernel": q, "kernel_scale": scale, "bias": np.asarray(entry["bias"], "f8")}


def _to_plain(entry: dict[str, Any], dtype: str) -> dict[str, Any]:
    # Scale and shift stay float32: they are few, and an input scale of 1/255 matters.
    if dtype == "int8" and "kernel" in entry:
        entry = _quantise(entry)
        raw = base64.b64encode(entry["kernel"].tobytes()).decode("ascii")
        return {
            **_to_plain({k: v for k, v in entry.items() if k != "kernel"}, "float32"),
            "kernel": raw,
        }
    return {
        k: _b64(v, dtype if k in ("kernel", "bias") else "float32")
        if isinstance(v, np.ndarray)
        else v
        for k, v in entry.items()
    }


def export(
    model: keras.Model,
    *,
    copy: int | None = None,
    class_names: list[str] | None = None,
    input_max: float | None = None,
    name: str | None = None,
    dtype: str = "float32",
) -> Spec:
    """The spec of a trained ``model`` (a chain of layers from :data:`SUPPORTED`).

    ``copy`` picks one copy of a model trained side by side (``SeedStackDense`` layers);
    ``input_max`` is the value of a full-intensity pixel in the model's input (default 255 when
    the first layer is a Rescaling or Normalization, else 1), which is how a widget scales a
    drawing; ``class_names`` label the outputs. ``dtype="float16"`` stores kernels and biases
    at half the size (what a page carries), ``"int8"`` kernels at a quarter (one scale per
    output unit), at a cost in agreement that ``bench/live_bench.py`` measures. Raises
    :class:`UnsupportedModelError` naming the first layer it cannot run.
    """
    if dtype not in ("float32", "float16", "int8"):
        raise ValueError(f"dtype must be 'float32', 'float16' or 'int8', not {dtype!r}")
    layers = _flat_layers(model)
    entries: list[dict[str, Any]] = []
    for layer in layers:
        entry = _entry(layer, copy)
        if entry is None:
            continue
        if entry["type"] == "affine" and entries and _fold(entries[-1], entry):
            entries[-1]["output_shape"] = entry["output_shape"]
            continue
        entries.append(entry)
    input_shape = [int(s) for s in model.inputs[0].shape[1:]]
    if copy is not None:
        input_shape = input_shape[1:]
    out_shape = entries[-1]["output_shape"] if entries else input_shape
    units = int(np.prod(out_shape))
    classes = 2 if units == 1 else units
    if class_names is not None and len(class_names) != classes:
        raise ValueError(f"{len(class_names)} class names for a model with {classes} classes")
    if input_max is None:
        first = type(layers[0]).__name__ if layers else ""
        input_max = 255.0 if first in ("Rescaling", "Normalization") else 1.0
    data = {
        "format": FORMAT,
        "dtype": dtype,
        "name": name or model.name,
        "input_shape": input_shape,
        "input_max": float(input_max),
        "classes": classes,
        "class_names": list(class_names or [str(i) for i in range(classes)]),
        "layers": [_to_plain(e, dtype) for e in entries],
    }
    return Spec(data)


def weights(spec: Spec, layer: str, key: str = "kernel") -> np.ndarray:
    """A layer's weights back from the spec, as float32 (for tests and figures)."""
    for entry in spec.data["layers"]:
        if entry["name"] == layer:
            if spec.data.get("dtype") == "int8" and key == "kernel":
                q = np.frombuffer(base64.b64decode(entry[key]), dtype=np.int8).astype(np.float32)
                scale = weights(spec, layer, "kernel_scale")
                return (q.reshape(-1, scale.size) * scale).reshape(-1)
            half = spec.data.get("dtype") == "float16" and key in ("kernel", "bias")
            raw = np.frombuffer(base64.b64decode(entry[key]), dtype="<f2" if half else "<f4")
            return raw.astype(np.float32)
    raise KeyError(f"{spec.name} has no layer {layer!r}; its layers: {spec.layer_names}")
