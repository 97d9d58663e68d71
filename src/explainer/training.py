"""Seeded training with a content-keyed cache of trained models.

The cache key is a hash of everything that decides the trained weights: the recipe, the
training data's bytes, and the Keras / TensorFlow versions. A chapter that asks for a model it
(or another chapter) trained before gets it back in well under a second, which is what keeps a
prose edit from costing a retraining. Entries are written atomically (temporary file, then
rename) and loaded in Keras' safe mode; an unreadable entry is retrained with a warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.datasets import array_sha256
from explainer.files import atomic_write_text
from explainer.models import Recipe, build

if TYPE_CHECKING:
    import keras

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_FORMAT",
    "STEPS_PER_EXECUTION",
    "TrainedModel",
    "cache_dir",
    "cache_key",
    "deterministic_ops",
    "initial_model",
    "seed_everything",
    "train",
]

CACHE_DIR_ENV = "EXPLAINER_CACHE_DIR"
CACHE_FORMAT = 1
"""Bump when the way models are built or trained changes in a way the recipe cannot see."""


@dataclass
class TrainedModel:
    """A trained model and how it came to be."""

    model: keras.Model
    recipe: Recipe
    key: str
    history: dict[str, list[float]] = field(default_factory=dict)
    fit_seconds: float = 0.0
    """Seconds spent in ``fit`` when the model was trained (also when it now came from cache)."""
    from_cache: bool = False

    def summary(self) -> None:
        """Print the model's layers (Keras' summary) and the line a chapter shows under them:
        epochs, batch size and how long ``fit`` took when the model was trained."""
        self.model.summary()
        print(
            f"{self.recipe.epochs} epochs, batch {self.recipe.batch_size}: "
            f"fit took {self.fit_seconds:.1f} s"
        )


def cache_dir() -> Path:
    """``$EXPLAINER_CACHE_DIR``, else ``$XDG_CACHE_HOME/explainer/models`` (``~/.cache/…``)."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "explainer" / "models"


def _onednn() -> str:
    """Whether TensorFlow runs its oneDNN kernels ("on"/"off"): they round differently."""
    try:
        from tensorflow.python.util import _pywrap_util_port

        return "on" if _pywrap_util_port.IsMklEnabled() else "off"
    except (ImportError, AttributeError):  # private API: fall back to the documented switch
        return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")


def _versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    return {
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "onednn": _onednn(),
    }


def _data_identity(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    return {
        "x": [list(x.shape), str(x.dtype), array_sha256(x)],
        "y": [list(y.shape), str(y.dtype), array_sha256(y)],
    }


def cache_key(recipe: Recipe, x: np.ndarray, y: np.ndarray) -> str:
    """The content key of a trained model: recipe + data bytes + library versions."""
    payload = {
        "format": CACHE_FORMAT,
        "recipe": json.loads(recipe.to_json()),
        "data": _data_identity(x, y),
        "versions": _versions(),
    }
    blob = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (Keras' global seed)."""
    import keras

    keras.utils.set_random_seed(seed)


@contextlib.contextmanager
def deterministic_ops() -> Iterator[None]:
    """TensorFlow's op determinism on inside the block, and as it was before after it.

    Training runs inside it (the same recipe gives the same weights); code after training
    (attribution, probing, the caller's own work) runs with the process's own setting.
    """
    from tensorflow.python.framework import config as tf_config

    was_on = tf_config.is_op_determinism_enabled()
    if not was_on:
        tf_config.enable_op_determinism()
    try:
        yield
    finally:
        if not was_on:
            tf_config.disable_op_determinism()


STEPS_PER_EXECUTION = 64
"""Training steps per call into TensorFlow (see :func:`explainer.models.build`); not part of
the cache key because it does not change the weights (a test checks that)."""


def initial_model(recipe: Recipe, *, steps_per_execution: int = 1) -> keras.Model:
    """The recipe's model before training: the same initial weights that training starts from."""
    seed_everything(recipe.seed)
    return build(recipe, steps_per_execution=steps_per_execution)


def _load_entry(path: Path, meta_path: Path) -> tuple[keras.Model, dict[str, Any]]:
    import keras

    meta = json.loads(meta_path.read_text())
    model = keras.saving.load_model(path, safe_mode=True, compile=True)
    return model, meta


def _save_entry(model: keras.Model, meta: dict[str, Any], path: Path, meta_path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".keras")
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The metadata is written last: an entry counts only when both files are complete.
    atomic_write_text(meta_path, json.dumps(meta, indent=1, sort_keys=True))


def train(
    recipe: Recipe,
    x: np.ndarray,
    y: np.ndarray,
    *,
    use_cache: bool = True,
    verbose: int = 0,
) -> TrainedModel:
    """Train ``recipe`` on ``(x, y)``, or return the cached result of the same training.

    Training is seeded with ``recipe.seed`` and runs with TensorFlow's op determinism on, so the
    same recipe on the same data and machine gives the same weights.
    """
    key = cache_key(recipe, x, y)
    folder = cache_dir()
    path = folder / f"{recipe.name}-{key}.keras"
    meta_path = folder / f"{recipe.name}-{key}.json"
    if use_cache and meta_path.exists():
        try:
            model, meta = _load_entry(path, meta_path)
        except Exception as exc:  # any unreadable entry: retrain rather than crash
            warnings.warn(
                f"explainer: cached model {path.name} is unreadable ({type(exc).__name__}: "
                f"{exc}); retraining it.",
                RuntimeWarning,
                stacklevel=2,
            )
        else:
            return TrainedModel(
                model=model,
                recipe=recipe,
                key=key,
                history=meta.get("history", {}),
                fit_seconds=float(meta.get("fit_seconds", 0.0)),
                from_cache=True,
            )

    with deterministic_ops():
        model = initial_model(recipe, steps_per_execution=STEPS_PER_EXECUTION)
        start = time.perf_counter()
        fit = model.fit(
            x,
            y,
            epochs=recipe.epochs,
            batch_size=recipe.batch_size,
            shuffle=recipe.shuffle,
            verbose=verbose,
        )
        seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in fit.history.items()}
    meta = {
        "recipe": json.loads(recipe.to_json()),
        "key": key,
        "history": history,
        "fit_seconds": seconds,
        "versions": _versions(),
    }
    if use_cache:
        try:
            _save_entry(model, meta, path, meta_path)
        except OSError as exc:
            warnings.warn(
                f"explainer: could not write the model cache in {folder} ({exc}); "
                f"set {CACHE_DIR_ENV} to a writable folder.",
                RuntimeWarning,
                stacklevel=2,
            )
    return TrainedModel(model=model, recipe=recipe, key=key, history=history, fit_seconds=seconds)
