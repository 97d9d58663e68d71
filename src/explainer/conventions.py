"""The book's conventions for chapters, as checks: one function per rule, each returning problems.

A chapter is a sphinx-gallery script ``gallery/<part>/plot_NN_name.py`` (see the book's page
"Contributing an example"). The static checks here read the script's source and run in the test
suite (``tests/test_gallery_conventions.py``) over every script in ``gallery/``; the checks that
need the example to run (a figure without a suptitle, no metric recorded, a Python warning, a
stale page in a pattern build) run in the docs build, through the book's extensions in
``docs/_ext/`` (``example_reset.py``, ``gallery_upkeep.py``, ``html_fixes.py``), with the helpers
at the end of this module. Each problem says what to fix.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "PROSE_ALLOWED",
    "PROSE_ALLOWED_INTEGERS",
    "PROSE_ALLOWED_TEXT",
    "Problem",
    "chapter_title",
    "check_chapter_list",
    "check_docstring",
    "check_example",
    "check_gallery",
    "check_metric_recorded",
    "check_names",
    "check_no_matplotlib",
    "check_prose",
    "check_seeded_random",
    "example_paths",
    "figures_without_suptitle",
    "prose_blocks",
    "stale_examples",
]


@dataclass(frozen=True)
class Problem:
    """One broken convention: where, and what to do about it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def example_paths(gallery: str | Path) -> list[Path]:
    """Every chapter script under ``gallery`` (``plot_*.py``), in path order."""
    return sorted(Path(gallery).rglob("plot_*.py"))


# -- Names -----------------------------------------------------------------------------------


def check_names(gallery: str | Path) -> list[Problem]:
    """Every ``.py`` in the gallery is a ``plot_*.py`` chapter, and file stems are unique.

    sphinx-gallery shows other scripts without running them, and the metrics of an example are
    stored by file stem, so two ``plot_01_intro.py`` in two parts would overwrite each other.
    """
    problems = []
    seen: dict[str, Path] = {}
    for path in sorted(Path(gallery).rglob("*.py")):
        if not path.name.startswith("plot_"):
            problems.append(
                Problem(
                    str(path),
                    1,
                    f"a gallery script must be named plot_NN_<name>.py (sphinx-gallery only runs "
                    f"those): rename it to plot_{path.name}, or move helper code into explainer/",
                )
            )
            continue
        if path.stem in seen:
            problems.append(
                Problem(
                    str(path),
                    1,
                    f"another chapter has the same file name ({seen[path.stem]}); metrics are "
                    "stored by file name, so give this one a different name",
                )
            )
        seen.setdefault(path.stem, path)
    return problems


# -- Docstring -------------------------------------------------------------------------------


def chapter_title(source: str) -> str | None:
    """The title of a chapter: the docstring's first line when underlined with ``=``."""
    try:
        doc = ast.get_docstring(ast.parse(source), clean=True)
    except SyntaxError:
        return None
    lines = [line.rstrip() for line in (doc or "").strip().splitlines()]
    if len(lines) < 2 or not lines[0] or not re.fullmatch(r"=+", lines[1]):
        return None
    return lines[0] if len(lines[1]) >= len(lines[0]) else None


def check_docstring(path: str | Path, source: str) -> list[Problem]:
    """The script opens with a docstring whose first line is a title underlined with ``=``."""
    if chapter_title(source) is not None:
        return []
    return [
        Problem(
            str(path),
            1,
            "the script must start with a docstring whose first line is the chapter title, "
            'underlined with "=" at least as long (then a blank line and the introduction), '
            'e.g. """\\nFilters: what a CNN looks for\\n=============================\\n...',
        )
    ]


# -- Imports and random generators -----------------------------------------------------------

_NP_RANDOM_OK = {
    "default_rng",
    "Generator",
    "SeedSequence",
    "BitGenerator",
    "PCG64",
    "PCG64DXSM",
    "Philox",
    "SFC64",
    "MT19937",
}


def _dotted(node: ast.AST) -> str:
    """``np.random.default_rng`` for the attribute chain of a call's function, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def check_no_matplotlib(path: str | Path, tree: ast.Module) -> list[Problem]:
    """No matplotlib in a chapter (also ruff's banned-api rule TID251 for ``gallery/``)."""
    problems = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        if any(n == "matplotlib" or n.startswith("matplotlib.") for n in names):
            problems.append(
                Problem(
                    str(path),
                    node.lineno,
                    "no matplotlib in chapters: draw with a function of explainer.plot (add one "
                    "there, with a test, if none fits)",
                )
            )
    return problems


def check_seeded_random(path: str | Path, tree: ast.Module) -> list[Problem]:
    """Random numbers only from seeded generators: ``np.random.default_rng(<seed>)``.

    Refused: ``np.random.default_rng()`` without a seed (or with ``None``), NumPy's legacy global
    functions (``np.random.rand``, ``np.random.seed``, ...), the ``random`` module, and
    ``tf.random`` / ``keras.random`` draws without ``seed=``.
    """
    problems = []

    def add(node: ast.AST, message: str) -> None:
        problems.append(Problem(str(path), getattr(node, "lineno", 1), message))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [module] if module else [a.name for a in node.names]
            if "random" in names:
                add(
                    node,
                    "the random module has hidden global state: use "
                    "np.random.default_rng(<seed>) with a fixed seed",
                )
            if module == "numpy.random":
                bad = [a.name for a in node.names if a.name not in _NP_RANDOM_OK]
                if bad:
                    add(
                        node,
                        f"numpy.random.{bad[0]} uses NumPy's global state: use "
                        "np.random.default_rng(<seed>) with a fixed seed",
                    )
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            parts = dotted.split(".")
            if len(parts) == 3 and parts[0] in {"np", "numpy"} and parts[1] == "random":
                if parts[2] not in _NP_RANDOM_OK:
                    add(
                        node,
                        f"{dotted} uses NumPy's global random state: draw from "
                        "rng = np.random.default_rng(<seed>) instead (rng.normal, ...)",
                    )
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted.split(".")[-1] == "default_rng" and (
                (not node.args and not node.keywords)
                or (
                    node.args
                    and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value is None
                )
            ):
                add(
                    node,
                    "np.random.default_rng() without a seed gives other numbers on every "
                    "build: pass a fixed seed, e.g. np.random.default_rng(0)",
                )
            parts = dotted.split(".")
            if (
                len(parts) == 3
                and parts[0] in {"tf", "tensorflow", "keras"}
                and parts[1] == "random"
                and parts[2] not in {"set_seed", "SeedGenerator"}
                and not any(k.arg == "seed" for k in node.keywords)
            ):
                add(node, f"{dotted}(...) without seed= differs on every build: pass seed=")
    return problems


# -- Metrics ---------------------------------------------------------------------------------


def check_metric_recorded(path: str | Path, tree: ast.Module) -> list[Problem]:
    """The chapter calls ``metrics.record`` at least once (the docs build checks it ran)."""
    imported_record = any(
        isinstance(n, ast.ImportFrom)
        and n.module == "explainer.metrics"
        and any(a.name == "record" for a in n.names)
        for n in ast.walk(tree)
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted.endswith("metrics.record") or (imported_record and dotted == "record"):
                return []
    return [
        Problem(
            str(path),
            1,
            "the chapter records no number: call explainer.metrics.record(name, value, "
            "reference=...) for each number its prose talks about (see 'Contributing an "
            "example' for metric names)",
        )
    ]


# -- Prose -----------------------------------------------------------------------------------

PROSE_ALLOWED: tuple[str, ...] = (
    r"``[^`]*``",  # code literals: parameter values such as ``dropout=0.5`` are code
    r":\w+:`[^`]*`",  # roles (:func:`...`, :math:`...`)
    r"`[^`]*`",  # inline literals
    r"\$[^$]*\$",  # MyST/LaTeX math
    r"\b[vV]?\d+\.\d+\.\d+\b",  # versions (0.1.0, v2.16.1)
    r"\b(?:[Ss]ection|[Ff]igure|[Tt]able|[Ee]quation) \d+(?:\.\d+)+",  # numbered parts of a source
)
"""Patterns whose text the typed-number check skips: code, maths, versions, section numbers.
Integers, years and constants such as "5 × 5" or "2 × 2" never count as typed results."""

PROSE_ALLOWED_TEXT: tuple[str, ...] = (
    # The title of a cited article (Filters chapter), quoted verbatim.
    "識別95.04%で",
)
"""Exact strings that may contain a decimal number or a % (quoted titles of cited works).
Add one here, with a comment naming the chapter, only for text that is not our result."""

_COUNTS = range(13)  # counting words: "two layers", "5 × 5", "3 channels"
_ROUND = (16, 20, 24, 25, 32, 64, 100, 128, 256, 1000)  # round sizes and powers of two
_DATA = (28, 784, 3072, 255, 10_000, 50_000, 60_000, 70_000)  # MNIST/CIFAR sizes, uint8's top
_CHAPTERS = (
    2_304,  # mnist_cnn's pooled conv values, 16 × 12 × 12 (Filters, What a unit wants)
    14,  # conv2's receptive field in cifar10_quick, 14 × 14 pixels (What a unit wants)
    300,  # Weights under pressure: the first layer's 10 × 30 weights
    2_500,  # Bending space: 2,000 points / batch 16 × 20 epochs, the steps of one fit
)
PROSE_ALLOWED_INTEGERS: frozenset[int] = frozenset([*_COUNTS, *_ROUND, *_DATA, *_CHAPTERS])
"""Integers the prose may state without printing them: constants of the data and round sizes.
Any other integer must either appear as a literal in the chapter's own code or in the recipes
of :mod:`explainer.models` (a parameter, such as ``epochs=15``), be the result of a product
written out beside it ("10 × 30 = 300"), or be a year; otherwise it is a computed number, to be
printed by the code (:func:`check_prose`). Add a constant here only if no code computes it."""

_INTEGER = re.compile(r"(?<![\w.,#/-])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.,]?\d)(?![\w])")

_TYPED = re.compile(
    r"(?<![\d.])\d[\d,]*(?:\.\d+)?\s*(?:%|per ?cent\b)"  # 98 %, 71.40 %, 5 per cent
    r"|(?<![\d.])\d+\.\d+(?!\.?\d)"  # 98.7, 0.001
)


def prose_blocks(source: str) -> list[tuple[int, str]]:
    """The prose of a chapter as ``(first line number, text)``: the docstring, then every
    comment block that follows a ``# %%`` line (sphinx-gallery's text blocks)."""
    blocks: list[tuple[int, str]] = []
    tree = ast.parse(source)
    doc = ast.get_docstring(tree, clean=False)
    if doc is not None and tree.body:
        blocks.append((tree.body[0].lineno, doc))
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        if re.match(r"#\s*%%", lines[i]):
            start, text = i + 2, []
            i += 1
            while i < len(lines) and lines[i].startswith("#"):
                if not lines[i].startswith("# sphinx_gallery_"):
                    text.append(lines[i][1:].removeprefix(" "))
                i += 1
            blocks.append((start, "\n".join(text)))
        else:
            i += 1
    return blocks


def _code_integers(source: str) -> set[int]:
    """Integer literals of the chapter's code: the parameters it sets itself."""
    found: set[int] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            found.add(abs(int(node.value)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            if isinstance(node.operand.value, int):
                found.add(abs(int(node.operand.value)))
    return found


@functools.cache
def _recipe_integers() -> frozenset[int]:
    """Integer literals of :mod:`explainer.models`: the recipes' sizes, epochs and seeds."""
    return frozenset(_code_integers((Path(__file__).parent / "models.py").read_text("utf-8")))


_PRODUCT = re.compile(r"\d+(?:\s*×\s*\d+)+\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)")


def _untyped_integer(text: str, constants: set[int]) -> re.Match[str] | None:
    """The first integer in ``text`` that is neither a known constant, the code's, a product
    written out beside it, nor a year."""
    shown = set()
    for product in _PRODUCT.finditer(text):
        factors = [int(f) for f in re.findall(r"\d+", product.group(0).split("=")[0])]
        if math.prod(factors) == int(product.group(1).replace(",", "")):
            shown.add(product.start(1))
    for match in _INTEGER.finditer(text):
        value = int(match.group(1).replace(",", ""))
        if match.start(1) in shown or 1900 <= value <= 2099:
            continue
        if value in PROSE_ALLOWED_INTEGERS or value in constants or value in _recipe_integers():
            continue
        return match
    return None


def check_prose(path: str | Path, source: str) -> list[Problem]:
    """No typed results in the prose: no number with a decimal point, no percentage, and no
    integer that the code computes (see :data:`PROSE_ALLOWED_INTEGERS`).

    Numbers that a chapter computes are printed by its code (``metrics.record`` prints them);
    prose refers to "the accuracy printed above". Published values live in
    :mod:`explainer.references` and are printed beside ours. See :data:`PROSE_ALLOWED`.
    """
    problems = []
    allowed = re.compile("|".join(PROSE_ALLOWED))
    constants = _code_integers(source)
    for first, text in prose_blocks(source):
        for offset, line in enumerate(text.splitlines()):
            for exact in PROSE_ALLOWED_TEXT:
                line = line.replace(exact, " " * len(exact))
            stripped = allowed.sub(lambda m: " " * len(m.group(0)), line)
            match = _TYPED.search(stripped)
            if match:
                problems.append(
                    Problem(
                        str(path),
                        first + offset,
                        f"typed number {match.group(0)!r} in the prose: print "
                        "it from the code (metrics.record prints recorded numbers; published "
                        "values come from explainer.references) and refer to the printout, or "
                        "put a parameter value in ``code``",
                    )
                )
                continue
            integer = _untyped_integer(stripped, constants)
            if integer:
                problems.append(
                    Problem(
                        str(path),
                        first + offset,
                        f"integer {integer.group(1)!r} in the prose is neither in the "
                        "chapter's code nor a known constant: if the code computes it, print it "
                        "(metrics.record) and refer to the printout; if it is a constant, add it "
                        "to explainer.conventions.PROSE_ALLOWED_INTEGERS",
                    )
                )
    return problems


# -- The book's chapter list -----------------------------------------------------------------


def check_chapter_list(gallery: str | Path, index: str | Path) -> list[Problem]:
    """Every chapter is in the book's chapter list (``docs/index.md``) as ``**Short title**``,
    and every entry of the list is a chapter.

    The short title is the chapter title up to its first colon ("Filters" for "Filters: what a
    convolutional network looks for").
    """
    text = Path(index).read_text(encoding="utf-8")
    listed = set(re.findall(r"\*\*(.+?)\*\*", text))
    problems = []
    shorts = set()
    for path in example_paths(gallery):
        title = chapter_title(path.read_text(encoding="utf-8"))
        if title is None:
            continue  # check_docstring reports it
        short = title.split(":", 1)[0].strip()
        shorts.add(short)
        if short not in listed:
            problems.append(
                Problem(
                    str(path),
                    1,
                    f'"{short}" is not in the chapter list of {index}: add a line '
                    f'"- **{short}** — <what the reader sees>" under its part',
                )
            )
    for number, line in enumerate(text.splitlines(), 1):
        entry = re.match(r"- \*\*(.+?)\*\* —", line)
        if entry and entry.group(1) not in shorts:
            problems.append(
                Problem(
                    str(index),
                    number,
                    f'the chapter list names "{entry.group(1)}", but no chapter in {gallery} has '
                    "that title (removed or renamed?): remove or correct the line",
                )
            )
    return problems


# -- All static checks -----------------------------------------------------------------------


def check_example(path: str | Path) -> list[Problem]:
    """Every static check of one chapter script."""
    source = Path(path).read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        return [Problem(str(path), exc.lineno or 1, f"syntax error: {exc.msg}")]
    return [
        *check_docstring(path, source),
        *check_no_matplotlib(path, tree),
        *check_seeded_random(path, tree),
        *check_metric_recorded(path, tree),
        *check_prose(path, source),
    ]


def check_gallery(gallery: str | Path, index: str | Path | None = None) -> list[Problem]:
    """Every static check over a gallery folder (and its chapter list, given ``index``)."""
    problems = check_names(gallery)
    for path in example_paths(gallery):
        problems += check_example(path)
    if index is not None:
        problems += check_chapter_list(gallery, index)
    return problems


# -- Build-time helpers (used by the Sphinx extensions) --------------------------------------


def figures_without_suptitle(figures: Iterable[Any]) -> list[int]:
    """Numbers of the matplotlib figures that have no suptitle (their alt text would be empty)."""
    missing = []
    for fig in figures:
        title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
        if not (title or "").strip():
            missing.append(int(getattr(fig, "number", 0) or 0))
    return missing


def _md5_text(path: Path) -> str:
    """sphinx-gallery's md5 of a script (text mode, universal newlines)."""
    text = path.read_text(errors="surrogateescape", encoding="utf-8")
    return hashlib.md5(text.encode(errors="surrogateescape", encoding="utf-8")).hexdigest()


def stale_examples(
    gallery: str | Path, generated: str | Path, pattern: str, *, paths: Sequence[Path] = ()
) -> list[Path]:
    """Chapters a build with ``pattern`` would publish without their output.

    sphinx-gallery runs only the scripts whose path matches ``pattern``; any other script whose
    source differs from the copy it last ran successfully (its ``.md5`` in ``generated``), or
    that never ran, would get a page with no output or figures.
    """
    gallery, generated = Path(gallery), Path(generated)
    stale = []
    for path in paths or example_paths(gallery):
        if re.search(pattern, str(path)):
            continue
        md5 = generated / path.relative_to(gallery).parent / f"{path.name}.md5"
        if not md5.is_file() or md5.read_text().strip() != _md5_text(path):
            stale.append(path)
    return stale
