"""Read a trained model: weights, activations of any layer, predictions, mistakes.

Everything here returns plain NumPy arrays, so plotting never touches Keras and the same
functions serve the book's chapters and the report on a user's own model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    "KernelPressure",
    "LayerWeights",
    "Predictions",
    "activations",
    "confusion",
    "kernel_pressure",
    "layer_weights",
    "most_confident_mistakes",
    "predict",
    "pressure_table",
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
    one batch at a time is read.
    """
    import keras

    if not layers:
        return {}
    outputs = [model.get_layer(name).output for name in layers]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    sub = keras.Model(inputs, outputs)
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
