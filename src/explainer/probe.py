"""Read a trained model: weights, activations of any layer, predictions, mistakes.

Everything here returns plain NumPy arrays, so plotting never touches Keras and the same
functions serve the book's chapters and the report on a user's own model.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    "PASSED_ON_TYPES",
    "ConvStages",
    "DecisionMap",
    "DenseMap",
    "KernelPressure",
    "LayerWeights",
    "Predictions",
    "State",
    "activations",
    "binary_accuracy",
    "carry",
    "class_means",
    "confusion",
    "conv_layers",
    "conv_stages",
    "conv_type",
    "decision_map",
    "dense_maps",
    "dense_states",
    "filters",
    "find_layer",
    "grid_lines",
    "kernel_pressure",
    "layer_chain",
    "layer_path",
    "layer_weights",
    "mistakes_by_margin",
    "most_confident_mistakes",
    "passed_on",
    "predict",
    "pressure_table",
    "split_dense_maps",
    "submodel",
    "surviving_units",
    "units_per_input",
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


# --- Layers by path: base models nested as layers (transfer learning) ----------------------------

CONV_TYPES = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose")
"""The convolutions whose maps and filters the book and the report draw."""


def _is_model(layer: object) -> bool:
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
        if depth < len(parts) - 1 and not _is_model(layer):
            raise ValueError(f"layer {'/'.join(parts[: depth + 1])!r} is not a nested model")
        chain.append(layer)
        container = layer
    return chain


def _nested_chains(model: keras.Model, name: str) -> list[list[keras.layers.Layer]]:
    """Every chain of nested models down to a layer called ``name``, depth first."""
    found: list[list[keras.layers.Layer]] = []
    for layer in model.layers:
        if _is_model(layer):
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
            if _is_model(layer):
                walk(layer, f"{prefix}{layer.name}/")
            elif conv_type(layer) is not None:
                found.append(prefix + layer.name)

    walk(model, "")
    return found


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


def _lift(model: keras.Model, prefix: Sequence[str], tensors: list) -> list:
    """Tensors of a nested model's graph as tensors of ``model``'s graph (same weights)."""
    import keras

    if not prefix:
        return list(tensors)
    base = model.get_layer(prefix[0])
    inner = _lift(base, prefix[1:], tensors)
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
        for i, tensor in zip(indices, _lift(model, prefix, tensors), strict=True):
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


# --- Weights under pressure: which inputs a dense layer still listens to -----------------------


def _abs_kernel(kernel: np.ndarray) -> np.ndarray:
    k = np.abs(np.asarray(kernel, dtype=np.float64))
    if k.ndim != 2:
        raise ValueError(f"expected a dense kernel of shape (inputs, units), got {k.shape}")
    return k


def units_per_input(kernel: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """For each input (row), how many units still receive it with ``|w| >= threshold``.

    Subgradient training never makes a weight exactly 0.0; a penalty leaves the weights it
    removed jittering around zero at the scale of one step, so "connected" needs a threshold.
    """
    return (_abs_kernel(kernel) >= threshold).sum(axis=1).astype(np.int64)


def surviving_units(kernel: np.ndarray, inputs: Sequence[int], threshold: float = 1e-3) -> int:
    """How many units are connected (``|w| >= threshold``) to at least one of ``inputs``."""
    k = _abs_kernel(kernel)
    rows = list(inputs)
    if not rows:
        return 0
    return int(np.any(k[rows] >= threshold, axis=0).sum())


@dataclass(frozen=True)
class KernelPressure:
    """What a penalty did to a first-layer kernel whose useful inputs are known."""

    share_below: float
    """Share of weights with ``|w| < threshold``."""
    exact_zeros: int
    """Weights that are exactly 0.0."""
    units_per_input: np.ndarray
    """Connected units for each input (row)."""
    surviving_units: int
    """Units connected to at least one informative input."""
    mean_abs_per_input: np.ndarray
    mean_abs_informative: float
    mean_abs_noise: float
    max_abs_noise: float
    threshold: float

    @property
    def informative_to_noise(self) -> float:
        """How many times larger the informative weights are than the noise weights."""
        return self.mean_abs_informative / self.mean_abs_noise if self.mean_abs_noise else np.inf


def kernel_pressure(
    kernel: np.ndarray, informative: Sequence[int], threshold: float = 1e-3
) -> KernelPressure:
    """Summarise a dense kernel (inputs as rows) against the known informative inputs."""
    k = _abs_kernel(kernel)
    rows = list(informative)
    noise = [i for i in range(k.shape[0]) if i not in rows]
    return KernelPressure(
        share_below=float(np.mean(k < threshold)),
        exact_zeros=int(np.count_nonzero(k == 0)),
        units_per_input=units_per_input(k, threshold),
        surviving_units=surviving_units(k, rows, threshold),
        mean_abs_per_input=k.mean(axis=1),
        mean_abs_informative=float(k[rows].mean()) if rows else float("nan"),
        mean_abs_noise=float(k[noise].mean()) if noise else float("nan"),
        max_abs_noise=float(k[noise].max()) if noise else float("nan"),
        threshold=threshold,
    )


def pressure_table(
    summaries: dict[str, KernelPressure],
    informative: Sequence[int],
    accuracy: dict[str, float] | None = None,
) -> str:
    """A plain-text table of :func:`kernel_pressure` results, one column per variant.

    Variants go across and measures down, so the table stays narrow enough for a book page.
    """
    rows = list(informative)
    thr = next(iter(summaries.values())).threshold if summaries else 1e-3
    any_label = "units ← " + " or ".join(str(i) for i in rows)
    table: list[list[str]] = [["", *summaries]]
    if accuracy is not None:
        table.append(["test accuracy", *(f"{accuracy[n]:.2%}" for n in summaries)])
    vals = list(summaries.values())
    table.append([f"share |w| < {thr:g}", *(f"{s.share_below:.1%}" for s in vals)])
    table.append(["weights exactly 0", *(str(s.exact_zeros) for s in vals)])
    for i in rows:
        table.append([f"units ← input {i}", *(str(int(s.units_per_input[i])) for s in vals)])
    table.append([any_label, *(str(s.surviving_units) for s in vals)])
    table.append(["mean |w| informative", *(f"{s.mean_abs_informative:.4f}" for s in vals)])
    table.append(["mean |w| noise", *(f"{s.mean_abs_noise:.2e}" for s in vals)])
    table.append(["max |w| noise", *(f"{s.max_abs_noise:.2e}" for s in vals)])
    table.append(["informative / noise", *(f"{s.informative_to_noise:.0f}×" for s in vals)])
    widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
    out = []
    for r in table:
        cells = [
            c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


# --- Dense stacks as maps of space (the "Bending space" chapter) --------------------------------
# A dense layer moves every point twice: an affine map ``x @ kernel + bias``, then the activation
# applied to each coordinate. These functions replay both steps in NumPy from the layer weights,
# for data points and for lines of the input plane alike, so a figure can show every
# intermediate position, not only what Keras exposes as layer outputs. They accept a Keras model
# or its layers already read out as :class:`DenseMap` s (which is how the copies of a model
# trained side by side are handed around without building a Keras model for each).

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
    outputs = _lift(model, prefix, outputs)
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    sub = keras.Model(inputs, outputs)
    dtype = conv.compute_dtype

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


# --- Templates chapter: mistakes chosen by margin, class means -----------------------------


def mistakes_by_margin(
    y_true: np.ndarray,
    proba: np.ndarray,
    n_hesitant: int = 2,
    n_blatant: int = 2,
    *,
    runner_up_true: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of "hesitant" and "blatant" mistakes, chosen by the probabilities alone.

    Hesitant: misclassified samples with the smallest margin between the two most probable
    classes (where a person might hesitate too); with ``runner_up_true`` only those whose
    true class is the runner-up, so the network nearly got it right. Blatant: misclassified
    samples with the highest probability on the wrong class. Ties keep the data order; a
    sample is never in both lists.
    """
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError("proba must be (N, n_classes) with one row per label")
    order = np.argsort(-proba, axis=1, kind="stable")
    top1, top2 = order[:, 0], order[:, 1]
    rows = np.arange(len(y_true))
    margin = proba[rows, top1] - proba[rows, top2]
    wrong = np.flatnonzero(top1 != y_true)
    blatant = wrong[np.argsort(-proba[wrong, top1[wrong]], kind="stable")][:n_blatant]
    candidates = np.setdiff1d(wrong, blatant, assume_unique=True)
    if runner_up_true:
        candidates = candidates[top2[candidates] == y_true[candidates]]
    hesitant = candidates[np.argsort(margin[candidates], kind="stable")][:n_hesitant]
    return hesitant, blatant


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
