"""Figures of the book, built from NumPy arrays (never from training).

Every function takes ``fig=`` or ``ax=`` (falling back to a new figure or the current axes)
and returns what it drew, so chapters can compose figures and tests can inspect the artists.
Weights are always drawn with :data:`WEIGHT_CMAP` on a scale centred at zero: red positive,
blue negative, white zero.
"""

from explainer.plot.grids import WEIGHT_CMAP, TileGrid, symmetric_norm, tile_grid
from explainer.plot.space import (
    CLASS_COLORS,
    DecisionBoundaries,
    LayerStrip,
    PointSets,
    Space3D,
    animate_states,
    decision_boundaries,
    layer_strip,
    point_sets,
    space_3d,
)

__all__ = [
    "CLASS_COLORS",
    "WEIGHT_CMAP",
    "DecisionBoundaries",
    "LayerStrip",
    "PointSets",
    "Space3D",
    "TileGrid",
    "animate_states",
    "decision_boundaries",
    "layer_strip",
    "point_sets",
    "space_3d",
    "symmetric_norm",
    "tile_grid",
]
