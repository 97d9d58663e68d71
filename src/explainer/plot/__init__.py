"""Figures of the book, built from NumPy arrays (never from training).

Every function takes ``fig=`` or ``ax=`` (falling back to a new figure or the current axes)
and returns what it drew, so chapters can compose figures and tests can inspect the artists.
Weights are always drawn with :data:`WEIGHT_CMAP` on a scale centred at zero: red positive,
blue negative, white zero.
"""

from explainer.plot.features import FeaturePairs, feature_pairs
from explainer.plot.grids import WEIGHT_CMAP, TileGrid, symmetric_norm, tile_grid
from explainer.plot.weights import (
    MAGNITUDE_CMAP,
    InputMaps,
    WeightHistograms,
    WeightMaps,
    before_after_histograms,
    input_maps,
    magnitude_norm,
    mean_abs_limits,
    weight_histograms,
    weight_maps,
)

__all__ = [
    "MAGNITUDE_CMAP",
    "WEIGHT_CMAP",
    "FeaturePairs",
    "InputMaps",
    "TileGrid",
    "WeightHistograms",
    "WeightMaps",
    "before_after_histograms",
    "feature_pairs",
    "input_maps",
    "magnitude_norm",
    "mean_abs_limits",
    "symmetric_norm",
    "tile_grid",
    "weight_histograms",
    "weight_maps",
]
