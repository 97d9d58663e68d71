"""Shared test setup: a headless matplotlib, quiet TensorFlow, and the book's scripts importable.

The tools (``tools/*.py``) and Sphinx extensions (``docs/_ext/*.py``) are scripts, not a
package: their folders are put on ``sys.path`` here, once, so tests ``import publish`` etc.
"""

from __future__ import annotations

import sys
from pathlib import Path

from explainer import environment

ROOT = Path(__file__).resolve().parent.parent
for _folder in (ROOT / "tools", ROOT / "docs" / "_ext"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

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
