"""Keeping the generated gallery in step with its sources, so no clean-up is done by hand.

- Generated files of examples that no longer exist are removed (:func:`remove_orphans`).
- Every static convention check (:func:`explainer.conventions.check_gallery`) runs at the
  start of the build, so a malformed title or a chapter list naming a removed chapter fails
  the build as it fails the tests; so does a translation catalog that names a removed chapter
  (:func:`catalogs_naming_missing_chapters`).
- A pattern build (``EXPLAINER_GALLERY_PATTERN``) also runs every example whose source changed
  since its last successful run, or that never ran: otherwise its page would be published
  without output (:func:`widen_pattern`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from explainer import conventions

__all__ = ["catalogs_naming_missing_chapters", "remove_orphans", "widen_pattern"]

_GENERATED_IMAGE = re.compile(r"sphx_glr_(plot_[^.]*?)(?:_\d{3}|_thumb)?\.\w+$")


def _gallery_pairs(app: Any) -> list[tuple[Path, Path]]:
    """(examples folder, generated folder) pairs of the sphinx-gallery configuration."""
    conf = getattr(app.config, "sphinx_gallery_conf", None) or {}
    examples, generated = conf.get("examples_dirs", []), conf.get("gallery_dirs", [])
    examples = [examples] if isinstance(examples, str) else list(examples)
    generated = [generated] if isinstance(generated, str) else list(generated)
    src = Path(app.srcdir)
    return [
        (Path(os.path.normpath(src / e)), Path(os.path.normpath(src / g)))
        for e, g in zip(examples, generated, strict=False)
    ]


def remove_orphans(
    gallery: str | Path,
    generated: str | Path,
    metrics_dir: str | Path | None = None,
    html_dir: str | Path | None = None,
    locale_dir: str | Path | None = None,
) -> list[Path]:
    """Delete what sphinx-gallery generated for examples whose script no longer exists.

    Looks at ``generated/<part>/plot_*`` (page, notebook, script copy, md5, zip, caches),
    ``generated/<part>/images/`` (figures and thumbnails), ``metrics_dir/<example>.json``, the
    built pages ``html_dir/<generated>/<part>/<example>.html`` with their ``_sources``,
    ``_images`` and ``_downloads``, and the example's translation catalogs
    ``locale_dir/<lang>/LC_MESSAGES/<generated>/<part>/<example>.po``. Returns what it removed.
    """
    gallery, generated = Path(gallery), Path(generated)
    stems = {p.stem for p in conventions.example_paths(gallery)}
    removed: list[Path] = []
    if generated.is_dir():
        for part in [generated, *[d for d in generated.iterdir() if d.is_dir()]]:
            source_part = gallery / part.relative_to(generated)
            if not source_part.is_dir():  # _metrics/, or a part removed as a whole
                continue
            here = {p.stem for p in source_part.glob("plot_*.py")}
            for path in part.glob("plot_*"):
                if path.is_file() and path.name.split(".", 1)[0] not in here:
                    removed.append(path)
            for folder in (part / "images", part / "images" / "thumb"):
                for path in folder.glob("sphx_glr_plot_*") if folder.is_dir() else []:
                    match = _GENERATED_IMAGE.match(path.name)
                    if match and match.group(1) not in here:
                        removed.append(path)
            rel = part.relative_to(generated.parent)
            folders = []
            if html_dir is not None:
                folders += [Path(html_dir) / rel, Path(html_dir) / "_sources" / rel]
            if locale_dir is not None:
                folders += sorted(Path(locale_dir).glob(f"*/LC_MESSAGES/{rel.as_posix()}"))
            for folder in folders:
                for path in folder.glob("plot_*") if folder.is_dir() else []:
                    if path.is_file() and path.name.split(".", 1)[0] not in here:
                        removed.append(path)
    if html_dir is not None:
        images = Path(html_dir) / "_images"
        for path in images.glob("sphx_glr_plot_*") if images.is_dir() else []:
            match = _GENERATED_IMAGE.match(path.name)
            if match and match.group(1) not in stems:
                removed.append(path)
        downloads = Path(html_dir) / "_downloads"
        for path in downloads.glob("*/plot_*") if downloads.is_dir() else []:
            if path.name.split(".", 1)[0] not in stems:
                removed.append(path)
    if metrics_dir is not None and Path(metrics_dir).is_dir():
        removed += [p for p in Path(metrics_dir).glob("*.json") if p.stem not in stems]
    for path in removed:
        path.unlink(missing_ok=True)
        if path.parent.parent.name == "_downloads" and not any(path.parent.iterdir()):
            path.parent.rmdir()
    return removed


def catalogs_naming_missing_chapters(gallery: str | Path, locale_dir: str | Path) -> list[str]:
    """One message per translation catalog that still names a chapter whose script is gone (a
    gallery index's thumbnail, a link): the translated book would list a missing page."""
    stems = {p.stem for p in conventions.example_paths(gallery)}
    messages = []
    for po_file in sorted(Path(locale_dir).rglob("*.po")):
        named = set(re.findall(r"\bplot_\d+_\w+?(?=[^\w]|$)", po_file.read_text("utf-8")))
        missing = sorted(named - stems)
        if missing:
            messages.append(
                f"{po_file}: names the removed chapter(s) {', '.join(missing)}; update the "
                "catalogs after this build: nox -R -s translations -- update"
            )
    return messages


def _check_conventions(app: Any, gallery: Path) -> None:
    """The static checks, in the build too: a page is never published with a wrong title."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    index = Path(app.srcdir) / "index.md"
    for problem in conventions.check_gallery(gallery, index if index.is_file() else None):
        logger.warning(f"explainer: {problem}")
    locale_dir = _locale_dir(app)
    if locale_dir is not None and app.builder.name != "gettext":  # gettext is how to fix it
        for message in catalogs_naming_missing_chapters(gallery, locale_dir):
            logger.warning(f"explainer: {message}")


def _locale_dir(app: Any) -> Path | None:
    dirs = getattr(app.config, "locale_dirs", None) or []
    folder = Path(app.srcdir) / dirs[0] if dirs else None
    return folder if folder is not None and folder.is_dir() else None


def widen_pattern(pattern: str, stale: Iterable[Path]) -> str:
    """``pattern`` extended to also match the scripts ``stale`` (by their full path)."""
    extra = [re.escape(os.path.normpath(p)) + "$" for p in stale]
    return "|".join([f"(?:{pattern})", *extra]) if extra else pattern


def _prepare_gallery(app: Any) -> None:
    """builder-inited, before sphinx-gallery runs: remove orphans, run stale examples too."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    conf = getattr(app.config, "sphinx_gallery_conf", None)
    if conf is None:
        return
    for gallery, generated in _gallery_pairs(app):
        _check_conventions(app, gallery)
        removed = remove_orphans(
            gallery,
            generated,
            app.config.explainer_metrics_dir or None,
            app.outdir,
            _locale_dir(app),
        )
        if removed:
            app.env.explainer_rewrite_all = True
            names = sorted({p.name.split(".", 1)[0] for p in removed})
            logger.info(
                f"explainer: removed the generated files of {len(names)} deleted example "
                f"file(s): {', '.join(names)}"
            )
        if str(conf.get("plot_gallery")) in {"False", "0"}:
            continue
        pattern = conf.get("filename_pattern", "")
        stale = conventions.stale_examples(gallery, generated, pattern)
        if stale:
            conf["filename_pattern"] = widen_pattern(pattern, stale)
            logger.info(
                "explainer: also running example(s) changed since their last run, so their "
                f"pages keep their output: {', '.join(p.name for p in stale)}"
            )


def _outdated(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list:
    # After an example was removed, every page (sidebars, "Next" links) is rebuilt.
    if getattr(env, "explainer_rewrite_all", False) or removed:
        env.explainer_rewrite_all = False
        return sorted(env.found_docs)
    return []


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("metrics_table")  # explainer_metrics_dir: the metrics of removed examples
    # After sphinx-gallery has filled its configuration (10), before it runs the examples (500).
    app.connect("builder-inited", _prepare_gallery, priority=100)
    app.connect("env-get-outdated", _outdated)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
