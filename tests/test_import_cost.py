"""The package's runtime import path: no docs tooling, no TensorFlow until a function needs it."""

from __future__ import annotations

import subprocess
import sys

import report_example


def test_importing_the_package_and_the_report_api_loads_neither_docutils_nor_tensorflow() -> None:
    code = (
        "import sys, explainer, explainer.report\n"
        "heavy = sorted(m for m in ('docutils', 'sphinx', 'tensorflow', 'keras') "
        "if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_example_report_stamp_covers_every_module_of_the_package(tmp_path) -> None:
    package = tmp_path / "explainer"
    (package / "report").mkdir(parents=True)
    (package / "report" / "api.py").write_text("A = 1\n")
    (package / "attribution.py").write_text("B = 1\n")
    first = report_example.report_stamp("key", package)
    assert first == report_example.report_stamp("key", package)
    assert report_example.report_stamp("other", package) != first
    (package / "attribution.py").write_text("B = 2\n")
    edited = report_example.report_stamp("key", package)
    assert edited != first
    (package / "faithfulness.py").write_text("C = 1\n")  # a module added later is covered too
    assert report_example.report_stamp("key", package) != edited


def test_every_error_of_the_package_is_an_explainer_error_and_keeps_its_builtin_class() -> None:
    from explainer.datasets import DataError
    from explainer.errors import ExplainerError
    from explainer.report import ReportError
    from explainer.units import ReceptiveFieldError

    assert issubclass(DataError, ExplainerError) and issubclass(DataError, RuntimeError)
    assert issubclass(ReceptiveFieldError, ExplainerError)
    assert issubclass(ReceptiveFieldError, ValueError)
    assert issubclass(ReportError, ExplainerError)
    assert str(ReportError("a\n  b")) == "a b"  # still one line
