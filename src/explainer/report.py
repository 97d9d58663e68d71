"""``explainer report``: the book's views of *your* Keras image classifier, as a static folder.

One command turns a trained model and a labelled data set into ``index.html``, PNG figures and
``report.json`` (every number the page shows). The figures come from the same
:mod:`explainer.probe` and :mod:`explainer.plot` functions as the book's chapters, so a reader
who learnt to read a figure in the book can read it for their own model.

Two promises shape the code:

* **Bad input is refused cleanly.** Everything that can be wrong with the model or the data is
  checked before anything is written; a problem becomes a :class:`ReportError` whose one-line
  message the CLI prints on stderr before exiting with status 2. The report is written into a
  temporary folder next to ``--out`` and renamed into place only when complete, so a failed
  run never leaves a half-written report behind.
* **Memory stays flat as the data grows.** Images are read a chunk at a time from memory-mapped
  arrays (``.npy`` files, uncompressed ``.npz`` members); the pages of a chunk are handed back to
  the operating system once the chunk has been predicted. Only the ``(N, classes)``
  probabilities and the labels are held for the whole data set.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import html
import json
import math
import mmap
import os
import re
import shutil
import struct
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from explainer import environment

if TYPE_CHECKING:
    import keras
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "EXIT_BAD_INPUT",
    "OneLineParser",
    "Progress",
    "ReportData",
    "ReportError",
    "add_parser",
    "generate",
    "load_data",
    "load_model",
    "main",
    "render_html",
    "run",
]

EXIT_BAD_INPUT = 2
"""Exit status for input the report cannot use (a bad model, data or option)."""

MAX_CONV_LAYERS = 8
"""Conv layers shown when ``--layers`` is not given (deep networks have dozens)."""
MAX_TILES = 64
"""Filters / feature maps drawn per layer: an 8 × 8 grid stays legible."""
MAX_CONFUSION_CLASSES = 20
"""Above this many classes the confusion figure would be unreadable; the table stays in JSON."""
N_MISTAKES = 40
CHUNK_BYTES = 16 * 2**20
"""Bytes of float32 input predicted per chunk: bounds the memory of the prediction step."""
_COMPRESSED_IN_MEMORY = 64 * 2**20
"""Compressed ``.npz`` members larger than this are unpacked to a temporary file and mapped."""

_DATA_HELP = (
    "give mnist, cifar10, a .npz file with arrays x and y (and optionally class_names), "
    "or a folder holding x.npy and y.npy"
)


class ReportError(Exception):
    """Input the report cannot use. The message is one line, meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# --- Data --------------------------------------------------------------------------------------


@dataclass(eq=False)
class ReportData:
    """Labelled images to report on. ``x`` may be memory-mapped: it is never read whole."""

    name: str
    x: np.ndarray
    """``(N, ...)`` images: NHWC, NHW or flat, uint8 or float."""
    y: np.ndarray
    """``(N,)`` integer labels."""
    class_names: tuple[str, ...] | None = None
    source: str = ""
    memory_mapped: bool = False

    @classmethod
    def from_arrays(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        *,
        class_names: Sequence[str] | None = None,
        name: str = "arrays",
    ) -> ReportData:
        """Data handed over in Python (checked like a file's)."""
        data = cls(
            name=name,
            x=x,
            y=np.asarray(y),
            class_names=None if class_names is None else tuple(str(c) for c in class_names),
            source="arrays passed in Python",
            memory_mapped=isinstance(x, np.memmap),
        )
        _check_data(data)
        return data

    @property
    def n(self) -> int:
        return len(self.x)


def _npy_header(fh: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fh)
    return np.lib.format.read_array_header_2_0(fh)


def _map_stored_member(path: Path, info: zipfile.ZipInfo) -> np.ndarray:
    """Memory-map an uncompressed ``.npy`` member of a zip file in place."""
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise ReportError(f"{path}: member {info.filename} has a damaged zip header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        shape, fortran, dtype = _npy_header(fh)
        offset = fh.tell()
    if dtype.hasobject:
        raise ReportError(f"{path}: {info.filename} holds Python objects; save plain arrays")
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(
        path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
    )


def _read_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    if info.compress_type == zipfile.ZIP_STORED:
        return _map_stored_member(path, info)
    if info.file_size <= _COMPRESSED_IN_MEMORY:
        with zf.open(info) as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    # A big compressed array cannot be mapped: unpack it once to a temporary .npy and map that.
    # The file is unlinked at once; the mapping keeps its pages reachable until it is dropped.
    fd, tmp = tempfile.mkstemp(suffix=".npy", prefix="explainer-report-")
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as member:
            shutil.copyfileobj(member, out, length=8 * 2**20)
        return np.load(tmp, mmap_mode="r", allow_pickle=False)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _open_npz(path: Path) -> dict[str, np.ndarray]:
    """Arrays of a ``.npz``; uncompressed members are memory-mapped, not read."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = {
                info.filename.removesuffix(".npy"): info
                for info in zf.infolist()
                if info.filename.endswith(".npy")
            }
            return {key: _read_member(path, zf, info) for key, info in members.items()}
    except ReportError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, struct.error) as exc:
        raise ReportError(f"{path} is not a readable .npz file ({exc})") from exc


def _open_folder(path: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key in ("x", "y", "class_names"):
        file = path / f"{key}.npy"
        if file.is_file():
            try:
                arrays[key] = np.load(file, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise ReportError(f"{file} is not a readable .npy file ({exc})") from exc
    names_txt = path / "class_names.txt"
    if "class_names" not in arrays and names_txt.is_file():
        lines = names_txt.read_text(encoding="utf-8").splitlines()
        arrays["class_names"] = np.array([line.strip() for line in lines if line.strip()])
    return arrays


def _check_data(data: ReportData) -> None:
    """Checks that need no model: shapes, emptiness, label types."""
    x, y = data.x, data.y
    if x.ndim < 2:
        raise ReportError(f"{data.name}: x has shape {x.shape}; expected (N, ...) images")
    if x.dtype.kind not in "uif":
        raise ReportError(f"{data.name}: x has dtype {x.dtype}; expected uint8 or float images")
    if len(x) == 0 or math.prod(x.shape[1:]) == 0:
        raise ReportError(f"{data.name}: no images (x has shape {x.shape})")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise ReportError(
            f"{data.name}: y has shape {y.shape}; expected one integer label per image"
        )
    if len(y) != len(x):
        raise ReportError(f"{data.name}: {len(x)} images but {len(y)} labels")
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ReportError(f"{data.name}: y holds non-integer labels; expected class indices")
    elif y.dtype.kind not in "iub":
        raise ReportError(f"{data.name}: y has dtype {y.dtype}; expected integer class indices")
    y = y.astype(np.int64)
    if y.min() < 0:
        raise ReportError(f"{data.name}: label {int(y.min())} is negative; labels run from 0")
    data.y = y
    if data.class_names is not None and len(data.class_names) == 0:
        data.class_names = None


def load_data(spec: str | os.PathLike[str], *, limit: int | None = None) -> ReportData:
    """Open ``DATA``: ``mnist`` / ``cifar10`` (test split), a ``.npz`` or a folder of ``.npy``.

    Uncompressed ``.npz`` files (``np.savez``) and ``.npy`` files are memory-mapped, so only the
    images being processed are in memory. A compressed ``.npz`` (``np.savez_compressed``) cannot
    be mapped: small arrays are read, big ones unpacked to a temporary file first.
    """
    from explainer import datasets

    text = os.fspath(spec)
    builtin = {"mnist": datasets.load_mnist, "cifar10": datasets.load_cifar10}
    if text.lower() in builtin:
        try:
            image_data = builtin[text.lower()]()
        except datasets.DataError as exc:
            raise ReportError(str(exc)) from exc
        data = ReportData(
            name=image_data.name,
            x=image_data.x_test,
            y=image_data.y_test,
            class_names=image_data.class_names,
            source=f"{image_data.name} test split (explainer.datasets)",
        )
    else:
        path = Path(text).expanduser()
        if not path.exists():
            raise ReportError(f"data {text} not found: {_DATA_HELP}")
        if path.is_dir():
            arrays = _open_folder(path)
            where = f"{path} (x.npy, y.npy)"
        elif path.suffix.lower() == ".npz":
            arrays = _open_npz(path)
            where = str(path)
        else:
            raise ReportError(f"data {text} is neither a .npz file nor a folder: {_DATA_HELP}")
        missing = [k for k in ("x", "y") if k not in arrays]
        if missing:
            raise ReportError(f"{where} lacks the array(s) {', '.join(missing)}: {_DATA_HELP}")
        names = arrays.get("class_names")
        if names is not None:
            names = np.asarray(names)
            if names.ndim != 1 or names.dtype.kind not in "USi":
                raise ReportError(f"{where}: class_names must be a 1-D array of strings")
        data = ReportData(
            name=path.name,
            x=arrays["x"],
            y=np.asarray(arrays["y"]),
            class_names=None if names is None else tuple(str(c) for c in names),
            source=where,
            memory_mapped=isinstance(arrays["x"], np.memmap),
        )
    if limit is not None:
        if limit < 1:
            raise ReportError(f"--limit must be at least 1, not {limit}")
        data.x = data.x[:limit]
        data.y = data.y[:limit]
    _check_data(data)
    return data


def _release(view: np.ndarray) -> None:
    """Hand a memory-mapped slice's pages back to the OS (they stay in the page cache).

    Without this, every page of a mapped file that was read once counts towards the process's
    resident memory until exit, and a pass over a million images would look like loading them.
    """
    mm = getattr(view, "_mmap", None)
    if mm is None or not hasattr(mm, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return
    try:
        base = np.frombuffer(mm, dtype=np.uint8).ctypes.data
        start = view.ctypes.data - base
        end = min(start + view.nbytes, len(mm))
        start -= start % mmap.PAGESIZE
        if 0 <= start < end:
            mm.madvise(mmap.MADV_DONTNEED, start, end - start)
    except (ValueError, OSError, TypeError, BufferError):
        pass


# --- Model -------------------------------------------------------------------------------------


def _is_savedmodel(path: Path) -> bool:
    return path.is_dir() and (path / "saved_model.pb").is_file()


def _check_model_path(path: str | os.PathLike[str], *, unsafe: bool) -> Path:
    """What can be said about MODEL without importing Keras."""
    p = Path(path).expanduser()
    if not p.exists():
        raise ReportError(f"model {os.fspath(path)} not found (expected a .keras file)")
    if _is_savedmodel(p):
        if not unsafe:
            raise ReportError(
                f"{p} is a TensorFlow SavedModel, which Keras' safe mode cannot check (its graph "
                f"may read or write files when run); re-run with --unsafe only if you trust it"
            )
    elif p.is_dir() and not (p / "config.json").is_file():
        raise ReportError(f"{p} is a folder but neither a SavedModel nor an unzipped .keras model")
    elif p.is_file() and p.suffix.lower() not in (".keras", ".h5", ".hdf5"):
        raise ReportError(
            f"MODEL must be a .keras file (Keras 3), a legacy .h5 file or a SavedModel folder; "
            f"got {p}"
        )
    return p


def load_model(path: str | os.PathLike[str], *, unsafe: bool = False) -> keras.Model:
    """Load a ``.keras`` / ``.h5`` file (or a TensorFlow SavedModel folder) for the report.

    Keras' safe mode is on unless ``unsafe``: a model whose file carries code (a ``Lambda``
    layer's function) is refused, because loading it would run that code. A SavedModel is a
    TensorFlow graph that Keras' safe mode does not inspect, so it also needs ``unsafe``.
    """
    p = _check_model_path(path, unsafe=unsafe)
    import keras  # after the cheap checks: importing Keras takes seconds

    if _is_savedmodel(p):
        return _load_savedmodel(p)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return keras.saving.load_model(p, safe_mode=not unsafe, compile=False)
    except Exception as exc:
        text = " ".join(str(exc).split())
        if not unsafe and ("safe_mode" in text or "unsafe_deserialization" in text):
            raise ReportError(
                f"{p} contains code (e.g. a Lambda layer's function) that Keras' safe mode "
                f"refuses to load, because loading it runs that code. Re-run with --unsafe only "
                f"if you trust where the file came from"
            ) from exc
        if len(text) > 200:
            text = text[:200] + "…"
        raise ReportError(
            f"cannot load model {p} ({type(exc).__name__}: {text}); "
            f"expected a Keras 3 .keras file (custom layers must be registered and importable)"
        ) from exc


def _load_savedmodel(path: Path) -> keras.Model:
    import keras
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(str(path))
        endpoint = "serving_default"
        fn = loaded.signatures[endpoint]
        specs = list(fn.structured_input_signature[1].values())
        if len(specs) != 1:
            raise ReportError(f"{path}: the SavedModel's {endpoint} takes {len(specs)} inputs")
        layer = keras.layers.TFSMLayer(str(path), call_endpoint=endpoint, name="savedmodel")
        inputs = keras.Input(shape=tuple(specs[0].shape[1:]), dtype=specs[0].dtype.name)
        out = layer(inputs)
        if isinstance(out, dict):
            if len(out) != 1:
                raise ReportError(f"{path}: the SavedModel has {len(out)} outputs; need one")
            out = next(iter(out.values()))
        return keras.Model(inputs, out, name=path.name)
    except ReportError:
        raise
    except Exception as exc:
        text = " ".join(str(exc).split())[:300]
        raise ReportError(f"cannot load SavedModel {path} ({type(exc).__name__}: {text})") from exc


@dataclass(frozen=True)
class _InputPlan:
    model_shape: tuple[int, ...]
    """Per-sample shape fed to the model."""
    reshape: bool
    image_shape: tuple[int, int, int] | None
    """(H, W, C) for drawing inputs, or ``None`` when the inputs are not images."""
    dtype: str


def _square_image(n: int) -> tuple[int, int, int] | None:
    for channels in (1, 3):
        side = math.isqrt(n // channels)
        if n % channels == 0 and side * side * channels == n and side > 1:
            return (side, side, channels)
    return None


def _plan_input(model: keras.Model, data: ReportData) -> _InputPlan:
    """Match the data's per-sample shape to the model's input, or refuse."""
    spec = model.inputs[0]
    wanted = tuple(spec.shape[1:])
    sample = tuple(int(d) for d in data.x.shape[1:])
    mismatch = ReportError(
        f"the model expects inputs of shape {_shape_text(wanted)} but the data's images have "
        f"shape {_shape_text(sample)}"
    )
    if any(d is None for d in wanted):
        if len(sample) + 1 == len(wanted) and wanted[-1] == 1:
            sample_fed = (*sample, 1)
        else:
            sample_fed = sample
        if len(sample_fed) != len(wanted) or any(
            w is not None and w != s for w, s in zip(wanted, sample_fed, strict=True)
        ):
            raise mismatch
        model_shape, reshape = sample_fed, sample_fed != sample
    else:
        model_shape = tuple(int(d) for d in wanted)
        reshape = sample != model_shape
        if reshape:
            compatible = math.prod(sample) == math.prod(model_shape) and (
                len(model_shape) == 1
                or len(sample) == 1
                or (*sample, 1) == model_shape
                or sample == (*model_shape, 1)
            )
            if not compatible:
                raise mismatch
    image: tuple[int, ...] | None = None
    for shape in (model_shape, sample):
        if len(shape) == 3 and shape[-1] in (1, 3):
            image = shape
        elif len(shape) == 2:
            image = (*shape, 1)
        if image is not None:
            break
    if image is None:
        image = _square_image(math.prod(sample))
    dtype = str(getattr(spec, "dtype", "float32"))
    if dtype not in ("float16", "float32", "float64"):
        dtype = "float32"
    return _InputPlan(model_shape, reshape, image, dtype)  # type: ignore[arg-type]


def _shape_text(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def _check_model(model: keras.Model) -> int:
    """The model must be a classifier with one image input; return its number of classes."""
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not inputs or not outputs:
        raise ReportError(
            "the model has no defined inputs/outputs (a subclassed model?); the report needs a "
            "Sequential or functional Keras model"
        )
    if len(inputs) != 1:
        raise ReportError(f"the model takes {len(inputs)} inputs; the report needs one image input")
    if len(outputs) != 1:
        raise ReportError(f"the model has {len(outputs)} outputs; a classifier has one")
    out_shape = tuple(outputs[0].shape)
    if len(out_shape) != 2 or out_shape[1] is None or out_shape[1] < 2:
        raise ReportError(
            f"the model is not a classifier: its output shape is {_shape_text(out_shape)}, "
            f"expected (batch, classes) with at least 2 classes"
        )
    for weight in model.weights:
        values = np.asarray(weight.numpy() if hasattr(weight, "numpy") else weight)
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            bad = int(np.size(values) - np.count_nonzero(np.isfinite(values)))
            raise ReportError(
                f"the model's weight {weight.path} holds {bad} NaN or infinite values; "
                f"the model is broken (diverged training?)"
            )
    return int(out_shape[1])


def _check_against_model(data: ReportData, n_classes: int) -> tuple[str, ...]:
    top = int(data.y.max())
    if top >= n_classes:
        raise ReportError(
            f"{data.name}: label {top} is out of range for a model with {n_classes} outputs "
            f"(labels must run from 0 to {n_classes - 1})"
        )
    if data.class_names is not None:
        if len(data.class_names) != n_classes:
            raise ReportError(
                f"{data.name}: {len(data.class_names)} class names but the model has "
                f"{n_classes} outputs"
            )
        return data.class_names
    return tuple(str(i) for i in range(n_classes))


# --- Progress ----------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar for the long steps, drawn only when ``stream`` is a terminal."""

    def __init__(self, enabled: bool, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.width = width
        self._label = ""
        self._total = 0
        self._last = 0.0

    @classmethod
    def for_stderr(cls, quiet: bool) -> Progress:
        stream = sys.stderr
        is_tty = bool(getattr(stream, "isatty", lambda: False)())
        return cls(enabled=not quiet and is_tty, stream=stream)

    @contextlib.contextmanager
    def task(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        """``with progress.task("predicting", n) as update: update(done)``."""
        self._label, self._total, self._last = label, max(total, 1), 0.0
        self._draw(0, force=True)
        try:
            yield self._draw
        finally:
            if self.enabled:
                self._draw(self._total, force=True)
                self.stream.write("\n")
                self.stream.flush()

    def _draw(self, done: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        frac = min(max(done / self._total, 0.0), 1.0)
        filled = round(frac * self.width)
        utf = (getattr(self.stream, "encoding", None) or "").lower().startswith("utf")
        full, empty = ("█", "·") if utf else ("#", "-")
        bar = full * filled + empty * (self.width - filled)
        self.stream.write(
            f"\r{self._label:<22} {bar} {frac:4.0%}  {done:,}/{self._total:,}".ljust(79)
        )
        self.stream.flush()


# --- Computation -------------------------------------------------------------------------------


def _chunks(n: int, sample_values: int) -> Iterator[tuple[int, int]]:
    size = max(256, CHUNK_BYTES // max(4 * sample_values, 1) // 256 * 256)
    for start in range(0, n, size):
        yield start, min(start + size, n)


def _prepare(batch: np.ndarray, plan: _InputPlan) -> np.ndarray:
    out = np.asarray(batch, dtype=plan.dtype)
    if plan.reshape:
        out = out.reshape((-1, *plan.model_shape))
    return out


def _predict(
    model: keras.Model, data: ReportData, plan: _InputPlan, progress: Progress
) -> tuple[np.ndarray, bool]:
    """Probabilities for every image, chunk by chunk; and whether outputs were logits."""
    from explainer import probe

    n = data.n
    proba = None
    with progress.task("predicting", n) as update:
        for start, stop in _chunks(n, math.prod(data.x.shape[1:])):
            view = data.x[start:stop]
            batch = _prepare(view, plan)
            _release(view)
            part = probe.predict(model, batch, batch_size=256).proba
            if proba is None:
                proba = np.empty((n, part.shape[1]), dtype=np.float32)
            proba[start:stop] = part
            update(stop)
    assert proba is not None
    finite = np.isfinite(proba).all(axis=1)
    if not finite.all():
        raise ReportError(
            f"the model outputs NaN or infinity for {int((~finite).sum())} of {n} images "
            f"(check the data for NaN values)"
        )
    sums = proba.sum(axis=1, dtype=np.float64)
    logits = bool(np.any(proba < -1e-6) or np.any(np.abs(sums - 1.0) > 1e-3))
    if logits:
        shifted = proba - proba.max(axis=1, keepdims=True)
        np.exp(shifted, out=shifted)
        shifted /= shifted.sum(axis=1, keepdims=True)
        proba = shifted.astype(np.float32, copy=False)
    return proba, logits


def _pick_samples(y: np.ndarray, pred: np.ndarray, proba: np.ndarray, k: int) -> list[int]:
    """One correct input and one mistake (the most confident), alternating for larger ``k``."""
    from explainer import probe

    if k <= 0:
        return []
    correct = iter(np.flatnonzero(pred == y)[:k].tolist())
    wrong = iter(probe.most_confident_mistakes(y, proba, n=k).tolist())
    picked: list[int] = []
    sources = [correct, wrong]
    while len(picked) < k and sources:
        for source in list(sources):
            value = next(source, None)
            if value is None:
                sources.remove(source)
            elif len(picked) < k:
                picked.append(int(value))
    return picked


# --- Model card --------------------------------------------------------------------------------


def _inbound(model: keras.Model) -> dict[str, list[str]]:
    """Layer name → names of the layers feeding it (functional models; empty otherwise)."""
    try:
        config = model.get_config()
    except Exception:
        return {}
    result: dict[str, list[str]] = {}

    def walk(node: Any, into: list[str]) -> None:
        if isinstance(node, dict):
            history = node.get("config", {}).get("keras_history") if "config" in node else None
            if isinstance(history, (list, tuple)) and history:
                into.append(str(history[0]))
                return
            for value in node.values():
                walk(value, into)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value, into)

    for layer in config.get("layers", []) if isinstance(config, dict) else []:
        if not isinstance(layer, dict) or "inbound_nodes" not in layer:
            continue
        names: list[str] = []
        walk(layer["inbound_nodes"], names)
        name = layer.get("config", {}).get("name") or layer.get("name")
        if name is not None:
            result[str(name)] = list(dict.fromkeys(names))
    return result


def _layer_rows(model: keras.Model) -> list[dict[str, Any]]:
    inbound = _inbound(model)
    rows = []
    for layer in model.layers:
        try:
            shape: Any = layer.output.shape
            shape = [None if d is None else int(d) for d in shape]
        except Exception:
            shape = None
        try:
            params = int(layer.count_params())
        except Exception:
            params = 0
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": shape,
                "params": params,
                "trainable": bool(layer.trainable),
                "inputs": inbound.get(layer.name, []),
            }
        )
    return rows


def _weight_stats(model: keras.Model) -> dict[str, np.ndarray]:
    """Kernels (the weights a figure can show) of every layer that has one."""
    from explainer import probe

    kernels = {}
    for layer in model.layers:
        if getattr(layer, "kernel", None) is None:
            continue
        try:
            kernels[layer.name] = probe.layer_weights(model, layer.name).kernel
        except (ValueError, TypeError, AttributeError):
            continue
    return kernels


# --- Figures -----------------------------------------------------------------------------------


@dataclass
class _Figures:
    folder: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _last: float = field(default_factory=time.perf_counter)

    def save(self, figure: Figure | SubFigure, stem: str, alt: str, section: str) -> str:
        import matplotlib.pyplot as plt

        root = figure
        while getattr(root, "figure", None) is not None and root.figure is not root:
            root = root.figure
        file = f"figures/{stem}.png"
        root.savefig(self.folder / file, dpi=100, bbox_inches="tight", facecolor="white")
        plt.close(root)  # type: ignore[arg-type]
        now = time.perf_counter()
        seconds, self._last = now - self._last, now
        self.records.append({"file": file, "alt": alt, "section": section, "seconds": seconds})
        return file

    @contextlib.contextmanager
    def section(self, what: str) -> Iterator[None]:
        """A figure that fails becomes a note in the report instead of failing the report."""
        import matplotlib.pyplot as plt

        try:
            yield
        except ReportError:
            raise
        except Exception as exc:
            plt.close("all")
            self.notes.append(f"Could not draw {what}: {type(exc).__name__}: {exc}")


def _slug(text: str, index: int) -> str:
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:40]
    return f"{index:02d}_{clean or 'layer'}"


def _tile_cap(array: np.ndarray, axis: int) -> tuple[np.ndarray, bool]:
    if array.shape[axis] <= MAX_TILES:
        return array, False
    return np.take(array, np.arange(MAX_TILES), axis=axis), True


# --- The report --------------------------------------------------------------------------------


def _choose_layers(model: keras.Model, names: Sequence[str] | None) -> tuple[list[str], str | None]:
    import keras

    if names:
        known = {layer.name for layer in model.layers}
        chosen = []
        for name in names:
            if name not in known:
                listing = ", ".join(layer.name for layer in model.layers)
                raise ReportError(f"--layers: the model has no layer {name!r} (layers: {listing})")
            rank = len(model.get_layer(name).output.shape)
            if rank != 4:
                raise ReportError(
                    f"--layers: layer {name!r} outputs rank-{rank} tensors; feature maps need "
                    f"(batch, height, width, channels)"
                )
            chosen.append(name)
        return list(dict.fromkeys(chosen)), None
    conv = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if len(conv) > MAX_CONV_LAYERS:
        note = (
            f"The model has {len(conv)} Conv2D layers; the first {MAX_CONV_LAYERS} are shown "
            f"(name others with --layers)."
        )
        return conv[:MAX_CONV_LAYERS], note
    return conv, None


def _first_dense_template(model: keras.Model, image_shape: tuple[int, ...] | None) -> str | None:
    """The first trainable layer, when it is a Dense layer reading the whole image."""
    import keras

    if image_shape is None:
        return None
    for layer in model.layers:
        if not layer.trainable_weights:
            continue
        kernel = getattr(layer, "kernel", None)
        if (
            isinstance(layer, keras.layers.Dense)
            and kernel is not None
            and int(kernel.shape[0]) == math.prod(image_shape)
        ):
            return layer.name
        return None
    return None


def _draw(
    ctx: dict[str, Any],
    figs: _Figures,
    progress: Progress,
) -> dict[str, Any]:
    """Every figure of the report; returns their descriptions for the page and JSON."""
    from explainer import plot, probe

    model: keras.Model = ctx["model"]
    data: ReportData = ctx["data"]
    plan: _InputPlan = ctx["plan"]
    names: tuple[str, ...] = ctx["class_names"]
    proba: np.ndarray = ctx["proba"]
    pred: np.ndarray = ctx["pred"]
    y = data.y
    n_classes = len(names)
    images = None
    if plan.image_shape is not None:
        images = data.x.reshape((data.n, *plan.image_shape))
    out: dict[str, Any] = {"confusion": None, "mistakes": None, "conv": [], "templates": None}
    steps = 3 + len(ctx["conv_layers"]) * (1 + len(ctx["samples"])) + 1
    done = 0

    with progress.task("drawing figures", steps) as update:
        # Confusion matrix with the most confident example per cell (templates chapter).
        if n_classes > MAX_CONFUSION_CLASSES:
            figs.notes.append(
                f"The confusion figure is drawn for at most {MAX_CONFUSION_CLASSES} classes; "
                f"report.json holds the full matrix."
            )
        elif images is None:
            figs.notes.append("The inputs are not images, so no example images are drawn.")
        else:
            with figs.section("the confusion matrix"):
                display = plot.ConfusionExamplesDisplay.from_predictions(
                    y,
                    pred,
                    proba.max(axis=1),
                    images,
                    class_names=list(names),
                    n_classes=n_classes,
                )
                alt = (
                    "Confusion matrix with the most confident example of each cell: true class "
                    "by row, predicted class by column"
                )
                display.plot(suptitle=alt, image_kw=_grey_range(images, display.example_index))
                fig = display.figure_
                out["confusion"] = figs.save(fig, "confusion", alt, "accuracy")
        done += 1
        update(done)

        # The most confident mistakes (filters chapter).
        wrong = probe.most_confident_mistakes(y, proba, n=N_MISTAKES)
        if images is not None and len(wrong):
            with figs.section("the mistakes grid"):
                # Only the drawn images are read from (possibly memory-mapped) data.
                picked = np.asarray(images[wrong])
                grid = plot.mistakes_grid(
                    picked,
                    y[wrong],
                    proba[wrong],
                    indices=np.arange(len(wrong)),
                    n=len(wrong),
                    class_names=list(names),
                    ncols=10,
                    suptitle=(
                        f"The {len(wrong)} most confident mistakes: true class, predicted "
                        f"class and its probability"
                    ),
                )
                alt = f"The {len(wrong)} most confidently misclassified images"
                out["mistakes"] = figs.save(grid.figure, "mistakes", alt, "mistakes")
        done += 1
        update(done)

        # Conv layers: filters and feature maps (filters chapter).
        conv_layers: list[str] = ctx["conv_layers"]
        samples: list[int] = ctx["samples"]
        maps: dict[str, np.ndarray] = {}
        if conv_layers and samples:
            batch = _prepare(np.asarray(data.x[samples]), plan)
            with figs.section("the feature maps"), warnings.catch_warnings():
                # Keras warns that the probe's sub-model gets a tensor, not a one-item list.
                warnings.filterwarnings("ignore", "The structure of `inputs`", UserWarning)
                maps = probe.activations(model, batch, conv_layers, batch_size=64)
        for index, name in enumerate(conv_layers):
            entry: dict[str, Any] = {"layer": name, "filters": None, "maps": []}
            layer = model.get_layer(name)
            kernel = getattr(layer, "kernel", None)
            if kernel is not None:
                k = probe.layer_weights(model, name).kernel
                entry["kernel_shape"] = list(k.shape)
                if k.ndim == 4:
                    k, capped = _tile_cap(k, axis=3)
                    with figs.section(f"the filters of {name}"):
                        where = "in image space" if k.shape[2] in (1, 3) else "per input channel"
                        grid = plot.filters_grid(
                            k, suptitle=f"Layer {name}: {k.shape[3]} filters ({where})"
                        )
                        entry["filters"] = figs.save(
                            grid.figure,
                            f"conv{_slug(name, index)}_filters",
                            f"The {k.shape[3]} filters of layer {name}",
                            "conv",
                        )
                        entry["filters_capped"] = capped
            done += 1
            update(done)
            for j, sample in enumerate(samples):
                if name in maps:
                    m, capped = _tile_cap(maps[name][j], axis=2)
                    verdict = "correct" if pred[sample] == y[sample] else "a mistake"
                    with figs.section(f"the feature maps of {name}"):
                        grid = plot.feature_maps(
                            m,
                            ncols=min(8, m.shape[-1]),
                            tile_size=0.9,
                            suptitle=(
                                f"Layer {name} on image {sample} (true {names[y[sample]]}, "
                                f"predicted {names[pred[sample]]}: {verdict})"
                            ),
                        )
                        file = figs.save(
                            grid.figure,
                            f"conv{_slug(name, index)}_maps_{j}",
                            f"Feature maps of layer {name} for image {sample}",
                            "conv",
                        )
                        entry["maps"].append({"sample": sample, "file": file, "capped": capped})
                done += 1
                update(done)
            out["conv"].append(entry)

        # A first Dense layer on the image: its weights as one template per unit (templates).
        template_layer = ctx["template_layer"]
        if template_layer is not None:
            kernel = probe.layer_weights(model, template_layer).kernel
            kernel, capped = _tile_cap(kernel, axis=1)
            with figs.section(f"the templates of {template_layer}"):
                unit_names = list(names) if kernel.shape[1] == n_classes else None
                grid = plot.template_grid(
                    kernel,
                    plan.image_shape,
                    class_names=unit_names,
                    suptitle=f"Layer {template_layer}: the weights of each unit as an image",
                )
                file = figs.save(
                    grid.figure,
                    "templates",
                    f"The weights of layer {template_layer} drawn as images",
                    "templates",
                )
                out["templates"] = {"layer": template_layer, "file": file, "capped": capped}
        done += 1
        update(done)

        # Weight histograms per layer (weights-under-pressure chapter).
        kernels = ctx["kernels"]
        out["weights"] = None
        if kernels:
            with figs.section("the weight histograms"):
                import matplotlib.pyplot as plt

                ncols = min(3, len(kernels))
                nrows = math.ceil(len(kernels) / ncols)
                fig = plt.figure(figsize=(3.3 * ncols, 2.6 * nrows + 0.4), layout="constrained")
                axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
                for extra in axes[len(kernels) :]:
                    extra.remove()
                alt = "Histograms of the weights of each layer, each on its own scale"
                plot.weight_histograms(
                    kernels,
                    ax=list(axes[: len(kernels)]),
                    overlay=False,
                    suptitle=alt,
                    fontsize=9,
                )
                out["weights"] = figs.save(fig, "weights", alt, "weights")
        done += 1
        update(done)
    return out


def _grey_range(images: np.ndarray, example_index: np.ndarray) -> dict[str, float] | None:
    """Colour limits for float grey images drawn in the confusion figure (uint8 needs none)."""
    if images.dtype == np.uint8 or images.shape[-1] != 1:
        return None
    shown = np.asarray(images[np.unique(example_index[example_index >= 0])], dtype=np.float64)
    if shown.size == 0:
        return None
    lo, hi = float(shown.min()), float(shown.max())
    return {"vmin": lo, "vmax": hi if hi > lo else lo + 1.0}


def _per_class(names: Sequence[str], counts: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for c, name in enumerate(names):
        n = int(counts[c].sum())
        correct = int(counts[c, c])
        off = counts[c].copy()
        off[c] = 0
        confused = int(np.argmax(off)) if off.max() > 0 else None
        rows.append(
            {
                "class": c,
                "name": name,
                "n": n,
                "correct": correct,
                "accuracy": correct / n if n else None,
                "most_confused_with": confused,
                "most_confused_count": int(off.max()) if confused is not None else 0,
            }
        )
    return rows


def _out_dir_ok(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise ReportError(f"--out {out} exists and is not a folder")
        if any(out.iterdir()) and not (out / "report.json").is_file():
            raise ReportError(
                f"--out {out} exists and is not an explainer report; refusing to replace it"
            )


def _move_into_place(tmp: Path, out: Path) -> None:
    """Rename the finished report over ``out``; an old report there is replaced."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def generate(
    model: str | os.PathLike[str] | keras.Model,
    data: str | os.PathLike[str] | ReportData,
    out: str | os.PathLike[str],
    *,
    layers: Sequence[str] | None = None,
    limit: int | None = None,
    samples: int = 2,
    unsafe: bool = False,
    figures: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the report for ``model`` on ``data`` into the folder ``out``; return report.json.

    ``model`` is a path (see :func:`load_model`) or a Keras model; ``data`` a ``DATA`` spec (see
    :func:`load_data`) or :class:`ReportData`. ``figures=False`` writes the numbers and the page
    without figures (quick checks of accuracy on big data). Raises :class:`ReportError`, before
    writing anything, when the model or data cannot be used.
    """
    from explainer import __version__, probe

    t0 = time.perf_counter()
    progress = progress or Progress(enabled=False)
    timings: dict[str, float] = {}
    notes: list[str] = []
    out = Path(out).expanduser()
    _out_dir_ok(out)
    if samples < 0:
        raise ReportError(f"--samples must be 0 or more, not {samples}")

    if isinstance(model, (str, os.PathLike)):
        _check_model_path(model, unsafe=unsafe)  # before data that may take a while to open
    if isinstance(data, ReportData):
        stop = len(data.x) if limit is None else limit
        report_data = dataclasses.replace(data, x=data.x[:stop], y=data.y[:stop])
    else:
        report_data = load_data(data, limit=limit)
    _check_data(report_data)
    timings["load_data"] = time.perf_counter() - t0

    t = time.perf_counter()
    if isinstance(model, (str, os.PathLike)):
        model_path: str | None = os.fspath(model)
        keras_model = load_model(model, unsafe=unsafe)
    else:
        model_path, keras_model = None, model
    timings["load_model"] = time.perf_counter() - t
    n_classes = _check_model(keras_model)
    names = _check_against_model(report_data, n_classes)
    plan = _plan_input(keras_model, report_data)
    conv_layers, conv_note = _choose_layers(keras_model, layers)
    if conv_note:
        notes.append(conv_note)

    t = time.perf_counter()
    proba, logits = _predict(keras_model, report_data, plan, progress)
    timings["predict"] = time.perf_counter() - t
    if logits:
        notes.append(
            "The model's outputs are not probabilities (they do not sum to 1), so they were "
            "treated as logits and passed through a softmax; accuracy is unaffected."
        )
    y = report_data.y
    pred = np.argmax(proba, axis=1)
    accuracy = float(np.mean(pred == y))
    counts = probe.confusion(y, pred, n_classes)
    per_class = _per_class(names, counts)
    picked = _pick_samples(y, pred, proba, samples)
    wrong = probe.most_confident_mistakes(y, proba, n=N_MISTAKES)
    kernels = _weight_stats(keras_model)
    if plan.image_shape is None:
        notes.append("The inputs could not be drawn as images; image figures are left out.")

    # Everything is checked; from here on only the temporary folder is written.
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        (tmp / "figures").mkdir()
        figs = _Figures(tmp)
        t = time.perf_counter()
        ctx = {
            "model": keras_model,
            "data": report_data,
            "plan": plan,
            "class_names": names,
            "proba": proba,
            "pred": pred,
            "conv_layers": conv_layers,
            "samples": picked,
            "template_layer": _first_dense_template(keras_model, plan.image_shape),
            "kernels": kernels,
        }
        if figures:
            drawn = _draw(ctx, figs, progress)
        else:
            drawn = {"confusion": None, "mistakes": None, "conv": [], "templates": None}
            drawn["weights"] = None
            notes.append("Figures were not drawn (figures=False).")
        timings["figures"] = time.perf_counter() - t
        notes.extend(figs.notes)
        layer_rows = _layer_rows(keras_model)
        result = {
            "explainer_version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": {
                "path": model_path,
                "name": keras_model.name,
                "class": type(keras_model).__name__,
                "input_shape": list(keras_model.inputs[0].shape[1:]),
                "output_shape": list(keras_model.outputs[0].shape[1:]),
                "n_classes": n_classes,
                "outputs": "logits" if logits else "probabilities",
                "total_params": int(sum(r["params"] for r in layer_rows)),
                "trainable_params": int(
                    sum(math.prod(w.shape) for w in keras_model.trainable_weights)
                ),
                "layers": layer_rows,
            },
            "data": {
                "name": report_data.name,
                "source": report_data.source,
                "n": report_data.n,
                "shape": list(report_data.x.shape[1:]),
                "dtype": str(report_data.x.dtype),
                "memory_mapped": report_data.memory_mapped,
                "image_shape": None if plan.image_shape is None else list(plan.image_shape),
                "class_names": list(names),
            },
            "accuracy": accuracy,
            "n_correct": int((pred == y).sum()),
            "n_mistakes": int((pred != y).sum()),
            "per_class": per_class,
            "confusion": counts.tolist(),
            "mistakes": [
                {
                    "index": int(i),
                    "true": int(y[i]),
                    "predicted": int(pred[i]),
                    "confidence": float(proba[i, pred[i]]),
                }
                for i in wrong
            ],
            "samples": [
                {
                    "index": i,
                    "true": int(y[i]),
                    "predicted": int(pred[i]),
                    "confidence": float(proba[i, pred[i]]),
                    "correct": bool(pred[i] == y[i]),
                }
                for i in picked
            ],
            "conv_layers": drawn["conv"],
            "templates": drawn["templates"],
            "figures": figs.records,
            "weights": [_describe_weights(name, k) for name, k in kernels.items()],
            "notes": notes,
            "timings": timings,
        }
        result["figures_by_section"] = {
            "confusion": drawn["confusion"],
            "mistakes": drawn["mistakes"],
            "weights": drawn["weights"],
        }
        timings["total"] = time.perf_counter() - t0
        (tmp / "report.json").write_text(json.dumps(result, indent=1, allow_nan=False))
        (tmp / "index.html").write_text(render_html(result), encoding="utf-8")
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _describe_weights(name: str, kernel: np.ndarray) -> dict[str, Any]:
    return {
        "layer": name,
        "shape": list(kernel.shape),
        "n": int(kernel.size),
        "min": float(kernel.min()),
        "max": float(kernel.max()),
        "mean": float(kernel.mean()),
        "std": float(kernel.std()),
        "mean_abs": float(np.abs(kernel).mean()),
    }


# --- HTML --------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0b5cad; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 980px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem;
     border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p.lead { color: var(--muted); margin-top: 0; }
nav ol { columns: 2; padding-left: 1.2rem; }
a { color: var(--accent); }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: #f4f6f8; padding: .05em .3em; border-radius: 3px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.big { font-size: 2.4rem; font-weight: 650; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .75rem; }
.fact { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.fact b { display: block; font-size: .8rem; color: var(--muted); font-weight: 500; }
figure { margin: 1rem 0 1.5rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9rem; }
.bar { display: inline-block; height: .7em; background: var(--accent); vertical-align: middle; }
.bad { color: var(--bad); }
.notes { background: #fff8e6; border: 1px solid #f0d58c; border-radius: 6px; padding: .5rem 1rem; }
details summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
           white-space: nowrap; }
"""


def _e(value: Any) -> str:
    """HTML-escape anything that came from the model or the data."""
    return html.escape(str(value), quote=True)


def _class_label(index: int, name: str) -> str:
    return _e(name) if name == str(index) else f"{index}: {_e(name)}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def _figure_html(file: str | None, alt: str, caption: str) -> str:
    if not file:
        return ""
    return (
        f'<figure><img src="{_e(file)}" alt="{_e(alt)}" loading="lazy">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _alt(report: dict[str, Any], file: str | None) -> str:
    for record in report["figures"]:
        if record["file"] == file:
            return str(record["alt"])
    return ""


def render_html(report: dict[str, Any]) -> str:
    """The report page: self-contained (inline CSS, local PNGs, no script, no web requests)."""
    m, d = report["model"], report["data"]
    names = d["class_names"]
    parts: list[str] = []
    add = parts.append
    add("<!DOCTYPE html>")
    add('<html lang="en"><head><meta charset="utf-8">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    # An empty inline icon: otherwise browsers ask the server for /favicon.ico (a request, and
    # a 404 on most hosts), and the report promises to make none.
    add('<link rel="icon" href="data:,">')
    add(f"<title>explainer report: {_e(m['name'])} on {_e(d['name'])}</title>")
    add(f"<style>{_CSS}</style></head><body><main>")
    add(f"<h1>Model report: <code>{_e(m['name'])}</code></h1>")
    add(
        f'<p class="lead">On {d["n"]:,} images of <code>{_e(d["name"])}</code> · '
        f"made by explainer {_e(report['explainer_version'])} on {_e(report['created'])} · "
        f'every number is also in <a href="report.json">report.json</a></p>'
    )
    sections = [
        ("model", "Model card"),
        ("accuracy", "Accuracy"),
        ("mistakes", "Most confident mistakes"),
        ("conv", "Filters and feature maps"),
        ("templates", "Weights as templates"),
        ("weights", "Weight histograms"),
    ]
    add("<nav><ol>" + "".join(f'<li><a href="#{k}">{t}</a></li>' for k, t in sections))
    add("</ol></nav>")
    if report["notes"]:
        add('<div class="notes"><p><b>Notes</b></p><ul>')
        add("".join(f"<li>{_e(note)}</li>" for note in report["notes"]))
        add("</ul></div>")

    # 1. Model card
    add('<h2 id="model">1. Model card</h2><div class="facts">')
    facts = [
        ("Model", f"<code>{_e(m['name'])}</code> ({_e(m['class'])})"),
        ("Input shape", _e(_shape_text(m["input_shape"]))),
        ("Output shape", _e(_shape_text(m["output_shape"])) + f" · {_e(m['outputs'])}"),
        ("Parameters", f"{m['total_params']:,} ({m['trainable_params']:,} trainable)"),
        (
            "Data",
            f"<code>{_e(d['name'])}</code>: {d['n']:,} images {_e(_shape_text(d['shape']))}"
            f" {_e(d['dtype'])}",
        ),
        (
            "Classes",
            f"{len(names)}: "
            + ", ".join(_e(n) for n in names[:12])
            + (" …" if len(names) > 12 else ""),
        ),
    ]
    add("".join(f'<div class="fact"><b>{k}</b>{v}</div>' for k, v in facts))
    add("</div>")
    add(
        f"<p>Data source: <code>{_e(d['source'])}</code>"
        + (" (memory-mapped)" if d["memory_mapped"] else "")
        + "</p>"
    )
    add(
        "<table><thead><tr><th>#</th><th>Layer</th><th>Type</th><th>Output shape</th>"
        '<th class="num">Parameters</th><th>Input from</th></tr></thead><tbody>'
    )
    for i, row in enumerate(m["layers"]):
        shape = "—" if row["output_shape"] is None else _shape_text(row["output_shape"][1:])
        inputs = ", ".join(f"<code>{_e(s)}</code>" for s in row["inputs"]) or ""
        add(
            f"<tr><td>{i}</td><td><code>{_e(row['name'])}</code></td><td>{_e(row['type'])}</td>"
            f'<td>{_e(shape)}</td><td class="num">{row["params"]:,}</td><td>{inputs}</td></tr>'
        )
    add("</tbody></table>")

    # 2. Accuracy
    add('<h2 id="accuracy">2. Accuracy</h2>')
    add(
        f'<p><span class="big">{_pct(report["accuracy"])}</span><br>'
        f"{report['n_correct']:,} of {d['n']:,} images classified correctly, "
        f"{report['n_mistakes']:,} mistakes.</p>"
    )
    add(
        "<h3>Per class</h3><table><thead><tr><th>Class</th><th class='num'>Images</th>"
        "<th class='num'>Correct</th><th class='num'>Accuracy</th>"
        '<th><span class="sr-only">Accuracy as a bar</span></th>'
        "<th>Most often mistaken for</th></tr></thead><tbody>"
    )
    for row in report["per_class"]:
        acc = row["accuracy"]
        width = 0 if acc is None else round(120 * acc)
        confused = row["most_confused_with"]
        other = (
            "—" if confused is None else f"{_e(names[confused])} ({row['most_confused_count']:,}×)"
        )
        add(
            f"<tr><td>{_class_label(row['class'], row['name'])}</td>"
            f'<td class="num">{row["n"]:,}</td><td class="num">{row["correct"]:,}</td>'
            f'<td class="num">{_pct(acc)}</td>'
            f'<td><span class="bar" style="width:{width}px"></span></td><td>{other}</td></tr>'
        )
    add("</tbody></table>")
    conf = report["figures_by_section"]["confusion"]
    add(
        _figure_html(
            conf,
            _alt(report, conf),
            "Rows are true classes, columns predicted classes; each cell shows how many images "
            "fall there and the most confident of them.",
        )
    )
    if len(names) <= MAX_CONFUSION_CLASSES:
        add(
            "<details><summary>Confusion matrix as numbers</summary><table><thead><tr>"
            "<th>true \\ predicted</th>"
            + "".join(f'<th class="num">{_e(n)}</th>' for n in names)
            + "</tr></thead><tbody>"
        )
        for c, row in enumerate(report["confusion"]):
            cells = "".join(
                f'<td class="num{" bad" if j != c and v else ""}">{v:,}</td>'
                for j, v in enumerate(row)
            )
            add(f"<tr><th>{_e(names[c])}</th>{cells}</tr>")
        add("</tbody></table></details>")

    # 3. Mistakes
    add('<h2 id="mistakes">3. Most confident mistakes</h2>')
    mis = report["figures_by_section"]["mistakes"]
    if report["n_mistakes"] == 0:
        add("<p>The model makes no mistakes on these images.</p>")
    add(
        _figure_html(
            mis,
            _alt(report, mis),
            "The images the model got wrong while being most sure of its answer: the true class, "
            "the predicted class and the probability it gave that class.",
        )
    )

    # 4. Conv layers
    add('<h2 id="conv">4. Filters and feature maps</h2>')
    if not report["conv_layers"]:
        add(
            "<p>The model has no convolutional layers (or none were chosen with "
            "<code>--layers</code>).</p>"
        )
    for entry in report["conv_layers"]:
        add(f"<h3>Layer <code>{_e(entry['layer'])}</code></h3>")
        if entry.get("filters"):
            add(
                _figure_html(
                    entry["filters"],
                    _alt(report, entry["filters"]),
                    "Each tile is one filter's weights; red positive, blue negative, white zero."
                    + (
                        f" The first {MAX_TILES} filters are shown."
                        if entry.get("filters_capped")
                        else ""
                    ),
                )
            )
        for item in entry["maps"]:
            s = next((s for s in report["samples"] if s["index"] == item["sample"]), None)
            verdict = (
                ""
                if s is None
                else (
                    f" The model predicted {_e(names[s['predicted']])} "
                    f"({_pct(s['confidence'])}) for this {_e(names[s['true']])}: "
                    + ("correct." if s["correct"] else '<span class="bad">a mistake.</span>')
                )
            )
            add(
                _figure_html(
                    item["file"],
                    _alt(report, item["file"]),
                    f"What layer <code>{_e(entry['layer'])}</code> makes of image "
                    f"{item['sample']}.{verdict}",
                )
            )

    # 5. Templates
    add('<h2 id="templates">5. Weights as templates</h2>')
    tpl = report["templates"]
    if tpl is None:
        add(
            "<p>Shown when the first layer with weights is a Dense layer that reads the whole "
            "image: then each unit's weights can be drawn as an image.</p>"
        )
    else:
        add(
            _figure_html(
                tpl["file"],
                _alt(report, tpl["file"]),
                f"The weights of <code>{_e(tpl['layer'])}</code>, one image per unit: red pixels "
                "raise the unit's score, blue pixels lower it.",
            )
        )

    # 6. Weights
    add('<h2 id="weights">6. Weight histograms</h2>')
    wfile = report["figures_by_section"]["weights"]
    add(_figure_html(wfile, _alt(report, wfile), "The distribution of each layer's weights."))
    if report["weights"]:
        add(
            "<table><thead><tr><th>Layer</th><th>Kernel shape</th><th class='num'>Weights</th>"
            "<th class='num'>Mean</th><th class='num'>Std</th><th class='num'>Min</th>"
            "<th class='num'>Max</th></tr></thead><tbody>"
        )
        for w in report["weights"]:
            add(
                f"<tr><td><code>{_e(w['layer'])}</code></td><td>{_e(_shape_text(w['shape']))}"
                f'</td><td class="num">{w["n"]:,}</td><td class="num">{w["mean"]:.4f}</td>'
                f'<td class="num">{w["std"]:.4f}</td><td class="num">{w["min"]:.4f}</td>'
                f'<td class="num">{w["max"]:.4f}</td></tr>'
            )
        add("</tbody></table>")
    add(
        f"<footer>Generated by <code>explainer report</code> {_e(report['explainer_version'])}"
        f" in {report['timings'].get('total', 0):.1f} s.</footer>"
    )
    add("</main></body></html>")
    return "\n".join(parts) + "\n"


# --- Command line ------------------------------------------------------------------------------


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr with exit status 2, like bad input."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report`` to the ``explainer`` command's subcommands."""
    parser = subparsers.add_parser(
        "report",
        help="an HTML report of your own Keras image classifier",
        description=(
            "Write a static HTML report (index.html, PNG figures, report.json) of a Keras image "
            "classifier on labelled images: model card, accuracy per class, confusion matrix, "
            "most confident mistakes, filters and feature maps, weight templates, histograms."
        ),
        epilog=(
            "DATA: 'mnist' or 'cifar10' (test split); a .npz with arrays x (N,H,W,C / N,H,W / "
            "N,features; uint8 or float) and y (N integer labels), optionally class_names; or a "
            "folder holding x.npy and y.npy. .npy files and uncompressed .npz (np.savez) are "
            "memory-mapped. Exit status 2 on bad input, with one line on stderr."
        ),
    )
    parser.add_argument("model", metavar="MODEL", help="a .keras file (Keras 3)")
    parser.add_argument("--data", required=True, metavar="DATA", help="labelled images (below)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    parser.add_argument(
        "--layers", nargs="+", metavar="NAME", help="layers for feature maps (default: Conv2D)"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N images")
    parser.add_argument(
        "--samples",
        type=int,
        default=2,
        metavar="K",
        help="images whose feature maps are drawn (default 2: a correct one and a mistake)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--unsafe",
        action="store_true",
        help="allow models that carry code (Lambda layers, SavedModels): loading runs it!",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``explainer report`` from parsed arguments; return the exit status."""
    environment.configure()
    try:
        result = generate(
            args.model,
            args.data,
            args.out,
            layers=args.layers,
            limit=args.limit,
            samples=args.samples,
            unsafe=args.unsafe,
            progress=Progress.for_stderr(args.quiet),
        )
    except ReportError as exc:
        print(f"explainer report: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.quiet:
        index = Path(args.out).expanduser() / "index.html"
        print(f"accuracy {_pct(result['accuracy'])} on {result['data']['n']:,} images; {index}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``explainer report ...`` on its own (the package CLI adds it as a subcommand)."""
    parser = OneLineParser(prog="explainer")
    subparsers = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    add_parser(subparsers)
    args = parser.parse_args(["report", *(argv if argv is not None else sys.argv[1:])])
    return int(args.run(args))
