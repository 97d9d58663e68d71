"""Bending space: 2-D data makers, tanh-stack recipes, dense states and their figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from explainer import datasets, models, plot, probe, training

ARTICLE_PARAMS = {(0, 2): 9, (1, 2): 15, (5, 2): 39, (10, 2): 69, (10, 3): 133}


pytestmark = pytest.mark.usefixtures("cache_dir")  # conftest: a private model cache


@pytest.fixture(autouse=True)
def _no_metrics_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPLAINER_METRICS_DIR", raising=False)


# --- data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("maker", [datasets.make_twoclass, datasets.make_circles])
def test_makers_shape_dtype_balance_and_seed(maker) -> None:
    x, y = maker()
    assert x.shape == (2000, 2) and x.dtype == np.float32
    assert y.shape == (2000,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [1000, 1000]
    x2, y2 = maker()
    assert np.array_equal(x, x2) and np.array_equal(y, y2)  # same seed, same bytes
    x3, _ = maker(seed=1)
    assert not np.array_equal(x, x3)
    xs, ys = maker(n_per_class=10)
    assert xs.shape == (20, 2) and np.bincount(ys).tolist() == [10, 10]


def test_circles_radii() -> None:
    x, y = datasets.make_circles(noise=0.0)
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.allclose(r[y == 0], 1.0, atol=1e-6)
    assert np.allclose(r[y == 1], 0.5, atol=1e-6)


def test_twoclass_is_not_linearly_separable() -> None:
    """The best least-squares line misclassifies the moons' tips (roughly one point in ten)."""
    x, y = datasets.make_twoclass()
    a = np.c_[x, np.ones(len(x))]
    w, *_ = np.linalg.lstsq(a, 2.0 * y - 1.0, rcond=None)
    acc = np.mean((a @ w > 0) == (y == 1))
    assert 0.8 < acc < 0.95
    assert np.allclose(x.mean(axis=0), 0.0, atol=0.05)  # centred


# --- recipes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("hidden", "width"), list(ARTICLE_PARAMS))
def test_recipe_parameter_counts(hidden: int, width: int) -> None:
    recipe = models.dense_tanh(hidden, width)
    assert recipe.epochs == 20 and recipe.batch_size == 16
    assert recipe.loss == "binary_crossentropy" and recipe.optimizer["class_name"] == "adam"
    model = models.build(recipe)
    assert model.count_params() == ARTICLE_PARAMS[(hidden, width)]
    names = [layer.name for layer in model.layers[1:]]
    assert names == [f"dense{i}" for i in range(hidden + 1)] + ["output"]


def test_seed_copies_start_from_each_seeds_weights() -> None:
    ensemble = models.build(models.dense_tanh_seeds(1, 3, seeds=(0, 4, 7)))
    assert ensemble.count_params() == 3 * (9 + 12 + 4)
    for k, seed in enumerate((0, 4, 7)):
        single = models.build(models.dense_tanh(1, 3, seed))
        for name in ("dense0", "dense1", "output"):
            got = np.asarray(ensemble.get_layer(name).kernel)[k]
            want = np.asarray(single.get_layer(name).kernel)
            assert np.array_equal(got, want)
    a = np.asarray(models.build(models.dense_tanh(1, 3, 0)).get_layer("dense0").kernel)
    b = np.asarray(models.build(models.dense_tanh(1, 3, 4)).get_layer("dense0").kernel)
    assert not np.array_equal(a, b)


def test_seed_stack_permutes_each_column() -> None:
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10) % 2
    xs, ys = models.seed_stack(x, y, seeds=(0, 1))
    assert xs.shape == (10, 2, 2) and ys.shape == (10, 2)
    for k in range(2):
        assert sorted(xs[:, k, 0].tolist()) == sorted(x[:, 0].tolist())
        assert np.array_equal(ys[:, k], (xs[:, k, 0] / 2) % 2)  # pairs stay together
    assert not np.array_equal(xs[:, 0], xs[:, 1])


@pytest.mark.slow
def test_side_by_side_training_equals_separate_training() -> None:
    """Each copy takes the same Adam steps as its seed's model trained alone on its batches."""
    x, y = datasets.make_twoclass(n_per_class=24)
    seeds = (0, 3)
    recipe = models.dense_tanh_seeds(1, 2, seeds).replace(epochs=2, shuffle=False)
    xs, ys = models.seed_stack(x, y, seeds)
    trained = training.train(recipe, xs, ys)
    copies = models.split_seeds(trained.model, 1, 2, seeds)
    maps = probe.split_dense_maps(trained.model)
    k = 1  # the second copy, trained alone from its own seed on its own column of the data
    single = models.dense_tanh(1, 2, seeds[k]).replace(epochs=2, shuffle=False)
    alone = training.train(single, xs[:, k], ys[:, k].astype(np.int64)).model
    for name in ("dense0", "dense1", "output"):
        got = np.asarray(copies[k].get_layer(name).kernel)
        want = np.asarray(alone.get_layer(name).kernel)
        start = np.asarray(models.build(single).get_layer(name).kernel)
        assert not np.allclose(got, start)  # training moved the weights ...
        assert np.allclose(got, want, rtol=1e-4, atol=1e-6), name  # ... exactly as alone
    for k in range(len(seeds)):
        # the split Keras model, the split maps and the side-by-side model agree
        side = trained.model.predict(xs, verbose=0)[:, k]
        own = copies[k].predict(xs[:, k], verbose=0)[:, 0]
        assert np.allclose(side, own, atol=1e-6)
        assert np.allclose(probe.dense_states(maps[k], xs[:, k])[-1].values[:, 0], own, atol=1e-6)
        assert sum(m.n_params for m in maps[k]) == 15


# --- dense states -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def net():
    import keras

    model = models.build(models.dense_tanh(2, 3, seed=1))
    rng = np.random.default_rng(0)
    for layer in model.layers[1:]:  # non-zero biases too, so the test sees them
        layer.set_weights([w + rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    assert isinstance(model, keras.Model)
    return model


def test_dense_states_shapes_labels_and_predict(net) -> None:
    x = np.random.default_rng(1).normal(size=(50, 2)).astype(np.float32)
    states = probe.dense_states(net, x)
    assert [s.label for s in states] == [
        "input",
        "dense0: affine",
        "dense0: tanh",
        "dense1: affine",
        "dense1: tanh",
        "dense2: affine",
        "dense2: tanh",
        "output: affine",
        "output: sigmoid",
    ]
    assert [s.values.shape for s in states] == [(50, 2)] + [(50, 3)] * 6 + [(50, 1)] * 2
    assert [s.kind for s in states[:3]] == ["input", "affine", "activation"]
    assert np.allclose(states[2].values, np.tanh(states[1].values))
    assert np.abs(states[2].values).max() < 1
    predicted = net.predict(x, verbose=0)
    assert np.allclose(states[-1].values, predicted, atol=1e-6)
    assert states[-2].map is not None and states[-2].map.kernel.shape == (3, 1)


def test_dense_states_of_named_layers_and_maps(net) -> None:
    x = np.zeros((4, 2))
    maps = probe.dense_maps(net)
    assert [m.layer for m in maps] == ["dense0", "dense1", "dense2", "output"]
    assert sum(m.n_params for m in maps) == net.count_params()
    first = probe.dense_states(net, x, layers=["dense0"])
    assert len(first) == 3 and first[-1].values.shape == (4, 3)
    from_maps = probe.dense_states(maps, x)
    assert np.allclose(from_maps[-1].values, probe.dense_states(net, x)[-1].values)
    with pytest.raises(ValueError, match="do not chain"):
        probe.dense_states(net, x, layers=["output", "dense0"])
    with pytest.raises(ValueError, match="coordinates"):
        probe.dense_states(net, np.zeros((4, 3)))


def test_grid_lines_keep_their_point_count(net) -> None:
    lines = probe.grid_lines((-2, 2), (-1, 1), n_lines=7, n_points=40)
    assert lines.shape == (14, 40, 2)
    assert np.allclose(lines[:7, :, 0], lines[:7, :1, 0])  # vertical lines: constant x
    assert np.allclose(lines[7:, :, 1], lines[7:, :1, 1])  # horizontal lines: constant y
    assert lines[..., 0].min() == -2 and lines[..., 1].max() == 1
    states = probe.dense_states(net, lines)
    for s in states:
        assert s.values.shape[:2] == (14, 40)
    flat = probe.dense_states(net, lines.reshape(-1, 2))
    assert np.allclose(states[-1].values.reshape(-1, 1), flat[-1].values)


def test_decision_map_and_accuracy(net) -> None:
    dm = probe.decision_map(net, (-1, 1), (-2, 2), resolution=30)
    assert dm.proba.shape == (30, 30) and dm.xs[0] == -1 and dm.ys[-1] == 2
    assert np.all((dm.proba > 0) & (dm.proba < 1))
    x = np.random.default_rng(2).normal(size=(40, 2))
    p = net.predict(x, verbose=0)[:, 0]
    y = (p > 0.5).astype(int)
    assert probe.binary_accuracy(net, x, y) == 1.0
    assert probe.binary_accuracy(net, x, 1 - y) == 0.0


# --- figures ------------------------------------------------------------------------------


def _toy_maps(width: int) -> list[probe.DenseMap]:
    rng = np.random.default_rng(width)
    return [
        probe.DenseMap("dense0", rng.normal(size=(2, width)), rng.normal(size=width), "tanh"),
        probe.DenseMap("dense1", rng.normal(size=(width, width)), rng.normal(size=width), "tanh"),
        probe.DenseMap(
            "output", np.array([[1.0]] + [[-0.5]] * (width - 1)), np.zeros(1), "sigmoid"
        ),
    ]


def test_layer_strip_draws_points_lines_and_decision_line() -> None:
    x, y = datasets.make_twoclass(n_per_class=30)
    maps = _toy_maps(2)
    states = probe.dense_states(maps, x)
    lines = probe.dense_states(maps, probe.grid_lines((-2, 2), (-1, 1), n_lines=5))
    strip = plot.layer_strip(states, y, line_states=lines, ncols=3, suptitle="A strip")
    assert len(strip.axes) == 5  # input, 2 × (affine, tanh); the 1-D output is not a panel
    assert [ax.get_title() for ax in strip.axes][:2] == ["1. input", "2. dense0: affine"]
    assert all(len(sc.get_offsets()) == 60 for sc in strip.scatters)
    assert all(len(lc.get_segments()) == 10 for lc in strip.lines)
    assert strip.decision is not None and strip.decision.axes is strip.axes[-1]
    assert strip.figure.get_suptitle() == "A strip"
    colours = {tuple(c) for c in strip.scatters[0].get_facecolors().round(3)}
    assert len(colours) == 2
    for ax in strip.axes[1:]:  # equal scales on both axes
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert np.isclose(x1 - x0, y1 - y0)


def test_layer_strip_and_space_3d_for_width_three() -> None:
    x, y = datasets.make_circles(n_per_class=30)
    maps = _toy_maps(3)
    states = probe.dense_states(maps, x)
    strip = plot.layer_strip(states, y)
    assert strip.axes[0].name == "rectilinear"
    assert all(ax.name == "3d" for ax in strip.axes[1:])
    assert strip.decision is not None
    tanh = [s for s in states if s.kind == "activation" and s.dim == 3]
    view = plot.space_3d(tanh, y, decision=states[-2].map, ncols=1, suptitle="3-D")
    assert len(view.axes) == 2 and view.plane is not None and view.plane.axes is view.axes[-1]
    assert view.axes[0].get_xlim() == (-1.05, 1.05)
    with pytest.raises(ValueError, match="three coordinates"):
        plot.space_3d(states[:1], y)


def test_animation_frames_and_title() -> None:
    x, y = datasets.make_twoclass(n_per_class=20)
    maps = _toy_maps(2)
    states = probe.dense_states(maps, x)
    lines = probe.dense_states(maps, probe.grid_lines((-2, 2), (-1, 1), n_lines=3))
    anim = plot.animate_states(states, y, line_states=lines, frames_per_step=3, hold_frames=2)
    anim._init_draw()  # what saving or showing it does first
    n_states = 5
    frames = list(anim.new_frame_seq())
    assert len(frames) == n_states * 2 + (n_states - 1) * 3
    ax = anim._fig.axes[0]
    anim._func(0)
    assert ax.get_title() == "step 0/4, input"
    anim._func(len(frames) - 1)
    assert ax.get_title() == "step 4/4, dense1: tanh"
    assert any(len(line.get_xdata()) == 2 for line in ax.get_lines())  # the decision line
    anim._func(3)
    assert "towards dense0: affine" in ax.get_title()


def test_decision_boundaries_and_point_sets() -> None:
    x, y = datasets.make_circles(n_per_class=20)
    maps = _toy_maps(2)
    dm = probe.decision_map(maps, (-1.5, 1.5), (-1.5, 1.5), resolution=25)
    drawn = plot.decision_boundaries([dm, dm], [(x, y), (x, y)], ["a", "b"], suptitle="DB")
    assert [ax.get_title() for ax in drawn.axes] == ["a", "b"]
    assert list(drawn.boundaries[0].levels) == [0.5]
    sets = plot.point_sets([("one", x, y), ("two", x, y)], suptitle="Sets")
    assert len(sets.axes) == 2 and sets.figure.get_suptitle() == "Sets"
    with pytest.raises(ValueError, match="0 or 1"):
        plot.point_sets([("bad", x, y + 1)])


def test_side_by_side_model_comes_back_from_the_cache(cache_dir) -> None:
    """The book's own layer survives the cache: saved, then loaded in Keras' safe mode."""
    x, y = datasets.make_twoclass(n_per_class=16)
    seeds = (0, 1)
    recipe = models.dense_tanh_seeds(2, 2, seeds).replace(epochs=1)
    xs, ys = models.seed_stack(x, y, seeds)
    first = training.train(recipe, xs, ys)
    again = training.train(recipe, xs, ys)
    assert not first.from_cache and again.from_cache
    assert type(again.model.get_layer("dense0")).__name__ == "SeedStackDense"
    assert again.model.get_layer("dense0").kernel.shape == (2, 2, 2)
    np.testing.assert_array_equal(
        first.model.predict(xs, verbose=0), again.model.predict(xs, verbose=0)
    )
