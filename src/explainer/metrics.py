"""Numbers that the book states, recorded by the code that computes them.

A gallery example calls :func:`record` for every accuracy or count its prose talks about. The
call prints the number (so it appears in the example's output, next to the prose) and, during a
docs build, stores it in ``$EXPLAINER_METRICS_DIR/<example>.json``. The docs build merges those
files into ``metrics.json`` and the Reproducibility page's table: our value beside the
published one, never a number typed by hand.
"""

from __future__ import annotations

import json
import math
import os
import sys
from contextvars import ContextVar, Token
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from explainer.files import atomic_write_text
from explainer.references import Reference

__all__ = [
    "METRICS_DIR_ENV",
    "Metric",
    "check_floor",
    "collect",
    "record",
    "reset_current_example",
    "set_current_example",
    "write_json",
]

METRICS_DIR_ENV = "EXPLAINER_METRICS_DIR"

# The example now running (set by the docs build between gallery examples); a context variable,
# so a thread or task that sets it does not change it for the others.
_CURRENT_EXAMPLE: ContextVar[str | None] = ContextVar("explainer_current_example", default=None)


@dataclass(frozen=True)
class Metric:
    """One recorded number and where the number it is compared to comes from."""

    example: str
    name: str
    value: float
    reference: float | None = None
    source: str | None = None


def set_current_example(name: str | None, *, clear: bool = True) -> Token[str | None]:
    """Name the example now running; with ``clear``, forget what it recorded last time.

    Returns the token that :func:`reset_current_example` takes to restore the previous name.
    """
    token = _CURRENT_EXAMPLE.set(name)
    folder = os.environ.get(METRICS_DIR_ENV)
    if name and clear and folder:
        (Path(folder) / f"{name}.json").unlink(missing_ok=True)
    return token


def reset_current_example(token: Token[str | None]) -> None:
    """Restore the example name of before the :func:`set_current_example` that gave ``token``."""
    _CURRENT_EXAMPLE.reset(token)


def _example_name() -> str:
    current = _CURRENT_EXAMPLE.get()
    if current:
        return current
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    return Path(main).stem if main else "interactive"


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return list(data.get("metrics", [])) if isinstance(data, dict) else []


def _dump(path: Path, metrics: list[dict[str, Any]]) -> None:
    atomic_write_text(path, json.dumps({"metrics": metrics}, indent=1, sort_keys=True))


def record(
    name: str,
    value: float,
    *,
    reference: float | Reference | None = None,
    source: str | None = None,
    fmt: str = ".4f",
) -> Metric:
    """Print ``name = value`` and store it for the Reproducibility page.

    ``reference`` is best one of :mod:`explainer.references`, which carries its own source.
    Recording the same name twice in one example keeps the last value.
    """
    if isinstance(reference, Reference):
        if source is None:  # the page links the address at the end of the source
            source = reference.source + (f", {reference.url}" if reference.url else "")
        reference = reference.value
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"metric {name!r} is not a finite number: {value}")
    check_floor(name, value)
    metric = Metric(
        example=_example_name(),
        name=name,
        value=value,
        reference=None if reference is None else float(reference),
        source=source,
    )
    ref = f"  (published: {reference:{fmt}}, {source})" if reference is not None else ""
    print(f"{name} = {value:{fmt}}{ref}")
    folder = os.environ.get(METRICS_DIR_ENV)
    if folder:
        path = Path(folder) / f"{metric.example}.json"
        kept = [m for m in _load(path) if m.get("name") != name]
        _dump(path, [*kept, asdict(metric)])
    return metric


def check_floor(name: str, value: float) -> None:
    """Refuse ``<recipe>.test_accuracy`` below the floor that recipe declares.

    The floor (:attr:`explainer.models.Recipe.floor`) is the accuracy the chapters' prose
    takes for granted; below it a recipe change has made the book say something false.
    """
    recipe, _, last = name.rpartition(".")
    if last != "test_accuracy" or not recipe:
        return
    from explainer.models import accuracy_floor

    floor = accuracy_floor(recipe)
    if floor is not None and value < floor:
        raise ValueError(
            f"{name} = {value:.4f} is below the floor {floor:.4f} that models.{recipe}() "
            "declares: the chapters' prose assumes at least that. Fix the recipe or its "
            "training; if the drop is intended, lower its floor and re-read the prose"
        )


def collect(folder: str | os.PathLike[str], *, order: str = "name") -> list[Metric]:
    """Every metric stored in ``folder``, sorted by example then name (``order="recorded"``:
    by example, then in the order the example recorded them)."""
    out = []
    for path in sorted(Path(folder).glob("*.json")):
        for m in _load(path):
            try:
                out.append(
                    Metric(
                        example=str(m["example"]),
                        name=str(m["name"]),
                        value=float(m["value"]),
                        reference=None if m.get("reference") is None else float(m["reference"]),
                        source=m.get("source"),
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
    if order == "recorded":
        return sorted(out, key=lambda m: m.example)  # stable: file order within an example
    return sorted(out, key=lambda m: (m.example, m.name))


def write_json(metrics: list[Metric], path: str | os.PathLike[str]) -> None:
    """Write ``{"metrics": [...]}``, the file that checks and readers download."""
    _dump(Path(path), [asdict(m) for m in metrics])
