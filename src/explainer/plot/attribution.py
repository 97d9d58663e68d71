"""Attribution maps over their images, method by method, and the tests of their faithfulness.

Maps come from :mod:`explainer.attribution` as ``(N, H, W)`` arrays. A signed map (occlusion,
integrated gradients) is drawn on :data:`~explainer.plot.WEIGHT_CMAP` centred at zero: red
pixels speak for the class, blue ones against it. An unsigned map (gradient magnitudes,
Grad-CAM) is drawn on the sequential :data:`SALIENCY_CMAP`, zero at the light end. Either way
the map's opacity grows with ``|value|``, so the grey image shows through where the map is
near zero, and every map has its own scale (the methods' units differ; the colorbar says
"−max … +max" rather than pretend to a number).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from explainer.attribution import REGISTRY, SIGNED
from explainer.faithfulness import Curves, SanityCheck
from explainer.plot.images import draw_image, prepare_image
from explainer.plot.style import (
    BOOK_WIDTH,
    FONT_SIZE,
    SALIENCY_CMAP,
    SMALL_FONT_SIZE,
    SUPTITLE_FONT_SIZE,
    TITLE_FONT_SIZE,
    WEIGHT_CMAP,
)

__all__ = [
    "MAX_GRID_IMAGES",
    "METHOD_LABELS",
    "AttributionGrid",
    "AttributionOverlay",
    "DeletionFigure",
    "DeletionPanel",
    "SanityFigure",
    "attribution_grid",
    "attribution_norm",
    "attribution_overlay",
    "deletion_curves",
    "deletion_figure",
    "grey_image",
    "sanity_figure",
]


METHOD_LABELS: Mapping[str, str] = {k: m.label for k, m in REGISTRY.items()}
"""How the figures name each method and control (from :data:`explainer.attribution.REGISTRY`)."""

METHOD_COLORS: Mapping[str, str] = {k: m.color for k, m in REGISTRY.items()}
"""One colour per method and control in the curve figures (from the registry)."""


def _row_label(name: str) -> str:
    """A method's label on two lines when long, so it fits beside a row of small maps."""
    return textwrap.fill(METHOD_LABELS.get(name, name), 12, break_long_words=False)


def _is_control(name: str) -> bool:
    return name in REGISTRY and REGISTRY[name].model_free


MAX_GRID_IMAGES = 6
"""Images :func:`attribution_grid` lays out in a figure of its own (the book's width)."""


def grey_image(image: np.ndarray) -> np.ndarray:
    """An image as grey values in 0–1 (luminance for RGB), by ``prepare_image``'s rule."""
    pixels = prepare_image(image)
    img = pixels.astype(np.float32) / 255.0 if pixels.dtype == np.uint8 else pixels
    if img.ndim == 3:
        img = img[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    return img


def attribution_norm(amap: np.ndarray, signed: bool, percentile: float = 99.5) -> Normalize:
    """The map's colour scale: ±(its ``percentile`` of ``|value|``) if signed, else 0 … that.

    A percentile instead of the maximum keeps one extreme pixel from washing out the rest.
    """
    a = np.abs(np.asarray(amap, dtype=np.float64))
    m = float(np.percentile(a, percentile)) if a.size else 0.0
    if not (m > 0 and np.isfinite(m)):
        m = float(a.max()) if a.size and np.isfinite(a.max()) and a.max() > 0 else 1.0
    return Normalize(vmin=-m, vmax=m) if signed else Normalize(vmin=0.0, vmax=m)


@dataclass
class AttributionOverlay:
    """What :func:`attribution_overlay` drew: the grey image and the map above it."""

    ax: Axes
    image: AxesImage
    heat: AxesImage
    norm: Normalize
    signed: bool


def attribution_overlay(
    image: np.ndarray,
    amap: np.ndarray,
    *,
    signed: bool,
    ax: Axes | None = None,
    norm: Normalize | None = None,
    title: str | None = None,
    title_color: str = "black",
) -> AttributionOverlay:
    """One map over its image: the image in grey (faded), the map with opacity ∝ ``|value|``."""
    ax = plt.gca() if ax is None else ax
    grey = grey_image(image)
    amap = np.asarray(amap, dtype=np.float32)
    if amap.shape != grey.shape:
        raise ValueError(f"map of shape {amap.shape} does not match the image {grey.shape}")
    norm = attribution_norm(amap, signed) if norm is None else norm
    base = ax.imshow(grey, cmap="gray", vmin=0, vmax=1, alpha=0.45, interpolation="nearest")
    reach = max(abs(norm.vmin or 0.0), abs(norm.vmax or 0.0)) or 1.0
    opacity = np.clip(np.abs(amap) / reach, 0, 1) ** 0.7 * 0.95
    heat = ax.imshow(
        amap,
        cmap=WEIGHT_CMAP if signed else SALIENCY_CMAP,
        norm=norm,
        alpha=opacity,
        interpolation="nearest",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=FONT_SIZE, color=title_color)
    return AttributionOverlay(ax=ax, image=base, heat=heat, norm=norm, signed=signed)


def _scale_bar(fig: Figure | SubFigure, cax: Axes, signed: bool) -> Colorbar:
    """A colorbar that shows the colours and the sign, not a number (each map has its own)."""
    norm = Normalize(-1, 1) if signed else Normalize(0, 1)
    mappable = ScalarMappable(norm=norm, cmap=WEIGHT_CMAP if signed else SALIENCY_CMAP)
    cbar = fig.colorbar(mappable, cax=cax)
    if signed:
        cbar.set_ticks([-1, 0, 1], labels=["−max", "0", "+max"])
    else:
        cbar.set_ticks([0, 1], labels=["0", "max"])
    cbar.ax.tick_params(labelsize=SMALL_FONT_SIZE)
    return cbar


@dataclass
class AttributionGrid:
    """What :func:`attribution_grid` drew: the images in the first row, a method per row."""

    figure: Figure | SubFigure
    axes: np.ndarray
    """(1 + methods, images) axes."""
    images: list[AxesImage]
    overlays: dict[str, list[AttributionOverlay]]
    colorbars: dict[str, Colorbar] = field(default_factory=dict)


def attribution_grid(
    images: np.ndarray | Sequence[np.ndarray],
    maps: Mapping[str, np.ndarray],
    *,
    titles: Sequence[str] | None = None,
    title_colors: Sequence[str] | None = None,
    signed: Mapping[str, bool] | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
) -> AttributionGrid:
    """A methods × images grid: the images on top, then one row of maps per method.

    ``maps`` is ``{method: (N, H, W)}`` in row order; ``signed`` says which are signed (by
    default :data:`explainer.attribution.SIGNED`). Each row ends with a colorbar of its scale.
    """
    images = list(images)
    n = len(images)
    if n == 0 or not maps:
        raise ValueError("attribution_grid needs at least one image and one method")
    for method, m in maps.items():
        if np.shape(m)[0] != n:
            raise ValueError(f"{method!r} has {np.shape(m)[0]} maps for {n} images")
    if fig is None and n > MAX_GRID_IMAGES:
        raise ValueError(
            f"attribution_grid fits {MAX_GRID_IMAGES} images legibly in the book's width, got "
            f"{n}: draw them in groups of {MAX_GRID_IMAGES}, or pass fig= a figure about "
            f"{1.25 * n + 1.9:.1f} inches wide (1.25 per image)"
        )
    signed = {**SIGNED, **(signed or {})}
    rows = 1 + len(maps)
    cell = min(1.25, (BOOK_WIDTH - 1.9) / n)
    if fig is None:
        fig = plt.figure(figsize=(BOOK_WIDTH, rows * cell * 1.12 + 0.7), layout="constrained")
    axes = fig.subplots(rows, n + 2, squeeze=False, width_ratios=[1.0] * n + [0.09, 0.55])
    shown = []
    for j, image in enumerate(images):
        shown.append(draw_image(image, ax=axes[0, j]))
        if titles is not None:
            color = title_colors[j] if title_colors is not None else "black"
            axes[0, j].set_title(titles[j], fontsize=FONT_SIZE, color=color)
    overlays: dict[str, list[AttributionOverlay]] = {}
    bars: dict[str, Colorbar] = {}
    for i, (method, m) in enumerate(maps.items(), start=1):
        overlays[method] = [
            attribution_overlay(images[j], m[j], signed=signed.get(method, False), ax=axes[i, j])
            for j in range(n)
        ]
        axes[i, 0].set_ylabel(_row_label(method), fontsize=FONT_SIZE)
        bars[method] = _scale_bar(fig, axes[i, n], signed.get(method, False))
    for i in range(rows):
        axes[i, n + 1].set_axis_off()
    axes[0, n].set_axis_off()
    if suptitle:
        fig.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return AttributionGrid(figure=fig, axes=axes, images=shown, overlays=overlays, colorbars=bars)


# --- deletion and insertion ---------------------------------------------------------------------


@dataclass
class DeletionPanel:
    """What :func:`deletion_curves` drew: one mean curve per method in one axes."""

    ax: Axes
    lines: dict[str, Line2D]
    """The curve of each method, in the order of ``curves``."""
    legend: Legend | None = None


def deletion_curves(
    curves: Mapping[str, Curves],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
) -> DeletionPanel:
    """Mean deletion or insertion curve per method, its area in the legend; controls dashed."""
    ax = plt.gca() if ax is None else ax
    lines: dict[str, Line2D] = {}
    kind = "deleted"
    for method, c in curves.items():
        kind = "deleted" if c.kind == "deletion" else "inserted"
        (line,) = ax.plot(
            c.fractions,
            c.mean,
            color=METHOD_COLORS.get(method),
            linestyle="--" if _is_control(method) else "-",
            linewidth=1.2 if _is_control(method) else 1.6,
            label=f"{METHOD_LABELS.get(method, method)} ({c.auc:.3f})",
        )
        lines[method] = line
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"share of pixels {kind}", fontsize=FONT_SIZE)
    ax.set_ylabel("probability of the predicted class", fontsize=FONT_SIZE)
    ax.tick_params(labelsize=SMALL_FONT_SIZE)
    ax.grid(alpha=0.3)
    box = None
    if legend:
        box = ax.legend(
            fontsize=SMALL_FONT_SIZE,
            title="method (area)",
            title_fontsize=SMALL_FONT_SIZE,
            frameon=False,
        )
    if title:
        ax.set_title(title, fontsize=TITLE_FONT_SIZE)
    return DeletionPanel(ax=ax, lines=lines, legend=box)


@dataclass
class DeletionFigure:
    """What :func:`deletion_figure` drew: one panel per set of curves."""

    figure: Figure | SubFigure
    axes: list[Axes]
    lines: dict[str, dict[str, Line2D]]


def deletion_figure(
    panels: Mapping[str, Mapping[str, Curves]],
    *,
    ncols: int | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
) -> DeletionFigure:
    """Deletion or insertion curves in a grid of panels (``{title: {method: curves}}``), at
    most ``ncols`` per row (default: all in one row); each panel has its own legend."""
    if not panels:
        raise ValueError("deletion_figure needs at least one panel")
    ncols = len(panels) if ncols is None else max(1, min(ncols, len(panels)))
    nrows = -(-len(panels) // ncols)
    if fig is None:
        fig = plt.figure(figsize=(BOOK_WIDTH, 3.9 * nrows + 0.3), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    axes = list(grid.ravel())
    lines = {
        name: deletion_curves(curves, ax=ax, title=name).lines
        for ax, (name, curves) in zip(axes, panels.items(), strict=False)
    }
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    for k, ax in enumerate(axes):
        if k % ncols:
            ax.set_ylabel("")
    if suptitle:
        fig.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return DeletionFigure(figure=fig, axes=axes[: len(panels)], lines=lines)


# --- sanity check -------------------------------------------------------------------------------


@dataclass
class SanityFigure:
    """What :func:`sanity_figure` drew: the correlation curves, then one network's maps."""

    figure: Figure | SubFigure
    curve_axes: list[Axes]
    lines: dict[str, dict[str, Line2D]]
    map_axes: np.ndarray
    overlays: dict[str, list[AttributionOverlay]]


def sanity_figure(
    checks: Mapping[str, SanityCheck],
    *,
    similarity: str = "spearman_support",
    image: np.ndarray | None = None,
    example: str | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
) -> SanityFigure:
    """Cascading randomisation: ``similarity`` of the maps with the trained ones per layer
    randomised, per network (the ``edges`` control dashed: it cannot change); below,
    for ``example`` (a key of ``checks``) and its first ``image``, each method's map as the
    layers lose their weights, from the trained network (left) to all layers random (right).
    """
    if not checks:
        raise ValueError("sanity_figure needs at least one check")
    example = (
        example if example is not None else (next(iter(checks)) if image is not None else None)
    )
    chosen = checks[example] if example is not None else None
    n_rows = len(chosen.examples) if chosen is not None else 0
    n_cols = len(chosen.layers) + 1 if chosen is not None else 0
    cell = (BOOK_WIDTH - 0.8) / max(n_cols, 1)
    maps_h = n_rows * cell * 1.05 + 0.5 if chosen is not None else 0.0
    if fig is None:
        fig = plt.figure(figsize=(BOOK_WIDTH, 3.3 + maps_h), layout="constrained")
    if chosen is not None:
        top, bottom = fig.subfigures(2, 1, height_ratios=[3.1, maps_h])
    else:
        top, bottom = fig, None
    curve_axes = list(top.subplots(1, len(checks), squeeze=False, sharey=True)[0])
    lines: dict[str, dict[str, Line2D]] = {}
    for ax, (name, check) in zip(curve_axes, checks.items(), strict=True):
        xs = np.arange(len(check.layers) + 1)
        lines[name] = {}
        for method, values in check.similarity[similarity].items():
            (line,) = ax.plot(
                xs,
                np.r_[1.0, values],
                marker="o",
                markersize=3,
                linestyle="--" if _is_control(method) else "-",
                color=METHOD_COLORS.get(method),
                label=METHOD_LABELS.get(method, method),
            )
            lines[name][method] = line
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(
            xs, ["trained", *check.layers], rotation=30, ha="right", fontsize=SMALL_FONT_SIZE
        )
        ax.set_ylim(-0.3, 1.05)
        ax.set_title(name, fontsize=TITLE_FONT_SIZE)
        ax.set_xlabel("randomised from the top down to", fontsize=FONT_SIZE)
        ax.tick_params(axis="y", labelsize=SMALL_FONT_SIZE)
        ax.grid(alpha=0.3)
    ylabel = {
        "spearman_support": "rank correlation with the\ntrained maps (on their support)",
        "spearman_signed": "rank correlation with\nthe trained maps (signed)",
        "ssim": "SSIM with the\ntrained maps",
    }.get(similarity, similarity)
    curve_axes[0].set_ylabel(ylabel, fontsize=FONT_SIZE)
    curve_axes[0].legend(fontsize=SMALL_FONT_SIZE, frameon=False, loc="lower left", ncols=2)
    overlays: dict[str, list[AttributionOverlay]] = {}
    map_axes = np.empty((0, 0), dtype=object)
    if chosen is not None and bottom is not None and image is not None:
        map_axes = bottom.subplots(n_rows, n_cols, squeeze=False)
        for i, (method, stack) in enumerate(chosen.examples.items()):
            signed = SIGNED.get(method, False)
            overlays[method] = [
                attribution_overlay(image, stack[k], signed=signed, ax=map_axes[i, k])
                for k in range(n_cols)
            ]
            map_axes[i, 0].set_ylabel(_row_label(method), fontsize=SMALL_FONT_SIZE)
        for k, label in enumerate(["trained", *chosen.layers]):
            map_axes[0, k].set_title(label if k == 0 else f"to {label}", fontsize=SMALL_FONT_SIZE)
        bottom.suptitle(
            f"{example}: one image's maps as the layers are randomised", fontsize=FONT_SIZE
        )
    if suptitle:
        fig.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return SanityFigure(
        figure=fig, curve_axes=curve_axes, lines=lines, map_axes=map_axes, overlays=overlays
    )
