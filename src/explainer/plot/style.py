"""The book's figure style in one place: colour maps, colours and font sizes.

Every plot module takes its colours and sizes from here, so a figure of one chapter looks like
a figure of another and a change of style is one edit. Functions still accept ``fontsize=``
(and ``*_kw`` dictionaries for their artists) to override these per call.
"""

from __future__ import annotations

import matplotlib as mpl

__all__ = [
    "BOOK_WIDTH",
    "CLASS_COLORS",
    "CLASS_LIGHT_COLORS",
    "CLASS_PALETTE",
    "CORRECT_COLOR",
    "DIAGONAL_COLOR",
    "DIAGONAL_FILL",
    "FEATURE_CMAP",
    "FONT_SIZE",
    "HISTOGRAM_COLORS",
    "INFORMATIVE_COLOR",
    "LARGE_FONT_SIZE",
    "MAGNITUDE_CMAP",
    "MIN_FONT_SIZE",
    "MUTED_COLOR",
    "NEGATIVE_COLOR",
    "OTHER_COLOR",
    "OUTSIDE_GREYS",
    "POSITIVE_COLOR",
    "PRED_LABEL_COLOR",
    "SALIENCY_CMAP",
    "SMALL_FONT_SIZE",
    "SPACE_BOX_COLOR",
    "SPACE_LINE_COLOR",
    "STEP_COLORS",
    "SUPTITLE_FONT_SIZE",
    "TITLE_FONT_SIZE",
    "TRUE_LABEL_COLOR",
    "WEIGHT_CMAP",
    "WRONG_COLOR",
]

# -- Sizes --------------------------------------------------------------------------------------

BOOK_WIDTH = 7.8
"""Inches: a figure as wide as the book's text column."""
FONT_SIZE = 9
"""Points: labels, tile titles, axis labels."""
SMALL_FONT_SIZE = FONT_SIZE - 1
"""Points: legends, tick labels, colour bar labels."""
TITLE_FONT_SIZE = FONT_SIZE + 1
"""Points: the title of one panel."""
SUPTITLE_FONT_SIZE = FONT_SIZE + 2
"""Points: a figure's suptitle (also its alt text)."""
LARGE_FONT_SIZE = 11
"""Points: text of the few-panel figures of Part II, read at a smaller scale on the page."""
MIN_FONT_SIZE = 6
"""Points: the smallest text a figure may shrink to before it refuses to draw illegibly."""

# -- Colour maps --------------------------------------------------------------------------------

WEIGHT_CMAP = "RdBu_r"
"""For signed values such as weights and signed attributions, red positive and blue negative
with white at zero, on a scale centred at zero."""
FEATURE_CMAP = "gray"
"""Non-negative feature maps: black where a filter does not respond."""
SALIENCY_CMAP = "YlOrRd"
"""Unsigned maps: pale at zero, dark red at the map's maximum."""
MAGNITUDE_CMAP = "Purples"
"""``|w|``: white at zero like :data:`WEIGHT_CMAP`, no sign implied."""

# -- Colours ------------------------------------------------------------------------------------

POSITIVE_COLOR = mpl.colormaps[WEIGHT_CMAP](0.85)
"""Bar colour for positive weights: the red end of :data:`WEIGHT_CMAP`."""
NEGATIVE_COLOR = mpl.colormaps[WEIGHT_CMAP](0.15)
"""Bar colour for negative weights: the blue end of :data:`WEIGHT_CMAP`."""
TRUE_LABEL_COLOR = "#0b2a6f"
"""Dark blue: a true label beside a wrong prediction."""
PRED_LABEL_COLOR = "#d62728"
"""Red: a (wrong) predicted label."""
CORRECT_COLOR = "tab:green"
"""A right answer."""
WRONG_COLOR = "tab:red"
"""A wrong answer."""
MUTED_COLOR = "0.65"
"""Everything else, in grey."""
DIAGONAL_COLOR = "#2ca02c"
"""Green frame of the confusion matrix's diagonal (correct answers), as in ml4a's figure."""
DIAGONAL_FILL = "#d8efd3"
"""Pale green fill of the diagonal's cells."""
CLASS_COLORS: tuple[str, str] = ("tab:blue", "tab:orange")
"""The two classes of Part II's toy data."""
CLASS_LIGHT_COLORS: tuple[str, str] = ("#c6dbef", "#fdd0a2")
"""Light blue and light orange: the two classes' regions behind their points."""
CLASS_PALETTE: tuple[str, ...] = tuple(mpl.colormaps["tab10"].colors)  # type: ignore[attr-defined]
"""One colour per class (matplotlib's tab10), the same in scatters and mosaic frames."""
STEP_COLORS: tuple[str, ...] = ("#4a4a4a", "#1f77b4", "#ff7f0e", "#2ca02c")
"""The subsets of a tuning's steps (all, then each kind), in the order of the mapping's keys."""
HISTOGRAM_COLORS: tuple[str, ...] = (
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
)
"""Overlaid histograms, in the order of the mapping's keys."""
INFORMATIVE_COLOR = "#dd8452"
"""Weights of the informative inputs of the check data."""
OTHER_COLOR = "#8c8c8c"
"""Weights of the noise inputs of the check data."""
SPACE_LINE_COLOR = "0.55"
"""Grid lines carried through a layer in Part II's space figures."""
SPACE_BOX_COLOR = "0.35"
"""Frames of the panels of Part II's space figures."""
OUTSIDE_GREYS = (236, 208)
"""The two greys (0-255) of the checkerboard drawn where a receptive field leaves the image."""
