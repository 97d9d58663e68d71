"""Recipes: the default recipes' JSON (and so the model cache keys) stay exactly as they were."""

from __future__ import annotations

import hashlib

import pytest

from explainer import models

# SHA-256 (first 16 hex digits) of ``Recipe.to_json()`` of every recipe the book trains,
# computed before recipes became immutable and parametrised. A change here changes the cache
# key: every cached network would be retrained and the book's numbers would move.
PINNED_JSON = {
    "mnist_softmax()": "d6b003d9c4a26b53",
    "mnist_hidden10()": "3bec7ca3c4e06913",
    "cifar_softmax()": "930249587fe5867c",
    "cifar_hidden()": "3651d27e414cdc58",
    "mnist_cnn()": "5c0ac42d599df5de",
    "cifar10_quick()": "e256f6be196b463b",
    "checkdata_variants()['none']": "a3902fa215178aa5",
    "checkdata_variants()['l1']": "07a22cdc7c1551ba",
    "checkdata_variants()['l2']": "4edadd983b3f7caa",
    "checkdata_variants()['dropout_0.2']": "7b79902bdd2456eb",
    "checkdata_variants()['dropout']": "f6bc9f041e6099a6",
    "checkdata_init_spreads()[0.001]": "cd8c07e4662a5af3",
    "checkdata_init_spreads()[0.05]": "f1859cb6c4309f03",
    "checkdata_init_spreads()[1.0]": "2aadaa12e9fc166b",
    "mnist_pressure(None)": "90526fe498a5e8ec",
    "mnist_pressure('l1')": "fea5b9dfd91a9c81",
    "mnist_pressure('l2')": "9b1cce535d01384c",
    "dense_tanh(0, 2)": "2e0733fa20b6d21c",
    "dense_tanh_seeds(0, 2)": "f7478f5d7e9ced81",
    "dense_tanh(1, 2)": "b6fdf32814526894",
    "dense_tanh_seeds(1, 2)": "7358f9b9875186f5",
    "dense_tanh(5, 2)": "9a6c0f3da9a6ebe8",
    "dense_tanh_seeds(5, 2)": "9abfebda5d938efd",
    "dense_tanh(10, 2)": "8085c7481beca505",
    "dense_tanh_seeds(10, 2)": "7b09935e0a3c81db",
    "dense_tanh(10, 3)": "32f4091815c7c726",
    "dense_tanh_seeds(10, 3)": "a6fdc2e6b2dee455",
}


def _recipe(expr: str) -> models.Recipe:
    return eval(expr, vars(models))  # the keys above are calls into explainer.models


@pytest.mark.parametrize("expr", sorted(PINNED_JSON))
def test_default_recipe_json_is_pinned(expr: str) -> None:
    digest = hashlib.sha256(_recipe(expr).to_json().encode()).hexdigest()[:16]
    assert digest == PINNED_JSON[expr], (
        f"{expr}.to_json() changed: the cached models of the book would be retrained; keep "
        "the JSON of the default recipes byte-identical"
    )


def test_recipe_knobs_recompute_the_schedule_and_rename() -> None:
    default = models.mnist_cnn()
    short = models.mnist_cnn(filters=4, epochs=1)
    schedule = short.optimizer["config"]["learning_rate"]["config"]
    full = default.optimizer["config"]["learning_rate"]["config"]
    # 938 steps per epoch at batch 64: one epoch has half the steps of two.
    assert schedule["decay_steps"] + schedule["warmup_steps"] == 938
    assert full["decay_steps"] + full["warmup_steps"] == 2 * 938
    assert short.layer("conv")["filters"] == 4
    assert short.name == "mnist_cnn_filters4_epochs1" and short.floor is None
    assert default.name == "mnist_cnn" and default.floor == pytest.approx(0.984)
    assert models.cifar10_quick(filters=(16, 32, 64)).name == "cifar10_quick_filters16-32-64"
    assert models.cifar10_quick(seed=3).floor == pytest.approx(0.66)


def test_replace_refuses_to_resize_a_scheduled_recipe() -> None:
    with pytest.raises(ValueError, match=r"models.mnist_cnn\(epochs=1\)"):
        models.mnist_cnn().replace(epochs=1)
    # A constant learning rate has nothing to resize.
    assert models.mnist_softmax().replace(epochs=1).epochs == 1


def test_with_layer_changes_one_layer_only() -> None:
    base = models.mnist_cnn()
    variant = base.with_layer("conv", filters=8, activation=None)
    assert dict(variant.layer("conv")) == {"filters": 8, "kernel_size": 5, "name": "conv"}
    assert variant.layers[2:] == base.layers[2:]
    assert variant.name == "mnist_cnn_conv_activationNone_filters8" and variant.floor is None
    with pytest.raises(KeyError, match="no layer 'conv9'; its layers are: scale, conv, pool"):
        base.with_layer("conv9", filters=2)


def test_layer_configs_are_frozen() -> None:
    recipe = models.mnist_cnn()
    with pytest.raises(TypeError, match="with_layer"):
        recipe.layers[1][1]["filters"] = 3  # type: ignore[index]
    with pytest.raises(TypeError, match="frozen"):
        recipe.optimizer["config"]["learning_rate"]["config"].update(alpha=1.0)
    assert isinstance(recipe.layer("scale")["scale"], float)
    assert models.cifar10_quick().layer("scale")["scale"].__class__ is tuple  # lists frozen too


def test_floor_is_not_part_of_the_cache_key() -> None:
    recipe = models.mnist_cnn()
    assert recipe.replace(floor=0.5).to_json() == recipe.to_json()
    assert "floor" not in recipe.to_json()
    assert models.accuracy_floor("mnist_cnn") == pytest.approx(0.984)
    assert models.accuracy_floor("cifar10_quick") == pytest.approx(0.66)
    assert models.accuracy_floor("mnist_cnn_filters4") is None
