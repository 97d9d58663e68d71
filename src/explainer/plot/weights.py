"""Dense-layer weights as pictures: heat maps with per-input bars, and weight histograms.

A dense kernel of shape (inputs, units) is drawn with the inputs as rows, so a row that goes
white is an input the layer has stopped listening to. Under the heat map a bar chart gives the
mean ``|w|`` of each input: the row's verdict in one number. Several kernels drawn together
share one colour scale and one bar axis, because the point is always to compare them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.colors import LogNorm, Normalize
from matplotlib.container import BarContainer
from matplotlib.figure import Figure, SubFigure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.patches import Polygon

from explainer.plot.grids import symmetric_norm
from explainer.plot.style import (
    HISTOGRAM_COLORS,
    INFORMATIVE_COLOR,
    LARGE_FONT_SIZE,
    MAGNITUDE_CMAP,
    OTHER_COLOR,
    WEIGHT_CMAP,
)

__all__ = [
    "BeforeAfterHistograms",
    "InputMaps",
    "WeightHistograms",
    "WeightMapPanel",
    "WeightMaps",
    "before_after_histograms",
    "input_maps",
    "magnitude_norm",
    "mean_abs_limits",
    "weight_histograms",
    "weight_maps",
]


def magnitude_norm(
    kernels: Iterable[np.ndarray], *, log: bool = False, floor: float = 1e-4
) -> Normalize:
    """One colour scale for ``|w|`` of all ``kernels``: 0 (or ``floor`` when ``log``) to the max.

    Compute it once over every variant a chapter shows and pass it to each :func:`weight_maps`
    call, so equal colours mean equal weights across figures.
    """
    peak = 0.0
    for k in kernels:
        a = np.abs(np.asarray(k, dtype=np.float64))
        if a.size:
            peak = max(peak, float(np.nanmax(a)))
    if not np.isfinite(peak) or peak <= 0:
        peak = 1.0
    if log:
        return LogNorm(vmin=floor, vmax=max(peak, floor * 10))
    return Normalize(vmin=0.0, vmax=peak)


def mean_abs_limits(kernels: Iterable[np.ndarray], *, log: bool = False) -> tuple[float, float]:
    """A bar-axis range that fits the mean ``|w|`` per input (row) of every kernel.

    Pass it as ``bar_limits`` to every :func:`weight_maps` call that should compare.
    """
    means = [np.abs(np.asarray(k, dtype=np.float64)).mean(axis=1) for k in kernels]
    top = max((float(m.max()) for m in means if m.size), default=1.0) or 1.0
    if not log:
        return (0.0, top * 1.08)
    positive = [float(m[m > 0].min()) for m in means if np.any(m > 0)]
    low = min(positive, default=top / 10)
    return (float(10 ** np.floor(np.log10(low))), float(10 ** np.ceil(np.log10(top))))


@dataclass
class WeightMapPanel:
    """One kernel's heat map and the bar chart under it."""

    heatmap_ax: Axes
    bars_ax: Axes
    image: AxesImage
    bars: BarContainer
    means: np.ndarray
    """Mean ``|w|`` per input: the bar heights."""


@dataclass
class WeightMaps:
    """What :func:`weight_maps` drew."""

    figure: Figure | SubFigure
    panels: dict[str, WeightMapPanel]
    norm: Normalize
    """The colour scale shared by every heat map: pass it to the next call to keep comparing."""
    bar_limits: tuple[float, float]
    """The bar charts' shared y range: pass it as ``bar_limits`` to compare across figures."""
    colorbar: Colorbar | None = None


def _style_ticks(labels: list, informative: Sequence[int]) -> None:
    for lab in labels:
        try:
            idx = int(lab.get_text())
        except ValueError:
            continue
        if idx in informative:
            lab.set_color(INFORMATIVE_COLOR)
            lab.set_fontweight("bold")


def weight_maps(
    kernels: Mapping[str, np.ndarray],
    *,
    informative: Sequence[int] = (),
    norm: Normalize | None = None,
    log: bool = False,
    signed: bool = False,
    bar_limits: tuple[float, float] | None = None,
    titles: Mapping[str, str] | None = None,
    fig: Figure | SubFigure | None = None,
    colorbar: bool = True,
    suptitle: str | None = None,
    fontsize: float = LARGE_FONT_SIZE,
) -> WeightMaps:
    """Heat maps of dense kernels (inputs as rows) with the mean ``|w|`` per input under each.

    Parameters
    ----------
    kernels
        Name → kernel of shape (inputs, units); one column of panels per entry, left to right.
    informative
        Inputs (0-based rows) known to carry the answer: their tick labels and bars are drawn
        in orange, the others in grey.
    norm
        Colour scale to reuse (e.g. the ``norm`` returned by an earlier call); by default one
        scale over all ``kernels`` from :func:`magnitude_norm` (or :func:`symmetric_norm` when
        ``signed``).
    log
        Logarithmic colour scale and bar axis: tells a weight of 1e-2 from one of 1e-5, which a
        linear scale draws alike in white.
    signed
        Draw the weights themselves with :data:`WEIGHT_CMAP` centred at zero instead of their
        magnitudes. The bars always show the mean ``|w|``.
    """
    if not kernels:
        raise ValueError("weight_maps needs at least one kernel")
    mats = {name: np.asarray(k, dtype=np.float64) for name, k in kernels.items()}
    for name, k in mats.items():
        if k.ndim != 2:
            raise ValueError(f"kernel {name!r} must be (inputs, units), got {k.shape}")
    if norm is None:
        if signed:
            norm = symmetric_norm(np.concatenate([k.ravel() for k in mats.values()]))
        else:
            norm = magnitude_norm(mats.values(), log=log)
    means = {name: np.abs(k).mean(axis=1) for name, k in mats.items()}
    needed = mean_abs_limits(mats.values(), log=log)
    if bar_limits is None:
        bar_limits = needed
    else:  # never clip a bar: widen a reused range if these kernels need more
        bar_limits = (min(bar_limits[0], needed[0]), max(bar_limits[1], needed[1]))

    n = len(mats)
    if fig is None:
        fig = plt.figure(figsize=(2.6 * n + (0.8 if colorbar else 0.2), 4.4), layout="constrained")
    grid = fig.add_gridspec(2, n, height_ratios=(1.5, 1.0))
    cmap = WEIGHT_CMAP if signed else MAGNITUDE_CMAP
    panels: dict[str, WeightMapPanel] = {}
    first_bar_ax: Axes | None = None
    for col, (name, k) in enumerate(mats.items()):
        ax_map = fig.add_subplot(grid[0, col])
        ax_bar = fig.add_subplot(grid[1, col], sharey=first_bar_ax)
        first_bar_ax = first_bar_ax or ax_bar
        values = k if signed else np.abs(k)
        if log and not signed:
            values = np.maximum(values, norm.vmin)  # zeros get the lowest colour, not a hole
        image = ax_map.imshow(values, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
        n_in, n_units = k.shape
        ax_map.set_yticks(range(n_in))
        ax_map.set_yticklabels([str(i) for i in range(n_in)], fontsize=fontsize - 1)
        step = 5 if n_units > 12 else 1
        ax_map.set_xticks(range(0, n_units, step))
        ax_map.tick_params(axis="x", labelsize=fontsize - 1)
        ax_map.set_xlabel("hidden unit", fontsize=fontsize)
        if col == 0:
            ax_map.set_ylabel("input", fontsize=fontsize)
        title = titles.get(name, name) if titles is not None else name
        ax_map.set_title(title, fontsize=fontsize + 1)
        _style_ticks(ax_map.get_yticklabels(), informative)

        colors = [INFORMATIVE_COLOR if i in informative else OTHER_COLOR for i in range(n_in)]
        bars = ax_bar.bar(range(n_in), means[name], color=colors, width=0.75)
        ax_bar.set_xticks(range(n_in))
        ax_bar.set_xticklabels([str(i) for i in range(n_in)], fontsize=fontsize - 1)
        _style_ticks(ax_bar.get_xticklabels(), informative)
        ax_bar.set_xlim(-0.6, n_in - 0.4)
        ax_bar.set_xlabel("input", fontsize=fontsize)
        if log:
            ax_bar.set_yscale("log")
        ax_bar.set_ylim(*bar_limits)
        ax_bar.tick_params(axis="y", labelsize=fontsize - 1)
        if col == 0:
            ax_bar.set_ylabel("mean |w|", fontsize=fontsize)
        else:
            ax_bar.tick_params(axis="y", labelleft=False)
        ax_bar.grid(axis="y", alpha=0.3)
        ax_bar.set_axisbelow(True)
        panels[name] = WeightMapPanel(ax_map, ax_bar, image, bars, means[name])

    cbar = None
    if colorbar:
        first = next(iter(panels.values()))
        peak = max(float(np.abs(k).max()) for k in mats.values())
        extend = "max" if peak > norm.vmax * (1 + 1e-9) else "neither"
        cbar = fig.colorbar(
            first.image,
            ax=[p.heatmap_ax for p in panels.values()],
            shrink=0.9,
            aspect=15,
            pad=0.02,
            extend=extend,
        )
        cbar.set_label("w" if signed else "|w|", fontsize=fontsize)
        cbar.ax.tick_params(labelsize=fontsize - 1)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return WeightMaps(
        figure=fig, panels=panels, norm=norm, bar_limits=tuple(bar_limits), colorbar=cbar
    )


@dataclass
class WeightHistograms:
    """What :func:`weight_histograms` drew."""

    figure: Figure | SubFigure
    axes: list[Axes]
    """One axes when overlaid, else one per entry."""
    edges: dict[str, np.ndarray]
    """Bin edges per entry (the same array for all entries when overlaid)."""
    counts: dict[str, np.ndarray]
    artists: dict[str, list[Polygon]] = field(default_factory=dict)


@dataclass
class BeforeAfterHistograms:
    """What :func:`before_after_histograms` drew: one panel per entry and the shared legend."""

    figure: Figure | SubFigure
    panels: dict[str, WeightHistograms]
    legend: Legend


def _flat(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).ravel()
    return v[np.isfinite(v)]


def weight_histograms(
    weights: Mapping[str, np.ndarray],
    *,
    ax: Axes | Sequence[Axes] | None = None,
    bins: int | np.ndarray = 60,
    overlay: bool = True,
    log: bool = False,
    xlabel: str = "weight",
    title: str | None = None,
    legend: bool = True,
    suptitle: str | None = None,
    fontsize: float = LARGE_FONT_SIZE,
    hist_kw: Mapping[str, Any] | None = None,
) -> WeightHistograms:
    """Histograms of weight arrays (any shape, flattened), overlaid or side by side.

    Overlaid (the default), every entry is counted on the same bin edges, so the shapes compare
    directly: a penalty that squeezes the weights shows as a tall narrow peak inside a wider
    one. With ``overlay=False`` each entry gets its own axes and its own range, which suits
    layers whose weights live on different scales. ``log`` puts the counts on a log axis, so
    that a few large weights next to a spike of small ones stay visible.

    ``ax``: one axes to overlay in, or one axes per entry when ``overlay=False``; by default a
    new figure. ``hist_kw`` goes to both ``Axes.hist`` calls of every entry (the fill and the
    outline), e.g. ``{"density": True}``.
    """
    if not weights:
        raise ValueError("weight_histograms needs at least one array")
    data = {name: _flat(w) for name, w in weights.items()}
    colors = {name: HISTOGRAM_COLORS[i % len(HISTOGRAM_COLORS)] for i, name in enumerate(data)}
    if overlay:
        if ax is None:
            axes = [plt.figure(figsize=(7.0, 3.8), layout="constrained").add_subplot()]
        elif isinstance(ax, Axes):
            axes = [ax]
        else:
            axes = [next(iter(ax))]
        everything = np.concatenate(list(data.values()))
        lo, hi = (float(everything.min()), float(everything.max())) if everything.size else (0, 1)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges_shared = np.histogram_bin_edges(everything, bins=bins, range=(lo, hi))
        edges = {name: edges_shared for name in data}
        targets = {name: axes[0] for name in data}
    else:
        if ax is None:
            _, grid = plt.subplots(
                1, len(data), figsize=(3.2 * len(data), 2.8), layout="constrained", squeeze=False
            )
            axes = list(grid.ravel())
        else:
            axes = [ax] if isinstance(ax, Axes) else list(ax)
        if len(axes) != len(data):
            raise ValueError(
                f"overlay=False needs one axes per entry ({len(data)}), got {len(axes)}"
            )
        edges = {}
        for name, v in data.items():
            lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            edges[name] = np.histogram_bin_edges(v, bins=bins, range=(lo, hi))
        targets = dict(zip(data, axes, strict=True))

    counts: dict[str, np.ndarray] = {}
    artists: dict[str, list[Polygon]] = {}
    for name, v in data.items():
        target = targets[name]
        c, e = np.histogram(v, bins=edges[name])
        counts[name] = c
        label = f"{name} (n={v.size})" if not overlay else name
        extra = dict(hist_kw or {})
        fill_kw = {"color": colors[name], "alpha": 0.25, "log": log} | extra
        line_kw = {"color": colors[name], "linewidth": 1.6, "label": label, "log": log} | extra
        _, _, filled = target.hist(v, bins=e, histtype="stepfilled", **fill_kw)
        _, _, line = target.hist(v, bins=e, histtype="step", **line_kw)
        artists[name] = [*filled, *line]
        if not overlay:
            target.set_title(name, fontsize=fontsize + 1)
    for a in axes:
        a.set_xlabel(xlabel, fontsize=fontsize)
        a.tick_params(labelsize=fontsize - 1)
        a.grid(alpha=0.3)
        a.set_axisbelow(True)
        if log:  # keep bins holding a single weight visible
            a.set_ylim(bottom=0.6)
    axes[0].set_ylabel("count (log scale)" if log else "count", fontsize=fontsize)
    if legend and overlay and len(data) > 1:
        axes[0].legend(fontsize=fontsize - 1, frameon=False)
    if title is not None:
        axes[0].set_title(title, fontsize=fontsize + 1)
    figure = axes[0].figure
    if suptitle:
        figure.suptitle(suptitle, fontsize=fontsize + 2)
    return WeightHistograms(figure=figure, axes=axes, edges=edges, counts=counts, artists=artists)


def before_after_histograms(
    pairs: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    titles: Mapping[str, str] | None = None,
    bins: int = 50,
    log: bool = True,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = LARGE_FONT_SIZE,
) -> BeforeAfterHistograms:
    """One panel per entry, each overlaying the weights before and after training.

    Each panel has its own range (the entries may differ by orders of magnitude, as initial
    spreads do), with "before" and "after" on the same bins inside it.
    """
    if fig is None:
        fig = plt.figure(figsize=(2.9 * len(pairs), 3.7), layout="constrained")
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    out: dict[str, WeightHistograms] = {}
    for a, (name, (before, after)) in zip(axes, pairs.items(), strict=True):
        title = titles.get(name, name) if titles is not None else name
        out[name] = weight_histograms(
            {"before training": before, "after training": after},
            ax=a,
            bins=bins,
            log=log,
            title=title,
            legend=False,
            fontsize=fontsize,
        )
    for a in axes[1:]:
        a.set_ylabel("")
    handles, labels = axes[0].get_legend_handles_labels()
    legend = fig.legend(
        handles, labels, loc="outside lower center", ncols=2, fontsize=fontsize, frameon=False
    )
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return BeforeAfterHistograms(figure=fig, panels=out, legend=legend)


@dataclass
class InputMaps:
    """What :func:`input_maps` drew."""

    figure: Figure | SubFigure
    axes: dict[str, Axes]
    images: dict[str, AxesImage]
    norm: Normalize
    """The colour scale shared by all panels."""
    colorbar: Colorbar | None = None


def input_maps(
    kernels: Mapping[str, np.ndarray],
    image_shape: tuple[int, int],
    *,
    norm: Normalize | None = None,
    log: bool = False,
    floor: float = 1e-4,
    titles: Mapping[str, str] | None = None,
    fig: Figure | SubFigure | None = None,
    colorbar: bool = True,
    suptitle: str | None = None,
    fontsize: float = LARGE_FONT_SIZE,
) -> InputMaps:
    """Each kernel's mean ``|w|`` per input, folded back into the input image's shape.

    The image version of the bars under :func:`weight_maps`: for a first layer that reads
    pixels, it shows which pixels the layer still listens to. All panels share one scale.
    """
    if not kernels:
        raise ValueError("input_maps needs at least one kernel")
    means = {}
    for name, k in kernels.items():
        k = np.abs(np.asarray(k, dtype=np.float64))
        if k.ndim != 2 or k.shape[0] != int(np.prod(image_shape)):
            raise ValueError(f"kernel {name!r} of shape {k.shape} does not fit {image_shape}")
        means[name] = k.mean(axis=1).reshape(image_shape)
    if norm is None:
        peak = max(float(m.max()) for m in means.values()) or 1.0
        norm = LogNorm(vmin=floor, vmax=max(peak, floor * 10)) if log else Normalize(0.0, peak)
    n = len(means)
    if fig is None:
        fig = plt.figure(figsize=(2.5 * n + (0.9 if colorbar else 0.2), 3.0), layout="constrained")
    axes_row = fig.subplots(1, n, squeeze=False)[0]
    axes: dict[str, Axes] = {}
    images: dict[str, AxesImage] = {}
    for ax, (name, m) in zip(axes_row, means.items(), strict=True):
        shown = np.maximum(m, norm.vmin) if isinstance(norm, LogNorm) else m
        images[name] = ax.imshow(shown, cmap=MAGNITUDE_CMAP, norm=norm, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(titles.get(name, name) if titles is not None else name, fontsize=fontsize)
        axes[name] = ax
    cbar = None
    if colorbar:
        cbar = fig.colorbar(
            next(iter(images.values())), ax=list(axes.values()), shrink=0.85, aspect=15, pad=0.02
        )
        cbar.set_label("mean |w| per pixel", fontsize=fontsize - 1)
        cbar.ax.tick_params(labelsize=fontsize - 1)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 1)
    return InputMaps(figure=fig, axes=axes, images=images, norm=norm, colorbar=cbar)
