"""Tile grids: many small images in one figure, like the classic ``vis_square``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.text import Text
from matplotlib.transforms import offset_copy

from explainer.plot.images import prepare_image
from explainer.plot.style import FONT_SIZE, MIN_FONT_SIZE, WEIGHT_CMAP

__all__ = ["TileGrid", "rgb_weights_for_display", "symmetric_norm", "tile_grid"]


def symmetric_norm(values: np.ndarray) -> Normalize:
    """A colour scale from -m to +m, m the largest absolute value: zero sits in the middle."""
    m = float(np.max(np.abs(values))) if np.size(values) else 1.0
    m = m if m > 0 and np.isfinite(m) else 1.0
    return Normalize(vmin=-m, vmax=m)


def rgb_weights_for_display(
    weights: np.ndarray, *, scale: Literal["shared", "per_tile"] = "shared"
) -> np.ndarray:
    """Map signed RGB weights to displayable uint8 colours with zero at mid-grey.

    Each channel's weight ``w`` becomes ``0.5 + 0.5 * w / m``, where ``m`` is the largest
    absolute weight over all templates (``"shared"``) or over the template itself
    (``"per_tile"``). A zero weight is therefore mid-grey, a pixel whose red weights are
    positive looks reddish, and one whose weights are negative in every channel looks dark:
    the picture is a linear, zero-centred view of the weights, not a photo.

    ``weights`` is ``(N, H, W, 3)``; returns ``(N, H, W, 3)`` uint8.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4 or w.shape[-1] != 3:
        raise ValueError(f"expected (N, H, W, 3) weights; got shape {w.shape}")
    if scale not in ("shared", "per_tile"):
        raise ValueError(f"scale must be 'shared' or 'per_tile'; got {scale!r}")
    if scale == "shared":
        m = np.full((len(w), 1, 1, 1), np.max(np.abs(w)) if w.size else 1.0)
    else:
        m = np.max(np.abs(w), axis=(1, 2, 3), keepdims=True)
    m = np.where(m > 0, m, 1.0)
    shown = 0.5 + 0.5 * w / m
    return np.round(np.clip(shown, 0.0, 1.0) * 255).astype(np.uint8)


@dataclass
class TileGrid:
    """What :func:`tile_grid` drew: all tiles in one axes, one image per tile.

    One axes for the whole grid, not one per tile: matplotlib spends most of a figure's time on
    each axes' ticks, spines and layout, and the book draws over a thousand tiles.
    """

    figure: Figure | SubFigure
    ax: Axes
    """The one axes (axis lines off) that holds every tile, in data units of tile pixels."""
    images: list[AxesImage]
    """One image per tile, in reading order."""
    norms: list[Normalize | None] = field(default_factory=list)
    """The colour scale of each tile (``None`` for RGB tiles)."""
    colorbar: Colorbar | None = None
    titles: list[Text] = field(default_factory=list)
    """The title above each tile (empty when no titles were given)."""
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    """Each tile's ``(left, top, right, bottom)`` in the axes' data coordinates (y points down)."""
    frames: LineCollection | None = None
    """The thin outline of every tile (one artist for all), so pale tiles keep their edges."""

    def label(
        self,
        index: int,
        text: str,
        *,
        where: Literal["above", "below"] = "above",
        loc: Literal["left", "center", "right"] = "center",
        color: str = "black",
        fontsize: float = FONT_SIZE,
        pad: float = 2.0,
    ) -> Text:
        """Write ``text`` just above or below tile ``index``, ``pad`` points from its edge.

        :func:`tile_grid` leaves room for it when asked (``label_lines``).
        """
        left, top, right, bottom = self.boxes[index]
        x = {"left": left, "center": (left + right) / 2, "right": right}[loc]
        above = where == "above"
        offset = offset_copy(
            self.ax.transData, fig=self.figure, x=0, y=pad if above else -pad, units="points"
        )
        return self.ax.text(
            x,
            top if above else bottom,
            text,
            transform=offset,
            ha=loc,
            va="bottom" if above else "top",
            fontsize=fontsize,
            color=color,
            clip_on=False,
        )


def _as_tiles(images: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    tiles = []
    for img in images:
        arr = np.asarray(img)
        if arr.ndim == 3 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
            raise ValueError(f"tiles must be (H, W), (H, W, 1) or (H, W, 3); got {arr.shape}")
        tiles.append(arr)
    return tiles


def _title_size(
    fig: Figure | SubFigure, titles: Sequence[str], fontsize: float, width_pt: float, ncols: int
) -> float:
    """The font size at which the widest title fits its tile's width (``width_pt`` points),
    at most ``fontsize``; refuses when even :data:`MIN_FONT_SIZE` would overlap the next tile."""
    if ncols == 1 or not titles:
        return fontsize
    renderer = fig.figure.canvas.get_renderer()
    probe = Text(0, 0, "", fontsize=fontsize, figure=fig.figure)
    widest, longest = 0.0, ""
    for title in titles:
        for line in str(title).split("\n"):
            probe.set_text(line)
            width = probe.get_window_extent(renderer).width * 72 / fig.figure.dpi
            if width > widest:
                widest, longest = width, line
    if widest <= width_pt:
        return fontsize
    size = fontsize * width_pt / widest
    if size < MIN_FONT_SIZE:
        raise ValueError(
            f"tile_grid: the title {longest!r} is {widest:.0f} pt wide at {fontsize:g} pt, but a "
            f"tile is {width_pt:.0f} pt wide ({ncols} columns of {len(titles)} tiles): even at "
            f"{MIN_FONT_SIZE} pt it would overlap its neighbour. Use fewer columns (ncols=), a "
            "larger tile_size= or shorter titles"
        )
    return size


def tile_grid(
    images: np.ndarray | Sequence[np.ndarray],
    *,
    ncols: int | None = None,
    titles: Sequence[str] | None = None,
    title_colors: Sequence[str] | None = None,
    cmap: str | None = None,
    diverging: bool = False,
    scale: Literal["shared", "per_tile"] = "shared",
    colorbar: bool = False,
    colorbar_label: str | None = None,
    fig: Figure | SubFigure | None = None,
    tile_size: float = 0.75,
    suptitle: str | None = None,
    fontsize: float = FONT_SIZE,
    label_lines: tuple[float, float] | None = None,
    gap: float = 0.08,
    frame: bool = True,
    imshow_kw: Mapping[str, Any] | None = None,
) -> TileGrid:
    """Draw ``images`` as a grid of small tiles and return the artists.

    Any number of tiles is laid out legibly: titles wider than a tile are set smaller, down to
    :data:`~explainer.plot.style.MIN_FONT_SIZE`; titles that would still overlap are refused
    with a message (fewer columns, a larger ``tile_size`` or shorter titles fix it).

    Parameters
    ----------
    images
        ``(N, H, W)``, ``(N, H, W, 1)`` grey or ``(N, H, W, 3)`` RGB tiles.
    diverging
        Weights and other signed values: :data:`WEIGHT_CMAP` with a scale centred at zero.
    scale
        ``"shared"``: one colour scale for all tiles, so tiles compare; ``"per_tile"``: each
        tile stretched to its own range, so faint tiles still show their pattern. Applies to
        float grey tiles (maps, weights); RGB tiles and uint8 grey tiles are images, drawn by
        the one image rule of :func:`explainer.plot.prepare_image` whatever ``scale`` says.
    fig
        Figure or SubFigure to draw in; a new figure sized from ``ncols`` and ``tile_size``
        when omitted.
    tile_size
        Inches per tile: the size of a new figure, and the scale at which room for labels is
        reserved (so pass the tiles' real size when drawing into a given ``fig``).
    label_lines
        Lines of text to leave room for above and below every tile (for
        :meth:`TileGrid.label`); one line above when there are ``titles``, else none.
    gap
        Space between tiles, as a fraction of a tile.
    frame
        Outline every tile with a thin black line, like the edge of an axes.
    imshow_kw
        Passed to every tile's ``Axes.imshow`` (e.g. ``{"interpolation": "bilinear"}``).
    """
    tiles = _as_tiles(images)
    n = len(tiles)
    if n == 0:
        raise ValueError("tile_grid needs at least one image")
    ncols = min(ncols or math.ceil(math.sqrt(n)), n)
    nrows = math.ceil(n / ncols)
    above_lines, below_lines = label_lines or ((1.0, 0.0) if titles is not None else (0.0, 0.0))

    # Layout in data units (tile pixels): cells of the largest tile, a gap between cells, and
    # room for text lines above and below each row, converted from points at ``tile_size``.
    cell_w = max(t.shape[1] for t in tiles)
    cell_h = max(t.shape[0] for t in tiles)
    per_inch = cell_h / tile_size
    line = (fontsize * 1.25 + 2.0) / 72 * per_inch
    above, below = above_lines * line, below_lines * line
    space = gap * max(cell_w, cell_h)
    pitch_x = cell_w + space
    pitch_y = above + cell_h + below + space
    width = ncols * pitch_x - space
    height = nrows * pitch_y - space

    if fig is None:
        extra = 0.75 if colorbar else 0.0
        fig = plt.figure(
            figsize=(
                width / per_inch + extra + 0.1,
                height / per_inch + (0.4 if suptitle else 0.1),
            ),
            layout="compressed",
        )
    ax = fig.add_subplot()
    ax.set_axis_off()

    # uint8 grey tiles are input images (fixed 0-255 scale), unless drawn as signed data.
    as_image = [
        t.ndim == 3 or (t.dtype == np.uint8 and not diverging and cmap is None) for t in tiles
    ]
    grey = [t for t, image in zip(tiles, as_image, strict=True) if not image]
    shared_norm: Normalize | None = None
    if grey and scale == "shared":
        stacked = np.concatenate([t.ravel() for t in grey]).astype(np.float64)
        if diverging:
            shared_norm = symmetric_norm(stacked)
        else:
            shared_norm = Normalize(vmin=float(stacked.min()), vmax=float(stacked.max()))
    cmap = cmap or (WEIGHT_CMAP if diverging else "gray")
    extra_kw = dict(imshow_kw or {})
    drawn: list[AxesImage] = []
    norms: list[Normalize | None] = []
    boxes: list[tuple[float, float, float, float]] = []
    for i, tile in enumerate(tiles):
        row, col = divmod(i, ncols)
        h, w = tile.shape[:2]
        left = col * pitch_x + (cell_w - w) / 2
        top = row * pitch_y + above + (cell_h - h) / 2
        extent = (left, left + w, top + h, top)
        if as_image[i]:
            pixels = prepare_image(tile)  # the one rule for input images
            white = 255 if pixels.dtype == np.uint8 else 1
            grey_kw = {"cmap": "gray", "vmin": 0, "vmax": white} if pixels.ndim == 2 else {}
            im = ax.imshow(
                pixels, **({"interpolation": "nearest"} | grey_kw | extra_kw), extent=extent
            )
            norms.append(im.norm if pixels.ndim == 2 else None)
        else:
            norm = shared_norm
            if norm is None:
                norm = (
                    symmetric_norm(tile)
                    if diverging
                    else Normalize(vmin=float(tile.min()), vmax=float(tile.max()))
                )
            kw = {"cmap": cmap, "norm": norm, "interpolation": "nearest"} | extra_kw
            im = ax.imshow(tile, **kw, extent=extent)
            norms.append(norm)
        drawn.append(im)
        boxes.append((left, top, left + w, top + h))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.set_anchor("N")  # spare height goes below the tiles, not between them and the title

    grid = TileGrid(figure=fig, ax=ax, images=drawn, norms=norms, boxes=boxes)
    if frame:
        outlines = [[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)] for x0, y0, x1, y1 in boxes]
        grid.frames = ax.add_collection(
            LineCollection(
                outlines, colors="black", linewidths=0.8, joinstyle="miter", clip_on=False
            ),
            autolim=False,
        )
    if titles is not None:
        size = _title_size(fig, titles[:n], fontsize, pitch_x / per_inch * 72, ncols)
        for i, title in enumerate(titles[:n]):
            color = title_colors[i] if title_colors is not None else "black"
            grid.titles.append(grid.label(i, title, color=color, fontsize=size))
    if colorbar and shared_norm is not None:
        cbar = fig.colorbar(drawn[0], ax=ax, shrink=0.8, aspect=30, pad=0.02)
        if colorbar_label:
            cbar.set_label(colorbar_label, fontsize=fontsize)
        cbar.ax.tick_params(labelsize=fontsize)
        grid.colorbar = cbar
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 3)
    return grid
