"""Real data sets for the book, checked byte for byte.

Online, the loaders call Keras' own ``keras.datasets`` functions. Offline, set the environment
variable ``EXPLAINER_DATA_DIR`` to a folder holding ``mnist.npz`` and ``cifar10.npz`` (the key
layout of Keras' ``mnist.npz``: ``x_train``, ``y_train``, ``x_test``, ``y_test``). Either way every
array is checked against the sha256 of its bytes, so a figure in the book can never silently come
from other data.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CIFAR10_CLASSES",
    "DATA_DIR_ENV",
    "MNIST_CLASSES",
    "DataError",
    "ImageData",
    "array_sha256",
    "drawn_picture",
    "load_cifar10",
    "load_mnist",
]

DATA_DIR_ENV = "EXPLAINER_DATA_DIR"

MNIST_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

# (shape, sha256 of the C-ordered uint8 bytes) of every array, as Keras' loaders give them
# (CIFAR-10 labels flattened). Source: the checks documented with the offline copies.
_EXPECTED: dict[str, dict[str, tuple[tuple[int, ...], str]]] = {
    "mnist": {
        "x_train": (
            (60000, 28, 28),
            "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        ),
        "y_train": (
            (60000,),
            "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
        ),
        "x_test": (
            (10000, 28, 28),
            "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        ),
        "y_test": (
            (10000,),
            "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
        ),
    },
    "cifar10": {
        "x_train": (
            (50000, 32, 32, 3),
            "47af8b02cfcfb6cdf3dbbd1969ad7f1b70f4413f6f80f437b020ee4e5bc8304a",
        ),
        "y_train": (
            (50000,),
            "2b7cd2f24487317614016b72ffd53071c3062f592f0eb300c18a770d41ae1253",
        ),
        "x_test": (
            (10000, 32, 32, 3),
            "f9b1e2130bab680db56eb06d886f7f1ad0f1183907ceff4659d1735c890f5b04",
        ),
        "y_test": (
            (10000,),
            "cec8a24a1e92aa2ecaa0bbd3dbfa86bf6cd8759fbd209a832824c8cf0afca9d5",
        ),
    },
}

_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataError(RuntimeError):
    """The data a chapter needs is missing or is not the data it claims to be."""


@dataclass(frozen=True, eq=False)
class ImageData:
    """A labelled image data set: uint8 NHWC images and flat integer labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    fingerprint: str
    """sha256 over the per-array hashes: the data's identity in the model cache key."""

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def array_sha256(array: np.ndarray) -> str:
    """sha256 of an array's C-ordered bytes (dtype and shape are checked separately)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _how_to_get(filename: str) -> str:
    return (
        f"Set {DATA_DIR_ENV} to a folder that holds the real {filename} "
        f"(keys x_train, y_train, x_test, y_test; e.g. the project's ../shared/data), "
        f"or unset {DATA_DIR_ENV} on a machine with internet access so that Keras downloads it."
    )


def _read_npz(path: Path, name: str) -> dict[str, np.ndarray]:
    filename = path.name
    if not path.is_file():
        raise DataError(
            f"{DATA_DIR_ENV}={path.parent} but {filename} is not there: "
            f"expected {path}. {_how_to_get(filename)}"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in _KEYS if k not in npz.files]
            if missing:
                raise DataError(
                    f"{path} (from {DATA_DIR_ENV}) lacks the arrays {', '.join(missing)}. "
                    f"{_how_to_get(filename)}"
                )
            return {k: npz[k] for k in _KEYS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(
            f"{path} (from {DATA_DIR_ENV}) is not a readable .npz file ({exc}). "
            f"{_how_to_get(filename)}"
        ) from exc


def _check(arrays: dict[str, np.ndarray], name: str, origin: str) -> str:
    """Check shapes, dtypes and hashes; return the data set's fingerprint."""
    filename = f"{name}.npz"
    digests = []
    for key in _KEYS:
        shape, expected = _EXPECTED[name][key]
        arr = arrays[key]
        if arr.shape != shape or arr.dtype != np.uint8:
            raise DataError(
                f"{origin}: {key} has shape {arr.shape} and dtype {arr.dtype}, expected "
                f"{shape} uint8 for the real {name}. {_how_to_get(filename)}"
            )
        got = array_sha256(arr)
        if got != expected:
            raise DataError(
                f"{origin}: {key} fails its checksum (sha256 {got[:12]}…, expected "
                f"{expected[:12]}…): this is not the real {name}. {_how_to_get(filename)}"
            )
        digests.append(got)
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def _load(name: str, keras_loader: Callable[[], tuple]) -> dict[str, np.ndarray]:
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir:
        path = Path(data_dir).expanduser() / f"{name}.npz"
        return _read_npz(path, name)
    try:
        (x_train, y_train), (x_test, y_test) = keras_loader()
    except Exception as exc:  # network errors come in many types
        raise DataError(
            f"Keras could not download {name} ({exc}). {_how_to_get(f'{name}.npz')}"
        ) from exc
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _image_data(name: str, arrays: dict[str, np.ndarray], classes: tuple[str, ...]) -> ImageData:
    arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    arrays["y_train"] = arrays["y_train"].reshape(-1)
    arrays["y_test"] = arrays["y_test"].reshape(-1)
    origin = (
        f"{DATA_DIR_ENV}/{name}.npz" if os.environ.get(DATA_DIR_ENV) else f"keras.datasets.{name}"
    )
    fingerprint = _check(arrays, name, origin)
    out = {}
    for key in _KEYS:
        arr = arrays[key]
        if key.startswith("x") and arr.ndim == 3:
            arr = arr[..., np.newaxis]
        if key.startswith("y"):
            arr = arr.astype(np.int64)
        arr.setflags(write=False)  # shared between chapters: nobody may change them
        out[key] = arr
    return ImageData(name=name, class_names=classes, fingerprint=fingerprint, **out)


@functools.cache
def _cached(name: str, data_dir: str | None) -> ImageData:
    import keras  # deferred: importing Keras costs seconds

    loader = {"mnist": keras.datasets.mnist.load_data, "cifar10": keras.datasets.cifar10.load_data}
    classes = {"mnist": MNIST_CLASSES, "cifar10": CIFAR10_CLASSES}[name]
    return _image_data(name, _load(name, loader[name]), classes)


def load_mnist() -> ImageData:
    """The 70,000 MNIST digits: 60,000 train and 10,000 test, shape (N, 28, 28, 1), uint8."""
    return _cached("mnist", os.environ.get(DATA_DIR_ENV))


def load_cifar10() -> ImageData:
    """The 60,000 CIFAR-10 photos: 50,000 train and 10,000 test, shape (N, 32, 32, 3), uint8."""
    return _cached("cifar10", os.environ.get(DATA_DIR_ENV))


# --- Pictures that are not photos: odd inputs for a CIFAR-10 network ---------------------------

DRAWN_PICTURES: tuple[str, ...] = ("smiley", "diagram")


def drawn_picture(kind: str = "smiley", size: int = 32) -> np.ndarray:
    """A small picture drawn with matplotlib, as a ``(size, size, 3)`` uint8 RGB array.

    An input that belongs to no CIFAR-10 class, made on the fly (no download, the same pixels
    every time): ``"smiley"`` is a yellow face on a light blue background, ``"diagram"`` a
    black arrow and a formula on white, like the diagrams a Caffe network was shown in
    kivantium's "Deep Learningの気持ちになって考えてみる". Drawn at 4× the size and averaged
    down, so edges are anti-aliased like a downscaled photo.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyArrow, Rectangle, Wedge

    if kind not in DRAWN_PICTURES:
        raise ValueError(f"unknown picture {kind!r}; choose one of {DRAWN_PICTURES}")
    big = 4 * size
    fig = Figure(figsize=(1, 1), dpi=big)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    if kind == "smiley":
        ax.add_patch(Rectangle((0, 0), 1, 1, color="#a9d4f5"))
        ax.add_patch(Circle((0.5, 0.5), 0.38, facecolor="#ffd21f", edgecolor="#3a2a00", lw=3))
        for x in (0.37, 0.63):
            ax.add_patch(Circle((x, 0.6), 0.055, color="#3a2a00"))
        ax.add_patch(Wedge((0.5, 0.47), 0.22, 200, 340, width=0.06, color="#3a2a00"))
    else:
        ax.add_patch(Rectangle((0, 0), 1, 1, color="white"))
        ax.add_patch(FancyArrow(0.12, 0.88, 0.5, -0.45, width=0.06, head_width=0.18, color="black"))
        ax.text(0.5, 0.12, "$y=ax+b$", ha="center", va="center", fontsize=9, color="#1040c0")
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba(), dtype=np.float64)[..., :3]
    small = rgba.reshape(size, 4, size, 4, 3).mean(axis=(1, 3))
    return np.round(small).astype(np.uint8)
