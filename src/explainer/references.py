"""Published numbers the book compares its own with, each with its citation, in one place.

A chapter passes one of these to :func:`explainer.metrics.record` (``reference=``); the
Reproducibility page reads the value and the source from the recorded metric. A number typed
into a chapter instead would drift from its citation the first time someone edits one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "KNN_CIFAR10_PIXELS",
    "KNN_MNIST_PIXELS",
    "Reference",
]


@dataclass(frozen=True)
class Reference:
    """A published value and where it was published."""

    value: float
    source: str
    url: str | None = None


KNN_MNIST_PIXELS = Reference(
    0.9691,
    "LeCun, Cortes & Burges, The MNIST database: K-NN, Euclidean (L2), 3.09 % test error",
    "http://yann.lecun.com/exdb/mnist/",
)
KNN_CIFAR10_PIXELS = Reference(
    0.354,
    "CS231n notes, Image classification: nearest neighbour (L2) on raw CIFAR-10 pixels, 35.4 %",
    "https://cs231n.github.io/classification/",
)
