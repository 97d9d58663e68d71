"""Model recipes: small networks described as plain data.

A :class:`Recipe` holds everything that decides a trained model (layers, optimiser, loss, epochs,
batch size, seed, dtype policy). Because it is plain data it can be hashed, so the training cache
can recognise "the same model as the Filters chapter" without retraining it, and a chapter can
reuse another chapter's model by naming its recipe.

Layers are ``(class_name, config)`` pairs of ``keras.layers``; nested Keras objects
(regularisers, initialisers, learning-rate schedules) are given as Keras config dicts
(``{"class_name": "L1", "config": {"l1": 1e-3}}``).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras

__all__ = [
    "Recipe",
    "build",
    "cifar10_quick",
    "cifar_hidden",
    "cifar_softmax",
    "mnist_cnn",
    "mnist_hidden10",
    "mnist_softmax",
]

LayerSpec = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Recipe:
    """A model and how to train it, as data."""

    name: str
    """Short name; also the Keras model's name."""
    input_shape: tuple[int, ...]
    layers: tuple[LayerSpec, ...]
    optimizer: dict[str, Any] = field(
        default_factory=lambda: {"class_name": "adam", "config": {"learning_rate": 1e-3}}
    )
    loss: str = "sparse_categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    epochs: int = 5
    batch_size: int = 128
    seed: int = 0
    dtype_policy: str = "float32"
    shuffle: bool = True

    def to_json(self) -> str:
        """Canonical JSON: the recipe part of the cache key."""
        return json.dumps(asdict(self), sort_keys=True, default=repr)

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some fields changed (e.g. another seed)."""
        from dataclasses import replace

        return replace(self, **changes)


def _layer(class_name: str, config: dict[str, Any]) -> keras.layers.Layer:
    import keras

    cls = getattr(keras.layers, class_name, None)
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"unknown Keras layer {class_name!r} in recipe")
    return cls(**config)


def build(recipe: Recipe) -> keras.Model:
    """Build and compile the (untrained) model. Seed first for reproducible initial weights."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(recipe.dtype_policy)
    try:
        inputs = keras.Input(shape=recipe.input_shape, name="input")
        x = inputs
        for class_name, config in recipe.layers:
            x = _layer(class_name, dict(config))(x)
        model = keras.Model(inputs, x, name=recipe.name)
    finally:
        keras.config.set_dtype_policy(previous)
    optimizer = keras.optimizers.get(
        {"class_name": recipe.optimizer["class_name"], "config": dict(recipe.optimizer["config"])}
    )
    model.compile(optimizer=optimizer, loss=recipe.loss, metrics=list(recipe.metrics))
    return model


# --- Recipes shared by chapters ---------------------------------------------------------------

_SCALE = ("Rescaling", {"scale": 1 / 255, "name": "scale"})


def mnist_softmax(seed: int = 0) -> Recipe:
    """784 → 10 softmax: no hidden layer, so each class has one weight "template"."""
    return Recipe(
        name="mnist_softmax",
        input_shape=(28, 28, 1),
        layers=(
            _SCALE,
            ("Flatten", {"name": "flatten"}),
            ("Dense", {"units": 10, "activation": "softmax", "name": "output"}),
        ),
        epochs=10,
        batch_size=128,
        seed=seed,
    )


def mnist_hidden10(seed: int = 0) -> Recipe:
    """784 → 10 (ReLU) → 10 softmax: ten hidden "parts" shared by all digits."""
    return Recipe(
        name="mnist_hidden10",
        input_shape=(28, 28, 1),
        layers=(
            _SCALE,
            ("Flatten", {"name": "flatten"}),
            ("Dense", {"units": 10, "activation": "relu", "name": "hidden"}),
            ("Dense", {"units": 10, "activation": "softmax", "name": "output"}),
        ),
        epochs=10,
        batch_size=128,
        seed=seed,
    )


def cifar_softmax(seed: int = 0) -> Recipe:
    """3072 → 10 softmax on CIFAR-10: the template idea applied to colour photos."""
    return Recipe(
        name="cifar_softmax",
        input_shape=(32, 32, 3),
        layers=(
            _SCALE,
            ("Flatten", {"name": "flatten"}),
            ("Dense", {"units": 10, "activation": "softmax", "name": "output"}),
        ),
        optimizer={"class_name": "adam", "config": {"learning_rate": 1e-3}},
        epochs=10,
        batch_size=128,
        seed=seed,
    )


def cifar_hidden(seed: int = 0) -> Recipe:
    """3072 → 100 (ReLU) → 10 softmax on CIFAR-10."""
    return Recipe(
        name="cifar_hidden",
        input_shape=(32, 32, 3),
        layers=(
            _SCALE,
            ("Flatten", {"name": "flatten"}),
            ("Dense", {"units": 100, "activation": "relu", "name": "hidden"}),
            ("Dense", {"units": 10, "activation": "softmax", "name": "output"}),
        ),
        epochs=10,
        batch_size=128,
        seed=seed,
    )


def _adam_one_cycle(
    peak: float, *, n_train: int, batch_size: int, epochs: int, warmup: float = 0.2
) -> dict[str, Any]:
    """Adam whose learning rate warms up linearly from ``peak / 10`` to ``peak`` over the first
    ``warmup`` of the steps, then follows a cosine down to zero: a "one-cycle" schedule, given as
    a Keras config dict so that it is part of the recipe (and of the cache key)."""
    steps = math.ceil(n_train / batch_size) * epochs
    warm = int(warmup * steps)
    schedule = {
        "module": "keras.optimizers.schedules",
        "class_name": "CosineDecay",
        "config": {
            "initial_learning_rate": peak / 10,
            "decay_steps": steps - warm,
            "alpha": 0.0,
            "warmup_target": peak,
            "warmup_steps": warm,
        },
    }
    return {"class_name": "adam", "config": {"learning_rate": schedule}}


def mnist_cnn(seed: int = 0) -> Recipe:
    """The Keras visualisation article's CNN: Conv2D(16, 5×5, ReLU) → 2×2 max-pool → softmax.

    Trained with Adam on a one-cycle learning-rate schedule (warm-up, then a cosine decay to
    zero): the decay lets the last epochs settle into a minimum instead of bouncing around it.
    """
    epochs, batch_size = 5, 128
    return Recipe(
        name="mnist_cnn",
        input_shape=(28, 28, 1),
        layers=(
            _SCALE,
            ("Conv2D", {"filters": 16, "kernel_size": 5, "activation": "relu", "name": "conv"}),
            ("MaxPooling2D", {"pool_size": 2, "name": "pool"}),
            ("Flatten", {"name": "flatten"}),
            ("Dense", {"units": 10, "activation": "softmax", "name": "output"}),
        ),
        optimizer=_adam_one_cycle(3e-3, n_train=60000, batch_size=batch_size, epochs=epochs),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
    )


# Per-channel mean and standard deviation of the 50,000 CIFAR-10 training images (0–255).
_CIFAR_MEAN = (125.307, 122.950, 113.865)
_CIFAR_STD = (62.993, 62.089, 66.705)


def cifar10_quick(seed: int = 0) -> Recipe:
    """Caffe's cifar10_quick layout: three 5×5 conv + pool stages, dense 64, softmax 10.

    The first layer standardises each colour channel with the training set's mean and
    standard deviation (Caffe's example subtracts the mean image); Adam on a one-cycle
    schedule then trains the net in a few epochs on a CPU.
    """

    def conv(filters: int, name: str) -> LayerSpec:
        return (
            "Conv2D",
            {
                "filters": filters,
                "kernel_size": 5,
                "padding": "same",
                "activation": "relu",
                "name": name,
            },
        )

    epochs, batch_size = 4, 128
    scale = (
        "Rescaling",
        {
            "scale": [1 / s for s in _CIFAR_STD],
            "offset": [-m / s for m, s in zip(_CIFAR_MEAN, _CIFAR_STD, strict=True)],
            "name": "scale",
        },
    )
    return Recipe(
        name="cifar10_quick",
        input_shape=(32, 32, 3),
        layers=(
            scale,
            conv(32, "conv1"),
            ("MaxPooling2D", {"pool_size": 2, "name": "pool1"}),
            conv(32, "conv2"),
            ("MaxPooling2D", {"pool_size": 2, "name": "pool2"}),
            conv(64, "conv3"),
            ("MaxPooling2D", {"pool_size": 2, "name": "pool3"}),
            ("Flatten", {"name": "flatten"}),
            ("Dense", {"units": 64, "activation": "relu", "name": "dense"}),
            ("Dense", {"units": 10, "activation": "softmax", "name": "output"}),
        ),
        optimizer=_adam_one_cycle(2e-3, n_train=50000, batch_size=batch_size, epochs=epochs),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
    )
