"""No silent loss in the docs build: stale examples run, removed examples leave nothing behind."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import gallery_upkeep
import pytest

from explainer import conventions

CHAPTER = '''"""
{title}
=========================

A tiny chapter.
"""

# %%
# One number
# ----------

from explainer import metrics

metrics.record("{stem}.share_ok", {value})
'''


def _chapter(folder: Path, stem: str, value: float = 0.5) -> Path:
    path = folder / f"{stem}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CHAPTER.format(title=f"Chapter {stem}", stem=stem, value=value))
    return path


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_text().encode()).hexdigest()


def test_stale_examples_are_the_unmatched_ones_changed_since_their_last_run(tmp_path: Path) -> None:
    gallery, generated = tmp_path / "gallery", tmp_path / "auto_examples"
    run = _chapter(gallery / "part", "plot_01_run")
    same = _chapter(gallery / "part", "plot_02_same")
    edited = _chapter(gallery / "part", "plot_03_edited")
    never = _chapter(gallery / "part", "plot_04_never")
    (generated / "part").mkdir(parents=True)
    for path in (run, same, edited):
        (generated / "part" / f"{path.name}.md5").write_text(_md5(path))
    edited.write_text(edited.read_text() + "\n# %%\n# More prose.\n")
    stale = conventions.stale_examples(gallery, generated, r"plot_01")
    assert stale == [edited, never]
    pattern = gallery_upkeep.widen_pattern(r"plot_01", stale)
    matched = [p.name for p in conventions.example_paths(gallery) if re.search(pattern, str(p))]
    assert matched == ["plot_01_run.py", "plot_03_edited.py", "plot_04_never.py"]
    assert gallery_upkeep.widen_pattern(r"plot_01", []) == r"plot_01"


def test_remove_orphans_deletes_only_what_removed_examples_left(tmp_path: Path) -> None:
    gallery, generated = tmp_path / "gallery", tmp_path / "auto_examples"
    metrics_dir, html, locale = generated / "_metrics", tmp_path / "html", tmp_path / "locale"
    _chapter(gallery / "part", "plot_01_kept")
    kept, gone = [], []
    for stem, bucket in (("plot_01_kept", kept), ("plot_02_gone", gone)):
        for name in (
            f"part/{stem}.rst",
            f"part/{stem}.py",
            f"part/{stem}.py.md5",
            f"part/{stem}.ipynb",
            f"part/{stem}.codeobj.json",
            f"part/images/sphx_glr_{stem}_001.png",
            f"part/images/sphx_glr_{stem}_012.gif",
            f"part/images/thumb/sphx_glr_{stem}_thumb.png",
            f"_metrics/{stem}.json",
        ):
            bucket.append(generated / name)
        bucket.append(html / "auto_examples" / "part" / f"{stem}.html")
        bucket.append(html / "_sources" / "auto_examples" / "part" / f"{stem}.rst.txt")
        bucket.append(html / "_images" / f"sphx_glr_{stem}_001.png")
        for suffix in (".py", ".ipynb", ".zip"):
            bucket.append(html / "_downloads" / f"{stem}{suffix}x" / f"{stem}{suffix}")
        bucket.append(locale / "ja" / "LC_MESSAGES" / "auto_examples" / "part" / f"{stem}.po")
    others = [generated / "part" / "index.rst", generated / "index.rst"]
    others.append(html / "_images" / "logo.png")
    others.append(locale / "ja" / "LC_MESSAGES" / "auto_examples" / "part" / "index.po")
    for path in [*kept, *gone, *others]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    removed = gallery_upkeep.remove_orphans(gallery, generated, metrics_dir, html, locale)
    assert sorted(removed) == sorted(gone)
    assert all(p.exists() for p in [*kept, *others])
    assert not any(p.exists() for p in gone)
    assert not list((html / "_downloads").glob("plot_02_gone*"))  # their folders too
    assert gallery_upkeep.remove_orphans(gallery, generated, metrics_dir, html, locale) == []

    # A catalog that still links the removed chapter is named, with the command that fixes it.
    index_po = others[-1]
    index_po.write_text('msgid ":doc:`plot_02_gone`"\nmsgstr ":doc:`plot_02_gone`"\n')
    (message,) = gallery_upkeep.catalogs_naming_missing_chapters(gallery, locale)
    assert "index.po: names the removed chapter(s) plot_02_gone" in message
    assert "nox -R -s translations -- update" in message
    index_po.write_text('msgid ":doc:`plot_01_kept`"\nmsgstr ""\n')
    assert gallery_upkeep.catalogs_naming_missing_chapters(gallery, locale) == []


@pytest.mark.slow
def test_the_build_refuses_a_malformed_title(tmp_path: Path) -> None:
    pytest.importorskip("sphinx_gallery")
    docs, gallery = tmp_path / "docs", tmp_path / "gallery"
    docs.mkdir()
    (docs / "conf.py").write_text(CONF.format(src=str(SRC), ext=str(EXT)))
    (docs / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   auto_examples/index\n")
    (gallery / "GALLERY_HEADER.rst").parent.mkdir()
    (gallery / "GALLERY_HEADER.rst").write_text("Chapters\n========\n")
    chapter = _chapter(gallery, "plot_01_first", 0.25)
    chapter.write_text(chapter.read_text().replace("=" * 25, "-" * 25, 1))
    done = _build(tmp_path, "nomatch")
    assert done.returncode != 0
    assert "plot_01_first.py:1: the script must start with a docstring" in done.stderr


ROOT = Path(__file__).resolve().parent.parent
SRC, EXT = ROOT / "src", ROOT / "docs" / "_ext"

CONF = """
import os, sys
sys.path[:0] = [{src!r}, {ext!r}]
extensions = ["sphinx_gallery.gen_gallery", "metrics_table", "gallery_upkeep"]
exclude_patterns = ["_build", "auto_examples/**.ipynb", "auto_examples/**.py"]
sphinx_gallery_conf = {{
    "examples_dirs": "../gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": os.environ.get("PATTERN", "/plot_"),
    "reset_modules": ("example_reset.reset_example",),
    "reset_modules_order": "both",
    "image_scrapers": (),
    "download_all_examples": False,
    "write_computation_times": False,
    "show_memory": False,
}}
explainer_metrics_dir = os.path.join(os.path.dirname(__file__), "auto_examples", "_metrics")
html_theme = "basic"
"""


def _build(root: Path, pattern: str) -> subprocess.CompletedProcess[str]:
    env = {"PATTERN": pattern, "PYTHONPATH": str(SRC)}
    import os

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "docs",
            "docs/_build/html",
        ],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_a_pattern_build_runs_an_edited_example_and_forgets_a_removed_one(tmp_path: Path) -> None:
    pytest.importorskip("sphinx_gallery")  # installed with the docs extra
    docs, gallery = tmp_path / "docs", tmp_path / "gallery"
    docs.mkdir()
    (docs / "conf.py").write_text(CONF.format(src=str(SRC), ext=str(EXT)))
    (docs / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   auto_examples/index\n")
    (gallery / "GALLERY_HEADER.rst").parent.mkdir()
    (gallery / "GALLERY_HEADER.rst").write_text("Chapters\n========\n")
    first = _chapter(gallery, "plot_01_first", 0.25)
    second = _chapter(gallery, "plot_02_second", 0.5)
    done = _build(tmp_path, "/plot_")
    assert done.returncode == 0, done.stderr
    page = docs / "auto_examples" / "plot_02_second.rst"
    assert "plot_02_second.share_ok = 0.5000" in page.read_text()

    # Edit the second, build with a pattern that matches only the first: it runs anyway.
    second.write_text(second.read_text().replace("0.5)", "0.75)"))
    done = _build(tmp_path, "plot_01")
    assert done.returncode == 0, done.stderr
    assert "plot_02_second.share_ok = 0.7500" in page.read_text()
    assert (
        '"value": 0.75' in (docs / "auto_examples" / "_metrics" / "plot_02_second.json").read_text()
    )

    # Remove the first: its generated files and metrics go, the build stays clean under -W.
    first.unlink()
    done = _build(tmp_path, "nomatch")
    assert done.returncode == 0, done.stderr
    generated = sorted(p.name for p in (docs / "auto_examples").rglob("plot_01_first*"))
    assert generated == []
    html = docs / "_build" / "html" / "auto_examples"
    assert not (html / "plot_01_first.html").exists()
    assert "plot_01_first" not in (html / "plot_02_second.html").read_text()  # no stale "Previous"
    assert (
        "plot_02_second" in (docs / "_build" / "html" / "auto_examples" / "index.html").read_text()
    )


def test_api_stubs_of_moved_or_removed_names_are_found_stale(tmp_path):
    """A function that moved module leaves a stub that would break the -W build: it goes."""
    import api_upkeep

    names = [
        "explainer.attribution.score_model",  # moved to explainer.scores (still imported there)
        "explainer.scores.score_model",
        "explainer.probe",
        "explainer.probe.activations",  # re-exported from explainer.probe.layers
        "explainer.plot.units",  # a module that no longer exists
        "explainer.units.TopActivations.update",  # no pages below an object
    ]
    for name in names:
        (tmp_path / f"{name}.rst").write_text(name)
    stale = [p.stem for p in api_upkeep.stale_stubs(tmp_path)]
    assert stale == [
        "explainer.attribution.score_model",
        "explainer.plot.units",
        "explainer.units.TopActivations.update",
    ]
