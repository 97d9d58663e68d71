"""Tile grids: many small images in one figure, like the classic ``vis_square``."""

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
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage

__all__ = ["WEIGHT_CMAP", "TileGrid", "symmetric_norm", "tile_grid"]

WEIGHT_CMAP = "RdBu_r"
"""Diverging colormap for weights: red positive, blue negative, white at zero."""


def symmetric_norm(values: np.ndarray) -> Normalize:
    """A colour scale from -m to +m, m the largest absolute value: zero sits in the middle."""
    m = float(np.max(np.abs(values))) if np.size(values) else 1.0
    m = m if m > 0 and np.isfinite(m) else 1.0
    return Normalize(vmin=-m, vmax=m)


@dataclass
class TileGrid:
    """What :func:`tile_grid` drew."""

    figure: Figure | SubFigure
    axes: list[Axes]
    """One axes per tile, in reading order (unused grid cells are removed)."""
    images: list[AxesImage]
    norms: list[Normalize | None] = field(default_factory=list)
    """The colour scale of each tile (``None`` for RGB tiles)."""
    colorbar: Colorbar | None = None


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


def _rgb_for_display(tile: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    if tile.dtype == np.uint8:
        return tile
    lo = float(tile.min()) if lo is None else lo
    hi = float(tile.max()) if hi is None else hi
    span = hi - lo if hi > lo else 1.0
    return np.clip((tile.astype(np.float32) - lo) / span, 0.0, 1.0)


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
    fontsize: float = 9,
) -> TileGrid:
    """Draw ``images`` as a grid of small tiles and return the artists.

    Parameters
    ----------
    images
        ``(N, H, W)``, ``(N, H, W, 1)`` grey or ``(N, H, W, 3)`` RGB tiles.
    diverging
        Weights and other signed values: :data:`WEIGHT_CMAP` with a scale centred at zero.
    scale
        ``"shared"``: one colour scale for all tiles, so tiles compare; ``"per_tile"``: each
        tile stretched to its own range, so faint tiles still show their pattern. RGB float
        tiles are min-max rescaled to [0, 1] over the same span.
    fig
        Figure or SubFigure to draw in; a new figure sized from ``ncols`` and ``tile_size``
        when omitted.
    """
    tiles = _as_tiles(images)
    n = len(tiles)
    if n == 0:
        raise ValueError("tile_grid needs at least one image")
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    if fig is None:
        extra = 0.6 if colorbar else 0.0
        title_h = 0.22 if titles is not None else 0.0
        fig = plt.figure(
            figsize=(ncols * tile_size + extra, nrows * (tile_size + title_h) + 0.4),
            layout="constrained",
        )
    axes_grid = fig.subplots(nrows, ncols, squeeze=False)
    flat = list(axes_grid.ravel())
    for ax in flat[n:]:
        ax.remove()
    axes = flat[:n]

    grey = [t for t in tiles if t.ndim == 2]
    colour = [t for t in tiles if t.ndim == 3]
    shared_norm: Normalize | None = None
    if grey and scale == "shared":
        stacked = np.concatenate([t.ravel() for t in grey]).astype(np.float64)
        if diverging:
            shared_norm = symmetric_norm(stacked)
        else:
            shared_norm = Normalize(vmin=float(stacked.min()), vmax=float(stacked.max()))
    rgb_lo = rgb_hi = None
    if colour and scale == "shared" and all(t.dtype != np.uint8 for t in colour):
        rgb_lo = float(min(t.min() for t in colour))
        rgb_hi = float(max(t.max() for t in colour))

    cmap = cmap or (WEIGHT_CMAP if diverging else "gray")
    drawn: list[AxesImage] = []
    norms: list[Normalize | None] = []
    for i, (ax, tile) in enumerate(zip(axes, tiles, strict=True)):
        if tile.ndim == 3:
            im = ax.imshow(_rgb_for_display(tile, rgb_lo, rgb_hi), interpolation="nearest")
            norms.append(None)
        else:
            norm = shared_norm
            if norm is None:
                norm = (
                    symmetric_norm(tile)
                    if diverging
                    else Normalize(vmin=float(tile.min()), vmax=float(tile.max()))
                )
            im = ax.imshow(tile, cmap=cmap, norm=norm, interpolation="nearest")
            norms.append(norm)
        drawn.append(im)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None and i < len(titles):
            color = title_colors[i] if title_colors is not None else "black"
            ax.set_title(titles[i], fontsize=fontsize, color=color, pad=2)

    cbar = None
    if colorbar and shared_norm is not None:
        cbar = fig.colorbar(drawn[0], ax=axes, shrink=0.8, aspect=30, pad=0.02)
        if colorbar_label:
            cbar.set_label(colorbar_label, fontsize=fontsize)
        cbar.ax.tick_params(labelsize=fontsize)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 3)
    return TileGrid(figure=fig, axes=axes, images=drawn, norms=norms, colorbar=cbar)
