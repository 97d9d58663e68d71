"""`nox -s new -- NAME` writes a chapter that passes every static convention check."""

from __future__ import annotations

import shutil
from pathlib import Path

import new_chapter  # tools/new_chapter.py (on the path by conftest.py)
import pytest

from explainer import conventions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def book(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "gallery", tmp_path / "gallery")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", tmp_path / "docs" / "index.md")
    return tmp_path


@pytest.mark.parametrize("part", ["images", "dense"])
def test_the_skeleton_passes_every_check(book: Path, part: str) -> None:
    before = len(list((book / "gallery" / part).glob("plot_*.py")))
    path = new_chapter.new_chapter("four_filters", part=part, root=book)
    assert path.name == f"plot_{before + 1:02d}_four_filters.py"
    problems = conventions.check_gallery(book / "gallery", book / "docs" / "index.md")
    assert problems == [], "\n".join(map(str, problems))
    index = (book / "docs" / "index.md").read_text()
    line = "- **Four filters** — one line: what the reader sees in this chapter."
    assert index.count(line) == 1
    part_title = "Part II " if part == "dense" else "Part I "
    assert index.index(part_title) < index.index(line)  # under its own part
    if part == "images":
        assert index.index(line) < index.index("Part II ")
    assert "nox -R -s translations -- update" in path.read_text()  # the skeleton says the step


def test_the_command_names_the_translation_step(book: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(new_chapter, "ROOT", book)
    monkeypatch.setattr(
        new_chapter, "new_chapter", lambda *a, **k: book / "gallery" / "images" / "plot_08_x.py"
    )
    assert new_chapter.main(["x"]) == 0
    out = capsys.readouterr().out
    assert "nox -s docs -- plot_08" in out and "nox -R -s translations -- update" in out


def test_bad_names_and_duplicates_are_refused(book: Path) -> None:
    with pytest.raises(ValueError, match="lower-case"):
        new_chapter.new_chapter("Four Filters", root=book)
    new_chapter.new_chapter("four_filters", root=book)
    with pytest.raises(ValueError, match="exists already"):
        new_chapter.new_chapter("four_filters", part="dense", root=book)
