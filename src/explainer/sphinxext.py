"""Sphinx glue for the book: gallery reset, the metrics table and ``metrics.json``.

``docs/conf.py`` lists this module as an extension and names :func:`reset_example` as a
sphinx-gallery reset function (as a dotted-path string, so the configuration stays picklable).

It also enforces the conventions that need a build (see :mod:`explainer.conventions`):

- a Python warning that would be printed onto an example's page is an error
  (:class:`ExampleWarning`) and fails that example;
- an example that ran and recorded no metric is a Sphinx warning (so ``-W`` fails the build);
- a pattern build (``EXPLAINER_GALLERY_PATTERN``) also runs every example whose source changed
  since its last successful run, or that never ran: otherwise its page would be published
  without output (:func:`widen_pattern`);
- generated files of examples that no longer exist are removed (:func:`remove_orphans`), so
  removing or renaming an example needs no clean-up by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive

from explainer import conventions, metrics

__all__ = [
    "Chapter",
    "ChapterMetrics",
    "ExampleWarning",
    "MetricsTable",
    "book_chapters",
    "group_by_chapter",
    "remove_orphans",
    "reset_example",
    "setup",
    "warnings_as_errors",
    "widen_pattern",
]


class ExampleWarning(RuntimeError):
    """A Python warning that an example would have printed onto its page."""


_original_showwarnmsg = warnings._showwarnmsg  # type: ignore[attr-defined]


def warnings_as_errors(example: str | None) -> None:
    """From now on, a warning that Python would print raises :class:`ExampleWarning` instead;
    ``None`` restores printing. Warnings that the filters ignore stay ignored."""
    if example is None:
        warnings._showwarnmsg = _original_showwarnmsg  # type: ignore[attr-defined]
        return

    def refuse(msg: warnings.WarningMessage) -> None:
        raise ExampleWarning(
            f"{example}: a {msg.category.__name__} would be printed onto the page: "
            f"{msg.message} ({msg.filename}:{msg.lineno}). Fix its cause; if it comes from a "
            "library and is harmless, silence it inside the explainer function that triggers "
            "it (warnings.catch_warnings), not in the chapter"
        )

    warnings._showwarnmsg = refuse  # type: ignore[attr-defined]


def reset_example(gallery_conf: dict[str, Any], fname: str, when: str = "before") -> None:
    """Run between gallery examples: a fresh Keras session and the example's name for metrics;
    warnings are errors while an example runs; an example that recorded nothing is reported."""
    import matplotlib.pyplot as plt

    plt.close("all")
    if "keras" in __import__("sys").modules:
        import keras

        keras.backend.clear_session()
    stem = Path(fname).stem
    if when == "before":
        metrics.set_current_example(stem)
        warnings_as_errors(stem)
    else:
        warnings_as_errors(None)
        metrics.set_current_example(None, clear=False)
        folder = os.environ.get(metrics.METRICS_DIR_ENV)
        if folder and not [m for m in metrics.collect(folder) if m.example == stem]:
            from sphinx.util import logging

            logging.getLogger(__name__).warning(
                f"{fname}: the example ran but recorded no metric: call "
                "explainer.metrics.record(name, value, reference=...) for the numbers its prose "
                "talks about"
            )


_NBSP = "\u00a0"  # keeps "71.40 %" on one line


def _is_share(name: str) -> bool:
    """Percent formatting: the name's last part contains "accuracy" or starts with "share"."""
    last = name.rsplit(".", 1)[-1]
    return "accuracy" in last or last.startswith("share")


def _fmt(value: float | None, name: str = "") -> str:
    """Accuracies and shares as percentages, everything else as a plain number."""
    if value is None:
        return "—"
    if _is_share(name) and 0 <= value <= 1:
        return f"{100 * value:.2f}{_NBSP}%"
    return f"{value:.4g}"


def _fmt_difference(ours: float, published: float | None, name: str) -> str:
    """Ours minus published: percentage points for percentages, else the plain difference."""
    if published is None:
        return "—"
    diff = ours - published
    if _is_share(name) and 0 <= ours <= 1 and 0 <= published <= 1:
        return f"{100 * diff:+.2f}{_NBSP}pp".replace("-", "−")
    return f"{diff:+.4g}".replace("-", "−")


@dataclass(frozen=True)
class Chapter:
    """A gallery example as the Reproducibility page lists it."""

    stem: str
    docname: str
    title: str


@dataclass
class ChapterMetrics:
    """One chapter's rows: (metric, source number or 0), and its sources, each listed once."""

    chapter: Chapter | None
    rows: list[tuple[metrics.Metric, int]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def book_chapters(gallery: str | Path, sections: Sequence[str], generated: str) -> list[Chapter]:
    """The chapters in book order: the gallery's parts in ``sections`` order, files by name."""
    gallery = Path(gallery)
    chapters = []
    for section in sections:
        for path in sorted((gallery / section).glob("plot_*.py")):
            title = conventions.chapter_title(path.read_text(encoding="utf-8")) or path.stem
            docname = f"{generated}/{section}/{path.stem}"
            chapters.append(Chapter(stem=path.stem, docname=docname, title=title))
    return chapters


def group_by_chapter(
    recorded: Sequence[metrics.Metric], chapters: Sequence[Chapter]
) -> list[ChapterMetrics]:
    """Metrics grouped by chapter in book order (recording order kept within a chapter), each
    source numbered once per chapter; metrics of unknown examples come last, ungrouped."""
    by_stem = {c.stem: ChapterMetrics(chapter=c) for c in chapters}
    other = ChapterMetrics(chapter=None)
    for m in recorded:
        group = by_stem.get(m.example, other)
        number = 0
        if m.reference is not None and m.source:
            if m.source not in group.sources:
                group.sources.append(m.source)
            number = group.sources.index(m.source) + 1
        group.rows.append((m, number))
    groups = [g for g in by_stem.values() if g.rows]
    return [*groups, other] if other.rows else groups


_URL = re.compile(r"https?://\S+")


class MetricsTable(Directive):
    """``{metrics-table}``: every recorded number with its published reference, by chapter."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from sphinx import addnodes

        env = self.state.document.settings.env
        folder = env.config.explainer_metrics_dir
        rows = metrics.collect(folder, order="recorded") if folder and Path(folder).is_dir() else []
        if not rows:
            para = nodes.paragraph(text="No example has recorded a number yet in this build.")
            return [para]
        gallery_conf = getattr(env.config, "sphinx_gallery_conf", None) or {}
        chapters = book_chapters(
            Path(env.srcdir) / str(gallery_conf.get("examples_dirs", "../gallery")),
            env.config.explainer_gallery_sections,
            str(gallery_conf.get("gallery_dirs", "auto_examples")),
        )
        out: list[nodes.Node] = []
        for group in group_by_chapter(rows, chapters):
            heading = nodes.rubric(classes=["explainer-metrics-chapter"])
            if group.chapter is None:
                heading += nodes.Text("Other examples")
            else:
                xref = addnodes.pending_xref(
                    "",
                    refdomain="std",
                    reftype="doc",
                    reftarget="/" + group.chapter.docname,
                    refexplicit=True,
                    refwarn=True,
                )
                xref += nodes.inline(text=group.chapter.title)
                heading += xref
            out.append(heading)
            out.append(self._table(group))
            if group.sources:
                out.append(self._sources(group.sources))
        return out

    @staticmethod
    def _table(group: ChapterMetrics) -> nodes.table:
        headers = ["Number", "Ours", "Published", "Difference"]
        # "colwidths-given": Sphinx writes the column widths below into the HTML.
        table = nodes.table(classes=["explainer-metrics", "colwidths-given"])
        tgroup = nodes.tgroup(cols=len(headers))
        table += tgroup
        for width in (46, 16, 20, 18):
            tgroup += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        tgroup += head
        tgroup += body

        def row(cells: list[str], classes: list[list[str]]) -> nodes.row:
            r = nodes.row()
            for text, cls in zip(cells, classes, strict=True):
                entry = nodes.entry(classes=cls)
                entry += nodes.paragraph(text=text)
                r += entry
            return r

        num = ["explainer-num"]
        head += row(headers, [[], num, num, num])
        for m, source in group.rows:
            published = _fmt(m.reference, m.name)
            if source:
                published += f"{_NBSP}[{source}]"
            cells = [m.name, _fmt(m.value, m.name), published]
            cells.append(_fmt_difference(m.value, m.reference, m.name))
            body += row(cells, [["explainer-metric-name"], num, num, num])
        return table

    @staticmethod
    def _sources(sources: Sequence[str]) -> nodes.Node:
        listing = nodes.enumerated_list(classes=["explainer-metrics-sources"], enumtype="arabic")
        for text in sources:
            item = nodes.list_item()
            para = nodes.paragraph()
            url = _URL.search(text)
            if url:
                para += nodes.Text(text[: url.start()])
                para += nodes.reference(url.group(0), url.group(0), refuri=url.group(0))
                para += nodes.Text(text[url.end() :])
            else:
                para += nodes.Text(text)
            item += para
            listing += item
        return listing


def _outdated(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list:
    # Pages with the metrics table must be re-read whenever an example ran; after an example
    # was removed, every page (sidebars, "Next" links) is rebuilt.
    if getattr(env, "explainer_rewrite_all", False) or removed:
        env.explainer_rewrite_all = False
        return sorted(env.found_docs)
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


# --- Pattern builds and removed examples ------------------------------------------------------

_GENERATED_IMAGE = re.compile(r"sphx_glr_(plot_[^.]*?)(?:_\d{3}|_thumb)?\.\w+$")


def _gallery_pairs(app: Any) -> list[tuple[Path, Path]]:
    """(examples folder, generated folder) pairs of the sphinx-gallery configuration."""
    conf = getattr(app.config, "sphinx_gallery_conf", None) or {}
    examples, generated = conf.get("examples_dirs", []), conf.get("gallery_dirs", [])
    examples = [examples] if isinstance(examples, str) else list(examples)
    generated = [generated] if isinstance(generated, str) else list(generated)
    src = Path(app.srcdir)
    return [
        (Path(os.path.normpath(src / e)), Path(os.path.normpath(src / g)))
        for e, g in zip(examples, generated, strict=False)
    ]


def remove_orphans(
    gallery: str | Path,
    generated: str | Path,
    metrics_dir: str | Path | None = None,
    html_dir: str | Path | None = None,
) -> list[Path]:
    """Delete what sphinx-gallery generated for examples whose script no longer exists.

    Looks at ``generated/<part>/plot_*`` (page, notebook, script copy, md5, zip, caches),
    ``generated/<part>/images/`` (figures and thumbnails), ``metrics_dir/<example>.json`` and
    the built pages ``html_dir/<generated>/<part>/<example>.html``. Returns what it removed.
    """
    gallery, generated = Path(gallery), Path(generated)
    stems = {p.stem for p in conventions.example_paths(gallery)}
    removed: list[Path] = []
    if generated.is_dir():
        for part in [generated, *[d for d in generated.iterdir() if d.is_dir()]]:
            source_part = gallery / part.relative_to(generated)
            if not source_part.is_dir():  # _metrics/, or a part removed as a whole
                continue
            here = {p.stem for p in source_part.glob("plot_*.py")}
            for path in part.glob("plot_*"):
                if path.is_file() and path.name.split(".", 1)[0] not in here:
                    removed.append(path)
            for folder in (part / "images", part / "images" / "thumb"):
                for path in folder.glob("sphx_glr_plot_*") if folder.is_dir() else []:
                    match = _GENERATED_IMAGE.match(path.name)
                    if match and match.group(1) not in here:
                        removed.append(path)
            if html_dir is not None:
                pages = Path(html_dir) / part.relative_to(generated.parent)
                for path in pages.glob("plot_*.html") if pages.is_dir() else []:
                    if path.stem not in here:
                        removed.append(path)
    if metrics_dir is not None and Path(metrics_dir).is_dir():
        removed += [p for p in Path(metrics_dir).glob("*.json") if p.stem not in stems]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def widen_pattern(pattern: str, stale: Iterable[Path]) -> str:
    """``pattern`` extended to also match the scripts ``stale`` (by their full path)."""
    extra = [re.escape(os.path.normpath(p)) + "$" for p in stale]
    return "|".join([f"(?:{pattern})", *extra]) if extra else pattern


def _prepare_gallery(app: Any) -> None:
    """builder-inited, before sphinx-gallery runs: remove orphans, run stale examples too."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    conf = getattr(app.config, "sphinx_gallery_conf", None)
    if conf is None:
        return
    for gallery, generated in _gallery_pairs(app):
        removed = remove_orphans(
            gallery, generated, app.config.explainer_metrics_dir or None, app.outdir
        )
        if removed:
            app.env.explainer_rewrite_all = True
            names = sorted({p.name.split(".", 1)[0] for p in removed})
            logger.info(
                f"explainer: removed the generated files of {len(names)} deleted example "
                f"file(s): {', '.join(names)}"
            )
        if str(conf.get("plot_gallery")) in {"False", "0"}:
            continue
        pattern = conf.get("filename_pattern", "")
        stale = conventions.stale_examples(gallery, generated, pattern)
        if stale:
            conf["filename_pattern"] = widen_pattern(pattern, stale)
            logger.info(
                "explainer: also running example(s) changed since their last run, so their "
                f"pages keep their output: {', '.join(p.name for p in stale)}"
            )


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
    app.add_config_value("explainer_metrics_dir", "", "env")
    app.add_config_value("explainer_always_reread", [], "env")
    # The gallery's parts in book order (folders of examples_dirs), for the Reproducibility page.
    app.add_config_value("explainer_gallery_sections", [], "env")
    app.add_config_value("explainer_report_dir", "", "env")
    app.add_config_value("explainer_report_recipe", "", "env")
    app.add_directive("metrics-table", MetricsTable)
    # Before sphinx-gallery (priority 500) runs the examples at builder-inited.
    app.connect("config-inited", _init_metrics_dir, priority=100)
    app.connect("config-inited", _init_report_dir, priority=100)
    app.connect("env-get-outdated", _outdated)
    # After sphinx-gallery has filled its configuration (10), before it runs the examples (500).
    app.connect("builder-inited", _prepare_gallery, priority=100)
    # After sphinx-gallery has run the examples (and so trained the chapter's model).
    app.connect("builder-inited", _build_report_example, priority=900)
    app.connect("build-finished", _write_metrics_json)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
