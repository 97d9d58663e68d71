"""A one-line progress bar for the long steps (prediction, figures)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """A one-line progress bar, drawn only when ``stream`` is a terminal."""

    def __init__(self, enabled: bool, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.width = width
        self._label = ""
        self._total = 0
        self._last = 0.0

    @classmethod
    def for_stderr(cls, quiet: bool, stream: TextIO | None = None) -> Progress:
        stream = stream if stream is not None else sys.stderr
        is_tty = bool(getattr(stream, "isatty", lambda: False)())
        return cls(enabled=not quiet and is_tty, stream=stream)

    @contextlib.contextmanager
    def task(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        """``with progress.task("predicting", n) as update: update(done)``."""
        self._label, self._total, self._last = label, max(total, 1), 0.0
        self._draw(0, force=True)
        try:
            yield self._draw
        finally:
            if self.enabled:
                self._draw(self._total, force=True)
                self.stream.write("\n")
                self.stream.flush()

    def _draw(self, done: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        frac = min(max(done / self._total, 0.0), 1.0)
        filled = round(frac * self.width)
        utf = (getattr(self.stream, "encoding", None) or "").lower().startswith("utf")
        full, empty = ("█", "·") if utf else ("#", "-")
        bar = full * filled + empty * (self.width - filled)
        self.stream.write(
            f"\r{self._label:<22} {bar} {frac:4.0%}  {done:,}/{self._total:,}".ljust(79)
        )
        self.stream.flush()
