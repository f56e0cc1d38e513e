"""Explanations: capacity check, reasons for floor violations, proposals."""

from __future__ import annotations

from datetime import UTC, datetime

from solver_scenarios import agent, make_scenario, requirements_frame

from planner.model import Rules, TierSettings
from solver import check_capacity, solve
from solver.explain import capacity_warnings, propose_additions


def day_only_l2_scenario():
    """L2 floor 1 around the clock, but both L2 agents refuse night work in Berlin."""
    agents = [agent(f"l1_{i}", night_ok=True) for i in range(4)]
    agents += [
        agent(f"l2_{i}", tier="L2", timezone="Europe/Berlin", night_ok=False)
        for i in range(2)
    ]
    return make_scenario(
        agents,
        days=1,
        tiers={"L1": TierSettings(floor=1), "L2": TierSettings(floor=1)},
    )


def test_impossible_floor_returns_roster():
    scenario = day_only_l2_scenario()
    result = solve(scenario, requirements_frame(scenario), time_limit=5)

    assert result.has_roster
    assert result.status != "INVALID"
    assert result.shifts


def test_impossible_floor_names_intervals_and_rule():
    scenario = day_only_l2_scenario()
    result = solve(scenario, requirements_frame(scenario), time_limit=5)
    rows = result.floor_violations
    l2 = rows[rows["tier_or_queue"] == "L2"]
    hours = {stamp.hour for stamp in l2["interval_start"]}

    # Berlin is UTC+1 on 22 March 2027: 00:00-06:00 local is 23:00-05:00 UTC, which
    # no day agent can cover. The two agents' single shifts cover 16 of the other 18
    # hours, and the 11 hours of rest keep them from a second shift that day.
    assert hours == {21, 22, 23, 0, 1, 2, 3, 4}
    assert set(rows["tier_or_queue"]) == {"L2"}
    assert (l2["required"] == 1).all()
    assert (l2["scheduled"] == 0).all()
    night = l2[l2["interval_start"] == datetime(2027, 3, 22, 2, tzinfo=UTC)]
    assert night["reason"].iloc[0] == "L2 agents unavailable: night rule (2 agents)"
    evening = l2[l2["interval_start"] == datetime(2027, 3, 22, 22, tzinfo=UTC)]
    assert evening["reason"].iloc[0] == "L2 agents unavailable: rest rule (2 agents)"


def test_impossible_floor_proposes_night_agent():
    scenario = day_only_l2_scenario()
    result = solve(scenario, requirements_frame(scenario), time_limit=5)
    text = " ".join(result.proposals)

    assert result.proposals
    assert all(p.startswith("Add 1 L2 agent who may work") for p in result.proposals)
    # Two day agents with one 8-hour shift each cover at most 05:00-21:00 UTC, so
    # the gap is 21:00-05:00 UTC: 08:00-16:00 in Noumea (+11:00).
    assert len(result.proposals) == 1
    assert "21:00-05:00 UTC" in text
    assert "Pacific/Noumea, 08:00-16:00 local" in text


def test_capacity_check_flags_night_hours():
    scenario = day_only_l2_scenario()
    capacity = check_capacity(scenario, requirements_frame(scenario))
    l2 = capacity[(capacity["tier"] == "L2") & (capacity["language"] == "*")]
    l2 = l2.set_index("hour_utc")

    # 02:00 UTC: floor 1 needs 1 agent-hour; no L2 agent could be on shift.
    assert l2.loc[2, "need_agent_hours"] == 1
    assert l2.loc[2, "available_agent_hours"] == 0
    assert l2.loc[2, "status"] == "short"
    # 12:00 UTC: both L2 agents could work then.
    assert l2.loc[12, "available_agent_hours"] == 2
    assert l2.loc[12, "missing_agent_hours"] == 0
    warnings = capacity_warnings(capacity)
    assert any(w.startswith("L2 23:00-05:00 UTC") for w in warnings)


def test_contract_hours_reason():
    # One L1 agent with 8 contract hours and a floor of 1 all day: 16 hours are
    # uncovered because its hours are used up.
    scenario = make_scenario(
        [agent("solo", night_ok=True, max_hours_week=8)],
        days=1,
        tiers={"L1": TierSettings(floor=1)},
    )
    result = solve(scenario, requirements_frame(scenario), time_limit=5)
    rows = result.floor_violations

    assert len(rows) == 16
    assert rows["reason"].str.contains("one shift per day|contract hours").all()


def test_rest_reason_over_two_days():
    scenario = make_scenario(
        [agent("solo", night_ok=True, max_hours_week=80, max_days_week=7)],
        days=2,
        tiers={"L1": TierSettings(floor=1)},
        rules=Rules(min_rest_hours=16),
    )
    result = solve(scenario, requirements_frame(scenario), time_limit=5)

    assert result.floor_violations["reason"].str.contains("rest rule").any()


def test_proposals_cover_every_gap_slot():
    scenario = make_scenario(
        [agent("x", tier="L2")],
        days=1,
        tiers={"L2": TierSettings(floor=2)},
        rules=Rules(shift_hours=(8,)),
    )
    starts = scenario.horizon.starts()
    import pandas as pd

    violations = pd.DataFrame(
        {
            "interval_start": starts[:10],
            "tier_or_queue": ["L2"] * 10,
            "required": [2] * 10,
            "scheduled": [0] * 5 + [1] * 5,
            "reason": ["test"] * 10,
        }
    )
    proposals = propose_additions(scenario, violations)

    # Ten hours need two 8-hour windows; the first contains gaps of 2, the second of 1.
    assert len(proposals) == 2
    assert proposals[0].startswith("Add 2 L2 agents who may work 00:00-08:00 UTC")
    assert proposals[1].startswith("Add 1 L2 agent who may work 08:00-16:00 UTC")
