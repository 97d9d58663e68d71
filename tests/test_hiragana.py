"""The hiragana glyph file, its loader and the chapter's recipes (no font needed)."""

from __future__ import annotations

import functools
import json
import shutil

import numpy as np
import pytest
import render_hiragana  # tools/render_hiragana.py (on the path by conftest.py)

from explainer import datasets, models


def _small(**kwargs):
    """An uncached draw: one copy per glyph, so each test sees freshly computed arrays."""
    args = {"augment": "strong", "copies": 1, "test_copies": 1, "size": 28, "seed": 0}
    args.update(kwargs)
    return datasets._hiragana.__wrapped__(*args.values())


@functools.cache
def _default():
    """``_small()`` drawn once for the tests that only read it (a draw takes about a second)."""
    return _small()


def test_glyph_file_matches_its_checksum_and_metadata():
    glyphs, faces, characters, romaji = datasets.hiragana_glyphs()
    assert glyphs.dtype == np.uint8
    assert glyphs.shape == (len(faces), 46, 64, 64)
    assert len(faces) >= 20
    assert "".join(characters) == render_hiragana.HIRAGANA
    assert characters[0] == "あ" and characters[-1] == "ん" and "を" in characters
    assert romaji[characters.index("ぬ")] == "nu" and romaji[characters.index("め")] == "me"
    _, meta_path = datasets._glyph_files()
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["glyphs_sha256"] == datasets.HIRAGANA_GLYPHS_SHA256
    assert all(f["licence"] and f["package"].startswith("fonts-") for f in meta["faces"])
    # every glyph has ink, fitted into the 64-pixel box with a blank border
    assert glyphs.reshape(-1, 64 * 64).max(axis=1).min() > 200
    assert glyphs[..., :4, :].max() == 0 and glyphs[..., -4:, :].max() == 0


def test_altered_glyph_file_is_refused(tmp_path, monkeypatch):
    npz, meta = datasets._glyph_files()
    glyphs = np.load(npz)["glyphs"].copy()
    glyphs[0, 0, 30, 30] ^= 1
    bad = tmp_path / npz.name
    np.savez_compressed(bad, glyphs=glyphs)
    shutil.copy(meta, tmp_path / meta.name)
    monkeypatch.setattr(datasets, "_glyph_files", lambda: (bad, tmp_path / meta.name))
    datasets.hiragana_glyphs.cache_clear()
    try:
        with pytest.raises(datasets.DataError, match=r"checksum.*render_hiragana"):
            datasets.hiragana_glyphs()
    finally:
        monkeypatch.undo()
        datasets.hiragana_glyphs.cache_clear()


def test_npz_writer_is_byte_for_byte_deterministic(tmp_path):
    arrays = {"glyphs": np.arange(64 * 64, dtype=np.uint8).reshape(1, 64, 64)}
    first = render_hiragana._npz_bytes(arrays)
    assert first == render_hiragana._npz_bytes(arrays)
    (tmp_path / "g.npz").write_bytes(first)
    with np.load(tmp_path / "g.npz") as data:
        np.testing.assert_array_equal(data["glyphs"], arrays["glyphs"])


def test_split_is_by_font_family_with_handwriting_in_the_test_set():
    data = _default()
    train, test = data.train_faces, data.test_faces
    assert not {f.family for f in train} & {f.family for f in test}
    assert {f.family for f in test} == set(datasets.HIRAGANA_TEST_FAMILIES)
    assert sum(f.kind == "handwriting" for f in test) >= 3
    assert any(f.kind == "handwriting" for f in train)
    assert len(train) == 23  # the training schedules count these images
    assert models._HIRAGANA_TRAIN == len(train) * 46 * 20


def test_shapes_ranges_and_balance():
    data = _default()
    n_train, n_test = len(data.train_faces) * 46, len(data.test_faces) * 46
    assert data.x_train.shape == (n_train, 28, 28, 1) and data.x_train.dtype == np.uint8
    assert data.x_test.shape == (n_test, 28, 28, 1)
    assert np.bincount(data.y_train).tolist() == [len(data.train_faces)] * 46
    assert np.bincount(data.y_test).tolist() == [len(data.test_faces)] * 46
    assert data.font_train.shape == data.y_train.shape
    assert data.x_train.max() == 255 and data.n_classes == 46
    assert not data.x_train.flags.writeable


def test_same_seed_same_bytes_other_seed_other_images():
    a, b = _small(seed=3), _small(seed=3)
    assert a.fingerprint == b.fingerprint
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    c = _small(seed=4)
    assert not np.array_equal(a.x_train, c.x_train)


def test_test_set_does_not_depend_on_training_augmentation():
    light, strong = _small(augment="light"), _default()  # augment="strong"
    np.testing.assert_array_equal(light.x_test, strong.x_test)
    assert not np.array_equal(light.x_train, strong.x_train)


def test_augmentation_changes_images_measurably():
    def spread(augment):
        data = _small(augment=augment, copies=4)
        x = data.x_train[..., 0].astype(float)
        # the copies of one glyph of one face: how far they are from their mean, per pixel
        key = data.font_train * 46 + data.y_train
        order = np.argsort(key, kind="stable")
        groups = x[order].reshape(-1, 4, 28, 28)
        return np.abs(groups - groups.mean(axis=1, keepdims=True)).mean()

    none, light, strong = spread("none"), spread("light"), spread("strong")
    assert none == 0.0  # no distortion: the four copies are the same image
    assert light > 3.0
    assert strong > 1.5 * light


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="augment must be one of"):
        datasets.load_hiragana(augment="heavy")
    with pytest.raises(ValueError, match="copies >= 1"):
        datasets.load_hiragana(copies=0)
    with pytest.raises(ValueError, match="step must be one of"):
        models.hiragana_cnn("cnn3")


def test_recipes_and_floors():
    final = models.hiragana_cnn()
    assert final.name == "hiragana_cnn2_augmented" and final.floor is not None
    assert [c["name"] for _, c in final.layers][-2:] == ["dropout", "output"]
    assert models.hiragana_cnn("hiragana_cnn1", epochs=1).floor is None
    for step in models.HIRAGANA_STEPS:
        assert models.accuracy_floor(step) is not None
    assert models.accuracy_floor("hiragana_softmax") is not None
    assert models.hiragana_cnn("hiragana_cnn2").to_json() != final.to_json()
    # the augmented step is the dropout network: only the name (and its data) differ
    assert models.hiragana_cnn("hiragana_cnn2_dropout").layers == final.layers


def test_accuracy_steps_draws_one_bar_per_step_and_subset():
    from explainer import plot

    drawn = plot.accuracy_steps(
        ["softmax", "cnn", "final"],
        {"all": [0.5, 0.8, 0.9], "hand": [0.4, 0.7, 0.85]},
        reference=[0.3, None, 0.95],
        suptitle="steps",
    )
    bars = drawn.bars
    assert list(bars) == ["all", "hand"] and all(len(b) == 3 for b in bars.values())
    assert [r.get_width() for r in bars["hand"]] == pytest.approx([0.4, 0.7, 0.85])
    ax = drawn.ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["softmax", "cnn", "final"]
    assert "90.0%" in {t.get_text() for t in ax.texts}
    assert drawn.reference is not None
    assert drawn.reference.get_offsets().tolist() == [[0.3, 0], [0.95, 2]]
    assert drawn.figure.get_suptitle() == "steps"
    with pytest.raises(ValueError, match="has 2 values for 3 steps"):
        plot.accuracy_steps(["a", "b", "c"], {"all": [0.1, 0.2]})
