"""Accuracies of a sequence of training steps, side by side (the Hiragana chapter's tuning).

A table of numbers hides which step mattered; grouped bars per step, one colour per test
subset, show both the gain of each step and where the remaining mistakes live.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure, SubFigure

from explainer.plot.style import (
    BOOK_WIDTH,
    FONT_SIZE,
    SMALL_FONT_SIZE,
    STEP_COLORS,
    SUPTITLE_FONT_SIZE,
)
from explainer.plot.text import percent

__all__ = ["AccuracySteps", "accuracy_steps"]


@dataclass
class AccuracySteps:
    """What :func:`accuracy_steps` drew."""

    figure: Figure | SubFigure
    ax: Axes
    bars: dict[str, BarContainer]
    """One bar container per subset, in the order given."""
    reference: PathCollection | None
    """The published values' ticks, if any."""


def accuracy_steps(
    steps: Sequence[str],
    accuracies: Mapping[str, Sequence[float]],
    *,
    reference: Sequence[float | None] | None = None,
    reference_label: str = "published",
    ax: Axes | None = None,
    suptitle: str | None = None,
) -> AccuracySteps:
    """One group of horizontal bars per step (top to bottom), one bar per subset.

    ``accuracies`` maps a subset's name (``"all unseen fonts"``) to one value per step, on
    0–1; each bar carries its value as a percentage. ``reference`` adds a black tick per step
    where a published value exists (``None`` where none does).
    """
    n = len(steps)
    if not n or not accuracies:
        raise ValueError("accuracy_steps needs at least one step and one subset")
    for name, values in accuracies.items():
        if len(values) != n:
            raise ValueError(f"{name!r} has {len(values)} values for {n} steps")
    if ax is None:
        fig = plt.figure(
            figsize=(BOOK_WIDTH, 0.5 + 0.28 * n * (len(accuracies) + 1)), layout="constrained"
        )
        ax = fig.add_subplot()
    k = len(accuracies)
    height = 0.8 / k
    bars: dict[str, BarContainer] = {}
    for j, (name, values) in enumerate(accuracies.items()):
        y = np.arange(n) + (j - (k - 1) / 2) * height
        v = np.asarray(values, dtype=np.float64)
        container = ax.barh(
            y, v, height=height * 0.9, color=STEP_COLORS[j % len(STEP_COLORS)], label=name
        )
        for yi, vi in zip(y, v, strict=True):
            ax.text(
                vi + 0.005, yi, percent(vi, 1), va="center", ha="left", fontsize=SMALL_FONT_SIZE
            )
        bars[name] = container
    ticks = None
    if reference is not None:
        if len(reference) != n:
            raise ValueError(f"reference has {len(reference)} values for {n} steps")
        ys = [i for i, r in enumerate(reference) if r is not None]
        xs = [reference[i] for i in ys]
        ticks = ax.scatter(
            xs, ys, marker="|", s=400, color="black", zorder=3, label=reference_label
        )
    ax.set_yticks(np.arange(n), list(steps), fontsize=FONT_SIZE)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.tick_params(axis="x", labelsize=FONT_SIZE)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.legend(
        fontsize=SMALL_FONT_SIZE,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.06),
        ncols=2,
        frameon=False,
    )
    if suptitle:
        ax.figure.suptitle(suptitle, fontsize=SUPTITLE_FONT_SIZE)
    return AccuracySteps(figure=ax.figure, ax=ax, bars=bars, reference=ticks)
