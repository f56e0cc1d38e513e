"""The time model: local wall-clock shifts, UTC intervals and clock changes.

Properties are checked against dateutil's separate reading of the tz database, and
fixed cases against the published clock-change dates of 2027.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil import tz as dateutil_tz
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.horizon import Horizon
from planner.shifts import (
    is_nonexistent,
    local_dates,
    local_to_utc,
    make_shift,
    utc_to_local,
    zone,
)

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Africa/Casablanca",
]
zones = st.sampled_from(ZONES)
wall_times = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)
)


def _clock_change_eves() -> list[tuple[str, date]]:
    """(zone, local date) pairs just before a clock change in that zone, 2026 to 2028."""
    eves = []
    day = date(2026, 1, 1)
    while day < date(2028, 12, 31):
        for name in ZONES:
            noon = datetime.combine(day, time(12), zone(name))
            if noon.utcoffset() != (noon + timedelta(days=1)).utcoffset():
                eves.append((name, day))
        day += timedelta(days=1)
    return eves


CLOCK_CHANGE_EVES = _clock_change_eves()
zone_days = st.one_of(
    st.tuples(
        zones, st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))
    ),
    st.sampled_from(CLOCK_CHANGE_EVES),
)
WEEK = Horizon(start=datetime(2027, 3, 22, tzinfo=UTC), days=7, interval_minutes=30)


def is_plain(local: datetime, name: str) -> bool:
    """Tell whether a wall time exists exactly once in zone ``name`` (dateutil's view)."""
    aware = local.replace(tzinfo=dateutil_tz.gettz(name))
    return dateutil_tz.datetime_exists(aware) and not dateutil_tz.datetime_ambiguous(
        aware
    )


def reference_utc(local: datetime, name: str) -> datetime:
    return local.replace(tzinfo=dateutil_tz.gettz(name)).astimezone(UTC)


# Properties ------------------------------------------------------------------------


@settings(max_examples=50)
@given(local=wall_times, name=zones)
def test_local_utc_round_trip(local, name):
    assume(is_plain(local, name))
    instant = local_to_utc(local, zone(name))
    assert instant == reference_utc(local, name)
    assert utc_to_local(instant, zone(name)).replace(tzinfo=None) == local


@settings(max_examples=50)
@given(local=wall_times, name=zones)
def test_nonexistent_agrees_with_dateutil(local, name):
    aware = local.replace(tzinfo=dateutil_tz.gettz(name))
    assert is_nonexistent(local, zone(name)) == (not dateutil_tz.datetime_exists(aware))


@settings(max_examples=50)
@given(
    instant=st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2028, 12, 31),
        timezones=st.just(UTC),
    ),
    name=zones,
)
def test_utc_local_round_trip(instant, name):
    local = utc_to_local(instant, zone(name)).replace(tzinfo=None)
    assume(is_plain(local, name))
    assert local_to_utc(local, zone(name)) == instant


@settings(max_examples=50)
@given(
    zone_day=zone_days,
    start_minutes=st.integers(0, 24 * 4 - 1).map(lambda quarter: quarter * 15),
    hours=st.sampled_from([4, 6, 7.5, 8, 9, 10, 12]),
)
def test_make_shift_paid_hours(zone_day, start_minutes, hours):
    name, day = zone_day
    start_wall = datetime.combine(day, time()) + timedelta(minutes=start_minutes)
    end_wall = start_wall + timedelta(hours=hours)
    assume(is_plain(start_wall, name))
    assume(is_plain(end_wall, name))
    shift = make_shift("a", name, day, start_wall.time(), hours)

    expected = reference_utc(end_wall, name) - reference_utc(start_wall, name)
    assert shift.paid_hours == expected / timedelta(hours=1)
    assert shift.start_local.replace(tzinfo=None) == start_wall
    assert shift.end_local.replace(tzinfo=None) == end_wall
    offsets_equal = shift.start_local.utcoffset() == shift.end_local.utcoffset()
    if offsets_equal:
        assert shift.paid_hours == hours


@settings(max_examples=50)
@given(
    day=st.dates(min_value=date(2027, 3, 20), max_value=date(2027, 3, 29)),
    start_minutes=st.integers(0, 24 * 4 - 1).map(lambda quarter: quarter * 15),
    hours=st.sampled_from([4, 7.5, 8, 10]),
    name=zones,
    interval=st.sampled_from([15, 30, 60]),
)
def test_covered_intervals_lie_inside_shift(day, start_minutes, hours, name, interval):
    start_wall = datetime.combine(day, time()) + timedelta(minutes=start_minutes)
    assume(not is_nonexistent(start_wall, zone(name)))
    shift = make_shift("a", name, day, start_wall.time(), hours)
    horizon = Horizon(
        start=datetime(2027, 3, 22, tzinfo=UTC), days=7, interval_minutes=interval
    )
    covered = horizon.covered_intervals(shift.start_utc, shift.end_utc)

    for index in covered:
        begin = horizon.interval_start(index)
        assert shift.start_utc <= begin
        assert begin + horizon.step <= shift.end_utc
    # Every other interval of the horizon is at least partly outside the shift.
    for index in set(range(horizon.n_intervals)) - set(covered):
        begin = horizon.interval_start(index)
        assert begin < shift.start_utc or begin + horizon.step > shift.end_utc


# Fixed cases: clock changes of 2027 ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "day", "paid_hours"),
    [
        ("Europe/Berlin", date(2027, 3, 27), 7),  # clocks forward 2027-03-28 02:00
        ("Europe/Berlin", date(2027, 10, 30), 9),  # clocks back 2027-10-31 03:00
        ("Europe/Berlin", date(2027, 3, 20), 8),
        ("America/New_York", date(2027, 3, 13), 7),  # forward 2027-03-14 02:00
        ("America/New_York", date(2027, 11, 6), 9),  # back 2027-11-07 02:00
        ("Australia/Sydney", date(2027, 4, 3), 9),  # back 2027-04-04 03:00
        ("Australia/Sydney", date(2027, 10, 2), 7),  # forward 2027-10-03 02:00
        ("America/Sao_Paulo", date(2027, 11, 6), 8),  # no daylight saving since 2019
        ("America/Sao_Paulo", date(2027, 2, 20), 8),
        ("Asia/Kolkata", date(2027, 3, 27), 8),
        ("Asia/Kathmandu", date(2027, 3, 27), 8),
    ],
)
def test_night_shift_on_clock_change(name, day, paid_hours):
    shift = make_shift("a", name, day, time(22), 8)
    assert shift.paid_hours == paid_hours
    assert shift.start_local.time() == time(22)
    assert shift.end_local.time() == time(6)
    assert shift.end_local.date() == day + timedelta(days=1)


def test_berlin_night_in_utc():
    shift = make_shift("a", "Europe/Berlin", date(2027, 3, 27), time(22), 8)
    assert shift.start_utc == datetime(2027, 3, 27, 21, tzinfo=UTC)
    assert shift.end_utc == datetime(2027, 3, 28, 4, tzinfo=UTC)
    assert shift.start_local.utcoffset() == timedelta(hours=1)
    assert shift.end_local.utcoffset() == timedelta(hours=2)


def test_sao_paulo_is_utc_minus_3_all_year():
    for month in (1, 4, 7, 11):
        shift = make_shift("a", "America/Sao_Paulo", date(2027, month, 10), time(22), 8)
        assert shift.start_utc == datetime(2027, month, 11, 1, tzinfo=UTC)


def test_start_in_spring_gap_is_rejected():
    with pytest.raises(ValueError, match="does not exist"):
        make_shift("a", "Europe/Berlin", date(2027, 3, 28), time(2, 30), 8)
    with pytest.raises(ValueError, match="does not exist"):
        make_shift("a", "America/New_York", date(2027, 3, 14), time(2), 8)


def test_repeated_hour_means_first_occurrence():
    shift = make_shift("a", "Europe/Berlin", date(2027, 10, 31), time(2, 30), 4)
    assert shift.start_utc == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert shift.end_utc == datetime(2027, 10, 31, 5, 30, tzinfo=UTC)
    assert shift.paid_hours == 5


def test_end_in_spring_gap_keeps_elapsed_hours():
    # 18:30 + 8 h ends at 02:30 local, which does not exist on 2027-03-28.
    shift = make_shift("a", "Europe/Berlin", date(2027, 3, 27), time(18, 30), 8)
    assert shift.paid_hours == 8
    assert shift.end_utc == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_shift_across_local_midnight():
    shift = make_shift("a", "America/New_York", date(2027, 3, 22), time(20), 8)
    assert shift.date_local == date(2027, 3, 22)
    assert shift.start_utc == datetime(2027, 3, 23, 0, tzinfo=UTC)
    assert shift.end_utc == datetime(2027, 3, 23, 8, tzinfo=UTC)
    covered = WEEK.covered_intervals(shift.start_utc, shift.end_utc)
    assert len(covered) == 16
    assert WEEK.interval_start(covered[0]) == shift.start_utc


def test_shift_across_week_end_is_clipped():
    shift = make_shift("a", "Europe/Berlin", date(2027, 3, 28), time(22), 8)
    assert shift.start_utc == datetime(2027, 3, 28, 20, tzinfo=UTC)
    assert shift.end_utc == datetime(2027, 3, 29, 4, tzinfo=UTC)
    assert shift.paid_hours == 8
    covered = WEEK.covered_intervals(shift.start_utc, shift.end_utc)
    assert list(covered) == list(range(WEEK.n_intervals - 8, WEEK.n_intervals))


def test_shift_before_week_start_is_clipped():
    shift = make_shift("a", "Asia/Tokyo", date(2027, 3, 22), time(6), 8)
    assert shift.start_utc == datetime(2027, 3, 21, 21, tzinfo=UTC)
    assert list(WEEK.covered_intervals(shift.start_utc, shift.end_utc)) == list(
        range(10)
    )


def test_kolkata_half_hour_offset():
    shift = make_shift("a", "Asia/Kolkata", date(2027, 3, 23), time(9), 8)
    assert shift.start_utc == datetime(2027, 3, 23, 3, 30, tzinfo=UTC)
    half_hours = WEEK.covered_intervals(shift.start_utc, shift.end_utc)
    assert len(half_hours) == 16
    hourly = Horizon(start=WEEK.start, days=7, interval_minutes=60)
    hours = hourly.covered_intervals(shift.start_utc, shift.end_utc)
    assert hourly.interval_start(hours[0]) == datetime(2027, 3, 23, 4, tzinfo=UTC)
    assert len(hours) == 7


def test_kathmandu_quarter_hour_offset():
    shift = make_shift("a", "Asia/Kathmandu", date(2027, 3, 23), time(9), 8)
    assert shift.start_utc == datetime(2027, 3, 23, 3, 15, tzinfo=UTC)
    assert shift.end_utc == datetime(2027, 3, 23, 11, 15, tzinfo=UTC)
    covered = WEEK.covered_intervals(shift.start_utc, shift.end_utc)
    starts = [WEEK.interval_start(index) for index in covered]
    assert starts[0] == datetime(2027, 3, 23, 3, 30, tzinfo=UTC)
    assert starts[-1] == datetime(2027, 3, 23, 10, 30, tzinfo=UTC)
    assert len(starts) == 15
    quarter = Horizon(start=WEEK.start, days=7, interval_minutes=15)
    assert len(quarter.covered_intervals(shift.start_utc, shift.end_utc)) == 32


def test_local_dates_in_sydney():
    days = local_dates(WEEK.start, WEEK.end - timedelta(minutes=1), "Australia/Sydney")
    assert days[0] == date(2027, 3, 22)
    assert days[-1] == date(2027, 3, 29)
    assert len(days) == 8


def test_horizon_index_rejects_off_grid_and_naive():
    assert (
        WEEK.index_of(datetime(2027, 3, 22, 5, 45, tzinfo=zone("Asia/Kathmandu"))) == 0
    )
    with pytest.raises(ValueError, match="grid"):
        WEEK.index_of(datetime(2027, 3, 22, 0, 15, tzinfo=UTC))
    with pytest.raises(ValueError, match="outside"):
        WEEK.index_of(datetime(2027, 3, 29, tzinfo=UTC))
    with pytest.raises(ValueError, match="offset"):
        WEEK.index_of(datetime(2027, 3, 22))
