"""Command line: ``python -m explainer`` / ``explainer``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from explainer import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="explainer", description=__doc__)
    parser.add_argument("--version", action="version", version=f"explainer {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
