"""Solver control: determinism, limits, progress, cancellation, warm start, last week."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from rules_checker import check_roster
from solver_scenarios import agent, make_scenario, requirements_frame

from planner.model import Rules, TierSettings
from planner.shifts import make_shift
from solver import solve
from solver.allocation import demand_arrays
from solver.greedy import greedy_roster
from solver.options import build_options


def busy_scenario(days: int = 3):
    """A scenario that the search does not close within a short limit."""
    zones = ["Europe/Berlin", "Asia/Tokyo", "America/New_York", "Asia/Kolkata"]
    agents = [
        agent(
            f"a{i}",
            timezone=zones[i % len(zones)],
            night_ok=i % 3 == 0,
            languages=("en", "de") if i % 2 else ("en",),
            max_hours_week=32,
            cost_per_hour=20 + i,
        )
        for i in range(12)
    ]
    scenario = make_scenario(
        agents,
        days=days,
        interval_minutes=30,
        languages=("de", "en"),
        tiers={"L1": TierSettings(floor=2)},
        rules=Rules(shift_hours=(6, 8), start_step_minutes=30),
    )
    need = [1 + (i // 8) % 3 for i in range(scenario.horizon.n_intervals)]
    return scenario, requirements_frame(scenario, {"L1-en": need, "L1-de": 1})


def roster_key(result) -> list[tuple]:
    return sorted((s.agent_id, s.start_utc, s.end_utc) for s in result.shifts)


@pytest.mark.slow
@pytest.mark.parametrize("days", [2, 5])
def test_same_seed_and_workers_same_roster(days):
    # The search stops at its limit, not at a proof of optimality, after improving on
    # the start roster: the case where thread timing could change the result. Two
    # days give 1,504 candidate shifts (full-problem workers), five days 3,760
    # (neighbourhood and local search only).
    scenario, requirements = busy_scenario(days=days)
    first = solve(scenario, requirements, time_limit=4, seed=3, workers=2)
    second = solve(scenario, requirements, time_limit=4, seed=3, workers=2)

    assert first.status == "FEASIBLE"
    assert first.solutions >= 2
    assert first.deterministic
    assert second.deterministic
    assert roster_key(first) == roster_key(second)
    assert first.objective == second.objective
    assert first.allocation.equals(second.allocation)


def test_time_limit_before_solution():
    # Without the greedy start only the search could find a roster, and it gets no
    # time: every agent's minimum hours rule out the empty roster.
    agents = [agent(f"a{i}", min_hours_week=24, night_ok=True) for i in range(6)]
    scenario = make_scenario(agents, days=7, interval_minutes=30)
    requirements = requirements_frame(scenario)
    result = solve(
        scenario, requirements, time_limit=1e-6, workers=1, greedy_start=False
    )

    assert result.status == "NO_SOLUTION_IN_TIME"
    assert result.shifts == []
    assert not result.has_roster
    assert any("time limit" in message for message in result.messages)
    assert "infeasible" not in " ".join(result.messages).lower()


def test_greedy_start_meets_minimum_hours():
    agents = [agent(f"a{i}", min_hours_week=24, night_ok=True) for i in range(6)]
    scenario = make_scenario(agents, days=7, interval_minutes=30)
    result = solve(scenario, requirements_frame(scenario), time_limit=1e-6, workers=1)

    assert result.status == "FEASIBLE"
    assert check_roster(scenario, result.shifts) == []


def test_greedy_start_returned_when_search_has_no_time():
    scenario, requirements = busy_scenario(days=2)
    result = solve(scenario, requirements, time_limit=1e-6, workers=1)

    assert result.status == "FEASIBLE"
    assert result.shifts
    assert check_roster(scenario, result.shifts, allocation=result.allocation) == []
    assert any("greedy" in message for message in result.messages)


def test_progress_reports_each_solution():
    scenario, requirements = busy_scenario(days=1)
    updates = []
    result = solve(scenario, requirements, time_limit=1, progress=updates.append)
    starts = [update for update in updates if update.get("phase") == "start roster"]
    updates = [update for update in updates if "phase" not in update]

    assert starts
    assert all(start["best_bound"] is None for start in starts)
    assert updates
    assert len(updates) == result.solutions
    assert set(updates[0]) == {
        "objective",
        "best_bound",
        "gap",
        "wall_seconds",
        "solutions",
    }
    objectives = [update["objective"] for update in updates]
    assert objectives == sorted(objectives, reverse=True)
    assert updates[-1]["objective"] >= result.objective - 1e-6


def test_start_roster_reported_before_search():
    scenario, requirements = busy_scenario(days=7)
    updates = []
    solve(scenario, requirements, time_limit=4, progress=updates.append)
    phases = [update.get("phase", "search") for update in updates]

    assert phases[0] == "start roster"
    assert "search" in phases
    assert phases.index("search") > max(
        i for i, phase in enumerate(phases) if phase == "start roster"
    )
    starts = [u["objective"] for u in updates if u.get("phase") == "start roster"]
    assert starts == sorted(starts, reverse=True)


def test_stop_event_returns_best_so_far():
    scenario, requirements = busy_scenario(days=7)
    stop = threading.Event()

    def cancel_after_first(update):
        stop.set()

    result = solve(
        scenario,
        requirements,
        time_limit=60,
        progress=cancel_after_first,
        stop_event=stop,
    )

    assert result.has_roster
    assert result.wall_seconds < 60
    assert not result.deterministic
    assert any("cancelled" in message for message in result.messages)


def test_warm_start_keeps_equal_cost_roster():
    # Two identical agents and one 8-hour need: either may work it. A warm start with
    # b's shift must keep b, whichever the solver would pick on its own.
    scenario = make_scenario([agent("a"), agent("b")], days=1)
    need = [1 if 9 <= i < 17 else 0 for i in range(scenario.horizon.n_intervals)]
    requirements = requirements_frame(scenario, {"L1-en": need})
    for chosen in ("a", "b"):
        warm = [make_shift(chosen, "UTC", date(2027, 3, 22), time(9), 8)]
        result = solve(scenario, requirements, time_limit=5, warm_start=warm)

        assert roster_key(result) == [(chosen, warm[0].start_utc, warm[0].end_utc)]
        assert result.penalties["stability"] == 0


def test_warm_start_changes_few_shifts():
    scenario, requirements = busy_scenario(days=2)
    base = solve(scenario, requirements, time_limit=2, workers=1)
    again = solve(
        scenario, requirements, time_limit=2, workers=1, seed=7, warm_start=base.shifts
    )
    before = set(roster_key(base))
    after = set(roster_key(again))

    assert again.objective <= base.objective + 1e-6
    assert len(before ^ after) <= max(2, len(before) // 4)


def test_previous_roster_rest_at_week_start():
    # Last week's shift ends at 04:00 UTC on the first day: with 11 hours of rest the
    # agent cannot start before 15:00 UTC, although the need is at 08:00-16:00.
    previous = [make_shift("a", "UTC", date(2027, 3, 21), time(20), 8)]
    scenario = make_scenario(
        [agent("a", night_ok=True)], days=1, rules=Rules(min_rest_hours=11)
    )
    need = [1 if 8 <= i < 16 else 0 for i in range(scenario.horizon.n_intervals)]
    requirements = requirements_frame(scenario, {"L1-en": need})
    free = solve(scenario, requirements, time_limit=5)
    bound = solve(scenario, requirements, time_limit=5, previous_roster=previous)

    assert free.shifts[0].start_utc == datetime(2027, 3, 22, 8, tzinfo=UTC)
    assert all(
        s.start_utc >= previous[0].end_utc + timedelta(hours=11) for s in bound.shifts
    )
    assert check_roster(scenario, bound.shifts, previous_roster=previous) == []


def test_previous_roster_spill_covers_floor():
    # Last week's night shift covers 00:00-04:00 UTC of the first day.
    previous = [make_shift("a", "UTC", date(2027, 3, 21), time(20), 8)]
    scenario = make_scenario(
        [agent("a", night_ok=True), agent("b", night_ok=True)],
        days=1,
        tiers={"L1": TierSettings(floor=1)},
        rules=Rules(min_rest_hours=0),
    )
    result = solve(
        scenario, requirements_frame(scenario), time_limit=5, previous_roster=previous
    )
    covered = result.floor_violations["interval_start"].tolist()

    assert datetime(2027, 3, 22, 0, tzinfo=UTC) not in covered
    assert datetime(2027, 3, 22, 3, tzinfo=UTC) not in covered


def test_previous_roster_consecutive_days():
    # Six days worked up to yesterday with a limit of 6: today must be a day off.
    previous = [
        make_shift("a", "UTC", date(2027, 3, 22) - timedelta(days=d), time(8), 8)
        for d in range(1, 7)
    ]
    scenario = make_scenario(
        [agent("a", max_days_week=7, max_hours_week=60)],
        days=3,
        tiers={"L1": TierSettings(floor=1)},
        rules=Rules(max_consecutive_days=6, min_rest_hours=0),
    )
    result = solve(
        scenario, requirements_frame(scenario), time_limit=5, previous_roster=previous
    )
    dates = {s.date_local for s in result.shifts}

    assert date(2027, 3, 22) not in dates
    assert date(2027, 3, 23) in dates
    assert check_roster(scenario, result.shifts, previous_roster=previous) == []
    reasons = result.floor_violations
    first_day = reasons[reasons["interval_start"] < datetime(2027, 3, 23, tzinfo=UTC)]
    assert first_day["reason"].str.contains("consecutive days limit").any()


def greedy_start(scenario, requirements, rounds: int, seed: int = 0):
    options = build_options(scenario)
    demand = demand_arrays(scenario, requirements)
    start = greedy_roster(scenario, demand, options, {}, rounds=rounds, seed=seed)
    shifts = [options[a].options[k].shift for a, k in sorted(start.picked)]
    return start, shifts


def test_greedy_replanning_keeps_rules_and_never_prices_higher():
    scenario, requirements = busy_scenario(days=3)
    plain, plain_shifts = greedy_start(scenario, requirements, rounds=0)
    replanned, replanned_shifts = greedy_start(scenario, requirements, rounds=200)

    assert check_roster(scenario, plain_shifts) == []
    assert check_roster(scenario, replanned_shifts) == []
    assert replanned.price <= plain.price + 1e-6
    assert not replanned.stopped_by_clock


def test_greedy_replanning_same_seed_same_roster():
    scenario, requirements = busy_scenario(days=3)
    first, _ = greedy_start(scenario, requirements, rounds=100, seed=5)
    second, _ = greedy_start(scenario, requirements, rounds=100, seed=5)

    assert first.picked == second.picked
    assert first.price == second.price
