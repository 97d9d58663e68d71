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
    name: str
    type: str
    output_shape: list[int | None] | None
    params: int
    trainable: bool
    inputs: list[str] = field(default_factory=list)


@dataclass
class ModelCard(JsonData):
    path: str | None
    name: str
    class_: str = field(metadata={"json": "class"})
    input_shape: list[int | None]
    output_shape: list[int | None]
    n_classes: int
    outputs: str
    """``"probabilities"`` or ``"logits"``."""
    binary: bool
    """One sigmoid (or logit) output shown as two classes at the threshold 0.5."""
    total_params: int
    trainable_params: int
    layers: list[LayerRow]


@dataclass
class DataCard(JsonData):
    name: str
    source: str
    n: int
    shape: list[int]
    dtype: str
    memory_mapped: bool
    image_shape: list[int] | None
    class_names: list[str]


@dataclass
class ClassRow(JsonData):
    """One class: counts, accuracy (= recall) and scikit-learn's precision, recall and F1."""

    class_: int = field(metadata={"json": "class"})
    name: str
    n: int
    """Images of this class (scikit-learn's support)."""
    correct: int
    accuracy: float | None
    predicted: int
    """Images predicted as this class."""
    precision: float
    recall: float
    f1: float
    most_confused_with: int | None
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
    index: int
    true: int
    predicted: int
    confidence: float
    correct: bool


@dataclass
class FigureRecord(JsonData):
    file: str
    alt: str
    section: str
    seconds: float


@dataclass
class FeatureMaps(JsonData):
    sample: int
    file: str
    capped: bool


@dataclass
class ConvLayer(JsonData):
    layer: str
    """Path of the layer: its name, or ``base/name`` inside a nested model."""
    type: str
    map_shape: list[int | None]
    kernel_shape: list[int] | None = None
    filters: str | None = None
    filters_capped: bool = False
    filters_note: str | None = None
    """Why no filters are drawn (e.g. 1 × 1 kernels), when they are not."""
    maps: list[FeatureMaps] = field(default_factory=list)


@dataclass
class Templates(JsonData):
    layer: str
    file: str | None = None
    capped: bool = False


@dataclass
class WeightStats(JsonData):
    layer: str
    shape: list[int]
    n: int
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
    model: ModelCard
    data: DataCard
    accuracy: float
    n_correct: int
    n_mistakes: int
    per_class: list[ClassRow]
    averages: dict[str, Averages]
    """``{"macro": ..., "weighted": ...}``, as in scikit-learn's classification_report."""
    confusion: list[list[int]]
    mistakes: list[Prediction]
    samples: list[Prediction]
    conv_layers: list[ConvLayer] = field(default_factory=list)
    templates: Templates | None = None
    where: WhereResult | None = None
    units: UnitsResult | None = None
    weights: list[WeightStats] = field(default_factory=list)
    figures: list[FigureRecord] = field(default_factory=list)
    figures_by_section: dict[str, str | None] = field(default_factory=dict)
    """Section → its single figure (``confusion``, ``mistakes``, ``weights``)."""
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    """Every file the report's folder holds (paths in it, report.json included): what a later
    run may replace, and nothing else."""
    generator: str = GENERATOR
    """Always ``"explainer report"``: marks the folder as this tool's report."""

    def to_json(self) -> dict[str, Any]:
        data = to_json(self)
        return {"generator": data.pop("generator"), **data}
