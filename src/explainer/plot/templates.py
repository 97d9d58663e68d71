"""Dense weights read as pictures: class templates, a hidden layer's parts, top-k guesses.

A dense layer fed with raw pixels has one weight per pixel (and channel) for each of its units,
so each unit's weights can be put back into the image's shape and looked at. For a network
without a hidden layer these pictures are the "templates" the classes are matched against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.container import BarContainer
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation

from explainer.plot.grids import TileGrid, rgb_weights_for_display, symmetric_norm, tile_grid
from explainer.plot.images import draw_image
from explainer.plot.style import (
    CORRECT_COLOR,
    FONT_SIZE,
    MUTED_COLOR,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    TITLE_FONT_SIZE,
    WEIGHT_CMAP,
    WRONG_COLOR,
)

__all__ = [
    "ClassGrid",
    "HiddenLayerFigure",
    "TemplateCloseup",
    "TopKFigure",
    "class_grid",
    "hidden_layer_figure",
    "template_closeup",
    "template_grid",
    "top_k_figure",
]


def _unit_images(kernel: np.ndarray, image_shape: Sequence[int]) -> np.ndarray:
    """(n_inputs, n_units) → (n_units, *image_shape), checking that the sizes agree."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be (n_inputs, n_units); got shape {kernel.shape}")
    shape = tuple(int(s) for s in image_shape)
    if math.prod(shape) != kernel.shape[0]:
        raise ValueError(
            f"kernel has {kernel.shape[0]} inputs but image_shape {shape} has {math.prod(shape)}"
        )
    return kernel.T.reshape((kernel.shape[1], *shape))


def _is_rgb(shape: Sequence[int]) -> bool:
    return len(shape) == 3 and shape[-1] == 3


def template_grid(
    kernel: np.ndarray,
    image_shape: Sequence[int],
    *,
    class_names: Sequence[str] | None = None,
    fig: Figure | SubFigure | None = None,
    ncols: int | None = None,
    scale: Literal["shared", "per_tile"] = "shared",
    suptitle: str | None = None,
    tile_size: float = 1.0,
    fontsize: float = FONT_SIZE,
) -> TileGrid:
    """One picture per unit of a dense layer that reads raw pixels.

    Grey weights are drawn with :data:`~explainer.plot.WEIGHT_CMAP` on a scale centred at
    zero (red positive, blue negative) with a colorbar. Colour weights cannot use a colormap,
    so they are mapped by :func:`rgb_weights_for_display`: zero is mid-grey and each channel
    moves linearly towards 0 or 255 with the sign and size of its weight.

    Parameters
    ----------
    kernel
        The layer's ``(n_inputs, n_units)`` weights; ``n_inputs`` must equal the number of
        values in ``image_shape`` (in the order Keras' ``Flatten`` uses). A convolution kernel
        of shape ``(kh, kw, c, n)`` works too: pass ``kernel.reshape(-1, n)`` and
        ``image_shape=(kh, kw, c)``.
    image_shape
        ``(H, W)`` or ``(H, W, 1)`` for grey inputs, ``(H, W, 3)`` for colour.
    class_names
        Tile titles, one per unit (e.g. the class each output unit scores).
    scale
        ``"shared"`` (default): one scale for all tiles, so their strengths compare;
        ``"per_tile"``: each tile uses its own largest absolute weight.

    """
    units = _unit_images(kernel, image_shape)
    n = len(units)
    if class_names is not None and len(class_names) != n:
        raise ValueError(f"{len(class_names)} class names for {n} units")
    titles = list(class_names) if class_names is not None else None
    rgb = _is_rgb(tuple(image_shape))
    return tile_grid(
        rgb_weights_for_display(units, scale=scale) if rgb else units,
        ncols=ncols or min(n, 10),
        titles=titles,
        diverging=True,
        scale=scale,
        colorbar=scale == "shared" and not rgb,  # colour tiles have no one scale to show
        colorbar_label="weight",
        fig=fig,
        tile_size=tile_size,
        suptitle=suptitle,
        fontsize=fontsize,
    )


# --- one template, large --------------------------------------------------------------------


@dataclass
class TemplateCloseup:
    """What :func:`template_closeup` drew."""

    figure: Figure | SubFigure
    ax: Axes
    """The axes of the weights themselves."""
    image: AxesImage
    norm: Normalize
    colorbar: Colorbar
    reference_axes: list[Axes] = field(default_factory=list)
    reference_images: list[AxesImage] = field(default_factory=list)
    annotation: Annotation | None = None
    region_boxes: list[Rectangle] = field(default_factory=list)


def template_closeup(
    weights: np.ndarray,
    *,
    title: str,
    references: Sequence[tuple[str, np.ndarray]] = (),
    annotate_xy: tuple[float, float] | None = None,
    annotation: str | None = None,
    region: tuple[slice, slice] | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = TITLE_FONT_SIZE,
) -> TemplateCloseup:
    """One unit's grey weights drawn large, beside the pictures that explain them.

    ``references`` are ``(title, image)`` pairs shown to the left with a grey scale (e.g.
    the mean image of the class and of all other classes), so the reader can compare where
    the template is positive or negative with where the ink usually is. ``annotation`` is
    written under the reference pictures with an arrow to ``annotate_xy`` (column, row in
    pixels of the weights; the centre of ``region`` when omitted). ``region``, a pair of
    slices ``(rows, columns)`` as used to index the image, is outlined with a dashed box on
    every panel, so numbers computed over it can be found in the figure.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 3 and w.shape[-1] == 1:
        w = w[..., 0]
    if w.ndim != 2:
        raise ValueError(f"template_closeup needs (H, W) weights; got {w.shape}")
    n_ref = len(references)
    if fig is None:
        fig = plt.figure(figsize=(7.5, 4.2 if n_ref else 5.4), layout="constrained")
    widths = [1.0] * n_ref + [2.0]
    axes = fig.subplots(1, n_ref + 1, gridspec_kw={"width_ratios": widths})
    axes = list(np.atleast_1d(axes))
    ref_axes, ref_images = axes[:n_ref], []
    for ax, (name, img) in zip(ref_axes, references, strict=True):
        ref_images.append(draw_image(img, ax=ax))  # the one rule for input images
        ax.set_title(name, fontsize=fontsize)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = axes[-1]
    norm = symmetric_norm(w)
    image = ax.imshow(w, cmap=WEIGHT_CMAP, norm=norm, interpolation="nearest")
    ax.set_title(title, fontsize=fontsize + 1)
    ax.set_xticks([])
    ax.set_yticks([])
    cbar = fig.colorbar(image, ax=ax, shrink=0.85, pad=0.02)
    cbar.set_label("weight", fontsize=fontsize)
    cbar.ax.tick_params(labelsize=fontsize - 1)
    boxes = []
    if region is not None:
        rows, cols = region
        r0, r1, _ = rows.indices(w.shape[0])
        c0, c1, _ = cols.indices(w.shape[1])
        for a in [*ref_axes, ax]:
            box = Rectangle(
                (c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False, ec="0.2", lw=1.2, ls="--"
            )
            a.add_patch(box)
            boxes.append(box)
        if annotate_xy is None:
            annotate_xy = ((c0 + c1 - 1) / 2, (r0 + r1 - 1) / 2)
    note = None
    if annotation and annotate_xy is not None:
        x, y = annotate_xy
        h, wd = w.shape
        note = ax.annotate(
            annotation,
            xy=(x, y),
            xytext=(0.27 if n_ref else 0.5, 0.12),
            textcoords="figure fraction",
            ha="center",
            va="center",
            fontsize=fontsize - 1,
            arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.2},
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.6"},
        )
        note.set_in_layout(False)  # placed in figure space: it must not squeeze the axes
        ax.set_xlim(-0.5, wd - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return TemplateCloseup(
        figure=fig,
        ax=ax,
        image=image,
        norm=norm,
        colorbar=cbar,
        reference_axes=ref_axes,
        reference_images=ref_images,
        annotation=note,
        region_boxes=boxes,
    )


# --- a hidden layer: parts and how each class weighs them ----------------------------------


@dataclass
class HiddenLayerFigure:
    """What :func:`hidden_layer_figure` drew."""

    figure: Figure | SubFigure
    unit_axes: list[Axes]
    """Top row: one axes per hidden unit, showing its input weights."""
    unit_images: list[AxesImage]
    unit_norm: Normalize
    bar_axes: list[Axes]
    """One axes per output class, bars of its weights from the hidden units."""
    bars: list[BarContainer]
    colorbar: Colorbar | None = None


def hidden_layer_figure(
    hidden_kernel: np.ndarray,
    output_kernel: np.ndarray,
    image_shape: Sequence[int],
    *,
    class_names: Sequence[str] | None = None,
    unit_names: Sequence[str] | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = FONT_SIZE,
) -> HiddenLayerFigure:
    """The hidden units' input weights on top, each class's weights from them as bars below.

    Bar ``j`` of a class row sits under hidden unit ``j``'s picture: a tall red bar means the
    class's score rises when that unit fires, a blue bar that it falls. All bar rows share one
    symmetric y scale, so the rows compare. Grey inputs only (the pictures use the weight
    colormap); ``hidden_kernel`` is ``(n_inputs, n_hidden)``, ``output_kernel`` is
    ``(n_hidden, n_classes)``.
    """
    units = _unit_images(hidden_kernel, image_shape)
    if _is_rgb(tuple(image_shape)):
        raise ValueError("hidden_layer_figure draws grey inputs only")
    if units.ndim == 4:
        units = units[..., 0]
    out = np.asarray(output_kernel, dtype=np.float64)
    n_hidden = len(units)
    if out.ndim != 2 or out.shape[0] != n_hidden:
        raise ValueError(f"output_kernel must be ({n_hidden}, n_classes); got {out.shape}")
    n_classes = out.shape[1]
    names = list(class_names) if class_names is not None else [str(c) for c in range(n_classes)]
    if len(names) != n_classes:
        raise ValueError(f"{len(names)} class names for {n_classes} classes")
    unit_labels = list(unit_names) if unit_names is not None else [f"h{j}" for j in range(n_hidden)]

    if fig is None:
        fig = plt.figure(figsize=(7.5, 1.0 + 0.75 + 0.42 * n_classes), layout="constrained")
    grid = fig.add_gridspec(1 + n_classes, n_hidden, height_ratios=[1.9] + [1.0] * n_classes)
    unit_norm = symmetric_norm(units)
    unit_axes, unit_images = [], []
    for j in range(n_hidden):
        ax = fig.add_subplot(grid[0, j])
        unit_images.append(
            ax.imshow(units[j], cmap=WEIGHT_CMAP, norm=unit_norm, interpolation="nearest")
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(unit_labels[j], fontsize=fontsize)
        unit_axes.append(ax)

    m = float(np.max(np.abs(out))) or 1.0
    bar_axes, bars = [], []
    for c in range(n_classes):
        ax = fig.add_subplot(grid[1 + c, :])
        vals = out[:, c]
        colors = [POSITIVE_COLOR if v >= 0 else NEGATIVE_COLOR for v in vals]
        bars.append(ax.bar(np.arange(n_hidden), vals, width=0.6, color=colors))
        ax.axhline(0, color="0.3", lw=0.6)
        ax.set_xlim(-0.5, n_hidden - 0.5)
        ax.set_ylim(-1.08 * m, 1.08 * m)
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_ylabel(
            names[c], rotation=0, ha="right", va="center", fontsize=fontsize + 1, labelpad=4
        )
        bar_axes.append(ax)
    bar_axes[-1].set_xticks(np.arange(n_hidden), unit_labels, fontsize=fontsize)
    bar_axes[-1].spines["bottom"].set_visible(True)
    # The colorbar takes its width from every row alike, so bar j stays under picture j.
    cbar = fig.colorbar(
        unit_images[0],
        ax=[*unit_axes, *bar_axes],
        location="right",
        shrink=1.9 / (1.9 + n_classes),
        anchor=(0.0, 1.0),
        aspect=6,
        pad=0.01,
    )
    cbar.ax.tick_params(labelsize=fontsize - 1)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return HiddenLayerFigure(
        figure=fig,
        unit_axes=unit_axes,
        unit_images=unit_images,
        unit_norm=unit_norm,
        bar_axes=bar_axes,
        bars=bars,
        colorbar=cbar,
    )


# --- a few predictions with their top-k probabilities --------------------------------------


@dataclass
class TopKFigure:
    """What :func:`top_k_figure` drew."""

    figure: Figure | SubFigure
    image_axes: list[Axes]
    images: list[AxesImage]
    bar_axes: list[Axes]
    bars: list[BarContainer]
    top_classes: np.ndarray
    """(n_examples, k) class indices shown, most probable first."""


def _display_image(ax: Axes, img: np.ndarray) -> AxesImage:
    return draw_image(img, ax=ax, ticks=True)  # the one rule for input images


def top_k_figure(
    images: np.ndarray,
    proba: np.ndarray,
    y_true: np.ndarray,
    *,
    k: int = 3,
    class_names: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = FONT_SIZE,
) -> TopKFigure:
    """Each image above a bar chart of its ``k`` most probable classes.

    The bar of the true class is green, the network's (wrong) top answer red, other
    classes grey; the true class is named under the image even when it is not in the top ``k``.
    """
    images = np.asarray(images)
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    n = len(images)
    if proba.shape[0] != n or y_true.shape[0] != n:
        raise ValueError("images, proba and y_true must have the same length")
    if n == 0:
        raise ValueError("top_k_figure needs at least one example")
    n_classes = proba.shape[1]
    k = min(k, n_classes)
    names = list(class_names) if class_names is not None else [str(c) for c in range(n_classes)]
    top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    if fig is None:
        fig = plt.figure(figsize=(min(7.5, 1.9 * n), 3.6), layout="constrained")
    grid = fig.add_gridspec(2, n, height_ratios=[1.5, 1.0])
    image_axes, drawn, bar_axes, bars = [], [], [], []
    for i in range(n):
        ax = fig.add_subplot(grid[0, i])
        drawn.append(_display_image(ax, images[i]))
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=fontsize)
        ax.set_xlabel(f"true: {names[y_true[i]]}", fontsize=fontsize)
        image_axes.append(ax)

        bax = fig.add_subplot(grid[1, i])
        classes = top[i][::-1]  # most probable on top
        colors = [
            CORRECT_COLOR if c == y_true[i] else WRONG_COLOR if c == top[i][0] else MUTED_COLOR
            for c in classes
        ]
        bars.append(bax.barh(np.arange(k), proba[i, classes], color=colors, height=0.7))
        bax.set_yticks(np.arange(k), [names[c] for c in classes], fontsize=fontsize)
        bax.set_xlim(0, 1)
        bax.set_xticks([0, 0.5, 1], ["0", "0.5", "1"], fontsize=fontsize - 1)
        for side in ("top", "right"):
            bax.spines[side].set_visible(False)
        for y, c in enumerate(classes):
            p = proba[i, c]
            bax.text(
                min(p + 0.03, 0.97),
                y,
                f"{p:.0%}" if 0.01 <= p <= 0.99 else f"{p:.1%}",
                va="center",
                ha="left" if p < 0.8 else "right",
                fontsize=fontsize - 1,
                color="black" if p < 0.8 else "white",
            )
        bar_axes.append(bax)
    bar_axes[0].set_xlabel("probability", fontsize=fontsize)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return TopKFigure(
        figure=fig,
        image_axes=image_axes,
        images=drawn,
        bar_axes=bar_axes,
        bars=bars,
        top_classes=top,
    )


# --- a data set's classes, a few examples each ---------------------------------------------


@dataclass
class ClassGrid:
    """What :func:`class_grid` drew."""

    figure: Figure | SubFigure
    axes: np.ndarray
    """(n_classes, per_class) axes."""
    images: list[AxesImage]
    indices: np.ndarray
    """(n_classes, per_class) indices into ``x`` of the images shown."""


def class_grid(
    x: np.ndarray,
    y: np.ndarray,
    class_names: Sequence[str],
    *,
    per_class: int = 8,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = FONT_SIZE,
    tile_size: float = 0.75,
) -> ClassGrid:
    """One row per class with its first ``per_class`` images, the class named on the left.

    Taking the first images of each class (not hand-picked ones) shows the variety a
    classifier must cope with as it is.
    """
    y = np.asarray(y).reshape(-1)
    n_classes = len(class_names)
    indices = np.empty((n_classes, per_class), dtype=np.int64)
    for c in range(n_classes):
        found = np.flatnonzero(y == c)[:per_class]
        if len(found) < per_class:
            raise ValueError(f"class {class_names[c]!r} has only {len(found)} images")
        indices[c] = found
    if fig is None:
        fig = plt.figure(
            figsize=(per_class * tile_size + 1.0, n_classes * tile_size + 0.4),
            layout="constrained",
        )
    axes = fig.subplots(n_classes, per_class, squeeze=False)
    drawn = []
    for c in range(n_classes):
        for j in range(per_class):
            ax = axes[c, j]
            drawn.append(_display_image(ax, x[indices[c, j]]))
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[c, 0].set_ylabel(
            class_names[c], rotation=0, ha="right", va="center", fontsize=fontsize + 1
        )
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return ClassGrid(figure=fig, axes=axes, images=drawn, indices=indices)
