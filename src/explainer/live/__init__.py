"""The book's networks in the reader's browser: export, one small JS runtime, widgets.

:func:`export` turns a trained Keras model into plain data; ``static/runtime.js`` (one
dependency-free ES module) runs it: every layer's output, the input gradient of a class's
pre-softmax score, batched forward passes. The widgets in :mod:`explainer.live.widget` put both
into a page (a chapter, a notebook, the report) with no request to any server.
"""

from __future__ import annotations

from pathlib import Path

from explainer.live.export import SUPPORTED, Spec, UnsupportedModelError, export
from explainer.live.widget import Widget, draw, occlude, page_css, page_script, space

STATIC = Path(__file__).parent / "static"
RUNTIME = STATIC / "runtime.js"
"""The runtime, an ES module (``import { load } from "./runtime.js"``)."""

__all__ = [
    "RUNTIME",
    "STATIC",
    "SUPPORTED",
    "Spec",
    "UnsupportedModelError",
    "Widget",
    "draw",
    "export",
    "occlude",
    "page_css",
    "page_script",
    "space",
]
