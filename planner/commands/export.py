"""``planner export OUTDIR``: turn a solve's output folder into a workbook and calendars.

Reads ``roster.csv``, ``coverage.csv``, ``summary.json`` and ``requirements.csv`` from
OUTDIR (each when present, ``roster.csv`` required) and writes an Excel workbook with
one sheet per file. With ``--scenario`` it also writes one iCalendar file per agent,
because reading the roster's shifts needs the scenario's agents.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from planner.commands import EXIT_INVALID
from planner.exports import summary_tables, workbook_bytes
from planner.ical import agent_calendars, calendar_file_names
from planner.model import Scenario
from planner.problems import Problem, ScenarioError
from planner.shifts import Shift

TABLE_FILES = ("roster.csv", "coverage.csv", "requirements.csv")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write an Excel workbook and per-agent calendars from a solve's output",
        description=(
            "Read roster.csv, coverage.csv and summary.json from OUTDIR and write an "
            "Excel workbook (one sheet per file) and, with --scenario, one iCalendar "
            "file per agent. Without --xlsx and --ics-dir, writes OUTDIR/roster.xlsx "
            "and, with --scenario, OUTDIR/calendars/."
        ),
    )
    parser.add_argument(
        "outdir", metavar="OUTDIR", help="output folder of planner solve"
    )
    parser.add_argument(
        "--xlsx", metavar="FILE", help="path of the Excel workbook to write"
    )
    parser.add_argument(
        "--ics-dir",
        metavar="DIR",
        help="folder for one .ics file per agent (needs --scenario)",
    )
    parser.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help="scenario folder, .xlsx or .zip that the roster was planned for",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir)
    xlsx, ics_dir = _targets(args, outdir)
    try:
        tables = _read_tables(outdir)
        shifts_and_scenario = _read_shifts(args, outdir) if ics_dir else None
    except ScenarioError as error:
        _print_problems(error.problems)
        return EXIT_INVALID

    try:
        if xlsx:
            xlsx.parent.mkdir(parents=True, exist_ok=True)
            xlsx.write_bytes(workbook_bytes(tables))
            print(f"Wrote {xlsx} ({', '.join(tables)})")
        if shifts_and_scenario:
            count = _write_calendars(ics_dir, *shifts_and_scenario)
            print(f"Wrote {count} calendar file(s) to {ics_dir}")
    except OSError as error:
        print(f"Could not write the export: {error}", file=sys.stderr)
        return 1
    return 0


def _targets(args: argparse.Namespace, outdir: Path) -> tuple[Path | None, Path | None]:
    xlsx = Path(args.xlsx) if args.xlsx else None
    ics_dir = Path(args.ics_dir) if args.ics_dir else None
    if xlsx is None and ics_dir is None:
        xlsx = outdir / "roster.xlsx"
        if args.scenario:
            ics_dir = outdir / "calendars"
    return xlsx, ics_dir


def _problem(file: Path, message: str, fix: str, value: str | None = None) -> Problem:
    return Problem(str(file), None, None, value, message, fix)


def _read_tables(outdir: Path) -> dict[str, pd.DataFrame]:
    """Read the output files into named tables.

    The summary comes first, then the CSV files, then the record lists of the summary
    (such as ``floor_violations``).
    """
    if not outdir.is_dir():
        raise ScenarioError(
            [
                _problem(
                    outdir,
                    "folder not found",
                    "Pass the --out folder of planner solve.",
                )
            ]
        )
    if not (outdir / "roster.csv").is_file():
        raise ScenarioError(
            [
                _problem(
                    outdir / "roster.csv",
                    "file not found",
                    "Run planner solve with --out pointing to this folder first.",
                )
            ]
        )

    tables: dict[str, pd.DataFrame] = {}
    records: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    summary_path = outdir / "summary.json"
    if summary_path.is_file():
        try:
            records = _read_summary(summary_path)
            tables["summary"] = records.pop("summary")
        except (OSError, ValueError, TypeError) as error:
            problems.append(
                _problem(
                    summary_path,
                    f"could not be read as a summary ({error})",
                    "Rerun planner solve.",
                )
            )
    for file_name in TABLE_FILES:
        path = outdir / file_name
        if not path.is_file():
            continue
        try:
            tables[path.stem] = pd.read_csv(
                path, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
            )
        except (OSError, ValueError, pd.errors.ParserError) as error:
            problems.append(
                _problem(
                    path, f"could not be read as CSV ({error})", "Rerun planner solve."
                )
            )
    if problems:
        raise ScenarioError(problems)
    for key, frame in records.items():
        tables[key if key not in tables else f"summary {key}"] = frame
    return tables


def _read_summary(path: Path) -> dict[str, pd.DataFrame]:
    summary = json.loads(path.read_text("utf-8"))
    if not isinstance(summary, dict):
        raise TypeError("the top level is not a JSON object")
    return summary_tables(summary)


def _read_shifts(
    args: argparse.Namespace, outdir: Path
) -> tuple[list[Shift], Scenario]:
    from planner.loading import load_scenario
    from planner.roster_io import read_roster

    if not args.scenario:
        raise ScenarioError(
            [
                _problem(
                    Path("--ics-dir"),
                    "calendars need the scenario's agents",
                    "Add --scenario with the scenario the roster was planned for.",
                )
            ]
        )
    try:
        scenario = load_scenario(args.scenario)
    except (OSError, ValueError) as error:
        raise ScenarioError(
            [
                _problem(
                    Path(args.scenario),
                    f"could not be read ({error})",
                    "Check the path.",
                )
            ]
        ) from error
    shifts = read_roster(outdir / "roster.csv", scenario)
    return shifts, scenario


def _write_calendars(ics_dir: Path, shifts: list[Shift], scenario: Scenario) -> int:
    calendars = agent_calendars(shifts, scenario)
    names = calendar_file_names(calendars)
    ics_dir.mkdir(parents=True, exist_ok=True)
    for agent_id, content in calendars.items():
        (ics_dir / names[agent_id]).write_bytes(content)
    return len(calendars)


def _print_problems(problems: list[Problem]) -> None:
    print(f"{len(problems)} problem(s) found:", file=sys.stderr)
    header = ("file", "row", "column", "value", "problem", "fix")
    rows = [
        (
            p.file,
            "" if p.row is None else str(p.row),
            p.column or "",
            "" if p.value is None else p.value,
            p.message,
            p.fix,
        )
        for p in problems
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths)),
            file=sys.stderr,
        )
