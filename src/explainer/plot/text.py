"""Text that comes from users (class names, file names) drawn as written, in a font that has it.

Matplotlib reads a string with two ``$`` as a formula (mathtext), so ``price_$x^{2}$`` would be
drawn as math and ``$\\nosuchcmd{$`` would make the figure fail. Its default font (DejaVu Sans)
has no Japanese or Chinese glyphs, which it draws as empty boxes. This module:

* :func:`literal` escapes ``$`` so no user string ever starts mathtext;
* :func:`elide` shortens long names for a figure (the page keeps the full name);
* :func:`user_text_fonts` puts CJK-capable fonts that matplotlib's font manager finds after the
  current font in ``font.family``; matplotlib (≥ 3.6) then takes each glyph from the first font
  that has it, so Latin text is drawn exactly as before;
* :func:`missing_glyphs` lists the characters that no available font can draw, so the page can
  say so instead of showing boxes silently;
* :func:`percent` formats a probability without rounding an uncertain one to 100 %.
"""

from __future__ import annotations

import contextlib
import functools
import math
import unicodedata
import warnings
from collections.abc import Iterator

__all__ = [
    "CJK_FONTS",
    "ELIDE_AT",
    "elide",
    "font_families",
    "label",
    "literal",
    "missing_glyphs",
    "percent",
    "user_text_fonts",
]

ELIDE_AT = 20
"""Characters of a name a figure shows before it is cut with "…"."""

CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans",
    "IPAexGothic",
    "IPAGothic",
    "IPAPGothic",
    "TakaoGothic",
    "TakaoPGothic",
    "VL Gothic",
    "VL PGothic",
    "M+ 1p",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "Noto Sans CJK",
    "Hiragino Sans",
    "Yu Gothic",
    "MS Gothic",
    "Microsoft YaHei",
    "Malgun Gothic",
    "Arial Unicode MS",
)
"""Fonts with Japanese, Chinese or Korean glyphs, in order of preference; those that
matplotlib's font manager finds on the machine are used as fallbacks."""


def literal(text: object) -> str:
    """``text`` as matplotlib draws it literally: every ``$`` escaped, so no mathtext starts."""
    return str(text).replace("$", r"\$")


def elide(text: object, limit: int = ELIDE_AT) -> str:
    """``text`` cut to ``limit`` characters and "…" when longer (figures only)."""
    text = " ".join(str(text).split())  # a newline in a name would break a tile's layout
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def label(text: object, limit: int = ELIDE_AT) -> str:
    """A user's name for a figure: elided, then escaped (:func:`elide`, :func:`literal`)."""
    return literal(elide(text, limit))


def percent(p: float, decimals: int = 0) -> str:
    """``p`` as a percentage that never claims certainty it does not have.

    A probability below 1 is never shown as "100%" and one above 0 never as "0%": decimals are
    added until the printed value is honest (99.6 % is "99.6%", not "100%").
    """
    p = float(p)
    for digits in range(decimals, 7):
        text = f"{p:.{digits}%}"
        shown = float(text.rstrip("%"))
        if (p < 1 and shown >= 100) or (p > 0 and shown <= 0):
            continue
        return text
    scaled = p * 100 * 10**6  # below a millionth of a percent from 0 or 100: floor or ceil it
    return f"{(math.floor(scaled) if p >= 0.5 else math.ceil(scaled)) / 10**6:.6f}%"


@functools.cache
def _fallbacks() -> tuple[str, ...]:
    from matplotlib import font_manager

    found = {entry.name for entry in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in found)


def font_families() -> list[str]:
    """``font.family`` for user text: the current families, then the CJK fonts found."""
    import matplotlib as mpl

    current = list(mpl.rcParams["font.family"])
    return current + [name for name in _fallbacks() if name not in current]


@contextlib.contextmanager
def user_text_fonts() -> Iterator[None]:
    """Draw inside with the CJK fallbacks (glyph by glyph) and without missing-glyph warnings.

    :func:`missing_glyphs` says what cannot be drawn; the warning would only repeat it once per
    text artist.
    """
    import matplotlib as mpl

    with (
        mpl.rc_context({"font.family": font_families()}),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", r"Glyph .* missing from", UserWarning)
        yield


@functools.cache
def _charmap(path: str) -> frozenset[int]:
    from matplotlib import font_manager

    try:
        return frozenset(font_manager.get_font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


def _font_paths(families: tuple[str, ...]) -> list[str]:
    from matplotlib import font_manager

    paths = []
    for family in families:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=[family]), fallback_to_default=False
            )
        except ValueError:
            continue
        if "LastResort" not in path and path not in paths:
            paths.append(path)
    return paths


def missing_glyphs(text: object) -> str:
    """The characters of ``text`` (in order, once each) that no font in :func:`font_families`
    can draw; whitespace and control characters are ignored."""
    charmaps = [_charmap(path) for path in _font_paths(tuple(font_families()))]
    missing: dict[str, None] = {}
    for char in str(text):
        if char.isspace() or unicodedata.category(char).startswith("C"):
            continue
        if not any(ord(char) in cmap for cmap in charmaps):
            missing[char] = None
    return "".join(missing)
