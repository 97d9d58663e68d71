"""Maintainer sessions: `nox -s tests`, `nox -s docs [-- PATTERN]`, `nox -s lint`."""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent.resolve()
SHARED_DATA = ROOT.parent / "shared" / "data"
DOCS_OUT = ROOT / "docs" / "_build" / "html"

nox.options.sessions = ["lint", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True


def _env() -> dict[str, str]:
    """Offline data when the machine has the shared copy; quiet TensorFlow."""
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow"}
    if not os.environ.get("EXPLAINER_DATA_DIR") and SHARED_DATA.is_dir():
        env["EXPLAINER_DATA_DIR"] = str(SHARED_DATA)
    return env


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (pass pytest options after --)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs, env=_env())


@nox.session
def docs(session: nox.Session) -> None:
    """Build the book into docs/_build/html. `-- PATTERN` runs only matching examples."""
    session.install("-e", ".[docs]")
    env = _env()
    if session.posargs:
        env["EXPLAINER_GALLERY_PATTERN"] = session.posargs[0]
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-b",
        "html",
        "docs",
        str(DOCS_OUT),
        env=env,
    )
    session.log(f"The book is in {DOCS_OUT / 'index.html'}")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff format check and ruff lint."""
    session.install("ruff>=0.6")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
