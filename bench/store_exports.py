"""Time the scenario store and the exports on a large synthetic week.

The week has 15-minute intervals, 8 languages, 3 tiers and ``--agents`` agents with
five 8-hour shifts each. Run from the repository root:

    .venv/bin/python bench/store_exports.py [--agents 300] [--repeat 3]

Prints one Markdown table row per operation (best of ``--repeat`` runs) for
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

import numpy as np
import pandas as pd

from planner.exports import roster_csv_bytes, workbook_bytes
from planner.ical import agent_calendars, calendars_zip
from planner.loading import build_scenario
from planner.model import Scenario
from planner.roster_io import roster_frame
from planner.shifts import Shift, make_shift
from planner.store import ScenarioStore

LANGUAGES = ["en", "de", "fr", "es", "ja", "pt", "it", "nl"]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata"]
WEEK_START = date(2027, 3, 22)


def build_week(agent_count: int) -> Scenario:
    settings = {
        "name": "Benchmark week",
        "week_start": WEEK_START.isoformat(),
        "interval_minutes": 15,
    }
    agents = pd.DataFrame(
        {
            "agent_id": [f"agent{index:04d}" for index in range(agent_count)],
            "name": [f"Agent {index}" for index in range(agent_count)],
            "tier": [
                ("L1", "L1", "L1", "L2", "L3")[index % 5]
                for index in range(agent_count)
            ],
            "languages": [
                f"{LANGUAGES[index % 8]};en" if index % 8 else "en"
                for index in range(agent_count)
            ],
            "timezone": [ZONES[index % len(ZONES)] for index in range(agent_count)],
            "max_hours_week": [40] * agent_count,
        }
    )
    starts = pd.date_range(
        pd.Timestamp(WEEK_START, tz="UTC"), periods=7 * 96, freq="15min"
    )
    rng = np.random.default_rng(0)
    demand = pd.DataFrame(
        [
            {
                "interval_start": start,
                "language": language,
                "arrivals": rng.gamma(2.0, 1.5),
            }
            for start in starts
            for language in LANGUAGES
        ]
    )
    return build_scenario(settings, agents, demand, None, source="benchmark")


def build_shifts(scenario: Scenario) -> list[Shift]:
    shifts = []
    for index, agent in enumerate(scenario.agents):
        start = clock(6 + index % 12)
        for day in range(5):
            local = WEEK_START + timedelta(days=day + index % 2)
            shifts.append(make_shift(agent.agent_id, agent.timezone, local, start, 8))
    return shifts


def coverage_like(scenario: Scenario) -> pd.DataFrame:
    starts = scenario.horizon.starts()
    queues = scenario.queues + scenario.settings.tier_order
    rng = np.random.default_rng(1)
    rows = len(starts) * len(queues)
    required = rng.integers(0, 6, rows)
    scheduled = rng.integers(0, 6, rows)
    return pd.DataFrame(
        {
            "interval_start": np.repeat(starts, len(queues)),
            "queue": queues * len(starts),
            "required": required,
            "scheduled": scheduled,
            "gap": required - scheduled,
        }
    )


def best_of(repeat: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scenario = build_week(args.agents)
    shifts = build_shifts(scenario)
    roster = roster_frame(shifts, scenario)
    coverage = coverage_like(scenario)
    print(
        f"{len(scenario.agents)} agents, {len(scenario.demand)} demand rows, "
        f"{len(shifts)} shifts, {len(coverage)} coverage rows"
    )

    with tempfile.TemporaryDirectory() as folder:
        store = ScenarioStore(str(Path(folder) / "bench.sqlite"))
        versions = iter(range(10_000))

        def save() -> None:
            version = next(versions)
            store.save("bench", scenario, base_version=version or None, author="bench")

        rows = {
            "store save": best_of(args.repeat, save),
            "store load (validates)": best_of(args.repeat, lambda: store.load("bench")),
            "store list_scenarios": best_of(args.repeat, store.list_scenarios),
        }
        store.close()

    tables = {"roster": roster, "coverage": coverage}
    rows["workbook (roster + coverage)"] = best_of(
        args.repeat, lambda: workbook_bytes(tables)
    )
    rows["roster CSV, Excel variant"] = best_of(
        args.repeat, lambda: roster_csv_bytes(roster, excel=True)
    )
    rows["iCalendar per agent + zip"] = best_of(
        args.repeat, lambda: calendars_zip(agent_calendars(shifts, scenario))
    )

    print("| operation | seconds |")
    print("|---|---|")
    for name, seconds in rows.items():
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
