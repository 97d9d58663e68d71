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
    "LeCun, Cortes & Burges, The MNIST database, K-nearest-neighbors, Euclidean (L2), no "
    "preprocessing: 3.09 % test error (Kenneth Wilder); the same table lists 5.0 % for "
    "LeCun et al. 1998",
    "http://yann.lecun.com/exdb/mnist/",
)
"""k-NN on raw MNIST pixels. The table's two Euclidean entries without preprocessing are
3.09 % (K. Wilder) and 5.0 % (LeCun et al. 1998); scikit-learn's k = 5 vote on the raw
pixels reproduces the first."""
KNN_CIFAR10_PIXELS = Reference(
    0.354,
    "CS231n notes, Image classification: nearest neighbour (L2) on raw CIFAR-10 pixels, "
    "35.4 % (L1: 38.6 %)",
    "https://cs231n.github.io/classification/",
)
"""One nearest neighbour, L2 distance, all 50,000 training photos (CS231n's notes by
Karpathy); with L1 the notes give 38.6 %."""
