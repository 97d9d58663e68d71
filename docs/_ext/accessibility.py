"""Accessibility fixes for what the theme generates, found by the browser check's axe-core run.

- The sidebar's collapsible entries are ``<details><summary>`` with only a chevron icon inside,
  so a screen reader announces an unnamed control (axe: ``summary-name``). Each summary gets
  an ``aria-label`` naming the entry it opens.

The version switcher's and the search button's names are fixed in ``docs/_templates``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup


def label_summaries(soup: BeautifulSoup) -> BeautifulSoup:
    """Name every bare toctree toggle "Pages under <entry title>" (in place; returns ``soup``)."""
    for summary in soup.select("li > details > summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        link = summary.find_parent("li").find("a", recursive=False)
        if link is not None:
            summary["aria-label"] = f"Pages under {link.get_text(' ', strip=True)}"
    return soup


def _wrap_toctree(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    original: Callable[..., Any] | None = context.get("generate_toctree_html")
    if original is None or getattr(original, "_labelled", False):
        return

    def generate_toctree_html(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        return label_summaries(result) if isinstance(result, BeautifulSoup) else result

    generate_toctree_html._labelled = True  # type: ignore[attr-defined]
    context["generate_toctree_html"] = generate_toctree_html


def setup(app: Any) -> dict[str, Any]:
    # After the theme (priority 500) has put its toctree function into the page context.
    app.connect("html-page-context", _wrap_toctree, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
