"""Figures of the book, built from NumPy arrays (never from training).

Every function takes ``fig=`` or ``ax=`` (falling back to a new figure or the current axes)
and returns what it drew, so chapters can compose figures and tests can inspect the artists.
Weights are always drawn with :data:`WEIGHT_CMAP` on a scale centred at zero: red positive,
blue negative, white zero.
"""

from explainer.plot.grids import WEIGHT_CMAP, TileGrid, symmetric_norm, tile_grid
from explainer.plot.maps import (
    FEATURE_CMAP,
    PRED_LABEL_COLOR,
    TRUE_LABEL_COLOR,
    ConvStagesFigure,
    FiltersComparison,
    LayerMapsFigure,
    MapsComparison,
    MistakesGrid,
    conv_stages_figure,
    feature_maps,
    filters_comparison,
    filters_grid,
    layer_maps_figure,
    maps_comparison,
    mistakes_grid,
    probability_bars,
)

__all__ = ["WEIGHT_CMAP", "TileGrid", "symmetric_norm", "tile_grid"]
__all__ += [
    "FEATURE_CMAP",
    "PRED_LABEL_COLOR",
    "TRUE_LABEL_COLOR",
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
