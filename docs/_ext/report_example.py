"""The example report that ``docs/report.md`` links: ``explainer report`` on a chapter's model.

The model is the one a chapter trained (``explainer_report_recipe``, a function of
:mod:`explainer.models`), fetched from the training cache; the report is rebuilt only when that
model or any module of the package changed (:func:`report_stamp`). ``html_extra_path`` copies
the folder into the HTML output.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

__all__ = ["report_stamp"]

_REPORT_PLACEHOLDER = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Example report</title></head><body><p>The example report is made when the book is built
with its examples (it reuses the Filters chapter's trained network). Run
<code>explainer report</code> on your own model to see one.</p></body></html>
"""


def report_stamp(model_key: str, package: Path | None = None) -> str:
    """What the example report depends on: the trained model and every file of the package
    (a glob, so a new module is covered without editing this list)."""
    if package is None:
        import explainer

        package = Path(explainer.__file__).parent
    digest = hashlib.sha256(model_key.encode())
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for source in sorted(files):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _init_report_dir(app: Any, config: Any) -> None:
    # html_extra_path names this folder; Sphinx warns at config-inited if it does not exist.
    if config.explainer_report_dir:
        Path(config.explainer_report_dir).mkdir(parents=True, exist_ok=True)


def _build_report_example(app: Any) -> None:
    """Write ``<explainer_report_dir>/report-example/`` unless its stamp is unchanged."""
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
    stamp = report_stamp(trained.key)
    stamp_file = Path(app.doctreedir) / "explainer-report-example.stamp"
    if (folder / "report.json").is_file() and stamp_file.is_file():
        if stamp_file.read_text().strip() == stamp:
            return
    try:
        report.output.check_out(folder)
    except report.ReportError:  # the placeholder, or an older version's report: the build's own
        shutil.rmtree(folder)
    logger.info(f"explainer: writing the example report of {recipe_name} into {folder}")
    try:
        report.generate(trained.model, "mnist").save(folder)
    except report.ReportError as exc:
        logger.warning(f"explainer: the example report failed: {exc}")
        return
    stamp_file.write_text(stamp)


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("explainer_report_dir", "", "env")
    app.add_config_value("explainer_report_recipe", "", "env")
    app.connect("config-inited", _init_report_dir, priority=100)
    # After sphinx-gallery has run the examples (and so trained the chapter's model).
    app.connect("builder-inited", _build_report_example, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
