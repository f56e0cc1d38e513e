"""Time the projection and the simulation of a scenario's week, and set them side by side.

Usage::

    .venv/bin/python bench/simulation_bench.py [SCENARIO] [--roster CSV]
        [--time-limit S] [--replications N] [--seed N]

Without ``--roster`` the scenario is solved first (not timed). Prints the wall time
of the fast estimate (``planner.projection.project`` with a given allocation, best of
five) and of ``planner.simulation.simulate``, then MTTR and service level from both.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.loading import load_scenario
from planner.projection import project
from planner.requirements import compute_requirements
from planner.roster_io import read_roster
from planner.simulation import simulate
from solver import allocate, solve


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(REPO / "data" / "demo"))
    parser.add_argument("--roster", help="roster.csv to project (default: solve first)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds")
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def _best_of(count: int, action) -> tuple[float, object]:
    best = float("inf")
    result = None
    for _ in range(count):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def _minutes(value) -> str:
    return "n/a" if value is None else f"{value:8.1f}"


def main() -> int:
    args = _arguments()
    scenario = load_scenario(args.scenario)
    requirements = compute_requirements(scenario)
    if args.roster:
        shifts = read_roster(args.roster, scenario)
    else:
        shifts = solve(
            scenario, requirements, time_limit=args.time_limit, seed=0
        ).shifts
    allocation = allocate(scenario, requirements, shifts)
    tickets = float(scenario.demand["arrivals"].sum())

    estimate_seconds, projection = _best_of(
        5, lambda: project(scenario, shifts, requirements, allocation)
    )
    started = time.perf_counter()
    result = simulate(
        scenario, allocation=allocation, replications=args.replications, seed=args.seed
    )
    simulate_seconds = time.perf_counter() - started

    print(f"scenario: {scenario.settings.name} ({tickets:.0f} tickets in the horizon)")
    print(f"fast estimate (project, allocation given): {estimate_seconds:.3f} s")
    print(f"simulate, {args.replications} replications: {simulate_seconds:.2f} s")
    print(f"unresolved tickets in the simulation: {result.unresolved}")
    print("MTTR [min]       estimate   simulated (95% CI)")
    estimated = projection.kpis["mttr_minutes"]
    for key, simulated in result.mttr_minutes.items():
        print(
            f"  {key:<12} {_minutes(estimated.get(key))}   "
            f"{simulated.mean:8.1f} ({simulated.ci_low:.1f} to {simulated.ci_high:.1f})"
        )
    for code, simulated in result.mttr_by_language.items():
        value = projection.kpis["mttr_by_language"].get(code)
        print(
            f"  lang {code:<7} {_minutes(value)}   "
            f"{simulated.mean:8.1f} ({simulated.ci_low:.1f} to {simulated.ci_high:.1f})"
        )
    print("service level    estimate   simulated (95% CI)")
    for key, simulated in result.service_level.items():
        value = projection.kpis["service_level"].get(key)
        shown = "n/a" if value is None else f"{value:8.3f}"
        print(
            f"  {key:<12} {shown}   "
            f"{simulated.mean:8.3f} ({simulated.ci_low:.3f} to {simulated.ci_high:.3f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
