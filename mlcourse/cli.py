"""The ``mlcourse`` command: ``mlcourse --help`` lists what it can do."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mlcourse import __version__


def _doctor(args: argparse.Namespace) -> int:
    from mlcourse.environment import doctor

    report = doctor(kernel=not args.no_kernel, datasets=not args.no_datasets)
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlcourse",
        description="Tools for the mlcourse machine-learning-engineer course.",
        epilog="Run `mlcourse COMMAND --help` for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"mlcourse {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser(
        "doctor",
        help="check that this environment can run the course",
        description="Check Python, every dependency against the lock file, a Jupyter kernel and the "
        "bundled datasets. Exits 0 when all is well, 1 otherwise; each failed row says how to fix it.",
    )
    p.add_argument("--no-kernel", action="store_true", help="skip starting a Jupyter kernel")
    p.add_argument("--no-datasets", action="store_true", help="skip loading the bundled datasets")
    p.set_defaults(func=_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for usage errors, as argparse does)."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
