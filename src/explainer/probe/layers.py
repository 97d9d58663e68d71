"""Address any layer of a model, nested base models included, and read its outputs.

One walker of layer paths (:func:`layer_chain`) serves the whole package: attribution,
receptive fields, units, the live export and the report all find layers through it, and one
test (:func:`is_model`) says whether a layer is a model nested as a layer (transfer learning).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    "CONV_TYPES",
    "PASSED_ON_TYPES",
    "activations",
    "conv_layers",
    "conv_type",
    "find_layer",
    "is_model",
    "layer_chain",
    "layer_path",
    "lift_tensors",
    "passed_on",
    "submodel",
]


CONV_TYPES = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose")
"""The convolutions whose maps and filters the book and the report draw."""


def is_model(layer: object) -> bool:
    """Whether ``layer`` is a model nested as a layer (the package's one test for it)."""
    return hasattr(layer, "layers") and hasattr(layer, "inputs") and hasattr(layer, "get_layer")


def layer_chain(model: keras.Model, path: str) -> list[keras.layers.Layer]:
    """The layers from the outermost nested model down to the one at ``path`` (that one last).

    ``path`` is a layer name, or ``base/inner`` for a layer of a model nested as a layer. A
    bare name that is not a layer of ``model`` itself is looked for inside its nested models,
    and must name exactly one layer there. The one walker of layer paths in the package:
    attribution, receptive fields, units and the report all find layers through it.
    """
    parts = path.split("/")
    if len(parts) == 1 and parts[0] not in {lay.name for lay in model.layers}:
        found = _nested_chains(model, parts[0])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            where = ", ".join("/".join(lay.name for lay in c) for c in found)
            raise ValueError(
                f"layer name {path!r} is used {len(found)} times ({where}); give its path"
            )
    chain: list[keras.layers.Layer] = []
    container = model
    for depth, part in enumerate(parts):
        try:
            layer = container.get_layer(part)
        except ValueError as exc:
            where = "/".join(parts[:depth]) or f"model {model.name!r}"
            names = [lay.name for lay in container.layers]
            raise ValueError(
                f"{where} has no layer {part!r}; its layers are {names} (nest with 'base/inner')"
            ) from exc
        if depth < len(parts) - 1 and not is_model(layer):
            raise ValueError(f"layer {'/'.join(parts[: depth + 1])!r} is not a nested model")
        chain.append(layer)
        container = layer
    return chain


def _nested_chains(model: keras.Model, name: str) -> list[list[keras.layers.Layer]]:
    """Every chain of nested models down to a layer called ``name``, depth first."""
    found: list[list[keras.layers.Layer]] = []
    for layer in model.layers:
        if is_model(layer):
            for inner in layer.layers:
                if inner.name == name:
                    found.append([layer, inner])
            found.extend([layer, *c] for c in _nested_chains(layer, name) if len(c) > 1)
    return found


def find_layer(model: keras.Model, path: str) -> keras.layers.Layer:
    """The layer at ``path``: a layer name, or ``base/inner`` for a layer of a nested model.

    Keras refuses ``/`` in layer names, so the separator cannot clash with a real name. See
    :func:`layer_chain` for a bare name of a layer inside a nested model.
    """
    return layer_chain(model, path)[-1]


def layer_path(model: keras.Model, path: str) -> str:
    """``path`` written out in full (``base/inner``), as :func:`layer_chain` resolves it."""
    return "/".join(layer.name for layer in layer_chain(model, path))


PASSED_ON_TYPES = (
    "BatchNormalization",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "PReLU",
)
"""Per-position layers that :func:`passed_on` follows: normalisation and activations."""


def passed_on(model: keras.Model, path: str) -> str:
    """The path of the layer whose output is what the network passes on from ``path``.

    A convolution followed by ``BatchNormalization`` and an activation hands the next layer
    the activated, normalised map, not its own output: a negative BN scale inverts the order
    of its channels' values, and a raw output below zero may still be passed on as positive.
    This follows the layer's single consumer while it is one of :data:`PASSED_ON_TYPES` and is
    fed by nothing else; ``path`` itself when nothing follows.
    """
    chain = layer_chain(model, path)
    container = chain[-2] if len(chain) > 1 else model
    prefix = "/".join(lay.name for lay in chain[:-1])
    members = {id(lay) for lay in container.layers}
    layer = chain[-1]
    while True:
        consumers = {
            id(node.operation): node.operation
            for node in getattr(layer, "_outbound_nodes", [])
            if id(node.operation) in members
        }
        if len(consumers) != 1:
            break
        (nxt,) = consumers.values()
        if type(nxt).__name__ not in PASSED_ON_TYPES:
            break
        layer = nxt
    return f"{prefix}/{layer.name}" if prefix else layer.name


def conv_type(layer: object) -> str | None:
    """The convolution kind of ``layer`` (its class or a base class named in CONV_TYPES)."""
    for cls in type(layer).__mro__:
        if cls.__name__ in CONV_TYPES:
            return cls.__name__
    return None


def conv_layers(model: keras.Model) -> list[str]:
    """Paths of every 2-D convolution, in model order, nested base models included."""
    found: list[str] = []

    def walk(container: keras.Model, prefix: str) -> None:
        for layer in container.layers:
            if is_model(layer):
                walk(layer, f"{prefix}{layer.name}/")
            elif conv_type(layer) is not None:
                found.append(prefix + layer.name)

    walk(model, "")
    return found


def _outer_input(model: keras.Model, base: keras.Model) -> object:
    """The symbolic tensor that ``model``'s graph feeds into the nested model ``base``."""
    import keras

    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    for node in getattr(base, "_inbound_nodes", []):
        tensors = list(getattr(node, "input_tensors", []))
        if len(tensors) != 1:
            continue
        try:
            keras.Model(inputs, tensors[0])
        except Exception:  # a node of another graph (the base's own construction)
            continue
        return tensors[0]
    raise ValueError(f"cannot find where {model.name!r} calls its nested model {base.name!r}")


def lift_tensors(model: keras.Model, prefix: Sequence[str], tensors: list) -> list:
    """Tensors of a nested model's graph as tensors of ``model``'s graph (same weights)."""
    import keras

    if not prefix:
        return list(tensors)
    base = model.get_layer(prefix[0])
    inner = lift_tensors(base, prefix[1:], tensors)
    fed = _outer_input(model, base)
    computed = [t for t in inner if t is not base.inputs[0]]
    if not computed:
        return [fed for _ in inner]
    out = keras.Model(base.inputs[0], computed)(fed)
    it = iter(list(out) if isinstance(out, (list, tuple)) else [out])
    return [fed if t is base.inputs[0] else next(it) for t in inner]


def _outputs_for(model: keras.Model, paths: Sequence[str]) -> list:
    """Symbolic outputs of the layers at ``paths``, all in ``model``'s own graph."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, path in enumerate(paths):
        groups.setdefault(tuple(path.split("/")[:-1]), []).append(i)
    outputs: list = [None] * len(paths)
    for prefix, indices in groups.items():
        tensors = [find_layer(model, paths[i]).output for i in indices]
        for i, tensor in zip(indices, lift_tensors(model, prefix, tensors), strict=True):
            outputs[i] = tensor
    return outputs


def submodel(model: keras.Model, paths: Sequence[str], *, with_output: bool = False) -> keras.Model:
    """One Keras model computing the layers at ``paths`` (and the model's output first, when
    ``with_output``) in a single forward pass."""
    import keras

    outputs = _outputs_for(model, paths)
    if with_output:
        outputs = [model.outputs[0], *outputs]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, outputs)


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
    one batch at a time is read. A name may be a path into a nested model (``base/conv``, see
    :func:`find_layer`).
    """
    import keras

    if not layers:
        return {}
    sub = submodel(model, layers)
    chunks: list[list[np.ndarray]] = [[] for _ in layers]
    for start in range(0, len(x), batch_size):
        batch = np.asarray(x[start : start + batch_size])
        result = sub(batch, training=False)
        if not isinstance(result, (list, tuple)):
            result = [result]
        for store, out in zip(chunks, result, strict=True):
            store.append(np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float32))
    return {name: np.concatenate(parts) for name, parts in zip(layers, chunks, strict=True)}
