"""Sphinx glue for the live widgets: their script and stylesheet on the pages that hold one.

The examples run inside the Sphinx process, so setting :data:`~explainer.live.widget.RUNTIME_ENV`
here makes every widget's HTML leave the code out; this extension then writes the code once
into ``_static/`` and attaches it only to the pages whose body holds a widget. Add
``"explainer.live.sphinx"`` to ``extensions``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from explainer.live.widget import RUNTIME_ENV, page_css, page_script

SCRIPT = "explainer-live.js"
STYLE = "explainer-live.css"
MARKER = 'class="xl-widget"'


def _page_runtime(app: Any, config: Any) -> None:
    os.environ[RUNTIME_ENV] = "page"


def _attach(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if MARKER in (context.get("body") or ""):
        app.add_js_file(SCRIPT, defer="defer")
        app.add_css_file(STYLE)


def _write_static(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / SCRIPT).write_text(page_script(), encoding="utf-8")
    (static / STYLE).write_text(page_css(), encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _page_runtime)
    app.connect("html-page-context", _attach)
    app.connect("build-finished", _write_static)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
