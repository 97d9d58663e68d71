"""What a unit wants: top patches per channel, optimised inputs beside real examples, and maps
of a learned space (class-coloured points and the thumbnail mosaic)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import offset_copy

from explainer.plot.grids import TileGrid, tile_grid
from explainer.plot.images import image_range
from explainer.plot.style import CLASS_PALETTE, FONT_SIZE, OUTSIDE_GREYS, TITLE_FONT_SIZE
from explainer.units import Patches, grid_layout

__all__ = [
    "EmbeddingScatter",
    "ThumbnailMosaic",
    "TopPatchesFigure",
    "VisualisationFigure",
    "display_tiles",
    "embedding_scatter",
    "thumbnail_mosaic",
    "top_patches",
    "visualisation_beside_examples",
]


def display_tiles(
    images: np.ndarray,
    inside: np.ndarray | None = None,
    *,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """Images ``(..., H, W)``, ``(..., H, W, 1)`` or ``(..., H, W, 3)`` as uint8 RGB tiles.

    uint8 images are shown as they are; float images are mapped from ``value_range`` to 0–255
    (default: :func:`explainer.plot.images.image_range` of the pixels inside, the rule of
    :func:`explainer.plot.prepare_image`: a fixed 0–1 or 0–255 scale when the values fit one).
    Pixels where ``inside`` is False (a receptive field that reaches past the image border)
    become a light checkerboard, the usual sign for "no picture here", so a patch at the border
    is not mistaken for a dark or bright one.
    """
    arr = np.asarray(images)
    if arr.ndim >= 3 and arr.shape[-1] in (1, 3):
        grey = arr.shape[-1] == 1
    else:
        arr = arr[..., np.newaxis]
        grey = True
    if arr.dtype != np.uint8:
        valid = arr if inside is None else arr[np.asarray(inside)]
        lo, hi = value_range or image_range(valid)
        span = hi - lo if hi > lo else 1.0
        arr = np.clip(np.round((arr.astype(np.float64) - lo) / span * 255), 0, 255).astype(np.uint8)
    rgb = np.repeat(arr, 3, axis=-1) if grey else arr.copy()
    if inside is not None:
        mask = ~np.asarray(inside, dtype=bool)
        h, w = mask.shape[-2:]
        rows, cols = np.indices((h, w))
        checker = np.where((rows // 2 + cols // 2) % 2 == 0, *OUTSIDE_GREYS).astype(np.uint8)
        rgb[mask] = np.broadcast_to(checker, mask.shape)[mask][:, None]
    return rgb


def _row_labels(grid: TileGrid, labels: Sequence[str], ncols: int, fontsize: float) -> list[Text]:
    texts = []
    for r, text in enumerate(labels):
        left, top, _, bottom = grid.boxes[r * ncols]
        texts.append(
            grid.ax.text(
                left - 0.15 * (bottom - top),
                (top + bottom) / 2,
                text,
                ha="right",
                va="center",
                fontsize=fontsize,
                clip_on=False,
            )
        )
    return texts


@dataclass
class TopPatchesFigure:
    """What :func:`top_patches` drew: one tile grid per block of channels."""

    figure: Figure | SubFigure
    grids: list[TileGrid]
    row_labels: list[Text] = field(default_factory=list)
    tiles: np.ndarray | None = None
    """(C, k, h, w, 3) uint8: what the tiles show."""


def top_patches(
    patches: Patches | np.ndarray,
    *,
    labels: Sequence[str] | None = None,
    blocks: int = 1,
    tile_size: float = 0.42,
    value_range: tuple[float, float] | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = FONT_SIZE,
) -> TopPatchesFigure:
    """Channels × top patches: row ``c`` shows the inputs that excite channel ``c`` most, best
    first (Zeiler & Fergus' picture).

    ``patches`` is a :class:`~explainer.units.Patches` of shape ``(C, k, ...)`` (pixels past
    the border drawn as a checkerboard) or a ``(C, k, h, w[, ch])`` array. ``blocks`` puts the
    channels in that many side-by-side blocks, so many channels fit the page's width. All
    patches share one grey or colour scale: they are pixels of the same data.
    """
    if isinstance(patches, Patches):
        images, inside = patches.images, patches.inside
    else:
        images, inside = np.asarray(patches), None
    if images.ndim < 4:
        raise ValueError(f"patches must be (channels, k, h, w[, c]), got shape {images.shape}")
    tiles = display_tiles(images, inside, value_range=value_range)
    n, k = tiles.shape[:2]
    labels = list(labels) if labels is not None else [f"ch {c}" for c in range(n)]
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} channels")
    blocks = max(1, min(int(blocks), n))
    per = -(-n // blocks)
    if fig is None:
        fig = plt.figure(
            figsize=(blocks * (k * tile_size * 1.08 + 0.55) + 0.1, per * tile_size * 1.08 + 0.55),
            layout="compressed",
        )
    subs = fig.subfigures(1, blocks, squeeze=False)[0] if blocks > 1 else [fig]
    drawn = TopPatchesFigure(figure=fig, grids=[], tiles=tiles)
    for b, sub in enumerate(subs):
        rows = range(b * per, min((b + 1) * per, n))
        if not len(rows):
            continue
        flat = tiles[rows.start : rows.stop].reshape(-1, *tiles.shape[2:])
        grid = tile_grid(flat, ncols=k, fig=sub, tile_size=tile_size, gap=0.08)
        drawn.grids.append(grid)
        drawn.row_labels += _row_labels(grid, labels[rows.start : rows.stop], k, fontsize)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 3)
    return drawn


@dataclass
class VisualisationFigure:
    """What :func:`visualisation_beside_examples` drew: one tile grid, a row per unit, the
    optimised input in the first column."""

    figure: Figure | SubFigure
    grid: TileGrid
    magnification: int
    """How many screen pixels per pixel the examples were enlarged by (nearest neighbour)."""
    row_labels: list[Text] = field(default_factory=list)
    headings: list[Text] = field(default_factory=list)


def visualisation_beside_examples(
    optimised: np.ndarray,
    examples: Patches | np.ndarray,
    *,
    labels: Sequence[str] | None = None,
    value_range: tuple[float, float] = (0.0, 255.0),
    tile_size: float = 0.6,
    headings: tuple[str, str] = ("optimised", "top real examples, best first"),
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = FONT_SIZE,
) -> VisualisationFigure:
    """For each unit, the input optimised to excite it (first column) beside its top real
    examples.

    ``optimised`` is ``(n, H, W, C)`` in ``value_range``; ``examples`` the ``(n, k, ...)``
    patches or images. Patches smaller than the optimised image (a first layer's field) are
    enlarged by a whole number of pixels, nearest neighbour, so every row lines up in one grid.
    """
    opt = display_tiles(np.asarray(optimised), value_range=value_range)
    if isinstance(examples, Patches):
        ex = display_tiles(examples.images, examples.inside)
    else:
        ex = display_tiles(np.asarray(examples))
    n, k = ex.shape[:2]
    if len(opt) != n:
        raise ValueError(f"{len(opt)} optimised images for {n} rows of examples")
    labels = list(labels) if labels is not None else [f"ch {c}" for c in range(n)]
    mag = max(1, min(opt.shape[1] // ex.shape[2], opt.shape[2] // ex.shape[3]))
    if mag > 1:
        ex = ex.repeat(mag, axis=2).repeat(mag, axis=3)
    tiles = [t for i in range(n) for t in (opt[i], *ex[i])]
    if fig is None:
        fig = plt.figure(
            figsize=((k + 1) * tile_size * 1.08 + 0.8, n * tile_size * 1.08 + 0.8),
            layout="compressed",
        )
    grid = tile_grid(tiles, ncols=k + 1, fig=fig, tile_size=tile_size, gap=0.1)
    out = VisualisationFigure(figure=fig, grid=grid, magnification=mag)
    out.row_labels = _row_labels(grid, labels, k + 1, fontsize)
    # The examples' heading is centred over their columns, clear of the optimised column's.
    top, x0, x1 = grid.boxes[0][1], grid.boxes[1][0], grid.boxes[k][2]
    above = offset_copy(grid.ax.transData, fig=grid.figure, x=0, y=2.0, units="points")
    out.headings = [
        grid.label(0, headings[0], fontsize=fontsize),
        grid.ax.text(
            (x0 + x1) / 2,
            top,
            headings[1],
            transform=above,
            ha="center",
            va="bottom",
            fontsize=fontsize,
            clip_on=False,
        ),
    ]
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 3)
    return out


@dataclass
class EmbeddingScatter:
    """What :func:`embedding_scatter` drew."""

    figure: Figure | SubFigure
    axes: list[Axes]
    scatters: list[list[PathCollection]]
    """Per panel, one scatter per class in class order."""
    legend: Legend | None = None


def embedding_scatter(
    embeddings: Mapping[str, np.ndarray],
    y: np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = TITLE_FONT_SIZE,
    size: float = 6,
    scatter_kw: Mapping[str, Any] | None = None,
) -> EmbeddingScatter:
    """2-D embeddings (one panel per entry, titled by its key), points coloured by class.

    t-SNE's axes have no units and its panels no common scale, so ticks are left off; one
    legend of class names serves every panel. ``scatter_kw`` goes to every ``Axes.scatter``.
    """
    y = np.asarray(y).reshape(-1)
    classes = np.unique(y)
    names = list(class_names) if class_names is not None else [str(c) for c in classes]
    if fig is None:
        fig = plt.figure(figsize=(3.7 * len(embeddings), 4.3), layout="constrained")
    axes = list(fig.subplots(1, len(embeddings), squeeze=False)[0])
    drawn: list[list[PathCollection]] = []
    for ax, (title, xy) in zip(axes, embeddings.items(), strict=True):
        xy = np.asarray(xy)
        if xy.shape != (len(y), 2):
            raise ValueError(f"embedding {title!r} is {xy.shape}, expected ({len(y)}, 2)")
        panel = []
        for c in classes:
            sel = y == c
            panel.append(
                ax.scatter(
                    xy[sel, 0],
                    xy[sel, 1],
                    **{
                        "s": size,
                        "color": CLASS_PALETTE[int(c) % len(CLASS_PALETTE)],
                        "label": names[int(c)] if int(c) < len(names) else str(c),
                        "linewidths": 0,
                        "alpha": 0.8,
                    }
                    | dict(scatter_kw or {}),
                )
            )
        drawn.append(panel)
        ax.set_title(title, fontsize=fontsize)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="datalim")
    legend = fig.legend(
        handles=drawn[0],
        loc="outside lower center",
        ncols=min(len(classes), 5),
        fontsize=fontsize - 1,
        markerscale=2.5,
        frameon=False,
    )
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return EmbeddingScatter(figure=fig, axes=axes, scatters=drawn, legend=legend)


@dataclass
class ThumbnailMosaic:
    """What :func:`thumbnail_mosaic` drew: one image made of thumbnails."""

    figure: Figure | SubFigure
    ax: Axes
    image: AxesImage
    layout: np.ndarray
    """Shape ``(rows, cols)``: index of the thumbnail in each cell, -1 where the cell is empty."""
    mosaic: np.ndarray
    """The composed (rows·cell, cols·cell, 3) uint8 picture."""
    legend: Legend | None = None


def thumbnail_mosaic(
    images: np.ndarray,
    xy: np.ndarray,
    *,
    n_cols: int = 24,
    y: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    frame: int = 1,
    ax: Axes | None = None,
    title: str | None = None,
    suptitle: str | None = None,
    fontsize: float = TITLE_FONT_SIZE,
) -> ThumbnailMosaic:
    """The images themselves placed by their 2-D position, snapped to a grid so none overlap
    (Karpathy's CS231n t-SNE picture; see :func:`explainer.units.grid_layout`).

    With labels ``y`` each thumbnail gets a ``frame``-pixel border in its class colour (the
    scatter's colours), so mixed neighbourhoods show at a glance. The mosaic is composed into
    one picture and drawn with a single ``imshow``: hundreds of thumbnails cost one artist.
    """
    tiles = display_tiles(np.asarray(images))
    xy = np.asarray(xy)
    if len(xy) != len(tiles):
        raise ValueError(f"{len(tiles)} images but {len(xy)} positions")
    layout = grid_layout(xy, n_cols)
    h, w = tiles.shape[1:3]
    pad = frame if y is not None else 0
    ch, cw = h + 2 * pad, w + 2 * pad
    rows, cols = layout.shape
    mosaic = np.full((rows * ch, cols * cw, 3), 255, dtype=np.uint8)
    labels = None if y is None else np.asarray(y).reshape(-1)
    for r in range(rows):
        for c in range(cols):
            j = layout[r, c]
            if j < 0:
                continue
            cell = mosaic[r * ch : (r + 1) * ch, c * cw : (c + 1) * cw]
            if labels is not None:
                rgb = np.asarray(CLASS_PALETTE[int(labels[j]) % len(CLASS_PALETTE)])
                cell[:] = np.round(rgb * 255).astype(np.uint8)
            cell[pad : pad + h, pad : pad + w] = tiles[j]
    if ax is None:
        fig = plt.figure(figsize=(7.6, 7.6 * rows / cols + 0.9), layout="constrained")
        ax = fig.add_subplot()
    image = ax.imshow(mosaic, interpolation="antialiased")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=fontsize)
    out = ThumbnailMosaic(figure=ax.figure, ax=ax, image=image, layout=layout, mosaic=mosaic)  # type: ignore[arg-type]
    if labels is not None:
        present = np.unique(labels)
        names = list(class_names) if class_names is not None else [str(c) for c in present]
        handles = [
            Patch(color=CLASS_PALETTE[int(c) % len(CLASS_PALETTE)], label=names[int(c)])
            for c in present
        ]
        out.legend = ax.figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(present), 5),
            fontsize=fontsize - 1,
            frameon=False,
        )
    if suptitle:
        ax.figure.suptitle(suptitle, fontsize=fontsize + 2)
    return out
