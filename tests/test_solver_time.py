"""Solver cases about local time: clock changes, midnight, week boundary, odd offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from rules_checker import check_roster
from solver_scenarios import agent, make_scenario, requirements_frame

from planner.model import Rules, TierSettings
from planner.shifts import make_shift
from solver import allocate, solve
from solver.options import build_options


def hourly_need(scenario, first: datetime, last: datetime) -> list[int]:
    """1 in the intervals that start in [first, last), 0 elsewhere."""
    return [1 if first <= start < last else 0 for start in scenario.horizon.starts()]


def test_dst_night_shift_is_seven_hours():
    # Europe/Berlin goes from +01:00 to +02:00 at 01:00 UTC on 2027-03-28, so the
    # 22:00-06:00 shift of the night of 27 to 28 March runs 21:00Z to 04:00Z.
    scenario = make_scenario(
        [agent("night", timezone="Europe/Berlin", night_ok=True, max_hours_week=7)],
        week_start=date(2027, 3, 27),
        days=2,
        solver=None,
    )
    need = hourly_need(
        scenario,
        datetime(2027, 3, 27, 21, tzinfo=UTC),
        datetime(2027, 3, 28, 4, tzinfo=UTC),
    )
    result = solve(
        scenario, requirements_frame(scenario, {"L1-en": need}), time_limit=5
    )

    assert result.status == "OPTIMAL"
    assert len(result.shifts) == 1
    shift = result.shifts[0]
    assert shift.start_utc == datetime(2027, 3, 27, 21, tzinfo=UTC)
    assert shift.end_utc == datetime(2027, 3, 28, 4, tzinfo=UTC)
    assert shift.paid_hours == 7
    assert result.penalties["shortfall"] == 0
    assert check_roster(scenario, result.shifts) == []


def test_dst_gap_starts_are_skipped():
    scenario = make_scenario(
        [agent("berlin", timezone="Europe/Berlin", night_ok=True)],
        week_start=date(2027, 3, 27),
        days=2,
    )
    options = build_options(scenario)[0].options
    local_starts = [option.shift.start_local.replace(tzinfo=None) for option in options]

    assert datetime(2027, 3, 28, 2, 0) not in local_starts
    assert datetime(2027, 3, 28, 1, 0) in local_starts
    assert datetime(2027, 3, 28, 3, 0) in local_starts


def test_shift_across_week_boundary_counts_all_hours():
    # The last two hours of the horizon need an agent; the shift that covers them
    # starts at 22:00 UTC and spills 6 hours past the end.
    scenario = make_scenario([agent("late", night_ok=True, max_hours_week=8)], days=2)
    need = hourly_need(
        scenario,
        datetime(2027, 3, 23, 22, tzinfo=UTC),
        datetime(2027, 3, 24, 0, tzinfo=UTC),
    )
    result = solve(
        scenario, requirements_frame(scenario, {"L1-en": need}), time_limit=5
    )

    assert len(result.shifts) == 1
    assert result.shifts[0].end_utc > scenario.horizon.end
    assert result.penalties["shortfall"] == 0
    assert result.penalties["cost"] == 8


def test_spilled_hours_count_against_contract():
    scenario = make_scenario([agent("late", night_ok=True, max_hours_week=7)], days=2)
    need = hourly_need(
        scenario,
        datetime(2027, 3, 23, 22, tzinfo=UTC),
        datetime(2027, 3, 24, 0, tzinfo=UTC),
    )
    result = solve(
        scenario, requirements_frame(scenario, {"L1-en": need}), time_limit=5
    )

    assert result.shifts == []
    assert result.penalties["shortfall"] > 0


def test_shift_across_local_midnight():
    scenario = make_scenario(
        [agent("tokyo", timezone="Asia/Tokyo", night_ok=True)], days=2
    )
    # 14:00-18:00 UTC is 23:00-03:00 in Tokyo.
    need = hourly_need(
        scenario,
        datetime(2027, 3, 22, 14, tzinfo=UTC),
        datetime(2027, 3, 22, 18, tzinfo=UTC),
    )
    result = solve(
        scenario, requirements_frame(scenario, {"L1-en": need}), time_limit=5
    )

    assert len(result.shifts) == 1
    shift = result.shifts[0]
    assert shift.start_local.date() < shift.end_local.date()
    assert result.penalties["shortfall"] == 0


def test_quarter_hour_offset_covers_whole_intervals_only():
    # Kathmandu is +05:45: a shift from 09:00 local starts at 03:15 UTC, so against a
    # 30-minute grid it covers 15 whole intervals, not 16.
    scenario = make_scenario(
        [
            agent("ktm", timezone="Asia/Kathmandu"),
            agent("del", timezone="Asia/Kolkata"),
        ],
        days=1,
        interval_minutes=30,
    )
    options = build_options(scenario)
    kathmandu = {
        len(o.intervals)
        for o in options[0].options
        if o.shift.end_utc <= scenario.horizon.end
    }
    kolkata = {
        len(o.intervals)
        for o in options[1].options
        if o.shift.end_utc <= scenario.horizon.end
    }

    assert kathmandu == {15}
    assert kolkata == {16}


def test_quarter_hour_shift_covers_needed_interval_wholly():
    scenario = make_scenario(
        [agent("ktm", timezone="Asia/Kathmandu")], days=1, interval_minutes=30
    )
    need = hourly_need(
        scenario,
        datetime(2027, 3, 22, 3, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 3, 30, tzinfo=UTC),
    )
    result = solve(
        scenario, requirements_frame(scenario, {"L1-en": need}), time_limit=5
    )

    assert len(result.shifts) == 1
    shift = result.shifts[0]
    assert shift.start_utc <= datetime(2027, 3, 22, 3, 0, tzinfo=UTC)
    assert shift.end_utc >= datetime(2027, 3, 22, 3, 30, tzinfo=UTC)
    assert result.penalties["shortfall"] == 0


def test_allocate_ignores_partly_covered_interval():
    # 09:00-17:00 in Kathmandu is 03:15-11:15 UTC: the 03:00 and 11:00 intervals are
    # covered only in part, so nobody is allocated in them.
    scenario = make_scenario(
        [agent("ktm", timezone="Asia/Kathmandu")], days=1, interval_minutes=30
    )
    shift = make_shift("ktm", "Asia/Kathmandu", date(2027, 3, 22), time(9), 8)
    allocation = allocate(scenario, requirements_frame(scenario, {"L1-en": 1}), [shift])
    scheduled = allocation.set_index("interval_start")["scheduled"]

    assert scheduled[datetime(2027, 3, 22, 3, 0, tzinfo=UTC)] == 0
    assert scheduled[datetime(2027, 3, 22, 3, 30, tzinfo=UTC)] == 1
    assert scheduled[datetime(2027, 3, 22, 10, 30, tzinfo=UTC)] == 1
    assert scheduled[datetime(2027, 3, 22, 11, 0, tzinfo=UTC)] == 0
    assert scheduled.sum() == 15


def test_rest_holds_across_clock_change():
    # Two shifts of one Berlin agent must be 11 hours apart in real time, also on the
    # night the clocks go forward.
    scenario = make_scenario(
        [agent("berlin", timezone="Europe/Berlin", night_ok=True)],
        week_start=date(2027, 3, 27),
        days=2,
        rules=Rules(min_rest_hours=11),
        tiers={"L1": TierSettings(floor=1)},
    )
    result = solve(scenario, requirements_frame(scenario), time_limit=5)

    shifts = sorted(result.shifts, key=lambda s: s.start_utc)
    for first, second in pairwise(shifts):
        assert second.start_utc - first.end_utc >= timedelta(hours=11)
    assert check_roster(scenario, result.shifts) == []
