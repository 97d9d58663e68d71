"""Data loading: the ``DATA`` specs the CLI accepts, opened so that they are never held whole.

``mnist`` / ``cifar10`` (test split), a ``.npz`` (uncompressed members memory-mapped in place), a
folder with ``x.npy`` and ``y.npy`` (memory-mapped), or a folder of class sub-folders of images
(the layout :func:`keras.utils.image_dataset_from_directory` reads), decoded a batch at a time
and resized to the model's input. Every loader returns a :class:`ReportData` whose ``x`` supports
``len``, ``.shape``, ``.dtype`` and indexing by slice or index array, and is never read whole.
"""

from __future__ import annotations

import math
import mmap
import os
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explainer.report.errors import ReportError

__all__ = [
    "BUILTIN",
    "IMAGE_SUFFIXES",
    "ImageFiles",
    "ReportData",
    "check_spec",
    "is_builtin",
    "load_data",
    "release",
]

_COMPRESSED_IN_MEMORY = 64 * 2**20
"""Compressed ``.npz`` members larger than this are unpacked to a temporary file and mapped."""
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
"""Image files an image folder may hold (those :func:`keras.utils.image_dataset_from_directory`
reads)."""

_DATA_HELP = (
    "give mnist, cifar10, a .npz file with arrays x and y (and optionally class_names), "
    "a folder holding x.npy and y.npy, or a folder of class sub-folders of images"
)


class ImageFiles:
    """Image files as a lazy ``(N, H, W, C)`` uint8 array: decoded (and resized) when indexed.

    Only the images asked for are decoded, so a report over a folder of a million photos holds
    one batch of them at a time.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        size: tuple[int, int],
        channels: int,
        *,
        resized: bool = False,
        sizes_seen: Sequence[tuple[int, int]] = (),
        counts: dict[tuple[int, int], int] | None = None,
    ) -> None:
        self.paths = list(paths)
        self.size = (int(size[0]), int(size[1]))
        self.channels = int(channels)
        self.resized = resized
        """Whether some files are not of ``size`` and get resized."""
        self.sizes_seen = tuple(sizes_seen) or (self.size,)
        """The distinct (height, width) of the files, most common first."""
        self.counts = dict(counts or {})
        """How many files have each size (from their headers)."""
        self.dtype = np.dtype(np.uint8)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self.paths), *self.size, self.channels)

    @property
    def ndim(self) -> int:
        return 4

    def __len__(self) -> int:
        return len(self.paths)

    def with_size(self, height: int, width: int, channels: int) -> ImageFiles:
        """The same files, decoded at the model's input size and number of channels."""
        resized = any(seen != (height, width) for seen in self.sizes_seen)
        return ImageFiles(
            self.paths,
            (height, width),
            channels,
            resized=resized,
            sizes_seen=self.sizes_seen,
            counts=self.counts,
        )

    def _decode(self, path: Path) -> np.ndarray:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as img:
                img = img.convert("L" if self.channels == 1 else "RGB")
                if img.size != (self.size[1], self.size[0]):
                    img = img.resize((self.size[1], self.size[0]), Image.Resampling.BILINEAR)
                arr = np.asarray(img, dtype=np.uint8)
        except (OSError, UnidentifiedImageError, ValueError) as exc:
            raise ReportError(f"cannot read image {path} ({type(exc).__name__}: {exc})") from exc
        return arr.reshape(*self.size, self.channels)

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            return self._decode(self.paths[int(key)])
        if isinstance(key, slice):
            chosen = self.paths[key]
        else:
            chosen = [self.paths[int(i)] for i in np.asarray(key).reshape(-1)]
        out = np.empty((len(chosen), *self.size, self.channels), dtype=np.uint8)
        for i, path in enumerate(chosen):
            out[i] = self._decode(path)
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self[:]
        return arr if dtype is None else arr.astype(dtype)


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
        check_data(data)
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


def check_data(data: ReportData) -> None:
    """Checks that need no model: shapes, emptiness, label types."""
    x, y = data.x, data.y
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        data.x = x = np.asarray(x)
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


def _class_folders(path: Path) -> list[Path]:
    return sorted(
        (p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )


def _open_image_folder(path: Path) -> ReportData:
    """Class sub-folders of images: labels in the sorted order of the folder names, as Keras."""
    from PIL import Image, UnidentifiedImageError

    classes = _class_folders(path)
    files: list[Path] = []
    labels: list[int] = []
    for label, folder in enumerate(classes):
        found = sorted(
            f
            for f in folder.rglob("*")
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES and not f.name.startswith(".")
        )
        files.extend(found)
        labels.extend([label] * len(found))
    if not files:
        raise ReportError(
            f"{path} has class sub-folders ({', '.join(c.name for c in classes[:5])}) but no "
            f"images in them (expected {', '.join(IMAGE_SUFFIXES)} files)"
        )
    # The size of every file, from its header only (cheap: no pixel is decoded), so that one
    # odd image among thousands still gets its resize note.
    seen: dict[tuple[int, int], int] = {}
    channels = 3
    for k, file in enumerate(files):
        try:
            with Image.open(file) as img:
                size = (img.size[1], img.size[0])
                seen[size] = seen.get(size, 0) + 1
                if k == 0:
                    channels = 1 if img.mode in ("1", "L", "I", "I;16", "F") else 3
        except (OSError, UnidentifiedImageError) as exc:
            raise ReportError(f"cannot read image {file} ({exc})") from exc
    first = max(seen, key=lambda size: seen[size])  # the most common size
    by_count = sorted(seen, key=lambda size: -seen[size])
    images = ImageFiles(
        files, first, channels, resized=len(seen) > 1, sizes_seen=by_count, counts=seen
    )
    return ReportData(
        name=path.name,
        x=images,  # type: ignore[arg-type]
        y=np.asarray(labels, dtype=np.int64),
        class_names=tuple(c.name for c in classes),
        source=f"{path} ({len(classes)} class folders of images)",
    )


BUILTIN = ("mnist", "cifar10")
"""Data set names ``DATA`` may be: their test split."""


def is_builtin(spec: str | os.PathLike[str]) -> bool:
    """Whether ``spec`` names a data set of the book rather than a path."""
    return isinstance(spec, str) and spec.lower() in BUILTIN


def check_spec(spec: str | os.PathLike[str]) -> None:
    """What can be said about ``DATA`` without reading it: a known name or an existing path."""
    if is_builtin(spec):
        return
    if not Path(os.fspath(spec)).expanduser().exists():
        raise ReportError(f"data {os.fspath(spec)} not found: {_DATA_HELP}")


def load_data(spec: str | os.PathLike[str], *, limit: int | None = None) -> ReportData:
    """Open ``DATA``: ``mnist`` / ``cifar10`` (test split), a ``.npz``, a folder of ``.npy``, or a
    folder of class sub-folders of images (class names from the folder names, sorted).

    Uncompressed ``.npz`` files (``np.savez``) and ``.npy`` files are memory-mapped, so only the
    images being processed are in memory. A compressed ``.npz`` (``np.savez_compressed``) cannot
    be mapped: small arrays are read, big ones unpacked to a temporary file first.
    """
    from explainer import datasets

    text = os.fspath(spec)
    if is_builtin(text):
        try:
            split = datasets.load_split(text.lower(), "test")  # the training set is not read
        except datasets.DataError as exc:
            raise ReportError(str(exc)) from exc
        data = ReportData(
            name=split.name,
            x=split.x,
            y=split.y,
            class_names=split.class_names,
            source=f"{split.name} test split (explainer.datasets)",
        )
    else:
        path = Path(text).expanduser()
        if not path.exists():
            raise ReportError(f"data {text} not found: {_DATA_HELP}")
        if path.is_dir() and not (path / "x.npy").is_file() and _class_folders(path):
            data = _open_image_folder(path)
            if limit is not None:
                if limit < 1:
                    raise ReportError(f"--limit must be at least 1, not {limit}")
                data.x = ImageFiles(
                    data.x.paths[:limit],
                    data.x.size,
                    data.x.channels,
                    resized=data.x.resized,
                    sizes_seen=data.x.sizes_seen,
                    counts=data.x.counts,
                )
                data.y = data.y[:limit]
            check_data(data)
            return data
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
    check_data(data)
    return data


def release(view: np.ndarray) -> None:
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
