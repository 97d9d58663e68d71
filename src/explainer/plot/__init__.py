"""Figures of the book, built from NumPy arrays (never from training).

The rules every function follows (``tests/test_plot_api.py`` checks them):

- a function that lays out several axes takes ``fig=`` (a Figure or SubFigure; a new figure
  when omitted), one that draws into one axes takes ``ax=`` (the current axes when omitted),
  never both, always as keywords;
- it returns a result dataclass holding what it drew in (``figure`` or ``ax``) and the artists
  it drew, so chapters can compose figures and tests can inspect them; the few that draw one
  artist (:func:`draw_image`, :func:`probability_bars`) return that artist, as matplotlib does;
- where it draws a kind of artist for you, a ``*_kw`` dictionary passes options through to it
  (``imshow_kw``, ``scatter_kw``, ``bar_kw``, ``hist_kw``);
- colours, colour maps and font sizes come from :mod:`explainer.plot.style`;
- grids lay out any count legibly or refuse with a message.

Weights are always drawn with :data:`WEIGHT_CMAP` on a scale centred at zero: red positive,
blue negative, white zero.

One module per kind of figure; everything public is re-exported here.
"""

from explainer.plot import (
    attribution,
    confusion,
    embedding,
    features,
    grids,
    images,
    maps,
    patches,
    space,
    steps,
    style,
    templates,
    weights,
)
from explainer.plot.attribution import *  # noqa: F403
from explainer.plot.confusion import *  # noqa: F403
from explainer.plot.embedding import *  # noqa: F403
from explainer.plot.features import *  # noqa: F403
from explainer.plot.grids import *  # noqa: F403
from explainer.plot.images import *  # noqa: F403
from explainer.plot.maps import *  # noqa: F403
from explainer.plot.patches import *  # noqa: F403
from explainer.plot.space import *  # noqa: F403
from explainer.plot.steps import *  # noqa: F403
from explainer.plot.style import *  # noqa: F403
from explainer.plot.templates import *  # noqa: F403
from explainer.plot.weights import *  # noqa: F403

__all__ = [
    *attribution.__all__,
    *confusion.__all__,
    *embedding.__all__,
    *features.__all__,
    *grids.__all__,
    *images.__all__,
    *maps.__all__,
    *patches.__all__,
    *space.__all__,
    *steps.__all__,
    *style.__all__,
    *templates.__all__,
    *weights.__all__,
]
