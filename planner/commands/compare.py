"""``planner compare DIR_A DIR_B``: KPIs of two output folders side by side.

Reads ``summary.json`` from each folder (written by ``planner solve`` or ``planner
project``) and prints the KPIs with the difference ``B - A`` and the relative change.
Exit status 0, or 2 when a summary is missing or unreadable.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from planner.commands import EXIT_INVALID
from planner.compare import compare


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare the KPIs of two solved or projected rosters",
        description=(
            "Print the KPIs in DIR_A/summary.json and DIR_B/summary.json side by side "
            "with the difference B - A and the relative change."
        ),
    )
    parser.add_argument(
        "first", metavar="DIR_A", help="output folder with summary.json"
    )
    parser.add_argument(
        "second", metavar="DIR_B", help="output folder with summary.json"
    )
    parser.add_argument(
        "--labels",
        nargs=2,
        metavar=("A", "B"),
        help="column names for the two sides (default: the folder names)",
    )
    parser.add_argument("--csv", metavar="FILE", help="also write the table to FILE")
    parser.set_defaults(run=run)


def read_summary(folder: str | Path) -> dict:
    """Read ``summary.json`` in ``folder`` (or the file itself when given one)."""
    path = Path(folder)
    if path.is_dir():
        path = path / "summary.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def run(args: argparse.Namespace) -> int:
    labels = (
        tuple(args.labels) if args.labels else _default_labels(args.first, args.second)
    )
    try:
        first = read_summary(args.first)
        second = read_summary(args.second)
    except (OSError, ValueError, TypeError) as error:
        print(f"cannot read a summary: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        table = compare(first, second, labels=labels)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return EXIT_INVALID

    print(format_table(table, labels))
    if args.csv:
        from planner.csvsafe import write_csv

        write_csv(table, args.csv)
    return 0


def _default_labels(first: str, second: str) -> tuple[str, str]:
    a, b = Path(first).resolve().name, Path(second).resolve().name
    return (a, b) if a != b else ("A", "B")


def format_table(table: pd.DataFrame, labels: tuple[str, str]) -> str:
    """Format the comparison for a terminal, with intervals as ``[low, high]``."""
    rows = [("metric", labels[0], labels[1], "B - A", "change")]
    for record in table.to_dict(orient="records"):
        rows.append(
            (
                record["metric"],
                _with_interval(record, labels[0]),
                _with_interval(record, labels[1]),
                _number(record["difference"]),
                _percent(record["relative_change"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:])
        ]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _with_interval(record: dict, label: str) -> str:
    text = _number(record[label])
    low, high = record[f"{label} ci_low"], record[f"{label} ci_high"]
    if not (math.isnan(low) or math.isnan(high)):
        text += f" [{_number(low)}, {_number(high)}]"
    return text


def _number(value: float) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value) or float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) < 10:
        return f"{value:.3f}"
    return f"{value:,.1f}"


def _percent(value: float) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{100 * value:+.1f}%"
