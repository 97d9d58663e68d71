"""The report never loses a user's file, refuses bad options and ``--out`` before any work,
draws any class name, and stops cleanly on SIGINT / SIGTERM (issue: hostile but ordinary use)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from conftest import report_sections  # noqa: E402

from explainer import datasets, report  # noqa: E402
from explainer.__main__ import main  # noqa: E402
from explainer.plot import text  # noqa: E402
from explainer.report import api as report_api  # noqa: E402
from explainer.report import data as report_data  # noqa: E402

SIDE, CLASSES, N = 8, 3, 30
ROOT = Path(report.__file__).parents[1]


def _conv_model() -> keras.Model:
    keras.utils.set_random_seed(11)
    return keras.Sequential(
        [
            keras.Input((SIDE, SIDE, 1)),
            keras.layers.Rescaling(1 / 255, name="scale"),
            keras.layers.Conv2D(2, 3, activation="relu", name="conv"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(CLASSES, activation="softmax", name="out"),
        ],
        name="tiny",
    )


def _xy(n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, SIDE, SIDE, 1), dtype=np.uint8), rng.integers(0, CLASSES, n)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("safety")
    _conv_model().save(root / "tiny.keras")
    x, y = _xy()
    np.savez(root / "data.npz", x=x, y=y)
    return {"root": root, "model": root / "tiny.keras", "data": root / "data.npz"}


@pytest.fixture(scope="module")
def made(inputs: dict[str, Path]) -> report.Report:
    return report.generate(inputs["model"], inputs["data"], figures=False)


@pytest.fixture(scope="module")
def drawn(inputs: dict[str, Path]) -> report.Report:
    """A report with figures (a few sections: which ones does not matter to saving)."""
    sections = report_sections("model", "accuracy", "conv")
    return report.generate(inputs["model"], inputs["data"], samples=1, sections=sections)


def _cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    try:
        code = main(["report", *map(str, args)])
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the report loads a model or data, or computes."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed before refusing")

    monkeypatch.setattr(report_api, "generate", forbidden)
    monkeypatch.setattr(report_data, "load_data", forbidden)


# --- --out: never lose a user's file ------------------------------------------------------------


def test_foreign_folder_with_a_report_json_is_never_replaced(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    out = tmp_path / "thesis"
    (out / "src").mkdir(parents=True)
    (out / "report.json").write_text('{"title": "another tool"}')
    (out / "thesis.tex").write_text("\\documentclass{article}")
    (out / "src" / "main.py").write_text("print(1)")
    before = _tree(out)
    for extra in ([], ["--force"]):
        code, err = _cli(capsys, inputs["model"], "--data", inputs["data"], "--out", out, *extra)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert _tree(out) == before
    assert "did not write" in err  # with --force: the foreign report.json is in the way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no hidden folder


def test_force_writes_beside_other_files_and_deletes_none(
    made: report.Report, drawn: report.Report, tmp_path: Path
) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "thesis.tex").write_text("keep")
    with pytest.raises(report.ReportError, match="--force"):
        made.save(out)
    drawn.save(out, force=True)
    manifest = json.loads((out / "report.json").read_text())
    assert manifest["generator"] == "explainer report"
    assert set(manifest["files"]) == {p for p in _tree(out) if p not in ("thesis.tex", "figures")}
    assert (out / "thesis.tex").read_text() == "keep"
    # Again with fewer figures: the earlier report's extra figures go, thesis.tex stays.
    made.save(out, force=True)
    assert sorted(_tree(out)) == ["index.html", "report.json", "thesis.tex"]
    assert (out / "thesis.tex").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_earlier_report_is_replaced_unless_it_holds_other_files(
    made: report.Report, drawn: report.Report, tmp_path: Path
) -> None:
    out = tmp_path / "r"
    first = drawn
    first.save(out)
    assert json.loads((out / "report.json").read_text())["files"] == sorted(first.files())
    made.save(out)  # an earlier report and nothing else: replaced whole
    assert sorted(_tree(out)) == ["index.html", "report.json"]
    (out / "mine.txt").write_text("keep")
    with pytest.raises(report.ReportError, match=r"did not write \(mine.txt\)"):
        first.save(out)
    first.save(out, force=True)
    assert (out / "mine.txt").read_text() == "keep" and (out / "figures").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_bad_out_locations_fail_before_any_work(
    inputs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_work: None,
) -> None:
    cwd = tmp_path / "work" / "here"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    images = tmp_path / "images"
    (images / "cat").mkdir(parents=True)
    unwritable = Path("/sys/explainer-report") if os.geteuid() == 0 else tmp_path / "ro" / "r"
    if os.geteuid() != 0:
        unwritable.parent.mkdir()
        unwritable.parent.chmod(0o500)
    cases = {
        ".": (inputs["data"], "current folder"),
        "..": (inputs["data"], "parent of the current folder"),
        str(a_file / "r"): (inputs["data"], "is a file, so no folder"),
        str(a_file): (inputs["data"], "is a file, not a folder"),
        str(unwritable): (inputs["data"], "cannot be written"),
        str(images): (images, "an input of this report"),
        str(images / "report"): (images, "inside the data folder"),
        str(inputs["root"]): (inputs["data"], "an input of this report"),
    }
    for out, (data, expected) in cases.items():
        code, err = _cli(capsys, inputs["model"], "--data", data, "--out", out)
        assert code == 2, (out, err)
        assert len(err.strip().splitlines()) == 1 and expected in err, (out, err)
    assert not (images / "report").exists() and a_file.read_text() == "x"
    assert list(cwd.iterdir()) == []


def test_symlinked_out_is_replaced_at_its_target(
    made: report.Report, inputs: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "real"
    made.save(target)
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    again = report.generate(inputs["model"], inputs["data"], limit=9, figures=False)
    again.save(link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert json.loads((target / "report.json").read_text())["data"]["n"] == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_repr_html_links_no_report_json_but_the_saved_page_does(
    made: report.Report, tmp_path: Path
) -> None:
    assert 'href="report.json"' not in made._repr_html_()
    assert 'href="report.json"' in made.html()
    made.save(tmp_path / "r")
    assert 'href="report.json"' in (tmp_path / "r" / "index.html").read_text()


# --- Options: bounded, and checked before data loads ---------------------------------------------


def test_options_are_bounded_and_checked_before_loading(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    out = tmp_path / "r"
    many = [f"l{i}" for i in range(report_api.MAX_LAYERS + 1)]
    cases = {
        "--samples": (["--samples", "10000"], f"from 0 to {report_api.MAX_SAMPLES}"),
        "negative": (["--samples", "-1"], "--samples"),
        "--limit": (["--limit", "0"], "--limit"),
        "--layers": (["--layers", *many], f"at most {report_api.MAX_LAYERS}"),
    }
    for case, (args, expected) in cases.items():
        code, err = _cli(capsys, inputs["model"], "--data", inputs["data"], "--out", out, *args)
        assert code == 2 and expected in err, (case, err)
        assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_layer_listed_once_before_the_data_loads(
    inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("data loaded before --layers was checked")

    monkeypatch.setattr(report_api, "load_data", forbidden)
    with pytest.raises(report.ReportError) as err:
        report.generate(inputs["model"], inputs["data"], layers=["nope"])
    message = str(err.value)
    assert "no layer 'nope'" in message and message.count("'conv'") == 1


def test_single_linear_unit_is_not_a_ten_class_classifier(tmp_path: Path) -> None:
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((SIDE * SIDE,)), keras.layers.Dense(1, name="value")])
    x = np.random.default_rng(1).random((20, SIDE * SIDE), dtype=np.float32)
    y = np.arange(20) % 10
    with pytest.raises(report.ReportError) as err:
        report.generate(model, x, y)
    message = str(err.value)
    assert "out of range" not in message and "2 outputs" not in message
    assert "regression" in message and "not a classifier" in message
    # Labels 0 and 1 with the same model: a binary classifier read from its logit.
    rep = report.generate(model, x, y % 2, figures=False)
    assert rep.result.model.binary and rep.result.model.outputs == "logits"


# --- Text in figures ---------------------------------------------------------------------------


def test_user_text_is_literal_elided_and_honest() -> None:
    from matplotlib.text import Text

    for name in ["price_$x^{2}$", "$\\nosuchcmd{$ 5", "a\\$b", "$"]:
        drawn, is_math = Text(text=text.literal(name))._preprocess_math(text.literal(name))
        assert (drawn, is_math) == (name, False)
    assert text.elide("x" * 28) == "x" * 19 + "…" and len(text.elide("x" * 28)) == 20
    assert text.elide("short") == "short" and text.elide("two\nlines") == "two lines"
    assert text.percent(0.996) == "99.6%" and text.percent(0.9996) == "99.96%"
    assert text.percent(1.0) == "100%" and text.percent(0.5) == "50%"
    assert text.percent(0.004) == "0.4%" and text.percent(0.0) == "0%"
    assert text.percent(1 - 1e-12) == "99.999999%"
    assert report.render.pct(0.99996) == "99.996 %" and report.render.pct(1.0) == "100.00 %"


@pytest.mark.filterwarnings("ignore:Glyph .* missing")  # the tofu drawn on purpose below
def test_cjk_names_use_a_fallback_font_and_missing_glyphs_are_named() -> None:
    if not any("CJK" in f or "Gothic" in f for f in text._fallbacks()):
        pytest.skip("no CJK-capable font installed (e.g. fonts-ipafont-gothic)")
    assert text.font_families()[0] == "sans-serif"  # Latin text keeps its font
    assert text.missing_glyphs("猫 ねこ price") == ""
    assert text.missing_glyphs("cat \U00013000") == "\U00013000"  # an Egyptian hieroglyph

    import matplotlib.pyplot as plt

    def pixels(fallback: bool) -> np.ndarray:
        import contextlib

        with text.user_text_fonts() if fallback else contextlib.nullcontext():
            fig = plt.figure(figsize=(1, 0.5), dpi=50)
            fig.text(0.1, 0.2, "猫", fontsize=20)
            fig.canvas.draw()
            out = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
        plt.close(fig)
        return out

    tofu, cat = pixels(False), pixels(True)
    assert (tofu < 128).sum() != (cat < 128).sum()  # a glyph, not the empty box


def test_hostile_and_cjk_class_names_draw_every_figure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from explainer import plot

    names = ["猫 (ねこ)", "price_$x^{2}$", "$\\nosuchcmd{$ 5 " + "long" * 6]
    seen: list[list[str]] = []
    real = plot.mistakes_grid

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(list(kwargs["class_names"]))  # type: ignore[arg-type]
        return real(*args, **kwargs)

    monkeypatch.setattr(plot, "mistakes_grid", spy)
    x, y = _xy(60, seed=4)
    rep = report.generate(_conv_model(), x, y, class_names=names, samples=1)
    out = rep.to_json()
    assert not [n for n in out["notes"] if "Could not draw" in n], out["notes"]
    sections = [f["section"] for f in out["figures"]]
    assert sections.count("accuracy") == 1 and sections.count("mistakes") == 1
    assert sections.count("conv") == 2  # filters and one sample's maps
    assert seen and max(len(n.replace("\\$", "$")) for n in seen[0]) == text.ELIDE_AT
    assert seen[0][2].endswith("…")
    page = rep.html()
    assert "long" * 6 in page and "猫 (ねこ)" in page  # the page keeps the full names


def test_templates_section_only_when_there_are_templates(made: report.Report) -> None:
    page = made.html()
    assert "Weights as templates" not in page  # a CNN: no empty section
    titles = [s.title for s in report.SECTIONS if s.shows(made.to_json())]
    assert f"{len(titles)}. Weight histograms" in page
    keras.utils.set_random_seed(2)
    dense = keras.Sequential([keras.Input((SIDE * SIDE,)), keras.layers.Dense(CLASSES)])
    x, y = _xy()
    sections = report_sections("model", "templates")
    assert (
        "Weights as templates"
        in report.generate(dense, x.reshape(N, -1), y, sections=sections).html()
    )


def test_a_large_image_among_small_ones_gets_a_resize_note(tmp_path: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(2)
    for c in range(CLASSES):
        (tmp_path / f"c{c}").mkdir()
        for i in range(60):
            pixels = rng.integers(0, 256, (SIDE, SIDE), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / f"c{c}" / f"{i:03d}.png")
    Image.new("L", (4000, 3000)).save(tmp_path / "c1" / "017b.png")  # not among 50 sampled
    rep = report.generate(_conv_model(), tmp_path, figures=False)
    notes = [n for n in rep.result.notes if "resized" in n]
    assert len(notes) == 1 and "1 of the 181 images" in notes[0] and "3000 × 4000" in notes[0]


def test_builtin_data_reads_only_its_split(monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.environ.get(datasets.DATA_DIR_ENV):
        pytest.skip("needs the offline CIFAR-10 copy")
    read: list[str] = []
    real = datasets._read_member
    monkeypatch.setattr(datasets, "_read_member", lambda p, k: read.append(k) or real(p, k))
    datasets._checked_member.cache_clear()
    data = report.load_data("cifar10", limit=3)
    assert sorted(read) == ["x_test", "y_test"] and data.x.shape == (3, 32, 32, 3)
    # Still checked: a wrong checksum is refused.
    datasets._checked_member.cache_clear()
    bad = dict(datasets._EXPECTED["cifar10"])
    bad["y_test"] = (bad["y_test"][0], "0" * 64)
    monkeypatch.setitem(datasets._EXPECTED, "cifar10", bad)
    with pytest.raises(report.ReportError, match="y_test fails its checksum"):
        report.load_data("cifar10")
    datasets._checked_member.cache_clear()


# --- Signals: one line, the conventional status, nothing left behind -----------------------------

DRIVER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from explainer.report import api, output
    flag, stage = Path(sys.argv[1]), sys.argv[2]
    # The signal's moment matters here, not the page: two sections keep the run short.
    api.SECTIONS = tuple(s for s in api.SECTIONS if s.key in ("model", "accuracy"))

    def pause(real):
        def wrapped(*args, **kwargs):
            flag.write_text("ready")
            time.sleep(float(sys.argv[3]))
            return real(*args, **kwargs)
        return wrapped

    if stage == "compute":
        api.stream = pause(api.stream)
    elif stage == "save":  # the files are written to the temporary folder, not yet swapped
        real_chmod = Path.chmod
        def chmod(self, mode, **kw):
            if mode == 0o755 and self.name.startswith("."):
                flag.write_text("ready")
                time.sleep(float(sys.argv[3]))
            return real_chmod(self, mode, **kw)
        Path.chmod = chmod
    elif stage == "swap":  # signals are held here: the swap completes first
        output._swap = pause(output._swap)
    from explainer.__main__ import main
    sys.exit(main(["report", *sys.argv[4:]]))
    """
)


@pytest.mark.parametrize(
    ("stage", "sig", "status"),
    [
        ("compute", signal.SIGINT, 130),
        ("save", signal.SIGTERM, 143),
        ("swap", signal.SIGTERM, 143),
    ],
)
def test_signals_stop_with_one_line_and_leave_nothing(
    inputs: dict[str, Path], tmp_path: Path, stage: str, sig: int, status: int
) -> None:
    out = tmp_path / "r"
    earlier = None
    if stage != "compute":
        report.generate(inputs["model"], inputs["data"], limit=9, figures=False).save(out)
        earlier = _tree(out)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    flag = tmp_path / "flag"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [inputs["model"], "--data", inputs["data"], "--out", out, "--samples", "1"]
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(flag), stage, "3" if stage == "swap" else "60"]
        + [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert flag.exists(), proc.communicate(timeout=30)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    left = sorted(p.name for p in tmp_path.iterdir())
    assert not [name for name in left if name.startswith(".")], left  # no .r.tmp-*, .r.old-*
    if stage == "compute":
        assert "r" not in left and "was not changed" in lines[0]
    elif stage == "save":
        assert _tree(out) == earlier and "was not changed" in lines[0]  # the earlier report
    else:
        assert "is complete" in lines[0]  # the swap finished before the signal was handled
        assert json.loads((out / "report.json").read_text())["data"]["n"] == N
