"""The typed result of one report: dataclasses, each with ``to_json()``.

``report.json`` is ``ReportResult.to_json()`` and the page is rendered from the same JSON, so the
page can never show a number the JSON lacks. Field names are the JSON keys (``class_`` is written
as ``class``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explainer.report.output import GENERATOR

__all__ = [
    "Averages",
    "ClassRow",
    "ConvLayer",
    "DataCard",
    "FeatureMaps",
    "FigureRecord",
    "JsonData",
    "LayerRow",
    "ModelCard",
    "Prediction",
    "ReportResult",
    "Templates",
    "UnitsLayer",
    "UnitsResult",
    "WeightStats",
    "WhereImage",
    "WhereResult",
    "to_json",
]


def to_json(value: Any) -> Any:
    """Plain JSON data (dict, list, str, int, float, bool, None) from results and NumPy values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.metadata.get("json", f.name): to_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("internal")
        }
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    return value


class JsonData:
    """``to_json()`` for a result dataclass."""

    def to_json(self) -> dict[str, Any]:
        return to_json(self)


@dataclass
class LayerRow(JsonData):
    """One top-level layer of the model, as the model card lists it."""

    name: str
    type: str
    """The layer's class, e.g. ``Conv2D``."""
    output_shape: list[int | None] | None
    """With the batch axis first (``null`` for unknown sizes); ``null`` when unknown."""
    params: int
    trainable: bool
    inputs: list[str] = field(default_factory=list)
    """Names of the layers feeding it (functional models; empty for Sequential ones)."""


@dataclass
class ModelCard(JsonData):
    """The model: where it came from, its shapes and layers."""

    path: str | None
    """The model file, or ``null`` for a model object passed in Python."""
    name: str
    class_: str = field(metadata={"json": "class"})
    """The Keras model class, e.g. ``Sequential`` or ``Functional``."""
    input_shape: list[int | None]
    """Per image, without the batch axis."""
    output_shape: list[int | None]
    n_classes: int
    """Classes shown (2 for one sigmoid unit)."""
    outputs: str
    """``"probabilities"`` or ``"logits"``."""
    binary: bool
    """One sigmoid (or logit) output shown as two classes at the threshold 0.5."""
    total_params: int
    trainable_params: int
    layers: list[LayerRow]


@dataclass
class DataCard(JsonData):
    """The labelled images the report was made on."""

    name: str
    source: str
    """Where the images came from, in words (a file, a folder, a built-in data set)."""
    n: int
    """Images used (after ``--limit``)."""
    shape: list[int]
    """Per image, as stored (before any reshape for the model)."""
    dtype: str
    memory_mapped: bool
    """The images were read from disk a chunk at a time, never held whole."""
    image_shape: list[int] | None
    """``[H, W, C]`` used to draw the images, or ``null`` when they are not images."""
    class_names: list[str]
    """One per class, in label order (the labels' numbers when no names were given)."""


@dataclass
class ClassRow(JsonData):
    """One class: counts, accuracy (= recall) and scikit-learn's precision, recall and F1."""

    class_: int = field(metadata={"json": "class"})
    name: str
    n: int
    """Images of this class (scikit-learn's support)."""
    correct: int
    accuracy: float | None
    """``correct / n``; ``null`` for a class with no images."""
    predicted: int
    """Images predicted as this class."""
    precision: float
    recall: float
    f1: float
    most_confused_with: int | None
    """The class its images are most often predicted as, instead of it."""
    most_confused_count: int


@dataclass
class Averages(JsonData):
    """Precision, recall and F1 averaged over classes (``macro``) or weighted by support."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Prediction(JsonData):
    """One image's prediction."""

    index: int
    """Position of the image in the data."""
    true: int
    predicted: int
    confidence: float
    """The probability the model gave the predicted class."""
    correct: bool


@dataclass
class FigureRecord(JsonData):
    """One figure of the page."""

    file: str
    """Its path in the report's folder, e.g. ``figures/confusion.png``."""
    alt: str
    """Its alternative text (what the figure shows, in words)."""
    section: str
    """The key of the section it belongs to."""
    seconds: float
    """Time spent drawing and encoding it."""


@dataclass
class FeatureMaps(JsonData):
    """A layer's feature maps for one sample image."""

    sample: int
    """The image's index in the data."""
    file: str
    capped: bool
    """Only the first 64 maps are drawn."""


@dataclass
class ConvLayer(JsonData):
    """A convolution the report shows: filled whether or not figures are drawn."""

    layer: str
    """Path of the layer: its name, or ``base/name`` inside a nested model."""
    type: str
    map_shape: list[int | None]
    """Its output per image, ``[H, W, channels]``."""
    kernel_shape: list[int] | None = None
    filters: str | None = None
    """The filters' figure, or ``null`` when none is drawn."""
    filters_capped: bool = False
    filters_note: str | None = None
    """Why no filters are drawn (e.g. 1 × 1 kernels), when they are not."""
    maps: list[FeatureMaps] = field(default_factory=list)
    kind: str = field(default="", repr=False, metadata={"internal": True})
    """The convolution kind (``explainer.probe.CONV_TYPES``) the figure titles name."""
    filter_tiles: Any = field(default=None, repr=False, metadata={"internal": True})
    """``(kh, kw, in, out)`` spatial filters to draw (capped), or ``None``."""
    sample_maps: Any = field(default=None, repr=False, metadata={"internal": True})
    """``{sample index: (H, W, channels)}`` feature maps to draw (capped)."""


@dataclass
class Templates(JsonData):
    layer: str
    """The first layer with weights: a Dense layer reading the whole image."""
    file: str | None = None
    capped: bool = False
    """Only the first units are drawn (``explainer.report.figures.MAX_TILES``)."""
    kernel: Any = field(default=None, repr=False, metadata={"internal": True})
    """``(pixels, units)`` weights to draw (capped)."""


@dataclass
class WeightStats(JsonData):
    """Statistics of one layer's kernel (the weight histograms' numbers)."""

    layer: str
    """Its path (``base/name`` inside a nested model)."""
    shape: list[int]
    n: int
    """Number of weights."""
    min: float
    max: float
    mean: float
    std: float
    mean_abs: float

    @classmethod
    def of(cls, layer: str, kernel: np.ndarray) -> WeightStats:
        return cls(
            layer=layer,
            shape=list(kernel.shape),
            n=int(kernel.size),
            min=float(kernel.min()),
            max=float(kernel.max()),
            mean=float(kernel.mean()),
            std=float(kernel.std()),
            mean_abs=float(np.abs(kernel).mean()),
        )


@dataclass
class WhereImage(JsonData):
    """One image of "Where the model looks" and the classes its maps are for."""

    index: int
    true: int
    predicted: int
    targets: list[int]
    """The classes attributed: the predicted one, then the true one for a mistake."""
    probabilities: list[float]
    """The model's probability of each target."""


@dataclass
class WhereResult(JsonData):
    methods: list[str]
    """The methods that beat every model-free control in the chapter's deletion and insertion
    tests (``explainer.attribution.REPORT_METHODS``)."""
    baseline: list[float]
    """"No information" in the model's input units: the data's median per channel."""
    score: str
    """What is attributed, e.g. the class score before the softmax."""
    correct: list[WhereImage] = field(default_factory=list)
    mistakes: list[WhereImage] = field(default_factory=list)
    files: dict[str, str | None] = field(default_factory=dict)
    """``{"correct": file, "mistakes": file}``."""
    skipped: str | None = None
    """Why the section has no maps, when it has none."""
    seconds: float = 0.0
    maps: dict[str, dict[str, Any]] = field(
        default_factory=dict, repr=False, metadata={"internal": True}
    )
    """``{"correct"|"mistakes": {method: (n, H, W)}}``; kept out of report.json (big)."""


@dataclass
class UnitsLayer(JsonData):
    layer: str
    type: str
    channels: int
    k: int
    field_size: list[int] | None = None
    """Receptive field (height, width) in input pixels."""
    field_stride: list[int] | None = None
    drawn: list[int] = field(default_factory=list)
    """Channels drawn (at most ``MAX_UNIT_CHANNELS``)."""
    inactive: int = 0
    """Channels that never rose above zero on the data."""
    ranked_on: str | None = None
    """The layer whose output ranks the channels: what the network passes on from ``layer``
    (after its batch normalisation and activation, :func:`explainer.probe.passed_on`)."""
    top_indices: list[list[int]] = field(default_factory=list)
    """For each drawn channel, the data indices of its top images, best first."""
    top_values: list[list[float]] = field(default_factory=list)
    file: str | None = None
    whole: bool = False
    """The field covers the whole image, so whole images are drawn."""
    note: str | None = None
    """Why the layer is not drawn, when it is not."""
    positions: Any = field(default=None, repr=False, metadata={"internal": True})
    receptive: Any = field(default=None, repr=False, metadata={"internal": True})


@dataclass
class UnitsResult(JsonData):
    layers: list[UnitsLayer] = field(default_factory=list)
    images: int = 0
    """Images the running top-k saw (all of the data, in the one pass)."""
    skipped: str | None = None
    seconds: float = 0.0


@dataclass
class ReportResult(JsonData):
    """Everything the report knows; ``to_json()`` is report.json (top-level ``accuracy``).

    A new section adds one field here (a dataclass with ``to_json`` or ``None``), filled by its
    :class:`~explainer.report.sections.Section`'s ``compute`` and drawn by its ``draw``.
    """

    explainer_version: str
    created: str
    """When the report was made (UTC, ISO 8601)."""
    model: ModelCard
    data: DataCard
    accuracy: float
    """Share of the images classified correctly (0 to 1)."""
    n_correct: int
    n_mistakes: int
    per_class: list[ClassRow]
    averages: dict[str, Averages]
    """``{"macro": ..., "weighted": ...}``, as in scikit-learn's classification_report."""
    confusion: list[list[int]]
    """Counts: row = true class, column = predicted class."""
    mistakes: list[Prediction]
    """The most confident mistakes (at most 40), most confident first."""
    samples: list[Prediction]
    """The images whose feature maps are drawn (``--samples``)."""
    conv_layers: list[ConvLayer] = field(default_factory=list)
    """The convolutions shown (section "Filters and feature maps")."""
    templates: Templates | None = None
    """The first Dense layer on the image, when there is one (section "Weights as templates")."""
    where: WhereResult | None = None
    units: UnitsResult | None = None
    weights: list[WeightStats] = field(default_factory=list)
    """Every layer with a kernel."""
    figures: list[FigureRecord] = field(default_factory=list)
    """Every figure, in page order."""
    figures_by_section: dict[str, str | None] = field(default_factory=dict)
    """Section key → its single figure (``accuracy``, ``mistakes``, ``weights``)."""
    notes: list[str] = field(default_factory=list)
    """What the page says at the top: what was left out and why, what was assumed."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step (``load_model``, ``predict``, ``figures``, ``total``, ...)."""
    files: list[str] = field(default_factory=list)
    """Every file the report's folder holds (paths in it, report.json included): what a later
    run may replace, and nothing else."""
    generator: str = GENERATOR
    """Always ``"explainer report"``: marks the folder as this tool's report."""

    def to_json(self) -> dict[str, Any]:
        data = to_json(self)
        return {"generator": data.pop("generator"), **data}
