"""Between gallery examples: a clean slate, the example's name for metrics, warnings as errors.

``docs/conf.py`` names :func:`reset_example` as sphinx-gallery's reset function (a dotted-path
string, so the configuration stays picklable). While an example runs, a Python warning that
would be printed onto its page raises instead, so the example fails and names its cause;
warnings that the filters ignore stay ignored. An example that ran and recorded no metric is a
Sphinx warning (so ``-W`` fails the build).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

from explainer import metrics

__all__ = ["reset_example", "warnings_as_errors"]

# The catcher of the running example: entering it saves the warning filters, leaving it
# restores them, so nothing an example (or this module) changes outlives the example.
_catcher: warnings.catch_warnings | None = None
_token: Any = None


def warnings_as_errors(example: str | None) -> None:
    """From now on a warning that Python would print is raised instead; ``None`` restores the
    filters of before. Filters that ignore a warning keep ignoring it.

    Every filter that would show a warning ("default", "always", "module", "once") becomes
    "error", and an "error" filter is appended for warnings no filter matches (which Python
    prints). The standard ``warnings.catch_warnings`` saves and restores the filters.
    """
    global _catcher
    if _catcher is not None:
        _catcher.__exit__(None, None, None)
        _catcher = None
    if example is None:
        return
    _catcher = warnings.catch_warnings()
    _catcher.__enter__()
    warnings.filters[:] = [
        (action if action == "ignore" else "error", *rest) for action, *rest in warnings.filters
    ]
    warnings.simplefilter("error", append=True)  # also tells the module that filters changed


def reset_example(gallery_conf: dict[str, Any], fname: str, when: str = "before") -> None:
    """Run before and after each gallery example: a fresh Keras session, the example's name for
    :mod:`explainer.metrics`, warnings as errors while it runs; an example that recorded nothing
    is reported."""
    global _token
    import matplotlib.pyplot as plt

    plt.close("all")
    if "keras" in sys.modules:
        import keras

        keras.backend.clear_session()
    stem = Path(fname).stem
    if when == "before":
        _token = metrics.set_current_example(stem)
        warnings_as_errors(stem)
        return
    warnings_as_errors(None)
    if _token is not None:
        metrics.reset_current_example(_token)
        _token = None
    folder = os.environ.get(metrics.METRICS_DIR_ENV)
    if folder and not [m for m in metrics.collect(folder) if m.example == stem]:
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            f"{fname}: the example ran but recorded no metric: call "
            "explainer.metrics.record(name, value, reference=...) for the numbers its prose "
            "talks about"
        )
