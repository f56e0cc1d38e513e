"""The ``planner`` command line: one subcommand per pipeline step.

Each subcommand lives in ``planner/commands/<name>.py`` and provides
``add_parser(subparsers)`` and ``run(args) -> int``. Exit status: 0 success,
2 invalid input, 3 a roster was written but some interval is below a floor.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = (
    "validate",
    "demand",
    "requirements",
    "solve",
    "project",
    "export",
    "compare",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planner",
        description="Plan rosters for tiered (L1/L2/L3) technical support.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"planner.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"planner.commands.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
