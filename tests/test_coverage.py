"""Coverage table, on-shift matrix and floor check, against hand-counted cases.

The day is 2027-03-22 (48 intervals of 30 minutes, UTC). Three agents:

- a1, L1, de, Europe/Berlin (UTC+1), 09:00-17:00 local = 08:00-16:00 UTC:
  intervals 16..31;
- k1, L1, en, Asia/Kathmandu (UTC+5:45), 09:00-17:00 local = 03:15-11:15 UTC:
  whole intervals 03:30-11:00, i.e. 7..21; 03:00 and 11:00 are covered only in part;
- n1, L2, en, America/New_York (UTC-4), 18:00-22:00 local = 22:00-02:00 UTC:
  intervals 44..47, the rest lies past the horizon.
"""

from __future__ import annotations

from datetime import date, time

import pandas as pd
import pytest

from planner.coverage import (
    COVERAGE_COLUMNS,
    below_floor,
    coverage_csv_frame,
    coverage_frame,
    on_shift_matrix,
)
from planner.model import Agent, Scenario, Settings, TierSettings
from planner.shifts import make_shift

START = pd.Timestamp("2027-03-22T00:00Z")


def _at(index: int) -> pd.Timestamp:
    return START + pd.Timedelta(minutes=30 * index)


def _agent(agent_id: str, tier: str, language: str, tz: str) -> Agent:
    return Agent(
        agent_id=agent_id,
        tier=tier,
        languages=(language,),
        timezone=tz,
        max_hours_week=40,
    )


@pytest.fixture
def scenario() -> Scenario:
    settings = Settings(
        week_start=date(2027, 3, 22),
        days=1,
        tiers={
            "L1": TierSettings(floor=2, language_floor=1),
            "L2": TierSettings(floor=1),
        },
    )
    demand = pd.DataFrame(
        {
            "interval_start": [START, START],
            "language": ["de", "en"],
            "arrivals": [1.0, 1.0],
        }
    )
    agents = (
        _agent("a1", "L1", "de", "Europe/Berlin"),
        _agent("k1", "L1", "en", "Asia/Kathmandu"),
        _agent("n1", "L2", "en", "America/New_York"),
    )
    return Scenario(settings=settings, agents=agents, demand=demand)


@pytest.fixture
def shifts():
    return [
        make_shift("a1", "Europe/Berlin", date(2027, 3, 22), time(9), 8),
        make_shift("k1", "Asia/Kathmandu", date(2027, 3, 22), time(9), 8),
        make_shift("n1", "America/New_York", date(2027, 3, 22), time(18), 4),
    ]


@pytest.fixture
def requirements(scenario) -> pd.DataFrame:
    rows = []
    for index in range(48):
        for queue in scenario.queues:
            required = 0
            if queue == "L1-de":
                required = 1
            if queue == "L1-en" and index == 10:
                required = 2
            rows.append(
                {"interval_start": _at(index), "queue": queue, "required": required}
            )
    return pd.DataFrame(rows)


@pytest.fixture
def allocation() -> pd.DataFrame:
    rows = [
        {"interval_start": _at(i), "queue": "L1-de", "scheduled": 1}
        for i in range(16, 32)
    ]
    rows += [
        {"interval_start": _at(i), "queue": "L1-en", "scheduled": 1}
        for i in range(7, 22)
    ]
    return pd.DataFrame(rows)


def _row(coverage: pd.DataFrame, index: int, queue: str) -> pd.Series:
    match = coverage[
        (coverage["interval_start"] == _at(index)) & (coverage["queue"] == queue)
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_on_shift_matrix_partial_interval(scenario, shifts):
    matrix = on_shift_matrix(scenario, shifts)

    assert list(matrix.columns) == ["a1", "k1", "n1"]
    assert matrix.shape == (48, 3)
    assert matrix["k1"].sum() == 15
    assert not matrix.loc[_at(6), "k1"]
    assert matrix.loc[_at(7), "k1"]
    assert matrix.loc[_at(21), "k1"]
    assert not matrix.loc[_at(22), "k1"]


def test_on_shift_matrix_clipped_to_horizon(scenario, shifts):
    matrix = on_shift_matrix(scenario, shifts)

    assert matrix["a1"].sum() == 16
    assert matrix["n1"].sum() == 4
    assert matrix.loc[_at(44), "n1"]
    assert matrix.loc[_at(47), "n1"]


def test_coverage_frame_layout(scenario, requirements, shifts, allocation):
    coverage = coverage_frame(scenario, requirements, shifts, allocation)

    assert list(coverage.columns) == COVERAGE_COLUMNS
    assert len(coverage) == 48 * 6
    first = coverage[coverage["interval_start"] == START]["queue"].tolist()
    assert first == ["L1-de", "L1-en", "L1", "L2-de", "L2-en", "L2"]
    assert str(coverage["interval_start"].dt.tz) == "UTC"
    assert (coverage["gap"] == coverage["required"] - coverage["scheduled"]).all()


def test_coverage_frame_queue_rows(scenario, requirements, shifts, allocation):
    coverage = coverage_frame(scenario, requirements, shifts, allocation)

    assert _row(coverage, 0, "L1-de")[["required", "scheduled", "gap"]].tolist() == [
        1,
        0,
        1,
    ]
    assert _row(coverage, 16, "L1-de")[["required", "scheduled", "gap"]].tolist() == [
        1,
        1,
        0,
    ]
    assert _row(coverage, 10, "L1-en")[["required", "scheduled", "gap"]].tolist() == [
        2,
        1,
        1,
    ]
    assert _row(coverage, 12, "L1-en")[["required", "scheduled", "gap"]].tolist() == [
        0,
        1,
        -1,
    ]


def test_coverage_frame_tier_rows(scenario, requirements, shifts, allocation):
    coverage = coverage_frame(scenario, requirements, shifts, allocation)

    # Interval 10: max(floor 2, 1 + 2) = 3 required, only k1 on shift.
    assert _row(coverage, 10, "L1")[["required", "scheduled", "gap"]].tolist() == [
        3,
        1,
        2,
    ]
    # Interval 6: k1 starts at 03:15, so 03:00-03:30 is not covered.
    assert _row(coverage, 6, "L1")[["required", "scheduled", "gap"]].tolist() == [
        2,
        0,
        2,
    ]
    assert _row(coverage, 20, "L1")[["required", "scheduled", "gap"]].tolist() == [
        2,
        2,
        0,
    ]
    assert _row(coverage, 45, "L2")[["required", "scheduled", "gap"]].tolist() == [
        1,
        1,
        0,
    ]
    assert _row(coverage, 43, "L2")[["required", "scheduled", "gap"]].tolist() == [
        1,
        0,
        1,
    ]


def test_coverage_frame_tier_counts_unallocated(scenario, requirements, shifts):
    empty = pd.DataFrame(columns=["interval_start", "queue", "scheduled"])

    coverage = coverage_frame(scenario, requirements, shifts, empty)

    assert _row(coverage, 20, "L1")["scheduled"] == 2
    assert _row(coverage, 20, "L1-de")["scheduled"] == 0


def test_below_floor_counts(scenario, requirements, shifts, allocation):
    coverage = coverage_frame(scenario, requirements, shifts, allocation)

    below = below_floor(coverage, scenario)

    counts = below["tier_or_queue"].value_counts().to_dict()
    assert counts == {"L2": 44, "L1": 42, "L1-en": 33, "L1-de": 32}
    assert list(below.columns) == [
        "interval_start",
        "tier_or_queue",
        "required",
        "scheduled",
        "reason",
    ]


def test_below_floor_row_content(scenario, requirements, shifts, allocation):
    coverage = coverage_frame(scenario, requirements, shifts, allocation)

    below = below_floor(coverage, scenario)

    row = below[(below["interval_start"] == _at(10)) & (below["tier_or_queue"] == "L1")]
    assert row[["required", "scheduled"]].values.tolist() == [[2, 1]]
    assert "tier floor" in row["reason"].iloc[0]
    l2_intervals = below[below["tier_or_queue"] == "L2"]["interval_start"]
    assert _at(44) not in set(l2_intervals)


def test_coverage_csv_frame_utc_text(scenario, requirements, shifts, allocation):
    coverage = coverage_frame(scenario, requirements, shifts, allocation)

    text = coverage_csv_frame(coverage)

    assert text["interval_start"].iloc[0] == "2027-03-22T00:00:00Z"
    assert text["interval_start"].iloc[-1] == "2027-03-22T23:30:00Z"


def test_coverage_frame_fills_missing_queues(
    scenario, requirements, shifts, allocation
):
    only_de = requirements[requirements["queue"] == "L1-de"]

    coverage = coverage_frame(scenario, only_de, shifts, allocation)

    assert len(coverage) == 48 * 6
    assert _row(coverage, 10, "L1-en")[["required", "scheduled"]].tolist() == [0, 1]
    assert _row(coverage, 10, "L1")["required"] == 2
