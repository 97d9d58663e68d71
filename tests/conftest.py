"""Shared test setup: a headless matplotlib and quiet TensorFlow."""

from __future__ import annotations

from explainer import environment

environment.configure()

import matplotlib  # noqa: E402  (after the settings, which matplotlib reads on import)
import pytest  # noqa: E402

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
