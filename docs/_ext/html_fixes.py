"""Fixes to the HTML that the theme and sphinx-gallery write, found by ``nox -s browser``.

- The sidebar's collapsible entries are ``<details><summary>`` with only a chevron icon inside,
  so a screen reader announces an unnamed control (axe: ``summary-name``). Each summary gets
  an ``aria-label`` naming the entry it opens.
- Matplotlib's embedded animations (``to_jshtml``) load Font Awesome 4 from a CDN (a
  third-party request on every visit, and a failed one offline; the theme already ships Font
  Awesome), show their frames in an ``<img>`` without ``alt`` (axe: ``image-alt``) and have an
  unlabelled frame slider (axe: ``label``). :func:`matplotlib_scraper` wraps sphinx-gallery's
  scraper: the link goes, the image's ``alt`` is the figure's suptitle (as sphinx-gallery does
  for still figures) and the slider is named. A figure without a suptitle (so without alt text)
  is a build warning naming the example (:func:`check_suptitles`).

The version switcher's and the search button's names are fixed in ``docs/_templates``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from bs4 import BeautifulSoup

# -- Sidebar toggles -----------------------------------------------------------------------------


# The toggles' names per book language (the Japanese edition: docs/locale/ja).
SUMMARY_LABELS = {"en": "Pages under {}", "ja": "「{}」のページ一覧"}


def label_summaries(soup: BeautifulSoup, label: str = SUMMARY_LABELS["en"]) -> BeautifulSoup:
    """Name every bare toctree toggle "Pages under <entry title>" (in place; returns ``soup``)."""
    for summary in soup.select("li > details > summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        link = summary.find_parent("li").find("a", recursive=False)
        if link is not None:
            summary["aria-label"] = label.format(link.get_text(" ", strip=True))
    return soup


def _wrap_toctree(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    original: Callable[..., Any] | None = context.get("generate_toctree_html")
    if original is None or getattr(original, "_labelled", False):
        return
    label = SUMMARY_LABELS.get(app.config.language or "en", SUMMARY_LABELS["en"])

    def generate_toctree_html(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        return label_summaries(result, label) if isinstance(result, BeautifulSoup) else result

    generate_toctree_html._labelled = True  # type: ignore[attr-defined]
    context["generate_toctree_html"] = generate_toctree_html


# -- Animations ----------------------------------------------------------------------------------

_CDN_STYLESHEET = re.compile(
    r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*">'
)
_ANIM_IMG = re.compile(r'<img id="(_anim_img[0-9a-f]+)">')
_ANIM_SLIDER = re.compile(r'<input id="(_anim_slider[0-9a-f]+)"')
DEFAULT_ANIMATION_ALT = "An animation; play it with the buttons below"


def fix_animation_html(rst: str, titles: Sequence[str]) -> str:
    """Remove the CDN stylesheet, give the i-th animation image ``titles[i]`` as alt text
    and name the frame sliders."""
    rst = _CDN_STYLESHEET.sub("", rst)
    numbered = iter(range(len(_ANIM_IMG.findall(rst))))

    def alt(match: re.Match[str]) -> str:
        i = next(numbered)
        text = titles[i] if i < len(titles) and titles[i] else DEFAULT_ANIMATION_ALT
        return f'<img id="{match.group(1)}" alt="{html.escape(text)}">'

    rst = _ANIM_IMG.sub(alt, rst)
    return _ANIM_SLIDER.sub(r'<input id="\1" aria-label="Animation frame"', rst)


def _animation_titles(block_vars: dict[str, Any]) -> list[str]:
    """Suptitles of the animated figures, in the order the scraper writes them."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import Animation

    animated = {
        id(value._fig)
        for value in block_vars["example_globals"].values()
        if isinstance(value, Animation)
    }
    titles = []
    for num in plt.get_fignums():
        fig = plt.figure(num)
        if id(fig) in animated:
            titles.append(fig.get_suptitle() if hasattr(fig, "get_suptitle") else "")
    return titles


def check_suptitles(figures: Sequence[Any], example: str) -> str | None:
    """The message for figures without a suptitle (it becomes the image's alt text), or None."""
    from explainer.conventions import figures_without_suptitle

    missing = figures_without_suptitle(figures)
    if not missing:
        return None
    return (
        f"{example}: figure(s) {', '.join(map(str, missing))} of this code block have no "
        "suptitle; the suptitle is the image's alt text: pass suptitle='<what the figure "
        "shows>' to the explainer.plot function"
    )


def matplotlib_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: Any, **kwargs) -> str:
    """sphinx-gallery's matplotlib scraper with the animation fixes of this module; a figure
    without a suptitle is a Sphinx warning (an error under ``-W``) naming the example."""
    import matplotlib.pyplot as plt
    from sphinx.util import logging
    from sphinx_gallery.scrapers import matplotlib_scraper as scrape

    figures = [plt.figure(num) for num in plt.get_fignums()]
    problem = check_suptitles(figures, str(block_vars.get("src_file", "an example")))
    if problem:
        logging.getLogger(__name__).warning(problem)
    titles = _animation_titles(block_vars) if gallery_conf["matplotlib_animations"][0] else []
    return fix_animation_html(scrape(block, block_vars, gallery_conf, **kwargs), titles)


def setup(app: Any) -> dict[str, Any]:
    # After the theme (priority 500) has put its toctree function into the page context.
    app.connect("html-page-context", _wrap_toctree, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
