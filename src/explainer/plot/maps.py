"""Convolution filters, feature maps and mistakes: what a CNN sees, as tile grids.

All functions take NumPy arrays (kernels from :func:`explainer.probe.layer_weights`, maps from
:func:`explainer.probe.conv_stages` or :func:`explainer.probe.activations`) and work for any
Keras image model, not just the book's networks. Signed values (weights, maps before the
activation) are drawn with :data:`~explainer.plot.WEIGHT_CMAP` on a scale centred at zero;
non-negative maps (after a ReLU) in grey, black at zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.container import BarContainer
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.text import Text

from explainer.plot.grids import TileGrid, rgb_weights_for_display, symmetric_norm, tile_grid
from explainer.plot.images import draw_image
from explainer.plot.style import (
    FEATURE_CMAP,
    FONT_SIZE,
    OTHER_COLOR,
    PRED_LABEL_COLOR,
    SMALL_FONT_SIZE,
    SUPTITLE_FONT_SIZE,
    TITLE_FONT_SIZE,
    TRUE_LABEL_COLOR,
    WEIGHT_CMAP,
)
from explainer.plot.text import percent
from explainer.probe import ConvStages, most_confident_mistakes

__all__ = [
    "ConvStagesFigure",
    "FiltersComparison",
    "LayerMapsFigure",
    "MapsComparison",
    "MistakesGrid",
    "conv_stages_figure",
    "feature_maps",
    "filters_comparison",
    "filters_grid",
    "layer_maps_figure",
    "maps_comparison",
    "mistakes_grid",
    "probability_bars",
]


# --- helpers -------------------------------------------------------------------------------------


def _new_figure(width: float, height: float) -> Figure:
    return plt.figure(figsize=(width, height), layout="constrained")


def _default_ncols(n: int) -> int:
    return math.ceil(math.sqrt(n))


def _maps_norm(maps: np.ndarray, diverging: bool, percentile: float = 100.0) -> Normalize:
    """Zero-based (or zero-centred) scale up to the ``percentile`` of the values' magnitude."""
    if diverging:
        if percentile < 100 and np.size(maps):
            m = float(np.percentile(np.abs(maps), percentile))
            return symmetric_norm(np.array([m])) if m > 0 else symmetric_norm(maps)
        return symmetric_norm(maps)
    if percentile < 100 and np.size(maps) and np.any(maps > 0):
        hi = float(np.percentile(maps, percentile))
        hi = hi if hi > 0 else float(np.max(maps))
        return Normalize(vmin=min(0.0, float(np.min(maps))), vmax=hi)
    hi = float(np.max(maps)) if np.size(maps) else 1.0
    lo = min(0.0, float(np.min(maps))) if np.size(maps) else 0.0
    return Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1.0)


def _channels(maps: np.ndarray, name: str = "maps") -> np.ndarray:
    arr = np.asarray(maps, dtype=np.float32)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 3:
        raise ValueError(f"{name} must be one sample's (H, W, C) maps; got shape {arr.shape}")
    return np.moveaxis(arr, -1, 0)  # (C, H, W): one tile per channel


def _apply_norm(grid: TileGrid, norm: Normalize) -> None:
    """Put every tile of ``grid`` on ``norm``, so grids drawn separately share one scale."""
    for im in grid.images:
        im.set_norm(norm)
    grid.norms[:] = [norm] * len(grid.images)


def _show_image(ax: Axes, image: np.ndarray) -> AxesImage:
    return draw_image(image, ax=ax)  # the one rule for input images


def _label(names: Sequence[str] | None, k: int) -> str:
    return names[k] if names is not None and 0 <= k < len(names) else str(k)


# --- filters -------------------------------------------------------------------------------------


def filters_grid(
    kernel: np.ndarray,
    *,
    fig: Figure | SubFigure | None = None,
    ncols: int | None = None,
    titles: Sequence[str] | None = None,
    suptitle: str | None = None,
    colorbar: bool = True,
) -> TileGrid:
    """A Conv2D kernel ``(kh, kw, in, out)`` as one tile per filter.

    - 1 input channel: each filter's weights on one diverging scale centred at zero, shared by
      all tiles (so a strong filter looks strong) with a colorbar.
    - 3 input channels (RGB images): each filter as a colour tile, rescaled on its own as
      ``0.5 + w / (2 max|w|)`` per filter, so mid grey is a zero weight, a reddish pixel weights
      the red channel positively and a dark pixel weights all channels negatively. The
      per-filter scale shows every filter's pattern but not their relative strength; no colorbar.
    - Any other number of input channels: the mean over input channels, diverging as above.

    Tiles are titled with the filter's index unless ``titles`` says otherwise.
    """
    k = np.asarray(kernel, dtype=np.float32)
    if k.ndim != 4:
        raise ValueError(f"a Conv2D kernel has shape (kh, kw, in, out); got {k.shape}")
    n_in, n_out = k.shape[2], k.shape[3]
    titles = [str(i) for i in range(n_out)] if titles is None else list(titles)
    if n_in == 3:
        tiles = rgb_weights_for_display(np.moveaxis(k, -1, 0), scale="per_tile")
    else:
        tiles = np.moveaxis(k[:, :, 0, :] if n_in == 1 else k.mean(axis=2), -1, 0)
    return tile_grid(
        tiles,
        ncols=ncols,
        titles=titles,
        diverging=True,
        colorbar=colorbar and n_in != 3,  # colour tiles have no one scale to show
        colorbar_label="weight" if n_in == 1 else "mean weight over input channels",
        fig=fig,
        suptitle=suptitle,
        fontsize=FONT_SIZE,
    )


@dataclass
class FiltersComparison:
    """What :func:`filters_comparison` drew: one :class:`TileGrid` per kernel."""

    figure: Figure | SubFigure
    grids: list[TileGrid]


def filters_comparison(
    kernels: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    fig: Figure | SubFigure | None = None,
    ncols: int | None = None,
    suptitle: str | None = None,
) -> FiltersComparison:
    """Several kernels of the same shape side by side (e.g. before and after training).

    Each kernel is drawn by :func:`filters_grid` with its own colour scale and colorbar: the
    shapes compare directly, the strengths through the colorbars.
    """
    if len(kernels) != len(titles) or not kernels:
        raise ValueError("give one title per kernel, and at least one kernel")
    n_out = np.shape(kernels[0])[-1]
    nc = ncols or _default_ncols(n_out)
    nr = math.ceil(n_out / nc)
    if fig is None:
        fig = _new_figure(7.8, nr * 7.8 / (len(kernels) * (nc + 1.3)) * 1.2 + 0.8)
    subs = fig.subfigures(1, len(kernels))
    subs = np.atleast_1d(subs)
    grids = [
        filters_grid(k, fig=sub, ncols=nc, suptitle=t)
        for k, t, sub in zip(kernels, titles, subs, strict=True)
    ]
    for grid in grids:
        grid.figure.suptitle(grid.figure.get_suptitle(), fontsize=TITLE_FONT_SIZE)
    if suptitle:
        fig.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return FiltersComparison(figure=fig, grids=grids)


# --- feature maps ---------------------------------------------------------------------------------


def feature_maps(
    maps: np.ndarray,
    *,
    fig: Figure | SubFigure | None = None,
    ncols: int | None = None,
    diverging: bool | None = None,
    suptitle: str | None = None,
    titles: Sequence[str] | None = None,
    norm: Normalize | None = None,
    colorbar: bool = True,
    tile_size: float = 0.6,
) -> TileGrid:
    """One sample's ``(H, W, C)`` feature maps as ``C`` tiles on one shared colour scale.

    One scale for all tiles shows which filters respond strongly and which hardly at all.
    ``diverging`` defaults to "the maps have negative values" (before an activation): then
    :data:`WEIGHT_CMAP` centred at zero, else :data:`FEATURE_CMAP` from zero up. Pass ``norm``
    to put several grids on the same scale.
    """
    tiles = _channels(maps)
    if diverging is None:
        diverging = bool(np.min(tiles) < 0) if tiles.size else False
    norm = norm or _maps_norm(tiles, diverging)
    cmap = WEIGHT_CMAP if diverging else FEATURE_CMAP
    grid = tile_grid(
        tiles,
        ncols=ncols,
        titles=titles,
        cmap=cmap,
        diverging=diverging,
        colorbar=False,
        fig=fig,
        tile_size=tile_size,
        suptitle=suptitle,
        fontsize=FONT_SIZE,
    )
    _apply_norm(grid, norm)
    if colorbar:
        grid.colorbar = grid.figure.colorbar(
            grid.images[0], ax=grid.ax, shrink=0.8, aspect=30, pad=0.02
        )
        grid.colorbar.ax.tick_params(labelsize=FONT_SIZE)
    return grid


@dataclass
class ConvStagesFigure:
    """What :func:`conv_stages_figure` drew."""

    figure: Figure | SubFigure
    input_ax: Axes
    input_image: AxesImage
    grids: dict[str, TileGrid]
    """``"pre"``, ``"post"`` and (when there is a pooling layer) ``"pooled"``."""
    norm: Normalize
    """The one colour scale of all stages (centred at zero)."""
    colorbar: Colorbar | None = None


_STAGE_TITLES = {
    "pre": "1. convolution",
    "post": "2. after {act}",
    "pooled": "3. after pooling",
}


def conv_stages_figure(
    image: np.ndarray,
    stages: ConvStages,
    *,
    fig: Figure | SubFigure | None = None,
    ncols: int | None = None,
    image_title: str | None = None,
    suptitle: str | None = None,
) -> ConvStagesFigure:
    """The input on top, then the maps before the activation, after it and after pooling.

    ``stages`` is one sample of :class:`explainer.probe.ConvStages` (``stages.sample(i)``).
    The three grids sit side by side with the same tile layout, so filter ``k`` is at the same
    place in each, and share one colour scale centred at zero: what the activation removes
    (blue) and what pooling keeps can be read off directly. The scale runs to the largest value
    after the activation; larger negative values before it saturate in dark blue.
    """
    pre = _channels(stages.pre, "stages.pre")
    post = _channels(stages.post, "stages.post")
    pooled_raw = stages.pooled
    parts: dict[str, np.ndarray] = {"pre": pre, "post": post}
    if pooled_raw is not None:
        parts["pooled"] = _channels(pooled_raw, "stages.pooled")
    act = stages.activation
    act = "ReLU" if act.lower() == "relu" else act
    n = pre.shape[0]
    ncols = ncols or _default_ncols(n)
    nrows = math.ceil(n / ncols)

    tile = (7.8 - 0.6) / (len(parts) * ncols)  # inches per tile at the book's width
    grids_h = nrows * tile * 1.02 + 0.3
    if fig is None:
        fig = _new_figure(7.8, 1.8 + grids_h)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.4, grids_h])
    input_ax = top.subplots()
    input_image = _show_image(input_ax, image)
    if image_title:
        input_ax.set_title(image_title, fontsize=TITLE_FONT_SIZE)

    # The scale is set by the strongest response that survives the activation, so the maps
    # after it use the full colour range; stronger negative values saturate (the colorbar's
    # arrow says so).
    surviving = np.concatenate([p.ravel() for k, p in parts.items() if k != "pre"])
    norm = symmetric_norm(surviving if np.any(surviving) else pre)
    extend = "min" if float(pre.min()) < norm.vmin else "neither"
    panels = bottom.subfigures(1, len(parts) + 1, width_ratios=[1.0] * len(parts) + [0.22])
    grids: dict[str, TileGrid] = {}
    for (key, tiles), sub in zip(parts.items(), panels[:-1], strict=True):
        grid = tile_grid(
            tiles,
            ncols=ncols,
            diverging=True,
            fig=sub,
            suptitle=_STAGE_TITLES[key].format(act=act),
            fontsize=FONT_SIZE,
        )
        _apply_norm(grid, norm)
        grids[key] = grid
    cax = panels[-1].add_axes((0.08, 0.08, 0.2, 0.78))
    cbar = panels[-1].colorbar(grids["pre"].images[0], cax=cax, extend=extend)
    cbar.ax.tick_params(labelsize=FONT_SIZE)
    if suptitle:
        fig.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return ConvStagesFigure(
        figure=fig,
        input_ax=input_ax,
        input_image=input_image,
        grids=grids,
        norm=norm,
        colorbar=cbar,
    )


# --- comparing samples -------------------------------------------------------------------------


@dataclass
class MapsComparison:
    """What :func:`maps_comparison` drew: one panel (input + maps) per sample."""

    figure: Figure | SubFigure
    input_axes: list[Axes]
    grids: list[TileGrid]
    norm: Normalize
    colorbar: Colorbar | None = None
    titles: list[Text] = field(default_factory=list)


def maps_comparison(
    images: Sequence[np.ndarray],
    maps: Sequence[np.ndarray],
    *,
    titles: Sequence[str],
    title_colors: Sequence[str] | None = None,
    ncols: int | None = None,
    diverging: bool | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
) -> MapsComparison:
    """Several inputs side by side, each above its ``(H, W, C)`` feature maps.

    All panels share one colour scale and one tile layout, so the same filter sits at the same
    place in every panel: compare a misclassified input with a correctly classified one and see
    which filters respond differently.
    """
    if not (len(images) == len(maps) == len(titles)) or not images:
        raise ValueError("images, maps and titles must be non-empty and of the same length")
    tiles = [_channels(m) for m in maps]
    stacked = np.concatenate([t.ravel() for t in tiles])
    if diverging is None:
        diverging = bool(stacked.min() < 0)
    norm = _maps_norm(stacked, diverging)
    cmap = WEIGHT_CMAP if diverging else FEATURE_CMAP
    n = tiles[0].shape[0]
    ncols = ncols or _default_ncols(n)
    nrows = math.ceil(n / ncols)
    tile = (7.8 - 0.6) / (len(images) * ncols)
    grid_h = nrows * tile * 1.02
    if fig is None:
        fig = _new_figure(7.8, 1.7 + grid_h)
    panels = fig.subfigures(1, len(images) + 1, width_ratios=[1.0] * len(images) + [0.2])
    input_axes: list[Axes] = []
    grids: list[TileGrid] = []
    texts: list[Text] = []
    for i, (sub, image, t) in enumerate(zip(panels[:-1], images, tiles, strict=True)):
        top, bottom = sub.subfigures(2, 1, height_ratios=[1.25, grid_h])
        ax = top.subplots()
        _show_image(ax, image)
        color = title_colors[i] if title_colors is not None else "black"
        texts.append(ax.set_title(titles[i], fontsize=TITLE_FONT_SIZE, color=color))
        input_axes.append(ax)
        grid = tile_grid(
            t, ncols=ncols, cmap=cmap, diverging=diverging, fig=bottom, fontsize=FONT_SIZE
        )
        _apply_norm(grid, norm)
        grids.append(grid)
    cax = panels[-1].add_axes((0.08, 0.06, 0.22, 0.6))
    cbar = panels[-1].colorbar(grids[0].images[0], cax=cax)
    cbar.ax.tick_params(labelsize=FONT_SIZE)
    if suptitle:
        fig.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return MapsComparison(
        figure=fig, input_axes=input_axes, grids=grids, norm=norm, colorbar=cbar, titles=texts
    )


# --- mistakes ------------------------------------------------------------------------------------


@dataclass
class MistakesGrid(TileGrid):
    """What :func:`mistakes_grid` drew: a :class:`TileGrid` plus the two labels of each tile."""

    indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Which samples the tiles show, in order (indices into ``images``)."""
    true_texts: list[Text] = field(default_factory=list)
    """The true label of each tile (drawn in :data:`TRUE_LABEL_COLOR`)."""
    pred_texts: list[Text] = field(default_factory=list)
    """The predicted label of each tile (drawn in :data:`PRED_LABEL_COLOR`)."""
    confidence_texts: list[Text] = field(default_factory=list)
    """The predicted probability below each tile (short labels only; else it follows the
    predicted label)."""


def mistakes_grid(
    images: np.ndarray,
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    n: int = 40,
    class_names: Sequence[str] | None = None,
    ncols: int = 10,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    show_confidence: bool = True,
    tile_size: float = 0.75,
) -> MistakesGrid:
    """Misclassified inputs, the most confidently wrong first, with true and predicted labels.

    Each tile carries the true label in dark blue and, after an arrow, the predicted label in
    red, with the predicted probability when ``show_confidence``. Short labels (digits) share
    the line above the tile, the probability goes below it; longer class names go above (true)
    and below (predicted, then the probability on a second line) it.
    ``indices`` picks the tiles yourself; by default the first ``n`` of
    :func:`explainer.probe.most_confident_mistakes`. ``tile_size`` (inches) makes room for
    long class names.
    """
    y_true = np.asarray(y_true)
    proba = np.asarray(proba)
    if indices is None:
        idx = most_confident_mistakes(y_true, proba, n)
    else:
        idx = np.asarray(indices, dtype=np.int64)[:n]
    if len(idx) == 0:
        raise ValueError("no mistakes to show")
    pred = np.argmax(proba[idx], axis=1)
    conf = proba[idx, pred]
    true_labels = [_label(class_names, int(k)) for k in y_true[idx]]
    pred_labels = [_label(class_names, int(k)) for k in pred]
    short = max(len(s) for s in true_labels + pred_labels) <= 2
    ncols = min(ncols, len(idx))
    if short:
        lines = (1.0, 1.0 if show_confidence else 0.0)
    else:
        lines = (1.0, 2.0 if show_confidence else 1.0)
    grid = tile_grid(
        np.asarray(images)[idx],
        ncols=ncols,
        fig=fig,
        suptitle=suptitle,
        fontsize=FONT_SIZE,
        label_lines=lines,
        tile_size=tile_size,
    )
    true_texts: list[Text] = []
    pred_texts: list[Text] = []
    conf_texts: list[Text] = []
    for i, (t, p, c) in enumerate(zip(true_labels, pred_labels, conf, strict=True)):
        pred_text = f"→ {p}" + (f"\n{percent(c)}" if show_confidence and not short else "")
        if short:
            font = TITLE_FONT_SIZE
            true_texts.append(grid.label(i, t, loc="left", fontsize=font, color=TRUE_LABEL_COLOR))
            pred_texts.append(
                grid.label(i, pred_text, loc="right", fontsize=font, color=PRED_LABEL_COLOR)
            )
            if show_confidence:
                conf_texts.append(
                    grid.label(
                        i,
                        percent(c),
                        where="below",
                        fontsize=SMALL_FONT_SIZE,
                        color=PRED_LABEL_COLOR,
                    )
                )
        else:
            font = SMALL_FONT_SIZE
            true_texts.append(grid.label(i, t, fontsize=font, color=TRUE_LABEL_COLOR))
            pred_texts.append(
                grid.label(i, pred_text, where="below", fontsize=font, color=PRED_LABEL_COLOR)
            )
    return MistakesGrid(
        **{f.name: getattr(grid, f.name) for f in fields(TileGrid)},  # the grid as drawn
        indices=idx,
        true_texts=true_texts,
        pred_texts=pred_texts,
        confidence_texts=conf_texts,
    )


# --- a deeper network: maps of several layers, and what it thinks --------------------------------


def probability_bars(
    proba: np.ndarray,
    class_names: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = "class probabilities",
    bar_kw: Mapping[str, Any] | None = None,
) -> BarContainer:
    """One sample's class probabilities as horizontal bars, the most probable class in red.

    ``bar_kw`` goes to ``Axes.barh`` (e.g. ``{"height": 0.5}``)."""
    p = np.asarray(proba, dtype=np.float64).reshape(-1)
    ax = ax if ax is not None else plt.gca()
    names = [_label(class_names, k) for k in range(len(p))]
    top = int(np.argmax(p))
    colors = [OTHER_COLOR] * len(p)
    colors[top] = PRED_LABEL_COLOR
    ypos = np.arange(len(p))
    bars = ax.barh(ypos, p, **({"color": colors, "height": 0.7} | dict(bar_kw or {})))
    ax.set_yticks(ypos, names, fontsize=FONT_SIZE)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.tick_params(axis="x", labelsize=FONT_SIZE)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    inside = p[top] >= 0.8  # a long bar carries its label inside, in white
    ax.text(
        p[top] - 0.02 if inside else p[top] + 0.02,
        top,
        percent(p[top]),
        va="center",
        ha="right" if inside else "left",
        fontsize=FONT_SIZE,
        color="white" if inside else "black",
    )
    if title:
        ax.set_title(title, fontsize=TITLE_FONT_SIZE)
    return bars


@dataclass
class LayerMapsFigure:
    """What :func:`layer_maps_figure` drew."""

    figure: Figure | SubFigure
    input_ax: Axes
    grids: dict[str, TileGrid]
    norms: dict[str, Normalize]
    """The colour scale of each layer's grid (pass them back to compare two inputs)."""
    proba_ax: Axes | None = None
    bars: BarContainer | None = None


def layer_maps_figure(
    image: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    proba: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    norms: Mapping[str, Normalize] | None = None,
    ncols: int = 8,
    percentile: float = 99.5,
    image_title: str | None = None,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
) -> LayerMapsFigure:
    """An input, its class probabilities, and the feature maps of several layers.

    ``maps`` maps layer names to one sample's ``(H, W, C)`` outputs (e.g. from
    :func:`explainer.probe.activations`), drawn two grids per row. Each layer has its own
    colour scale (layers' value ranges differ a lot) that ends at the ``percentile`` of its
    values, so a few extreme pixels do not leave every other map black (they saturate
    instead). Pass the ``norms`` returned for one input when drawing another, so the same layer
    is on the same scale in both figures.
    """
    if not maps:
        raise ValueError("maps must name at least one layer")
    tiles = {name: _channels(m, name) for name, m in maps.items()}
    names = list(tiles)
    grid_rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    row_heights = [max(math.ceil(tiles[n].shape[0] / ncols) for n in row) for row in grid_rows]
    if fig is None:
        fig = _new_figure(7.8, 2.2 + sum(h * 0.5 + 0.35 for h in row_heights))
    subs = fig.subfigures(
        1 + len(grid_rows), 1, height_ratios=[2.0] + [h * 0.5 + 0.35 for h in row_heights]
    )
    head = subs[0]
    if proba is not None:
        ax_img, ax_p = head.subplots(1, 2, width_ratios=[1, 1.6])
    else:
        ax_img, ax_p = head.subplots(), None
    _show_image(ax_img, image)
    if image_title:
        ax_img.set_title(image_title, fontsize=TITLE_FONT_SIZE)
    bars = probability_bars(proba, class_names, ax=ax_p) if ax_p is not None else None

    grids: dict[str, TileGrid] = {}
    used: dict[str, Normalize] = {}
    for row, sub in zip(grid_rows, subs[1:], strict=True):
        cells = sub.subfigures(1, 2) if len(row) == 2 else [sub]
        for name, cell in zip(row, cells, strict=False):
            t = tiles[name]
            diverging = bool(t.min() < 0)
            norm = (norms or {}).get(name) or _maps_norm(t, diverging, percentile)
            grid = tile_grid(
                t,
                ncols=min(ncols, t.shape[0]),
                cmap=WEIGHT_CMAP if diverging else FEATURE_CMAP,
                diverging=diverging,
                fig=cell,
                suptitle=f"{name}: {t.shape[0]} maps of {t.shape[1]}×{t.shape[2]}",
                fontsize=FONT_SIZE,
            )
            _apply_norm(grid, norm)
            grids[name] = grid
            used[name] = norm
    if suptitle:
        fig.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return LayerMapsFigure(
        figure=fig, input_ax=ax_img, grids=grids, norms=used, proba_ax=ax_p, bars=bars
    )
