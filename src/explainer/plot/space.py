"""Dense layers as maps of space: points and grid lines carried layer by layer.

The functions draw the :class:`~explainer.probe.State` lists that
:func:`~explainer.probe.dense_states` returns (for data points and for the lines of
:func:`~explainer.probe.grid_lines`), the separating line or plane of the output layer, an
animation between the states, and decision boundaries in the input plane.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.contour import QuadContourSet
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from explainer.plot.style import CLASS_COLORS, CLASS_LIGHT_COLORS, SPACE_BOX_COLOR, SPACE_LINE_COLOR
from explainer.probe import DecisionMap, DenseMap, State

__all__ = [
    "DecisionBoundaries",
    "LayerStrip",
    "PointSets",
    "Space3D",
    "animate_states",
    "decision_boundaries",
    "layer_strip",
    "point_sets",
    "space_3d",
]


def _colors(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y).astype(int).ravel()
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError("labels must be 0 or 1")
    return np.asarray(CLASS_COLORS, dtype=object)[y]


def _subsample(n: int, max_points: int | None) -> np.ndarray:
    """Every k-th index, the same points in every panel (deterministic, no RNG)."""
    if max_points is None or n <= max_points:
        return np.arange(n)
    return np.linspace(0, n - 1, max_points).round().astype(int)


def _limits(
    values: np.ndarray, *, include_unit_box: bool, margin: float = 0.08
) -> tuple[tuple[float, float], tuple[float, float]]:
    lo = values.reshape(-1, values.shape[-1]).min(axis=0)[:2].astype(float)
    hi = values.reshape(-1, values.shape[-1]).max(axis=0)[:2].astype(float)
    if include_unit_box:
        lo = np.minimum(lo, -1.0)
        hi = np.maximum(hi, 1.0)
    span = np.maximum(hi - lo, 1e-6)
    lo, hi = lo - margin * span, hi + margin * span
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _square(
    xlim: tuple[float, float], ylim: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Widen the shorter side so that a square panel shows both axes at the same scale."""
    half = max(xlim[1] - xlim[0], ylim[1] - ylim[0]) / 2
    cx, cy = sum(xlim) / 2, sum(ylim) / 2
    return (cx - half, cx + half), (cy - half, cy + half)


def _cube_limits(ax: Axes, pts: np.ndarray, *, include_unit_box: bool) -> None:
    """Equal ranges on the three axes (a cube), so that shapes are not distorted."""
    lo = pts.min(axis=0).astype(float)
    hi = pts.max(axis=0).astype(float)
    if include_unit_box:
        lo, hi = np.minimum(lo, -1.0), np.maximum(hi, 1.0)
    centre = (lo + hi) / 2
    half = float(np.max(hi - lo)) / 2 * 1.02
    ax.set_xlim(centre[0] - half, centre[0] + half)
    ax.set_ylim(centre[1] - half, centre[1] + half)
    ax.set_zlim(centre[2] - half, centre[2] + half)
    ax.set_box_aspect((1, 1, 1))


def _decision_of(states: Sequence[State]) -> tuple[int, DenseMap] | None:
    """Index of the last drawable state and the one-unit map that reads it, if any."""
    for i in range(len(states) - 1, 0, -1):
        s = states[i]
        if s.kind == "affine" and s.dim == 1 and s.map is not None and states[i - 1].dim >= 2:
            return i - 1, s.map
    return None


def _line_through_box(
    m: DenseMap, xlim: tuple[float, float], ylim: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Points of ``w·h + b = 0`` across the panel (in 2-D)."""
    w = m.kernel[:, 0]
    b = float(m.bias[0])
    if abs(w[1]) >= abs(w[0]):
        xs = np.linspace(*xlim, 2)
        return xs, -(b + w[0] * xs) / w[1]
    ys = np.linspace(*ylim, 2)
    return -(b + w[1] * ys) / w[0], ys


# --- Data sets ------------------------------------------------------------------------------


@dataclass
class PointSets:
    """What :func:`point_sets` drew."""

    figure: Figure | SubFigure
    axes: list[Axes]
    scatters: list[PathCollection]


def point_sets(
    sets: Sequence[tuple[str, np.ndarray, np.ndarray]],
    *,
    class_names: Sequence[str] = ("class 0", "class 1"),
    fig: Figure | SubFigure | None = None,
    panel_size: float = 3.4,
    suptitle: str | None = None,
) -> PointSets:
    """One panel per ``(title, x, y)`` 2-D data set, points coloured by class, equal axes."""
    if fig is None:
        fig = plt.figure(figsize=(panel_size * len(sets), panel_size + 0.6), layout="constrained")
    axes = list(np.ravel(fig.subplots(1, len(sets), squeeze=False)))
    scatters = []
    for ax, (title, x, y) in zip(axes, sets, strict=True):
        x = np.asarray(x)
        sc = ax.scatter(x[:, 0], x[:, 1], c=_colors(y), s=3, alpha=0.7, linewidths=0)
        scatters.append(sc)
        ax.set_title(title, fontsize=10)
        ax.set_aspect("equal", adjustable="datalim")
        ax.tick_params(labelsize=8)
    handles = [
        Line2D([], [], ls="", marker="o", color=c, label=n)
        for c, n in zip(CLASS_COLORS, class_names, strict=True)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return PointSets(figure=fig, axes=axes, scatters=scatters)


# --- The layer strip ------------------------------------------------------------------------


@dataclass
class LayerStrip:
    """What :func:`layer_strip` drew: one panel per state."""

    figure: Figure | SubFigure
    axes: list[Axes]
    scatters: list[PathCollection]
    lines: list[LineCollection | None]
    """The carried grid lines of each panel (``None`` where no lines were given)."""
    decision: object | None = None
    """The separating line (2-D) or plane (3-D) in the last panel."""
    states: list[State] = field(default_factory=list)


def _unit_box_2d(ax: Axes) -> None:
    ax.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color=SPACE_BOX_COLOR, lw=0.6, ls=":")


def _unit_box_3d(ax: Axes) -> None:
    for a in (-1, 1):
        for b in (-1, 1):
            t = np.array([-1, 1])
            ax.plot(t, [a, a], [b, b], color=SPACE_BOX_COLOR, lw=0.4, ls=":")
            ax.plot([a, a], t, [b, b], color=SPACE_BOX_COLOR, lw=0.4, ls=":")
            ax.plot([a, a], [b, b], t, color=SPACE_BOX_COLOR, lw=0.4, ls=":")


def _carried_lines(ax: Axes, lines: State, *, linewidth: float, alpha: float) -> LineCollection:
    """The grid lines carried to a step, as one collection under the points (``zorder`` 1), in
    a 2-D or a 3-D axes by the step's number of coordinates."""
    style = {"colors": SPACE_LINE_COLOR, "linewidths": linewidth, "alpha": alpha, "zorder": 1}
    if lines.dim == 3:
        from mpl_toolkits.mplot3d.art3d import Line3DCollection

        drawn = Line3DCollection(list(lines.values), **style)
        ax.add_collection3d(drawn)
        return drawn
    drawn = LineCollection(list(lines.values), **style)
    ax.add_collection(drawn)
    return drawn


def _state_points(
    ax: Axes,
    pts: np.ndarray,
    colors: np.ndarray,
    lines: State | None,
    *,
    unit_box: bool,
) -> tuple[PathCollection, LineCollection | None]:
    """One panel of :func:`layer_strip` in 2-D or 3-D: the carried lines, the dotted
    ``[-1, 1]`` square (cube) and the points, in that order from the back."""
    flat = pts.shape[1] == 2
    drawn = None
    if lines is not None:
        drawn = _carried_lines(
            ax, lines, linewidth=0.4 if flat else 0.3, alpha=0.8 if flat else 0.6
        )
    if unit_box:
        (_unit_box_2d if flat else _unit_box_3d)(ax)
    coords = [pts[:, k] for k in range(pts.shape[1])]
    scatter = ax.scatter(*coords, c=colors, s=2 if flat else 1.0, linewidths=0, zorder=2)
    return scatter, drawn


def _plane(ax: Axes, m: DenseMap, lim: float = 1.05) -> object:
    """The plane ``w·h + b = 0`` inside the cube ``[-lim, lim]^3``."""
    w = m.kernel[:, 0]
    b = float(m.bias[0])
    k = int(np.argmax(np.abs(w)))
    others = [i for i in range(3) if i != k]
    g = np.linspace(-lim, lim, 30)
    u, v = np.meshgrid(g, g)
    solved = -(b + w[others[0]] * u + w[others[1]] * v) / w[k]
    solved = np.where(np.abs(solved) <= lim, solved, np.nan)
    coords: list[np.ndarray] = [np.empty(0)] * 3
    coords[others[0]], coords[others[1]], coords[k] = u, v, solved
    return ax.plot_surface(*coords, color="0.3", alpha=0.2, linewidth=0, shade=False, zorder=0)


def layer_strip(
    states: Sequence[State],
    y: np.ndarray,
    *,
    line_states: Sequence[State] | None = None,
    ncols: int | None = None,
    fig: Figure | SubFigure | None = None,
    panel_size: float = 1.9,
    max_points: int | None = None,
    suptitle: str | None = None,
) -> LayerStrip:
    """One panel per step of a dense stack: the points and the carried grid lines.

    ``states`` and ``line_states`` come from :func:`~explainer.probe.dense_states` for the data
    and for :func:`~explainer.probe.grid_lines`. Panels are drawn for every state with two or
    three coordinates (3-D panels for three); the output's one-unit states are not drawn, but
    its map gives the separating line (plane) in the last panel. The dotted square (cube) is
    ``[-1, 1]``: before a ``tanh`` it shows what will be squashed, after it the range.
    """
    drawable = [s for s in states if s.dim in (2, 3)]
    if not drawable:
        raise ValueError("no state with two or three coordinates to draw")
    lines_by_label = {}
    if line_states is not None:
        lines_by_label = {s.label: s for s in line_states}
    decision = _decision_of(states)
    n = len(drawable)
    ncols = ncols or min(n, 5)
    nrows = math.ceil(n / ncols)
    if fig is None:
        fig = plt.figure(
            figsize=(ncols * panel_size, nrows * (panel_size + 0.3) + 0.5), layout="constrained"
        )
    idx = _subsample(len(np.asarray(y)), max_points)
    colors = _colors(np.asarray(y)[idx])
    axes: list[Axes] = []
    scatters: list[PathCollection] = []
    line_sets: list[LineCollection | None] = []
    drawn_decision: object | None = None
    for i, state in enumerate(drawable):
        pts = state.values[idx]
        unit_box = state.kind != "input"
        lines = lines_by_label.get(state.label)
        if state.dim == 2:
            ax = fig.add_subplot(nrows, ncols, i + 1)
            xlim, ylim = _square(*_limits(pts, include_unit_box=unit_box))
            sc, lc = _state_points(ax, pts, colors, lines, unit_box=unit_box)
            ax.set_xlim(xlim)
            ax.set_ylim(ylim)
            ax.set_aspect("equal", adjustable="box")
            if decision is not None and decision[1] is not None and state is states[decision[0]]:
                lx, ly = _line_through_box(decision[1], xlim, ylim)
                (drawn_decision,) = ax.plot(lx, ly, color="black", lw=1.2, ls="--", zorder=3)
                ax.set_xlim(xlim)
                ax.set_ylim(ylim)
        else:
            ax = fig.add_subplot(nrows, ncols, i + 1, projection="3d", computed_zorder=False)
            if decision is not None and state is states[decision[0]]:
                drawn_decision = _plane(ax, decision[1])
            sc, lc = _state_points(ax, pts, colors, lines, unit_box=unit_box)
            _cube_limits(ax, pts, include_unit_box=unit_box)
            ax.set_zticks([])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{i + 1}. {state.label}", fontsize=10, pad=2)
        axes.append(ax)
        scatters.append(sc)
        line_sets.append(lc)
    if suptitle:
        fig.suptitle(suptitle, fontsize=12)
    return LayerStrip(
        figure=fig,
        axes=axes,
        scatters=scatters,
        lines=line_sets,
        decision=drawn_decision,
        states=list(drawable),
    )


# --- 3-D views --------------------------------------------------------------------------------


@dataclass
class Space3D:
    """What :func:`space_3d` drew: one 3-D panel per state."""

    figure: Figure | SubFigure
    axes: list[Axes]
    scatters: list[PathCollection]
    plane: object | None = None


def space_3d(
    states: Sequence[State],
    y: np.ndarray,
    *,
    decision: DenseMap | None = None,
    line_states: Sequence[State] | None = None,
    ncols: int | None = None,
    fig: Figure | SubFigure | None = None,
    panel_size: float = 3.3,
    view: tuple[float, float] = (18.0, -60.0),
    max_points: int | None = None,
    suptitle: str | None = None,
) -> Space3D:
    """3-D scatter of three-coordinate states (inside the cube [-1, 1]³, e.g. after ``tanh``);
    ``decision``'s plane (the output layer's ``w·h + b = 0``) in the last panel."""
    if any(s.dim != 3 for s in states):
        raise ValueError("space_3d draws states with three coordinates")
    n = len(states)
    ncols = ncols or n
    nrows = math.ceil(n / ncols)
    if fig is None:
        fig = plt.figure(
            figsize=(panel_size * ncols, (panel_size + 0.2) * nrows + 0.4), layout="constrained"
        )
    lines_by_label = {s.label: s for s in line_states} if line_states is not None else {}
    idx = _subsample(len(np.asarray(y)), max_points)
    colors = _colors(np.asarray(y)[idx])
    axes, scatters = [], []
    plane = None
    for i, state in enumerate(states):
        ax = fig.add_subplot(nrows, ncols, i + 1, projection="3d", computed_zorder=False)
        if decision is not None and i == n - 1:
            plane = _plane(ax, decision)
        lines = lines_by_label.get(state.label)
        if lines is not None:
            _carried_lines(ax, lines, linewidth=0.3, alpha=0.5)
        pts = state.values[idx]
        sc = ax.scatter(
            pts[:, 0], pts[:, 1], pts[:, 2], c=colors, s=2, linewidths=0, alpha=0.9, zorder=2
        )
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_zlim(-1.05, 1.05)
        ax.set_box_aspect((1, 1, 1))
        ax.view_init(elev=view[0], azim=view[1])
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_ticks([-1, 0, 1])
        ax.tick_params(labelsize=7, pad=0)
        ax.set_title(state.label, fontsize=9)
        axes.append(ax)
        scatters.append(sc)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return Space3D(figure=fig, axes=axes, scatters=scatters, plane=plane)


# --- Animation ------------------------------------------------------------------------------


def animate_states(
    states: Sequence[State],
    y: np.ndarray,
    *,
    line_states: Sequence[State] | None = None,
    frames_per_step: int = 3,
    hold_frames: int = 1,
    interval: int = 200,
    max_points: int | None = 500,
    size: float = 4.2,
    dpi: float = 80,
    fig: Figure | None = None,
    suptitle: str | None = None,
) -> FuncAnimation:
    """Move the points (and grid lines) smoothly from each 2-D state to the next.

    Between two states every point travels in a straight line (an affine step's path, or a
    ``tanh`` step's squashing), and the view's limits follow, so a step that blows the cloud up
    is seen as a zoom. The title names the step; the final frames show the separating line.
    Frames: ``(states - 1) * frames_per_step + states * hold_frames``, at ``size`` inches and
    ``dpi`` (for a new figure), which keeps an embedded HTML animation to a few megabytes.
    """
    drawable = [s for s in states if s.dim == 2]
    if len(drawable) < 2:
        raise ValueError("need at least two 2-D states to animate")
    lines_by_label = {s.label: s for s in line_states} if line_states is not None else {}
    decision = _decision_of(states)
    idx = _subsample(len(np.asarray(y)), max_points)
    colors = _colors(np.asarray(y)[idx])
    pts = [s.values[idx] for s in drawable]
    lines = [
        lines_by_label[s.label].values if s.label in lines_by_label else None for s in drawable
    ]
    limits = [
        _square(*_limits(p, include_unit_box=s.kind != "input"))
        for p, s in zip(pts, drawable, strict=True)
    ]

    # (state index, fraction towards the next state) for every frame
    schedule: list[tuple[int, float]] = []
    for i in range(len(drawable)):
        schedule += [(i, 0.0)] * hold_frames
        if i + 1 < len(drawable):
            schedule += [(i, (k + 1) / (frames_per_step + 1)) for k in range(frames_per_step)]

    if fig is None:
        fig = plt.figure(figsize=(size, size + 0.35), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="box")
    lc = LineCollection([], colors=SPACE_LINE_COLOR, linewidths=0.5, alpha=0.8, zorder=1)
    ax.add_collection(lc)
    (box,) = ax.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color=SPACE_BOX_COLOR, lw=0.8, ls=":")
    sc = ax.scatter(pts[0][:, 0], pts[0][:, 1], c=colors, s=5, linewidths=0, zorder=2)
    (sep,) = ax.plot([], [], color="black", lw=1.5, ls="--", zorder=3)
    title: Text = ax.set_title("", fontsize=10)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    n_steps = len(drawable) - 1
    last = len(drawable) - 1
    show_sep = decision is not None and drawable[-1] is states[decision[0]]

    def frame(f: int) -> list:
        i, t = schedule[f]
        j = min(i + 1, last)
        p = (1 - t) * pts[i] + t * pts[j]
        sc.set_offsets(p)
        if lines[i] is not None and lines[j] is not None:
            lc.set_segments(list((1 - t) * lines[i] + t * lines[j]))
        (x0, x1), (y0, y1) = limits[i]
        (u0, u1), (v0, v1) = limits[j]
        xlim = ((1 - t) * x0 + t * u0, (1 - t) * x1 + t * u1)
        ylim = ((1 - t) * y0 + t * v0, (1 - t) * y1 + t * v1)
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        box.set_visible(drawable[i].kind != "input" or t > 0)
        if t == 0.0:
            title.set_text(f"step {i}/{n_steps}, {drawable[i].label}")
        else:
            title.set_text(f"step {i} → {j}, towards {drawable[j].label}")
        if show_sep and i == last and decision is not None:
            sep.set_data(*_line_through_box(decision[1], xlim, ylim))
        else:
            sep.set_data([], [])
        return [sc, lc, box, sep, title]

    frame(0)
    fig.canvas.draw()  # lay the figure out once; a fixed layout makes every frame cheaper
    fig.set_layout_engine("none")
    return FuncAnimation(fig, frame, frames=len(schedule), interval=interval, blit=False)


# --- Decision boundaries in the input plane -------------------------------------------------------


@dataclass
class DecisionBoundaries:
    """What :func:`decision_boundaries` drew: one panel per model."""

    figure: Figure | SubFigure
    axes: list[Axes]
    fills: list[QuadContourSet]
    boundaries: list[QuadContourSet]
    scatters: list[PathCollection]


def decision_boundaries(
    maps: Sequence[DecisionMap],
    data: Sequence[tuple[np.ndarray, np.ndarray]],
    titles: Sequence[str],
    *,
    ncols: int = 3,
    fig: Figure | SubFigure | None = None,
    panel_size: float = 2.6,
    max_points: int | None = 1000,
    suptitle: str | None = None,
) -> DecisionBoundaries:
    """Each model's answer over the input plane: class regions, the 0.5 line, the data."""
    n = len(maps)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    if fig is None:
        fig = plt.figure(
            figsize=(ncols * panel_size, nrows * (panel_size + 0.3) + 0.5), layout="constrained"
        )
    grid = fig.subplots(nrows, ncols, squeeze=False)
    flat = list(grid.ravel())
    for ax in flat[n:]:
        ax.remove()
    axes = flat[:n]
    fills, lines, scatters = [], [], []
    light = CLASS_LIGHT_COLORS
    for ax, dm, (x, y), title in zip(axes, maps, data, titles, strict=True):
        fills.append(ax.contourf(dm.xs, dm.ys, dm.proba, levels=[0.0, 0.5, 1.0], colors=light))
        lines.append(
            ax.contour(dm.xs, dm.ys, dm.proba, levels=[0.5], colors="black", linewidths=1.2)
        )
        idx = _subsample(len(y), max_points)
        scatters.append(
            ax.scatter(x[idx, 0], x[idx, 1], c=_colors(np.asarray(y)[idx]), s=2, linewidths=0)
        )
        ax.set_title(title, fontsize=9)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return DecisionBoundaries(
        figure=fig, axes=axes, fills=fills, boundaries=lines, scatters=scatters
    )
