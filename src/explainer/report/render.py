"""Rendering: report.json → the self-contained ``index.html``, through Jinja2 templates.

Autoescape is on for every template, so a class name, file name or layer name can never become
markup; the only unescaped value is the package's own CSS file. The page makes no web request:
inline CSS, local (or inlined) PNGs; the only script is the live widget's, inline
(:mod:`explainer.live.report`).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2

from explainer.report.figures import MAX_CONFUSION_CLASSES, MAX_TILES

__all__ = ["css", "data_uri", "environment", "pct", "render_html"]


def pct(value: float | None) -> str:
    """A share with two decimals; an uncertain one never shows as 100.00 % (or 0.00 %)."""
    if value is None:
        return "—"
    value = float(value)
    for digits in range(2, 9):
        shown = round(100 * value, digits)
        if (value < 1 and shown >= 100) or (value > 0 and shown <= 0):
            continue
        return f"{100 * value:.{digits}f} %"
    return f"{100 * value:.8f} %"


def _num(value: int) -> str:
    return f"{value:,}"


def _shape(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


@functools.cache
def environment() -> jinja2.Environment:
    """The report's Jinja2 environment: package templates, autoescape always on."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("explainer.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=pct, num=_num, shape=_shape)
    return env


@functools.cache
def css() -> str:
    """The page's stylesheet (package data, inlined into the page)."""
    return resources.files("explainer.report").joinpath("static/report.css").read_text("utf-8")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(
    report: Mapping[str, Any],
    *,
    sections: Sequence[Any] | None = None,
    src: Callable[[str], str] | None = None,
    live: str = "",
    link_json: bool = True,
) -> str:
    """The report page from report.json (a dict); ``src`` maps a figure file to its ``src``.

    ``link_json`` links report.json, which sits beside the page once saved; a page shown
    inline (a notebook) has no file beside it to link. Sections with nothing to show for this
    model (:attr:`Section.shown`) are left off the page and its contents.
    """
    from explainer.report.sections import SECTIONS

    alts = {record["file"]: record["alt"] for record in report.get("figures", [])}
    samples = {s["index"]: s for s in report.get("samples", [])}

    def label(index: int, name: str) -> str:
        return name if name == str(index) else f"{index}: {name}"

    template = environment().get_template("report.html.j2")
    return template.render(
        r=report,
        sections=[s for s in (SECTIONS if sections is None else sections) if s.shows(report)],
        link_json=link_json,
        css=css(),
        src=src or (lambda file: file),
        alt_of=lambda file: alts.get(file, ""),
        sample_of=samples.get,
        label=label,
        max_tiles=MAX_TILES,
        max_confusion=MAX_CONFUSION_CLASSES,
        live=live,
    )
