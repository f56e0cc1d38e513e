"""``planner solve SCENARIO --out DIR``: build the roster and explain its gaps.

Writes ``roster.csv``, ``coverage.csv`` and ``summary.json`` to DIR. Capacity warnings
and progress lines go to stderr. Exit status: 0 every floor met, 2 invalid input
(every problem listed) or contract rules that no roster satisfies, 3 a roster was
written but some interval is below a floor, 1 no roster found within the time limit.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from planner.commands import EXIT_BELOW_FLOOR, EXIT_INVALID, EXIT_NO_ROSTER
from planner.commands.floor_report import print_floor_violations
from planner.commands.validate import problem_table
from planner.csvsafe import write_csv
from planner.loading import load_scenario
from planner.model import Scenario
from planner.problems import ScenarioError
from planner.shifts import Shift


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "solve",
        help="build the week's roster with the CP-SAT solver",
        description=(
            "Build the roster of SCENARIO and write roster.csv, coverage.csv and "
            "summary.json to DIR. Exit status 0 when every floor is met, 2 on invalid "
            "input, 3 when a roster was written but some interval is below a floor, "
            "1 when no roster was found within the time limit."
        ),
    )
    parser.add_argument(
        "scenario", metavar="SCENARIO", help="scenario folder, .zip or .xlsx"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--time-limit",
        type=float,
        metavar="S",
        help=(
            "search time limit in seconds (default: time_limit_seconds in the "
            "scenario); applied as a count of deterministic search batches, so "
            "reruns match"
        ),
    )
    parser.add_argument(
        "--seed", type=int, metavar="N", help="random seed of the search"
    )
    parser.add_argument("--workers", type=int, metavar="N", help="search threads")
    parser.add_argument(
        "--previous-roster",
        metavar="CSV",
        help="last week's roster.csv: constrains rest and consecutive days",
    )
    parser.add_argument(
        "--warm-start",
        metavar="CSV",
        help="a roster.csv to start from; changed shifts cost a small penalty",
    )
    parser.set_defaults(run=run)


def _positive(value: float | None, option: str) -> str | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        return f"{option} must be a positive number, got {value}"
    return None


def _check_options(args: argparse.Namespace) -> list[str]:
    errors = [
        _positive(args.time_limit, "--time-limit"),
        _positive(args.workers, "--workers"),
    ]
    if args.seed is not None and args.seed < 0:
        errors.append(f"--seed must be 0 or more, got {args.seed}")
    return [error for error in errors if error]


def _load(args: argparse.Namespace) -> tuple[Scenario, list[Shift], list[Shift]]:
    from planner.roster_io import read_roster

    scenario = load_scenario(args.scenario)
    previous = []
    warm = []
    if args.previous_roster:
        label = Path(args.previous_roster).name
        previous = read_roster(args.previous_roster, scenario, file_label=label)
    if args.warm_start:
        warm = read_roster(
            args.warm_start, scenario, file_label=Path(args.warm_start).name
        )
    return scenario, previous, warm


def _print_capacity_warnings(warnings: list[str]) -> None:
    tight = [warning for warning in warnings if warning.endswith("(tight)")]
    for warning in warnings:
        if warning not in tight:
            print(f"capacity: {warning}", file=sys.stderr)
    if tight:
        print(
            f"capacity: {len(tight)} more hour ranges are tight for contract hours "
            "(listed in summary.json)",
            file=sys.stderr,
        )


def _print_progress(update: dict) -> None:
    if update["best_bound"] is None:
        print(
            f"start roster: objective {update['objective']:.2f}, "
            f"{update['wall_seconds']:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        return

    print(
        f"solution {update['solutions']}: objective {update['objective']:.2f}, "
        f"bound {update['best_bound']:.2f}, gap {100 * update['gap']:.2f}%, "
        f"{update['wall_seconds']:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    errors = _check_options(args)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return EXIT_INVALID
    try:
        scenario, previous, warm = _load(args)
        from planner.requirements import compute_requirements

        requirements = compute_requirements(scenario)
    except ScenarioError as error:
        print(f"{len(error.problems)} problem(s) in the input", file=sys.stderr)
        print(problem_table(error.problems), file=sys.stderr)
        return EXIT_INVALID
    except (OSError, ValueError) as error:
        print(f"cannot read the input: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        return _solve_and_write(args, scenario, requirements, previous, warm)
    except OSError as error:
        print(f"cannot write to {args.out}: {error}", file=sys.stderr)
        return EXIT_INVALID


def _solve_and_write(
    args: argparse.Namespace,
    scenario: Scenario,
    requirements: pd.DataFrame,
    previous: list[Shift],
    warm: list[Shift],
) -> int:
    from solver import solve
    from solver.explain import capacity_warnings

    warnings: list[str] = []

    def print_capacity(capacity: pd.DataFrame) -> None:
        warnings.extend(capacity_warnings(capacity))
        _print_capacity_warnings(warnings)

    result = solve(
        scenario,
        requirements,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        progress=_print_progress,
        warm_start=warm or None,
        previous_roster=previous or None,
        on_capacity=print_capacity,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for message in result.messages:
        print(message, file=sys.stderr)
    if not result.has_roster:
        _write_summary(out, scenario, result, {}, warnings)
        return EXIT_INVALID if result.status == "INVALID" else EXIT_NO_ROSTER

    kpis = _write_roster_files(out, scenario, requirements, result, previous)
    _write_summary(out, scenario, result, kpis, warnings)
    print(
        f"{result.status}: {len(result.shifts)} shifts, objective {result.objective:.2f}, "
        f"gap {100 * (result.gap or 0):.2f}%, written to {out}",
        file=sys.stderr,
    )
    if not result.floor_violations.empty or kpis.get("intervals_below_floor"):
        _print_violations(result)
        return EXIT_BELOW_FLOOR
    return 0


def _write_roster_files(out, scenario, requirements, result, previous) -> dict:
    from planner.coverage import coverage_csv_frame
    from planner.projection import project
    from planner.roster_io import roster_frame

    # Last week's shifts that spill into the horizon cover its first intervals too.
    spill = [shift for shift in previous if shift.end_utc > scenario.horizon.start]
    on_shift = result.shifts + spill
    projection = project(scenario, on_shift, requirements, result.allocation)
    write_csv(roster_frame(result.shifts, scenario), out / "roster.csv")
    coverage = projection.coverage[
        ["interval_start", "queue", "required", "scheduled", "gap"]
    ]
    write_csv(coverage_csv_frame(coverage), out / "coverage.csv")
    return projection.kpis


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _write_summary(out, scenario, result, kpis: dict, warnings: list[str]) -> None:
    violations = result.floor_violations.copy()
    violations["interval_start"] = pd.to_datetime(
        violations["interval_start"], utc=True
    ).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    summary = {
        "status": result.status,
        "objective": _number(result.objective),
        "best_bound": _number(result.best_bound),
        "gap": _number(result.gap),
        "wall_seconds": round(result.wall_seconds, 3),
        "deterministic": result.deterministic,
        "paid_hours": kpis.get("paid_hours"),
        "cost": kpis.get("cost"),
        "intervals_below_floor": kpis.get("intervals_below_floor"),
        "intervals_below_requirement": kpis.get("intervals_below_requirement"),
        "mttr_minutes": kpis.get("mttr_minutes"),
        "service_level": kpis.get("service_level"),
        "penalties": result.penalties,
        "floor_violations": violations.to_dict(orient="records"),
        "proposals": result.proposals,
        "capacity_warnings": warnings,
        "messages": result.messages,
    }
    text = json.dumps(summary, indent=2, default=str)
    (out / "summary.json").write_text(text + "\n", encoding="utf-8")


def _print_violations(result) -> None:
    print_floor_violations(result.floor_violations)
    for proposal in result.proposals:
        print(f"proposal: {proposal}", file=sys.stderr)
