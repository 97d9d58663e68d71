"""The score a classifier is explained by, read without changing the model.

**Which score.** When the model ends in a softmax (a ``Dense(activation="softmax")`` or a
separate ``Activation("softmax")`` / ``Softmax`` layer), the package explains the class score
*before* the softmax (the logit), and the raw output when the model already outputs logits. The
softmax couples the classes: the gradient of a saturated probability (p ≈ 1) vanishes,
whatever the pixels did to get there, and the gradient of any probability mixes in every other
class's logit. A one-unit (sigmoid) classifier is explained by its logit ``z``: class 1 scores
``z`` and class 0 ``−z``.

:func:`score_model` is the one place this is decided, used by the attribution methods
(:mod:`explainer.attribution`), feature visualisation (:mod:`explainer.units`) and the report.
It never changes the model's layers: :func:`rewired` builds a new functional model over the
same layers with some operations replaced, and :func:`with_activation` calls a layer through a
read-only view with another activation.
"""

from __future__ import annotations

import functools
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras

__all__ = [
    "describe_scores",
    "model_cache",
    "n_scores",
    "rewired",
    "score_model",
    "scores_head",
    "with_activation",
]


def _activation_name(activation: Any) -> str:
    return getattr(activation, "__name__", "") if activation is not None else ""


def _output_layer(model: keras.Model) -> Any:
    """The operation that produces the model's (single) output."""
    if len(model.outputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(model.outputs)} outputs; attribution needs a "
            "classifier with one output of class scores"
        )
    return model.outputs[0]._keras_history[0]


def _head(layer: Any) -> tuple[str, bool]:
    """The final layer's squashing (``"softmax"``, ``"sigmoid"`` or ``""``), and whether it is a
    separate layer (``Softmax`` / ``Activation``) rather than fused into ``layer``."""
    import keras

    if isinstance(layer, keras.layers.Softmax):
        return "softmax", True
    if isinstance(layer, keras.layers.Activation):
        name = _activation_name(layer.activation)
        return (name, True) if name in ("softmax", "sigmoid") else ("", False)
    name = _activation_name(getattr(layer, "activation", None))
    return (name, False) if name in ("softmax", "sigmoid") else ("", False)


class _Linear:
    """A read-only view of a layer whose ``activation`` is the identity; all else is the layer's.

    ``type(layer).call(view, x)`` then computes the layer's pre-activation output with the
    layer's own weights, without changing the layer (another thread, or the model itself,
    still sees it as it was).
    """

    def __init__(self, inner: Any, activation: Callable[[Any], Any]) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "activation", activation)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the view of layer {self._inner.name!r} is read-only")


@functools.cache
def _with_activation_class() -> type:
    import keras

    class WithActivation(keras.layers.Layer):
        """Calls a layer (sharing its weights) with another activation, leaving it unchanged."""

        def __init__(self, inner: Any, activation: Callable[[Any], Any], suffix: str) -> None:
            super().__init__(name=f"{inner.name}_{suffix}")
            self.inner = inner
            self.replacement = activation

        def call(self, x: Any) -> Any:
            return type(self.inner).call(_Linear(self.inner, self.replacement), x)

        def compute_output_shape(self, input_shape: Any) -> Any:
            return self.inner.compute_output_shape(input_shape)

    return WithActivation


def with_activation(layer: Any, activation: Callable[[Any], Any], suffix: str = "linear") -> Any:
    """A layer that calls ``layer`` with its weights but ``activation`` in place of its own.

    The non-mutating way the package swaps an activation: for the logits before a softmax or
    sigmoid here, and for the leaky surrogate of feature visualisation in
    :mod:`explainer.units`.
    """
    return _with_activation_class()(layer, activation, suffix)


def rewired(
    model: keras.Model,
    replace: Callable[[Any], Callable[..., Any] | None],
    *,
    capture: Sequence[str] | None = None,
    name: str = "rewired",
) -> keras.Model:
    """A functional model sharing ``model``'s layers, with some operations replaced.

    ``replace(layer)`` returns a callable to run instead of ``layer`` (or ``None`` to keep it);
    nested models are rewired the same way. With ``capture`` (a layer path) the new model's
    outputs are ``[that layer's output, final output]``. ``model`` itself is not changed.
    """
    import keras

    stash: list[Any] = []

    def operation(op: Any) -> Callable[..., Any]:
        from explainer.probe import is_model

        if capture and op.name == capture[0]:
            if len(capture) > 1:
                inner = rewired(op, replace, capture=capture[1:], name=name)

                def nested(*args: Any, **kwargs: Any) -> Any:
                    act, out = inner(*args, **kwargs)
                    stash.append(act)
                    return out

                return nested

            run = replace(op) or op

            def captured(*args: Any, **kwargs: Any) -> Any:
                out = run(*args, **kwargs)
                stash.append(out)
                return out

            return captured
        swapped = replace(op)
        if swapped is not None:
            return swapped
        if is_model(op) and any(replace(lay) is not None for lay in op.layers):
            return rewired(op, replace, name=name)
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
    if capture and not stash:
        raise ValueError(f"layer {'/'.join(capture)!r} is not on the path to the output")
    outputs = [stash[0], out] if capture else [out]
    return keras.Model(inp, outputs, name=f"{model.name}_{name}")


def scores_head(model: keras.Model) -> Callable[[Any], Callable[..., Any] | None]:
    """The replacement of the final layer that makes the output pre-activation class scores."""
    import keras

    final = _output_layer(model)
    squash, separate = _head(final)
    one_unit = int(model.outputs[0].shape[-1]) == 1

    def replace(op: Any) -> Callable[..., Any] | None:
        if op is not final or (not squash and not one_unit):
            return None
        linear: Any = None
        if squash and not separate:
            linear = with_activation(op, keras.activations.linear, "logits")

        def head(*args: Any, **kwargs: Any) -> Any:
            if squash and separate:
                z = args[0]
            elif linear is not None:
                z = linear(args[0])
            else:
                z = op(*args, **kwargs)
            return keras.ops.concatenate([keras.ops.negative(z), z], axis=-1) if one_unit else z

        return head

    return replace


def describe_scores(model: keras.Model) -> str:
    """What :func:`score_model` attributes, in words (the report prints it)."""
    squash, _ = _head(_output_layer(model))
    if int(model.outputs[0].shape[-1]) == 1:
        if squash == "sigmoid":
            return "the logit of the sigmoid output (negated for class 0)"
        return "the model's single output (its sign flipped for class 0)"
    if squash == "softmax":
        return "the class score before the softmax (the logit)"
    return "the model's raw output (it has no final softmax)"


_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], Any]] = weakref.WeakKeyDictionary()


def model_cache(model: keras.Model) -> dict[tuple[str, ...], Any]:
    """This model's cache of score models and compiled functions, gone with the model.

    Weakly keyed, so the cache never keeps a user's model alive; a model that cannot be weakly
    referenced gets a fresh dictionary each time, with a warning that says what that costs.
    """
    try:
        return _CACHE.setdefault(model, {})
    except TypeError:
        warnings.warn(
            f"model {model.name!r} cannot be weakly referenced, so its score model and compiled "
            "functions are rebuilt on every call (slower, same results)",
            RuntimeWarning,
            stacklevel=3,
        )
        return {}


def score_model(model: keras.Model, *, capture: Sequence[str] | None = None) -> keras.Model:
    """A model sharing ``model``'s layers whose output is the class scores before the squashing.

    The one place the package reads pre-activation scores from a classifier (see "Which
    score" above). A one-unit model gets two scores ``[−z, z]``. With ``capture`` (a layer path,
    outer to inner names) the outputs are ``[that layer's output, scores]``, as the CAMs need.
    Built once per model and capture, without changing any of its layers; call it with
    ``training=False``.
    """
    key = tuple(capture or ())
    per_model = model_cache(model)
    if key not in per_model:
        if len(model.inputs) != 1:
            raise ValueError(f"model {model.name!r} has {len(model.inputs)} inputs; needs one")
        if capture:
            final = _output_layer(model)
            if capture[-1] == final.name and len(capture) == 1 and _head(final)[0]:
                raise ValueError(f"layer {final.name!r} is the output, not a spatial layer")
        per_model[key] = rewired(model, scores_head(model), capture=capture, name="scores")
    return per_model[key]


def n_scores(model: keras.Model) -> int:
    """How many scores :func:`score_model` gives: the classes, two for a one-unit model."""
    n = int(model.outputs[0].shape[-1])
    return 2 if n == 1 else n
