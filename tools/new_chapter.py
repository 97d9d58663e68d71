"""Write a new chapter skeleton that passes the static convention checks: ``nox -s new -- NAME``.

``python tools/new_chapter.py NAME [--part images|dense] [--title TITLE]`` writes
``gallery/<part>/plot_NN_NAME.py`` (NN: the part's next number) and adds the chapter to the
book's chapter list in ``docs/index.md``. Then edit both, build it with
``nox -s docs -- plot_NN``, and give it its Japanese catalog (``nox -R -s translations --
update``, then translate): until then the tests say it has none.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = {"images": "Part I ", "dense": "Part II "}  # gallery folder: its list in docs/index.md

SKELETON = '''"""
{title}
{underline}

One paragraph: what the reader will see in this chapter, and why it matters.
"""

# %%
# The network
# -----------
# Prose first: what the code below does, and what to look for in its output. Numbers come
# from the code: the line printed below, not this text. Every sentence that depends on a
# trained result gets an ``assert`` in the code next to it. Once written, build this chapter
# (``nox -s docs -- plot_NN``) and translate it: ``nox -R -s translations -- update`` writes
# its Japanese catalog, whose messages you translate; the tests pass after that.

from explainer import datasets, metrics, models, plot, probe, training

mnist = datasets.load_mnist()
trained = training.train(models.mnist_softmax(), mnist.x_train, mnist.y_train)
pred = probe.predict(trained.model, mnist.x_test)
accuracy = metrics.record("{name}.test_accuracy", pred.accuracy(mnist.y_test)).value
assert accuracy > 0.5, "the prose below says the network is right more often than not"

# %%
# What it answers
# ---------------
# The network is right more often than not. Ten test digits with the network's answers:

plot.tile_grid(
    mnist.x_test[:10],
    ncols=10,
    titles=[str(p) for p in pred.labels[:10]],
    suptitle="Ten test digits with the network's answers",
)
'''


def next_path(gallery: Path, part: str, name: str) -> Path:
    """``gallery/<part>/plot_NN_<name>.py`` with NN one more than the part's highest."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(
            f"NAME must be lower-case letters, digits and _, like four_filters: {name!r}"
        )
    numbers = [
        int(m.group(1))
        for p in (gallery / part).glob("plot_*.py")
        if (m := re.match(r"plot_(\d+)_", p.name))
    ]
    return gallery / part / f"plot_{max(numbers, default=0) + 1:02d}_{name}.py"


def add_to_chapter_list(index: Path, part: str, short: str) -> None:
    """Add ``- **short** — ...`` at the end of the part's chapter list in ``index``."""
    lines = index.read_text(encoding="utf-8").split("\n")
    heads = [i for i, line in enumerate(lines) if line.startswith(PARTS[part])]
    if not heads:
        raise ValueError(f"{index}: no line starting with {PARTS[part]!r} to add the chapter under")
    j = heads[0] + 1
    while j < len(lines) and not lines[j].startswith("- "):
        j += 1
    while j < len(lines) and (lines[j].startswith("- ") or lines[j].startswith("  ")):
        j += 1
    lines.insert(j, f"- **{short}** — one line: what the reader sees in this chapter.")
    index.write_text("\n".join(lines), encoding="utf-8")


def new_chapter(
    name: str, *, part: str = "images", title: str | None = None, root: Path = ROOT
) -> Path:
    """Write the skeleton and list it; returns the new script's path."""
    if part not in PARTS:
        raise ValueError(f"--part must be one of {', '.join(PARTS)}, not {part!r}")
    title = title or f"{name.replace('_', ' ').capitalize()}: what it shows"
    path = next_path(root / "gallery", part, name)
    if any(p.stem.endswith(f"_{name}") for p in (root / "gallery").rglob("plot_*.py")):
        raise ValueError(f"a chapter called {name!r} exists already; choose another NAME")
    text = SKELETON.format(title=title, underline="=" * len(title), name=name)
    path.write_text(text, encoding="utf-8")
    add_to_chapter_list(root / "docs" / "index.md", part, title.split(":", 1)[0].strip())
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="new_chapter", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="file name part, e.g. four_filters")
    parser.add_argument("--part", default="images", choices=sorted(PARTS))
    parser.add_argument("--title", help='chapter title, e.g. "Four filters: what fewer see"')
    args = parser.parse_args(argv)
    try:
        path = new_chapter(args.name, part=args.part, title=args.title)
    except ValueError as err:
        print(f"new: error: {err}", file=sys.stderr)
        return 2
    rel = path.relative_to(ROOT)
    pattern = "_".join(path.name.split("_")[:2])
    print(
        f"wrote {rel} and listed it in docs/index.md. Next:\n"
        f"  1. write it, then build it: nox -s docs -- {pattern}\n"
        "  2. its Japanese catalog: nox -R -s translations -- update, then translate the "
        "messages it lists (docs/locale/ja/GLOSSARY.md)\n"
        "  nox -s tests passes once step 2 is done."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
