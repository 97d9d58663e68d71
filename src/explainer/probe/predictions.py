"""What a model predicts for many inputs, batch by batch, and its mistakes ranked by how sure
it was (the confusion counts, the most confident mistakes, hesitant and blatant ones)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    "Predictions",
    "confusion",
    "mistakes_by_margin",
    "most_confident_mistakes",
    "predict",
]


@dataclass(frozen=True)
class Predictions:
    """Class probabilities with the predicted label and its probability per sample."""

    proba: np.ndarray
    """(N, n_classes) probabilities."""

    @property
    def labels(self) -> np.ndarray:
        return np.argmax(self.proba, axis=1)

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the predicted class."""
        return np.max(self.proba, axis=1)

    @property
    def margin(self) -> np.ndarray:
        """Top-1 minus top-2 probability: small when the network hesitates."""
        top2 = np.sort(self.proba, axis=1)[:, -2:]
        return top2[:, 1] - top2[:, 0]

    def accuracy(self, y_true: np.ndarray) -> float:
        return float(np.mean(self.labels == np.asarray(y_true)))


def predict(model: keras.Model, x: np.ndarray, *, batch_size: int = 512) -> Predictions:
    """Class probabilities for ``x``, computed batch by batch."""
    parts = []
    for start in range(0, len(x), batch_size):
        batch = np.asarray(x[start : start + batch_size])
        parts.append(np.asarray(model(batch, training=False), dtype=np.float32))
    if not parts:
        raise ValueError("no inputs to predict")
    return Predictions(proba=np.concatenate(parts))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts matrix: rows are true classes, columns predicted classes."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def most_confident_mistakes(
    y_true: np.ndarray, proba: np.ndarray, n: int | None = None
) -> np.ndarray:
    """Indices of misclassified samples, the most confidently wrong first."""
    y_true = np.asarray(y_true)
    pred = np.argmax(proba, axis=1)
    wrong = np.flatnonzero(pred != y_true)
    conf = proba[wrong, pred[wrong]]
    order = wrong[np.argsort(-conf, kind="stable")]
    return order if n is None else order[:n]


def mistakes_by_margin(
    y_true: np.ndarray,
    proba: np.ndarray,
    n_hesitant: int = 2,
    n_blatant: int = 2,
    *,
    runner_up_true: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of "hesitant" and "blatant" mistakes, chosen by the probabilities alone.

    Hesitant: misclassified samples with the smallest margin between the two most probable
    classes (where a person might hesitate too); with ``runner_up_true`` only those whose
    true class is the runner-up, so the network nearly got it right. Blatant: misclassified
    samples with the highest probability on the wrong class. Ties keep the data order; a
    sample is never in both lists.
    """
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError("proba must be (N, n_classes) with one row per label")
    order = np.argsort(-proba, axis=1, kind="stable")
    top1, top2 = order[:, 0], order[:, 1]
    rows = np.arange(len(y_true))
    margin = proba[rows, top1] - proba[rows, top2]
    wrong = np.flatnonzero(top1 != y_true)
    blatant = wrong[np.argsort(-proba[wrong, top1[wrong]], kind="stable")][:n_blatant]
    candidates = np.setdiff1d(wrong, blatant, assume_unique=True)
    if runner_up_true:
        candidates = candidates[top2[candidates] == y_true[candidates]]
    hesitant = candidates[np.argsort(margin[candidates], kind="stable")][:n_hesitant]
    return hesitant, blatant
