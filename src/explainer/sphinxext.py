"""Sphinx glue for the book: gallery reset, the metrics table and ``metrics.json``.

``docs/conf.py`` lists this module as an extension and names :func:`reset_example` as a
sphinx-gallery reset function (as a dotted-path string, so the configuration stays picklable).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive

from explainer import metrics

__all__ = ["MetricsTable", "reset_example", "setup"]


def reset_example(gallery_conf: dict[str, Any], fname: str, when: str = "before") -> None:
    """Run between gallery examples: a fresh Keras session and the example's name for metrics."""
    import matplotlib.pyplot as plt

    plt.close("all")
    if "keras" in __import__("sys").modules:
        import keras

        keras.backend.clear_session()
    if when == "before":
        metrics.set_current_example(Path(fname).stem)
    else:
        metrics.set_current_example(None, clear=False)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if 0 <= value <= 1:
        return f"{100 * value:.2f} %"
    return f"{value:g}"


class MetricsTable(Directive):
    """``{metrics-table}``: every recorded number with its published reference."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        folder = env.config.explainer_metrics_dir
        rows = metrics.collect(folder) if folder and Path(folder).is_dir() else []
        if not rows:
            para = nodes.paragraph(text="No example has recorded a number yet in this build.")
            return [para]
        headers = ["Example", "Metric", "Ours", "Published", "Source"]
        table = nodes.table(classes=["explainer-metrics"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (20, 26, 10, 10, 34):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        body = nodes.tbody()
        group += body

        def row(cells: list[str]) -> nodes.row:
            r = nodes.row()
            for text in cells:
                entry = nodes.entry()
                entry += nodes.paragraph(text=text)
                r += entry
            return r

        head += row(headers)
        for m in rows:
            body += row([m.example, m.name, _fmt(m.value), _fmt(m.reference), m.source or "—"])
        return [table]


def _outdated(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list:
    # Pages with the metrics table must be re-read whenever an example ran.
    return list(env.config.explainer_always_reread)


def _write_metrics_json(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    folder = app.config.explainer_metrics_dir
    rows = metrics.collect(folder) if folder and Path(folder).is_dir() else []
    metrics.write_json(rows, Path(app.outdir) / "metrics.json")


def _init_metrics_dir(app: Any, config: Any) -> None:
    if config.explainer_metrics_dir:
        Path(config.explainer_metrics_dir).mkdir(parents=True, exist_ok=True)
        os.environ[metrics.METRICS_DIR_ENV] = str(config.explainer_metrics_dir)


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("explainer_metrics_dir", "", "env")
    app.add_config_value("explainer_always_reread", [], "env")
    app.add_directive("metrics-table", MetricsTable)
    # Before sphinx-gallery (priority 500) runs the examples at builder-inited.
    app.connect("config-inited", _init_metrics_dir, priority=100)
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", _write_metrics_json)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
