"""Tests for the chapter "Weights under pressure": check data, kernel probes, weight figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import LogNorm, to_hex

from explainer import datasets, models, plot, probe

# --- data -----------------------------------------------------------------------------------


def test_checkdata_label_is_sum_of_inputs_3_and_6():
    d = datasets.make_checkdata(n=2000, seed=0)
    assert d.x.shape == (2000, 10) and d.x.dtype == np.float32
    assert d.y.shape == (2000,) and d.y.dtype == np.int64
    assert d.informative == (3, 6)
    assert d.noise == (0, 1, 2, 4, 5, 7, 8, 9)
    total = d.x[:, 3].astype(np.float64) + d.x[:, 6]
    np.testing.assert_allclose(total, d.y, atol=1e-6)
    # decodable exactly: one threshold on the sum recovers every label
    assert np.array_equal((total > 0.5).astype(np.int64), d.y)
    assert set(np.unique(d.y)) == {0, 1}
    assert 0.45 < d.y.mean() < 0.55


def test_checkdata_needs_both_inputs_and_noise_is_noise():
    d = datasets.make_checkdata(n=5000, seed=3)
    for i in d.informative:  # each informative input alone overlaps between the classes
        lo1, hi0 = d.x[d.y == 1, i].min(), d.x[d.y == 0, i].max()
        assert lo1 < hi0
    for j in d.noise:
        assert abs(np.corrcoef(d.x[:, j], d.y)[0, 1]) < 0.05
        assert d.x[:, j].min() >= -1 and d.x[:, j].max() <= 1


def test_checkdata_is_seeded():
    a, b = datasets.make_checkdata(100, seed=0), datasets.make_checkdata(100, seed=0)
    c = datasets.make_checkdata(100, seed=1)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    with pytest.raises(ValueError):
        datasets.make_checkdata(0)
    assert not a.x.flags.writeable


# --- probes on hand-made kernels ---------------------------------------------------------------


def _kernel() -> np.ndarray:
    k = np.zeros((10, 30), dtype=np.float32)
    k[3, :2] = 0.5  # input 3 feeds units 0, 1
    k[6, 1:4] = -0.2  # input 6 feeds units 1, 2, 3
    k[0, 5] = 5e-4  # below the threshold: "removed" but not exactly zero
    k[9, 7] = 0.3  # a noise input that is still connected
    return k


def test_units_per_input_and_surviving_units():
    k = _kernel()
    counts = probe.units_per_input(k)
    assert counts.tolist() == [0, 0, 0, 2, 0, 0, 3, 0, 0, 1]
    assert probe.surviving_units(k, [3, 6]) == 4  # units 0..3
    assert probe.surviving_units(k, [3]) == 2
    assert probe.surviving_units(k, []) == 0
    assert probe.surviving_units(k, [0]) == 0
    assert probe.surviving_units(k, [0], threshold=1e-4) == 1


def test_kernel_pressure_numbers():
    s = probe.kernel_pressure(_kernel(), [3, 6])
    assert s.exact_zeros == 300 - 7
    assert s.share_below == pytest.approx((300 - 6) / 300)
    assert s.surviving_units == 4
    assert s.mean_abs_informative == pytest.approx((2 * 0.5 + 3 * 0.2) / 60, rel=1e-6)
    assert s.mean_abs_noise == pytest.approx((5e-4 + 0.3) / 240, rel=1e-6)
    assert s.max_abs_noise == pytest.approx(0.3)
    np.testing.assert_allclose(s.mean_abs_per_input[[3, 6]], [1.0 / 30, 0.6 / 30], rtol=1e-6)
    assert s.informative_to_noise == pytest.approx(s.mean_abs_informative / s.mean_abs_noise)
    table = probe.pressure_table({"hand": s}, [3, 6], {"hand": 1.0})
    lines = table.splitlines()
    assert lines[0].split() == ["hand"]
    assert "units ← input 3" in table and "100.00%" in table and len(lines) == 11
    union = next(x for x in lines if x.startswith("units ← 3 or 6"))
    assert union.split()[-1] == "4"


def test_probe_rejects_non_matrices():
    with pytest.raises(ValueError):
        probe.units_per_input(np.zeros((2, 3, 4)))


# --- figures -----------------------------------------------------------------------------------


def test_weight_maps_share_one_norm_and_bars_are_means():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(10, 30))
    b = 0.1 * a
    b[0] = 0.0
    maps = plot.weight_maps({"a": a, "b": b}, informative=[3, 6], suptitle="Two kernels")
    assert maps.norm.vmin == 0.0 and maps.norm.vmax == pytest.approx(np.abs(a).max())
    for name, k in {"a": a, "b": b}.items():
        panel = maps.panels[name]
        assert panel.image.norm is maps.norm
        assert panel.image.get_cmap().name == plot.MAGNITUDE_CMAP
        assert panel.image.get_array().shape == (10, 30)
        heights = [r.get_height() for r in panel.bars]
        np.testing.assert_allclose(heights, np.abs(k).mean(axis=1))
        colours = {to_hex(r.get_facecolor()) for i, r in enumerate(panel.bars) if i in (3, 6)}
        others = {to_hex(r.get_facecolor()) for i, r in enumerate(panel.bars) if i not in (3, 6)}
        assert len(colours) == 1 and len(others) == 1 and colours != others
        assert panel.bars_ax.get_ylim() == pytest.approx(maps.bar_limits)
    assert maps.panels["b"].bars[0].get_height() == 0.0
    assert maps.colorbar is not None
    assert maps.figure.get_suptitle() == "Two kernels"
    # reusing the returned scale keeps it
    again = plot.weight_maps({"b": b}, norm=maps.norm, bar_limits=maps.bar_limits)
    assert again.norm is maps.norm
    assert again.panels["b"].image.norm is maps.norm
    assert again.bar_limits == pytest.approx(maps.bar_limits)


def test_weight_maps_never_clip_bars_and_modes():
    k = np.full((4, 5), 2.0)
    maps = plot.weight_maps({"k": k}, bar_limits=(0.0, 1.0))
    assert maps.bar_limits[1] >= 2.0
    log = plot.weight_maps({"k": k * 1e-3, "z": np.zeros((4, 5))}, log=True)
    assert isinstance(log.norm, LogNorm) and log.norm.vmin == pytest.approx(1e-4)
    assert log.panels["k"].bars_ax.get_yscale() == "log"
    signed = plot.weight_maps({"s": np.array([[-2.0, 1.0], [0.5, 0.0]])}, signed=True)
    assert signed.norm.vmin == -signed.norm.vmax == -2.0
    assert signed.panels["s"].image.get_cmap().name == plot.WEIGHT_CMAP
    lo, hi = plot.mean_abs_limits([np.ones((3, 2)), 3 * np.ones((3, 2))])
    assert lo == 0.0 and hi == pytest.approx(3 * 1.08)


def test_magnitude_norm_over_many_kernels():
    norm = plot.magnitude_norm([np.array([[0.5, -3.0]]), np.array([[1.0]])])
    assert (norm.vmin, norm.vmax) == (0.0, 3.0)
    assert plot.magnitude_norm([np.zeros((2, 2))]).vmax == 1.0


def test_weight_histograms_overlay_uses_shared_bins():
    w = {"wide": np.linspace(-1, 1, 101), "narrow": np.zeros((5, 4))}
    h = plot.weight_histograms(w, bins=10, suptitle="Two sets")
    assert len(h.axes) == 1
    assert h.edges["wide"] is h.edges["narrow"]
    assert len(h.edges["wide"]) == 11
    assert h.counts["wide"].sum() == 101 and h.counts["narrow"].sum() == 20
    labels = [t.get_text() for t in h.axes[0].get_legend().get_texts()]
    assert labels == ["wide", "narrow"]
    assert h.figure.get_suptitle() == "Two sets"
    assert h.axes[0].get_ylabel() == "count"


def test_weight_histograms_side_by_side_and_log():
    w = {"layer1": np.arange(12.0), "layer2": 1e-3 * np.arange(6.0)}
    h = plot.weight_histograms(w, overlay=False, bins=5, log=True)
    assert len(h.axes) == 2 and h.axes[0] is not h.axes[1]
    assert h.edges["layer2"][-1] == pytest.approx(5e-3)
    assert [a.get_title() for a in h.axes] == ["layer1", "layer2"]
    assert all(a.get_yscale() == "log" for a in h.axes)
    _, ax = plt.subplots()
    h2 = plot.weight_histograms({"x": np.ones(3)}, ax=ax)
    assert h2.axes == [ax]
    with pytest.raises(ValueError):
        plot.weight_histograms(w, overlay=False, ax=ax)


def test_before_after_histograms_and_feature_pairs():
    rng = np.random.default_rng(1)
    pairs = {"σ = 1": (rng.normal(size=(10, 30)), rng.normal(size=(10, 30)))}
    out = plot.before_after_histograms(pairs, titles={"σ = 1": "σ = 1: 100 %"}, suptitle="S")
    assert list(out.panels) == ["σ = 1"]
    assert out.panels["σ = 1"].axes[0].get_title() == "σ = 1: 100 %"
    assert out.figure.get_suptitle() == "S" and out.figure.legends == [out.legend]
    d = datasets.make_checkdata(300)
    fp = plot.feature_pairs(d.x, d.y, [(3, 6), (0, 1)], n=200)
    assert len(fp.axes) == 2 and len(fp.scatters[0]) == 2
    assert sum(len(s.get_offsets()) for s in fp.scatters[0]) == 200


def test_input_maps_fold_means_into_images():
    k = np.zeros((16, 3))
    k[5] = [0.3, -0.3, 0.0]  # pixel (1, 1): mean |w| 0.2
    k[0] = 1e-6
    maps = plot.input_maps({"a": k, "b": 2 * k}, (4, 4), suptitle="Pixels")
    img = maps.images["a"].get_array()
    assert img.shape == (4, 4) and img[1, 1] == pytest.approx(0.2)
    assert maps.images["b"].norm is maps.norm and maps.norm.vmax == pytest.approx(0.4)
    assert maps.images["a"].get_cmap().name == plot.MAGNITUDE_CMAP
    log = plot.input_maps({"a": k}, (4, 4), log=True)
    assert isinstance(log.norm, LogNorm)
    assert log.images["a"].get_array().min() == pytest.approx(1e-4)  # zeros shown at the floor
    with pytest.raises(ValueError):
        plot.input_maps({"a": k}, (3, 3))


# --- recipes -----------------------------------------------------------------------------------


def test_checkdata_recipes():
    v = models.checkdata_variants()
    assert set(v) == {"none", "l1", "l2", "dropout_0.2", "dropout"}
    assert len({r.to_json() for r in v.values()}) == 5
    hidden = v["l1"].layers[0][1]
    assert hidden["kernel_regularizer"] == {"class_name": "L1", "config": {"l1": 3e-3}}
    assert [c for c, _ in v["dropout"].layers] == ["Dense", "Dropout", "Dense"]
    spreads = models.checkdata_init_spreads((0.001, 1.0))
    cfg = spreads[0.001].layers[0][1]["kernel_initializer"]
    assert cfg == {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.001}}
    with pytest.raises(ValueError):
        models.checkdata_mlp(penalty="l3")
    mp = models.mnist_pressure("l1")
    assert mp.layers[2][1]["kernel_regularizer"]["config"] == {"l1": models.MNIST_PENALTIES["l1"]}
    assert models.mnist_pressure().to_json() != mp.to_json()


def test_checkdata_recipe_builds_with_penalty_and_spread():
    from explainer import training

    recipe = models.checkdata_mlp(penalty="l2", init_stddev=0.001)
    model = training.initial_model(recipe)
    assert model.input_shape == (None, 10) and model.output_shape == (None, 2)
    kernel = probe.layer_weights(model, "hidden").kernel
    assert kernel.shape == (10, 30)
    assert 0.0005 < kernel.std() < 0.002
    assert model.get_layer("hidden").kernel_regularizer is not None
