"""Sphinx glue for the book: gallery reset, the metrics table and ``metrics.json``.

``docs/conf.py`` lists this module as an extension and names :func:`reset_example` as a
sphinx-gallery reset function (as a dotted-path string, so the configuration stays picklable).
"""

from __future__ import annotations

import os
import shutil
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


def _fmt(value: float | None, name: str = "") -> str:
    """Accuracies and shares as percentages, everything else as a plain number."""
    if value is None:
        return "—"
    last = name.rsplit(".", 1)[-1]
    if ("accuracy" in last or last.startswith("share")) and 0 <= value <= 1:
        return f"{100 * value:.2f} %"
    return f"{value:.4g}"


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
        for width in (18, 28, 12, 12, 30):
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
            body += row(
                [
                    m.example,
                    m.name,
                    _fmt(m.value, m.name),
                    _fmt(m.reference, m.name),
                    m.source or "—",
                ]
            )
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


# --- The example report (docs/report.md links it) ----------------------------------------------

_REPORT_PLACEHOLDER = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Example report</title></head><body><p>The example report is made when the book is built
with its examples (it reuses the Filters chapter's trained network). Run
<code>explainer report</code> on your own model to see one.</p></body></html>
"""


def _report_stamp(model_key: str) -> str:
    """What the example report depends on: the trained model and the code that draws it."""
    import hashlib

    import explainer

    digest = hashlib.sha256(model_key.encode())
    package = Path(explainer.__file__).parent
    report_files = [
        p for p in (package / "report").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    for source in sorted([*report_files, package / "probe.py", *package.glob("plot/*.py")]):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _init_report_dir(app: Any, config: Any) -> None:
    # html_extra_path names this folder; Sphinx warns at config-inited if it does not exist.
    if config.explainer_report_dir:
        Path(config.explainer_report_dir).mkdir(parents=True, exist_ok=True)


def _build_report_example(app: Any) -> None:
    """Write ``<explainer_report_dir>/report-example/`` with ``explainer report``.

    The model is the one a chapter trained (``explainer_report_recipe``, a function of
    :mod:`explainer.models`), fetched from the training cache; the report is rebuilt only when
    that model or the report's code changed. ``html_extra_path`` copies the folder into the
    HTML output, where ``report.md`` links it.
    """
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    folder = Path(app.config.explainer_report_dir) / "report-example"
    recipe_name = app.config.explainer_report_recipe
    folder.parent.mkdir(parents=True, exist_ok=True)
    gallery_conf = getattr(app.config, "sphinx_gallery_conf", None) or {}
    if not recipe_name or str(gallery_conf.get("plot_gallery")) == "False":
        if not (folder / "index.html").is_file():
            folder.mkdir(exist_ok=True)
            (folder / "index.html").write_text(_REPORT_PLACEHOLDER, encoding="utf-8")
        return
    from explainer import datasets, models, report, training

    mnist = datasets.load_mnist()
    trained = training.train(getattr(models, recipe_name)(), mnist.x_train, mnist.y_train)
    stamp = _report_stamp(trained.key)
    stamp_file = Path(app.doctreedir) / "explainer-report-example.stamp"
    if (folder / "report.json").is_file() and stamp_file.is_file():
        if stamp_file.read_text().strip() == stamp:
            return
    if folder.is_dir() and not (folder / "report.json").is_file():
        shutil.rmtree(folder)  # the placeholder of a build without examples
    logger.info(f"explainer: writing the example report of {recipe_name} into {folder}")
    try:
        report.generate(trained.model, "mnist").save(folder)
    except report.ReportError as exc:
        logger.warning(f"explainer: the example report failed: {exc}")
        return
    stamp_file.write_text(stamp)


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("explainer_metrics_dir", "", "env")
    app.add_config_value("explainer_always_reread", [], "env")
    app.add_config_value("explainer_report_dir", "", "env")
    app.add_config_value("explainer_report_recipe", "", "env")
    app.add_directive("metrics-table", MetricsTable)
    # Before sphinx-gallery (priority 500) runs the examples at builder-inited.
    app.connect("config-inited", _init_metrics_dir, priority=100)
    app.connect("config-inited", _init_report_dir, priority=100)
    app.connect("env-get-outdated", _outdated)
    # After sphinx-gallery has run the examples (and so trained the chapter's model).
    app.connect("builder-inited", _build_report_example, priority=900)
    app.connect("build-finished", _write_metrics_json)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
