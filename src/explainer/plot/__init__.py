"""Figures of the book, built from NumPy arrays (never from training).

Every function takes ``fig=`` or ``ax=`` (falling back to a new figure or the current axes)
and returns what it drew, so chapters can compose figures and tests can inspect the artists.
Weights are always drawn with :data:`WEIGHT_CMAP` on a scale centred at zero: red positive,
blue negative, white zero.

One module per kind of figure; everything public is re-exported here.
"""

from explainer.plot import (
    attribution,
    confusion,
    features,
    grids,
    images,
    maps,
    space,
    steps,
    templates,
    units,
    weights,
)
from explainer.plot.attribution import *  # noqa: F403
from explainer.plot.confusion import *  # noqa: F403
from explainer.plot.features import *  # noqa: F403
from explainer.plot.grids import *  # noqa: F403
from explainer.plot.images import *  # noqa: F403
from explainer.plot.maps import *  # noqa: F403
from explainer.plot.space import *  # noqa: F403
from explainer.plot.steps import *  # noqa: F403
from explainer.plot.templates import *  # noqa: F403
from explainer.plot.units import *  # noqa: F403
from explainer.plot.weights import *  # noqa: F403

__all__ = [
    *attribution.__all__,
    *confusion.__all__,
    *features.__all__,
    *grids.__all__,
    *images.__all__,
    *maps.__all__,
    *space.__all__,
    *steps.__all__,
    *templates.__all__,
    *units.__all__,
    *weights.__all__,
]
