"""Quiet by default: TensorFlow's C++ (absl) log lines kept off the user's terminal.

TensorFlow prints ``I0000 … oneDNN custom operations are on`` and ``E0000 … NodeDef mentions
attribute …`` straight onto file descriptor 2 from C++, some before Python's logging exists, so
``TF_CPP_MIN_LOG_LEVEL`` cannot remove them all. While the report runs, fd 2 points at a
temporary file; the report's own messages (progress bar, errors) go to a duplicate of the
original stderr. With ``--verbose`` nothing is redirected.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import TextIO

__all__ = ["quiet_stderr"]


@contextlib.contextmanager
def quiet_stderr(enabled: bool = True) -> Iterator[TextIO]:
    """Yield the stream for the user's messages; inside, fd 2 goes to a scratch file."""
    if not enabled:
        yield sys.stderr
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (some notebooks, IDEs)
        yield sys.stderr
        return
    try:
        on_fd2 = sys.stderr.fileno() == 2
    except (OSError, ValueError, AttributeError):  # a StringIO, pytest's capture, ...
        on_fd2 = False
    scratch = tempfile.TemporaryFile()
    os.dup2(scratch.fileno(), 2)
    old_stderr = sys.stderr
    user: TextIO = old_stderr
    if on_fd2:  # Python's own stderr is fd 2: write the user's messages to its duplicate
        user = io.TextIOWrapper(
            os.fdopen(os.dup(saved), "wb", buffering=0),
            encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
            errors="backslashreplace",
            line_buffering=True,
            write_through=True,
        )
        sys.stderr = user
    # Library warnings and Python-level log records (TensorFlow's retracing warnings, absl) are
    # the same kind of noise.
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl", "keras", "h5py")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield user
    finally:
        sys.stderr = old_stderr
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        # `user` stays open: a log handler made inside may still hold it.
        user.flush()
        os.dup2(saved, 2)
        os.close(saved)
        scratch.close()
