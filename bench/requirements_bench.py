"""Time ``compute_requirements`` beside pyworkforce's ErlangC loop on the same inputs.

A week of 30-minute intervals (336) times 24 queues (L1, L2 and L3 in 8 languages)
with a daily and weekly arrival pattern and quiet night hours. Our side computes
every queue and interval in one vectorised call; the peer calls
``ErlangC(...).required_positions`` once per interval and queue, as a planner using
pyworkforce would. Every value that differs is printed with its reason.

Run: ``.venv/bin/python bench/requirements_bench.py [--scale 1] [--repeat 5]``
(needs the ``bench`` extra: ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from math import ceil

import numpy as np
import pandas as pd

from planner.erlang import service_level_c
from planner.model import Agent, Scenario, Settings, TierSettings
from planner.requirements import compute_requirements

LANGUAGES = ("de", "en", "es", "fr", "it", "ja", "nl", "pt")
PEAK_PER_INTERVAL = (30, 80, 20, 25, 12, 18, 8, 10)
"""L1 tickets per 30 minutes at the daily peak, per language."""

TIERS = {
    "L1": TierSettings(
        aht_minutes=12,
        service_level=0.80,
        target_wait_minutes=15,
        escalation_rate=0.20,
        floor=0,
    ),
    "L2": TierSettings(
        aht_minutes=45,
        service_level=0.80,
        target_wait_minutes=60,
        escalation_rate=0.10,
        floor=0,
    ),
    "L3": TierSettings(
        aht_minutes=180, service_level=0.80, target_wait_minutes=240, floor=0
    ),
}
SHRINKAGE = 0.30


def build_scenario(scale: float, max_occupancy: float, seed: int = 0) -> Scenario:
    """Return the benchmark week: day-shaped arrivals, quieter weekends, silent nights."""
    rng = np.random.default_rng(seed)
    start = datetime(2027, 3, 22, tzinfo=UTC)
    rows = []
    for index in range(336):
        hour = (index % 48) / 2
        weekday = index // 48
        shape = max(0.0, np.sin(np.pi * (hour - 6) / 14)) if 6 <= hour <= 20 else 0.0
        weekend = 0.4 if weekday >= 5 else 1.0
        for code, peak in zip(LANGUAGES, PEAK_PER_INTERVAL):
            mean = peak * shape * weekend * scale
            arrivals = float(rng.gamma(20, mean / 20)) if mean > 0 else 0.0
            rows.append(
                {
                    "interval_start": pd.Timestamp(
                        start + index * timedelta(minutes=30)
                    ),
                    "language": code,
                    "arrivals": round(arrivals, 3),
                }
            )
    agents = (
        Agent(
            agent_id="a1",
            tier="L1",
            languages=LANGUAGES,
            timezone="UTC",
            max_hours_week=40,
        ),
    )
    settings = Settings(
        week_start=date(2027, 3, 22),
        tiers=TIERS,
        staffing={"shrinkage": SHRINKAGE, "max_occupancy": max_occupancy},
    )
    return Scenario(settings=settings, agents=agents, demand=pd.DataFrame(rows))


def time_ours(scenario: Scenario, repeat: int) -> tuple[pd.DataFrame, float]:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        frame = compute_requirements(scenario)
        timings.append(time.perf_counter() - began)
    return frame, statistics.median(timings)


def time_pyworkforce(frame: pd.DataFrame, max_occupancy: float) -> tuple[list, float]:
    from pyworkforce.queuing import ErlangC

    began = time.perf_counter()
    results = []
    for row in frame.itertuples():
        targets = TIERS[row.tier]
        try:
            erlang = ErlangC(
                transactions=row.arrivals,
                aht=targets.aht_minutes,
                asa=targets.target_wait_minutes,
                interval=30,
                shrinkage=SHRINKAGE,
            )
            results.append(
                erlang.required_positions(
                    service_level=targets.service_level, max_occupancy=max_occupancy
                )
            )
        except ValueError as error:
            results.append(error)
    return results, time.perf_counter() - began


def explain_raw(row, theirs: int, max_occupancy: float) -> str:
    """Name the reason pyworkforce's agents handling differ from ours."""
    targets = TIERS[row.tier]
    load = row.workload_erlangs
    ours = int(row.required_raw)
    meets = (
        service_level_c(ours, load, targets.aht_minutes, targets.target_wait_minutes)
        >= targets.service_level
        and load / ours <= max_occupancy + 1e-9
    )
    float_cap = ceil(load / max_occupancy)
    exact_cap = ceil(round(load / max_occupancy, 9))
    if theirs == float_cap and float_cap > exact_cap and ours == exact_cap:
        return (
            f"A / cap = {load / max_occupancy!r} in floating point; "
            f"exactly {exact_cap}, pyworkforce takes ceil = {float_cap}"
        )
    if ours < theirs and meets and ours < round(load + 1):
        return (
            f"pyworkforce starts its search at round(A + 1) = {round(load + 1)}; "
            f"{ours} agents already meet the target"
        )
    return "unexplained"


def explain_positions(raw: int, theirs: int) -> str:
    exact = ceil(Fraction(raw) / (1 - Fraction(str(SHRINKAGE))))
    if theirs == ceil(raw / (1 - SHRINKAGE)) and theirs != exact:
        return (
            f"{raw} / (1 - {SHRINKAGE}) = {raw / (1 - SHRINKAGE)!r} in floating point; "
            f"exactly {exact}"
        )
    return "unexplained"


def compare(frame: pd.DataFrame, results: list, max_occupancy: float) -> dict[str, int]:
    counts = {"rows": len(frame), "identical": 0, "raised": 0, "differ": 0}
    for row, result in zip(frame.itertuples(), results):
        stamp = row.interval_start.strftime("%a %H:%M")
        if isinstance(result, Exception):
            counts["raised"] += 1
            continue
        raw, positions = result["raw_positions"], result["positions"]
        if raw == row.required_raw and positions == row.required:
            counts["identical"] += 1
            continue
        counts["differ"] += 1
        if raw != row.required_raw:
            reason = explain_raw(row, raw, max_occupancy)
            print(
                f"  {stamp} {row.queue}: required_raw ours {row.required_raw}, "
                f"pyworkforce {raw}: {reason}"
            )
        else:
            reason = explain_positions(raw, positions)
            print(
                f"  {stamp} {row.queue}: required ours {row.required}, "
                f"pyworkforce {positions}: {reason}"
            )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply arrivals")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of ours")
    parser.add_argument(
        "--max-occupancy", type=float, default=0.85, help="occupancy cap in (0, 1]"
    )
    args = parser.parse_args()

    scenario = build_scenario(args.scale, args.max_occupancy)
    frame, ours = time_ours(scenario, args.repeat)
    print(
        f"{len(frame)} rows ({scenario.horizon.n_intervals} intervals x "
        f"{len(scenario.queues)} queues), scale {args.scale}, "
        f"occupancy cap {args.max_occupancy}, "
        f"peak load {frame['workload_erlangs'].max():.1f} Erlangs"
    )
    print("Differences (pyworkforce's zero-arrival errors are counted, not listed):")
    results, theirs = time_pyworkforce(frame, args.max_occupancy)
    counts = compare(frame, results, args.max_occupancy)

    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(f"ours (median of {args.repeat}): {ours * 1000:.1f} ms")
    print(f"pyworkforce loop: {theirs * 1000:.1f} ms")
    print(f"ratio: {theirs / ours:.1f}x")
    print(
        f"rows: {counts['rows']}, identical {counts['identical']}, "
        f"pyworkforce raised on zero arrivals {counts['raised']}, differ {counts['differ']}"
    )


if __name__ == "__main__":
    main()
