"""The command line: ``explainer report MODEL --data DATA --out DIR``."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explainer import environment
from explainer.report.api import MAX_LAYERS, MAX_SAMPLES
from explainer.report.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    ReportError,
)
from explainer.report.output import signal_handlers
from explainer.report.progress import Progress
from explainer.report.quiet import quiet_stderr
from explainer.report.render import pct

if TYPE_CHECKING:
    from explainer.report.api import Report

__all__ = ["OneLineParser", "add_parser", "main", "run"]


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr with exit status 2, like bad input."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report`` to the ``explainer`` command's subcommands."""
    parser = subparsers.add_parser(
        "report",
        help="an HTML report of your own Keras image classifier",
        description=(
            "Write a static HTML report (index.html, PNG figures, report.json) of a Keras image "
            "classifier on labelled images: model card, accuracy, precision, recall and F1 per "
            "class, confusion matrix, most confident mistakes, filters and feature maps, weight "
            "templates, histograms."
        ),
        epilog=(
            "DATA: 'mnist' or 'cifar10' (test split); a .npz with arrays x (N,H,W,C / N,H,W / "
            "N,features; uint8 or float) and y (N integer labels), optionally class_names; a "
            "folder holding x.npy and y.npy; or a folder of class sub-folders of images (the "
            "layout of keras.utils.image_dataset_from_directory), resized to the model's input. "
            ".npy files and uncompressed .npz (np.savez) are memory-mapped. Exit status 2 on "
            "bad input, with one line on stderr."
        ),
    )
    parser.add_argument("model", metavar="MODEL", help="a .keras file (Keras 3) or a .h5 file")
    parser.add_argument("--data", required=True, metavar="DATA", help="labelled images (below)")
    parser.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder to write: new, empty, or an earlier report of this tool (which is replaced)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that holds other files, beside them: an earlier report's files "
        "are replaced, no other file is ever deleted or overwritten",
    )
    parser.add_argument(
        "--layers",
        nargs="+",
        metavar="NAME",
        help="layers for feature maps, base/layer inside a nested model (default: the last "
        f"convolution at each resolution; at most {MAX_LAYERS})",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N images")
    parser.add_argument(
        "--samples",
        type=int,
        default=2,
        metavar="K",
        help="images whose feature maps are drawn (default 2: a correct one and a mistake; "
        f"at most {MAX_SAMPLES})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--verbose", action="store_true", help="let TensorFlow's own log lines through"
    )
    parser.add_argument(
        "--unsafe",
        action="store_true",
        help="allow models that carry code (Lambda layers, SavedModels): loading runs it!",
    )
    parser.set_defaults(run=run)
    return parser


class Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that clean-up code runs."""


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGINT and SIGTERM raise (once: a second one during the clean-up is ignored)."""

    def stop(signum: int, frame: Any) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    with signal_handlers(stop):
        yield


def _is_saved(report: Report, out: str) -> bool:
    """Whether ``out`` holds exactly this report (its report.json)."""
    try:
        on_disk = json.loads((Path(out).expanduser() / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return bool(on_disk == report.to_json())


def run(args: argparse.Namespace) -> int:
    """Run ``explainer report`` from parsed arguments; return the exit status.

    Every check that needs no computation comes first: the options, ``--out`` (can it be
    written, may it be replaced), the model file and the data spec. Ctrl-C (status 130) and
    SIGTERM (143) stop the run with one line; nothing half-written is left.
    """
    from explainer.report.api import check_options, generate
    from explainer.report.data import is_builtin
    from explainer.report.output import check_out

    environment.configure()
    saved = False
    report: Report | None = None
    with _signals_raise(), quiet_stderr(enabled=not getattr(args, "verbose", False)) as err:
        try:
            check_options(limit=args.limit, samples=args.samples, layers=args.layers)
            inputs = [args.model] + ([] if is_builtin(args.data) else [args.data])
            check_out(args.out, force=args.force, keep=inputs)
            report = generate(
                args.model,
                args.data,
                layers=args.layers,
                limit=args.limit,
                samples=args.samples,
                unsafe=args.unsafe,
                progress=Progress.for_stderr(args.quiet, stream=err),
            )
            report.save(args.out, force=args.force)
            saved = True
        except ReportError as exc:
            print(f"explainer report: error: {exc}", file=err)
            return EXIT_BAD_INPUT
        except (KeyboardInterrupt, Terminated) as exc:
            what, status = (
                ("interrupted", EXIT_INTERRUPTED)
                if isinstance(exc, KeyboardInterrupt)
                else ("terminated", EXIT_TERMINATED)
            )
            # A signal held off during the swap arrives just after it: the report is complete.
            saved = saved or (report is not None and _is_saved(report, args.out))
            done = (
                f"the report in {args.out} is complete" if saved else f"{args.out} was not changed"
            )
            print(f"explainer report: {what}; {done}", file=err)
            return status
    assert report is not None
    if not args.quiet:
        index = Path(args.out).expanduser() / "index.html"
        print(f"accuracy {pct(report.accuracy)} on {report.result.data.n:,} images; {index}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``explainer report ...`` on its own (the package CLI adds it as a subcommand)."""
    parser = OneLineParser(prog="explainer")
    subparsers = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    add_parser(subparsers)
    args = parser.parse_args(["report", *(argv if argv is not None else sys.argv[1:])])
    return int(args.run(args))
