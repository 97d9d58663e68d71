"""Sphinx configuration of the explainer book."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sphinx_gallery.sorting import ExplicitOrder, FileNameSortKey

HERE = Path(__file__).parent.resolve()
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))  # the book documents this checkout, installed or not

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import explainer

# -- Project -------------------------------------------------------------------------------------
project = "explainer"
author = "The explainer authors"
copyright = "2026, The explainer authors. Code BSD-3-Clause; MNIST figures CC BY-SA 3.0"
release = explainer.__version__
version = release
# The version shown and matched by the switcher; `nox -s publish` sets it for each build
# ("dev" for the development build, the release number for a release).
switcher_version = os.environ.get("EXPLAINER_DOCS_VERSION", "dev" if "dev" in release else release)

# -- General -------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "explainer.sphinxext",
]
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/**/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/**/*.py",
    "**.ipynb_checkpoints",
    "_report",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
nitpicky = False
suppress_warnings = ["config.cache"]  # sphinx-gallery's callables in the config are not picklable

# -- MyST / myst-nb ------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
nb_execution_mode = "off"  # the MyST pages are prose; computation lives in the gallery
nb_execution_timeout = 600

# -- autodoc -------------------------------------------------------------------------------------
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_numpy_docstring = True
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
    "reset_modules": ("explainer.sphinxext.reset_example",),
    "reset_modules_order": "both",
    "min_reported_time": 1,
    "plot_gallery": os.environ.get("EXPLAINER_PLOT_GALLERY", "True"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "thumbnail_size": (320, 224),
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": (True, "jshtml"),
    "capture_repr": ("_repr_html_",),
    "show_memory": False,
}

explainer_metrics_dir = str(HERE / "auto_examples" / "_metrics")
explainer_always_reread = ["reproducibility"]
# The example report linked from report.md: made from the Filters chapter's cached network into
# docs/_report/report-example/, copied into the HTML output by html_extra_path.
explainer_report_dir = str(HERE / "_report")
explainer_report_recipe = "mnist_cnn"

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = f"explainer {release}"
html_static_path = ["_static"]
html_extra_path = ["_report"]
html_css_files = ["explainer.css"]
html_last_updated_fmt = None  # no build date: the same sources give the same pages
html_show_sourcelink = False

_switcher_url = os.environ.get("EXPLAINER_SWITCHER_URL", "/switcher.json")
html_theme_options = {
    "repository_url": "https://github.com/explainer-book/explainer",
    "use_repository_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "switcher": {"json_url": _switcher_url, "version_match": switcher_version},
    "show_version_warning_banner": True,
    "extra_footer": (
        f"<p>explainer {release} · code BSD-3-Clause · MNIST CC BY-SA 3.0 "
        f'(<a href="credits.html">data and credits</a>)</p>'
    ),
}
html_sidebars = {
    "**": [
        "navbar-logo.html",
        "version-switcher",
        "search-button-field.html",
        "sbt-sidebar-nav.html",
    ]
}
html_context = {"default_mode": "light"}
