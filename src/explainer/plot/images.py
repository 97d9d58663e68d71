"""The one rule for drawing an input image (a digit, a photo), grey or RGB, uint8 or float.

Every plot function that shows an input image goes through :func:`prepare_image` (to get the
pixels) or :func:`draw_image` (to draw them), so the same array looks the same in every
figure of the book and of the report:

- ``uint8``: 0 is black, 255 is white (grey) or full intensity (each RGB channel).
- float with every value in ``[0, 1]``: 0 black, 1 white; float in ``[0, 255]`` (e.g. an
  average of uint8 images): the uint8 scale. Both are fixed scales, so a faint digit looks
  faint and two images compare directly.
- any other float (negative values or above 255, e.g. standardised inputs): the image's own
  range is stretched to black … white; such an image has no fixed scale to honour.

Grey images may be ``(H, W)`` or ``(H, W, 1)``; colour ``(H, W, 3)`` or ``(H, W, 4)``.
Weights, feature maps and other signed or derived quantities are not images: they keep their
own colour scales (:data:`explainer.plot.WEIGHT_CMAP`).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from explainer.plot.style import OUTSIDE_GREYS

__all__ = ["display_tiles", "draw_image", "image_range", "prepare_image"]


def prepare_image(image: Any) -> np.ndarray:
    """Pixels ready for ``imshow``: ``(H, W)`` grey or ``(H, W, 3|4)`` colour, either uint8 as
    given (0–255) or float32 on 0–1, following the module's rule. Raises ``ValueError`` for
    other shapes."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        raise ValueError(
            f"an image must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); got shape {arr.shape}"
        )
    if arr.dtype == np.uint8:
        return arr  # already on its fixed 0-255 scale
    if arr.dtype == bool:
        return arr.astype(np.float32)
    values = arr.astype(np.float32)
    lo, hi = image_range(values)
    out = (values - lo) / (hi - lo if hi > lo else 1.0)
    return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)


def image_range(values: Any) -> tuple[float, float]:
    """The range a float image is drawn on, by the module's rule: ``(0, 1)`` when every finite
    value lies in it, else ``(0, 255)`` when they lie in that, else their own minimum and maximum.

    Plot functions that compose images themselves (tile mosaics) map this range to black …
    white, so they draw an array exactly as :func:`draw_image` would.
    """
    arr = np.asarray(values, dtype=np.float32)
    finite = arr[np.isfinite(arr)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 0.0
    if lo >= 0.0 and hi <= 1.0:
        return 0.0, 1.0
    if lo >= 0.0 and hi <= 255.0:
        return 0.0, 255.0
    return lo, hi


def draw_image(
    image: Any, *, ax: Axes | None = None, ticks: bool = False, **imshow: Any
) -> AxesImage:
    """Draw an input image on ``ax`` (default: the current axes) by :func:`prepare_image`'s rule.

    Grey images use the ``"gray"`` colour map on the fixed range (0–255 for uint8, else 0–1);
    extra keyword arguments go
    to ``imshow`` (e.g. ``extent=``). Returns the ``AxesImage``.
    """
    ax = plt.gca() if ax is None else ax
    pixels = prepare_image(image)
    kwargs: dict[str, Any] = {"interpolation": "nearest"}
    if pixels.ndim == 2:
        kwargs |= {"cmap": "gray", "vmin": 0, "vmax": 255 if pixels.dtype == np.uint8 else 1}
    kwargs |= imshow
    drawn = ax.imshow(pixels, **kwargs)
    if not ticks:
        ax.set_xticks([])
        ax.set_yticks([])
    return drawn


def display_tiles(
    images: np.ndarray,
    inside: np.ndarray | None = None,
    *,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """Images ``(..., H, W)``, ``(..., H, W, 1)`` or ``(..., H, W, 3)`` as uint8 RGB tiles.

    uint8 images are shown as they are; float images are mapped from ``value_range`` to 0–255
    (default: :func:`explainer.plot.images.image_range` of the pixels inside, the rule of
    :func:`explainer.plot.prepare_image`: a fixed 0–1 or 0–255 scale when the values fit one).
    Pixels where ``inside`` is False (a receptive field that reaches past the image border)
    become a light checkerboard, the usual sign for "no picture here", so a patch at the border
    is not mistaken for a dark or bright one.
    """
    arr = np.asarray(images)
    if arr.ndim >= 3 and arr.shape[-1] in (1, 3):
        grey = arr.shape[-1] == 1
    else:
        arr = arr[..., np.newaxis]
        grey = True
    if arr.dtype != np.uint8:
        valid = arr if inside is None else arr[np.asarray(inside)]
        lo, hi = value_range or image_range(valid)
        span = hi - lo if hi > lo else 1.0
        arr = np.clip(np.round((arr.astype(np.float64) - lo) / span * 255), 0, 255).astype(np.uint8)
    rgb = np.repeat(arr, 3, axis=-1) if grey else arr.copy()
    if inside is not None:
        mask = ~np.asarray(inside, dtype=bool)
        h, w = mask.shape[-2:]
        rows, cols = np.indices((h, w))
        checker = np.where((rows // 2 + cols // 2) % 2 == 0, *OUTSIDE_GREYS).astype(np.uint8)
        rgb[mask] = np.broadcast_to(checker, mask.shape)[mask][:, None]
    return rgb
