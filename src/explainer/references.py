"""Published numbers the book compares its own with, each with its citation, in one place.

A chapter passes one of these to :func:`explainer.metrics.record` (``reference=``); the
Reproducibility page reads the value and the source from the recorded metric. A number typed
into a chapter instead would drift from its citation the first time someone edits one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAFFE_CIFAR10_QUICK",
    "HIRAGANA_QIITA_CNN",
    "HIRAGANA_QIITA_DROPOUT",
    "HIRAGANA_QIITA_SOFTMAX",
    "JK_CHECKDATA_ACCURACY",
    "JK_CHECKDATA_L1_SURVIVING_UNITS",
    "JK_MNIST_CNN",
    "KNN_CIFAR10_PIXELS",
    "KNN_MNIST_PIXELS",
    "ML4A_CIFAR10_SOFTMAX",
    "ML4A_MNIST_SOFTMAX",
    "YASUI_DENSE_TANH",
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

_ML4A = "ml4a (Gene Kogan), Looking inside neural nets"
_ML4A_URL = "https://ml4a.github.io/ml4a/looking_inside_neural_nets/"
ML4A_MNIST_SOFTMAX = Reference(0.92, f"{_ML4A}: 784 → 10 softmax on MNIST, about 92 %", _ML4A_URL)
ML4A_CIFAR10_SOFTMAX = Reference(0.37, f"{_ML4A}: 3072 → 10 softmax on CIFAR-10, 37 %", _ML4A_URL)

_JK = "JK, Deep LearningをKerasで可視化したい (次世代システム研究室 blog, 2017)"
JK_MNIST_CNN = Reference(0.99, f"{_JK}: Conv2D(16, 5×5) → pool → softmax on MNIST, about 99 %")
JK_CHECKDATA_ACCURACY = Reference(1.0, f"{_JK}: the check-data MLP, 100 % test accuracy")
JK_CHECKDATA_L1_SURVIVING_UNITS = Reference(
    5, f"{_JK}, section 2.1: hidden units still connected under L1"
)

CAFFE_CIFAR10_QUICK = Reference(
    0.75,
    "Caffe, CIFAR-10 tutorial: cifar10_quick, about 75 %",
    "https://caffe.berkeleyvision.org/gathered/examples/cifar10.html",
)

_HIRAGANA_QIITA = (
    'Tensorflowを2ヶ月触ったので"手書きひらがな"の識別95.04%で畳み込みニューラルネットワークを'
    "わかりやすく解説 (Qiita, 2016), 71 handwritten hiragana of the ETL database, 28 × 28"
)
HIRAGANA_QIITA_SOFTMAX = Reference(
    0.2879, f"{_HIRAGANA_QIITA}: softmax regression, 10,000 steps, 28.79 %"
)
HIRAGANA_QIITA_CNN = Reference(
    0.8715, f"{_HIRAGANA_QIITA}: two-convolution CNN with a hidden layer, 10,000 steps, 87.15 %"
)
HIRAGANA_QIITA_DROPOUT = Reference(
    0.9504,
    f"{_HIRAGANA_QIITA}: the same CNN, 20,000 steps with learning-rate and dropout schedules, "
    "95.04 %",
)
"""The article's three steps; its data (ETL handwriting, 71 classes, many writers per
character) are not the book's (46 characters from fonts), so only the ordering compares."""

_YASUI = (
    "Yasui, ディープラーニングの挙動を解析的に眺めてみた (Looking at deep learning analytically)"
)
YASUI_DENSE_TANH: dict[str, Reference] = {
    name: Reference(value, f"{_YASUI}: test accuracy of its tanh stacks")
    for name, value in {
        "twoclass.h0_w2": 0.90,
        "twoclass.h1_w2": 0.90,
        "twoclass.h5_w2": 1.00,
        "circles.h10_w2": 0.95,
        "circles.h10_w3": 1.00,
    }.items()
}
"""The article's test accuracies of its tanh stacks, by the Bending-space chapter's metric names."""
