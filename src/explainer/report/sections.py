"""The report's sections, in page order: what each one computes, draws and renders.

A :class:`Section` ties together the three pieces of one view:

* ``key``: its anchor on the page and its template, ``templates/sections/<key>.html.j2``
  (rendered with the whole report.json as ``r``);
* ``draw``: its figure function ``(result, ctx, canvas) -> None`` (see
  :mod:`explainer.report.figures`);
* optionally ``compute`` (``(ctx, accumulated) -> value``, stored as ``result.<key>``) and
  ``accumulator`` (``ctx_before_pass -> Accumulator | None``, riding the one streaming pass).

The built-in sections' numbers come from the core pass (accuracy, confusion, mistakes), so
they have no ``compute``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from explainer.report import compute, figures, unit_patches, where
from explainer.report.compute import Accumulator, Context, PassSetup
from explainer.report.figures import Canvas
from explainer.report.result import ReportResult

__all__ = ["SECTIONS", "Section"]


@dataclass(frozen=True)
class Section:
    key: str
    """Anchor, template name (``sections/<key>.html.j2``) and, with ``compute``, result field."""
    title: str
    draw: Callable[[ReportResult, Context, Canvas], None] | None = None
    compute: Callable[[Context, Any], Any] | None = None
    """Fills ``result.<key>``; gets the section's accumulator's ``finish()`` (or ``None``)."""
    accumulator: Callable[[PassSetup], Accumulator | None] | None = None
    """Makes an accumulator for the streaming pass (e.g. a running top-k of activations)."""
    field: str = ""
    """The result field ``compute`` fills, when it is not named ``key``."""
    shown: Callable[[Mapping[str, Any]], bool] | None = None
    """Whether the page shows the section, from report.json (default: always)."""

    def shows(self, report: Mapping[str, Any]) -> bool:
        return self.shown is None or bool(self.shown(report))

    @property
    def result_field(self) -> str:
        return self.field or self.key

    @property
    def template(self) -> str:
        return f"sections/{self.key}.html.j2"


SECTIONS: tuple[Section, ...] = (
    Section("model", "Model card"),
    Section("accuracy", "Accuracy", draw=figures.draw_accuracy),
    Section("mistakes", "Most confident mistakes", draw=figures.draw_mistakes),
    Section(
        "conv",
        "Filters and feature maps",
        draw=figures.draw_conv,
        compute=compute.compute_conv,
        field="conv_layers",
    ),
    Section("where", "Where the model looks", draw=where.draw_where, compute=where.compute_where),
    Section(
        "units",
        "What the units respond to",
        draw=unit_patches.draw_units,
        compute=unit_patches.compute_units,
        accumulator=unit_patches.units_accumulator,
    ),
    Section(
        "templates",
        "Weights as templates",
        draw=figures.draw_templates,
        compute=compute.compute_templates,
        shown=lambda r: r.get("templates") is not None,  # only a first Dense layer on the image
    ),
    Section("weights", "Weight histograms", draw=figures.draw_weights),
)
"""The page's sections in order (a tuple: one registry, changed only here). Add a new one
here (before ``weights``, say); ``generate(sections=...)`` takes another sequence."""
