"""Benchmark the roster solver on synthetic desks, and compare it with pyworkforce.

For each desk size the script records the time to the first feasible roster, measured
from the call of ``solver.solve`` (model building included) to the first progress
callback. It also records the final objective, bound and optimality gap, and the gap
reached by 60 s of wall time. Every roster is checked with the independent rule checker
in ``tests/rules_checker.py``.

Then each tier's requirement curve (per UTC interval: the larger of the tier floor and
the sum of its queues' requirements) goes to pyworkforce's shift schedulers
(``MinAbsDifference`` and ``MinRequiredResources``, pyworkforce 0.5) with the same shift
patterns: 8-hour shifts starting on every UTC hour. pyworkforce plans each day on its
own, so a shift that starts at 22:00 covers 22:00-24:00 and 00:00-06:00 of the same
day. Measured on the real timeline, those early hours belong to the next day, and
hours past the end of the week fall outside it. Both rosters are measured the same way:
the absolute deviation, shortfall and surplus against the tier requirement, summed
over intervals [agent-intervals].

Usage::

    .venv/bin/python bench/solver_bench.py --sizes 50 200 500 1000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from rules_checker import check_roster
from scenarios import describe, synthetic_scenario

import solver
from planner.coverage import coverage_frame

SHIFT_HOURS = 8


def run_solver(
    scenario, requirements, time_limit: float, seed: int, workers: int
) -> dict:
    """Solve once and return timings, quality and the coverage of the roster."""
    events = []
    started = time.perf_counter()

    def progress(event: dict) -> None:
        events.append({**event, "since_call": time.perf_counter() - started})

    result = solver.solve(
        scenario,
        requirements,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        progress=progress,
    )
    total = time.perf_counter() - started

    search = [event for event in events if event.get("phase") != "start roster"]
    by_60 = [event for event in search if event["since_call"] <= 60.0]
    violations = check_roster(scenario, result.shifts, allocation=result.allocation)
    coverage = coverage_frame(scenario, requirements, result.shifts, result.allocation)
    return {
        "status": result.status,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": result.gap,
        "solve_wall_seconds": round(result.wall_seconds, 2),
        "call_seconds": round(total, 2),
        "first_feasible_seconds": round(events[0]["since_call"], 2) if events else None,
        "first_search_roster_seconds": round(search[0]["since_call"], 2)
        if search
        else None,
        "gap_by_60s": by_60[-1]["gap"] if by_60 else None,
        "solutions": len(search),
        "deterministic": result.deterministic,
        "shifts": len(result.shifts),
        "paid_hours": round(sum(s.paid_hours for s in result.shifts), 1),
        "rule_violations": len(violations),
        "violation_examples": violations[:5],
        "floor_violations": len(result.floor_violations),
        "penalties": result.penalties,
        "_coverage": coverage,
        "_shifts": result.shifts,
    }


def tier_curves(coverage: pd.DataFrame, scenario) -> dict[str, pd.DataFrame]:
    """Required and scheduled agents per interval for each tier row of the coverage."""
    return {
        tier: coverage[coverage["queue"] == tier].reset_index(drop=True)
        for tier in scenario.settings.tier_order
    }


def deviation(required: np.ndarray, scheduled: np.ndarray) -> dict:
    """Absolute deviation, shortfall and surplus [agent-intervals]."""
    difference = required - scheduled
    return {
        "abs_deviation": int(np.abs(difference).sum()),
        "shortfall": int(np.clip(difference, 0, None).sum()),
        "surplus": int(np.clip(-difference, 0, None).sum()),
        "intervals_short": int((difference > 0).sum()),
    }


def shift_patterns(periods: int) -> dict[str, list[int]]:
    """8-hour shifts starting on every hour, wrapped inside the day as pyworkforce models it."""
    length = SHIFT_HOURS * periods // 24
    patterns = {}
    for hour in range(24):
        first = hour * periods // 24
        mask = [0] * periods
        for step in range(length):
            mask[(first + step) % periods] = 1
        patterns[f"start_{hour:02d}"] = mask
    return patterns


def real_timeline(resources: list[dict], days: int, periods: int) -> np.ndarray:
    """Agents on shift per interval when each shift runs its full length from its start."""
    length = SHIFT_HOURS * periods // 24
    on_shift = np.zeros(days * periods + length, dtype=int)
    for row in resources:
        if row["resources"] <= 0:
            continue
        start = row["day"] * periods + int(row["shift"][-2:]) * periods // 24
        on_shift[start : start + length] += row["resources"]
    return on_shift[: days * periods]


def wrapped_timeline(resources: list[dict], days: int, periods: int) -> np.ndarray:
    """Agents on shift per interval as pyworkforce counts them (each day on its own)."""
    patterns = shift_patterns(periods)
    on_shift = np.zeros((days, periods), dtype=int)
    for row in resources:
        if row["resources"] > 0:
            on_shift[row["day"]] += row["resources"] * np.array(patterns[row["shift"]])
    return on_shift.reshape(-1)


def run_pyworkforce(
    required: np.ndarray, days: int, headcount: int, seconds: float
) -> dict:
    """Schedule one tier's requirement curve with both pyworkforce schedulers."""
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    periods = len(required) // days
    grid = required.reshape(days, periods).astype(int).tolist()
    common = {
        "num_days": days,
        "periods": periods,
        "shifts_coverage": shift_patterns(periods),
        "required_resources": grid,
        "max_period_concurrency": int(max(headcount, required.max()) * 3),
        "max_shift_concurrency": int(max(headcount, required.max()) * 3),
        "max_search_time": float(seconds),
        "num_search_workers": 2,
    }
    results = {}
    for name, scheduler in (
        ("MinAbsDifference", MinAbsDifference(**common)),
        ("MinRequiredResources", MinRequiredResources(**common)),
    ):
        started = time.perf_counter()
        solution = scheduler.solve()
        seconds_used = time.perf_counter() - started
        resources = solution["resources_shifts"]
        shift_days = sum(max(row["resources"], 0) for row in resources)
        results[name] = {
            "status": solution["status"],
            "seconds": round(seconds_used, 2),
            "shift_days": shift_days,
            "as_modelled": deviation(
                required, wrapped_timeline(resources, days, periods)
            ),
            "real_timeline": deviation(
                required, real_timeline(resources, days, periods)
            ),
        }
    return results


def bench_size(size: int, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    scenario, requirements = synthetic_scenario(size, seed=args.seed)
    build_seconds = time.perf_counter() - started
    limit = args.time_limit_large if size >= 1000 else args.time_limit
    print(
        f"[{size}] scenario built in {build_seconds:.1f}s: {describe(scenario, requirements)}"
    )

    outcome = run_solver(scenario, requirements, limit, args.seed, args.workers)
    coverage = outcome.pop("_coverage")
    tier_of = {agent.agent_id: agent.tier for agent in scenario.agents}
    shifts_per_tier = pd.Series([tier_of[s.agent_id] for s in outcome.pop("_shifts")])
    print(
        f"[{size}] solver: { {k: v for k, v in outcome.items() if k != 'penalties'} }"
    )

    record = {
        "agents": size,
        "time_limit": limit,
        "workers": args.workers,
        "scenario": describe(scenario, requirements),
        "scenario_seconds": round(build_seconds, 1),
        "solver": outcome,
        "tiers": {},
    }
    days = scenario.settings.days
    headcount = pd.Series([agent.tier for agent in scenario.agents]).value_counts()
    for tier, curve in tier_curves(coverage, scenario).items():
        required = curve["required"].to_numpy()
        entry = {
            "agents": int(headcount.get(tier, 0)),
            "planner": {
                "shift_days": int((shifts_per_tier == tier).sum()),
                **deviation(required, curve["scheduled"].to_numpy()),
            },
        }
        if not args.skip_pyworkforce:
            entry["pyworkforce"] = run_pyworkforce(
                required, days, int(headcount.get(tier, 1)), args.pyworkforce_seconds
            )
        record["tiers"][tier] = entry
        print(f"[{size}] {tier}: {json.dumps(entry)}")
    return record


def _seconds(value) -> str:
    return "none" if value is None else f"{value:.1f}"


def _percent(value) -> str:
    return "none" if value is None else f"{100 * value:.2f}%"


def markdown_tables(records: list[dict]) -> str:
    """Format benchmark records as the two Markdown tables of RESULTS.md."""
    lines = [
        (
            "| agents | load | status | first roster [s] | gap by 60 s | final gap "
            "| wall [s] | shifts | rule violations | floor violations |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for record in records:
        run = record["solver"]
        lines.append(
            f"| {record['agents']} | {record['scenario']['load']:.2f} | {run['status']} "
            f"| {_seconds(run['first_feasible_seconds'])} | {_percent(run['gap_by_60s'])} "
            f"| {_percent(run['gap'])} | {run['call_seconds']:.0f} | {run['shifts']} "
            f"| {run['rule_violations']} | {run['floor_violations']} |"
        )

    lines += [
        "",
        (
            "| agents | tier | roster | shift-days | abs deviation | shortfall | surplus "
            "| short intervals |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for record in records:
        for tier, entry in record["tiers"].items():
            rows = [("planner", entry["planner"])]
            for name, outcome in entry.get("pyworkforce", {}).items():
                rows.append(
                    (f"{name} as modelled", {**outcome["as_modelled"], **outcome})
                )
                rows.append(
                    (f"{name} real timeline", {**outcome["real_timeline"], **outcome})
                )
            for label, row in rows:
                lines.append(
                    f"| {record['agents']} | {tier} ({entry['agents']} agents) | {label} "
                    f"| {row['shift_days']} | {row['abs_deviation']} | {row['shortfall']} "
                    f"| {row['surplus']} | {row['intervals_short']} |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[50, 200, 500, 1000],
        help="desk sizes [agents]",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="solver time limit [deterministic s], passed to solver.solve",
    )
    parser.add_argument(
        "--time-limit-large",
        type=float,
        default=120.0,
        help="solver time limit for desks of 1000 agents or more [deterministic s]",
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT worker threads")
    parser.add_argument("--seed", type=int, default=0, help="scenario and solver seed")
    parser.add_argument(
        "--pyworkforce-seconds",
        type=float,
        default=30.0,
        help="time limit of each pyworkforce scheduler [s]",
    )
    parser.add_argument(
        "--skip-pyworkforce", action="store_true", help="measure the planner only"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "bench" / "solver_bench.json",
        help="JSON file for the measured records",
    )
    parser.add_argument(
        "--table", action="store_true", help="print the tables of an earlier --out file"
    )
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_tables(json.loads(args.out.read_text())))
        return 0

    records = [bench_size(size, args) for size in args.sizes]
    args.out.write_text(json.dumps(records, indent=2, default=str))
    print(markdown_tables(records))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
