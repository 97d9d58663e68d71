"""A confusion matrix that shows the images behind its numbers.

A counts matrix says *how often* the network mistakes a 3 for a 5; it does not say *which* 3s.
:class:`ConfusionExamplesDisplay` puts in every cell the test image the network was most
confident about among those with that true / predicted pair, so each column shows what the
network takes for its class. It follows scikit-learn's Display objects
(:class:`sklearn.metrics.ConfusionMatrixDisplay`): compute with a ``from_…`` class method,
draw with ``plot(ax=...)``, and read the artists back from attributes ending in ``_``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from explainer.plot.images import draw_image
from explainer.plot.style import DIAGONAL_COLOR, DIAGONAL_FILL, FONT_SIZE

if TYPE_CHECKING:
    from explainer.datasets import ImageData

__all__ = ["ConfusionExamplesDisplay", "most_confident_per_cell"]


def most_confident_per_cell(
    y_true: np.ndarray, y_pred: np.ndarray, confidences: np.ndarray, n_classes: int
) -> np.ndarray:
    """``(n, n)`` index of the most confident sample per (true, predicted) cell, -1 if none.

    Ties go to the sample that comes first, so the choice does not depend on sort details.
    """
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    if not (len(y_true) == len(y_pred) == len(conf)):
        raise ValueError("y_true, y_pred and confidences must have the same length")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(f"{name} has labels outside 0..{n_classes - 1}")
    best = np.full((n_classes, n_classes), -1, dtype=np.int64)
    if not len(conf):
        return best
    order = np.argsort(-conf, kind="stable")
    cell = y_true[order] * n_classes + y_pred[order]
    cells, first = np.unique(cell, return_index=True)
    best.reshape(-1)[cells] = order[first]
    return best


class ConfusionExamplesDisplay:
    """Confusion matrix whose cells show the most confident example of each pair.

    Build it with :meth:`from_predictions` (which only computes, it does not draw), then draw
    the example grid with :meth:`plot` and the plain counts with :meth:`plot_counts`; both
    return the display. Rows are true classes, columns predicted classes, the diagonal
    (correct answers) is framed in green.

    Parameters
    ----------
    counts
        ``(n, n)`` number of samples per (true, predicted) pair.
    example_index
        ``(n, n)`` index into ``images`` of the example shown per cell, -1 where empty.
    images
        The samples, ``(N, H, W)``, ``(N, H, W, 1)`` grey or ``(N, H, W, 3)`` RGB (uint8
        0–255 or floats in 0–1).
    confidences
        Optional ``(N,)`` confidence of each sample's prediction (kept for readers).
    class_names
        Tick labels; ``0 … n-1`` when omitted.

    Attributes
    ----------
    figure_
        Figure of the example grid (after :meth:`plot`).
    ax_
        Axes of the example grid.
    images_
        ``(n, n)`` object array: the cell's :class:`~matplotlib.image.AxesImage`, or ``None``
        for an empty cell.
    text_
        ``(n, n)`` object array of count labels (``None`` for empty cells or without counts).
    diagonal_
        The green frames drawn around the diagonal cells.
    counts_figure_
        Figure of the counts matrix (after :meth:`plot_counts`); ``counts_ax_`` is its axes.
    counts_im_
        The image of the off-diagonal counts (the diagonal is masked and drawn as green
        patches, ``counts_diagonal_``); ``counts_text_`` holds the ``(n, n)`` count labels
        and ``counts_colorbar_`` the colorbar.
    """

    def __init__(
        self,
        counts: np.ndarray,
        example_index: np.ndarray,
        images: np.ndarray,
        *,
        confidences: np.ndarray | None = None,
        class_names: Sequence[str] | None = None,
    ) -> None:
        counts = np.asarray(counts)
        example_index = np.asarray(example_index, dtype=np.int64)
        n = counts.shape[0]
        if counts.shape != (n, n) or example_index.shape != (n, n):
            raise ValueError("counts and example_index must both be (n, n)")
        if class_names is not None and len(class_names) != n:
            raise ValueError(f"{len(class_names)} class names for {n} classes")
        self.counts = counts
        self.example_index = example_index
        self.images = images
        self.confidences = confidences
        self.class_names = (
            list(class_names) if class_names is not None else [str(c) for c in range(n)]
        )

    @property
    def n_classes(self) -> int:
        return int(self.counts.shape[0])

    @classmethod
    def from_predictions(
        cls,
        y_true: np.ndarray,
        y_pred: np.ndarray,
        confidences: np.ndarray,
        images: np.ndarray,
        *,
        class_names: Sequence[str] | None = None,
        n_classes: int | None = None,
    ) -> ConfusionExamplesDisplay:
        """Count every (true, predicted) pair and pick each cell's most confident example.

        ``confidences`` is how sure the network was of its answer per sample, usually the
        probability of the predicted class (:attr:`explainer.probe.Predictions.confidence`).
        ``n_classes`` defaults to ``len(class_names)``, else to the largest label + 1.
        Unlike scikit-learn's ``from_predictions`` this does not draw: call :meth:`plot` or
        :meth:`plot_counts` (or both) next.
        """
        y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
        y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
        if len(images) != len(y_true):
            raise ValueError(f"{len(images)} images for {len(y_true)} labels")
        if n_classes is None:
            if class_names is not None:
                n_classes = len(class_names)
            else:
                n_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
        best = most_confident_per_cell(y_true, y_pred, confidences, n_classes)
        counts = np.zeros((n_classes, n_classes), dtype=np.int64)
        np.add.at(counts, (y_true, y_pred), 1)
        return cls(
            counts,
            best,
            images,
            confidences=np.asarray(confidences),
            class_names=class_names,
        )

    @classmethod
    def from_test_set(cls, data: ImageData, proba: np.ndarray) -> ConfusionExamplesDisplay:
        """:meth:`from_predictions` for a network's ``(N, n_classes)`` probabilities ``proba``
        on the test set of ``data``, the way a chapter evaluates a network."""
        proba = np.asarray(proba)
        if proba.shape != (len(data.y_test), len(data.class_names)):
            raise ValueError(
                f"proba has shape {proba.shape}, expected one row of "
                f"{len(data.class_names)} class probabilities for each of the "
                f"{len(data.y_test)} test samples"
            )
        return cls.from_predictions(
            data.y_test,
            proba.argmax(axis=1),
            proba.max(axis=1),
            data.x_test,
            class_names=data.class_names,
        )

    def most_frequent_mistake(self) -> tuple[int, int, int]:
        """``(true, predicted, count)`` of the largest off-diagonal cell: the confusion a
        reader should look at first (the first such cell in row-major order on ties)."""
        off = self.counts.copy()
        np.fill_diagonal(off, 0)
        true, predicted = divmod(int(off.argmax()), self.n_classes)
        return true, predicted, int(off[true, predicted])

    # -- drawing -------------------------------------------------------------------------------

    def _axes(self, ax: Axes | None, size: float) -> tuple[Figure | SubFigure, Axes]:
        if ax is None:
            fig = plt.figure(figsize=(size, size), layout="constrained")
            ax = fig.add_subplot()
        return ax.figure, ax

    def _label_axes(self, ax: Axes, fontsize: float) -> None:
        n = self.n_classes
        ax.set_xticks(np.arange(n), self.class_names, fontsize=fontsize)
        ax.set_yticks(np.arange(n), self.class_names, fontsize=fontsize)
        ax.set_xlabel("predicted class", fontsize=fontsize + 1)
        ax.set_ylabel("true class", fontsize=fontsize + 1)
        ax.xaxis.set_label_position("top")
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        if max(len(s) for s in self.class_names) > 2:
            plt.setp(ax.get_xticklabels(), rotation=45, ha="left", rotation_mode="anchor")
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_aspect("equal")

    def _diagonal_frames(self, ax: Axes, *, fill: bool) -> list[Rectangle]:
        frames = []
        for i in range(self.n_classes):
            rect = Rectangle(
                (i - 0.5, i - 0.5),
                1.0,
                1.0,
                facecolor=DIAGONAL_FILL if fill else "none",
                edgecolor=DIAGONAL_COLOR,
                lw=1.8,
                zorder=0.5 if fill else 3,
            )
            ax.add_patch(rect)
            frames.append(rect)
        return frames

    def plot(
        self,
        ax: Axes | None = None,
        *,
        show_counts: bool = True,
        gap: float = 0.06,
        fontsize: float = FONT_SIZE,
        count_fontsize: float = 7,
        suptitle: str | None = None,
        image_kw: dict[str, Any] | None = None,
    ) -> ConfusionExamplesDisplay:
        """Draw the grid of examples: one image per non-empty cell, blank where empty.

        ``show_counts`` writes the cell's count in its top-left corner. Grey images use a
        black-to-white scale (0–255 for uint8), RGB images are shown as they are. ``gap``
        is the margin between cells, as a fraction of a cell.
        """
        n = self.n_classes
        fig, ax = self._axes(ax, 7.5)
        self.figure_, self.ax_ = fig, ax
        self.images_ = np.full((n, n), None, dtype=object)
        self.text_ = np.full((n, n), None, dtype=object)
        ax.set_facecolor("white")
        for k in range(1, n):
            ax.axhline(k - 0.5, color="0.85", lw=0.6, zorder=0)
            ax.axvline(k - 0.5, color="0.85", lw=0.6, zorder=0)
        for i in range(n):
            for j in range(n):
                idx = int(self.example_index[i, j])
                if idx < 0:
                    continue
                extent = (j - 0.5 + gap, j + 0.5 - gap, i + 0.5 - gap, i - 0.5 + gap)
                self.images_[i, j] = draw_image(  # the one rule for input images
                    self.images[idx], ax=ax, ticks=True, extent=extent, **(image_kw or {})
                )
                if show_counts:
                    self.text_[i, j] = ax.text(
                        j - 0.5 + gap + 0.02,
                        i - 0.5 + gap + 0.02,
                        f"{self.counts[i, j]}",
                        ha="left",
                        va="top",
                        fontsize=count_fontsize,
                        color="black",
                        zorder=4,
                        bbox={
                            "boxstyle": "square,pad=0.12",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.8,
                        },
                    )
        self.diagonal_ = self._diagonal_frames(ax, fill=False)
        self._label_axes(ax, fontsize)
        for spine in ax.spines.values():
            spine.set_color("0.6")
        if suptitle:
            fig.suptitle(suptitle, fontsize=fontsize + 2)
        return self

    def plot_counts(
        self,
        ax: Axes | None = None,
        *,
        cmap: str = "Oranges",
        colorbar: bool = True,
        fontsize: float = FONT_SIZE,
        suptitle: str | None = None,
    ) -> ConfusionExamplesDisplay:
        """Draw the counts matrix: true rows, predicted columns, the diagonal in green.

        The diagonal (right answers) would swamp any colour scale, so only the mistakes are
        coloured, on a scale from zero to the largest off-diagonal count; the diagonal cells
        are green with their counts written in.
        """
        n = self.n_classes
        fig, ax = self._axes(ax, 6.0)
        self.counts_figure_, self.counts_ax_ = fig, ax
        off = np.ma.masked_array(self.counts, mask=np.eye(n, dtype=bool))
        vmax = float(off.max()) if off.count() and off.max() > 0 else 1.0
        norm = Normalize(vmin=0.0, vmax=vmax)
        self.counts_im_ = ax.imshow(off, cmap=cmap, norm=norm, interpolation="nearest")
        self.counts_diagonal_ = self._diagonal_frames(ax, fill=True)
        self.counts_text_ = np.empty((n, n), dtype=object)
        for i in range(n):
            for j in range(n):
                c = int(self.counts[i, j])
                dark = i != j and c > 0.6 * vmax
                t: Text = ax.text(
                    j,
                    i,
                    f"{c}",
                    ha="center",
                    va="center",
                    fontsize=fontsize - (1 if c >= 1000 else 0),
                    color="white" if dark else ("0.6" if c == 0 else "black"),
                    fontweight="bold" if i == j else "normal",
                )
                self.counts_text_[i, j] = t
        self._label_axes(ax, fontsize)
        self.counts_colorbar_: Colorbar | None = None
        if colorbar:
            self.counts_colorbar_ = fig.colorbar(self.counts_im_, ax=ax, shrink=0.8, pad=0.02)
            self.counts_colorbar_.set_label("mistakes (off-diagonal count)", fontsize=fontsize)
            self.counts_colorbar_.ax.tick_params(labelsize=fontsize - 1)
        if suptitle:
            fig.suptitle(suptitle, fontsize=fontsize + 2)
        return self
