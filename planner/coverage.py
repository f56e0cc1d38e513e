"""Coverage: scheduled agents against requirements, per interval, queue and tier.

An agent counts in an interval only when on shift for the whole of it. A shift that
starts at 09:00 in a +05:45 zone covers the 03:30 UTC interval only from 03:15 on, so
that interval does not count (see ``Horizon.covered_intervals``).

The coverage table has two kinds of rows per interval:

- queue rows (``L1-de``): ``required`` from the requirements, ``scheduled`` the agents
  allocated to the queue in that interval;
- tier rows (``L1``): ``required`` is the larger of the tier floor and the sum of the
  tier's queue requirements, ``scheduled`` every agent of the tier on shift.

``gap = required - scheduled``; a negative gap is a surplus.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.model import Scenario
from planner.shifts import Shift

COVERAGE_COLUMNS = ["interval_start", "queue", "required", "scheduled", "gap"]
FLOOR_COLUMNS = ["interval_start", "tier_or_queue", "required", "scheduled", "reason"]


def on_shift_matrix(scenario: Scenario, shifts: list[Shift]) -> pd.DataFrame:
    """Return a boolean (interval x agent_id) frame: True where the agent is on shift.

    Columns are every agent of the scenario in its order. Shifts of agents the scenario
    does not know are ignored, and so are the parts of shifts outside the horizon.
    """
    horizon = scenario.horizon
    agent_ids = [agent.agent_id for agent in scenario.agents]
    column_of = {agent_id: index for index, agent_id in enumerate(agent_ids)}
    matrix = np.zeros((horizon.n_intervals, len(agent_ids)), dtype=bool)

    for shift in shifts:
        column = column_of.get(shift.agent_id)
        if column is None:
            continue
        covered = horizon.covered_intervals(shift.start_utc, shift.end_utc)
        matrix[covered.start : covered.stop, column] = True

    return pd.DataFrame(matrix, index=horizon.starts(), columns=agent_ids)


def coverage_frame(
    scenario: Scenario,
    requirements: pd.DataFrame,
    shifts: list[Shift],
    allocation: pd.DataFrame | None,
) -> pd.DataFrame:
    """Build the coverage table (``coverage.csv`` layout) for a roster.

    ``requirements`` needs ``interval_start``, ``queue`` and ``required``.
    ``allocation`` needs ``interval_start``, ``queue`` and ``scheduled``; a missing row
    means no agent is allocated, and ``None`` gives 0 in every queue row (use
    ``solver.allocate`` for a roster without an allocation). Pass previous-week shifts
    along with ``shifts`` when they spill into the horizon. ``interval_start`` is
    tz-aware UTC. Rows are sorted by interval, then tier by tier: the tier's queues in
    scenario order, then the tier.
    """
    starts = scenario.horizon.starts()
    queues = _queue_rows(scenario, requirements, allocation, starts)
    tiers = _tier_rows(scenario, queues, shifts, starts)

    frame = pd.concat([queues, tiers], ignore_index=True)
    rank = {name: index for index, name in enumerate(_row_order(scenario))}
    frame["_rank"] = frame["queue"].map(rank).fillna(len(rank)).astype(int)
    frame = frame.sort_values(["interval_start", "_rank", "queue"], kind="stable")
    frame = frame.drop(columns="_rank").reset_index(drop=True)

    frame["required"] = frame["required"].astype(int)
    frame["scheduled"] = frame["scheduled"].astype(int)
    frame["gap"] = frame["required"] - frame["scheduled"]
    return frame[COVERAGE_COLUMNS]


def _row_order(scenario: Scenario) -> list[str]:
    order = []
    for tier in scenario.settings.tier_order:
        order.extend(queue for queue in scenario.queues if _tier_of(queue) == tier)
        order.append(tier)
    return order


def _tier_of(queue: str) -> str:
    return queue.split("-", 1)[0]


def _as_utc(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, utc=True)


def _queue_rows(
    scenario: Scenario,
    requirements: pd.DataFrame,
    allocation: pd.DataFrame | None,
    starts: pd.DatetimeIndex,
) -> pd.DataFrame:
    """Build one row per interval and queue of the scenario, with required and scheduled."""
    grid = pd.MultiIndex.from_product(
        [starts, scenario.queues], names=["interval_start", "queue"]
    ).to_frame(index=False)

    required = requirements[["interval_start", "queue", "required"]].copy()
    required["interval_start"] = _as_utc(required["interval_start"])
    required = required.groupby(["interval_start", "queue"], as_index=False)[
        "required"
    ].sum()
    rows = grid.merge(required, on=["interval_start", "queue"], how="outer")

    if allocation is not None and not allocation.empty:
        allocated = allocation[["interval_start", "queue", "scheduled"]].copy()
        allocated["interval_start"] = _as_utc(allocated["interval_start"])
        allocated = allocated.groupby(["interval_start", "queue"], as_index=False)[
            "scheduled"
        ].sum()
        rows = rows.merge(allocated, on=["interval_start", "queue"], how="outer")
    else:
        rows["scheduled"] = 0

    rows = rows[rows["interval_start"].isin(starts)].copy()
    rows["required"] = rows["required"].fillna(0)
    rows["scheduled"] = rows["scheduled"].fillna(0)
    return rows


def _tier_rows(
    scenario: Scenario,
    queues: pd.DataFrame,
    shifts: list[Shift],
    starts: pd.DatetimeIndex,
) -> pd.DataFrame:
    on_shift = on_shift_matrix(scenario, shifts)
    tier_of_agent = pd.Series({agent.agent_id: agent.tier for agent in scenario.agents})
    queue_tier = queues["queue"].map(_tier_of)

    frames = []
    for tier in scenario.settings.tier_order:
        members = tier_of_agent.index[tier_of_agent == tier]
        scheduled = on_shift[members].sum(axis=1).to_numpy()

        in_tier = queues[queue_tier == tier]
        summed = in_tier.groupby("interval_start")["required"].sum()
        summed = summed.reindex(starts, fill_value=0).to_numpy()
        floor = scenario.settings.tiers[tier].floor

        frames.append(
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": tier,
                    "required": np.maximum(summed, floor),
                    "scheduled": scheduled,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def below_floor(coverage: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """List the coverage rows below a floor.

    A tier row is below when fewer agents of the tier are on shift than the tier's
    ``floor``. A queue row is below when fewer agents are allocated to it than the
    tier's ``language_floor``. Columns: interval_start, tier_or_queue, required (the
    floor), scheduled, reason.
    """
    floors = {}
    kinds = {}
    for tier in scenario.settings.tier_order:
        settings = scenario.settings.tiers[tier]
        floors[tier] = settings.floor
        kinds[tier] = "tier floor"
        for queue in scenario.queues:
            if _tier_of(queue) == tier:
                floors[queue] = settings.language_floor
                kinds[queue] = "language floor"

    floor = coverage["queue"].map(floors).fillna(0).astype(int)
    below = coverage[coverage["scheduled"] < floor]
    result = pd.DataFrame(
        {
            "interval_start": below["interval_start"],
            "tier_or_queue": below["queue"],
            "required": floor[below.index],
            "scheduled": below["scheduled"],
        }
    )
    result["reason"] = [
        f"{kinds[name]} {required}: {scheduled} scheduled"
        for name, required, scheduled in zip(
            result["tier_or_queue"], result["required"], result["scheduled"]
        )
    ]
    return result.reset_index(drop=True)[FLOOR_COLUMNS]


def coverage_csv_frame(coverage: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``coverage`` with ``interval_start`` as ISO 8601 text with Z."""
    text = coverage.copy()
    text["interval_start"] = _as_utc(text["interval_start"]).dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return text
