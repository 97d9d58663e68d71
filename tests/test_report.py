"""``explainer report``: end to end on tiny models made here, bad input, escaping, memory maps."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from conftest import report_sections, tiny_cnn  # noqa: E402

from explainer import report  # noqa: E402
from explainer.__main__ import main  # noqa: E402
from explainer.report import api as report_api  # noqa: E402
from explainer.report import data as report_data  # noqa: E402
from explainer.report import figures as report_figures  # noqa: E402

XSS = "<script>alert(1)</script>"


def without_live(page: str) -> str:
    """The page without its live section, whose widget is the only script allowed."""
    return re.sub(r'<section id="live">.*?</section>', "", page, flags=re.DOTALL)


N, SIDE, CLASSES = 48, 12, 3


def _images(rng: np.random.Generator, channels: int = 1, side: int = SIDE) -> np.ndarray:
    return rng.integers(0, 256, (N, side, side, channels), dtype=np.uint8)


def _conv_model() -> keras.Model:
    return tiny_cnn((SIDE, SIDE, 1), classes=CLASSES, seed=1)


def _dense_model() -> keras.Model:
    """Flat input, no softmax: the report must treat the outputs as logits."""
    keras.utils.set_random_seed(2)
    return keras.Sequential(
        [keras.Input((SIDE * SIDE,)), keras.layers.Dense(CLASSES, name="templates")],
        name="tiny_dense",
    )


def _rgb_model() -> keras.Model:
    convs = (("rgb_conv", 3), ("conv2", 5))
    return tiny_cnn(
        (10, 10, 3),
        convs=convs,
        pool_after=None,
        global_pool=True,
        classes=CLASSES,
        seed=3,
        name="tiny_rgb",
    )


def _two_branch_model() -> keras.Model:
    keras.utils.set_random_seed(4)
    inputs = keras.Input((SIDE, SIDE, 1), name="image")
    scaled = keras.layers.Rescaling(1 / 255, name="scale")(inputs)
    a = keras.layers.Conv2D(3, 3, activation="relu", name="branch_conv")(scaled)
    a = keras.layers.GlobalMaxPooling2D(name="gmax")(a)
    b = keras.layers.Flatten(name="flat")(scaled)
    b = keras.layers.Dense(4, activation="relu", name="dense_branch")(b)
    merged = keras.layers.Concatenate(name="merge")([a, b])
    out = keras.layers.Dense(CLASSES, activation="softmax", name="output")(merged)
    return keras.Model(inputs, out, name="two_branch")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Saved tiny models and data sets, shared by the tests of this module."""
    root = tmp_path_factory.mktemp("report")
    rng = np.random.default_rng(0)
    paths: dict[str, Path] = {}
    x = _images(rng)
    y = rng.integers(0, CLASSES, N)
    names = np.array(["zero", XSS, "two"])
    np.savez(root / "grey.npz", x=x, y=y, class_names=names)
    np.savez_compressed(root / "grey_flat.npz", x=x.reshape(N, -1).astype(np.float32), y=y)
    np.savez(root / "rgb.npz", x=_images(rng, 3, 10), y=y)
    for name, make in [
        ("conv", _conv_model),
        ("dense", _dense_model),
        ("rgb", _rgb_model),
        ("two", _two_branch_model),
    ]:
        paths[name] = root / f"{name}.keras"
        make().save(paths[name])
    paths.update(
        root=root,
        grey=root / "grey.npz",
        grey_flat=root / "grey_flat.npz",
        rgb_data=root / "rgb.npz",
    )
    return paths


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    try:
        code = main(["report", *map(str, args)])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _evaluate(model_path: Path, data_path: Path, shape: tuple[int, ...]) -> float:
    model = keras.saving.load_model(model_path)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with np.load(data_path) as npz:
        x = npz["x"].astype(np.float32).reshape((-1, *shape))
        y = npz["y"]
    return float(model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"])


# --- End to end ---------------------------------------------------------------------------------

# model, data, the model's input shape, extra CLI options
RUNS: dict[str, tuple[str, str, tuple[int, ...], tuple[str, ...]]] = {
    "conv": ("conv", "grey", (SIDE, SIDE, 1), ()),
    "dense": ("dense", "grey_flat", (SIDE * SIDE,), ("--samples", "0")),
    "rgb": ("rgb", "rgb_data", (10, 10, 3), ("--layers", "conv2")),
    "two": ("two", "grey", (SIDE, SIDE, 1), ("--samples", "3")),
}


@pytest.fixture(scope="module")
def reports(files: dict[str, Path]) -> dict[str, tuple[int, str, str, Path]]:
    """The CLI run once per tiny model: exit status, stdout, stderr and the report folder."""
    done = {}
    for name, (model, data, _, options) in RUNS.items():
        out = files["root"] / f"report_{name}"
        args = [files[model], "--data", files[data], "--out", out, *options]
        with pytest.MonkeyPatch.context() as mp:
            err, std = io.StringIO(), io.StringIO()
            mp.setattr(sys, "stderr", err)
            mp.setattr(sys, "stdout", std)
            code = main(["report", *map(str, args)])
        done[name] = (code, std.getvalue(), err.getvalue(), out)
    return done


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RUNS))
def test_report_end_to_end(
    files: dict[str, Path], reports: dict[str, tuple[int, str, str, Path]], name: str
) -> None:
    model, data, shape, _ = RUNS[name]
    code, stdout, stderr, out = reports[name]
    assert code == 0, stderr
    assert stderr == ""  # no progress bar when stderr is not a terminal
    assert str(out / "index.html") in stdout
    result = json.loads((out / "report.json").read_text())
    page = (out / "index.html").read_text()
    # Opened from disk or served: no request leaves the page, not even for a favicon.
    assert '<link rel="icon" href="data:,">' in page
    assert "http://" not in page and "https://" not in page

    # The report's accuracy is Keras' own.
    assert result["accuracy"] == pytest.approx(
        _evaluate(files[model], files[data], shape), abs=1e-6
    )
    assert result["data"]["n"] == N
    assert sum(r["n"] for r in result["per_class"]) == N
    assert np.asarray(result["confusion"]).sum() == N
    assert np.trace(np.asarray(result["confusion"])) == result["n_correct"]
    for row in result["per_class"]:
        if row["n"]:
            assert row["accuracy"] == pytest.approx(row["correct"] / row["n"])
    assert len(result["mistakes"]) == min(result["n_mistakes"], 40)
    conf = [m["confidence"] for m in result["mistakes"]]
    assert conf == sorted(conf, reverse=True)

    # Model card.
    loaded = keras.saving.load_model(files[model])
    assert [r["name"] for r in result["model"]["layers"]] == [layer.name for layer in loaded.layers]
    assert result["model"]["total_params"] == loaded.count_params()
    assert result["model"]["n_classes"] == CLASSES

    # Static, self-contained page: no external requests, every figure file present.
    assert "://" not in page
    assert "<script" not in without_live(page).lower()
    shown = re.findall(r'<img src="([^"]+)"', page)
    assert shown == [record["file"] for record in result["figures"]]
    for record in result["figures"]:
        assert (out / record["file"]).stat().st_size > 1000
        assert record["alt"]
    # No temporary folder left next to the report.
    assert not list(out.parent.glob(f".{out.name}.tmp-*"))


def _figure_sections(result: dict) -> list[str]:
    return [record["section"] for record in result["figures"]]


def test_report_sections(reports: dict[str, tuple[int, str, str, Path]]) -> None:
    """Which model gets which figures."""
    conv, dense, rgb, two = (
        json.loads((reports[name][3] / "report.json").read_text()) for name in RUNS
    )
    assert conv["notes"] == []  # every figure drawn
    assert [c["layer"] for c in conv["conv_layers"]] == ["conv"]
    assert conv["conv_layers"][0]["filters"] == "figures/conv00_conv_filters.png"
    assert [m["sample"] for m in conv["conv_layers"][0]["maps"]] == [
        s["index"] for s in conv["samples"]
    ]
    assert conv["templates"] is None
    assert [s["correct"] for s in conv["samples"]] == [True, False]  # one right, one wrong
    assert conv["model"]["outputs"] == "probabilities"
    assert _figure_sections(conv) == [
        *["accuracy", "mistakes", "conv", "conv", "conv"],
        *["where", "where", "units", "weights"],
    ]

    assert dense["conv_layers"] == [] and dense["samples"] == []
    assert dense["model"]["outputs"] == "logits"
    assert dense["data"]["image_shape"] == [SIDE, SIDE, 1]  # flat data drawn as square images
    assert [note for note in dense["notes"] if "logits" not in note] == []
    assert dense["templates"]["layer"] == "templates"  # first Dense layer reads the image
    assert _figure_sections(dense) == ["accuracy", "mistakes", "templates", "weights"]

    assert [c["layer"] for c in rgb["conv_layers"]] == ["conv2"]  # chosen with --layers
    assert rgb["conv_layers"][0]["kernel_shape"] == [3, 3, 3, 5]
    assert rgb["data"]["image_shape"] == [10, 10, 3]
    assert rgb["notes"] == []

    layers = {row["name"]: row for row in two["model"]["layers"]}
    assert layers["merge"]["inputs"] == ["gmax", "dense_branch"]  # both branches in the card
    assert [c["layer"] for c in two["conv_layers"]] == ["branch_conv"]
    assert len(two["samples"]) == 3 and len(two["conv_layers"][0]["maps"]) == 3
    assert two["notes"] == []


def test_strings_from_model_and_data_are_escaped(
    reports: dict[str, tuple[int, str, str, Path]],
) -> None:
    # A class name from the data, end to end.
    code, _, stderr, out = reports["two"]
    assert code == 0, stderr
    page = (out / "index.html").read_text()
    assert XSS not in page and "<script" not in without_live(page).lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    # Layer and model names. Keras 3 on TensorFlow cannot *run* a layer named like this (names
    # must be valid TF scope names, and "/" is refused outright), so the page is rendered again
    # from the real report.json with every name from the model replaced by the attack string.
    result = json.loads((out / "report.json").read_text())
    result["model"]["name"] = XSS
    for row in result["model"]["layers"]:
        row["name"], row["type"], row["inputs"] = XSS, XSS, [XSS] * len(row["inputs"])
    for entry in result["conv_layers"]:
        entry["layer"] = XSS
    for weights in result["weights"]:
        weights["layer"] = XSS
    result["notes"].append(XSS)
    page = report.render_html(result)
    assert XSS not in page and "<script" not in page.lower()
    n_layers = len(result["model"]["layers"])
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") > 2 * n_layers
    # Figure files are numbered, never named with a layer's raw characters.
    assert report_figures.slug(XSS, 3) == "03_script_alert_1_script"


# --- Bad input ----------------------------------------------------------------------------------


def _nan_model(path: Path) -> Path:
    model = _conv_model()
    kernel = model.get_layer("conv").kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype=np.float32))
    model.save(path)
    return path


def _lambda_model(path: Path) -> Path:
    model = keras.Sequential(
        [
            keras.Input((SIDE, SIDE, 1)),
            keras.layers.Lambda(lambda t: t / 255.0),
            keras.layers.Flatten(),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    model.save(path)
    return path


def _not_classifier(path: Path) -> Path:
    model = keras.Sequential([keras.Input((SIDE, SIDE, 1)), keras.layers.Conv2D(2, 3)])
    model.save(path)
    return path


def _bad_cases(files: dict[str, Path]) -> dict[str, tuple[list[str | Path], str]]:
    root = files["root"]
    rng = np.random.default_rng(5)
    x = _images(rng)
    y = rng.integers(0, CLASSES, N)
    garbage = root / "garbage.keras"
    garbage.write_bytes(b"this is not a zip file")
    np.savez(root / "labels_high.npz", x=x, y=np.where(y == 0, 7, y))
    np.savez(root / "four_names.npz", x=x, y=y, class_names=np.array(list("abcd")))
    np.savez(root / "empty.npz", x=x[:0], y=y[:0])
    np.savez(root / "short_y.npz", x=x, y=y[:-1])
    np.savez(root / "no_y.npz", x=x)
    np.savez(root / "float_y.npz", x=x, y=y + 0.5)
    grey = files["grey"]
    conv = files["conv"]
    return {
        "missing model": ([root / "nope.keras", "--data", grey], "not found"),
        "unreadable model": ([garbage, "--data", grey], "cannot load model"),
        "not a model file": ([grey, "--data", grey], "MODEL must be"),
        "not a classifier": ([_not_classifier(root / "nc.keras"), "--data", grey], "classifier"),
        "input shape": ([conv, "--data", files["rgb_data"]], "expects inputs of shape"),
        "labels out of range": ([conv, "--data", root / "labels_high.npz"], "out of range"),
        "labels vs outputs": ([conv, "--data", root / "four_names.npz"], "4 class names"),
        "empty data": ([conv, "--data", root / "empty.npz"], "no images"),
        "NaN weights": ([_nan_model(root / "nan.keras"), "--data", grey], "NaN"),
        "unsafe model": ([_lambda_model(root / "lambda.keras"), "--data", grey], "--unsafe"),
        "missing data": ([conv, "--data", root / "nope.npz"], "not found"),
        "data without y": ([conv, "--data", root / "no_y.npz"], "lacks"),
        "x and y lengths": ([conv, "--data", root / "short_y.npz"], "labels"),
        "float labels": ([conv, "--data", root / "float_y.npz"], "non-integer"),
        "unknown layer": ([conv, "--data", grey, "--layers", "nope"], "no layer"),
        "dense layer": ([conv, "--data", grey, "--layers", "output"], "feature maps"),
        "bad limit": ([conv, "--data", grey, "--limit", "0"], "--limit"),
        "missing --data": ([conv], "--data"),
    }


def test_bad_input_exits_2_with_one_line_and_no_folder(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for case, (args, expected) in _bad_cases(files).items():
        out = tmp_path / "report"
        code, _, stderr = _run(capsys, *args, "--out", out)
        assert code == report.EXIT_BAD_INPUT, case
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, (case, stderr)
        assert expected in lines[0], (case, lines[0])
        assert not out.exists(), case
        assert list(tmp_path.iterdir()) == [], case  # no temporary folder either


def test_unsafe_flag_loads_code_carrying_model(
    files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = _lambda_model(tmp_path / "lambda.keras")
    code, _, stderr = _run(capsys, model, "--data", files["grey"], "--out", tmp_path / "r")
    assert code == 2 and "arbitrary" not in stderr and "runs that code" in stderr
    # Loading is the point here, not the figures: a page of two sections.
    monkeypatch.setattr(report_api, "SECTIONS", report_sections("model", "accuracy"))
    code, _, stderr = _run(
        capsys,
        model,
        "--data",
        files["grey"],
        "--out",
        tmp_path / "r",
        "--unsafe",
        "--quiet",
        "--limit",
        "10",
    )
    assert code == 0, stderr
    assert (tmp_path / "r" / "report.json").is_file()


def test_out_folder_is_replaced_only_when_it_is_a_report(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    code, _, stderr = _run(capsys, files["conv"], "--data", files["grey"], "--out", out)
    assert code == 2 and "not a report of this tool" in stderr
    assert (out / "precious.txt").read_text() == "keep me"
    (out / "precious.txt").unlink()
    report.generate(files["conv"], files["grey"], figures=False).save(out)  # an empty folder
    assert json.loads((out / "report.json").read_text())["data"]["n"] == N
    report.generate(files["conv"], files["grey"], limit=10, figures=False).save(out)  # replaced
    assert json.loads((out / "report.json").read_text())["data"]["n"] == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "report.json"]  # no figures


def test_cli_stderr_is_one_line_in_a_fresh_process(tmp_path: Path) -> None:
    """As a user runs it: `python -m explainer report`, no TensorFlow noise on stderr."""
    env = {**os.environ, "PYTHONPATH": str(Path(report.__file__).parents[1])}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    cmd = [sys.executable, "-m", "explainer", "report", str(tmp_path / "none.keras")]
    proc = subprocess.run(
        [*cmd, "--data", "cifar10", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"explainer report: error: model {tmp_path / 'none.keras'} not found "
        "(expected a .keras file)"
    ]
    assert not (tmp_path / "o").exists()
    help_text = subprocess.run(
        [sys.executable, "-m", "explainer", "report", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout
    for option in ("--data", "--out", "--layers", "--limit", "--samples", "--quiet", "--unsafe"):
        assert option in help_text


# --- Data -------------------------------------------------------------------------------------


def test_npz_and_npy_are_memory_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, (30, 8, 8, 1), dtype=np.uint8)
    y = rng.integers(0, 4, (30, 1))
    np.savez(tmp_path / "plain.npz", x=x, y=y)
    data = report.load_data(tmp_path / "plain.npz")
    assert isinstance(data.x, np.memmap)  # uncompressed .npz: mapped in place, not read
    assert data.memory_mapped
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y.ravel())

    np.savez_compressed(tmp_path / "packed.npz", x=x, y=y)
    small = report.load_data(tmp_path / "packed.npz")
    assert not isinstance(small.x, np.memmap)  # compressed and small: read
    np.testing.assert_array_equal(small.x, x)
    monkeypatch.setattr(report_data, "_COMPRESSED_IN_MEMORY", 0)
    big = report.load_data(tmp_path / "packed.npz")
    assert isinstance(big.x, np.memmap)  # compressed and big: unpacked to a file and mapped
    np.testing.assert_array_equal(big.x, x)

    folder = tmp_path / "folder"
    folder.mkdir()
    np.save(folder / "x.npy", x.reshape(30, -1))
    np.save(folder / "y.npy", y.ravel())
    (folder / "class_names.txt").write_text("a\nb\nc\nd\n")
    flat = report.load_data(folder, limit=12)
    assert isinstance(flat.x, np.memmap) and flat.n == 12
    assert flat.class_names == ("a", "b", "c", "d")

    # Releasing the pages of a mapped chunk keeps its values readable.
    chunk = data.x[:10]
    report_data.release(chunk)
    np.testing.assert_array_equal(chunk, x[:10])


def test_builtin_data_names(monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.environ.get("EXPLAINER_DATA_DIR"):
        pytest.skip("needs the offline MNIST copy")
    data = report.load_data("mnist", limit=5)
    assert data.n == 5 and data.class_names == tuple("0123456789")
    assert data.x.shape == (5, 28, 28, 1)


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    bar = report.Progress(enabled=True, stream=stream)
    with bar.task("predicting", 1000) as update:
        update(500)
    text = stream.getvalue()
    assert text.startswith("\rpredicting") and "100%" in text and text.endswith("\n")
    assert "1,000/1,000" in text

    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    assert not report.Progress.for_stderr(quiet=False).enabled
    assert not report.Progress.for_stderr(quiet=True).enabled


def test_savedmodel_needs_unsafe(files: dict[str, Path], tmp_path: Path) -> None:
    """A SavedModel folder is a TensorFlow graph safe mode cannot check: only with unsafe."""
    keras.saving.load_model(files["conv"]).export(tmp_path / "saved", verbose=False)
    with pytest.raises(report.ReportError, match="--unsafe"):
        report.generate(tmp_path / "saved", files["grey"]).save(tmp_path / "r")
    assert not (tmp_path / "r").exists()
    result = report.generate(tmp_path / "saved", files["grey"], unsafe=True, figures=False)
    result.save(tmp_path / "r")
    expected = report.generate(files["conv"], files["grey"], figures=False).to_json()
    result = result.to_json()
    assert result["accuracy"] == expected["accuracy"]
    assert result["confusion"] == expected["confusion"]
