"""Widgets: a trained network and what to show with it, as HTML that runs in the page.

A widget is a ``<div class="xl-widget">`` holding its data as JSON (the exported network, test
images, options); ``static/widget.js`` builds it with the runtime. Where the script comes from
depends on the page:

* standalone (Jupyter, the report, a saved file): the HTML carries the runtime, the widget code
  and the styles inline, so it works offline and from ``file://``;
* in the book: the Sphinx glue (:mod:`explainer.live.sphinx`) sets :data:`RUNTIME_ENV` to
  ``page`` and attaches one script and one stylesheet to the pages that hold a widget, so a page
  with three widgets carries the code once.

``widget._repr_html_()`` is what sphinx-gallery embeds and Jupyter shows.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.live.export import Spec, export

if TYPE_CHECKING:
    from collections.abc import Sequence

    import keras

__all__ = [
    "RUNTIME_ENV",
    "Widget",
    "draw",
    "occlude",
    "page_css",
    "page_script",
    "space",
]

RUNTIME_ENV = "EXPLAINER_LIVE_RUNTIME"
"""``page``: the page attaches the widget script itself (the book); otherwise HTML is inline."""

_STATIC = Path(__file__).parent / "static"
_EXPORT_LINE = re.compile(r"^export \{([^}]*)\};\s*$", re.MULTILINE)


def page_script() -> str:
    """The runtime and the widget code as one classic script (works from ``file://``).

    ``runtime.js`` is an ES module; its one ``export { ... };`` line becomes an assignment to
    ``globalThis.ExplainerLive``, inside a function, so nothing else leaks into the page. A
    second copy on the same page (two standalone widgets in a notebook) only mounts.
    """
    runtime = (_STATIC / "runtime.js").read_text(encoding="utf-8")
    match = _EXPORT_LINE.search(runtime)
    if match is None:
        raise RuntimeError("runtime.js must end with one `export { ... };` line")
    names = match.group(1)
    runtime = _EXPORT_LINE.sub(f"globalThis.ExplainerLive = {{{names}}};", runtime)
    widget = (_STATIC / "widget.js").read_text(encoding="utf-8")
    if "</script" in runtime + widget:
        raise RuntimeError("the widget code must not contain '</script' (it is inlined)")
    return (
        "(function () {\n"
        "if (globalThis.ExplainerLive && globalThis.ExplainerLive.mountAll) {\n"
        "  globalThis.ExplainerLive.mountAll();\n  return;\n}\n"
        f"{runtime}\n{widget}\n}})();\n"
    )


def page_css() -> str:
    """The widgets' stylesheet."""
    return (_STATIC / "widget.css").read_text(encoding="utf-8")


def _json_for_html(data: Any) -> str:
    # Inside <script>: no "</script>" or "<!--" can appear once "<" is escaped.
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


@dataclass
class Widget:
    """One widget: its ``kind`` (``draw``, ``occlude``, ``space``) and its plain data."""

    kind: str
    data: dict[str, Any]
    label: str = ""
    spec: Spec | None = field(default=None, repr=False)

    def html(self, *, standalone: bool | None = None) -> str:
        """The widget's HTML; ``standalone`` (default: unless in the book) inlines the code."""
        if standalone is None:
            standalone = os.environ.get(RUNTIME_ENV) != "page"
        parts = [
            f'<div class="xl-widget" data-kind="{escape(self.kind)}" role="group" '
            f'aria-label="{escape(self.label)}">',
            f'<script type="application/json" class="xl-data">{_json_for_html(self.data)}</script>',
            '<p class="xl-fallback">This interactive figure needs JavaScript.</p>',
            "</div>",
        ]
        if standalone:
            parts.append(f"<style>{page_css()}</style>")
            parts.append(f"<script>{page_script()}</script>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.html()

    @property
    def nbytes(self) -> int:
        """Bytes of the widget's own HTML in the book (without the shared script)."""
        return len(self.html(standalone=False).encode())


def _spec(model: keras.Model | Spec, **kwargs: Any) -> Spec:
    return model if isinstance(model, Spec) else export(model, **kwargs)


def _images(images: np.ndarray, titles: Sequence[str], shape: Sequence[int]) -> list[dict]:
    """Test images as base64 uint8 (0–255), checked against the network's input shape."""
    arr = np.asarray(images)
    if arr.dtype != np.uint8:
        top = 255.0 if arr.max(initial=0) > 1.0 else 1.0
        arr = np.clip(np.round(arr.astype(np.float64) / top * 255), 0, 255).astype(np.uint8)
    if int(np.prod(arr.shape[1:])) != int(np.prod(shape)):
        raise ValueError(f"images of shape {arr.shape[1:]} do not fit the input {tuple(shape)}")
    if len(titles) != len(arr):
        raise ValueError(f"{len(titles)} titles for {len(arr)} images")
    return [
        {"title": str(t), "data": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()}
        for a, t in zip(arr, titles, strict=True)
    ]


def _titles(labels: Sequence[int] | None, names: Sequence[str], n: int) -> list[str]:
    if labels is None:
        return [f"#{i + 1}" for i in range(n)]
    return [f"#{i + 1}: {names[int(y)]}" for i, y in enumerate(labels)]


def draw(
    model: keras.Model | Spec,
    images: np.ndarray | None = None,
    labels: Sequence[int] | None = None,
    *,
    class_names: Sequence[str] | None = None,
    templates: Sequence[str] = (),
    max_channels: int = 16,
    dtype: str = "float32",
    label: str = "Live network: draw or pick an input",
) -> Widget:
    """Draw a digit (28 × 28 grey networks) or drop an image, or pick one of ``images``.

    Shows every convolution and pooling map (``max_channels`` per layer), each dense hidden
    layer's units (with their weights as images for the layers named in ``templates``), the
    output bars and gradient × input for the predicted class.
    """
    spec = _spec(model, dtype=dtype, class_names=None if class_names is None else list(class_names))
    names = spec.data["class_names"]
    data: dict[str, Any] = {"spec": spec.data, "templates": list(templates)}
    data["max_channels"] = int(max_channels)
    if images is not None:
        data["images"] = _images(images, _titles(labels, names, len(images)), spec.input_shape)
    return Widget("draw", data, label, spec)


def occlude(
    model: keras.Model | Spec,
    images: np.ndarray,
    labels: Sequence[int] | None = None,
    *,
    class_names: Sequence[str] | None = None,
    fill: Sequence[float] | float | None = None,
    patch: int = 8,
    patches: Sequence[int] = (4, 8, 12),
    dtype: str = "float32",
    label: str = "Live network: occlude part of a photo",
) -> Widget:
    """Drag a square filled with ``fill`` (input units; default half the input range) over a
    photo: the class probabilities follow live, beside the occlusion map of the whole photo."""
    spec = _spec(model, dtype=dtype, class_names=None if class_names is None else list(class_names))
    if len(spec.input_shape) != 3:
        raise ValueError(f"occlusion needs image inputs (H, W, C), not {spec.input_shape}")
    names = spec.data["class_names"]
    data: dict[str, Any] = {
        "spec": spec.data,
        "images": _images(images, _titles(labels, names, len(images)), spec.input_shape),
        "patch": int(patch),
        "patches": [int(p) for p in patches],
    }
    if fill is not None:
        data["fill"] = [float(v) for v in np.atleast_1d(fill)]
    return Widget("occlude", data, label, spec)


def space(
    model: keras.Model | Spec,
    points: np.ndarray,
    labels: Sequence[int],
    *,
    limits: tuple[tuple[float, float], tuple[float, float]],
    copy: int | None = None,
    start: tuple[float, float] | None = None,
    label: str = "Live network: a point carried through the layers",
) -> Widget:
    """Move a point in the input plane (``limits`` = ``((x0, x1), (y0, y1))``) and see where
    each layer of a small dense network puts it, among the ``points`` (coloured by class)."""
    spec = _spec(model, copy=copy)
    if spec.input_shape != (2,):
        raise ValueError(f"the space widget needs a network on 2-D points, not {spec.input_shape}")
    pts = np.asarray(points, dtype="<f4").reshape(-1, 2)
    ys = [int(y) for y in labels]
    if len(ys) != len(pts):
        raise ValueError(f"{len(ys)} labels for {len(pts)} points")
    data: dict[str, Any] = {
        "spec": spec.data,
        "points": base64.b64encode(pts.tobytes()).decode(),
        "labels": ys,
        "limits": [[float(a) for a in limits[0]], [float(a) for a in limits[1]]],
    }
    if start is not None:
        data["start"] = [float(start[0]), float(start[1])]
    return Widget("space", data, label, spec)
