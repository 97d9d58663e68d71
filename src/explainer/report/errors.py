"""The one error the report raises for input it cannot use, and the exit status it maps to."""

from __future__ import annotations

from explainer.errors import ExplainerError

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "ReportError"]

EXIT_BAD_INPUT = 2
"""Exit status for input the report cannot use (a bad model, data or option)."""
EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (SIGINT), as shells report it: 128 + 2."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM: 128 + 15."""


class ReportError(ExplainerError):
    """Input the report cannot use. The message is one line, meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
