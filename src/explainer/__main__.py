"""Command line: ``python -m explainer`` / ``explainer``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from explainer import __version__, report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="explainer", description=__doc__)
    parser.add_argument("--version", action="version", version=f"explainer {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=report.OneLineParser
    )
    report.add_parser(subparsers)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.run(args))
    except KeyboardInterrupt:  # Ctrl-C outside a command's own handling: one line, no traceback
        print("explainer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
