"""The command line: ``explainer report MODEL --data DATA --out DIR``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from explainer import environment
from explainer.report.errors import EXIT_BAD_INPUT, ReportError
from explainer.report.progress import Progress
from explainer.report.quiet import quiet_stderr
from explainer.report.render import pct

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
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    parser.add_argument(
        "--layers",
        nargs="+",
        metavar="NAME",
        help="layers for feature maps, base/layer inside a nested model (default: the last "
        "convolution at each resolution)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N images")
    parser.add_argument(
        "--samples",
        type=int,
        default=2,
        metavar="K",
        help="images whose feature maps are drawn (default 2: a correct one and a mistake)",
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


def run(args: argparse.Namespace) -> int:
    """Run ``explainer report`` from parsed arguments; return the exit status."""
    from explainer.report.api import check_out_dir, generate

    environment.configure()
    with quiet_stderr(enabled=not getattr(args, "verbose", False)) as err:
        try:
            check_out_dir(Path(args.out).expanduser())
            report = generate(
                args.model,
                args.data,
                layers=args.layers,
                limit=args.limit,
                samples=args.samples,
                unsafe=args.unsafe,
                progress=Progress.for_stderr(args.quiet, stream=err),
            )
            report.save(args.out)
        except ReportError as exc:
            print(f"explainer report: error: {exc}", file=err)
            return EXIT_BAD_INPUT
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
