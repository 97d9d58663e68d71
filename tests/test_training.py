from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from explainer import models, training


def _recipe(**changes) -> models.Recipe:
    base = models.Recipe(
        name="tiny",
        input_shape=(4,),
        layers=(
            ("Dense", {"units": 3, "activation": "relu", "name": "hidden"}),
            ("Dense", {"units": 2, "activation": "softmax", "name": "output"}),
        ),
        epochs=2,
        batch_size=8,
        seed=1,
    )
    return dataclasses.replace(base, **changes)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return x, y


@pytest.fixture
def data():
    return _data()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``_recipe()`` trained once (a miss) into a cache folder of its own; tests copy the folder."""
    folder = tmp_path_factory.mktemp("trained")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPLAINER_CACHE_DIR", str(folder))
        result = training.train(_recipe(), *_data())
    assert not result.from_cache
    return result, folder


@pytest.fixture
def filled_cache(cache_dir, trained):
    """The private cache holding the entry of ``trained``; its result."""
    result, folder = trained
    shutil.copytree(folder, cache_dir)
    return result


def _weights(model):
    return [np.asarray(w) for w in model.get_weights()]


def test_miss_then_hit_returns_same_weights(cache_dir, data):
    x, y = data
    first = training.train(_recipe(), x, y)
    assert not first.from_cache
    assert first.fit_seconds > 0
    assert len(first.history["loss"]) == 2
    files = sorted(p.suffix for p in cache_dir.iterdir())
    assert files == [".json", ".keras"]
    second = training.train(_recipe(), x, y)
    assert second.from_cache
    assert second.key == first.key
    assert second.history == first.history
    for a, b in zip(_weights(first.model), _weights(second.model), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_training_is_deterministic(cache_dir, data, trained):
    x, y = data
    a = trained[0]  # trained earlier in this process, not loaded
    b = training.train(_recipe(), x, y, use_cache=False)
    for wa, wb in zip(_weights(a.model), _weights(b.model), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not list(cache_dir.glob("*"))  # use_cache=False writes nothing


def test_op_determinism_is_on_while_training_and_restored_after(cache_dir, data, monkeypatch):
    import keras
    from tensorflow.python.framework import config as tf_config

    seen: list[bool] = []
    fit = keras.Model.fit

    def watched_fit(self, *args, **kwargs):
        seen.append(tf_config.is_op_determinism_enabled())
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", watched_fit)
    was_on = tf_config.is_op_determinism_enabled()
    tf_config.disable_op_determinism()
    try:
        training.train(_recipe(), *data, use_cache=False)
        assert seen == [True]
        assert not tf_config.is_op_determinism_enabled()  # the caller's setting is back
    finally:
        if was_on:
            tf_config.enable_op_determinism()


@pytest.mark.slow
def test_steps_per_execution_does_not_change_the_weights(cache_dir, data, monkeypatch):
    # It is left out of the cache key, so it must not change what training produces, also
    # with dropout's random masks and a last batch that does not fill a whole execution.
    x, y = data
    recipe = _recipe(
        layers=(
            ("Dense", {"units": 3, "activation": "relu", "name": "hidden"}),
            ("Dropout", {"rate": 0.5, "name": "dropout"}),
            ("Dense", {"units": 2, "activation": "softmax", "name": "output"}),
        ),
        batch_size=3,  # 11 steps per epoch: three executions of 4 steps, the last one short
    )
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 1)
    one = training.train(recipe, x, y, use_cache=False)
    monkeypatch.setattr(training, "STEPS_PER_EXECUTION", 4)
    four = training.train(recipe, x, y, use_cache=False)
    assert four.model.steps_per_execution == 4
    assert one.history == four.history
    for a, b in zip(_weights(one.model), _weights(four.model), strict=True):
        np.testing.assert_array_equal(a, b)


def test_key_changes_with_the_onednn_switch(data, monkeypatch):
    # oneDNN kernels round differently, so a model trained with them is another model.
    x, y = data
    assert training._versions()["onednn"] in {"on", "off"}
    monkeypatch.setattr(training, "_onednn", lambda: "on")
    on = training.cache_key(_recipe(), x, y)
    monkeypatch.setattr(training, "_onednn", lambda: "off")
    assert training.cache_key(_recipe(), x, y) != on


def test_initial_model_is_where_training_starts(data):
    init1 = training.initial_model(_recipe())
    init2 = training.initial_model(_recipe())
    for a, b in zip(_weights(init1), _weights(init2), strict=True):
        np.testing.assert_array_equal(a, b)
    other = training.initial_model(_recipe(seed=2))
    assert not np.array_equal(_weights(init1)[0], _weights(other)[0])


@pytest.mark.slow
def test_corrupt_entry_is_retrained_with_a_warning(cache_dir, data, filled_cache):
    x, y = data
    first = filled_cache
    (entry,) = cache_dir.glob("*.keras")
    entry.write_bytes(b"garbage")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        again = training.train(_recipe(), x, y)
    assert not again.from_cache
    for a, b in zip(_weights(first.model), _weights(again.model), strict=True):
        np.testing.assert_array_equal(a, b)
    assert training.train(_recipe(), x, y).from_cache  # the rewritten entry is good


def test_half_written_entry_without_metadata_is_a_miss(cache_dir, data, filled_cache):
    x, y = data
    first = filled_cache
    (meta,) = cache_dir.glob("*.json")
    meta.unlink()
    assert not training.train(_recipe(), x, y).from_cache
    assert json.loads(meta.read_text())["key"] == first.key


@pytest.mark.parametrize(
    "change",
    [
        {"epochs": 3},
        {"batch_size": 4},
        {"seed": 7},
        {"loss": "categorical_crossentropy"},
        {"dtype_policy": "mixed_bfloat16"},
        {"optimizer": {"class_name": "sgd", "config": {"learning_rate": 0.1}}},
        {"layers": (("Dense", {"units": 2, "activation": "softmax", "name": "output"}),)},
        {"name": "tiny2"},
    ],
)
def test_key_changes_with_every_part_of_the_recipe(change, data):
    x, y = data
    assert training.cache_key(_recipe(**change), x, y) != training.cache_key(_recipe(), x, y)


def test_key_changes_with_the_data(data):
    x, y = data
    base = training.cache_key(_recipe(), x, y)
    x2 = x.copy()
    x2[0, 0] += 1
    assert training.cache_key(_recipe(), x2, y) != base
    assert training.cache_key(_recipe(), x, 1 - y) != base
    assert training.cache_key(_recipe(), x, y) == base


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "c"))
    assert training.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("EXPLAINER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert training.cache_dir() == tmp_path / "xdg" / "explainer" / "models"


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="unknown Keras layer"):
        models.build(_recipe(layers=(("NoSuchLayer", {}),)))


def test_summary_prints_the_layers_then_how_the_model_was_trained(capsys):
    recipe = _recipe()
    trained = training.TrainedModel(
        training.initial_model(recipe), recipe, key="k", fit_seconds=3.14159
    )
    trained.summary()
    out = capsys.readouterr().out
    assert "hidden" in out and "output" in out
    assert out.rstrip().splitlines()[-1] == "2 epochs, batch 8: fit took 3.1 s"
