"""The Reproducibility page's ``{metrics-table}`` directive and the book's ``metrics.json``.

Every number a chapter records with :func:`explainer.metrics.record` lands in
``explainer_metrics_dir``; this extension shows them by chapter beside their published
references and writes them all into ``metrics.json`` next to the HTML.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive

from explainer import conventions, metrics

__all__ = ["Chapter", "ChapterMetrics", "MetricsTable", "book_chapters", "group_by_chapter"]

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
    # Pages with the metrics table are re-read whenever an example may have run.
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
    # The gallery's parts in book order (folders of examples_dirs), for the Reproducibility page.
    app.add_config_value("explainer_gallery_sections", [], "env")
    app.add_directive("metrics-table", MetricsTable)
    # Before sphinx-gallery (priority 500) runs the examples at builder-inited.
    app.connect("config-inited", _init_metrics_dir, priority=100)
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", _write_metrics_json)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
