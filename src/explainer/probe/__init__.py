"""Read a trained model: its layers, weights, activations, predictions and mistakes.

Everything here returns plain NumPy arrays, so plotting never touches Keras and the same
functions serve the book's chapters and the report on a user's own model. One module per
concept; everything public is re-exported here, so ``probe.activations(...)`` is the call.
"""

from explainer.probe import layers, predictions, pressure, space, stages, weights
from explainer.probe.layers import *  # noqa: F403
from explainer.probe.predictions import *  # noqa: F403
from explainer.probe.pressure import *  # noqa: F403
from explainer.probe.space import *  # noqa: F403
from explainer.probe.stages import *  # noqa: F403
from explainer.probe.weights import *  # noqa: F403

__all__ = [
    *layers.__all__,
    *predictions.__all__,
    *pressure.__all__,
    *space.__all__,
    *stages.__all__,
    *weights.__all__,
]
