"""How far to trust an attribution map: deletion and insertion against model-free controls, and
the randomisation sanity check.

* **Deletion and insertion** (Petsiuk, Das & Saenko 2018): pixels are taken away (deletion) or
  put back (insertion) in the order a map ranks them, most important first, and the
  probability of the class predicted on the intact image is followed. Where the pixels go to
  or come from is the *canvas*: ``"baseline"`` (a value or one per channel: black, the mean
  colour) or ``"blur"`` (a blurred copy of the image, which keeps the image's colours and
  coarse layout). Both are off the data's manifold: an image half replaced by black squares is
  not an image the network was trained on, so a fall of the probability measures the map *and*
  the network's reaction to odd inputs; the two canvases are odd in different ways, and a
  ranking that holds on both is worth more.
* **Controls**: the same tests of maps that read no model, :data:`explainer.attribution.CONTROLS`
  (the image, its edges, a random order). A method that does not beat them has not shown that
  it tells the network's important pixels from conspicuous ones.
* **Sanity check** (Adebayo et al. 2018): the network's layers lose their trained weights from
  the top down, and each method's maps are compared with the trained network's by three
  similarities: Spearman's ρ of ``|map|`` on the *union support* (the pixels non-zero in
  either map, so that a shared background of zeros does not count as agreement), Spearman's
  ρ of the signed maps on all pixels, and SSIM of the maps scaled to ``|value| ≤ 1``. The
  edge map, which no weight can change, is the reference of a method that fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from explainer.attribution import (
    CONTROLS,
    METHODS,
    Baseline,
    Targets,
    _baseline,
    _forward,
    _images,
    _targets,
    attribute,
    to_probabilities,
)

if TYPE_CHECKING:
    import keras

__all__ = [
    "CANVASES",
    "SIMILARITIES",
    "Curves",
    "SanityCheck",
    "beats_controls",
    "blurred",
    "cascading_randomization",
    "curves",
    "deletion",
    "insertion",
    "make_canvas",
    "spearman",
    "spearman_support",
    "ssim",
]

CANVASES: tuple[str, ...] = ("baseline", "blur")
"""Where deleted pixels go to and inserted pixels come from."""

Kind = Literal["deletion", "insertion"]


# --- canvases ------------------------------------------------------------------------------------


def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(np.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return k / k.sum()


def _filter(a: np.ndarray, sigma: float, axes: tuple[int, int] = (1, 2)) -> np.ndarray:
    """Separable Gaussian filter over two axes, edges mirrored."""
    k = _gaussian_kernel(sigma)
    r = len(k) // 2
    out = np.asarray(a, np.float64)
    for axis in axes:
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="symmetric")
        out = np.lib.stride_tricks.sliding_window_view(padded, len(k), axis=axis) @ k
    return out


def blurred(x: np.ndarray, sigma: float | None = None) -> np.ndarray:
    """Each image blurred, channel by channel, with a Gaussian of ``sigma`` pixels (default an
    eighth of the shorter side: the digit or the object becomes a smudge of its colours)."""
    arr = np.asarray(x, np.float32)
    if arr.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, H, W, C); got shape {arr.shape}")
    sigma = max(1.0, min(arr.shape[1:3]) / 8) if sigma is None else sigma
    if sigma <= 0:
        raise ValueError(f"sigma must be positive; got {sigma}")
    return _filter(arr, sigma).astype(np.float32)


def make_canvas(
    x: np.ndarray,
    kind: str = "baseline",
    *,
    baseline: Baseline = 0.0,
    sigma: float | None = None,
) -> np.ndarray:
    """(N, H, W, C): what each image's pixels are replaced by on the canvas ``kind``."""
    arr = np.asarray(x, np.float32)
    if kind == "baseline":
        return np.broadcast_to(_baseline(baseline, arr.shape[1:]), arr.shape)
    if kind == "blur":
        return blurred(arr, sigma)
    raise ValueError(f"canvas must be one of {CANVASES}; got {kind!r}")


# --- deletion and insertion ----------------------------------------------------------------------


@dataclass(frozen=True)
class Curves:
    """The deletion or insertion test of one set of maps."""

    kind: str
    """``"deletion"`` (lower area is better) or ``"insertion"`` (higher is better)."""
    canvas: str
    fractions: np.ndarray
    """(S + 1,) share of the pixels deleted (or inserted), 0 … 1."""
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
        """Mean area under the curve."""
        return float(self.auc_per_image.mean())


def curves(
    model: keras.Model,
    x: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    kind: Kind = "deletion",
    canvas: str = "baseline",
    baseline: Baseline = 0.0,
    sigma: float | None = None,
    steps: int = 16,
    targets: Targets = None,
    seed: int = 0,
    batch_size: int = 512,
) -> dict[str, Curves]:
    """Deletion or insertion curves of several maps of the same images, ``{name: curves}``.

    In ``steps`` equal steps the pixels, in the order of decreasing map value (signed maps by
    their signed value, so the evidence *for* the class first; ties in a seeded random order),
    are replaced by the canvas (deletion) or brought back onto it (insertion), and the
    probability of the class predicted on the intact image (or ``targets``) is recorded after
    each step. The two ends of every curve (the image, the canvas) are computed once.
    """
    if kind not in ("deletion", "insertion"):
        raise ValueError(f"kind must be 'deletion' or 'insertion'; got {kind!r}")
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
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    t = _targets(model, x, targets, batch_size)
    images = np.asarray(x, np.float32)
    back = make_canvas(images, canvas, baseline=baseline, sigma=sigma)
    tiebreak = np.random.default_rng(seed).random(h * w)
    counts = np.round(np.linspace(0, h * w, steps + 1)).astype(np.int64)
    inner = counts[1:-1]
    first, last = (images, back) if kind == "deletion" else (back, images)

    def proba(batch: np.ndarray) -> np.ndarray:
        parts = [
            _forward(model, batch[s : s + batch_size]) for s in range(0, len(batch), batch_size)
        ]
        return to_probabilities(model, np.concatenate(parts))

    rows = np.arange(n)
    p_first = proba(first)[rows, t]
    p_last = proba(last)[rows, t]
    per = max(1, batch_size // max(len(inner), 1))
    out: dict[str, Curves] = {}
    for key, amap in arrays.items():
        p = np.zeros((n, steps + 1), np.float32)
        p[:, 0], p[:, -1] = p_first, p_last
        for s in range(0, n if len(inner) else 0, per):
            imgs = images[s : s + per].reshape(-1, h * w, c)
            canv = back[s : s + per].reshape(-1, h * w, c)
            rank = np.empty((len(imgs), h * w), np.int64)
            for j in range(len(imgs)):
                rank[j, np.lexsort((tiebreak, -amap[s + j].ravel()))] = np.arange(h * w)
            moved = rank[:, None, :] < inner[None, :, None]  # (images, inner steps, pixels)
            if kind == "deletion":
                batch = np.where(moved[..., None], canv[:, None], imgs[:, None])
            else:
                batch = np.where(moved[..., None], imgs[:, None], canv[:, None])
            q = proba(batch.reshape(-1, h, w, c))
            pick = np.repeat(t[s : s + per], len(inner))
            p[s : s + per, 1:-1] = q[np.arange(len(q)), pick].reshape(len(imgs), len(inner))
        out[key] = Curves(kind=kind, canvas=canvas, fractions=counts / (h * w), proba=p)
    return out


def deletion(
    model: keras.Model, x: np.ndarray, maps: Mapping[str, np.ndarray], **options: Any
) -> dict[str, Curves]:
    """:func:`curves` with ``kind="deletion"``: a faithful map makes the probability fall fast
    (a small area under the curve)."""
    return curves(model, x, maps, kind="deletion", **options)


def insertion(
    model: keras.Model, x: np.ndarray, maps: Mapping[str, np.ndarray], **options: Any
) -> dict[str, Curves]:
    """:func:`curves` with ``kind="insertion"``: a faithful map makes the probability rise fast
    (a large area under the curve)."""
    return curves(model, x, maps, kind="insertion", **options)


def beats_controls(
    aucs: Mapping[str, float], kind: Kind, controls: Sequence[str] = CONTROLS
) -> list[str]:
    """The methods in ``aucs`` whose area is better than every control's (lower for deletion,
    higher for insertion), in ``aucs``' order."""
    missing = [c for c in controls if c not in aucs]
    if missing:
        raise ValueError(f"the areas of the controls {missing} are missing; measure them too")
    sign = 1.0 if kind == "deletion" else -1.0
    bar = min(sign * aucs[c] for c in controls)
    return [m for m, a in aucs.items() if m not in controls and sign * a < bar]


# --- similarity of maps --------------------------------------------------------------------------


def _rank_row(row: np.ndarray) -> np.ndarray:
    """Ranks of one row, ties sharing their average rank."""
    order = np.argsort(row, kind="stable")
    sorted_row = row[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_row)) + 1]
    ends = np.r_[starts[1:], len(row)]
    r = np.empty(len(row), np.float64)
    for a0, b0 in zip(starts, ends, strict=True):
        r[order[a0:b0]] = (a0 + b0 - 1) / 2
    return r


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2:
        return 0.0
    ra, rb = _rank_row(a), _rank_row(b)
    ra -= ra.mean()
    rb -= rb.mean()
    den = float(np.sqrt((ra**2).sum() * (rb**2).sum()))
    return float((ra * rb).sum() / den) if den > 0 else 0.0


def spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each pair of maps over all pixels (N, H, W) → (N,).

    A constant map ranks nothing; its correlation is taken as 0 (no agreement).
    """
    fa = np.asarray(a, np.float64).reshape(len(a), -1)
    fb = np.asarray(b, np.float64).reshape(len(b), -1)
    return np.array([_rho(p, q) for p, q in zip(fa, fb, strict=True)])


def spearman_support(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's ρ of ``|a|`` and ``|b|`` on the pixels non-zero in either map, per pair.

    On all pixels, two maps that are both zero on the same 80 % of an image agree on that 80 %
    whatever they say about the rest (ρ near 1 for unrelated values); here the shared zeros
    do not count. Pairs with fewer than two such pixels get 0.
    """
    fa = np.abs(np.asarray(a, np.float64).reshape(len(a), -1))
    fb = np.abs(np.asarray(b, np.float64).reshape(len(b), -1))
    out = []
    for p, q in zip(fa, fb, strict=True):
        keep = (p != 0) | (q != 0)
        out.append(_rho(p[keep], q[keep]))
    return np.array(out)


def ssim(a: np.ndarray, b: np.ndarray, *, sigma: float = 1.5) -> np.ndarray:
    """Structural similarity (Wang et al. 2004) of each pair of maps, each first scaled by its
    largest ``|value|`` (so values lie in −1 … 1; Gaussian window of ``sigma`` pixels)."""

    def scaled(m: np.ndarray) -> np.ndarray:
        f = np.asarray(m, np.float64)
        top = np.abs(f).reshape(len(f), -1).max(axis=1)
        return f / np.where(top > 0, top, 1.0)[:, None, None]

    p, q = scaled(a), scaled(b)
    c1, c2 = (0.01 * 2) ** 2, (0.03 * 2) ** 2  # data range 2
    mp, mq = _filter(p, sigma), _filter(q, sigma)
    vp = _filter(p * p, sigma) - mp**2
    vq = _filter(q * q, sigma) - mq**2
    cov = _filter(p * q, sigma) - mp * mq
    s = ((2 * mp * mq + c1) * (2 * cov + c2)) / ((mp**2 + mq**2 + c1) * (vp + vq + c2))
    return s.reshape(len(s), -1).mean(axis=1)


# --- sanity check --------------------------------------------------------------------------------

SIMILARITIES: tuple[str, ...] = ("spearman_support", "spearman_signed", "ssim")
"""The three similarities of a map with its trained original that the sanity check reports."""


@dataclass(frozen=True)
class SanityCheck:
    """Cascading randomisation: how much each method's maps change as layers lose their weights."""

    layers: tuple[str, ...]
    """Layers with weights, top first; stage ``i`` has ``layers[: i + 1]`` re-initialised."""
    similarity: dict[str, dict[str, np.ndarray]]
    """Similarity name (:data:`SIMILARITIES`) → method → (stages,) mean over the images."""
    examples: dict[str, np.ndarray]
    """Method → (stages + 1, H, W) maps of the first image: trained, then after each stage."""

    def final(self, similarity: str = "spearman_support") -> dict[str, float]:
        """Each method's similarity once every layer is randomised."""
        return {m: float(v[-1]) for m, v in self.similarity[similarity].items()}


def cascading_randomization(
    model: keras.Model,
    x: np.ndarray,
    *,
    methods: Sequence[str] = (*METHODS, "edges"),
    options: Mapping[str, Mapping[str, Any]] | None = None,
    targets: Targets = None,
    seed: int = 0,
) -> SanityCheck:
    """Sanity check of Adebayo et al. (2018): randomise the weights from the top layer down.

    On a clone of ``model`` (the model itself is untouched), the layers with weights are
    re-initialised one by one from the output down, each with its own initializers (seeded),
    and after each the maps are recomputed for the same target classes and compared with the
    trained model's (:data:`SIMILARITIES`). A method whose maps barely change is drawing the
    image, not what the network learnt; the ``edges`` control shows what that looks like.
    """
    import keras

    from explainer.probe import find_layer

    options = options or {}
    x = _images(model, x)
    t = _targets(model, x, targets, 256)
    original = {m: attribute(m, model, x, t, **dict(options.get(m, {}))) for m in methods}
    examples: dict[str, list[np.ndarray]] = {m: [v[0]] for m, v in original.items()}
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    stages = list(reversed(_weighted_layers(clone)))
    result: dict[str, dict[str, list[float]]] = {s: {m: [] for m in methods} for s in SIMILARITIES}
    for i, path in enumerate(stages):
        _reinitialise(find_layer(clone, "/".join(path)), seed + i)
        for m in methods:
            randomised = attribute(m, clone, x, t, **dict(options.get(m, {})))
            examples[m].append(randomised[0])
            before = original[m]
            result["spearman_support"][m].append(float(spearman_support(before, randomised).mean()))
            result["spearman_signed"][m].append(float(spearman(before, randomised).mean()))
            result["ssim"][m].append(float(ssim(before, randomised).mean()))
    return SanityCheck(
        layers=tuple("/".join(p) for p in stages),
        similarity={s: {m: np.asarray(v) for m, v in d.items()} for s, d in result.items()},
        examples={m: np.stack(v) for m, v in examples.items()},
    )


def _weighted_layers(model: keras.Model, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of the layers with trainable weights, in forward order (nested models flattened)."""
    from explainer.probe import is_model

    found: list[tuple[str, ...]] = []
    for layer in model.layers:
        if is_model(layer):
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
