"""Where a classifier looks: attribution maps, in one registry of methods.

For a Keras image classifier, a batch of images ``x`` of shape ``(N, H, W, C)`` (in the units
the model takes, e.g. raw 0–255 pixels when the model rescales them itself) and one target class
per image (the predicted class by default), every method returns one float32 map per image,
shape ``(N, H, W)``, channels reduced. :data:`REGISTRY` holds one :class:`Method` record per
method (its function, whether its map is signed, how figures name and colour it, its default
options for an input size); figures, the chapter's tables and the report all read it, so adding
a method is one entry:

- ``occlusion`` (Zeiler & Fergus 2014): how much the class score drops when a patch is
  replaced by a baseline. Signed.
- ``gradients`` (Simonyan et al. 2014): the largest ``|∂ score / ∂ pixel|`` over the
  channels. Unsigned.
- ``smoothgrad`` (Smilkov et al. 2017): the same, of the gradient averaged over noisy
  copies of the image (seeded noise). Unsigned.
- ``integrated_gradients`` (Sundararajan et al. 2017): (x − baseline) × the gradient
  averaged along the straight path from the baseline to x (Gauss–Legendre quadrature, as
  Captum), summed over the channels. Signed; its map sums to score(x) − score(baseline)
  (*completeness*, :func:`completeness_error`).
- ``grad_cam`` (Selvaraju et al. 2017): the feature maps of a spatial layer weighted by
  their gradient *averaged over positions*, ReLU. Unsigned.
- ``hires_cam`` (Draelos & Carin 2020): the feature maps times their gradient at each
  position, summed over channels. Signed. Grad-CAM's averaging assumes a global-average-pooling
  head; for a ``Flatten → Dense`` head HiResCAM's cells add up to the score (less the bias).

Both CAMs place each cell's value at the centre of its receptive field
(:func:`explainer.units.receptive_field`) before interpolating to the input size, so an
unpadded convolution's shrunken map is not stretched over the border.

The model-free **controls** ``image`` (the image's own brightness), ``edges`` (its Sobel
gradient magnitude) and ``random`` are registry entries too (``model_free=True``): a method
that cannot beat them on a faithfulness test (:mod:`explainer.faithfulness`) has not shown
that it reads the network.

**Which score.** The methods attribute the class score before the softmax (the logit), a
one-unit sigmoid classifier's logit ``z`` (``−z`` for class 0), and the raw output of a model
that outputs logits: :func:`explainer.scores.score_model` decides, without changing the model.

Everything is batched (memory bounded by ``batch_size``, not by N), deterministic, and never
trains. It works on Sequential and functional models, with ``Conv2D``, ``SeparableConv2D`` or
``DepthwiseConv2D`` convolutions, and with a base model nested as a layer (transfer learning),
whose last spatial layer the CAMs find by themselves.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from explainer.scores import model_cache, n_scores, score_model

if TYPE_CHECKING:
    import keras

__all__ = [
    "CONTROLS",
    "METHODS",
    "REGISTRY",
    "REPORT_METHODS",
    "SIGNED",
    "Method",
    "attribute",
    "completeness_error",
    "compute_maps",
    "default_options",
    "edge_map",
    "grad_cam",
    "gradients",
    "hires_cam",
    "image_map",
    "input_gradients",
    "integrated_gradients",
    "last_spatial_layer",
    "logits",
    "occlusion",
    "path_points",
    "place_cells",
    "probabilities",
    "random_map",
    "random_maps",
    "smoothgrad",
    "to_probabilities",
]

Baseline = float | np.ndarray
Targets = np.ndarray | Sequence[int] | None
"""The class each map explains, one per image; ``None``: the model's predicted classes."""


def last_spatial_layer(model: keras.Model) -> list[str]:
    """Path (outer to inner layer names) of the last layer whose output is ``(N, h, w, c)``.

    Nested models are searched inside, so for a Sequential around a MobileNetV2 base this
    names the base's last convolutional block, not the base as a whole.
    """
    from explainer.probe import is_model

    for layer in reversed(model.layers):
        if is_model(layer):
            try:
                return [layer.name, *last_spatial_layer(layer)]
            except ValueError:
                continue
        shape = getattr(layer, "output", None)
        shape = getattr(shape, "shape", None)
        if shape is not None and len(shape) == 4:
            return [layer.name]
    raise ValueError(
        f"model {model.name!r} has no layer with a spatial (N, h, w, c) output; the CAMs need "
        "a convolutional model"
    )


def _layer_path(model: keras.Model, layer: str | Sequence[str]) -> list[str]:
    """``layer`` (``"base/inner"`` or its parts) as a list, resolved by ``probe.layer_chain``."""
    from explainer.probe import layer_chain

    path = layer if isinstance(layer, str) else "/".join(layer)
    return [lay.name for lay in layer_chain(model, path)]


# --- helpers ------------------------------------------------------------------------------------


def _images(model: keras.Model, x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 3 and len(model.inputs[0].shape) == 4 and model.inputs[0].shape[-1] == 1:
        arr = arr[..., np.newaxis]
    if arr.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, H, W, C); got shape {arr.shape}")
    expected = tuple(model.inputs[0].shape[1:])
    if any(e is not None and e != a for e, a in zip(expected, arr.shape[1:], strict=True)):
        raise ValueError(f"images of shape {arr.shape[1:]} do not fit the model's input {expected}")
    return arr


def _batches(n: int, batch_size: int) -> range:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    return range(0, n, batch_size)


def logits(model: keras.Model, x: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """(N, classes) class scores before the softmax (the raw output for a logits model)."""
    x = _images(model, x)
    parts = [_forward(model, x[s : s + batch_size]) for s in _batches(len(x), batch_size)]
    if not parts:
        raise ValueError("no images given")
    return np.concatenate(parts)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def to_probabilities(model: keras.Model, scores: np.ndarray) -> np.ndarray:
    """Class probabilities from :func:`score_model`'s scores: the softmax, or for a one-unit
    model ``[1 − σ(z), σ(z)]`` (its scores are ``[−z, z]``)."""
    z = np.asarray(scores, np.float64)
    if int(model.outputs[0].shape[-1]) == 1:
        p1 = 1.0 / (1.0 + np.exp(-z[..., 1]))
        return np.stack([1.0 - p1, p1], axis=-1)
    return _softmax(z)


def probabilities(model: keras.Model, x: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """(N, classes) the probabilities the model gives, computed from its pre-activation scores."""
    return to_probabilities(model, logits(model, x, batch_size=batch_size))


def _targets(model: keras.Model, x: np.ndarray, targets: Targets, batch_size: int) -> np.ndarray:
    if targets is None:
        return np.argmax(logits(model, x, batch_size=batch_size), axis=1)
    t = np.asarray(targets, dtype=np.int64).reshape(-1)
    if t.shape[0] != len(x):
        raise ValueError(f"got {t.shape[0]} targets for {len(x)} images; give one class per image")
    n_classes = n_scores(model)
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"targets must be classes 0 … {n_classes - 1}; got {t.min()} … {t.max()}")
    return t


def _baseline(baseline: Baseline, shape: tuple[int, ...]) -> np.ndarray:
    """The baseline broadcast to one image's shape (H, W, C)."""
    b = np.asarray(baseline, dtype=np.float32)
    try:
        return np.broadcast_to(b, shape).astype(np.float32)
    except ValueError:
        raise ValueError(
            f"baseline of shape {b.shape} does not broadcast to an image {shape}; give a number, "
            "one value per channel or a whole image"
        ) from None


def _compiled(model: keras.Model, kind: str, capture: Sequence[str] | None = None) -> Any:
    """A ``tf.function`` of one batch's computation, traced once per model and kind."""
    import tensorflow as tf

    key = (f"@{kind}", *(capture or ()))
    per_model = model_cache(model)
    if key in per_model:
        return per_model[key]
    sub = score_model(model, capture=capture)
    if kind == "gradient":

        def fn(xt: Any, idx: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(xt)
                z = sub(xt, training=False)
                picked = tf.gather(z, idx, axis=1, batch_dims=1)
            return tape.gradient(picked, xt), z

    elif kind == "cam":

        def fn(xt: Any, idx: Any) -> Any:
            with tf.GradientTape() as tape:
                act, z = sub(xt, training=False)
                picked = tf.gather(z, idx, axis=1, batch_dims=1)
            return tape.gradient(picked, act), act

    else:

        def fn(xt: Any) -> Any:
            return sub(xt, training=False)

    images = tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32)
    signature = [images] if kind == "forward" else [images, tf.TensorSpec((None,), tf.int32)]
    per_model[key] = tf.function(fn, input_signature=signature)
    return per_model[key]


def _forward(model: keras.Model, batch: np.ndarray) -> np.ndarray:
    """Pre-softmax scores of one batch."""
    return np.asarray(_compiled(model, "forward")(np.asarray(batch, np.float32)), np.float32)


def _gradient_batch(
    model: keras.Model, batch: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """∂ logit[target] / ∂ input for each image, and the logits; one tape per batch."""
    grad, z = _compiled(model, "gradient")(
        np.asarray(batch, np.float32), np.asarray(targets, np.int32)
    )
    return np.asarray(grad, np.float32), np.asarray(z, np.float32)


def _max_abs_channels(g: np.ndarray) -> np.ndarray:
    return np.abs(g).max(axis=-1).astype(np.float32)


# --- the methods --------------------------------------------------------------------------------


def input_gradients(
    model: keras.Model, x: np.ndarray, targets: Targets = None, *, batch_size: int = 128
) -> np.ndarray:
    """(N, H, W, C) gradient of the target's pre-softmax score with respect to each input value.

    The raw material of :func:`gradients`; for a linear model it is the class's weight row.
    """
    x = _images(model, x)
    t = _targets(model, x, targets, batch_size)
    out = np.zeros(x.shape, np.float32)
    for s in _batches(len(x), batch_size):
        out[s : s + batch_size] = _gradient_batch(
            model, np.asarray(x[s : s + batch_size], np.float32), t[s : s + batch_size]
        )[0]
    return out


def gradients(
    model: keras.Model, x: np.ndarray, targets: Targets = None, *, batch_size: int = 128
) -> np.ndarray:
    """Gradient saliency (Simonyan et al. 2014): max over channels of ``|∂ score / ∂ pixel|``.

    How much a tiny change of each pixel would move the score: local sensitivity, not
    contribution, and blind to whether the pixel is bright or dark.
    """
    return _max_abs_channels(input_gradients(model, x, targets, batch_size=batch_size))


def smoothgrad(
    model: keras.Model,
    x: np.ndarray,
    targets: Targets = None,
    *,
    samples: int = 16,
    noise: float = 0.15,
    seed: int = 0,
    batch_size: int = 128,
) -> np.ndarray:
    """SmoothGrad (Smilkov et al. 2017): the gradient averaged over noisy copies, then reduced.

    Gaussian noise of standard deviation ``noise`` × (the image's max − min) is added
    ``samples`` times; averaging removes the gradient's pixel-to-pixel jitter. The noise of
    image ``i`` comes from ``numpy.random.default_rng([seed, i])``, so the result does not
    depend on ``batch_size``.
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1; got {samples}")
    x = _images(model, x)
    t = _targets(model, x, targets, batch_size)
    per = max(1, batch_size // samples)
    out = np.zeros(x.shape[:3], np.float32)
    for s in range(0, len(x), per):
        imgs = np.asarray(x[s : s + per], np.float32)
        noisy = []
        for j, img in enumerate(imgs):
            rng = np.random.default_rng([seed, s + j])
            sigma = noise * float(img.max() - img.min())
            draws = rng.normal(0.0, sigma, size=(samples, *img.shape)).astype(np.float32)
            noisy.append(img + draws)
        batch = np.concatenate(noisy)
        grad = _gradient_batch(model, batch, np.repeat(t[s : s + per], samples))[0]
        mean = grad.reshape(len(imgs), samples, *x.shape[1:]).mean(axis=1)
        out[s : s + per] = _max_abs_channels(mean)
    return out


def path_points(
    steps: int, rule: Literal["gausslegendre", "trapezoid"]
) -> tuple[np.ndarray, np.ndarray]:
    """Points ``α`` on [0, 1] and weights (summing to one) of the path integral's quadrature.

    ``"gausslegendre"`` (Captum's default): ``steps`` Gauss–Legendre nodes, exact for a
    polynomial of degree ``2 · steps − 1`` along the path and never evaluating the ends, where
    a ReLU network's gradient is least typical. ``"trapezoid"``: ``steps`` intervals.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1; got {steps}")
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return ((nodes + 1) / 2).astype(np.float32), (weights / 2).astype(np.float32)
    if rule == "trapezoid":
        alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
        weights = np.full(steps + 1, 1.0 / steps, np.float32)
        weights[[0, -1]] /= 2
        return alphas, weights
    raise ValueError(f"rule must be 'gausslegendre' or 'trapezoid'; got {rule!r}")


def integrated_gradients(
    model: keras.Model,
    x: np.ndarray,
    targets: Targets = None,
    *,
    baseline: Baseline = 0.0,
    steps: int = 32,
    rule: Literal["gausslegendre", "trapezoid"] = "gausslegendre",
    batch_size: int = 128,
) -> np.ndarray:
    """Integrated gradients (Sundararajan et al. 2017), summed over the channels. Signed.

    ``(x − baseline) × mean gradient`` along the straight path from ``baseline`` (a number, one
    value per channel, or an image, in the model's input units) to ``x``, the mean taken by
    :func:`path_points`' quadrature (``steps`` Gauss–Legendre nodes by default). Unlike the
    plain gradient it adds up: the map's sum is score(x) − score(baseline), up to the
    integration error that :func:`completeness_error` measures. It depends on the baseline:
    a pixel equal to the baseline gets no credit whatever the network makes of it. The path
    points of several images go through the network in one batch.
    """
    alphas, weights = path_points(steps, rule)
    x = _images(model, x)
    t = _targets(model, x, targets, batch_size)
    base = _baseline(baseline, x.shape[1:])
    n_points = len(alphas)
    out = np.zeros(x.shape[:3], np.float32)
    per = batch_size // n_points
    if per >= 1:  # whole paths of ``per`` images per batch
        for s in range(0, len(x), per):
            imgs = np.asarray(x[s : s + per], np.float32)
            diff = imgs - base
            path = base + alphas[None, :, None, None, None] * diff[:, None]
            grad = _gradient_batch(
                model, path.reshape(-1, *x.shape[1:]), np.repeat(t[s : s + per], n_points)
            )[0].reshape(len(imgs), n_points, *x.shape[1:])
            mean = np.tensordot(grad, weights, axes=([1], [0]))
            out[s : s + per] = (mean * diff).sum(axis=-1)
        return out
    for i in range(len(x)):  # a path longer than a batch: the path in pieces
        diff = np.asarray(x[i], np.float32) - base
        mean = np.zeros(x.shape[1:], np.float64)
        for s in range(0, n_points, batch_size):
            a = alphas[s : s + batch_size]
            grad = _gradient_batch(
                model, base + a[:, None, None, None] * diff, np.full(len(a), t[i])
            )[0]
            mean += np.tensordot(weights[s : s + batch_size], grad, axes=1)
        out[i] = (mean * diff).sum(axis=-1)
    return out


def occlusion(
    model: keras.Model,
    x: np.ndarray,
    targets: Targets = None,
    *,
    patch: int = 4,
    stride: int | None = None,
    baseline: Baseline = 0.0,
    batch_size: int = 256,
) -> np.ndarray:
    """Occlusion sensitivity (Zeiler & Fergus 2014): score(x) − score(x with a patch covered).

    A ``patch`` × ``patch`` square of the baseline slides over the image in steps of ``stride``
    (default ``patch``; the last row and column of positions touch the border); each pixel gets
    the mean drop over the patches that cover it. Signed: a negative value means covering the
    pixel *raised* the score. No gradients, so it also works where they mislead, at the price
    of one forward pass per position.
    """
    x = _images(model, x)
    _, h, w, _ = x.shape
    stride = patch if stride is None else stride
    if not (1 <= patch <= min(h, w)) or stride < 1:
        raise ValueError(f"need 1 ≤ patch ≤ {min(h, w)} and stride ≥ 1; got {patch}, {stride}")
    t = _targets(model, x, targets, batch_size)
    base = _baseline(baseline, x.shape[1:])
    rows = sorted({*range(0, h - patch + 1, stride), h - patch})
    cols = sorted({*range(0, w - patch + 1, stride), w - patch})
    positions = [(r, c) for r in rows for c in cols]
    coverage = np.zeros((h, w), np.float32)
    for r, c in positions:
        coverage[r : r + patch, c : c + patch] += 1
    masks = np.zeros((len(positions), h, w), bool)
    for k, (r, c) in enumerate(positions):
        masks[k, r : r + patch, c : c + patch] = True
    z0 = logits(model, x, batch_size=batch_size)[np.arange(len(x)), t]
    drops = np.zeros((len(x), h * w), np.float32)
    flat_masks = masks.reshape(len(positions), h * w).astype(np.float32)
    for s in range(0, len(positions), batch_size):  # a batch is one stretch of positions
        m = masks[s : s + batch_size, :, :, None]
        per = max(1, batch_size // len(m))
        for i0 in range(0, len(x), per):
            imgs = np.asarray(x[i0 : i0 + per], np.float32)
            batch = np.where(m[None], base, imgs[:, None]).reshape(-1, *x.shape[1:])
            z = _forward(model, batch).reshape(len(imgs), len(m), -1)
            picked = np.take_along_axis(z, t[i0 : i0 + per, None, None], axis=2)[..., 0]
            drops[i0 : i0 + per] += (z0[i0 : i0 + per, None] - picked) @ flat_masks[s : s + len(m)]
    drops = drops.reshape(len(x), h, w)
    return drops / np.maximum(coverage, 1)


def _cell_centres(n_cells: int, size: int, start: float | None, jump: float | None) -> np.ndarray:
    """Input coordinates of the centres of ``n_cells`` cells along an axis of ``size`` pixels."""
    if start is None or jump is None:  # no receptive field: spread the cells evenly
        return (np.arange(n_cells) + 0.5) * size / n_cells - 0.5
    return start + np.arange(n_cells) * jump


def _interpolation(centres: np.ndarray, size: int) -> np.ndarray:
    """(size, cells) linear interpolation from cell centres to pixels, constant beyond the ends."""
    eye = np.eye(len(centres))
    pixels = np.arange(size, dtype=np.float64)
    if len(centres) == 1:
        return np.ones((size, 1))
    return np.stack([np.interp(pixels, centres, eye[i]) for i in range(len(centres))], axis=1)


def place_cells(cells: np.ndarray, size: tuple[int, int], field: Any | None = None) -> np.ndarray:
    """(N, h, w) per-cell values → (N, H, W), each value at the centre of its cell's receptive
    field (a :class:`explainer.units.ReceptiveField`), linear in between and constant beyond.

    Without a field the cells are spread evenly over the image (the usual image resize), which
    misplaces the map of an unpadded convolution: its cells see the middle of the image, not
    all of it.
    """
    cells = np.asarray(cells, np.float64)
    h, w = cells.shape[1:3]
    if field is not None:
        rows = _cell_centres(h, size[0], field.offset[0] + (field.size[0] - 1) / 2, field.stride[0])
        cols = _cell_centres(w, size[1], field.offset[1] + (field.size[1] - 1) / 2, field.stride[1])
    else:
        rows = _cell_centres(h, size[0], None, None)
        cols = _cell_centres(w, size[1], None, None)
    r, c = _interpolation(rows, size[0]), _interpolation(cols, size[1])
    return np.einsum("Hh,nhw,Ww->nHW", r, cells, c).astype(np.float32)


def _cam(
    model: keras.Model,
    x: np.ndarray,
    targets: Targets,
    layer: str | Sequence[str] | None,
    batch_size: int,
    combine: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """A class activation map: ``combine(gradient, activation)`` per cell, placed on the image."""
    from explainer.units import ReceptiveFieldError, receptive_field

    x = _images(model, x)
    path = last_spatial_layer(model) if layer is None else _layer_path(model, layer)
    if len(score_model(model, capture=path).outputs[0].shape) != 4:
        raise ValueError(f"layer {'/'.join(path)!r} has no spatial output (N, h, w, c)")
    t = _targets(model, x, targets, batch_size)
    try:
        field_ = receptive_field(model, "/".join(path))
    except (ReceptiveFieldError, ValueError):
        field_ = None  # documented: evenly spread cells
    cam_fn = _compiled(model, "cam", path)
    out = np.zeros(x.shape[:3], np.float32)
    for s in _batches(len(x), batch_size):
        grad, act = cam_fn(
            np.asarray(x[s : s + batch_size], np.float32),
            np.asarray(t[s : s + batch_size], np.int32),
        )
        cells = combine(np.asarray(grad, np.float64), np.asarray(act, np.float64))
        out[s : s + batch_size] = place_cells(cells, x.shape[1:3], field_)
    return out


def grad_cam(
    model: keras.Model,
    x: np.ndarray,
    targets: Targets = None,
    *,
    layer: str | Sequence[str] | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017): ReLU(Σ_k α_k A_k), placed on the input.

    ``A_k`` are the feature maps of ``layer`` (default: :func:`last_spatial_layer`; a layer of
    a nested base is named ``"base/inner"``), ``α_k`` the mean over the map of ∂ score / ∂ A_k.
    The mean over positions is exact for a global-average-pooling head (it is then CAM); for a
    ``Flatten → Dense`` head it blurs together what each position contributed
    (:func:`hires_cam` keeps it). Coarse (the layer's resolution) but class-specific.
    """

    def combine(grad: np.ndarray, act: np.ndarray) -> np.ndarray:
        alpha = grad.mean(axis=(1, 2), keepdims=True)
        return np.maximum((alpha * act).sum(axis=-1), 0.0)

    return _cam(model, x, targets, layer, batch_size, combine)


def hires_cam(
    model: keras.Model,
    x: np.ndarray,
    targets: Targets = None,
    *,
    layer: str | Sequence[str] | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """HiResCAM (Draelos & Carin 2020): Σ_k ∂ score / ∂ A_k ⊙ A_k per position, placed on the input.

    Grad-CAM without the average of the gradient over positions: each cell keeps its own
    gradient. For a layer followed by ``Flatten → Dense`` the cells sum to the score less the
    bias, so the map says where the score came from. Signed (no ReLU).
    """
    return _cam(model, x, targets, layer, batch_size, lambda g, a: (g * a).sum(axis=-1))


# --- model-free controls ------------------------------------------------------------------------


def _grey(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, np.float32).mean(axis=-1)


def image_map(model: keras.Model, x: np.ndarray, targets: Targets = None) -> np.ndarray:
    """Control: the image itself (its mean over channels). Reads no model."""
    return _grey(_images(model, x))


def edge_map(model: keras.Model, x: np.ndarray, targets: Targets = None) -> np.ndarray:
    """Control: the Sobel gradient magnitude of the image (mean over channels). Reads no model.

    Adebayo et al. (2018) showed that several saliency maps look like an edge detector's output;
    this is that edge detector, the known model-insensitive reference.
    """
    g = np.pad(_grey(_images(model, x)), ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = g.shape[1] - 2, g.shape[2] - 2

    def shifted(dr: int, dc: int) -> np.ndarray:
        return g[:, 1 + dr : 1 + dr + h, 1 + dc : 1 + dc + w]

    gx = (
        shifted(-1, 1)
        + 2 * shifted(0, 1)
        + shifted(1, 1)
        - shifted(-1, -1)
        - 2 * shifted(0, -1)
        - shifted(1, -1)
    )
    gy = (
        shifted(1, -1)
        + 2 * shifted(1, 0)
        + shifted(1, 1)
        - shifted(-1, -1)
        - 2 * shifted(-1, 0)
        - shifted(-1, 1)
    )
    return np.hypot(gx, gy).astype(np.float32)


def random_map(
    model: keras.Model, x: np.ndarray, targets: Targets = None, *, seed: int = 0
) -> np.ndarray:
    """Control: uniform random maps (seeded), the "no information" order. Reads no model."""
    return random_maps(_images(model, x).shape[:3], seed=seed)


def random_maps(shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    """Uniform random maps of ``shape`` (N, H, W)."""
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


# --- the registry -------------------------------------------------------------------------------


def _none(height: int, width: int) -> dict[str, Any]:
    return {}


def _occlusion_defaults(height: int, width: int) -> dict[str, Any]:
    patch = max(2, round(min(height, width) / 8))
    return {"patch": patch, "stride": max(1, patch // 2)}


@dataclass(frozen=True)
class Method:
    """One attribution method or model-free control: everything the package needs to know."""

    name: str
    function: Callable[..., np.ndarray]
    """``function(model, x, targets, **options) -> (N, H, W)``."""
    signed: bool
    """Whether its map has a sign (drawn on a diverging scale centred at zero)."""
    label: str
    """How figures and tables name it."""
    color: str
    """Its colour in the curve figures."""
    reference: str
    """Where it comes from."""
    defaults: Callable[[int, int], dict[str, Any]] = field(default=_none)
    """Default options for an input of height × width (moderate cost at any size)."""
    model_free: bool = False
    """A control: the map does not read the model."""


REGISTRY: Mapping[str, Method] = types.MappingProxyType(
    {
        m.name: m
        for m in (
            Method(
                "occlusion",
                occlusion,
                True,
                "occlusion",
                "#1f77b4",
                "Zeiler & Fergus 2014",
                _occlusion_defaults,
            ),
            Method("gradients", gradients, False, "gradients", "#ff7f0e", "Simonyan et al. 2014"),
            Method(
                "smoothgrad",
                smoothgrad,
                False,
                "SmoothGrad",
                "#2ca02c",
                "Smilkov et al. 2017",
                lambda h, w: {"samples": 16},
            ),
            Method(
                "integrated_gradients",
                integrated_gradients,
                True,
                "integrated gradients",
                "#d62728",
                "Sundararajan et al. 2017",
                lambda h, w: {"steps": 32},
            ),
            Method("grad_cam", grad_cam, False, "Grad-CAM", "#9467bd", "Selvaraju et al. 2017"),
            Method("hires_cam", hires_cam, True, "HiResCAM", "#8c564b", "Draelos & Carin 2020"),
            Method("image", image_map, False, "image (control)", "#17becf", "", model_free=True),
            Method("edges", edge_map, False, "edges (control)", "#bcbd22", "", model_free=True),
            Method("random", random_map, False, "random (control)", "#7f7f7f", "", model_free=True),
        )
    }
)
"""Every method and control, in the order the book shows them."""

METHODS: tuple[str, ...] = tuple(k for k, m in REGISTRY.items() if not m.model_free)
"""The attribution methods (they read the model), in the order the book shows them."""

CONTROLS: tuple[str, ...] = tuple(k for k, m in REGISTRY.items() if m.model_free)
"""The model-free controls every ranking of the methods is measured against."""

SIGNED: Mapping[str, bool] = types.MappingProxyType({k: m.signed for k, m in REGISTRY.items()})
"""Whether each method's map has a sign."""

REPORT_METHODS: tuple[str, ...] = ("integrated_gradients", "occlusion")
"""The methods the report shows: those that beat every model-free control on the deletion and
the insertion test, on both canvases, on both of the book's networks in the chapter "Where the
network looks" (the chapter asserts that this still matches its measurement)."""


def attribute(
    method: str, model: keras.Model, x: np.ndarray, targets: Targets = None, **options: Any
) -> np.ndarray:
    """The ``method`` (a key of :data:`REGISTRY`) map of each image: ``(N, H, W)`` float32."""
    if method not in REGISTRY:
        raise ValueError(f"unknown attribution method {method!r}; choose one of {tuple(REGISTRY)}")
    return REGISTRY[method].function(model, x, targets, **options)


def default_options(height: int, width: int) -> dict[str, dict[str, Any]]:
    """Every registry entry's default options for an image of ``height`` × ``width``.

    Occlusion patches of about an eighth of the image's side, sliding by half a patch (about
    15 × 15 positions whatever the size), 32 Gauss–Legendre nodes of integrated gradients, 16
    SmoothGrad samples.
    """
    return {k: m.defaults(height, width) for k, m in REGISTRY.items()}


def compute_maps(
    model: keras.Model,
    x: np.ndarray,
    targets: Targets = None,
    *,
    methods: Sequence[str] = REPORT_METHODS,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    baseline: Baseline | None = None,
) -> dict[str, np.ndarray]:
    """Maps of a handful of images for several methods (the report's): ``{method: (N, H, W)}``.

    ``options`` gives each method its keyword arguments, e.g.
    ``{"occlusion": {"patch": 4, "baseline": 0.0}}``, over :func:`default_options`;
    ``baseline``, when given, is used by every method that takes one (occlusion, integrated
    gradients): pass what "no information" is in the model's input units, e.g. the training
    data's mean colour. A one-unit (sigmoid) model is explained by its logit (class 1: ``z``,
    class 0: ``−z``). Cost grows with the images given, so pass only those shown.
    """
    x = _images(model, x)
    t = _targets(model, x, targets, 256)
    merged = default_options(x.shape[1], x.shape[2])
    for m, o in (options or {}).items():
        merged[m] = {**merged.get(m, {}), **o}
    if baseline is not None:
        for m in ("occlusion", "integrated_gradients"):
            merged[m] = {"baseline": baseline, **merged.get(m, {})}
    return {m: attribute(m, model, x, t, **merged.get(m, {})) for m in methods}


def completeness_error(
    model: keras.Model,
    x: np.ndarray,
    maps: np.ndarray,
    targets: Targets = None,
    *,
    baseline: Baseline = 0.0,
) -> np.ndarray:
    """Per image, ``|Σ map − (score(x) − score(baseline))| / |score(x) − score(baseline)|``.

    Integrated gradients' maps should sum to the score difference exactly; what is left is the
    error of the numerical integral (more ``steps``, less error).
    """
    x = _images(model, x)
    t = _targets(model, x, targets, 256)
    base = _baseline(baseline, x.shape[1:])
    zx = logits(model, x)[np.arange(len(x)), t]
    zb = logits(model, base[None])[0, t]
    diff = zx - zb
    total = np.asarray(maps, np.float64).reshape(len(x), -1).sum(axis=1)
    return (np.abs(total - diff) / np.maximum(np.abs(diff), 1e-12)).astype(np.float32)
