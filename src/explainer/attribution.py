"""Where a classifier looks: attribution maps, and tests of how far to trust them.

For a Keras image classifier, a batch of images ``x`` of shape ``(N, H, W, C)`` (in the units
the model takes, e.g. raw 0–255 pixels when the model rescales them itself) and one target class
per image (the predicted class by default), every method returns one float32 map per image,
shape ``(N, H, W)``, channels reduced:

- :func:`occlusion` (Zeiler & Fergus 2014): how much the class score drops when a patch is
  replaced by a baseline. Signed.
- :func:`gradients` (Simonyan et al. 2014): the largest ``|∂ score / ∂ pixel|`` over the
  channels. Unsigned.
- :func:`smoothgrad` (Smilkov et al. 2017): the same, of the gradient averaged over noisy
  copies of the image (seeded noise). Unsigned.
- :func:`integrated_gradients` (Sundararajan et al. 2017): (x − baseline) × the gradient
  averaged along the straight path from the baseline to x, summed over the channels. Signed;
  its map sums to score(x) − score(baseline) (*completeness*, :func:`completeness_error`).
- :func:`grad_cam` (Selvaraju et al. 2017): the feature maps of a spatial layer weighted by
  their mean gradient, ReLU, upsampled to the input size. Unsigned.

**Which score.** When the model ends in a softmax (a ``Dense(activation="softmax")`` or a
separate ``Activation("softmax")`` / ``Softmax`` layer), the methods attribute the class score
*before* the softmax (the logit), and the raw output when the model already outputs logits. The
softmax couples the classes: the gradient of a saturated probability (p ≈ 1) vanishes,
whatever the pixels did to get there, and the gradient of any probability mixes in every other
class's logit, so a map of it shows "evidence against the others" as much as "evidence for this".

Faithfulness: :func:`deletion` (Petsiuk et al. 2018) deletes the most-attributed pixels first
and follows the predicted class's probability; :func:`cascading_randomization` (Adebayo et al.
2018) re-initialises the weights from the top layer down and measures how much the maps change.

Everything is batched (memory bounded by ``batch_size``, not by N), deterministic, and never
trains. It works on Sequential and functional models, with ``Conv2D``, ``SeparableConv2D`` or
``DepthwiseConv2D`` convolutions, and with a base model nested as a layer (transfer learning),
whose last spatial layer Grad-CAM finds by itself.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    "METHODS",
    "REPORT_METHODS",
    "SIGNED",
    "DeletionCurves",
    "SanityCheck",
    "attribute",
    "cascading_randomization",
    "completeness_error",
    "compute_maps",
    "default_options",
    "deletion",
    "deletion_all",
    "grad_cam",
    "gradients",
    "input_gradients",
    "integrated_gradients",
    "last_spatial_layer",
    "logits",
    "occlusion",
    "random_maps",
    "score_model",
    "smoothgrad",
    "spearman",
]

METHODS: tuple[str, ...] = (
    "occlusion",
    "gradients",
    "smoothgrad",
    "integrated_gradients",
    "grad_cam",
)
"""The attribution methods, in the order the book shows them."""

SIGNED: dict[str, bool] = {
    "occlusion": True,
    "gradients": False,
    "smoothgrad": False,
    "integrated_gradients": True,
    "grad_cam": False,
}
"""Whether a method's map has a sign (drawn on a diverging scale centred at zero)."""

REPORT_METHODS: tuple[str, str] = ("integrated_gradients", "occlusion")
"""The two methods that the chapter "Where the network looks" measured as the most faithful
(lowest deletion AUC on both of the book's networks); the report shows these two. The chapter
asserts that this still matches its measurement."""

Baseline = float | np.ndarray


# --- the score model ----------------------------------------------------------------------------


def _is_softmax(activation: Any) -> bool:
    import keras

    if activation is None:
        return False
    if activation is keras.activations.softmax:
        return True
    return getattr(activation, "__name__", "") == "softmax"


def _is_model(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _output_layer(model: keras.Model) -> Any:
    """The operation that produces the model's (single) output."""
    if len(model.outputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(model.outputs)} outputs; attribution needs a "
            "classifier with one output of class scores"
        )
    return model.outputs[0]._keras_history[0]


def _pre_softmax(layer: Any) -> Callable[[Any], Any] | None:
    """A callable giving ``layer``'s output without its softmax, or None if it has none."""
    import keras

    if isinstance(layer, keras.layers.Softmax):
        return lambda t: t
    if isinstance(layer, keras.layers.Activation) and _is_softmax(layer.activation):
        return lambda t: t
    if _is_softmax(getattr(layer, "activation", None)):
        return _WithoutActivation(layer)
    return None


@functools.cache
def _without_activation_class() -> type:
    import keras

    class WithoutActivation(keras.layers.Layer):
        """Calls a layer (sharing its weights) with its activation switched off."""

        def __init__(self, inner: keras.layers.Layer) -> None:
            super().__init__(name=f"{inner.name}_logits")
            self.inner = inner

        def call(self, x: Any) -> Any:
            saved = self.inner.activation
            self.inner.activation = keras.activations.linear
            try:
                return self.inner.call(x)
            finally:
                self.inner.activation = saved

        def compute_output_shape(self, input_shape: Any) -> Any:
            return self.inner.compute_output_shape(input_shape)

    return WithoutActivation


def _WithoutActivation(layer: Any) -> Any:
    return _without_activation_class()(layer)


def _layer_path(model: keras.Model, layer: str | Sequence[str]) -> list[str]:
    """``layer`` (``"base/inner"`` or its parts) as a list, checked by :func:`probe.find_layer`."""
    from explainer.probe import find_layer

    path = layer.split("/") if isinstance(layer, str) else list(layer)
    find_layer(model, "/".join(path))
    return path


def last_spatial_layer(model: keras.Model) -> list[str]:
    """Path (outer to inner layer names) of the last layer whose output is ``(N, h, w, c)``.

    Nested models are searched inside, so for a Sequential around a MobileNetV2 base this
    names the base's last convolutional block, not the base as a whole.
    """
    for layer in reversed(model.layers):
        if _is_model(layer):
            try:
                return [layer.name, *last_spatial_layer(layer)]
            except ValueError:
                continue
        shape = getattr(layer, "output", None)
        shape = getattr(shape, "shape", None)
        if shape is not None and len(shape) == 4:
            return [layer.name]
    raise ValueError(
        f"model {model.name!r} has no layer with a spatial (N, h, w, c) output; Grad-CAM needs "
        "a convolutional model"
    )


def _rewired(model: keras.Model, capture: Sequence[str] | None, top: bool) -> keras.Model:
    """A functional model sharing ``model``'s layers: ``[activation of capture, scores]``.

    The graph is re-run on a new input; the captured layer (possibly inside a nested model,
    which is rewired the same way) also hands out its activation, and at the top the final
    softmax is dropped so the scores are logits.
    """
    import keras

    final = _output_layer(model) if top else None
    stash: list[Any] = []

    def operation(op: Any) -> Callable[..., Any]:
        if capture and op.name == capture[0]:
            if len(capture) > 1:
                inner = _rewired(op, capture[1:], top=False)

                def nested(*args: Any, **kwargs: Any) -> Any:
                    act, out = inner(*args, **kwargs)
                    stash.append(act)
                    return out

                return nested

            def captured(*args: Any, **kwargs: Any) -> Any:
                out = op(*args, **kwargs)
                stash.append(out)
                return out

            if op is final and _pre_softmax(op) is not None:
                raise ValueError(f"layer {op.name!r} is the softmax output, not a spatial layer")
            return captured
        if op is final:
            pre = _pre_softmax(op)
            if pre is not None:
                if isinstance(pre, keras.layers.Layer):
                    return lambda *args, **kwargs: pre(*args)
                return lambda *args, **kwargs: args[0]
        return op

    shape = tuple(model.inputs[0].shape[1:])
    inp = keras.Input(shape=shape, dtype=model.inputs[0].dtype)
    if isinstance(model, keras.Sequential):
        h: Any = inp
        for layer in model.layers:
            h = operation(layer)(h)
        out = h
    else:
        out = model._run_through_graph([inp], operation_fn=operation)
        if isinstance(out, (list, tuple)):
            out = out[0]
    outputs = [stash[0], out] if capture else [out]
    if capture and not stash:
        raise ValueError(f"layer {'/'.join(capture)!r} is not on the path to the output")
    return keras.Model(inp, outputs, name=f"{model.name}_scores")


_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], Any]] = weakref.WeakKeyDictionary()


def score_model(model: keras.Model) -> keras.Model:
    """A model sharing ``model``'s layers whose output is the class scores before the softmax.

    The one place the book reads logits from a classifier (see "Which score" above): the
    attribution methods here and :func:`explainer.units.visualise_classes` both use it. Built
    once per model; call it with ``training=False``.
    """
    return _score_model(model)


def _score_model(model: keras.Model, capture: Sequence[str] | None = None) -> keras.Model:
    key = tuple(capture or ())
    try:
        per_model = _CACHE.setdefault(model, {})
    except TypeError:
        per_model = {}
    if key not in per_model:
        if len(model.inputs) != 1:
            raise ValueError(f"model {model.name!r} has {len(model.inputs)} inputs; needs one")
        per_model[key] = _rewired(model, capture, top=True)
    return per_model[key]


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


def _targets(
    model: keras.Model, x: np.ndarray, targets: np.ndarray | Sequence[int] | None, batch_size: int
) -> np.ndarray:
    if targets is None:
        return np.argmax(logits(model, x, batch_size=batch_size), axis=1)
    t = np.asarray(targets, dtype=np.int64).reshape(-1)
    if t.shape[0] != len(x):
        raise ValueError(f"got {t.shape[0]} targets for {len(x)} images; give one class per image")
    n_classes = int(model.outputs[0].shape[-1])
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
    try:
        per_model = _CACHE.setdefault(model, {})
    except TypeError:
        per_model = {}
    if key in per_model:
        return per_model[key]
    sub = _score_model(model, capture)
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
            grad = tape.gradient(picked, act)
            alpha = tf.reduce_mean(grad, axis=(1, 2), keepdims=True)
            return tf.nn.relu(tf.reduce_sum(alpha * act, axis=-1, keepdims=True)), z

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
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray | Sequence[int] | None = None,
    *,
    batch_size: int = 128,
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
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray | Sequence[int] | None = None,
    *,
    batch_size: int = 128,
) -> np.ndarray:
    """Gradient saliency (Simonyan et al. 2014): max over channels of ``|∂ score / ∂ pixel|``.

    How much a tiny change of each pixel would move the score: local sensitivity, not
    contribution, and blind to whether the pixel is bright or dark.
    """
    return _max_abs_channels(input_gradients(model, x, targets, batch_size=batch_size))


def smoothgrad(
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray | Sequence[int] | None = None,
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


def integrated_gradients(
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray | Sequence[int] | None = None,
    *,
    baseline: Baseline = 0.0,
    steps: int = 32,
    batch_size: int = 128,
) -> np.ndarray:
    """Integrated gradients (Sundararajan et al. 2017), summed over the channels. Signed.

    ``(x − baseline) × mean gradient`` along the straight path from ``baseline`` (a number, one
    value per channel, or an image, in the model's input units) to ``x``, by the trapezoidal
    rule over ``steps`` intervals. Unlike the plain gradient it adds up: the map's sum is
    score(x) − score(baseline), up to the integration error that :func:`completeness_error`
    measures. The path points of several images go through the network in one batch.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1; got {steps}")
    x = _images(model, x)
    t = _targets(model, x, targets, batch_size)
    base = _baseline(baseline, x.shape[1:])
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps, np.float32)
    weights[[0, -1]] /= 2
    out = np.zeros(x.shape[:3], np.float32)
    per = batch_size // (steps + 1)
    if per >= 1:  # whole paths of ``per`` images per batch
        for s in range(0, len(x), per):
            imgs = np.asarray(x[s : s + per], np.float32)
            diff = imgs - base
            path = base + alphas[None, :, None, None, None] * diff[:, None]
            grad = _gradient_batch(
                model, path.reshape(-1, *x.shape[1:]), np.repeat(t[s : s + per], steps + 1)
            )[0].reshape(len(imgs), steps + 1, *x.shape[1:])
            mean = np.tensordot(grad, weights, axes=([1], [0]))
            out[s : s + per] = (mean * diff).sum(axis=-1)
        return out
    for i in range(len(x)):  # a path longer than a batch: the path in pieces
        diff = np.asarray(x[i], np.float32) - base
        mean = np.zeros(x.shape[1:], np.float64)
        for s in range(0, steps + 1, batch_size):
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
    targets: np.ndarray | Sequence[int] | None = None,
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


def grad_cam(
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray | Sequence[int] | None = None,
    *,
    layer: str | Sequence[str] | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017): ReLU(Σ_k α_k A_k), upsampled to the input size.

    ``A_k`` are the feature maps of ``layer`` (default: :func:`last_spatial_layer`; a layer of
    a nested base is named ``"base/inner"``), ``α_k`` the mean over the map of ∂ score / ∂ A_k.
    Coarse (the layer's resolution, bilinearly upsampled) but class-specific.
    """
    import tensorflow as tf

    x = _images(model, x)
    path = last_spatial_layer(model) if layer is None else _layer_path(model, layer)
    if len(_score_model(model, path).outputs[0].shape) != 4:
        raise ValueError(f"layer {'/'.join(path)!r} has no spatial output (N, h, w, c)")
    t = _targets(model, x, targets, batch_size)
    cam_fn = _compiled(model, "cam", path)
    out = np.zeros(x.shape[:3], np.float32)
    for s in _batches(len(x), batch_size):
        cam, _ = cam_fn(
            np.asarray(x[s : s + batch_size], np.float32),
            np.asarray(t[s : s + batch_size], np.int32),
        )
        if cam.shape[1:3] != x.shape[1:3]:
            cam = tf.image.resize(cam, x.shape[1:3], method="bilinear")
        out[s : s + batch_size] = np.asarray(cam)[..., 0]
    return out


_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "occlusion": occlusion,
    "gradients": gradients,
    "smoothgrad": smoothgrad,
    "integrated_gradients": integrated_gradients,
    "grad_cam": grad_cam,
}


def attribute(
    method: str,
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray | Sequence[int] | None = None,
    **options: Any,
) -> np.ndarray:
    """The ``method`` (one of :data:`METHODS`) map of each image: ``(N, H, W)`` float32."""
    if method not in _FUNCTIONS:
        raise ValueError(f"unknown attribution method {method!r}; choose one of {METHODS}")
    return _FUNCTIONS[method](model, x, targets, **options)


def default_options(height: int, width: int) -> dict[str, dict[str, Any]]:
    """Sizes that keep the cost of a map moderate at any image size.

    Occlusion patches of about an eighth of the image's side, sliding by half a patch (about
    15 × 15 positions whatever the size), 32 steps of integrated gradients, 16 SmoothGrad
    samples.
    """
    patch = max(2, round(min(height, width) / 8))
    return {
        "occlusion": {"patch": patch, "stride": max(1, patch // 2)},
        "smoothgrad": {"samples": 16},
        "integrated_gradients": {"steps": 32},
    }


def compute_maps(
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray | Sequence[int] | None = None,
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
    data's mean colour. Cost grows with the images given, so pass only those shown.
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
    targets: np.ndarray | Sequence[int] | None = None,
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


def random_maps(shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    """Uniform random maps: the deletion test's "no information" order."""
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


# --- deletion -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletionCurves:
    """The deletion test of one set of maps."""

    fractions: np.ndarray
    """(S + 1,) share of the pixels deleted, 0 … 1."""
    proba: np.ndarray
    """(N, S + 1) probability of each image's originally predicted class."""

    @property
    def mean(self) -> np.ndarray:
        """The mean curve over the images."""
        return self.proba.mean(axis=0)

    @property
    def auc_per_image(self) -> np.ndarray:
        """Area under each image's curve (trapezoidal rule)."""
        p, f = self.proba, self.fractions
        return ((p[:, 1:] + p[:, :-1]) / 2 * np.diff(f)).sum(axis=1)

    @property
    def auc(self) -> float:
        """Mean area under the curve: lower means the map found the pixels that matter."""
        return float(self.auc_per_image.mean())


def deletion(
    model: keras.Model,
    x: np.ndarray,
    maps: np.ndarray,
    *,
    steps: int = 16,
    baseline: Baseline = 0.0,
    targets: np.ndarray | Sequence[int] | None = None,
    seed: int = 0,
    batch_size: int = 512,
) -> DeletionCurves:
    """Deletion test (Petsiuk et al. 2018): delete the most-attributed pixels first.

    In ``steps`` equal steps the pixels are replaced by ``baseline`` (all channels), in the
    order of decreasing map value (ties in a seeded random order), and the probability of
    the class predicted on the intact image (or ``targets``) is recorded after each step.
    A faithful map makes the probability fall fast: a small area under the curve.
    """
    return deletion_all(
        model,
        x,
        {"maps": maps},
        steps=steps,
        baseline=baseline,
        targets=targets,
        seed=seed,
        batch_size=batch_size,
    )["maps"]


def deletion_all(
    model: keras.Model,
    x: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    steps: int = 16,
    baseline: Baseline = 0.0,
    targets: np.ndarray | Sequence[int] | None = None,
    seed: int = 0,
    batch_size: int = 512,
) -> dict[str, DeletionCurves]:
    """:func:`deletion` of several methods' maps of the same images, ``{method: curves}``.

    The two ends of every curve are the same for all methods (the intact image, and the
    baseline alone), so they are computed once.
    """
    x = _images(model, x)
    n, h, w, c = x.shape
    arrays = {k: np.asarray(v, np.float32) for k, v in maps.items()}
    for k, v in arrays.items():
        if v.shape != (n, h, w):
            raise ValueError(
                f"maps must have shape {(n, h, w)} (one per image); {k!r} is {v.shape}"
            )
    if steps < 1:
        raise ValueError(f"steps must be at least 1; got {steps}")
    t = _targets(model, x, targets, batch_size)
    image_base = _baseline(baseline, x.shape[1:])
    base = image_base.reshape(h * w, c)
    tiebreak = np.random.default_rng(seed).random(h * w)
    counts = np.round(np.linspace(0, h * w, steps + 1)).astype(np.int64)
    inner = counts[1:-1]
    p_intact = _softmax(logits(model, x, batch_size=batch_size).astype(np.float64))
    p_gone = _softmax(_forward(model, image_base[None]).astype(np.float64))[0]
    per = max(1, batch_size // max(len(inner), 1))
    out: dict[str, DeletionCurves] = {}
    for key, amap in arrays.items():
        proba = np.zeros((n, steps + 1), np.float32)
        proba[:, 0] = p_intact[np.arange(n), t]
        proba[:, -1] = p_gone[t]
        for s in range(0, n if len(inner) else 0, per):
            imgs = np.asarray(x[s : s + per], np.float32).reshape(-1, h * w, c)
            rank = np.empty((len(imgs), h * w), np.int64)
            for j in range(len(imgs)):
                rank[j, np.lexsort((tiebreak, -amap[s + j].ravel()))] = np.arange(h * w)
            gone = rank[:, None, :] < inner[None, :, None]  # (images, inner steps, pixels)
            batch = np.where(gone[..., None], base[None, None], imgs[:, None])
            p = _softmax(_forward(model, batch.reshape(-1, h, w, c)).astype(np.float64))
            pick = np.repeat(t[s : s + per], len(inner))
            proba[s : s + per, 1:-1] = p[np.arange(len(p)), pick].reshape(len(imgs), len(inner))
        out[key] = DeletionCurves(fractions=counts / (h * w), proba=proba)
    return out


# --- sanity check -------------------------------------------------------------------------------


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, ties sharing their average rank."""
    flat = a.reshape(-1, a.shape[-1])
    out = np.empty(flat.shape, np.float64)
    for i, row in enumerate(flat):
        order = np.argsort(row, kind="stable")
        sorted_row = row[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_row)) + 1]
        ends = np.r_[starts[1:], len(row)]
        r = np.empty(len(row), np.float64)
        for a0, b0 in zip(starts, ends, strict=True):
            r[order[a0:b0]] = (a0 + b0 - 1) / 2
        out[i] = r
    return out.reshape(a.shape)


def spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each pair of maps (N, H, W) → (N,).

    A constant map ranks nothing; its correlation is taken as 0 (no agreement).
    """
    ra = _ranks(np.asarray(a).reshape(len(a), -1))
    rb = _ranks(np.asarray(b).reshape(len(b), -1))
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
    num = (ra * rb).sum(axis=1)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


@dataclass(frozen=True)
class SanityCheck:
    """Cascading randomisation: how much each method's maps change as layers lose their weights."""

    layers: tuple[str, ...]
    """Layers with weights, top first; stage ``i`` has ``layers[: i + 1]`` re-initialised."""
    spearman: dict[str, np.ndarray]
    """Method → (stages,) mean Spearman correlation of ``|map|`` with the original's."""
    examples: dict[str, np.ndarray]
    """Method → (stages + 1, H, W) maps of the first image: trained, then after each stage."""

    @property
    def final(self) -> dict[str, float]:
        """Correlation after every layer is randomised."""
        return {m: float(v[-1]) for m, v in self.spearman.items()}


def _weighted_layers(model: keras.Model, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of the layers with trainable weights, in forward order (nested models flattened)."""
    found: list[tuple[str, ...]] = []
    for layer in model.layers:
        if _is_model(layer):
            found.extend(_weighted_layers(layer, (*prefix, layer.name)))
        elif layer.trainable_weights:
            found.append((*prefix, layer.name))
    return found


def _reseed(config: Any, seed: int) -> Any:
    """``config`` with every initializer's ``seed`` set, so re-initialising is reproducible."""
    if isinstance(config, dict):
        out = {k: _reseed(v, seed) for k, v in config.items()}
        if "class_name" in out and isinstance(out.get("config"), dict) and "seed" in out["config"]:
            out["config"] = {**out["config"], "seed": seed}
        return out
    return config


def _reinitialise(layer: Any, seed: int) -> None:
    """Give ``layer`` fresh weights from its own initializers (seeded)."""
    config = layer.get_config()
    for i, key in enumerate(sorted(k for k in config if k.endswith("_initializer"))):
        config[key] = _reseed(config[key], seed * 101 + i)
    fresh = type(layer).from_config(config)
    fresh.build(layer.input.shape)
    for var, new in zip(layer.weights, fresh.weights, strict=True):
        var.assign(new)


def _get(model: keras.Model, path: Sequence[str]) -> Any:
    current: Any = model
    for name in path:
        current = current.get_layer(name)
    return current


def cascading_randomization(
    model: keras.Model,
    x: np.ndarray,
    *,
    methods: Sequence[str] = METHODS,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    targets: np.ndarray | Sequence[int] | None = None,
    seed: int = 0,
) -> SanityCheck:
    """Sanity check of Adebayo et al. (2018): randomise the weights from the top layer down.

    On a clone of ``model`` (the model itself is untouched), the layers with weights are
    re-initialised one by one from the output down, each with its own initializers (seeded),
    and after each the maps are recomputed for the same target classes. The Spearman rank
    correlation of ``|map|`` with the trained model's measures what survived: a method whose
    maps barely change is drawing the image, not what the network learnt.
    """
    import keras

    options = options or {}
    x = _images(model, x)
    t = _targets(model, x, targets, 256)
    signed = {m: attribute(m, model, x, t, **dict(options.get(m, {}))) for m in methods}
    original = {m: np.abs(v) for m, v in signed.items()}
    examples: dict[str, list[np.ndarray]] = {m: [v[0]] for m, v in signed.items()}
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    stages = list(reversed(_weighted_layers(clone)))
    result: dict[str, list[float]] = {m: [] for m in methods}
    for i, path in enumerate(stages):
        _reinitialise(_get(clone, path), seed + i)
        for m in methods:
            randomised = attribute(m, clone, x, t, **dict(options.get(m, {})))
            examples[m].append(randomised[0])
            result[m].append(float(spearman(original[m], np.abs(randomised)).mean()))
    return SanityCheck(
        layers=tuple("/".join(p) for p in stages),
        spearman={m: np.asarray(v) for m, v in result.items()},
        examples={m: np.stack(v) for m, v in examples.items()},
    )
