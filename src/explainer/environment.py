"""The process settings every entry point uses (nox, Sphinx, pytest, the report CLI), in one place.

They must be in ``os.environ`` before TensorFlow or matplotlib is first imported, so each entry
point calls :func:`configure` at its very top. Values already set by the user win.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

__all__ = ["SETTINGS", "configure"]

SETTINGS: dict[str, str] = {
    # TensorFlow's C++ INFO and WARNING lines off (absl still prints a few; the report CLI
    # silences those itself).
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "KERAS_BACKEND": "tensorflow",
    # TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX-512-class
    # features; on an AVX2 machine they still train the book's CNNs about 1.5x faster. The
    # setting is part of the model cache key, because oneDNN rounds differently.
    "TF_ENABLE_ONEDNN_OPTS": "1",
    # Figures are written to files, never shown.
    "MPLBACKEND": "Agg",
}


def configure(env: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """Put :data:`SETTINGS` into ``env`` (default ``os.environ``) where not already set."""
    target = os.environ if env is None else env
    for key, value in SETTINGS.items():
        target.setdefault(key, value)
    return target
