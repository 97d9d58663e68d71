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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explainer.errors import ExplainerError

__all__ = [
    "CHECKDATA_INFORMATIVE",
    "CIFAR10_CLASSES",
    "DATA_DIR_ENV",
    "HIRAGANA_AUGMENT",
    "HIRAGANA_TEST_FAMILIES",
    "MNIST_CLASSES",
    "CheckData",
    "DataError",
    "HiraganaData",
    "HiraganaFace",
    "ImageData",
    "Split",
    "array_sha256",
    "drawn_picture",
    "hiragana_glyphs",
    "load_cifar10",
    "load_hiragana",
    "load_mnist",
    "load_split",
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


def _missing_file(path: Path) -> DataError:
    return DataError(
        f"{DATA_DIR_ENV}={path.parent} but {path.name} is not there: "
        f"expected {path}. {_how_to_get(path.name)}"
    )


def _read_member(path: Path, key: str) -> np.ndarray:
    """One array of an offline ``.npz``; the file's other arrays are not read."""
    filename = path.name
    if not path.is_file():
        raise _missing_file(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if key not in npz.files:
                missing = [k for k in _KEYS if k not in npz.files]
                raise DataError(
                    f"{path} (from {DATA_DIR_ENV}) lacks the arrays {', '.join(missing)}. "
                    f"{_how_to_get(filename)}"
                )
            return npz[key]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(
            f"{path} (from {DATA_DIR_ENV}) is not a readable .npz file ({exc}). "
            f"{_how_to_get(filename)}"
        ) from exc


def _check_array(name: str, key: str, arr: np.ndarray, origin: str) -> str:
    """Check one array's shape, dtype and hash; return its digest."""
    filename = f"{name}.npz"
    shape, expected = _EXPECTED[name][key]
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
    return got


def _prepared(key: str, arr: np.ndarray) -> np.ndarray:
    """As the book uses it: NHWC images, int64 labels, read-only (shared between chapters)."""
    arr = np.ascontiguousarray(arr)
    if key.startswith("x") and arr.ndim == 3:
        arr = arr[..., np.newaxis]
    if key.startswith("y"):
        arr = arr.astype(np.int64)
    arr.setflags(write=False)
    return arr


def _origin(name: str) -> str:
    return (
        f"{DATA_DIR_ENV}/{name}.npz" if os.environ.get(DATA_DIR_ENV) else f"keras.datasets.{name}"
    )


def _offline_array(name: str, key: str, data_dir: str) -> tuple[np.ndarray, str]:
    """One checked array of an offline copy, and its digest; read once per file version."""
    path = Path(data_dir).expanduser() / f"{name}.npz"
    try:
        stat = path.stat()
    except OSError:
        raise _missing_file(path) from None
    return _checked_member(name, key, str(path), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _checked_member(
    name: str, key: str, path: str, mtime_ns: int, size: int
) -> tuple[np.ndarray, str]:
    # The file's time and size are part of the key: a replaced file is read and checked anew.
    arr = _read_member(Path(path), key)
    if key.startswith("y"):
        arr = arr.reshape(-1)
    digest = _check_array(name, key, np.ascontiguousarray(arr), _origin(name))
    return _prepared(key, arr), digest


def _keras_arrays(name: str) -> dict[str, np.ndarray]:
    import keras  # deferred: importing Keras costs seconds

    loader = {"mnist": keras.datasets.mnist.load_data, "cifar10": keras.datasets.cifar10.load_data}
    try:
        (x_train, y_train), (x_test, y_test) = loader[name]()
    except Exception as exc:  # network errors come in many types
        raise DataError(
            f"Keras could not download {name} ({exc}). {_how_to_get(f'{name}.npz')}"
        ) from exc
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


@functools.cache
def _cached(name: str, data_dir: str | None) -> ImageData:
    classes = {"mnist": MNIST_CLASSES, "cifar10": CIFAR10_CLASSES}[name]
    out: dict[str, np.ndarray] = {}
    digests = []
    if data_dir:
        for key in _KEYS:
            out[key], digest = _offline_array(name, key, data_dir)
            digests.append(digest)
    else:
        arrays = _keras_arrays(name)
        for key in _KEYS:
            arr = np.ascontiguousarray(arrays[key])
            if key.startswith("y"):
                arr = arr.reshape(-1)
            digests.append(_check_array(name, key, arr, _origin(name)))
            out[key] = _prepared(key, arr)
    fingerprint = hashlib.sha256("".join(digests).encode()).hexdigest()
    return ImageData(name=name, class_names=classes, fingerprint=fingerprint, **out)


def load_mnist() -> ImageData:
    """The 70,000 MNIST digits: 60,000 train and 10,000 test, shape (N, 28, 28, 1), uint8."""
    return _cached("mnist", os.environ.get(DATA_DIR_ENV))


def load_cifar10() -> ImageData:
    """The 60,000 CIFAR-10 photos: 50,000 train and 10,000 test, shape (N, 32, 32, 3), uint8."""
    return _cached("cifar10", os.environ.get(DATA_DIR_ENV))


@dataclass(frozen=True, eq=False)
class Split:
    """One split of a data set: uint8 NHWC images and int64 labels, checked like the whole."""

    name: str
    x: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]


def load_split(name: str, split: str = "test") -> Split:
    """Only the ``split`` (``"train"`` or ``"test"``) of ``"mnist"`` or ``"cifar10"``.

    From an offline copy only that split's arrays are read and checksummed (the report needs
    the 10,000 test images, not the training set); through Keras the whole set is loaded, as
    Keras' loaders return it.
    """
    classes = {"mnist": MNIST_CLASSES, "cifar10": CIFAR10_CLASSES}
    if name not in classes or split not in ("train", "test"):
        raise ValueError(f"unknown data set {name!r} / split {split!r}")
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir:
        x, _ = _offline_array(name, f"x_{split}", data_dir)
        y, _ = _offline_array(name, f"y_{split}", data_dir)
    else:
        whole = _cached(name, None)
        x, y = getattr(whole, f"x_{split}"), getattr(whole, f"y_{split}")
    return Split(name=name, x=x, y=y, class_names=classes[name])


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


# --- Hiragana rendered from free fonts (the "Hiragana" chapter) -------------------------------
# ETL, the handwritten-character database the source article trained on, may not be
# redistributed. The package ships instead the 46 basic hiragana rendered from free Japanese
# fonts (tools/render_hiragana.py; faces and licences in data/hiragana_fonts.json) and draws
# distorted copies of them on the fly. Printed and handwriting-style fonts: not handwriting.

HIRAGANA_GLYPHS_SHA256 = "21d726ae4128e156cacfdbce0de8a0b774e1f079b1d0e0846ca5e96b1591d472"
"""sha256 of the committed ``glyphs`` array's C-ordered bytes (see ``hiragana_fonts.json``)."""

HIRAGANA_TEST_FAMILIES: tuple[str, ...] = (
    "Klee One",
    "Seto",
    "Kouzan Mouhitsu",
    "Motoya L Maruberi",
    "Hanazono Mincho",
)
"""Font families kept out of training: the test set's unseen hands, three of them
handwriting- or brush-style. Whole families, so no weight of a test design is ever trained on."""

HIRAGANA_AUGMENT: dict[str, dict[str, float]] = {
    # rotation (degrees), scale spread, shear, shift (fraction of the box), elastic strength
    # (pixels of displacement at 64 px), stroke change probability, noise (0-1 std)
    "none": {
        "rotate": 0,
        "scale": 0,
        "shear": 0,
        "shift": 0,
        "elastic": 0,
        "stroke": 0,
        "noise": 0,
    },
    "light": {
        "rotate": 4,
        "scale": 0.05,
        "shear": 0.05,
        "shift": 0.04,
        "elastic": 0,
        "stroke": 0,
        "noise": 0,
    },
    "test": {
        "rotate": 6,
        "scale": 0.08,
        "shear": 0.1,
        "shift": 0.05,
        "elastic": 2.0,
        "stroke": 0.5,
        "noise": 0.05,
    },
    "strong": {
        "rotate": 12,
        "scale": 0.12,
        "shear": 0.2,
        "shift": 0.06,
        "elastic": 3.0,
        "stroke": 0.7,
        "noise": 0.08,
    },
}
"""Distortion levels of :func:`load_hiragana`. ``"test"`` is what every test image gets: a
moderate wobble, as a scan of a written character would show. Training uses ``"light"``
(small affine changes only) or ``"strong"`` (more of everything, plus elastic distortion,
thinner or thicker strokes and noise)."""


@dataclass(frozen=True)
class HiraganaFace:
    """One rendered font face, as recorded beside the glyph file."""

    name: str
    style: str
    family: str
    package: str
    file: str
    licence: str
    kind: str
    """``"print"`` or ``"handwriting"`` (handwriting- or brush-style design)."""

    @property
    def label(self) -> str:
        """The font's name with its style unless that is the regular one (``"Klee One"``)."""
        plain = self.style.lower() in {"regular", "mono", "book"} or self.style in self.name
        return self.name if plain else f"{self.name} {self.style}"


@dataclass(frozen=True, eq=False)
class HiraganaData(ImageData):
    """:class:`ImageData` plus, for every image, the face it was drawn from."""

    faces: tuple[HiraganaFace, ...]
    font_train: np.ndarray
    """(N_train,) index into :attr:`faces` of each training image."""
    font_test: np.ndarray
    """(N_test,) index into :attr:`faces` of each test image."""
    romaji: tuple[str, ...]
    """Latin names of the classes (``"nu"``), for labels that need no Japanese font."""

    @property
    def train_faces(self) -> tuple[HiraganaFace, ...]:
        return tuple(self.faces[i] for i in np.unique(self.font_train))

    @property
    def test_faces(self) -> tuple[HiraganaFace, ...]:
        return tuple(self.faces[i] for i in np.unique(self.font_test))


def _glyph_files() -> tuple[Path, Path]:
    folder = Path(__file__).parent / "data"
    return folder / "hiragana_glyphs.npz", folder / "hiragana_fonts.json"


@functools.cache
def hiragana_glyphs() -> tuple[
    np.ndarray, tuple[HiraganaFace, ...], tuple[str, ...], tuple[str, ...]
]:
    """The committed glyphs ``(faces, 46, 64, 64)`` uint8, their faces, characters and romaji.

    Checked against :data:`HIRAGANA_GLYPHS_SHA256`, so a chapter never trains on altered glyphs.
    """
    import json

    npz, meta_path = _glyph_files()
    fix = "Reinstall the package, or regenerate both files with tools/render_hiragana.py."
    try:
        with np.load(npz, allow_pickle=False) as data:
            glyphs = data["glyphs"]
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(
            f"cannot read the hiragana glyph files {npz.name}, {meta_path.name} ({exc}). {fix}"
        ) from exc
    got = array_sha256(glyphs)
    if glyphs.dtype != np.uint8 or got != HIRAGANA_GLYPHS_SHA256:
        raise DataError(
            f"{npz}: glyphs fail their checksum (sha256 {got[:12]}…, expected "
            f"{HIRAGANA_GLYPHS_SHA256[:12]}…). {fix}"
        )
    faces = tuple(HiraganaFace(**f) for f in meta["faces"])
    if len(faces) != glyphs.shape[0]:
        raise DataError(
            f"{meta_path} lists {len(faces)} faces for {glyphs.shape[0]} glyph sets. {fix}"
        )
    glyphs.setflags(write=False)
    return glyphs, faces, tuple(meta["characters"]), tuple(meta["romaji"])


def _affine_grid(
    rng: np.random.Generator, n: int, out: int, src: int, level: Mapping[str, float]
) -> np.ndarray:
    """Source coordinates ``(n, 2, out, out)`` in a ``src``-pixel glyph for each output pixel."""
    angle = np.deg2rad(rng.uniform(-1, 1, n) * level["rotate"])
    scale = 1 + rng.uniform(-1, 1, n) * level["scale"]
    shear = rng.uniform(-1, 1, n) * level["shear"]
    shift = rng.uniform(-1, 1, (n, 2)) * level["shift"] * src
    centre = (out - 1) / 2
    v, u = np.meshgrid(np.arange(out) - centre, np.arange(out) - centre, indexing="ij")
    v, u = v * (src / out), u * (src / out)  # output pixels in glyph pixels
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    k = (1 / scale)[:, None, None]
    sh = shear[:, None, None]
    rows = k * (cos * v - sin * u)
    cols = k * (sin * v + cos * u) + sh * rows
    src_centre = (src - 1) / 2
    rows = rows + src_centre + shift[:, 0, None, None]
    cols = cols + src_centre + shift[:, 1, None, None]
    return np.stack([rows, cols], axis=1)


def _smooth_field(rng: np.random.Generator, n: int, out: int, knots: int = 4) -> np.ndarray:
    """Random displacement fields ``(n, 2, out, out)``, smooth, each scaled to a peak of 1.

    Uniform random values on a ``knots`` × ``knots`` grid, interpolated bilinearly over the
    image: the elastic distortion of Simard et al. (2003) at a fraction of the cost of
    Gaussian-filtering a full-resolution noise field.
    """
    coarse = rng.uniform(-1, 1, (n, 2, knots, knots))
    t = np.linspace(0, knots - 1, out)
    lo = np.minimum(np.floor(t).astype(int), knots - 2)
    frac = t - lo
    interp = np.zeros((out, knots))
    interp[np.arange(out), lo] = 1 - frac
    interp[np.arange(out), lo + 1] = frac
    field = interp @ coarse @ interp.T
    return field / (np.abs(field).max(axis=(1, 2, 3), keepdims=True) + 1e-12)


def _stock(glyphs: np.ndarray, size: int) -> np.ndarray:
    """Each glyph as drawn, thinner and thicker ``(n, 3, 64, 64)`` float32, blurred for ``size``.

    The stroke change is one pixel (at 64 px) less or more ink around every stroke; the blur
    keeps thin strokes from aliasing away when they are sampled at the smaller size.
    """
    from scipy import ndimage

    img = glyphs.astype(np.float32) / 255
    thin = ndimage.grey_erosion(img, size=(1, 3, 3))
    thick = ndimage.grey_dilation(img, size=(1, 3, 3))
    # A hairline font would lose its strokes: it keeps them where thinning takes half the ink.
    faint = thin.sum(axis=(1, 2)) < 0.5 * img.sum(axis=(1, 2))
    thin[faint] = img[faint]
    stock = np.stack([img, thin, thick], axis=1)
    sigma = 0.45 * glyphs.shape[-1] / size
    stock = ndimage.gaussian_filter(stock, sigma=(0, 0, sigma, sigma))
    # Full contrast for every glyph, as scans of written characters are usually stretched:
    # a hairline font's blurred strokes would otherwise stay a faint grey.
    return stock / np.maximum(stock.max(axis=(2, 3), keepdims=True), 1e-6)


def _distort(
    stock: np.ndarray,
    index: np.ndarray,
    size: int,
    level: Mapping[str, float],
    rng: np.random.Generator,
) -> np.ndarray:
    """Distorted ``(n, size, size)`` uint8 images of the stock glyphs ``index`` (one each)."""
    from scipy import ndimage

    n, src = index.size, stock.shape[-1]
    changed = rng.uniform(0, 1, n) < level["stroke"]
    variant = np.where(changed, 1 + (rng.uniform(0, 1, n) < 0.5), 0)
    coords = _affine_grid(rng, n, size, src, level)
    if level["elastic"]:
        coords = coords + level["elastic"] * _smooth_field(rng, n, size)
    # One 2-D lookup over the stock glyphs stacked vertically; coordinates are clipped to each
    # glyph's own block, whose border is blank (the ink fills 52 of 64 pixels).
    block = (index * 3 + variant) * src
    rows = np.clip(coords[:, 0], 0, src - 1) + block[:, None, None]
    cols = np.clip(coords[:, 1], 0, src - 1)
    warped = ndimage.map_coordinates(stock.reshape(-1, src), [rows, cols], order=1)
    if level["noise"]:
        warped = warped + rng.normal(0, level["noise"], warped.shape)
    return np.round(np.clip(warped, 0, 1) * 255).astype(np.uint8)


def _draw(
    glyphs: np.ndarray,
    fonts: np.ndarray,
    copies: int,
    size: int,
    level: Mapping[str, float],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``copies`` distorted images of every glyph of ``fonts``, in batches (bounded memory)."""
    n_classes = glyphs.shape[1]
    stock = _stock(glyphs[fonts].reshape(-1, *glyphs.shape[2:]), size)
    which = np.repeat(np.arange(len(fonts) * n_classes), copies)  # row of ``stock``
    font = fonts[which // n_classes]
    label = which % n_classes
    x = np.empty((which.size, size, size), np.uint8)
    batch = 4096
    for start in range(0, which.size, batch):
        stop = min(start + batch, which.size)
        x[start:stop] = _distort(stock, which[start:stop], size, level, rng)
    order = rng.permutation(which.size)
    return x[order], label[order].astype(np.int64), font[order].astype(np.int64)


def load_hiragana(
    *,
    augment: str = "strong",
    copies: int = 20,
    test_copies: int = 10,
    size: int = 28,
    seed: int = 0,
) -> HiraganaData:
    """The 46 basic hiragana drawn from free fonts, split by font family.

    Training images come from the faces outside :data:`HIRAGANA_TEST_FAMILIES`, ``copies`` per
    character and face, distorted at the level ``augment`` (a key of :data:`HIRAGANA_AUGMENT`);
    test images from the held-out families only, ``test_copies`` each, always at the ``"test"``
    level and from their own seed, so every training choice is measured on the same test set.
    White ink on black, ``(N, size, size, 1)`` uint8, like MNIST. Deterministic: the same
    arguments give the same bytes.
    """
    if augment not in HIRAGANA_AUGMENT:
        raise ValueError(f"augment must be one of {sorted(HIRAGANA_AUGMENT)}, got {augment!r}")
    if copies < 1 or test_copies < 1 or size < 8:
        raise ValueError(
            "need copies >= 1, test_copies >= 1 and size >= 8, "
            f"got {copies=}, {test_copies=}, {size=}"
        )
    return _hiragana(augment, copies, test_copies, size, seed)


@functools.cache
def _hiragana(augment: str, copies: int, test_copies: int, size: int, seed: int) -> HiraganaData:
    glyphs, faces, characters, romaji = hiragana_glyphs()
    held_out = np.array([f.family in HIRAGANA_TEST_FAMILIES for f in faces])
    train_fonts, test_fonts = np.flatnonzero(~held_out), np.flatnonzero(held_out)
    x_train, y_train, font_train = _draw(
        glyphs, train_fonts, copies, size, HIRAGANA_AUGMENT[augment], np.random.default_rng(seed)
    )
    # The test images have their own seed stream: the same for every training choice.
    x_test, y_test, font_test = _draw(
        glyphs,
        test_fonts,
        test_copies,
        size,
        HIRAGANA_AUGMENT["test"],
        np.random.default_rng([seed, 1]),
    )
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    fingerprint = hashlib.sha256(
        "".join(array_sha256(a) for a in arrays.values()).encode()
    ).hexdigest()
    for arr in (*arrays.values(), font_train, font_test):
        arr.setflags(write=False)
    return HiraganaData(
        name=f"hiragana_{augment}",
        x_train=x_train[..., np.newaxis],
        y_train=y_train,
        x_test=x_test[..., np.newaxis],
        y_test=y_test,
        class_names=characters,
        fingerprint=fingerprint,
        faces=faces,
        font_train=font_train,
        font_test=font_test,
        romaji=romaji,
    )
