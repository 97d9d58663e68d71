"""Feature visualisation by optimisation (Erhan et al. 2009; Yosinski et al. 2015; Olah et al.
2017): gradient ascent on the input to excite a channel or a class score, with regularisers that
keep the result readable. The result lives outside the data: no real image looks like it."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    "LEAK",
    "AscentOptions",
    "Regularisers",
    "Visualisation",
    "surrogate",
    "visualise_channels",
    "visualise_classes",
]


@dataclass(frozen=True)
class Regularisers:
    """What keeps an optimised input readable, applied at every step of the ascent.

    Plain gradient ascent finds high-frequency patterns that excite a unit strongly and mean
    nothing to us (the "adversarial" answer). Three cheap priors push it towards images:

    * ``jitter``: shift the image by up to this many pixels (random, seeded) before each
      gradient: a pattern must excite the unit wherever it sits, not only aligned to the pixel
      grid (the "transformation robustness" of Mordvintsev et al. 2015 and Olah et al. 2017).
    * ``decay``: pull every pixel this fraction of the way back towards the start image (the
      ``start`` value, mid-range by default) after each step (L2 decay, Yosinski et al. 2015):
      only pixels that keep earning their gradient stay away from it, so the picture shows
      what matters, not saturated noise.
    * ``blur_every`` / ``blur_sigma``: a small Gaussian blur every few steps (Yosinski et al.
      2015): a penalty on high frequencies, the pixel-level noise the two above leave.

    A total-variation penalty would do the blur's job as a loss term; the blur is cheaper and
    its strength easier to read. Set a field to 0 to switch its prior off.
    """

    jitter: int = 2
    decay: float = 0.01
    blur_every: int = 4
    blur_sigma: float = 0.5


@dataclass(frozen=True)
class Visualisation:
    """Inputs optimised to excite units, and how their activation grew."""

    images: np.ndarray
    """(n, H, W, C) float32 within ``value_range``."""
    trace: np.ndarray
    """``(n, steps + 1)``, the unit's activation (channel mean over positions, or class logit) of
    the image before the first step and after each step."""
    peak: np.ndarray
    """``(n,)``, the returned image's largest activation of the unit over positions (the score
    :class:`TopActivations` ranks real images by; the logit again for classes)."""
    targets: np.ndarray
    """The channel or class index of each image."""
    objective: str
    """``"channel mean"`` (a layer's channel averaged over positions) or ``"class logit"``."""
    layer: str
    value_range: tuple[float, float]
    regularisers: Regularisers = field(default_factory=Regularisers)

    @property
    def final(self) -> np.ndarray:
        """``(n,)``, the activation of the returned images."""
        return self.trace[:, -1]


def _gaussian_kernel(sigma: float, channels: int) -> np.ndarray:
    radius = max(1, math.ceil(2 * sigma))
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-(t**2) / (2 * sigma**2))
    g /= g.sum()
    k2 = np.outer(g, g).astype(np.float32)
    return np.repeat(k2[:, :, None, None], channels, axis=2)  # (h, w, C, 1) depthwise


def _activation_name(layer: Any) -> str:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return "linear"
    return str(getattr(activation, "__name__", type(activation).__name__))


def _leaky(z: Any) -> Any:
    import keras

    return keras.activations.leaky_relu(z, negative_slope=LEAK)


def _leaky_relu(layer: Any) -> Callable[..., Any] | None:
    """For a layer with a fused ReLU, the same layer (its weights) with a leaky ReLU instead."""
    from explainer.scores import with_activation

    if _activation_name(layer) != "relu" or not hasattr(layer, "call"):
        return None
    return with_activation(layer, _leaky, "leaky")


def surrogate(model: keras.Model, *, layer: str | None = None, scores: bool = False) -> Any:
    """The network feature visualisation ascends: ``model``'s layers with every fused ReLU made
    leaky (slope :data:`LEAK` below zero), sharing the weights, the model itself unchanged.

    With ``layer`` its outputs are ``[that layer's output, final output]``; with ``scores`` the
    final output is the class scores before the softmax (as
    :func:`explainer.scores.score_model`).
    """
    from explainer.probe import layer_chain
    from explainer.scores import rewired, scores_head

    head = scores_head(model) if scores else (lambda op: None)

    def replace(op: Any) -> Callable[..., Any] | None:
        return head(op) or _leaky_relu(op)

    capture = [lay.name for lay in layer_chain(model, layer)] if layer is not None else None
    return rewired(model, replace, capture=capture, name="surrogate")


LEAK = 0.1
"""Slope below zero of the ReLU a channel is ascended through (see :func:`visualise_channels`)."""


class AscentOptions(TypedDict, total=False):
    """How feature visualisation ascends, whatever it maximises: the keyword arguments of
    :func:`visualise_channels` and :func:`visualise_classes`, each optional (its default at
    the end)."""

    steps: int
    """Gradient steps (128)."""
    step_size: float
    """Length of a step, the gradient normalised to a root-mean-square of one, as a fraction of
    the pixel range (0.03)."""
    value_range: tuple[float, float]
    """The range of inputs the model was trained on, e.g. 0–255 for a model that rescales
    inside; every step clips to it (0 to 255)."""
    start: float | None
    """The start image's value, towards which the L2 decay pulls (the middle of the range; the
    data's mean pixel is a good choice)."""
    regularisers: Regularisers | None
    """The priors applied at every step (:class:`Regularisers`' defaults)."""
    seed: int
    """Seed of the start noise, per target, and of the jitter (0)."""
    noise: float
    """Spread of the start's Gaussian noise, as a fraction of the pixel range (0.02)."""


def _check_options(caller: str, options: Mapping[str, Any]) -> None:
    """Refuse a misspelt option before anything is traced (``**options`` accepts any name)."""
    unknown = sorted(set(options) - AscentOptions.__optional_keys__)
    if unknown:
        known = ", ".join(sorted(AscentOptions.__optional_keys__))
        raise TypeError(f"{caller}() got unknown options {unknown}; it takes {known}")


def _ascend(
    model: Any,
    ascent: Callable[[Any, Any], Any],
    measure: Callable[[Any, Any], Any],
    targets: np.ndarray,
    *,
    objective: str,
    layer: str,
    **options: Unpack[AscentOptions],
) -> Visualisation:
    """Gradient ascent of ``ascent`` (B,) on a batch of images, one per target; ``measure``
    gives the unit's real activation ``(B, 2)``: mean and peak. One ascent for every
    objective, so its settings (:class:`AscentOptions`) are read in one place."""
    import tensorflow as tf

    steps = options.get("steps", 128)
    step_size = options.get("step_size", 0.03)
    value_range = options.get("value_range", (0.0, 255.0))
    start = options.get("start")
    reg = options.get("regularisers") or Regularisers()
    seed = options.get("seed", 0)
    noise = options.get("noise", 0.02)

    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    if len(shape) != 3 or None in shape:
        raise ValueError(f"feature visualisation needs a fixed image input (H, W, C), got {shape}")
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(f"value_range must be (low, high) with high > low, got {value_range}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    base = (lo + hi) / 2 if start is None else float(start)
    if not lo <= base <= hi:
        raise ValueError(f"start {start} lies outside value_range {value_range}")
    span = hi - lo
    first = np.stack(
        [
            base + noise * span * np.random.default_rng([seed, int(t)]).standard_normal(shape)
            for t in targets
        ]
    )
    first = np.clip(first, lo, hi).astype(np.float32)
    jit = max(int(reg.jitter), 0)
    shifts = np.random.default_rng([seed, 7]).integers(-jit, jit + 1, (steps, 2)).astype(np.int32)
    blur = _gaussian_kernel(reg.blur_sigma, shape[-1]) if reg.blur_sigma > 0 else None
    pad = 0 if blur is None else blur.shape[0] // 2
    target_t = tf.constant(targets, dtype=tf.int64)

    def step(x: Any, shift: Any, do_blur: bool) -> Any:
        moved = tf.roll(x, shift, axis=[1, 2])
        with tf.GradientTape() as tape:
            tape.watch(moved)
            total = tf.reduce_sum(ascent(moved, target_t))
        grad = tf.roll(tape.gradient(total, moved), -shift, axis=[1, 2])
        rms = tf.sqrt(tf.reduce_mean(tf.square(grad), axis=[1, 2, 3], keepdims=True)) + 1e-12
        x = x + step_size * span * grad / rms
        x = base + (1.0 - reg.decay) * (x - base)
        if blur is not None and do_blur:
            padded = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
            x = tf.nn.depthwise_conv2d(padded, tf.constant(blur), [1, 1, 1, 1], "VALID")
        return tf.clip_by_value(x, lo, hi)

    image_spec = tf.TensorSpec((len(targets), *shape), tf.float32)
    shift_spec = tf.TensorSpec((2,), tf.int32)
    # Concrete functions, traced once.
    plain = tf.function(lambda x, s: step(x, s, False)).get_concrete_function(
        image_spec, shift_spec
    )
    blurred = tf.function(lambda x, s: step(x, s, True)).get_concrete_function(
        image_spec, shift_spec
    )
    measured = tf.function(lambda x: measure(x, target_t)).get_concrete_function(image_spec)

    x = tf.constant(first)
    trace = np.zeros((len(targets), steps + 1), dtype=np.float32)
    trace[:, 0] = np.asarray(measured(x))[:, 0]
    for t in range(steps):
        do_blur = reg.blur_every > 0 and (t + 1) % reg.blur_every == 0
        x = (blurred if do_blur else plain)(x, tf.constant(shifts[t]))
        trace[:, t + 1] = np.asarray(measured(x))[:, 0]
    peak = np.asarray(measured(x))[:, 1]
    return Visualisation(
        images=np.asarray(x, dtype=np.float32),
        trace=trace,
        peak=peak.astype(np.float32),
        targets=np.asarray(targets),
        objective=objective,
        layer=layer,
        value_range=(lo, hi),
        regularisers=reg,
    )


def visualise_channels(
    model: keras.Model, layer: str, channels: Sequence[int], **options: Unpack[AscentOptions]
) -> Visualisation:
    """Inputs optimised to maximise the mean activation of each of ``channels`` of ``layer``.

    Gradient ascent on the input pixels (its keyword options: :class:`AscentOptions`): each step
    moves every image along its gradient, normalised to a root-mean-square of one and scaled by
    ``step_size`` times the pixel range, then applies the :class:`Regularisers` and clips to
    ``value_range`` (the range of inputs the model was trained on, e.g. 0–255 for a model that
    rescales inside). The image starts as ``start`` (default: the middle of the range; the
    data's mean pixel is a good choice) plus seeded Gaussian noise of ``noise`` times the range,
    and the L2 decay pulls back towards ``start``. A channel's start depends only on ``seed``
    and the channel, so asking for other channels alongside does not change its image; all are
    optimised as one batch.

    The ascent runs on a *surrogate network* (:func:`surrogate`): the same weights with every
    fused ReLU made leaky (slope :data:`LEAK` below zero) in the forward pass, at every step.
    This is not Olah et al.'s (2017) "redirected ReLU", which changes only the gradient and
    only early on; it is a simpler stand-in with the same purpose: a ReLU that is silent on
    the start image passes no gradient at all, so from a plain start nothing would move.
    (Dropping the ReLU instead fails too: a first layer's mean is then a linear function of
    the pixels, whose maximum is a flat image.) The trace and :attr:`Visualisation.peak`
    measure the real network, so they say how well the surrogate's optimum transfers.
    """
    import tensorflow as tf

    from explainer.probe import find_layer

    _check_options("visualise_channels", options)
    target = find_layer(model, layer)
    if len(target.output.shape) != 4:
        raise ValueError(f"layer {layer!r} has no channel maps (output {target.output.shape})")
    first = _is_channels_first(target)
    n_channels = int(target.output.shape[1 if first else -1])
    chans = np.asarray(channels, dtype=np.int64)
    if chans.size == 0 or chans.min() < 0 or chans.max() >= n_channels:
        raise ValueError(f"channels must be in 0 … {n_channels - 1}, got {list(chans)}")
    fn = _sub_function(model, layer)
    leaky = surrogate(model, layer=layer)

    def pick(maps: Any, t: Any) -> Any:
        if first:
            maps = tf.transpose(maps, [0, 2, 3, 1])
        return tf.einsum("bhwc,bc->bhw", maps, tf.one_hot(t, n_channels, dtype=maps.dtype))

    def ascent(x: Any, t: Any) -> Any:
        return tf.reduce_mean(pick(leaky(x, training=False)[0], t), axis=[1, 2])

    def measure(x: Any, t: Any) -> Any:
        m = pick(fn(x), t)
        return tf.stack([tf.reduce_mean(m, axis=[1, 2]), tf.reduce_max(m, axis=[1, 2])], axis=1)

    return _ascend(
        model,
        ascent,
        measure,
        chans,
        objective="channel mean",
        layer=layer,
        **options,
    )


def _sub_function(model: Any, name: str) -> Callable[[Any], Any]:
    """input → output of the layer called ``name`` (inside nested models too), traceable."""
    from explainer.probe import layer_path, submodel

    sub = submodel(model, [layer_path(model, name)])

    def run(x: Any) -> Any:
        out = sub(x, training=False)
        return out[0] if isinstance(out, (list, tuple)) else out

    return run


def _is_channels_first(layer: Any) -> bool:
    return getattr(layer, "data_format", None) == "channels_first"


def visualise_classes(
    model: keras.Model, classes: Sequence[int], **options: Unpack[AscentOptions]
) -> Visualisation:
    """Inputs optimised to maximise each class's score *before* the softmax (its logit).

    The logit, not the probability: a probability can also be raised by lowering the other
    classes' scores, which finds inputs that are "not anything else" rather than "this"
    (Simonyan et al. 2014). The scores are :func:`explainer.scores.score_model`'s (the
    raw output for a model without a softmax), the same the attribution chapter explains.
    Otherwise as :func:`visualise_channels`.
    """
    import tensorflow as tf

    from explainer.scores import score_model

    _check_options("visualise_classes", options)
    scores = score_model(model)  # one rule for "the class score before the softmax"
    leaky = surrogate(model, scores=True)
    n_classes = int(scores.outputs[0].shape[-1])
    cls = np.asarray(classes, dtype=np.int64)
    if cls.size == 0 or cls.min() < 0 or cls.max() >= n_classes:
        raise ValueError(f"classes must be in 0 … {n_classes - 1}, got {list(cls)}")

    def logit(net: Any, x: Any, t: Any) -> Any:
        z = net(x, training=False)
        return tf.reduce_sum(z * tf.one_hot(t, n_classes, dtype=z.dtype), axis=1)

    def ascent(x: Any, t: Any) -> Any:
        return logit(leaky, x, t)

    def measure(x: Any, t: Any) -> Any:
        z = logit(scores, x, t)
        return tf.stack([z, z], axis=1)

    return _ascend(
        model,
        ascent,
        measure,
        cls,
        objective="class logit",
        layer=model.layers[-1].name,
        **options,
    )
