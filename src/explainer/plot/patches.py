"""What a unit wants, drawn: each channel's top patches from the data, and the optimised inputs
beside the real examples that excite the same unit most."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure, SubFigure
from matplotlib.text import Text
from matplotlib.transforms import offset_copy

from explainer.plot.grids import TileGrid, tile_grid
from explainer.plot.images import display_tiles
from explainer.plot.style import FONT_SIZE
from explainer.units import Patches

__all__ = [
    "TopPatchesFigure",
    "VisualisationFigure",
    "top_patches",
    "visualisation_beside_examples",
]


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
