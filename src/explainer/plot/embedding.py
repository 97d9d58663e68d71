"""Maps of a learned space: class-coloured points (t-SNE of a layer's activations) and the
thumbnail mosaic that puts the images themselves on the grid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.patches import Patch

from explainer.plot.images import display_tiles
from explainer.plot.style import CLASS_PALETTE, TITLE_FONT_SIZE
from explainer.units import grid_layout

__all__ = ["EmbeddingScatter", "ThumbnailMosaic", "embedding_scatter", "thumbnail_mosaic"]


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
