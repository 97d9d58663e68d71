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


def tiny_cnn(
    input_shape: tuple[int, int, int] = (8, 8, 1),
    *,
    convs: tuple[tuple[str, int], ...] = (("conv", 4),),
    pool_after: int | None = 1,
    global_pool: bool = False,
    classes: int = 3,
    head: str | None = "softmax",
    head_name: str = "output",
    seed: int = 0,
    name: str = "tiny_cnn",
):
    """The test suite's one small convolutional classifier, seeded, built in milliseconds.

    uint8 input rescaled to 0..1, then 3 × 3 ReLU convolutions ``convs`` (name, filters) with a
    2 × 2 max-pooling after the first ``pool_after`` of them, then Flatten (or global average
    pooling) and a dense head of ``classes`` units with activation ``head`` (``None``: logits).
    The same arguments give the same weights.
    """
    import keras

    keras.utils.set_random_seed(seed)
    layers = [keras.Input(input_shape), keras.layers.Rescaling(1 / 255, name="scale")]
    for i, (conv_name, filters) in enumerate(convs, start=1):
        layers.append(keras.layers.Conv2D(filters, 3, activation="relu", name=conv_name))
        if i == pool_after:
            layers.append(keras.layers.MaxPooling2D(name="pool"))
    pooling = keras.layers.GlobalAveragePooling2D(name="gap") if global_pool else None
    layers.append(pooling or keras.layers.Flatten(name="flatten"))
    layers.append(keras.layers.Dense(classes, activation=head, name=head_name))
    return keras.Sequential(layers, name=name)


def report_sections(*keys: str):
    """The report's sections named ``keys``, in the page's order.

    A test that asserts some views of the report generates only those: drawing every figure of
    a report costs seconds, and the whole page has its own end-to-end tests.
    """
    from explainer.report import SECTIONS

    unknown = set(keys) - {section.key for section in SECTIONS}
    assert not unknown, f"no report section {sorted(unknown)}"
    return tuple(section for section in SECTIONS if section.key in keys)
