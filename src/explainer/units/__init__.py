"""What a unit wants: receptive fields, top-activating examples, feature visualisation, and the
space a layer has learned.

Three views of one channel of a convolution (or one class score), each answering a different
question, and each misleading in its own way:

* **Top-activating examples** (Zeiler & Fergus 2014): the inputs, and the patches of them that
  the unit can see (its *receptive field*), that excite it most. Streamed over the data with a
  running top-k (:class:`TopActivations`), so memory does not grow with the number of images.
  They show what the unit *correlates* with in the data, not what causes it to fire.
* **Feature visualisation** (Erhan et al. 2009; Yosinski et al. 2015; Olah et al. 2017):
  gradient ascent on the input to excite the unit, with regularisers that keep the result
  readable (:func:`visualise_channels`, :func:`visualise_classes`). The result lives outside
  the data: no real image looks like it.
* **The learned space**: a layer's activations for many images (:func:`features`), mapped to
  2-D with t-SNE (:func:`tsne`, van der Maaten & Hinton 2008) and measured with the accuracy
  of a k-nearest-neighbour classifier in that space (:func:`knn_accuracy`).

Everything returns NumPy arrays or small dataclasses; the figures live in
:mod:`explainer.plot`. Positions are ``(row, col)`` and boxes ``(top, left, bottom, right)``
with ``bottom``/``right`` exclusive, in pixels of the model's input.

One module per view (``fields``, ``top_examples``, ``visualisation``, ``embedding``); everything
public is re-exported here, so ``units.receptive_field(...)`` is the call.
"""

from explainer.units import embedding, fields, top_examples, visualisation
from explainer.units.embedding import *  # noqa: F403
from explainer.units.fields import *  # noqa: F403
from explainer.units.top_examples import *  # noqa: F403
from explainer.units.visualisation import *  # noqa: F403

__all__ = [
    *embedding.__all__,
    *fields.__all__,
    *top_examples.__all__,
    *visualisation.__all__,
]
