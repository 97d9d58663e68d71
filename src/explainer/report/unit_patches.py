"""Section "What the units respond to": each channel's top-activating patches from the data.

An :class:`UnitsAccumulator` rides the report's one streaming pass: for each chosen
convolution a :class:`explainer.units.TopActivations` keeps, per channel, the ``k`` images whose
maximum activation is highest and where that maximum sits (``C × k`` numbers, flat in N). After
the pass only those winning images are read back from the data, by index, to cut the patches
the unit can see (its receptive field, :func:`explainer.units.receptive_field`).

The activation ranked is the one the network passes on (:func:`explainer.probe.passed_on`):
for ``Conv2D → BatchNormalization → ReLU`` the ReLU's output, not the convolution's raw one
(a negative BN scale would invert the raw ranking, and a raw value below zero may still be
passed on). Same positions, so the same receptive field.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.report.compute import Batch, Context
from explainer.report.result import ReportResult, UnitsLayer, UnitsResult

if TYPE_CHECKING:
    from explainer.report.compute import PassSetup
    from explainer.report.figures import Canvas
    from explainer.units import ReceptiveField, TopExamples

__all__ = [
    "MAX_UNIT_CHANNELS",
    "TOP_K",
    "UnitsAccumulator",
    "compute_units",
    "draw_units",
    "layer_field",
    "units_accumulator",
]

TOP_K = 8
"""Top images kept per channel."""
MAX_UNIT_CHANNELS = 16
"""Channels drawn per layer: a 16 × 8 grid of patches stays legible."""


class UnitsAccumulator:
    """A running top-k per channel of each chosen convolution, fed by the one pass."""

    def __init__(
        self,
        layers: list[str],
        channels_first: set[str],
        k: int = TOP_K,
        ranked: dict[str, str] | None = None,
    ) -> None:
        from explainer.units import TopActivations

        self.ranked = {name: (ranked or {}).get(name, name) for name in layers}
        """Convolution path → the path of the layer whose output ranks its channels."""
        self.layers = list(dict.fromkeys(self.ranked.values()))
        self.channels_first = channels_first
        self.tops = {name: TopActivations(k, layer=name) for name in layers}
        self.seconds = 0.0

    def update(self, batch: Batch) -> None:
        t0 = time.perf_counter()
        for name, top in self.tops.items():
            a = batch.activations[self.ranked[name]]
            if name in self.channels_first:
                a = np.moveaxis(a, 1, -1)
            top.update(a, batch.start)
        self.seconds += time.perf_counter() - t0

    def finish(self) -> dict[str, TopExamples]:
        return {name: top.result() for name, top in self.tops.items()}


def units_accumulator(setup: PassSetup) -> UnitsAccumulator | None:
    """The section's accumulator: none when there are no convolutions to follow."""
    from explainer import probe

    if not setup.conv_layers or setup.plan.image_shape is None:
        return None
    first = {
        p
        for p in setup.conv_layers
        if getattr(probe.find_layer(setup.model, p), "data_format", "") == "channels_first"
    }
    ranked = {p: probe.passed_on(setup.model, p) for p in setup.conv_layers}
    return UnitsAccumulator(setup.conv_layers, first, ranked=ranked)


def layer_field(model: Any, path: str) -> ReceptiveField:
    """The receptive field of the layer at ``path`` (``base/name`` inside a nested model)."""
    from explainer import units

    return units.receptive_field(model, path)


def compute_units(ctx: Context, accumulated: dict[str, TopExamples] | None) -> UnitsResult:
    """Per layer: the receptive field and the top images of the channels drawn."""
    from explainer import probe, units

    t0 = time.perf_counter()
    out = UnitsResult()
    if not accumulated:
        out.skipped = (
            "the model has no convolution to follow"
            if ctx.plan.image_shape is not None
            else "the inputs are not images, so there are no patches to show"
        )
        return out
    for path, top in accumulated.items():
        layer = probe.find_layer(ctx.model, path)
        k = min(top.k, top.count)  # fewer images than k: no empty (-inf, index -1) slots
        entry = UnitsLayer(layer=path, type=type(layer).__name__, channels=top.n_channels, k=k)
        entry.ranked_on = probe.passed_on(ctx.model, path)
        out.images = top.count
        try:
            rf = layer_field(ctx.model, path)
        except (units.ReceptiveFieldError, ValueError) as exc:
            entry.note = f"its receptive field cannot be computed: {exc}"
            out.layers.append(entry)
            continue
        entry.field_size = [int(d) for d in rf.size]
        entry.field_stride = [int(d) for d in rf.stride]
        active = top.values[:, 0] > 0
        entry.inactive = int((~active).sum())
        drawn = np.flatnonzero(active)[:MAX_UNIT_CHANNELS]
        entry.drawn = drawn.tolist()
        entry.top_indices = top.indices[drawn, :k].tolist()
        entry.top_values = [[float(v) for v in row] for row in top.values[drawn, :k]]
        entry.positions = top.positions[drawn, :k]
        entry.receptive = rf
        if not len(drawn):
            entry.note = "none of its channels rose above zero on these images"
        out.layers.append(entry)
    out.seconds = time.perf_counter() - t0
    return out


def draw_units(result: ReportResult, ctx: Context, canvas: Canvas) -> None:
    """Channels × top patches for each layer, read back from the data by index."""
    from explainer import plot, units
    from explainer.report.figures import slug

    section = result.units
    if section is None:
        return
    t0 = time.perf_counter()
    for index, entry in enumerate(section.layers):
        rf = entry.receptive
        if rf is None or not entry.drawn:
            continue
        idx = np.asarray(entry.top_indices, dtype=np.int64)
        wanted = np.unique(idx[idx >= 0])
        images = ctx.images(wanted)  # only the winners: at most channels × k images
        local = np.where(idx >= 0, np.searchsorted(wanted, idx), -1)
        h, w = images.shape[1:3]
        if rf.size[0] >= h and rf.size[1] >= w:
            # The unit sees the whole image: show the images, not a mostly empty field.
            patches = units.Patches(
                images=images[local],
                inside=np.broadcast_to(local[..., None, None] >= 0, (*local.shape, h, w)),
                boxes=np.broadcast_to(np.array([0, 0, h, w]), (*local.shape, 4)),
            )
            entry.whole = True
        else:
            patches = units.cut_patches(images, local, entry.positions, rf)
        with canvas.section(f"the top patches of {entry.layer}"):
            n = len(entry.drawn)
            alt = (
                f"Layer {entry.layer}: the {entry.k} patches of the data that excite each of "
                f"{n} channels most, best first"
            )
            drawn = plot.top_patches(
                patches,
                labels=[f"ch {c}" for c in entry.drawn],
                blocks=2 if n > 8 else 1,
                suptitle=alt,
            )
            entry.file = canvas.save(drawn.figure, f"units{slug(entry.layer, index)}", alt, "units")
    pass_seconds = result.timings.get("units_pass", 0.0)
    result.timings["units"] = pass_seconds + section.seconds + time.perf_counter() - t0
