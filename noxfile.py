"""Maintainer sessions: `nox -s tests`, `nox -s docs [-- PATTERN | --language ja]`, `nox -s lint`,
`nox -s translations [-- update | check | build]`, `nox -s publish [-- --base /PATH/]` (the
versioned site in site/, both languages) and `nox -s browser`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent / "src"))
from explainer.environment import SETTINGS  # the one place for these settings

ROOT = Path(__file__).parent.resolve()
SHARED_DATA = ROOT.parent / "shared" / "data"
DOCS_OUT = ROOT / "docs" / "_build" / "html"
SITE = ROOT / "site"
BROWSER_CHECK = ROOT / ".browser-check"

nox.options.sessions = ["lint", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True


def _env() -> dict[str, str]:
    """Offline data when the machine has the shared copy; the package's own process settings."""
    env = {key: os.environ.get(key, value) for key, value in SETTINGS.items()}
    if not os.environ.get("EXPLAINER_DATA_DIR") and SHARED_DATA.is_dir():
        env["EXPLAINER_DATA_DIR"] = str(SHARED_DATA)
    return env


@nox.session(venv_backend="uv|virtualenv")
def tests(session: nox.Session) -> None:
    """Run the test suite (pass pytest options after --).

    Its environment is made by uv when uv is installed (the install takes a third of pip's
    time), else by virtualenv; the sessions that call pip inside their environment
    (publish) keep virtualenv. uv is told to compile the bytecode as pip does: with
    PYTHONDONTWRITEBYTECODE set (as on CI) every fresh process would otherwise compile
    TensorFlow anew, and the report's fresh-process tests take twice as long.
    """
    session.install("-e", ".[test]", env={"UV_COMPILE_BYTECODE": "1"})
    session.run("pytest", *session.posargs, env=_env())


@nox.session
def docs(session: nox.Session) -> None:
    """Build the book into docs/_build/html. `-- PATTERN` runs only matching examples.

    `-- --language ja` builds the Japanese book into docs/_build/html-ja instead, from the
    executed gallery of the last English build (no example runs, no training).
    """
    session.install("-e", ".[docs]")
    env = _env()
    if session.posargs[:1] == ["--language"]:
        language = session.posargs[1] if len(session.posargs) > 1 else "ja"
        session.run("python", "tools/i18n.py", "build", "--language", language, env=env)
        return
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
def translations(session: nox.Session) -> None:
    """The Japanese catalogs: `-- update` (extract + merge, then check), `-- check` (default:
    list untranslated and fuzzy messages) or `-- build` (docs/_build/html-ja). No example runs."""
    session.install("-e", ".[docs]")
    command = session.posargs[0] if session.posargs else "check"
    session.run("python", "tools/i18n.py", command, *session.posargs[1:], env=_env())


@nox.session
def lint(session: nox.Session) -> None:
    """ruff format check and ruff lint."""
    session.install("ruff>=0.6")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")


@nox.session
def publish(session: nox.Session) -> None:
    """Build the versioned book into site/: dev, every release, switcher.json, index.html.

    `-- --base /explainer/` when the site will be served under a sub-path (GitHub Pages
    project site); default `/` or $EXPLAINER_SITE_BASE. Release folders already in site/ are
    kept; delete one to rebuild it. See README "Publishing the versioned book".
    """
    session.install("-e", ".[docs]")
    session.run("python", "tools/publish.py", "build", "--install", *session.posargs, env=_env())


@nox.session(python=False)
def browser(session: nox.Session) -> None:
    """Open every page of site/ in headless Chromium (Debian's) and check it; see .browser-check."""
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).is_file():
        session.error(
            f"{chromium} not found: install Debian's Chromium with "
            "`apt-get update && apt-get install -y --no-install-recommends chromium` "
            "(or set CHROMIUM to a Chromium binary); no browser is downloaded"
        )
    if not (SITE / "switcher.json").is_file():
        session.error("site/switcher.json not found: run `nox -s publish` first")
    if shutil.which("npm") is None or shutil.which("node") is None:
        session.error("node and npm are needed (Debian: apt-get install nodejs npm)")
    with session.chdir(BROWSER_CHECK):
        session.run("npm", "ci", "--no-audit", "--no-fund", "--silent", external=True)
    session.run(
        "node",
        str(BROWSER_CHECK / "check.mjs"),
        "--site",
        str(SITE),
        "--chromium",
        chromium,
        "--python",
        sys.executable,
        *session.posargs,
        external=True,
    )


@nox.session(python=False)
def new(session: nox.Session) -> None:
    """Write and list a chapter skeleton (static checks pass; the tests pass once its Japanese
    catalog exists, as the command prints): `nox -s new -- NAME [--part dense]`."""
    if not session.posargs:
        session.error("give the chapter's NAME: nox -s new -- four_filters [--part dense]")
    session.run(sys.executable, "tools/new_chapter.py", *session.posargs)
