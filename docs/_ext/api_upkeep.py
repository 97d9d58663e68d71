"""Keeping the API reference's per-object pages in step with the package.

Autosummary writes one stub per public object into ``docs/generated/`` but never removes one:
after a function moves to another module (or leaves a module's ``__all__``) its old stub would
still be built, fail to import and break the ``-W`` build, or worse, publish a page for a name
the package no longer offers. Before autosummary runs, :func:`stale_stubs` finds the stubs whose
name is no longer a module or a name in its module's ``__all__``, and they are removed with the
HTML page built from them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

__all__ = ["stale_stubs"]


def _is_current(name: str) -> bool:
    """Whether ``name`` (``pkg.mod`` or ``pkg.mod.obj``) is still documented by autosummary."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        rest = parts[cut:]
        if not rest:
            return True
        if len(rest) != 1:
            return False  # no per-member pages below an object in this book's templates
        public = getattr(module, "__all__", None)
        return rest[0] in public if public is not None else hasattr(module, rest[0])
    return False


def stale_stubs(generated: Path) -> list[Path]:
    """The stub files in ``generated`` whose object is gone from the package's public names."""
    if not generated.is_dir():
        return []
    return sorted(p for p in generated.glob("*.rst") if not _is_current(p.stem))


def _remove_stale(app: Any) -> None:
    for stub in stale_stubs(Path(app.srcdir) / "generated"):
        stub.unlink()
        (Path(app.outdir) / "generated" / f"{stub.stem}.html").unlink(missing_ok=True)


def setup(app: Any) -> dict[str, Any]:
    # Autosummary generates its stubs on builder-inited at the default priority (500).
    app.connect("builder-inited", _remove_stale, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
