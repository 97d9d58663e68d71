"""The report's live section: the user's own model, runnable in its self-contained page.

:func:`section_html` is the one call ``explainer report`` makes: the draw-or-drop widget with a
few of the report's images when every layer runs in the page, else a one-line note saying which
layer does not. Everything is inline (the page makes no request).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.live.export import UnsupportedModelError, export
from explainer.live.widget import draw

if TYPE_CHECKING:
    from collections.abc import Sequence

    import keras

__all__ = ["MAX_SPEC_BYTES", "section_html"]

MAX_SPEC_BYTES = 4_000_000
"""Above this (after halving the weights to float16) the page would grow too heavy: a note."""


def _note(text: str) -> str:
    return f'<p class="xl-note-report">{escape(text)}</p>'


def section_html(
    model: keras.Model, x: Any, y: Any, class_names: Sequence[str], *, per_class: int = 1
) -> str:
    """HTML of the live widget for ``model`` with up to 12 of the images ``x`` (labels ``y``)."""
    arr = np.asarray(x[: min(len(x), 2000)])
    input_max = 255.0 if arr.size and float(arr.max()) > 1.5 else 1.0
    names = [str(c) for c in class_names]
    try:
        spec = export(model, class_names=names, input_max=input_max)
        if spec.nbytes > MAX_SPEC_BYTES / 2:
            spec = export(model, class_names=names, input_max=input_max, dtype="float16")
    except (UnsupportedModelError, ValueError) as exc:
        return _note(f"The model cannot run in this page: {exc}")
    if spec.nbytes > MAX_SPEC_BYTES:
        return _note(
            f"The model is too large to run in this page ({spec.nbytes / 1e6:.1f} MB of weights "
            f"at half precision; the limit is {MAX_SPEC_BYTES / 1e6:.0f} MB)."
        )
    images = labels = None
    labels_all = np.asarray(y[: len(arr)])
    if arr.size and int(np.prod(arr.shape[1:])) == int(np.prod(spec.input_shape)):
        picks: list[int] = []
        for c in range(len(names)):
            picks.extend(int(i) for i in np.flatnonzero(labels_all == c)[:per_class])
        picks = sorted(picks)[:12]
        if picks:
            images = arr[picks].reshape(len(picks), *spec.input_shape)
            labels = [int(labels_all[i]) for i in picks]
    widget = draw(
        spec,
        images,
        labels,
        label=f"{spec.name}, live: draw or drop an image, or pick one of the data's",
    )
    return widget.html(standalone=True)
