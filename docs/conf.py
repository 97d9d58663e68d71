"""Sphinx configuration of the explainer book."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sphinx_gallery.sorting import ExplicitOrder, FileNameSortKey

HERE = Path(__file__).parent.resolve()
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))  # the book documents this checkout, installed or not
sys.path.insert(1, str(HERE / "_ext"))  # the book's own Sphinx extensions

import tomllib

import explainer
from explainer import environment

environment.configure()

# -- Project -------------------------------------------------------------------------------------
project = "explainer"
author = "The explainer authors"
copyright = "2026, The explainer authors. Code BSD-3-Clause; MNIST figures CC BY-SA 3.0"
# The version has one source: pyproject.toml's [project] version, which the installed package
# reports as `explainer.__version__`. Read this checkout's own file, so that `nox -s publish`
# building an older release in its worktree shows that release even if another is installed.
_pyproject = ROOT / "pyproject.toml"
if _pyproject.is_file():
    release = tomllib.loads(_pyproject.read_text(encoding="utf-8"))["project"]["version"]
else:
    release = explainer.__version__
# The version the switcher marks as current: `nox -s publish` sets EXPLAINER_DOCS_VERSION to
# "dev" for the development build and to the release number for a release.
switcher_version = os.environ.get("EXPLAINER_DOCS_VERSION", "dev" if "dev" in release else release)
if switcher_version == "dev" and "dev" not in release:
    release += "+dev"  # unreleased work after a release: the theme's banner calls it unstable
version = release  # the theme's banner compares this with the preferred release

# -- General -------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "metrics_table",
    "gallery_upkeep",
    "api_upkeep",
    "report_example",
    "explainer.live.sphinx",  # the live widgets' script, on the pages that hold one
    "html_fixes",
    "i18n_fixes",
]
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/**/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/**/*.py",
    "**.ipynb_checkpoints",
    "_report",
    "locale",  # the translations' catalogs and glossary (docs/locale/ja/GLOSSARY.md)
    "sg_execution_times.rst",  # left over from builds with write_computation_times on
    "auto_examples/**sg_execution_times.rst",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
nitpicky = False
suppress_warnings = ["config.cache"]  # sphinx-gallery's callables in the config are not picklable

# -- Languages -----------------------------------------------------------------------------------
# English is the source; docs/locale/<lang>/LC_MESSAGES/*.po hold the translations (README
# "The Japanese edition"; `python tools/i18n.py update | check | build`). A translated build
# is `sphinx-build -D language=ja ...` or EXPLAINER_LANGUAGE=ja; it never runs an example.
language = os.environ.get("EXPLAINER_LANGUAGE", "en")
locale_dirs = ["locale/"]
gettext_compact = False  # one catalog per page: docs/locale/ja/LC_MESSAGES/auto_examples/...
gettext_location = False  # no line numbers in the catalogs: a prose edit elsewhere is no diff
gettext_uuid = False
LANGUAGES = {"en": "English", "ja": "日本語"}
# The language switch in every page's header links to the same page in the other language:
# EXPLAINER_OTHER_LANGUAGE is "<code>=<URL of its book's root, relative to this book's root>".
# `nox -s publish` sets it per version (en dev/ <-> ja/dev/); a local build links
# docs/_build/html <-> docs/_build/html-ja. Empty: no switch (an older release has no other).
_other = os.environ.get("EXPLAINER_OTHER_LANGUAGE")
if _other is None:
    _other = "ja=../html-ja/" if language == "en" else "en=../html/"
explainer_other_language = dict([_other.split("=", 1)]) if _other else {}

# -- MyST / myst-nb ------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
nb_execution_mode = "off"  # the MyST pages are prose; computation lives in the gallery
nb_execution_timeout = 600

# -- autodoc -------------------------------------------------------------------------------------
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_numpy_docstring = True
# One page per function and class (docs/generated/, from docs/_templates/autosummary/), each
# ending with the chapters that use it (sphinx-gallery's backreferences, below). Members are
# those of each module's __all__, so explainer.plot lists what it re-exports.
autosummary_generate = True
autosummary_ignore_module_all = False
# Types that autodoc cannot resolve without Keras' inventories (which are not available offline).
autodoc_type_aliases: dict[str, str] = {}

# -- intersphinx ---------------------------------------------------------------------------------
# Inventories are fetched over the network. On an offline machine (EXPLAINER_DATA_DIR set, or
# EXPLAINER_INTERSPHINX=0) they are skipped cleanly instead of failing the -W build.
_intersphinx = os.environ.get("EXPLAINER_INTERSPHINX", "auto")
if _intersphinx == "1" or (_intersphinx == "auto" and not os.environ.get("EXPLAINER_DATA_DIR")):
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }
else:
    intersphinx_mapping = {}
intersphinx_timeout = 10

# -- sphinx-gallery ------------------------------------------------------------------------------
_SECTIONS = ["../gallery/images", "../gallery/dense"]

sphinx_gallery_conf = {
    "examples_dirs": "../gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": os.environ.get("EXPLAINER_GALLERY_PATTERN", r"/plot_"),
    "subsection_order": ExplicitOrder(_SECTIONS),
    "within_subsection_order": FileNameSortKey,
    "reset_modules": ("example_reset.reset_example",),
    "reset_modules_order": "both",
    "min_reported_time": 1,
    "plot_gallery": os.environ.get("EXPLAINER_PLOT_GALLERY", "True"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "thumbnail_size": (320, 224),
    "image_scrapers": ("html_fixes.matplotlib_scraper",),
    "matplotlib_animations": (True, "jshtml"),
    "capture_repr": ("_repr_html_",),
    "show_memory": False,
    # The timing pages load jQuery and DataTables from CDNs: third-party requests on every
    # visit and broken offline. Each example states its own running time.
    "write_computation_times": False,
    # "Examples using explainer.x.y" on each API page: the chapters' calls, found in their code.
    "doc_module": ("explainer",),
    "backreferences_dir": "generated/backreferences",
}

explainer_metrics_dir = str(HERE / "auto_examples" / "_metrics")
explainer_always_reread = ["reproducibility"]
explainer_gallery_sections = [Path(s).name for s in _SECTIONS]  # book order of the parts
# The example report linked from report.md: made from the Filters chapter's cached network into
# docs/_report/report-example/, copied into the HTML output by html_extra_path.
explainer_report_dir = str(HERE / "_report")
explainer_report_recipe = "mnist_cnn"

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = f"explainer {release}"
html_static_path = ["_static"]
templates_path = ["_templates"]
html_extra_path = ["_report"]
html_css_files = ["explainer.css"]
# The theme's version banner is written in English by its JavaScript; this file rewrites it.
html_js_files = [] if language == "en" else ["explainer-i18n.js"]
html_favicon = "_static/favicon.svg"
html_last_updated_fmt = None  # no build date: the same sources give the same pages
html_show_sourcelink = False

html_theme_options = {
    "repository_url": "https://github.com/explainer-book/explainer",
    "use_repository_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # pydata-sphinx-theme 0.20 puts a search field into a header bar unless this is set, which
    # sphinx-book-theme's own defaults leave empty: without it every page has an empty header
    # with a second search field above the sidebar's.
    "navbar_persistent": [],
    # The version line with a link to the credits (a template, so the link works on every page).
    "footer_content_items": [
        "author.html",
        "copyright.html",
        "last-updated.html",
        "explainer-footer.html",
    ],
}
_sidebar = ["navbar-logo.html", "search-button-field.html", "sbt-sidebar-nav.html"]
# The version switcher and the "old / development version" banner need the site's
# switcher.json, which only `nox -s publish` writes (site/switcher.json, beside the version
# folders). It passes "../switcher.json": the theme resolves a relative json_url against the
# version's root, so the pages work under any host path. A plain `nox -s docs` build has no
# versions to switch between and leaves both out.
_switcher_url = os.environ.get("EXPLAINER_SWITCHER_URL")
if _switcher_url:
    html_theme_options |= {
        "switcher": {"json_url": _switcher_url, "version_match": switcher_version},
        "check_switcher": False,  # written after the build, next to the version folders
        "show_version_warning_banner": True,
    }
    _sidebar.insert(1, "version-switcher")
html_sidebars = {"**": _sidebar}
html_context = {
    "default_mode": "light",
    "other_languages": [
        {"code": code, "name": LANGUAGES.get(code, code), "root": root}
        for code, root in explainer_other_language.items()
    ],
}
html_theme_options["article_header_end"] = ["language-switch.html", "article-header-buttons.html"]
