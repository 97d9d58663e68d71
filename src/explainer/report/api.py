"""The Python API: :func:`generate` computes a report in memory; :meth:`Report.save` writes it.

Order of work, which keeps the promises: every check (model, data, options) runs before the
pass; the pass streams the data once; figures are rendered to PNG bytes in memory; only
:meth:`Report.save` touches the disk, into a temporary folder renamed into place when complete.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.report import model_checks
from explainer.report.compute import (
    N_MISTAKES,
    Context,
    OutputsAccumulator,
    PassSetup,
    class_metrics,
    describe,
    pick_samples,
    predicted_labels,
    stream,
    to_probabilities,
)
from explainer.report.data import ReportData, check_data, check_spec, is_builtin, load_data
from explainer.report.errors import ReportError
from explainer.report.figures import Canvas
from explainer.report.output import check_out, write_report
from explainer.report.progress import Progress
from explainer.report.render import data_uri, render_html
from explainer.report.result import (
    DataCard,
    LayerRow,
    ModelCard,
    ReportResult,
    WeightStats,
)
from explainer.report.sections import SECTIONS, Section

if TYPE_CHECKING:
    import keras

__all__ = ["MAX_LAYERS", "MAX_SAMPLES", "Report", "check_options", "generate"]

MAX_SAMPLES = 10
"""Most images ``--samples`` may ask for: each one adds a feature-map figure per drawn layer
(and maps in "Where the model looks"), about 0.2 s each."""
MAX_LAYERS = 16
"""Most layers ``--layers`` may name: each adds a filter figure and a figure per sample."""


def check_options(
    *, limit: int | None = None, samples: int = 2, layers: Sequence[str] | None = None
) -> None:
    """Refuse options out of range before anything loads (one-line :class:`ReportError`)."""
    if limit is not None and (isinstance(limit, bool) or int(limit) != limit or limit < 1):
        raise ReportError(f"--limit must be a whole number of at least 1, not {limit}")
    if isinstance(samples, bool) or int(samples) != samples or not 0 <= samples <= MAX_SAMPLES:
        raise ReportError(
            f"--samples must be from 0 to {MAX_SAMPLES}, not {samples}: each sample adds a "
            f"figure per layer drawn"
        )
    if layers is not None:
        if isinstance(layers, str):
            raise ReportError("layers must be a list of layer names, not one string")
        if len(layers) > MAX_LAYERS:
            raise ReportError(
                f"--layers names {len(layers)} layers; at most {MAX_LAYERS} are drawn (each "
                f"adds a figure per sample): choose fewer"
            )
        bad = [name for name in layers if not str(name).strip()]
        if bad:
            raise ReportError("--layers: a layer name is empty")


@dataclasses.dataclass
class Report:
    """A finished report held in memory: the typed result and its figures as PNG bytes."""

    result: ReportResult
    figures: dict[str, bytes]
    sections: Sequence[Section] = SECTIONS
    inputs: tuple[str, ...] = ()
    """The model and data paths it was made from: :meth:`save` never writes over them."""
    live: str = ""
    """HTML of the live widget (or a note why the model cannot run in the page)."""

    @property
    def accuracy(self) -> float:
        return self.result.accuracy

    def to_json(self) -> dict[str, Any]:
        """report.json as a dict (top-level ``accuracy``)."""
        return self.result.to_json()

    def html(self, *, inline: bool = False) -> str:
        """The page; ``inline`` puts the figures into it as data URIs (one self-contained file,
        which links to no report.json either, since none sits beside it)."""
        src = (lambda f: data_uri(self.figures[f]) if f in self.figures else f) if inline else None
        return render_html(
            self.to_json(), sections=self.sections, src=src, link_json=not inline, live=self.live
        )

    def _repr_html_(self) -> str:
        # An iframe keeps the report's stylesheet from restyling the notebook around it.
        page = self.html(inline=True)
        return (
            f'<iframe srcdoc="{escape(page, quote=True)}" title="explainer report" '
            f'style="width:100%;height:700px;border:1px solid #d1d9e0"></iframe>'
        )

    def save(self, folder: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write index.html, report.json and figures/ into ``folder``, all or nothing.

        ``folder`` may be new, empty, or an earlier report of this tool that holds nothing
        else; ``force`` writes beside other files without deleting or overwriting any of them
        (see :mod:`explainer.report.output`). Raises :class:`ReportError` otherwise.
        """
        plan = check_out(folder, force=force, keep=self.inputs)
        return write_report(plan, self.files(), recheck=False)

    def files(self) -> dict[str, bytes]:
        """The folder's files as bytes, keyed by their path in it (report.json's ``files``)."""
        payload = json.dumps(self.to_json(), indent=1, allow_nan=False)
        return {
            **self.figures,
            "index.html": self.html().encode("utf-8"),
            "report.json": payload.encode("utf-8"),
        }


def _as_data(x: Any, y: Any, class_names: Sequence[str] | None, limit: int | None) -> ReportData:
    if isinstance(x, ReportData):
        data = x
        if limit is not None:
            if limit < 1:
                raise ReportError(f"--limit must be at least 1, not {limit}")
            data = dataclasses.replace(data, x=data.x[:limit], y=data.y[:limit])
        else:
            data = dataclasses.replace(data)
    elif isinstance(x, (str, os.PathLike)):
        if y is not None:
            raise ReportError("give y only with arrays; a data spec carries its own labels")
        data = load_data(x, limit=limit)
    else:
        if y is None:
            raise ReportError("generate(model, x, y): arrays need their labels y")
        if limit is not None:
            if limit < 1:
                raise ReportError(f"--limit must be at least 1, not {limit}")
            x, y = x[:limit], np.asarray(y)[:limit]
        data = ReportData.from_arrays(np.asarray(x) if not hasattr(x, "shape") else x, y)
    if class_names is not None:
        data.class_names = tuple(str(c) for c in class_names)
    check_data(data)
    return data


def generate(
    model: str | os.PathLike[str] | keras.Model,
    x: Any,
    y: Any = None,
    *,
    class_names: Sequence[str] | None = None,
    layers: Sequence[str] | None = None,
    limit: int | None = None,
    samples: int = 2,
    unsafe: bool = False,
    figures: bool = True,
    progress: Progress | None = None,
    sections: Sequence[Section] | None = None,
) -> Report:
    """The report of ``model`` on labelled images, in memory; ``.save(folder)`` writes it.

    ``model`` is a Keras model or a path (``.keras``, ``.h5``, SavedModel folder with
    ``unsafe``). ``x`` is an image array with labels ``y``, or any ``DATA`` spec of the CLI
    (``"mnist"``, ``"cifar10"``, a ``.npz``, a folder of ``.npy`` or of class sub-folders of
    images) or a :class:`ReportData`. ``class_names`` names the outputs; ``layers``, ``limit``,
    ``samples`` and ``unsafe`` are the CLI's options; ``figures=False`` skips the figures (quick
    numbers on big data); ``sections`` replaces :data:`~explainer.report.sections.SECTIONS`
    (the page's views, in order). Raises :class:`ReportError` with a one-line message when the
    input cannot be used.
    """
    t0 = time.perf_counter()
    progress = progress or Progress(enabled=False)
    sections = tuple(SECTIONS if sections is None else sections)
    run = _Run(timings={}, notes=[])
    loaded = _load(model, x, y, class_names, layers, limit, samples, unsafe, run)
    ctx, logits = _predict(loaded, sections, samples, progress, run)
    result = _core_result(loaded, ctx, logits, run)
    for section in sections:  # every section's numbers first, then every figure
        if section.compute is not None:
            t = time.perf_counter()
            value = section.compute(ctx, ctx.accumulated.get(section.key))
            setattr(result, section.result_field, value)
            run.timings[f"{section.key}_compute"] = time.perf_counter() - t
    canvas = _draw(result, ctx, sections, figures, progress, run)
    result.figures = canvas.records
    result.files = sorted([*canvas.files, "index.html", "report.json"])
    run.timings["total"] = time.perf_counter() - t0
    from explainer.live.report import section_html

    live = section_html(loaded.model, loaded.data.x, loaded.data.y, loaded.names) if figures else ""
    return Report(
        result=result, figures=canvas.files, sections=sections, inputs=loaded.paths, live=live
    )


@dataclasses.dataclass
class _Run:
    """What every step of :func:`generate` adds to: seconds per step and the page's notes."""

    timings: dict[str, float]
    notes: list[str]


@dataclasses.dataclass
class _Loaded:
    """The model and the data, loaded and checked against each other."""

    model: keras.Model
    model_path: str | None
    info: model_checks.ModelInfo
    data: ReportData
    names: tuple[str, ...]
    plan: model_checks.InputPlan
    conv_layers: list[str]
    kernels: dict[str, np.ndarray]
    """The kernels the histogram figure shows."""
    all_kernels: dict[str, np.ndarray]
    paths: tuple[str, ...]
    """The model and data paths, which :meth:`Report.save` never writes over."""


def _load(
    model: str | os.PathLike[str] | keras.Model,
    x: Any,
    y: Any,
    class_names: Sequence[str] | None,
    layers: Sequence[str] | None,
    limit: int | None,
    samples: int,
    unsafe: bool,
    run: _Run,
) -> _Loaded:
    """Every check, cheapest first: options, paths, the model and ``--layers``, then the data."""
    from explainer.plot.text import missing_glyphs

    check_options(limit=limit, samples=samples, layers=layers)
    paths: list[str] = []
    if isinstance(model, (str, os.PathLike)):
        model_checks.check_model_path(model, unsafe=unsafe)
        paths.append(os.fspath(model))
    if isinstance(x, (str, os.PathLike)):
        check_spec(x)
        if not is_builtin(x):
            paths.append(os.fspath(x))
    t = time.perf_counter()
    if isinstance(model, (str, os.PathLike)):
        model_path: str | None = os.fspath(model)
        keras_model = model_checks.load_model(model, unsafe=unsafe)
    else:
        model_path, keras_model = None, model
    run.timings["load_model"] = time.perf_counter() - t
    info = model_checks.check_model(keras_model)
    conv_layers, conv_notes = model_checks.choose_layers(keras_model, layers)  # before the data
    t = time.perf_counter()
    data = _as_data(x, y, class_names, limit)
    run.timings["load_data"] = time.perf_counter() - t
    names = model_checks.check_against_model(data, info)
    plan, resize_note, data = model_checks.plan_input(keras_model, data)
    kernels, all_kernels, kernel_note = model_checks.kernels(keras_model)
    run.notes.extend(note for note in (resize_note, *conv_notes, kernel_note) if note)
    unreadable = {name: missing_glyphs(name) for name in names}
    unreadable = {name: chars for name, chars in unreadable.items() if chars}
    if unreadable:
        shown = "; ".join(f"{name!r} ({chars})" for name, chars in list(unreadable.items())[:5])
        run.notes.append(
            f"No font on this machine has some characters of {len(unreadable)} class "
            f"name(s): the figures show them as boxes (the page keeps the names as written): "
            f"{shown}."
        )
    return _Loaded(
        keras_model,
        model_path,
        info,
        data,
        names,
        plan,
        conv_layers,
        kernels,
        all_kernels,
        tuple(paths),
    )


def _predict(
    loaded: _Loaded, sections: Sequence[Section], samples: int, progress: Progress, run: _Run
) -> tuple[Context, bool]:
    """The one pass (predictions and the sections' accumulators), and what it tells."""
    t = time.perf_counter()
    info, names, plan = loaded.info, loaded.names, loaded.plan
    setup = PassSetup(loaded.model, plan, info, names, loaded.conv_layers, loaded.data.n)
    predictions = OutputsAccumulator(loaded.data.n)
    extra = {}
    for section in sections:
        if section.accumulator is not None:
            acc = section.accumulator(setup)
            if acc is not None:
                extra[section.key] = acc
    stream(loaded.model, loaded.data, plan, [predictions, *extra.values()], progress)
    proba, logits = to_probabilities(predictions.finish(), info.binary)
    run.timings["predict"] = time.perf_counter() - t
    for key, acc in extra.items():
        if isinstance(getattr(acc, "seconds", None), float):
            run.timings[f"{key}_pass"] = acc.seconds  # the accumulator's share of the pass
    if info.binary:
        run.notes.append(
            f"The model has one output unit: it is shown as two classes, {names[1]} when the "
            f"output is above 0.5 and {names[0]} otherwise."
        )
    if logits:
        run.notes.append(
            "The model's outputs are not probabilities ("
            + ("outside 0 … 1" if info.binary else "they do not sum to 1")
            + "), so they were treated as logits and passed through a "
            + ("sigmoid" if info.binary else "softmax")
            + "; accuracy is unaffected."
        )
    if plan.image_shape is None:
        run.notes.append("The inputs could not be drawn as images; image figures are left out.")
    pred = predicted_labels(proba, info.binary)
    ctx = Context(
        model=loaded.model,
        data=loaded.data,
        plan=plan,
        info=info,
        class_names=names,
        proba=proba,
        pred=pred,
        samples=pick_samples(loaded.data.y, pred, proba, samples),
        conv_layers=loaded.conv_layers,
        template_layer=model_checks.first_dense_template(loaded.model, plan.image_shape),
        kernels=loaded.kernels,
        accumulated={key: acc.finish() for key, acc in extra.items()},
    )
    return ctx, logits


def _core_result(loaded: _Loaded, ctx: Context, logits: bool, run: _Run) -> ReportResult:
    """The numbers every report has: model and data cards, accuracy, confusion, mistakes."""
    from explainer import __version__, probe

    model, data, info, names = loaded.model, loaded.data, loaded.info, loaded.names
    y_true, pred, proba = data.y, ctx.pred, ctx.proba
    counts = probe.confusion(y_true, pred, info.n_classes)
    per_class, averages = class_metrics(names, counts)
    wrong = probe.most_confident_mistakes(y_true, proba, n=N_MISTAKES)
    rows = [LayerRow(**row) for row in model_checks.layer_rows(model)]
    return ReportResult(
        explainer_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        model=ModelCard(
            path=loaded.model_path,
            name=model.name,
            class_=type(model).__name__,
            input_shape=list(model.inputs[0].shape[1:]),
            output_shape=list(model.outputs[0].shape[1:]),
            n_classes=info.n_classes,
            outputs="logits" if logits else "probabilities",
            binary=info.binary,
            total_params=int(sum(r.params for r in rows)),
            trainable_params=int(sum(math.prod(w.shape) for w in model.trainable_weights)),
            layers=rows,
        ),
        data=DataCard(
            name=data.name,
            source=data.source,
            n=data.n,
            shape=[int(d) for d in data.x.shape[1:]],
            dtype=str(data.x.dtype),
            memory_mapped=data.memory_mapped,
            image_shape=None if ctx.plan.image_shape is None else list(ctx.plan.image_shape),
            class_names=list(names),
        ),
        accuracy=float(np.mean(pred == y_true)),
        n_correct=int((pred == y_true).sum()),
        n_mistakes=int((pred != y_true).sum()),
        per_class=per_class,
        averages=averages,
        confusion=counts.tolist(),
        mistakes=describe(wrong, y_true, pred, proba),
        samples=describe(ctx.samples, y_true, pred, proba),
        weights=[WeightStats.of(name, k) for name, k in loaded.all_kernels.items()],
        notes=run.notes,
        timings=run.timings,
    )


def _draw(
    result: ReportResult,
    ctx: Context,
    sections: Sequence[Section],
    figures: bool,
    progress: Progress,
    run: _Run,
) -> Canvas:
    """Every section's figures, from the result (PNG bytes in memory)."""
    from explainer.plot.text import user_text_fonts

    canvas = Canvas()
    t = time.perf_counter()
    if figures:
        steps = [s for s in sections if s.draw is not None]
        with progress.task("drawing figures", len(steps)) as update, user_text_fonts():
            for done, section in enumerate(steps, start=1):
                assert section.draw is not None
                section.draw(result, ctx, canvas)
                update(done)
    else:
        result.figures_by_section = {"accuracy": None, "mistakes": None, "weights": None}
        run.notes.append("Figures were not drawn (figures=False).")
    run.timings["figures"] = time.perf_counter() - t
    run.notes.extend(canvas.notes)
    return canvas
