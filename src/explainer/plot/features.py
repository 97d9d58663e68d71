"""Tabular inputs seen two at a time: where the classes sit in the plane of two features."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure, SubFigure

from explainer.plot.style import HISTOGRAM_COLORS, LARGE_FONT_SIZE

__all__ = ["FeaturePairs", "feature_pairs"]


@dataclass
class FeaturePairs:
    """What :func:`feature_pairs` drew."""

    figure: Figure | SubFigure
    axes: list[Axes]
    scatters: list[list[PathCollection]]
    """Per panel, one scatter per class (in class order)."""


def feature_pairs(
    x: np.ndarray,
    y: np.ndarray,
    pairs: Sequence[tuple[int, int]],
    *,
    class_names: Sequence[str] | None = None,
    n: int = 1500,
    fig: Figure | SubFigure | None = None,
    suptitle: str | None = None,
    fontsize: float = LARGE_FONT_SIZE,
    scatter_kw: Mapping[str, Any] | None = None,
) -> FeaturePairs:
    """One scatter panel per pair of (0-based) feature indices, points coloured by class.

    Only the first ``n`` samples are drawn: enough to see the structure, few enough to see
    through it. ``scatter_kw`` goes to every ``Axes.scatter`` call (e.g. ``{"s": 2}``).
    """
    x = np.asarray(x)[:n]
    y = np.asarray(y)[:n]
    classes = np.unique(y)
    names = list(class_names) if class_names is not None else [f"label {c}" for c in classes]
    if fig is None:
        fig = plt.figure(figsize=(3.6 * len(pairs), 3.6), layout="constrained")
    axes = list(fig.subplots(1, len(pairs), squeeze=False)[0])
    drawn: list[list[PathCollection]] = []
    for ax, (i, j) in zip(axes, pairs, strict=True):
        panel = []
        for k, c in enumerate(classes):
            sel = y == c
            panel.append(
                ax.scatter(
                    x[sel, i],
                    x[sel, j],
                    **{
                        "s": 5,
                        "alpha": 0.5,
                        "color": HISTOGRAM_COLORS[k % len(HISTOGRAM_COLORS)],
                        "label": names[k],
                        "linewidths": 0,
                    }
                    | dict(scatter_kw or {}),
                )
            )
        drawn.append(panel)
        ax.set_xlabel(f"input {i}", fontsize=fontsize)
        ax.set_ylabel(f"input {j}", fontsize=fontsize)
        ax.set_aspect("equal", adjustable="datalim")
        ax.tick_params(labelsize=fontsize - 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=fontsize - 1, markerscale=3, frameon=True, loc="upper right")
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize + 2)
    return FeaturePairs(figure=fig, axes=axes, scatters=drawn)
