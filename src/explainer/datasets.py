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

from explainer.errors import ExplainerError

__all__ = [
    "CHECKDATA_INFORMATIVE",
    "CIFAR10_CLASSES",
    "DATA_DIR_ENV",
    "MNIST_CLASSES",
    "CheckData",
    "DataError",
    "ImageData",
    "array_sha256",
    "drawn_picture",
    "load_cifar10",
    "load_mnist",
    "make_checkdata",
    "make_circles",
    "make_twoclass",
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


class DataError(ExplainerError, RuntimeError):
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


# --- Check data: a toy set whose answer sits in two known inputs ------------------------------

CHECKDATA_INFORMATIVE: tuple[int, int] = (3, 6)
"""0-based indices of the two inputs that carry the label in :func:`make_checkdata`."""


@dataclass(frozen=True, eq=False)
class CheckData:
    """Tabular samples with a known answer: which inputs matter is part of the data set."""

    x: np.ndarray
    """(n, n_features) float32 inputs."""
    y: np.ndarray
    """(n,) int64 labels, 0 or 1."""
    informative: tuple[int, ...]
    """0-based indices of the inputs the label can be read from; all others are noise."""
    seed: int

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    @property
    def noise(self) -> tuple[int, ...]:
        """0-based indices of the pure-noise inputs."""
        return tuple(i for i in range(self.n_features) if i not in self.informative)


def make_checkdata(n: int = 10_000, seed: int = 0) -> CheckData:
    """``n`` samples of 10 inputs whose label is the sum of inputs 3 and 6 (0-based).

    The rule, exactly: draw the label ``y`` from {0, 1} with equal odds and a hidden number
    ``u`` uniformly from [-1, 1]; set ``x[3] = y/2 + u`` and ``x[6] = y/2 - u``, so that
    ``x[3] + x[6] == y`` (up to float32 rounding, well below 1e-6). Every other input is drawn
    uniformly from [-1, 1] independently of everything else: pure noise. Neither informative
    input decides the label alone (each overlaps between the classes); their sum always does,
    so a network that finds inputs 3 and 6 can reach 100 % accuracy and has no reason to use
    the other eight. Different seeds give independent samples (use one for training, another
    for testing).
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng(seed)
    n_features = 10
    a, b = CHECKDATA_INFORMATIVE
    x = rng.uniform(-1.0, 1.0, size=(n, n_features))
    y = rng.integers(0, 2, size=n)
    u = rng.uniform(-1.0, 1.0, size=n)
    x[:, a] = y / 2 + u
    x[:, b] = y / 2 - u
    x = x.astype(np.float32)
    y = y.astype(np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return CheckData(x=x, y=y, informative=CHECKDATA_INFORMATIVE, seed=seed)


# --- Small 2-D sets made on the spot (the "Bending space" chapter) ------------------------------
# Both makers are seeded NumPy (no scikit-learn needed): the same seed gives the same bytes, so
# the trained-model cache recognises the data. Class 0 comes first, then class 1.


def make_twoclass(
    n_per_class: int = 1000, *, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-moons that no straight line can separate.

    Returns ``x`` of shape ``(2 * n_per_class, 2)``, float32, and ``y`` of shape
    ``(2 * n_per_class,)``, int64 (0 for the upper moon, 1 for the lower one). Points lie on two
    unit half-circles (the lower one shifted right by 1 and down by 0.5, as in scikit-learn's
    ``make_moons``) plus Gaussian noise of standard deviation ``noise`` in each coordinate; the
    set is then centred at the origin so that ``tanh`` layers start in their bending range.

    Why this shape: each moon's tip reaches into the other's bay, so the best straight line
    gets only about nine points in ten right (the article's smallest model scores about 90 %),
    while the gap of 0.5 between the curves is wide enough (five noise deviations) for a curved
    boundary to separate nearly every point.
    """
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, size=(2, n_per_class))
    upper = np.stack([np.cos(t[0]), np.sin(t[0])], axis=1)
    lower = np.stack([1.0 - np.cos(t[1]), 0.5 - np.sin(t[1])], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(2 * n_per_class, 2))
    x -= np.array([0.5, 0.25])  # the noise-free set's centre
    y = np.repeat(np.arange(2, dtype=np.int64), n_per_class)
    return x.astype(np.float32), y


def make_circles(
    n_per_class: int = 1000, *, factor: float = 0.5, noise: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A ring of one class around a smaller ring of the other, centred at the origin.

    Returns ``x`` of shape ``(2 * n_per_class, 2)``, float32, and ``y`` of shape
    ``(2 * n_per_class,)``, int64 (0 for the outer ring of radius 1, 1 for the inner ring of
    radius ``factor``). Angles are uniform; Gaussian noise of standard deviation ``noise`` is
    added to each coordinate (scikit-learn's ``make_circles`` layout).

    Why this shape: the outer ring encloses the inner one, so no continuous deformation of the
    plane can pull them apart; with the default gap of 0.5 (ten noise deviations) the rings do
    not overlap, so a network that can use a third dimension can get every point right.
    """
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=2 * n_per_class)
    radius = np.repeat(np.array([1.0, factor]), n_per_class)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += rng.normal(0.0, noise, size=x.shape)
    y = np.repeat(np.arange(2, dtype=np.int64), n_per_class)
    return x.astype(np.float32), y


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
