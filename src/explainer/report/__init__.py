"""``explainer report``: the book's views of *your* Keras image classifier, as a static folder.

One command (or :func:`generate` in Python) turns a trained model and labelled images into
``index.html``, PNG figures and ``report.json`` (every number the page shows), drawn by the
same :mod:`explainer.probe` and :mod:`explainer.plot` functions as the book's chapters.

The modules follow the flow of one report::

    data.py          DATA spec → ReportData (memory-mapped arrays, lazy image folders)
    model_checks.py  load the model, check it, plan its input, choose the layers to draw
    compute.py   the one streaming pass (pluggable per-batch Accumulators) and the numbers
    result.py    the typed result: dataclasses with to_json() (= report.json); schema.py
                 derives report.json's JSON Schema from them
    figures.py   one figure function per section, PNGs into an in-memory Canvas
    sections.py  the sections in page order: key, title, draw, compute, accumulator
    where.py     section "Where the model looks" (attribution maps of the shown images)
    unit_patches.py  section "What the units respond to" (top patches, an accumulator on the
                 pass)
    render.py    Jinja2 (autoescape on): templates/report.html.j2 + templates/sections/*.html.j2,
                 static/report.css inlined
    api.py       generate() → Report (.save(folder), .to_json(), ._repr_html_())
    output.py    the --out rules (checked before any work) and the all-or-nothing save
    cli.py       the command line; quiet.py keeps TensorFlow's C++ log lines off stderr

Promises: bad input is refused before anything is written, as a :class:`ReportError` with a
one-line message (exit status 2 in the CLI); no file the report did not write is ever deleted
(``--out`` is replaced only when it is an earlier report of this tool, :mod:`.output`);
:meth:`Report.save` writes into a temporary folder renamed into place when complete, so
nothing is ever half-written; the images are never held (the
pass reads a chunk at a time; only per-image results such as the ``(N, classes)``
probabilities are kept); the page is
self-contained (inline CSS, local PNGs, the live network's script inline, no web request).

**How to add a section** (``where.py`` is a worked example without an accumulator,
``unit_patches.py`` one with):

1. **Result field**: a dataclass with ``to_json`` (subclass
   :class:`~explainer.report.result.JsonData`) and a field ``where: WhereResult | None = None`` on
   :class:`~explainer.report.result.ReportResult`. Arrays the figure needs but report.json
   should not hold (maps, positions) go in fields with ``metadata={"internal": True}``.
2. **Compute**: a function ``compute_where(ctx, accumulated) -> WhereResult`` reading the
   :class:`~explainer.report.compute.Context` (model, ``ctx.model_inputs(ctx.samples)``,
   ``ctx.proba``, ...). If it needs every image, give the section an ``accumulator`` factory
   ``(setup: PassSetup) -> Accumulator``: an object with ``layers`` (layer paths whose outputs it
   needs), ``update(batch)`` (one model batch at a time) and ``finish()``; it rides the one
   streaming pass, and ``finish()``'s value reaches ``compute`` as ``accumulated``.
3. **Figure function**: ``draw_where(result, ctx, canvas)`` that draws with :mod:`explainer.plot`,
   saves with ``canvas.save(fig, stem, alt, "where")`` and stores the file name in
   ``result.where``.
4. **Template**: ``templates/sections/where.html.j2``, rendered with report.json as ``r``
   (``r.where``); include ``figure.html.j2`` after ``{% set file = ..., caption = ... %}``.
5. Register ``Section("where", "Where the model looks", draw=draw_where, compute=compute_where)``
   in :data:`~explainer.report.sections.SECTIONS`, where it should appear on the page.
"""

from __future__ import annotations

from explainer.report.api import Report, generate
from explainer.report.cli import OneLineParser, add_parser, main, run
from explainer.report.compute import Accumulator, Batch, Context, PassSetup
from explainer.report.data import ReportData, load_data
from explainer.report.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    ReportError,
)
from explainer.report.model_checks import load_model
from explainer.report.progress import Progress
from explainer.report.render import render_html
from explainer.report.result import ReportResult
from explainer.report.sections import SECTIONS, Section

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "SECTIONS",
    "Accumulator",
    "Batch",
    "Context",
    "OneLineParser",
    "PassSetup",
    "Progress",
    "Report",
    "ReportData",
    "ReportError",
    "ReportResult",
    "Section",
    "add_parser",
    "generate",
    "load_data",
    "load_model",
    "main",
    "render_html",
    "run",
]
