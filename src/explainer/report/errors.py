"""The one error the report raises for input it cannot use, and the exit status it maps to."""

from __future__ import annotations

from explainer.errors import ExplainerError

__all__ = ["EXIT_BAD_INPUT", "ReportError"]

EXIT_BAD_INPUT = 2
"""Exit status for input the report cannot use (a bad model, data or option)."""


class ReportError(ExplainerError):
    """Input the report cannot use. The message is one line, meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
