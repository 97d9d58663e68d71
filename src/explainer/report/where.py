"""Section "Where the model looks": attribution maps of the images the report shows.

The methods that beat every model-free control (the image, its edges, a random order) in the
deletion and insertion tests of the chapter "Where the network looks", on both canvases and
both of the book's networks (:data:`explainer.attribution.REPORT_METHODS`: integrated
gradients and occlusion; the chapter asserts it), computed only for the report's sample images
and a few of its most confident mistakes, for the predicted class and, for a mistake, the true
class. The score attributed is :func:`explainer.scores.score_model`'s (a one-unit sigmoid
model by its logit). Cost: a few dozen gradient and a few hundred forward passes per map,
whatever the size of the data.
"""

from __future__ import annotations

import textwrap
import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.report.compute import Context
from explainer.report.result import ReportResult, WhereImage, WhereResult

if TYPE_CHECKING:
    from explainer.report.figures import Canvas

__all__ = ["BASELINE_IMAGES", "MAX_CORRECT", "MAX_MISTAKES", "compute_where", "draw_where"]

MAX_CORRECT = 4
"""Correctly classified sample images drawn, at most."""
MAX_MISTAKES = 3
"""Most confident mistakes drawn (each twice: predicted and true class)."""
BASELINE_IMAGES = 64
"""Images (spread over the data) whose median per channel is the baseline."""


def _baseline(ctx: Context) -> np.ndarray:
    """The data's median per channel (of a spread sample): black for digits on black, the
    typical colour for photos; what "no information" means to a map."""
    n = ctx.data.n
    picked = np.unique(np.linspace(0, n - 1, min(n, BASELINE_IMAGES)).round().astype(np.int64))
    x = ctx.model_inputs(picked.tolist()).astype(np.float32)
    return np.median(x.reshape(-1, x.shape[-1]), axis=0).astype(np.float32)


def _entries(ctx: Context, indices: list[int], with_true: bool) -> list[WhereImage]:
    out = []
    for i in indices:
        pred, true = int(ctx.pred[i]), int(ctx.y[i])
        targets = [pred, true] if with_true and pred != true else [pred]
        out.append(
            WhereImage(
                index=int(i),
                true=true,
                predicted=pred,
                targets=targets,
                probabilities=[float(ctx.proba[i, t]) for t in targets],
            )
        )
    return out


def compute_where(ctx: Context, accumulated: Any = None) -> WhereResult:
    """Maps of the shown images (samples that are right, and the most confident mistakes)."""
    from explainer import attribution, probe, scores

    t0 = time.perf_counter()
    result = WhereResult(methods=list(attribution.REPORT_METHODS), baseline=[], score="")
    shape = ctx.plan.model_shape
    if ctx.plan.image_shape is None or len(shape) != 3 or shape[-1] not in (1, 3, 4):
        result.skipped = (
            f"the model takes inputs of shape {tuple(shape)}, not images (height, width, "
            f"channels): an attribution map needs pixels laid out as an image"
        )
        return result
    correct = [i for i in ctx.samples if ctx.pred[i] == ctx.y[i]][:MAX_CORRECT]
    if ctx.samples:  # a few more right answers, of classes not shown yet (as the chapter)
        for i in np.flatnonzero(ctx.pred == ctx.y).tolist():
            if len(correct) >= MAX_CORRECT:
                break
            if int(ctx.y[i]) not in {int(ctx.y[j]) for j in correct}:
                correct.append(int(i))
    wrong = [i for i in ctx.samples if ctx.pred[i] != ctx.y[i]]
    for i in probe.most_confident_mistakes(ctx.y, ctx.proba, n=MAX_MISTAKES).tolist():
        if i not in wrong:
            wrong.append(int(i))
    wrong = wrong[:MAX_MISTAKES]
    result.correct = _entries(ctx, correct, with_true=False)
    result.mistakes = _entries(ctx, wrong, with_true=True)
    if not correct and not wrong:
        result.skipped = "there are no sample images to explain (--samples 0, no mistakes)"
        return result
    model = ctx.model
    result.score = scores.describe_scores(model)
    baseline = _baseline(ctx)
    result.baseline = baseline.tolist()
    for group, entries in (("correct", result.correct), ("mistakes", result.mistakes)):
        if not entries:
            continue
        rows = [e.index for e in entries for _ in e.targets]
        targets = [t for e in entries for t in e.targets]
        x = ctx.model_inputs(rows).astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result.maps[group] = attribution.compute_maps(model, x, targets, baseline=baseline)
    result.seconds = time.perf_counter() - t0
    return result


def _title(ctx: Context, entry: WhereImage, k: int) -> str:
    from explainer.plot.text import percent
    from explainer.report.figures import plain

    name = plain(ctx.class_names[entry.targets[k]], 14)
    return f"#{entry.index}\n{name}\np = {percent(entry.probabilities[k], 1)}"


def _methods(methods: list[str]) -> str:
    """The methods' labels from the registry, as a phrase: "Integrated gradients and occlusion"."""
    from explainer.attribution import REGISTRY

    labels = [REGISTRY[m].label for m in methods]
    text = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return text[:1].upper() + text[1:]


def draw_where(result: ReportResult, ctx: Context, canvas: Canvas) -> None:
    """One methods × images grid for the right samples, one for the mistakes."""
    from explainer import plot

    where = result.where
    if where is None or where.skipped:
        return
    t0 = time.perf_counter()
    for group, entries in (("correct", where.correct), ("mistakes", where.mistakes)):
        maps = where.maps.get(group)
        if not entries or maps is None:
            where.files[group] = None
            continue
        rows = [e.index for e in entries for _ in e.targets]
        titles = [_title(ctx, e, k) for e in entries for k in range(len(e.targets))]
        colors = [
            plot.PRED_LABEL_COLOR if k == 0 else plot.TRUE_LABEL_COLOR
            for e in entries
            for k in range(len(e.targets))
        ]
        if group == "correct":
            colors = ["black"] * len(rows)
            what = (
                "a correctly classified image"
                if len(rows) == 1
                else (f"{len(rows)} correctly classified images")
            )
            alt = f"{_methods(where.methods)} maps of {what}"
        else:
            what = (
                "most confident mistake"
                if len(entries) == 1
                else (f"{len(entries)} most confident mistakes")
            )
            alt = (
                f"{_methods(where.methods)} maps of the {what}, "
                f"for the predicted class and for the true class"
            )
        with canvas.section(f"the attribution maps ({group})"):
            import matplotlib.pyplot as plt

            # As wide as its columns (the plot's default is the book's page width).
            width = max(3.6, 1.25 * len(rows) + 1.9)
            height = (1 + len(where.methods)) * 1.25 * 1.12 + 1.0
            fig = plt.figure(figsize=(width, height), layout="constrained")
            grid = plot.attribution_grid(
                ctx.images(rows),
                {m: maps[m] for m in where.methods},
                titles=titles,
                title_colors=colors,
                fig=fig,
                suptitle=textwrap.fill(alt, int(width * 11)),
            )
            where.files[group] = canvas.save(grid.figure, f"where_{group}", alt, "where")
    result.timings["where"] = where.seconds + time.perf_counter() - t0
