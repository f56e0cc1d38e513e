"""``planner project SCENARIO --roster CSV --out DIR``: project a given roster.

Writes ``coverage.csv`` (the coverage layout, then ``service_level``, ``asa_minutes``,
``occupancy`` and ``backlog``) and ``summary.json`` (paid hours, cost, intervals below
floor and requirement, projected MTTR and service level, and with ``--simulate`` the
simulated figures with 95% confidence intervals). Exit status: 0 every floor met,
2 invalid input (every problem listed), 3 some interval below a floor.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from planner.commands import EXIT_BELOW_FLOOR, EXIT_INVALID
from planner.commands.floor_report import print_floor_violations
from planner.commands.validate import problem_table
from planner.csvsafe import write_csv
from planner.problems import ScenarioError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "project",
        help="project coverage, service level and MTTR of a roster",
        description=(
            "Project the roster CSV against SCENARIO: coverage per interval and queue "
            "with projected service level, ASA, occupancy and backlog, and MTTR per "
            "tier and language. Writes coverage.csv and summary.json to DIR. Exit "
            "status 0, 2 on invalid input, 3 when some interval is below a floor."
        ),
    )
    parser.add_argument(
        "scenario", metavar="SCENARIO", help="scenario folder, .zip or .xlsx"
    )
    parser.add_argument(
        "--roster", required=True, metavar="CSV", help="roster.csv to project"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="also run the discrete-event simulation (figures with 95%% intervals)",
    )
    parser.add_argument(
        "--replications",
        type=int,
        default=10,
        metavar="N",
        help="simulation replications (default 10)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="simulation seed (default 0)"
    )
    parser.add_argument(
        "--abandonment",
        action="store_true",
        help="let simulated tickets abandon after the tier's patience_minutes",
    )
    parser.set_defaults(run=run)


def _check_options(args: argparse.Namespace) -> list[str]:
    errors = []
    if args.replications < 1:
        errors.append(f"--replications must be 1 or more, got {args.replications}")
    if args.seed < 0:
        errors.append(f"--seed must be 0 or more, got {args.seed}")
    return errors


def run(args: argparse.Namespace) -> int:
    errors = _check_options(args)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return EXIT_INVALID
    try:
        scenario, shifts, requirements = _load(args)
    except ScenarioError as error:
        print(f"{len(error.problems)} problem(s) in the input", file=sys.stderr)
        print(problem_table(error.problems), file=sys.stderr)
        return EXIT_INVALID
    except (OSError, ValueError) as error:
        print(f"cannot read the input: {error}", file=sys.stderr)
        return EXIT_INVALID
    return _project_and_write(args, scenario, shifts, requirements)


def _load(args: argparse.Namespace):
    from planner.loading import load_scenario
    from planner.requirements import compute_requirements
    from planner.roster_io import read_roster

    scenario = load_scenario(args.scenario)
    shifts = read_roster(args.roster, scenario, file_label=Path(args.roster).name)
    return scenario, shifts, compute_requirements(scenario)


def _project_and_write(args, scenario, shifts, requirements) -> int:
    from planner.coverage import below_floor, coverage_csv_frame
    from planner.projection import project
    from planner.simulation import simulate
    from solver import allocate

    allocation = allocate(scenario, requirements, shifts)
    projection = project(scenario, shifts, requirements, allocation)
    simulation = None
    if args.simulate:
        simulation = simulate(
            scenario,
            allocation=allocation,
            replications=args.replications,
            seed=args.seed,
            abandonment=args.abandonment,
        )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(coverage_csv_frame(projection.coverage), out / "coverage.csv")
    violations = below_floor(projection.coverage, scenario)
    summary = _summary(scenario, args, projection, simulation, violations)
    text = json.dumps(summary, indent=2, allow_nan=False)
    (out / "summary.json").write_text(text + "\n", encoding="utf-8")

    print(_report(summary), file=sys.stderr)
    if not violations.empty:
        print_floor_violations(violations)
        return EXIT_BELOW_FLOOR
    return 0


def _summary(scenario, args, projection, simulation, violations: pd.DataFrame) -> dict:
    kpis = projection.kpis
    records = violations.copy()
    records["interval_start"] = pd.to_datetime(
        records["interval_start"], utc=True
    ).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    summary = {
        "scenario": scenario.settings.name,
        "roster": str(args.roster),
        "paid_hours": kpis["paid_hours"],
        "cost": kpis["cost"],
        "intervals_below_floor": kpis["intervals_below_floor"],
        "intervals_below_requirement": kpis["intervals_below_requirement"],
        "mttr_minutes": kpis["mttr_minutes"],
        "mttr_by_language": kpis["mttr_by_language"],
        "service_level": kpis["service_level"],
        "unserved_queues": kpis["unserved_queues"],
        "floor_violations": [
            {key: _plain(value) for key, value in row.items()}
            for row in records.to_dict(orient="records")
        ],
    }
    if simulation is not None:
        summary["simulation"] = simulation.to_dict()
    return summary


def _plain(value):
    """Turn numpy scalars into JSON numbers."""
    return value.item() if hasattr(value, "item") else value


def _minutes(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} min"


def _report(summary: dict) -> str:
    mttr = summary["mttr_minutes"]
    tiers = ", ".join(
        f"{tier} {_minutes(value)}"
        for tier, value in mttr.items()
        if tier != "overall" and value is not None
    )
    headline = (
        f"projected MTTR {_minutes(mttr['overall'])} ({tiers}); "
        f"paid hours {summary['paid_hours']:.1f}, cost {summary['cost']:.2f}; "
        f"{summary['intervals_below_requirement']} interval(s) below requirement"
    )
    lines = [headline]
    if summary["unserved_queues"]:
        lines.append(
            "never picked up (nobody allocated all period): "
            + ", ".join(summary["unserved_queues"])
        )
    simulated = summary.get("simulation")
    if simulated:
        overall = simulated["mttr_minutes"]["overall"]
        low, high = overall["ci_low"], overall["ci_high"]
        interval = "" if low is None else f" (95% CI {low:.1f} to {high:.1f})"
        lines.append(
            f"simulated MTTR {_minutes(overall['mean'])}{interval}, "
            f"{simulated['replications']} replications"
        )
    return "\n".join(lines)
