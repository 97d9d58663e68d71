"""The chapters' conventions: the real gallery passes, and each check catches a bad example."""

from __future__ import annotations

import logging
import shutil
import subprocess
import warnings
from pathlib import Path

import example_reset
import pytest

from explainer import conventions, metrics

ROOT = Path(__file__).resolve().parent.parent

GOOD = '''"""
Four filters or sixteen
=======================

What changes when the network has fewer filters.
"""

# %%
# The network
# -----------
# A ``5 × 5`` convolution with ``dropout=0.5``, as in section 2.1 of the article (2017).

import numpy as np

from explainer import metrics

rng = np.random.default_rng(0)
metrics.record("mnist_cnn_filters4.test_accuracy", 0.97)
'''


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _messages(problems: list[conventions.Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def test_the_books_gallery_follows_every_convention() -> None:
    problems = conventions.check_gallery(ROOT / "gallery", ROOT / "docs" / "index.md")
    assert problems == [], _messages(problems)
    assert len(conventions.example_paths(ROOT / "gallery")) >= 7


def test_a_good_example_passes(tmp_path: Path) -> None:
    path = _write(tmp_path, "images/plot_09_four.py", GOOD)
    assert conventions.check_example(path) == []
    assert conventions.chapter_title(GOOD) == "Four filters or sixteen"


@pytest.mark.parametrize(
    "docstring",
    [
        '"""Four filters or sixteen."""',  # no underline
        '"""\nFour filters or sixteen\n=====\n"""',  # underline too short
        "# no docstring at all",
    ],
)
def test_untitled_docstring_is_caught(tmp_path: Path, docstring: str) -> None:
    path = _write(tmp_path, "plot_bad.py", GOOD.replace(GOOD.split("\n\n# %%")[0], docstring))
    problems = conventions.check_docstring(path, path.read_text())
    assert len(problems) == 1 and "underlined" in problems[0].message


def test_names_must_start_with_plot_and_be_unique(tmp_path: Path) -> None:
    _write(tmp_path, "images/four_filters.py", GOOD)
    _write(tmp_path, "images/plot_01_intro.py", GOOD)
    _write(tmp_path, "dense/plot_01_intro.py", GOOD)
    problems = conventions.check_names(tmp_path)
    text = _messages(problems)
    assert len(problems) == 2
    assert "four_filters.py:1: a gallery script must be named plot_NN_<name>.py" in text
    assert "rename it to plot_four_filters.py" in text
    assert "same file name" in text


@pytest.mark.parametrize(
    "line",
    ["import matplotlib.pyplot as plt", "from matplotlib import colors", "import matplotlib"],
)
def test_matplotlib_in_a_chapter_is_caught(tmp_path: Path, line: str) -> None:
    path = _write(tmp_path, "plot_bad.py", GOOD + line + "\n")
    problems = conventions.check_example(path)
    assert [p.line for p in problems] == [GOOD.count("\n") + 1]
    assert "draw with a function of explainer.plot" in problems[0].message


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed by nox -s lint")
def test_ruff_bans_matplotlib_in_the_gallery_only(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    _write(tmp_path, "gallery/images/plot_bad.py", '"""T\n=\n"""\n\nimport matplotlib.pyplot\n')
    _write(tmp_path, "src/pkg/plot.py", '"""Plots may."""\n\nimport matplotlib\n')
    run = subprocess.run(
        ["ruff", "check", "--no-cache", "--select", "TID251", "--output-format", "concise", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert "gallery/images/plot_bad.py:5:8: TID251" in run.stdout
    assert "no matplotlib in chapters" in run.stdout
    assert "src/pkg" not in run.stdout


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("rng = np.random.default_rng()", "without a seed"),
        ("rng = np.random.default_rng(None)", "without a seed"),
        ("x = np.random.rand(3)", "np.random.rand uses NumPy's global random state"),
        ("np.random.seed(0)", "np.random.seed uses NumPy's global random state"),
        ("import random", "the random module"),
        ("from numpy.random import shuffle", "numpy.random.shuffle uses NumPy's global state"),
        ("import keras\nx = keras.random.normal((2,))", "without seed="),
    ],
)
def test_unseeded_random_is_caught(tmp_path: Path, code: str, expected: str) -> None:
    path = _write(tmp_path, "plot_bad.py", GOOD + code + "\n")
    problems = conventions.check_example(path)
    assert len(problems) == 1, _messages(problems)
    assert expected in problems[0].message


def test_seeded_random_passes(tmp_path: Path) -> None:
    code = "a = np.random.default_rng(seed=3)\nimport keras\nb = keras.random.normal((2,), seed=1)"
    code += "\n"
    path = _write(tmp_path, "plot_ok.py", GOOD + code)
    assert conventions.check_example(path) == []


def test_an_example_without_a_metric_is_caught(tmp_path: Path) -> None:
    path = _write(tmp_path, "plot_bad.py", GOOD.replace("metrics.record(", "print("))
    problems = conventions.check_example(path)
    assert len(problems) == 1 and "records no number" in problems[0].message
    imported = GOOD.replace("from explainer import metrics", "from explainer.metrics import record")
    path = _write(tmp_path, "plot_ok.py", imported.replace("metrics.record(", "record("))
    assert conventions.check_example(path) == []


@pytest.mark.parametrize(
    ("prose", "found"),
    [
        ("Ours reaches 98.7 on the test set.", "98.7"),
        ("Ours reaches 98 % on the test set.", "98 %"),
        ("Ours reaches 98% on the test set.", "98%"),
        ("the article reports 71.40 per cent", "71.40 per cent"),
    ],
)
def test_typed_results_in_prose_are_caught(tmp_path: Path, prose: str, found: str) -> None:
    text = GOOD.replace("as in section 2.1 of the article (2017).", prose)
    path = _write(tmp_path, "plot_bad.py", text)
    problems = conventions.check_example(path)
    assert len(problems) == 1, _messages(problems)
    assert problems[0].line == 11
    assert f"typed number {found!r}" in problems[0].message
    assert "explainer.references" in problems[0].message


def test_typed_results_in_the_docstring_are_caught(tmp_path: Path) -> None:
    path = _write(tmp_path, "plot_bad.py", GOOD.replace("fewer filters.", "fewer (97.1 %)."))
    problems = conventions.check_example(path)
    assert [p.line for p in problems] == [5]


def test_allowed_numbers_in_prose_pass(tmp_path: Path) -> None:
    prose = (
        "Keras 3.15.1 in ``0.001`` steps, :math:`0.5`, 28 × 28 pixels, 2,304 numbers, 2017,\n"
        "# section 4.2 and nine times in ten."
    )
    text = GOOD.replace("as in section 2.1 of the article (2017).", prose)
    assert conventions.check_example(_write(tmp_path, "plot_ok.py", text)) == []


def test_a_chapter_missing_from_the_chapter_list_is_caught(tmp_path: Path) -> None:
    gallery = tmp_path / "gallery"
    _write(gallery, "images/plot_09_four.py", GOOD)
    index = _write(tmp_path, "index.md", "The chapters:\n")
    problems = conventions.check_chapter_list(gallery, index)
    assert len(problems) == 1
    assert '"Four filters or sixteen" is not in the chapter list' in problems[0].message
    assert '"- **Four filters or sixteen** — <what the reader sees>"' in problems[0].message
    index.write_text("- **Four filters or sixteen** — fewer filters.\n")
    assert conventions.check_chapter_list(gallery, index) == []


def test_a_chapter_list_entry_without_its_chapter_is_caught(tmp_path: Path) -> None:
    gallery = tmp_path / "gallery"
    _write(gallery, "images/plot_09_four.py", GOOD)
    index = _write(tmp_path, "index.md", "- **Four filters or sixteen** — a.\n- **Gone** — b.\n")
    (problem,) = conventions.check_chapter_list(gallery, index)
    assert problem.line == 2 and 'names "Gone", but no chapter' in problem.message


@pytest.mark.parametrize(
    ("prose", "found"),
    [("it gets 9,213 of them right", "9,213"), ("only 87 mistakes", "87"), ("10 × 3 = 31", "31")],
)
def test_computed_integers_in_prose_are_caught(tmp_path: Path, prose: str, found: str) -> None:
    text = GOOD.replace("as in section 2.1 of the article (2017).", prose)
    (problem,) = conventions.check_example(_write(tmp_path, "plot_bad.py", text))
    assert f"integer {found!r} in the prose" in problem.message
    assert "PROSE_ALLOWED_INTEGERS" in problem.message


def test_constants_and_the_chapters_own_parameters_pass(tmp_path: Path) -> None:
    prose = "87 epochs, 10 × 30 = 300 weights, 60,000 digits, 1998, #3451 and 4 layers."
    text = GOOD.replace("as in section 2.1 of the article (2017).", prose) + "\nepochs = 87\n"
    assert conventions.check_example(_write(tmp_path, "plot_ok.py", text)) == []


def test_a_figure_without_suptitle_is_caught() -> None:
    import html_fixes
    import matplotlib.pyplot as plt

    titled, bare = plt.figure(), plt.figure()
    titled.suptitle("Sixteen filters")
    bare.suptitle("   ")
    assert conventions.figures_without_suptitle([titled, bare]) == [bare.number]
    message = html_fixes.check_suptitles([titled, bare], "gallery/images/plot_09_four.py")
    assert message.startswith(f"gallery/images/plot_09_four.py: figure(s) {bare.number} ")
    assert "pass suptitle=" in message
    assert html_fixes.check_suptitles([titled], "x") is None


def test_a_printed_warning_fails_the_example() -> None:
    try:
        with warnings.catch_warnings():
            warnings.resetwarnings()
            warnings.filterwarnings("default", category=UserWarning)
            warnings.filterwarnings("ignore", category=FutureWarning)
            example_reset.warnings_as_errors("plot_09_four")
            warnings.warn("quiet", FutureWarning, stacklevel=1)  # ignored stays ignored
            with pytest.raises(UserWarning, match="loud"):
                warnings.warn("loud", UserWarning, stacklevel=1)
            with pytest.raises(RuntimeWarning, match="unfiltered"):  # no filter matches it
                warnings.warn("unfiltered", RuntimeWarning, stacklevel=1)
            example_reset.warnings_as_errors(None)
            assert ("ignore", None, FutureWarning, None, 0) in warnings.filters  # restored
            with pytest.warns(UserWarning, match="printed again"):
                warnings.warn("printed again", UserWarning, stacklevel=1)
    finally:
        example_reset.warnings_as_errors(None)


def test_an_executed_example_that_records_nothing_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(metrics.METRICS_DIR_ENV, str(tmp_path))
    caplog.set_level(logging.WARNING)
    example_reset.reset_example({}, "gallery/images/plot_09_four.py", "before")
    example_reset.reset_example({}, "gallery/images/plot_09_four.py", "after")
    assert "plot_09_four.py: the example ran but recorded no metric" in caplog.text
    caplog.clear()
    example_reset.reset_example({}, "gallery/images/plot_09_four.py", "before")
    metrics.record("four.accuracy", 0.5)
    example_reset.reset_example({}, "gallery/images/plot_09_four.py", "after")
    assert "recorded no metric" not in caplog.text


def test_an_accuracy_below_its_recipes_floor_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(metrics.METRICS_DIR_ENV, str(tmp_path))
    with pytest.raises(ValueError, match=r"below the floor 0\.9840 that models\.mnist_cnn\(\)"):
        metrics.record("mnist_cnn.test_accuracy", 0.97)
    with pytest.raises(ValueError, match="cifar10_quick"):
        metrics.record("cifar10_quick.test_accuracy", 0.65)
    assert not list(tmp_path.glob("*.json"))  # nothing stored
    assert metrics.record("mnist_cnn.test_accuracy", 0.985).value == 0.985
    assert metrics.record("mnist_cnn_filters4.test_accuracy", 0.5).value == 0.5  # a variant
