"""Keeping the generated gallery in step with its sources, so no clean-up is done by hand.

- Generated files of examples that no longer exist are removed (:func:`remove_orphans`).
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

__all__ = ["remove_orphans", "widen_pattern"]

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
) -> list[Path]:
    """Delete what sphinx-gallery generated for examples whose script no longer exists.

    Looks at ``generated/<part>/plot_*`` (page, notebook, script copy, md5, zip, caches),
    ``generated/<part>/images/`` (figures and thumbnails), ``metrics_dir/<example>.json`` and
    the built pages ``html_dir/<generated>/<part>/<example>.html``. Returns what it removed.
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
            if html_dir is not None:
                pages = Path(html_dir) / part.relative_to(generated.parent)
                for path in pages.glob("plot_*.html") if pages.is_dir() else []:
                    if path.stem not in here:
                        removed.append(path)
    if metrics_dir is not None and Path(metrics_dir).is_dir():
        removed += [p for p in Path(metrics_dir).glob("*.json") if p.stem not in stems]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


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
        removed = remove_orphans(
            gallery, generated, app.config.explainer_metrics_dir or None, app.outdir
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
