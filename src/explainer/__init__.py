"""explainer: look inside small neural networks.

The modules follow the data: :mod:`~explainer.datasets` loads real data,
:mod:`~explainer.models` describes networks as recipes, :mod:`~explainer.training` trains them
through a content-keyed cache, :mod:`~explainer.probe` reads weights, activations and
predictions, :mod:`~explainer.plot` draws them and :mod:`~explainer.metrics` records the numbers
the book states.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("explainer-book")  # the distribution name; the import name differs
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
