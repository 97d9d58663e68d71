"""Model loading and checks: what the report needs to know about the model before it computes.

Everything here runs before anything is written: a model that cannot be used becomes a
:class:`~explainer.report.errors.ReportError` with a one-line message.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.report.data import ImageFiles, ReportData
from explainer.report.errors import ReportError

if TYPE_CHECKING:
    import keras

__all__ = [
    "MAX_CONV_LAYERS",
    "MIN_MAP_SIDE",
    "InputPlan",
    "ModelInfo",
    "check_against_model",
    "check_model",
    "check_model_path",
    "choose_layers",
    "first_dense_template",
    "kernels",
    "layer_rows",
    "load_model",
    "plan_input",
    "shape_text",
]

MAX_CONV_LAYERS = 8
"""Convolutions drawn when ``--layers`` is not given (deep networks have dozens)."""
MIN_MAP_SIDE = 4
"""Feature maps smaller than this many pixels a side are not drawn by default: nothing to see."""
MAX_HISTOGRAMS = 12
"""Layers in the weight-histogram figure; more are spread over the depth."""


def _is_savedmodel(path: Path) -> bool:
    return path.is_dir() and (path / "saved_model.pb").is_file()


def check_model_path(path: str | os.PathLike[str], *, unsafe: bool) -> Path:
    """What can be said about MODEL without importing Keras."""
    p = Path(path).expanduser()
    if not p.exists():
        raise ReportError(f"model {os.fspath(path)} not found (expected a .keras file)")
    if _is_savedmodel(p):
        if not unsafe:
            raise ReportError(
                f"{p} is a TensorFlow SavedModel, which Keras' safe mode cannot check (its graph "
                f"may read or write files when run); re-run with --unsafe only if you trust it"
            )
    elif p.is_dir() and not (p / "config.json").is_file():
        raise ReportError(f"{p} is a folder but neither a SavedModel nor an unzipped .keras model")
    elif p.is_file() and p.suffix.lower() not in (".keras", ".h5", ".hdf5"):
        raise ReportError(
            f"MODEL must be a .keras file (Keras 3), a legacy .h5 file or a SavedModel folder; "
            f"got {p}"
        )
    return p


def load_model(path: str | os.PathLike[str], *, unsafe: bool = False) -> keras.Model:
    """Load a ``.keras`` / ``.h5`` file (or a TensorFlow SavedModel folder) for the report.

    Keras' safe mode is on unless ``unsafe``: a model whose file carries code (a ``Lambda``
    layer's function) is refused, because loading it would run that code. A SavedModel is a
    TensorFlow graph that Keras' safe mode does not inspect, so it also needs ``unsafe``.
    """
    p = check_model_path(path, unsafe=unsafe)
    import keras  # after the cheap checks: importing Keras takes seconds

    if _is_savedmodel(p):
        return _load_savedmodel(p)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return keras.saving.load_model(p, safe_mode=not unsafe, compile=False)
    except Exception as exc:
        text = " ".join(str(exc).split())
        if not unsafe and ("safe_mode" in text or "unsafe_deserialization" in text):
            raise ReportError(
                f"{p} contains code (e.g. a Lambda layer's function) that Keras' safe mode "
                f"refuses to load, because loading it runs that code. Re-run with --unsafe only "
                f"if you trust where the file came from"
            ) from exc
        if len(text) > 200:
            text = text[:200] + "…"
        raise ReportError(
            f"cannot load model {p} ({type(exc).__name__}: {text}); "
            f"expected a Keras 3 .keras file (custom layers must be registered and importable)"
        ) from exc


def _load_savedmodel(path: Path) -> keras.Model:
    import keras
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(str(path))
        endpoint = "serving_default"
        fn = loaded.signatures[endpoint]
        specs = list(fn.structured_input_signature[1].values())
        if len(specs) != 1:
            raise ReportError(f"{path}: the SavedModel's {endpoint} takes {len(specs)} inputs")
        layer = keras.layers.TFSMLayer(str(path), call_endpoint=endpoint, name="savedmodel")
        inputs = keras.Input(shape=tuple(specs[0].shape[1:]), dtype=specs[0].dtype.name)
        out = layer(inputs)
        if isinstance(out, dict):
            if len(out) != 1:
                raise ReportError(f"{path}: the SavedModel has {len(out)} outputs; need one")
            out = next(iter(out.values()))
        return keras.Model(inputs, out, name=path.name)
    except ReportError:
        raise
    except Exception as exc:
        text = " ".join(str(exc).split())[:300]
        raise ReportError(f"cannot load SavedModel {path} ({type(exc).__name__}: {text})") from exc


@dataclass(frozen=True)
class InputPlan:
    model_shape: tuple[int, ...]
    """Per-sample shape fed to the model."""
    reshape: bool
    image_shape: tuple[int, int, int] | None
    """(H, W, C) for drawing inputs, or ``None`` when the inputs are not images."""
    dtype: str


def _square_image(n: int) -> tuple[int, int, int] | None:
    for channels in (1, 3):
        side = math.isqrt(n // channels)
        if n % channels == 0 and side * side * channels == n and side > 1:
            return (side, side, channels)
    return None


def plan_input(model: keras.Model, data: ReportData) -> tuple[InputPlan, str | None, ReportData]:
    """Match the data's per-sample shape to the model's input, or refuse.

    Image files are decoded at the model's input size (and channels): then a note says so, and
    the data returned is a copy that reads them at that size (``data`` itself is not changed).
    """
    spec = model.inputs[0]
    wanted = tuple(spec.shape[1:])
    note = None
    if isinstance(data.x, ImageFiles):
        if len(wanted) != 3 or None in wanted[:2] or wanted[2] not in (1, 3):
            raise ReportError(
                f"the data is a folder of images but the model expects inputs of shape "
                f"{shape_text(wanted)}, not (height, width, 1 or 3)"
            )
        h, w, c = (int(d) for d in wanted)
        data = dataclasses.replace(data, x=data.x.with_size(h, w, c))
        if data.x.resized:
            counts = data.x.counts or dict.fromkeys(data.x.sizes_seen, 0)
            other = [size for size in data.x.sizes_seen if size != (h, w)]
            n_other = sum(counts.get(size, 0) for size in other)
            seen = ", ".join(
                (f"{counts[(a, b)]:,} at " if counts.get((a, b)) else "") + f"{a} × {b}"
                for a, b in other[:5]
            ) + (f" and {len(other) - 5} more sizes" if len(other) > 5 else "")
            how_many = f"{n_other:,} of the {len(data.x):,} images" if n_other else "Images"
            note = (
                f"{how_many} were resized to the model's input size {h} × {w} "
                f"({'grey' if c == 1 else 'RGB'}) when read (height × width): {seen}."
            )
    sample = tuple(int(d) for d in data.x.shape[1:])
    mismatch = ReportError(
        f"the model expects inputs of shape {shape_text(wanted)} but the data's images have "
        f"shape {shape_text(sample)}"
    )
    if any(d is None for d in wanted):
        if len(sample) + 1 == len(wanted) and wanted[-1] == 1:
            sample_fed = (*sample, 1)
        else:
            sample_fed = sample
        if len(sample_fed) != len(wanted) or any(
            w is not None and w != s for w, s in zip(wanted, sample_fed, strict=True)
        ):
            raise mismatch
        model_shape, reshape = sample_fed, sample_fed != sample
    else:
        model_shape = tuple(int(d) for d in wanted)
        reshape = sample != model_shape
        if reshape:
            compatible = math.prod(sample) == math.prod(model_shape) and (
                len(model_shape) == 1
                or len(sample) == 1
                or (*sample, 1) == model_shape
                or sample == (*model_shape, 1)
            )
            if not compatible:
                raise mismatch
    image: tuple[int, ...] | None = None
    for shape in (model_shape, sample):
        if len(shape) == 3 and shape[-1] in (1, 3):
            image = shape
        elif len(shape) == 2:
            image = (*shape, 1)
        if image is not None:
            break
    if image is None:
        image = _square_image(math.prod(sample))
    dtype = str(getattr(spec, "dtype", "float32"))
    if dtype not in ("float16", "float32", "float64"):
        dtype = "float32"
    return InputPlan(model_shape, reshape, image, dtype), note, data  # type: ignore[arg-type]


def shape_text(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


@dataclass(frozen=True)
class ModelInfo:
    """What the checks found out about the classifier."""

    n_classes: int
    """Classes shown: 2 for a binary classifier with one sigmoid output."""
    binary: bool = False
    """One output unit read as P(class 1), thresholded at 0.5."""
    linear: bool = False
    """The output layer has no activation (a logit, or a regression model's value)."""


def check_model(model: keras.Model) -> ModelInfo:
    """The model must be a classifier with one image input; say how many classes it has.

    One output unit is a binary classifier (a sigmoid, or a logit): shown as two classes.
    """
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not inputs or not outputs:
        raise ReportError(
            "the model has no defined inputs/outputs (a subclassed model?); the report needs a "
            "Sequential or functional Keras model"
        )
    if len(inputs) != 1:
        raise ReportError(f"the model takes {len(inputs)} inputs; the report needs one image input")
    if len(outputs) != 1:
        raise ReportError(f"the model has {len(outputs)} outputs; a classifier has one")
    out_shape = tuple(outputs[0].shape)
    if len(out_shape) != 2 or out_shape[1] is None or out_shape[1] < 1:
        raise ReportError(
            f"the model is not a classifier: its output shape is {shape_text(out_shape)}, "
            f"expected (batch, classes), or (batch, 1) for a binary classifier"
        )
    for weight in model.weights:
        values = np.asarray(weight.numpy() if hasattr(weight, "numpy") else weight)
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            bad = int(np.size(values) - np.count_nonzero(np.isfinite(values)))
            raise ReportError(
                f"the model's weight {weight.path} holds {bad} NaN or infinite values; "
                f"the model is broken (diverged training?)"
            )
    if int(out_shape[1]) == 1:
        return ModelInfo(n_classes=2, binary=True, linear=_linear_output(model))
    return ModelInfo(n_classes=int(out_shape[1]))


def _linear_output(model: keras.Model) -> bool:
    """Whether the layer making the model's output has a linear (or no) activation."""
    try:
        layer = model.outputs[0]._keras_history[0]
    except (AttributeError, IndexError, TypeError):
        layer = model.layers[-1] if model.layers else None
    activation = getattr(layer, "activation", None)
    return activation is None or getattr(activation, "__name__", "") == "linear"


def check_against_model(data: ReportData, info: ModelInfo) -> tuple[str, ...]:
    """The class names, once the labels and names are known to fit the model's outputs."""
    n_classes = info.n_classes
    top = int(data.y.max())
    if info.binary and top >= 2:
        kind = (
            "a single linear unit is what a regression model outputs"
            if info.linear
            else "a single unit is read as a binary classifier"
        )
        raise ReportError(
            f"{data.name}: label {top}, but the model has one output unit and {kind}, not "
            f"one score per class: it is not a classifier of {top + 1} classes (the report "
            f"needs one output per class, or one unit for labels 0 and 1)"
        )
    if top >= n_classes:
        raise ReportError(
            f"{data.name}: label {top} is out of range for a model with {n_classes} outputs "
            f"(labels must run from 0 to {n_classes - 1})"
        )
    if data.class_names is not None:
        if len(data.class_names) != n_classes:
            raise ReportError(
                f"{data.name}: {len(data.class_names)} class names but the model has "
                f"{n_classes} outputs"
            )
        return data.class_names
    return tuple(str(i) for i in range(n_classes))


def _inbound(model: keras.Model) -> dict[str, list[str]]:
    """Layer name → names of the layers feeding it (functional models; empty otherwise)."""
    try:
        config = model.get_config()
    except Exception:
        return {}
    result: dict[str, list[str]] = {}

    def walk(node: Any, into: list[str]) -> None:
        if isinstance(node, dict):
            history = node.get("config", {}).get("keras_history") if "config" in node else None
            if isinstance(history, (list, tuple)) and history:
                into.append(str(history[0]))
                return
            for value in node.values():
                walk(value, into)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value, into)

    for layer in config.get("layers", []) if isinstance(config, dict) else []:
        if not isinstance(layer, dict) or "inbound_nodes" not in layer:
            continue
        names: list[str] = []
        walk(layer["inbound_nodes"], names)
        name = layer.get("config", {}).get("name") or layer.get("name")
        if name is not None:
            result[str(name)] = list(dict.fromkeys(names))
    return result


def layer_rows(model: keras.Model) -> list[dict[str, Any]]:
    inbound = _inbound(model)
    rows = []
    for layer in model.layers:
        try:
            shape: Any = layer.output.shape
            shape = [None if d is None else int(d) for d in shape]
        except Exception:
            shape = None
        try:
            params = int(layer.count_params())
        except Exception:
            params = 0
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": shape,
                "params": params,
                "trainable": bool(layer.trainable),
                "inputs": inbound.get(layer.name, []),
            }
        )
    return rows


def kernels(
    model: keras.Model,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], str | None]:
    """Kernels of the layers that have one (nested base models included): all of them, those
    the histogram figure shows (at most :data:`MAX_HISTOGRAMS`, spread evenly over the depth),
    and a note on those left out of it.
    """
    from explainer.probe import is_model

    found: dict[str, np.ndarray] = {}

    def walk(container: keras.Model, prefix: str) -> None:
        for layer in container.layers:
            if is_model(layer):
                walk(layer, f"{prefix}{layer.name}/")
                continue
            kernel = getattr(layer, "kernel", None)
            if kernel is None:
                kernel = getattr(layer, "depthwise_kernel", None)
            if kernel is None:
                continue
            try:
                found[prefix + layer.name] = np.asarray(kernel, dtype=np.float32)
            except (ValueError, TypeError):
                continue

    walk(model, "")
    if len(found) <= MAX_HISTOGRAMS:
        return found, found, None
    names = list(found)
    keep = sorted({round(i) for i in np.linspace(0, len(names) - 1, MAX_HISTOGRAMS)})
    note = (
        f"The weight histograms show {len(keep)} of the {len(names)} layers with weights, "
        f"spread from the first to the last; report.json describes all of them."
    )
    return {names[i]: found[names[i]] for i in keep}, found, note


def first_dense_template(model: keras.Model, image_shape: tuple[int, ...] | None) -> str | None:
    """The first trainable layer, when it is a Dense layer reading the whole image."""
    import keras

    if image_shape is None:
        return None
    for layer in model.layers:
        if not layer.trainable_weights:
            continue
        kernel = getattr(layer, "kernel", None)
        if (
            isinstance(layer, keras.layers.Dense)
            and kernel is not None
            and int(kernel.shape[0]) == math.prod(image_shape)
        ):
            return layer.name
        return None
    return None


def _map_side(layer: Any) -> tuple[int | None, int | None] | None:
    try:
        shape = tuple(layer.output.shape)
    except Exception:
        return None
    if len(shape) != 4:
        return None
    return shape[1], shape[2]


def choose_layers(model: keras.Model, names: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The convolutions whose maps are drawn, and notes on those left out and why.

    ``names`` (``--layers``) are checked and used as given (paths such as ``base/conv`` reach
    into nested base models). By default: the first convolution (its filters look at the image
    itself) and the last convolution at each spatial resolution (where the network has
    finished working at that scale), skipping maps smaller than :data:`MIN_MAP_SIDE` pixels,
    at most :data:`MAX_CONV_LAYERS` spread over the depth.
    """
    from explainer import probe

    if names:
        chosen = []
        for name in names:
            try:
                layer = probe.find_layer(model, name)
            except ValueError as exc:  # its message lists the layers
                raise ReportError(f"--layers: {exc}") from exc
            if _map_side(layer) is None:
                rank = len(layer.output.shape)
                raise ReportError(
                    f"--layers: layer {name!r} outputs rank-{rank} tensors; feature maps need "
                    f"(batch, height, width, channels)"
                )
            chosen.append(name)
        return list(dict.fromkeys(chosen)), []

    paths = probe.conv_layers(model)
    notes: list[str] = []
    small: list[str] = []
    by_side: dict[tuple[int | None, int | None], str] = {}
    for path in paths:
        side = _map_side(probe.find_layer(model, path))
        if side is None:
            continue
        if any(d is not None and d < MIN_MAP_SIDE for d in side):
            small.append(f"{path} ({side[0]} × {side[1]})")
            continue
        by_side.pop(side, None)  # keep the last one at this resolution, in depth order
        by_side[side] = path
    drawable = [p for p in paths if p not in {s.split(" (")[0] for s in small}]
    first = drawable[:1]
    chosen = sorted(set(by_side.values()) | set(first), key=paths.index)
    if small:
        notes.append(
            f"Not drawn: {len(small)} convolution(s) whose maps are smaller than "
            f"{MIN_MAP_SIDE} × {MIN_MAP_SIDE} pixels, too small to show a pattern: "
            + _listing(small)
            + "."
        )
    same = [p for p in paths if p not in chosen and p not in {s.split(" (")[0] for s in small}]
    if same:
        notes.append(
            f"Not drawn by default: {len(same)} convolution(s) followed by another one at the same "
            f"resolution (the first convolution and the last one at each resolution are drawn): "
            + _listing(same)
            + "; name any layer with --layers."
        )
    if len(chosen) > MAX_CONV_LAYERS:
        keep = sorted({round(i) for i in np.linspace(0, len(chosen) - 1, MAX_CONV_LAYERS)})
        dropped = [p for i, p in enumerate(chosen) if i not in keep]
        chosen = [chosen[i] for i in keep]
        notes.append(
            f"Not drawn: {len(dropped)} more resolution(s), to keep the page at "
            f"{MAX_CONV_LAYERS} layers spread over the depth: {_listing(dropped)}."
        )
    return chosen, notes


def _listing(items: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
