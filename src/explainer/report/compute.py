"""One compute pass over the data, and the numbers of the report from it.

The pass streams the images a chunk at a time (memory flat in N) through the model once. Every
chunk goes to a list of :class:`Accumulator` objects: the built-in one keeps the ``(N, classes)``
probabilities; a section that needs more from the same pass (a running top-k of channel
activations, say) adds its own accumulator, naming the layers whose outputs it wants, and the
pass computes those in the same forward pass as the predictions.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from explainer.report.data import ReportData, release
from explainer.report.errors import ReportError
from explainer.report.model_checks import InputPlan, ModelInfo
from explainer.report.progress import Progress
from explainer.report.result import Averages, ClassRow, ConvLayer, Prediction, Templates

if TYPE_CHECKING:
    import keras

__all__ = [
    "CHUNK_BYTES",
    "MAX_TILES",
    "N_MISTAKES",
    "Accumulator",
    "Batch",
    "Context",
    "OutputsAccumulator",
    "PassSetup",
    "class_metrics",
    "compute_conv",
    "compute_templates",
    "pick_samples",
    "prepare",
    "stream",
    "take",
]

MAX_TILES = 64
"""Filters / feature maps drawn per layer: an 8 × 8 grid stays legible."""
CHUNK_BYTES = 16 * 2**20
"""Bytes of float32 input predicted per chunk: bounds the memory of the pass."""
N_MISTAKES = 40


@dataclass(frozen=True)
class Batch:
    """One model batch of the pass (at most 256 images), as every accumulator sees it."""

    start: int
    """Index of the batch's first image in the data."""
    x: np.ndarray
    """The batch as fed to the model (float, the model's input shape)."""
    y: np.ndarray
    """Its labels."""
    outputs: np.ndarray
    """The model's raw outputs for the batch (probabilities, logits or one sigmoid unit)."""
    activations: Mapping[str, np.ndarray]
    """Outputs of the layers the accumulators asked for, keyed by layer path."""


@runtime_checkable
class Accumulator(Protocol):
    """Something computed from every chunk of the one pass, with memory bounded per chunk.

    ``layers`` names the layers (paths, see :func:`explainer.probe.find_layer`) whose outputs
    ``update`` needs; they are computed in the same forward pass as the predictions.
    """

    layers: Sequence[str]

    def update(self, batch: Batch) -> None: ...

    def finish(self) -> Any: ...


@dataclass(frozen=True)
class PassSetup:
    """What an accumulator factory may know before the pass: no predictions yet."""

    model: keras.Model
    plan: InputPlan
    """How images are fed to the model (``plan.model_shape``, ``plan.image_shape``)."""
    info: ModelInfo
    class_names: tuple[str, ...]
    conv_layers: list[str]
    """The convolutions the report draws (paths), e.g. the layers to track activations of."""
    n: int
    """Images in the pass."""


class OutputsAccumulator:
    """The built-in accumulator: the raw outputs of every image, in order."""

    layers: Sequence[str] = ()

    def __init__(self, n: int) -> None:
        self.n = n
        self.outputs: np.ndarray | None = None

    def update(self, batch: Batch) -> None:
        if self.outputs is None:
            self.outputs = np.empty((self.n, batch.outputs.shape[1]), dtype=np.float32)
        self.outputs[batch.start : batch.start + len(batch.outputs)] = batch.outputs

    def finish(self) -> np.ndarray:
        assert self.outputs is not None
        return self.outputs


def _chunks(n: int, sample_values: int) -> Iterator[tuple[int, int]]:
    size = max(256, CHUNK_BYTES // max(4 * sample_values, 1) // 256 * 256)
    for start in range(0, n, size):
        yield start, min(start + size, n)


def prepare(batch: np.ndarray, plan: InputPlan) -> np.ndarray:
    """Images as the model takes them: its dtype, reshaped to its input when flat."""
    out = np.asarray(batch, dtype=plan.dtype)
    if plan.reshape:
        out = out.reshape((-1, *plan.model_shape))
    return out


def _on_batch(runner: keras.Model, x: np.ndarray) -> list[np.ndarray]:
    """One batch through the model's compiled predict step.

    ``predict_on_batch`` reuses one compiled function; ``predict`` would build a new data
    pipeline per call, and those leave memory behind (RSS grew with the number of chunks).
    """
    result = runner.predict_on_batch(x)
    if not isinstance(result, (list, tuple)):
        result = [result]
    return [np.asarray(r, dtype=np.float32) for r in result]


def stream(
    model: keras.Model,
    data: ReportData,
    plan: InputPlan,
    accumulators: Sequence[Accumulator],
    progress: Progress,
) -> None:
    """The one pass: every chunk through the model once, then to every accumulator."""
    from explainer import probe

    paths = list(dict.fromkeys(p for acc in accumulators for p in acc.layers))
    runner = model
    if paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runner = probe.submodel(model, paths, with_output=True)
    n = data.n
    step = _batch_size(runner, len(paths))
    with progress.task("predicting", n) as update, warnings.catch_warnings():
        # Keras warns that a sub-model gets a tensor, not a one-item list.
        warnings.filterwarnings("ignore", "The structure of `inputs`", UserWarning)
        for start, stop in _chunks(n, math.prod(data.x.shape[1:])):
            view = data.x[start:stop]
            x = prepare(view, plan)
            release(view)
            y = data.y[start:stop]
            # Accumulators get one model batch at a time: layer outputs can be many times the
            # size of the input, so only one batch of them exists at once.
            for i in range(0, len(x), step):
                outputs, *acts = _on_batch(runner, x[i : i + step])
                activations = dict(zip(paths, acts, strict=True))
                batch = Batch(start + i, x[i : i + step], y[i : i + step], outputs, activations)
                for acc in accumulators:
                    acc.update(batch)
            update(stop)


ACTIVATION_BYTES = 64 * 2**20
"""Bytes of layer outputs per model batch when accumulators ask for layers."""


def _batch_size(runner: keras.Model, extra_outputs: int) -> int:
    """256 images per model batch, fewer when the requested layer outputs would be large."""
    if not extra_outputs:
        return 256
    per_image = 0
    for out in runner.outputs:
        dims = [d for d in out.shape[1:] if d is not None]
        per_image += 4 * math.prod(dims)
    return int(max(1, min(256, ACTIVATION_BYTES // max(per_image, 1))))


def to_probabilities(raw: np.ndarray, binary: bool) -> tuple[np.ndarray, bool]:
    """``(N, classes)`` probabilities from the raw outputs; and whether they were logits.

    Outputs that are not probabilities (negative, or rows not summing to 1; for one unit,
    outside [0, 1]) are logits: softmax (sigmoid for one unit) turns them into probabilities.
    """
    finite = np.isfinite(raw).all(axis=1)
    if not finite.all():
        raise ReportError(
            f"the model outputs NaN or infinity for {int((~finite).sum())} of {len(raw)} images "
            f"(check the data for NaN values)"
        )
    if binary:
        p = raw[:, 0].astype(np.float64)
        logits = bool(np.any(p < -1e-6) or np.any(p > 1 + 1e-6))
        if logits:
            p = 1.0 / (1.0 + np.exp(-p))
        p = np.clip(p, 0.0, 1.0)
        return np.stack([1.0 - p, p], axis=1).astype(np.float32), logits
    sums = raw.sum(axis=1, dtype=np.float64)
    logits = bool(np.any(raw < -1e-6) or np.any(np.abs(sums - 1.0) > 1e-3))
    proba = raw
    if logits:
        shifted = raw - raw.max(axis=1, keepdims=True)
        np.exp(shifted, out=shifted)
        shifted /= shifted.sum(axis=1, keepdims=True)
        proba = shifted.astype(np.float32, copy=False)
    return proba, logits


def predicted_labels(proba: np.ndarray, binary: bool) -> np.ndarray:
    """Argmax; for one sigmoid unit, class 1 when its output is above 0.5."""
    if binary:
        return (proba[:, 1] > 0.5).astype(np.int64)
    return np.argmax(proba, axis=1)


def class_metrics(
    names: Sequence[str], counts: np.ndarray
) -> tuple[list[ClassRow], dict[str, Averages]]:
    """Per-class counts, accuracy, precision, recall, F1 and their macro / weighted averages.

    The numbers of scikit-learn's ``classification_report`` with ``zero_division=0``: an
    undefined ratio (no image of the class, nothing predicted as it) counts as 0.
    """
    counts = np.asarray(counts, dtype=np.int64)
    support = counts.sum(axis=1)
    predicted = counts.sum(axis=0)
    tp = np.diag(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
        recall = np.where(support > 0, tp / np.maximum(support, 1), 0.0)
        denom = precision + recall
        f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.0)
    rows = []
    for c, name in enumerate(names):
        off = counts[c].copy()
        off[c] = 0
        confused = int(np.argmax(off)) if off.max() > 0 else None
        n = int(support[c])
        rows.append(
            ClassRow(
                class_=c,
                name=name,
                n=n,
                correct=int(tp[c]),
                accuracy=int(tp[c]) / n if n else None,
                predicted=int(predicted[c]),
                precision=float(precision[c]),
                recall=float(recall[c]),
                f1=float(f1[c]),
                most_confused_with=confused,
                most_confused_count=int(off.max()) if confused is not None else 0,
            )
        )
    total = int(support.sum())
    weights = support / total if total else np.zeros_like(support, dtype=np.float64)
    averages = {
        "macro": Averages(float(precision.mean()), float(recall.mean()), float(f1.mean()), total),
        "weighted": Averages(
            float(weights @ precision), float(weights @ recall), float(weights @ f1), total
        ),
    }
    return rows, averages


def pick_samples(y: np.ndarray, pred: np.ndarray, proba: np.ndarray, k: int) -> list[int]:
    """One correct input and one mistake (the most confident), alternating for larger ``k``."""
    from explainer import probe

    if k <= 0:
        return []
    correct = iter(np.flatnonzero(pred == y)[:k].tolist())
    wrong = iter(probe.most_confident_mistakes(y, proba, n=k).tolist())
    picked: list[int] = []
    sources = [correct, wrong]
    while len(picked) < k and sources:
        for source in list(sources):
            value = next(source, None)
            if value is None:
                sources.remove(source)
            elif len(picked) < k:
                picked.append(int(value))
    return picked


def describe(indices: Sequence[int], y: np.ndarray, pred: np.ndarray, proba: np.ndarray) -> list:
    return [
        Prediction(
            index=int(i),
            true=int(y[i]),
            predicted=int(pred[i]),
            confidence=float(proba[i, pred[i]]),
            correct=bool(pred[i] == y[i]),
        )
        for i in indices
    ]


@dataclass
class Context:
    """What compute and figure functions of the sections may read, after the pass.

    Only small arrays live here (``proba`` is ``(N, classes)``); ``data.x`` is the lazy or
    memory-mapped images, so index it with the few images a figure needs.
    """

    model: keras.Model
    data: ReportData
    plan: InputPlan
    info: ModelInfo
    class_names: tuple[str, ...]
    proba: np.ndarray
    pred: np.ndarray
    samples: list[int]
    conv_layers: list[str]
    template_layer: str | None
    kernels: dict[str, np.ndarray]
    accumulated: dict[str, Any] = field(default_factory=dict)
    """``Section.key`` → what that section's accumulator's ``finish()`` returned."""

    @property
    def y(self) -> np.ndarray:
        return self.data.y

    def images(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """The images at ``indices``, shaped for drawing ``(k, H, W, C)``."""
        assert self.plan.image_shape is not None
        picked = take(self.data.x, indices)
        return picked.reshape((len(picked), *self.plan.image_shape))

    def model_inputs(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """The images at ``indices`` as the model takes them."""
        return prepare(take(self.data.x, indices), self.plan)


def take(x: Any, indices: Sequence[int] | np.ndarray) -> np.ndarray:
    """Rows ``indices`` of the data, read so that a memory-mapped file's pages are handed back.

    Indexing a mapped file, even one row, maps the pages the kernel reads around it (over a
    megabyte a row here), and they would count as the process's memory until exit: a few dozen
    images spread over a big file looked like tens of megabytes.
    """
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    if getattr(x, "_mmap", None) is None:  # in memory, or image files decoded on demand
        return np.asarray(x[idx])
    out = np.empty((len(idx), *x.shape[1:]), dtype=x.dtype)
    for j, i in enumerate(idx.tolist()):
        view = x[i : i + 1]
        out[j] = view[0]
        release(view)
    return out


# --- Sections' numbers: what their figures will draw, computed before any figure ---------------


def tile_cap(array: np.ndarray, axis: int) -> tuple[np.ndarray, bool]:
    """The first :data:`MAX_TILES` along ``axis``, and whether any were left out."""
    if array.shape[axis] <= MAX_TILES:
        return array, False
    return np.take(array, np.arange(MAX_TILES), axis=axis), True


def compute_conv(ctx: Context, accumulated: Any = None) -> list[ConvLayer]:
    """The chosen convolutions: shapes, spatial filters and the samples' feature maps.

    Filled whether or not figures are drawn, so report.json and the page always list the
    convolutions (their arrays stay out of report.json).
    """
    from explainer import probe

    maps: dict[str, np.ndarray] = {}
    if ctx.conv_layers and ctx.samples:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            maps = probe.activations(
                ctx.model, ctx.model_inputs(ctx.samples), ctx.conv_layers, batch_size=64
            )
    entries = []
    for path in ctx.conv_layers:
        layer = probe.find_layer(ctx.model, path)
        kind = probe.conv_type(layer)
        entry = ConvLayer(
            layer=path,
            type=type(layer).__name__,
            map_shape=[None if d is None else int(d) for d in layer.output.shape[1:]],
            kind=kind or type(layer).__name__,
        )
        if kind is not None:
            raw = getattr(layer, "kernel", None)
            if raw is None:
                raw = getattr(layer, "depthwise_kernel", None)
            entry.kernel_shape = None if raw is None else [int(d) for d in raw.shape]
            k = probe.filters(ctx.model, path)
            if k is None:
                entry.filters_note = "1 × 1 kernels mix channels and have no spatial pattern."
            else:
                entry.filter_tiles, entry.filters_capped = tile_cap(k, axis=3)
        if path in maps:
            entry.sample_maps = {
                sample: tile_cap(maps[path][j], axis=2) for j, sample in enumerate(ctx.samples)
            }
        entries.append(entry)
    return entries


def compute_templates(ctx: Context, accumulated: Any = None) -> Templates | None:
    """A first Dense layer reading the whole image: its weights, one template per unit."""
    from explainer import probe

    if ctx.template_layer is None or ctx.plan.image_shape is None:
        return None
    kernel, capped = tile_cap(probe.layer_weights(ctx.model, ctx.template_layer).kernel, axis=1)
    return Templates(layer=ctx.template_layer, capped=capped, kernel=kernel)
