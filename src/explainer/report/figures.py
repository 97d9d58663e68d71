"""Figures: one function per section, each drawing with :mod:`explainer.plot` into a Canvas.

A figure function takes ``(result, ctx, canvas)``: it reads the section's numbers from the
:class:`~explainer.report.result.ReportResult` and the few images it needs from the
:class:`~explainer.report.compute.Context`, saves each figure with :meth:`Canvas.save` and writes
the returned file name into the section's result field. A figure that fails to draw becomes a
note on the page instead of failing the report (:meth:`Canvas.section`).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from explainer.report.compute import MAX_TILES, Context
from explainer.report.errors import ReportError
from explainer.report.result import FeatureMaps, FigureRecord, ReportResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "MAX_CONFUSION_CLASSES",
    "MAX_TILES",
    "Canvas",
    "draw_accuracy",
    "draw_conv",
    "draw_mistakes",
    "draw_templates",
    "draw_weights",
    "plain",
    "slug",
]

MAX_CONFUSION_CLASSES = 20
"""Above this many classes the confusion figure would be unreadable; the table stays in JSON."""


@dataclass
class Canvas:
    """Where figures go: PNG bytes kept in memory until the report is saved (nothing on disk)."""

    files: dict[str, bytes] = field(default_factory=dict)
    records: list[FigureRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _last: float = field(default_factory=time.perf_counter)

    def save(self, figure: Figure | SubFigure, stem: str, alt: str, section: str) -> str:
        """Render ``figure`` to PNG, close it, and return its file name in the report."""
        import matplotlib.pyplot as plt

        root = figure
        while getattr(root, "figure", None) is not None and root.figure is not root:
            root = root.figure
        file = f"figures/{stem}.png"
        buffer = io.BytesIO()
        root.savefig(buffer, format="png", dpi=100, bbox_inches="tight", facecolor="white")
        plt.close(root)  # type: ignore[arg-type]
        self.files[file] = buffer.getvalue()
        now = time.perf_counter()
        seconds, self._last = now - self._last, now
        self.records.append(FigureRecord(file=file, alt=alt, section=section, seconds=seconds))
        return file

    @contextlib.contextmanager
    def section(self, what: str) -> Iterator[None]:
        """A figure that fails becomes a note in the report instead of failing the report."""
        import matplotlib.pyplot as plt

        try:
            yield
        except ReportError:
            raise
        except Exception as exc:
            plt.close("all")
            self.notes.append(f"Could not draw {what}: {type(exc).__name__}: {exc}")


def slug(text: str, index: int) -> str:
    """A file-name stem: numbered, with only safe characters of ``text``."""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:40]
    return f"{index:02d}_{clean or 'layer'}"


class _Images:
    """The data's images as the confusion figure indexes them: one at a time, on demand."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __len__(self) -> int:
        return self.ctx.data.n

    def __getitem__(self, index: int) -> np.ndarray:
        return self.ctx.images([int(index)])[0]


def plain(text: str, limit: int | None = None) -> str:
    """A user's string (a class name) for a figure: drawn literally (a ``$`` starts no
    formula) and elided past ``limit`` characters (default
    :data:`~explainer.plot.text.ELIDE_AT`); the page shows it in full."""
    from explainer.plot.text import ELIDE_AT, label

    return label(text, ELIDE_AT if limit is None else limit)


def _names(ctx: Context) -> list[str]:
    return [plain(name) for name in ctx.class_names]


# --- One function per section ---------------------------------------------------------------


def draw_accuracy(result: ReportResult, ctx: Context, canvas: Canvas) -> None:
    """The confusion matrix with the most confident example per cell (templates chapter)."""
    from explainer import plot

    names = _names(ctx)
    file = None
    if len(names) > MAX_CONFUSION_CLASSES:
        canvas.notes.append(
            f"The confusion figure is drawn for at most {MAX_CONFUSION_CLASSES} classes; "
            f"report.json holds the full matrix."
        )
    elif ctx.plan.image_shape is None:
        canvas.notes.append("The inputs are not images, so no example images are drawn.")
    else:
        with canvas.section("the confusion matrix"):
            display = plot.ConfusionExamplesDisplay.from_predictions(
                ctx.y,
                ctx.pred,
                ctx.proba[np.arange(len(ctx.pred)), ctx.pred],
                _Images(ctx),  # type: ignore[arg-type]
                class_names=names,
                n_classes=len(names),
            )
            alt = (
                "Confusion matrix with the most confident example of each cell: true class "
                "by row, predicted class by column"
            )
            display.plot(suptitle=alt)
            file = canvas.save(display.figure_, "confusion", alt, "accuracy")
    result.figures_by_section["accuracy"] = file


def draw_mistakes(result: ReportResult, ctx: Context, canvas: Canvas) -> None:
    """The most confident mistakes (filters chapter)."""
    from explainer import plot

    wrong = np.array([m.index for m in result.mistakes], dtype=np.int64)
    names = _names(ctx)
    # A tile is 0.75 in wide, room for about 12 characters: longer names get wider tiles
    # (five to a row), so that neighbouring labels never overlap.
    longest = max(len(name.replace("\\$", "$")) for name in names) + 2  # "→ "
    ncols, tile_size = (10, 0.75) if longest <= 12 else (5, round(0.065 * longest, 2))
    file = None
    if ctx.plan.image_shape is not None and len(wrong):
        with canvas.section("the mistakes grid"):
            grid = plot.mistakes_grid(
                ctx.images(wrong),
                ctx.y[wrong],
                ctx.proba[wrong],
                indices=np.arange(len(wrong)),
                n=len(wrong),
                class_names=names,
                ncols=ncols,
                tile_size=tile_size,
                suptitle=(
                    f"The {len(wrong)} most confident mistakes: true class, predicted "
                    f"class and its probability"
                ),
            )
            alt = f"The {len(wrong)} most confidently misclassified images"
            file = canvas.save(grid.figure, "mistakes", alt, "mistakes")
    result.figures_by_section["mistakes"] = file


_FILTER_KIND = {
    "Conv2D": "filters",
    "DepthwiseConv2D": "depthwise filters",
    "SeparableConv2D": "depthwise filters (its spatial half)",
    "Conv2DTranspose": "transposed-convolution patterns",
}


def draw_conv(result: ReportResult, ctx: Context, canvas: Canvas) -> None:
    """Filters and feature maps of the chosen convolutions (filters chapter), from
    ``result.conv_layers`` as :func:`~explainer.report.compute.compute_conv` filled it."""
    from explainer import plot

    names, y, pred = _names(ctx), ctx.y, ctx.pred
    for index, entry in enumerate(result.conv_layers):
        path, kind, k = entry.layer, entry.kind, entry.filter_tiles
        if k is not None:
            with canvas.section(f"the filters of {path}"):
                what = _FILTER_KIND.get(kind, "filters")
                if kind in ("DepthwiseConv2D", "SeparableConv2D"):
                    where = "one per input channel"
                elif kind == "Conv2DTranspose":
                    where = "one per input channel, over the output channels"
                elif k.shape[2] in (1, 3):
                    where = "in image space"
                else:
                    where = "mean over input channels"
                grid = plot.filters_grid(k, suptitle=f"Layer {path}: {k.shape[3]} {what} ({where})")
                entry.filters = canvas.save(
                    grid.figure,
                    f"conv{slug(path, index)}_filters",
                    f"The {k.shape[3]} {what} of layer {path}",
                    "conv",
                )
        for j, (sample, (m, capped)) in enumerate((entry.sample_maps or {}).items()):
            verdict = "correct" if pred[sample] == y[sample] else "a mistake"
            with canvas.section(f"the feature maps of {path}"):
                grid = plot.feature_maps(
                    m,
                    ncols=min(8, m.shape[-1]),
                    tile_size=0.9,
                    suptitle=(
                        f"Layer {path} on image {sample} (true {names[y[sample]]}, "
                        f"predicted {names[pred[sample]]}: {verdict})"
                    ),
                )
                file = canvas.save(
                    grid.figure,
                    f"conv{slug(path, index)}_maps_{j}",
                    f"Feature maps of layer {path} for image {sample}",
                    "conv",
                )
                entry.maps.append(FeatureMaps(sample=sample, file=file, capped=capped))


def draw_templates(result: ReportResult, ctx: Context, canvas: Canvas) -> None:
    """A first Dense layer on the image: one template per unit (templates chapter)."""
    from explainer import plot

    tpl = result.templates
    if tpl is None or tpl.kernel is None or ctx.plan.image_shape is None:
        return
    with canvas.section(f"the templates of {tpl.layer}"):
        n_names = len(ctx.class_names)
        unit_names = _names(ctx) if tpl.kernel.shape[1] == n_names else None
        grid = plot.template_grid(
            tpl.kernel,
            ctx.plan.image_shape,
            class_names=unit_names,
            suptitle=f"Layer {tpl.layer}: the weights of each unit as an image",
        )
        tpl.file = canvas.save(
            grid.figure,
            "templates",
            f"The weights of layer {tpl.layer} drawn as images",
            "templates",
        )


def draw_weights(result: ReportResult, ctx: Context, canvas: Canvas) -> None:
    """Weight histograms per layer (weights-under-pressure chapter)."""
    from explainer import plot

    kernels = ctx.kernels
    file = None
    if kernels:
        with canvas.section("the weight histograms"):
            import matplotlib.pyplot as plt

            ncols = min(3, len(kernels))
            nrows = math.ceil(len(kernels) / ncols)
            fig = plt.figure(figsize=(3.3 * ncols, 2.6 * nrows + 0.4), layout="constrained")
            axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
            for extra in axes[len(kernels) :]:
                extra.remove()
            alt = "Histograms of the weights of each layer, each on its own scale"
            plot.weight_histograms(
                kernels,
                ax=list(axes[: len(kernels)]),
                overlay=False,
                suptitle=alt,
                fontsize=9,
            )
            file = canvas.save(fig, "weights", alt, "weights")
    result.figures_by_section["weights"] = file
