"""Roster solver: hard rules, floors, allocation and the shortfall penalty."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_checker import check_roster
from solver_scenarios import agent, make_scenario, requirements_frame

from planner.model import Rules, TierSettings, TimeOff
from planner.shifts import make_shift
from solver import SolveResult, allocate, solve
from solver.allocation import SCALE, SHORTFALL_SLOPES


def scheduled(result: SolveResult, queue: str) -> pd.Series:
    rows = result.allocation[result.allocation["queue"] == queue]
    return rows.set_index("interval_start")["scheduled"]


def on_shift_count(scenario, shifts, tier: str) -> list[int]:
    tiers = {a.agent_id: a.tier for a in scenario.agents}
    counts = [0] * scenario.horizon.n_intervals
    for shift in shifts:
        if tiers[shift.agent_id] != tier:
            continue
        for i in scenario.horizon.covered_intervals(shift.start_utc, shift.end_utc):
            counts[i] += 1
    return counts


def test_solve_returns_typed_result():
    scenario = make_scenario([agent("a1"), agent("a2")], days=1)
    result = solve(scenario, requirements_frame(scenario, {"L1-en": 1}), time_limit=5)

    assert isinstance(result, SolveResult)
    assert result.status == "OPTIMAL"
    assert result.gap == 0
    assert list(result.allocation.columns) == ["interval_start", "queue", "scheduled"]
    assert len(result.allocation) == scenario.horizon.n_intervals
    assert set(result.penalties) >= {"shortfall", "cost", "surplus", "fairness"}
    assert abs(sum(result.penalties.values()) - result.objective) < 1e-6


def test_tier_floor_met_when_possible():
    agents = [agent(f"a{i}", night_ok=True, max_hours_week=16) for i in range(4)]
    scenario = make_scenario(
        agents,
        days=1,
        tiers={"L1": TierSettings(floor=1)},
        rules=Rules(shift_hours=(8,)),
    )
    result = solve(scenario, requirements_frame(scenario), time_limit=5)

    assert result.floor_violations.empty
    assert min(on_shift_count(scenario, result.shifts, "L1")) >= 1
    assert result.penalties["tier_floor"] == 0
    assert check_roster(scenario, result.shifts) == []


def test_time_off_and_night_rule_respected():
    absence = TimeOff(
        agent_id="a1",
        start=datetime(2027, 3, 22, 8, tzinfo=UTC),
        end=datetime(2027, 3, 22, 12, tzinfo=UTC),
    )
    scenario = make_scenario(
        [agent("a1", timezone="Europe/Berlin"), agent("a2", timezone="Europe/Berlin")],
        days=2,
        timeoff=(absence,),
        tiers={"L1": TierSettings(floor=1)},
    )
    result = solve(scenario, requirements_frame(scenario), time_limit=5)

    assert check_roster(scenario, result.shifts) == []
    for shift in result.shifts:
        assert shift.start_local.hour >= 6
        if shift.agent_id == "a1":
            overlaps = shift.start_utc < absence.end and shift.end_utc > absence.start
            assert not overlaps


def test_multilingual_agent_counts_once():
    scenario = make_scenario(
        [agent("both", languages=("en", "de"), max_hours_week=8)],
        days=1,
        languages=("de", "en"),
    )
    requirements = requirements_frame(scenario, {"L1-en": 1, "L1-de": 1})
    result = solve(scenario, requirements, time_limit=5)
    total = scheduled(result, "L1-en") + scheduled(result, "L1-de")
    on_shift = on_shift_count(scenario, result.shifts, "L1")

    assert len(result.shifts) == 1
    assert list(total) == on_shift
    assert total.max() == 1


def test_language_floor_allocates_speaker():
    # Two bilingual agents on shift and a language floor of 1: each queue gets one,
    # although all the requirement is in English.
    scenario = make_scenario(
        [agent(f"a{i}", languages=("en", "ja"), night_ok=True) for i in range(2)],
        days=1,
        languages=("en", "ja"),
        tiers={"L1": TierSettings(floor=0, language_floor=1)},
    )
    requirements = requirements_frame(scenario, {"L1-en": 2})
    fixed = [
        make_shift(agent_id, "UTC", date(2027, 3, 22), time(0), 8)
        for agent_id in ("a0", "a1")
    ]
    allocation = allocate(scenario, requirements, fixed)
    allocation = allocation[
        allocation["interval_start"] < datetime(2027, 3, 22, 8, tzinfo=UTC)
    ]
    ja = allocation[allocation["queue"] == "L1-ja"]["scheduled"]
    en = allocation[allocation["queue"] == "L1-en"]["scheduled"]

    assert (ja == 1).all()
    assert (en == 1).all()


def test_language_floor_violation_named():
    scenario = make_scenario(
        [agent("en_only", night_ok=True)],
        days=1,
        languages=("en", "ja"),
        tiers={"L1": TierSettings(floor=0, language_floor=1)},
    )
    result = solve(scenario, requirements_frame(scenario), time_limit=5)
    rows = result.floor_violations
    japanese = rows[rows["tier_or_queue"] == "L1-ja"]
    english = rows[rows["tier_or_queue"] == "L1-en"]

    # One agent with 40 hours and 8-hour shifts covers 8 of the 24 English hours.
    assert len(japanese) == scenario.horizon.n_intervals
    assert japanese["reason"].str.contains("no L1 agents speaking ja").all()
    assert len(english) == scenario.horizon.n_intervals - 8
    assert english["reason"].str.contains("rest rule").all()
    assert any("speaking ja" in proposal for proposal in result.proposals)


def test_shortfall_penalty_is_convex():
    # No agents: the shortfall penalty is the sum of the convex cost per interval.
    scenario = make_scenario([agent("idle", max_hours_week=1)], days=1)
    n = scenario.horizon.n_intervals
    deep = [3] + [0] * (n - 1)
    wide = [1, 1, 1] + [0] * (n - 3)
    deep_result = solve(scenario, requirements_frame(scenario, {"L1-en": deep}))
    wide_result = solve(scenario, requirements_frame(scenario, {"L1-en": wide}))
    weight = scenario.settings.solver.weights.shortfall

    assert deep_result.penalties["shortfall"] == weight * (1 + 2 + 3)
    assert wide_result.penalties["shortfall"] == weight * 3
    assert deep_result.penalties["shortfall"] > wide_result.penalties["shortfall"]
    assert list(SHORTFALL_SLOPES) == sorted(SHORTFALL_SLOPES)
    assert SCALE > 0


def test_convexity_spreads_shortfall():
    # One agent for 8 of the 16 hours where two are needed in some and one in others:
    # with a convex penalty the solver covers the intervals that are 2 short.
    scenario = make_scenario([agent("only", max_hours_week=8)], days=1)
    need = [0] * scenario.horizon.n_intervals
    for hour in range(8):
        need[hour] = 1
    for hour in range(8, 16):
        need[hour] = 2
    result = solve(
        scenario, requirements_frame(scenario, {"L1-en": need}), time_limit=5
    )

    assert len(result.shifts) == 1
    assert result.shifts[0].start_utc == datetime(2027, 3, 22, 8, tzinfo=UTC)


@settings(max_examples=20, deadline=None)
@given(
    n_agents=st.integers(1, 4),
    floor=st.integers(0, 2),
    night=st.lists(st.booleans(), min_size=4, max_size=4),
    max_hours=st.lists(st.sampled_from([8, 16, 24]), min_size=4, max_size=4),
    zones=st.lists(
        st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York"]),
        min_size=4,
        max_size=4,
    ),
)
def test_rosters_obey_hard_rules(n_agents, floor, night, max_hours, zones):
    agents = [
        agent(
            f"a{i}", night_ok=night[i], max_hours_week=max_hours[i], timezone=zones[i]
        )
        for i in range(n_agents)
    ]
    scenario = make_scenario(
        agents,
        week_start=date(2027, 3, 27),
        days=2,
        tiers={"L1": TierSettings(floor=floor)},
        rules=Rules(min_rest_hours=11, max_consecutive_days=1),
    )
    result = solve(scenario, requirements_frame(scenario, {"L1-en": 1}), time_limit=3)

    assert result.has_roster
    assert check_roster(scenario, result.shifts, allocation=result.allocation) == []
    below = [
        i
        for i, c in enumerate(on_shift_count(scenario, result.shifts, "L1"))
        if c < floor
    ]
    reported = result.floor_violations
    assert len(reported) == len(below)


def test_contradictory_contract_is_invalid():
    # Three days of 8 hours cannot reach 30 hours.
    scenario = make_scenario(
        [agent("short", min_hours_week=30, max_days_week=3)],
        days=7,
        tiers={"L1": TierSettings(floor=1)},
    )
    result = solve(scenario, requirements_frame(scenario), time_limit=5)
    text = " ".join(result.messages)

    assert result.status == "INVALID"
    assert result.shifts == []
    assert "Agent short: min_hours_week 30 cannot be reached" in text
    assert "at most 24 hours" in text
