"""``planner requirements SCENARIO --out requirements.csv``: agents needed per queue.

Writes one row per interval and queue with the columns ``interval_start`` (UTC,
``Z``), ``queue``, ``arrivals``, ``workload_erlangs``, ``required_raw`` and
``required``, followed by ``tier`` and ``language``. Exit status 0 on success,
2 on invalid input (every problem listed) or an output file that cannot be written.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from planner.commands import EXIT_INVALID
from planner.commands.validate import problem_table
from planner.csvsafe import frame_to_csv_bytes
from planner.loading import load_scenario
from planner.problems import ScenarioError
from planner.requirements import compute_requirements, tier_requirements

FILE_COLUMNS = [
    "interval_start",
    "queue",
    "arrivals",
    "workload_erlangs",
    "required_raw",
    "required",
    "tier",
    "language",
]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "requirements",
        help="compute agents required per interval and queue",
        description=(
            "Compute the agents SCENARIO needs in every interval and queue (Erlang C, "
            "or Erlang A for tiers with patience_minutes) and write them as CSV. "
            "Exit status 0 on success, 2 on invalid input."
        ),
    )
    parser.add_argument(
        "scenario", metavar="SCENARIO", help="scenario folder, .zip or .xlsx"
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="CSV",
        help="output file, or - for standard output",
    )
    parser.add_argument(
        "--excel",
        action="store_true",
        help="start the file with a UTF-8 byte-order mark and use CRLF line ends",
    )
    parser.set_defaults(run=run)


def requirements_file_frame(requirements: pd.DataFrame) -> pd.DataFrame:
    """Return the requirements in the file layout, instants as ISO 8601 with ``Z``."""
    frame = requirements[FILE_COLUMNS].copy()
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame["arrivals"] = frame["arrivals"].round(6)
    frame["workload_erlangs"] = frame["workload_erlangs"].round(6)
    return frame


def run(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(args.scenario)
        requirements = compute_requirements(scenario)
    except ScenarioError as error:
        print(f"{args.scenario}: {len(error.problems)} problem(s)", file=sys.stderr)
        print(problem_table(error.problems), file=sys.stderr)
        return EXIT_INVALID
    except (OSError, ValueError) as error:
        print(f"{args.scenario}: cannot compute requirements: {error}", file=sys.stderr)
        return EXIT_INVALID

    data = frame_to_csv_bytes(requirements_file_frame(requirements), excel=args.excel)
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        with open(args.out, "wb") as handle:
            handle.write(data)
    except OSError as error:
        print(f"cannot write {args.out}: {error}", file=sys.stderr)
        return EXIT_INVALID

    print(summary(requirements, tier_requirements(requirements, scenario), args.out))
    return 0


def summary(requirements: pd.DataFrame, tiers: pd.DataFrame, out: str) -> str:
    """Describe the written file: rows, and per tier the peak and agent-hours on shift."""
    lines = [f"Wrote {len(requirements)} rows to {out}."]
    if tiers.empty:
        return lines[0]
    step = requirements["interval_start"].drop_duplicates().sort_values().diff().min()
    hours = step.total_seconds() / 3600 if pd.notna(step) else 0.0
    for tier, rows in tiers.groupby("tier", sort=False):
        lines.append(
            f"  {tier}: peak {int(rows['required'].max())} agents on shift, "
            f"{rows['required'].sum() * hours:.1f} agent-hours in the horizon"
        )
    return "\n".join(lines)
