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
