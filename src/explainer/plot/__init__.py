"""Figures of the book, built from NumPy arrays (never from training).

Every function takes ``fig=`` or ``ax=`` (falling back to a new figure or the current axes)
and returns what it drew, so chapters can compose figures and tests can inspect the artists.
Weights are always drawn with :data:`WEIGHT_CMAP` on a scale centred at zero: red positive,
blue negative, white zero.
"""

from explainer.plot.confusion import ConfusionExamplesDisplay, most_confident_per_cell
from explainer.plot.grids import WEIGHT_CMAP, TileGrid, symmetric_norm, tile_grid
from explainer.plot.templates import (
    ClassGrid,
    HiddenLayerFigure,
    TemplateCloseup,
    TopKFigure,
    class_grid,
    hidden_layer_figure,
    rgb_weights_for_display,
    template_closeup,
    template_grid,
    top_k_figure,
)

__all__ = [
    "WEIGHT_CMAP",
    "ClassGrid",
    "ConfusionExamplesDisplay",
    "HiddenLayerFigure",
    "TemplateCloseup",
    "TileGrid",
    "TopKFigure",
    "class_grid",
    "hidden_layer_figure",
    "most_confident_per_cell",
    "rgb_weights_for_display",
    "symmetric_norm",
    "template_closeup",
    "template_grid",
    "tile_grid",
    "top_k_figure",
]
