"""Shared test setup: a headless matplotlib and quiet TensorFlow."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty, private model cache."""
    path = tmp_path / "models"
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(path))
    return path
