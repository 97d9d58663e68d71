"""The one base class of the errors this package raises on purpose.

``except explainer.errors.ExplainerError`` catches every refusal of bad input or missing data
with its one-line message, and nothing else. Each error keeps the built-in class it had before
(``DataError`` is a ``RuntimeError``, ``ReceptiveFieldError`` a ``ValueError``), so existing
``except`` clauses keep working.
"""

from __future__ import annotations

__all__ = ["ExplainerError"]


class ExplainerError(Exception):
    """Input or data that ``explainer`` cannot use; the message says what to change."""
