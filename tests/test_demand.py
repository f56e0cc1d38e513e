"""Demand derived from ticket histories: hand-checked profiles, weeks, time zones."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.demand import derive_demand, escalation_rates, place_profile
from planner.tickets import read_tickets

# A hand-made history. Target weeks start on Mondays, so history weeks do too.
# The log covers the days Sun 2027-01-03 to Wed 2027-01-20, so:
#   week of Mon 2026-12-28: starts before the first day   -> dropped
#   week of Mon 2027-01-04: inside                         -> used
#   week of Mon 2027-01-11: inside                         -> used
#   week of Mon 2027-01-18: ends after the last day        -> dropped
HISTORY = """\
ticket_id,created_at,language,resolved_at,tier_resolved,handle_minutes
A,2027-01-03T12:00:00Z,en,2027-01-03T13:00:00Z,L1,10
B,2027-01-04T09:10:00Z,en,2027-01-04T09:40:00Z,L1,20
C,2027-01-04T09:40:00Z,en,2027-01-04T11:40:00Z,L2,30
D,2027-01-04T09:50:00Z,de,2027-01-05T09:50:00Z,L3,90
E,2027-01-11T09:05:00Z,en,2027-01-11T09:15:00Z,L1,5
F,2027-01-12T23:59:00Z,de,,L2,
G,2027-01-20T10:00:00Z,en,2027-01-20T10:30:00Z,L1,15
"""


def history() -> pd.DataFrame:
    return read_tickets(io.StringIO(HISTORY))


def arrivals_at(demand: pd.DataFrame, instant: str, language: str) -> float:
    row = demand[
        (demand["interval_start"] == pd.Timestamp(instant))
        & (demand["language"] == language)
    ]
    assert len(row) == 1
    return float(row["arrivals"].iloc[0])


def test_derive_demand_weeks_used_and_dropped():
    derivation = derive_demand(history(), date(2027, 3, 22))

    assert derivation.weeks_used == [date(2027, 1, 4), date(2027, 1, 11)]
    assert derivation.weeks_dropped == [date(2026, 12, 28), date(2027, 1, 18)]
    assert derivation.tickets_used == 5  # B, C, D, E, F
    assert derivation.weekly_volume == pytest.approx(2.5)


def test_derive_demand_profile_by_hand():
    demand = derive_demand(history(), "2027-03-22").demand

    # Monday 09h over two weeks: en has B, C, E (3 / 2 = 1.5 per hour), de has D
    # (0.5 per hour). A 30-minute interval gets half the hour.
    assert arrivals_at(demand, "2027-03-22T09:00Z", "en") == pytest.approx(0.75)
    assert arrivals_at(demand, "2027-03-22T09:30Z", "en") == pytest.approx(0.75)
    assert arrivals_at(demand, "2027-03-22T09:00Z", "de") == pytest.approx(0.25)
    # Tuesday 23h: F alone, 1 / 2 weeks = 0.5 per hour.
    assert arrivals_at(demand, "2027-03-23T23:30Z", "de") == pytest.approx(0.25)
    assert arrivals_at(demand, "2027-03-22T10:00Z", "en") == 0.0
    assert demand["arrivals"].sum() == pytest.approx(2.5)


def test_derive_demand_covers_every_interval():
    demand = derive_demand(history(), "2027-03-22").demand

    assert len(demand) == 336 * 2
    assert demand["interval_start"].min() == pd.Timestamp("2027-03-22T00:00Z")
    assert demand["interval_start"].max() == pd.Timestamp("2027-03-28T23:30Z")
    assert str(demand["interval_start"].dt.tz) == "UTC"
    assert sorted(demand["language"].unique()) == ["de", "en"]


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_derive_demand_interval_lengths_keep_volume(minutes):
    demand = derive_demand(history(), "2027-03-22", interval_minutes=minutes).demand

    assert len(demand) == 7 * 24 * 60 // minutes * 2
    assert demand["arrivals"].sum() == pytest.approx(2.5)
    monday_nine = demand[
        (demand["interval_start"] >= pd.Timestamp("2027-03-22T09:00Z"))
        & (demand["interval_start"] < pd.Timestamp("2027-03-22T10:00Z"))
        & (demand["language"] == "en")
    ]
    assert monday_nine["arrivals"].sum() == pytest.approx(1.5)


def test_derive_demand_two_week_horizon_repeats_profile():
    demand = derive_demand(history(), "2027-03-22", days=14).demand

    assert arrivals_at(demand, "2027-03-29T09:00Z", "en") == pytest.approx(0.75)
    assert demand["arrivals"].sum() == pytest.approx(5.0)


def test_derive_demand_weeks_follow_target_weekday():
    # Weeks starting on Wednesday: the log's days Sun 01-03 .. Wed 01-20 hold the
    # complete weeks Wed 01-06 and Wed 01-13 only.
    derivation = derive_demand(history(), "2027-03-24")

    assert derivation.weeks_used == [date(2027, 1, 6), date(2027, 1, 13)]
    assert derivation.tickets_used == 2  # E and F


def test_derive_demand_without_complete_week_raises():
    short = history().iloc[1:4]  # 2027-01-04 only: one day

    with pytest.raises(ValueError, match="no complete week"):
        derive_demand(short, "2027-03-22")


def test_derive_demand_rejects_interval_off_grid():
    with pytest.raises(ValueError, match="multiple of 15"):
        derive_demand(history(), "2027-03-22", interval_minutes=20)


def test_escalation_aht_and_mttr_by_hand():
    derivation = derive_demand(history(), "2027-03-22")

    # Tiers: A L1, B L1, C L2, D L3, E L1, F L2, G L1. Every ticket enters L1, and
    # C, D, F were resolved above it: 3 / 7. Of the 3 that reached L2, D went on.
    assert derivation.escalation_rates["L1"] == pytest.approx(3 / 7)
    assert derivation.escalation_rates["L2"] == pytest.approx(1 / 3)
    assert "L3" not in derivation.escalation_rates
    # Handle minutes: L1 A 10, B 20, E 5, G 15 -> 12.5; L2 C 30 (F unknown); L3 D 90.
    assert derivation.aht_minutes["L1"] == pytest.approx(12.5)
    assert derivation.aht_minutes["L2"] == pytest.approx(30)
    assert derivation.aht_minutes["L3"] == pytest.approx(90)
    assert derivation.aht_minutes["all"] == pytest.approx(
        (10 + 20 + 30 + 90 + 5 + 15) / 6
    )
    # Resolution minutes: A 60, B 30, C 120, D 1440, E 10, G 30 (F unresolved).
    assert derivation.mttr_minutes == pytest.approx(
        (60 + 30 + 120 + 1440 + 10 + 30) / 6
    )
    assert derivation.mttr_by_tier["L1"] == pytest.approx((60 + 30 + 10 + 30) / 4)
    assert derivation.mttr_by_tier["L3"] == pytest.approx(1440)


def test_escalation_rates_without_tiers_are_empty():
    tickets = history().drop(columns="tier_resolved")

    assert escalation_rates(tickets) == {}


# Clock changes. Europe/Berlin goes from +01:00 to +02:00 on Sunday 2027-03-28, inside
# the target week. The January history is all at +01:00.
BERLIN_HISTORY = """\
created_at,language
2027-01-10 20:00,de
2027-01-11 09:15,de
2027-01-17 02:30,de
2027-01-17 10:00,de
2027-01-18 09:15,de
2027-01-24 02:30,de
2027-01-24 10:00,de
2027-01-25 08:00,de
"""


def berlin_history() -> pd.DataFrame:
    return read_tickets(io.StringIO(BERLIN_HISTORY), timezone_name="Europe/Berlin")


def test_naive_timestamps_read_in_given_zone():
    tickets = berlin_history()

    assert tickets["created_at"].iloc[1] == pd.Timestamp("2027-01-11T08:15Z")


def test_dst_week_profile_in_utc():
    derivation = derive_demand(berlin_history(), "2027-03-22")
    demand = derivation.demand

    # Days Sun 01-10 .. Mon 01-25 hold the weeks of Mon 01-11 and Mon 01-18.
    assert derivation.weeks_used == [date(2027, 1, 11), date(2027, 1, 18)]
    # Monday 09:15 local in January is 08:15 UTC: 2 tickets / 2 weeks in hour 08 UTC.
    assert arrivals_at(demand, "2027-03-22T08:00Z", "de") == pytest.approx(0.5)
    # Sunday 10:00 local is 09:00 UTC in January; UTC profiles keep it at 09:00 UTC
    # on 2027-03-28 although Berlin's clocks show 11:00 then.
    assert arrivals_at(demand, "2027-03-28T09:00Z", "de") == pytest.approx(0.5)
    assert demand["arrivals"].sum() == pytest.approx(3.0)


def test_dst_week_profile_on_local_clock():
    demand = derive_demand(
        berlin_history(), "2027-03-22", profile_timezone="Europe/Berlin"
    ).demand

    # Sunday 10:00 local is 08:00 UTC once summer time has started.
    assert arrivals_at(demand, "2027-03-28T08:00Z", "de") == pytest.approx(0.5)
    assert arrivals_at(demand, "2027-03-28T09:00Z", "de") == 0.0
    # Sunday 02:30 local does not exist on 2027-03-28: that hour's mean (1 ticket)
    # is lost, the other 2 weekly tickets remain.
    assert demand["arrivals"].sum() == pytest.approx(2.0)


def test_place_profile_half_hour_zone():
    profile = pd.DataFrame({"hi": [0.0] * 168})
    profile.loc[9, "hi"] = 2.0  # Monday 09:00-10:00 local

    demand = place_profile(profile, "2027-03-22", 60, 7, "Asia/Kolkata")

    # 09:00-10:00 at +05:30 is 03:30-04:30 UTC: half in each UTC hour.
    assert arrivals_at(demand, "2027-03-22T03:00Z", "hi") == pytest.approx(1.0)
    assert arrivals_at(demand, "2027-03-22T04:00Z", "hi") == pytest.approx(1.0)


@st.composite
def histories(draw):
    """Tickets over whole days starting on a drawn date, in up to 3 languages."""
    first_day = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    n_days = draw(st.integers(7, 30))
    minutes = st.integers(0, n_days * 24 * 60 - 1)
    rows = draw(
        st.lists(
            st.tuples(minutes, st.sampled_from(["en", "de", "ja"])),
            min_size=1,
            max_size=60,
        )
    )
    start = pd.Timestamp(first_day, tz="UTC")
    created = [start + pd.Timedelta(minutes=m) for m, _ in rows]
    frame = pd.DataFrame(
        {"created_at": created, "language": [lang for _, lang in rows]}
    )
    return frame, first_day, first_day + timedelta(days=n_days)


@settings(max_examples=40, deadline=None)
@given(
    history=histories(),
    week_start=st.dates(date(2027, 1, 1), date(2027, 12, 31)),
    minutes=st.sampled_from([15, 30, 60]),
    zone_name=st.sampled_from([None, "Asia/Kolkata", "Asia/Tokyo"]),
)
def test_derive_demand_keeps_weekly_volume(history, week_start, minutes, zone_name):
    tickets, since, until = history
    # The first complete week starts on the first day with week_start's weekday.
    first_week = (week_start.weekday() - since.weekday()) % 7
    expected_weeks = max(0, ((until - since).days - first_week) // 7)
    local = tickets["created_at"].dt.tz_convert(zone_name or "UTC").dt.tz_localize(None)
    inside = (local >= pd.Timestamp(since)) & (local < pd.Timestamp(until))
    if expected_weeks == 0 or not inside.any():
        with pytest.raises(ValueError):
            derive_demand(
                tickets,
                week_start,
                minutes,
                profile_timezone=zone_name,
                since=since,
                until=until,
            )
        return

    # Zones without clock changes, so that every wall-clock hour occurs once.
    derivation = derive_demand(
        tickets,
        week_start,
        minutes,
        profile_timezone=zone_name,
        since=since,
        until=until,
    )
    demand = derivation.demand

    assert len(derivation.weeks_used) == expected_weeks
    assert demand["arrivals"].min() >= 0
    per_week = derivation.tickets_used / expected_weeks
    assert demand["arrivals"].sum() == pytest.approx(per_week)
    assert len(demand) == 7 * 24 * 60 // minutes * demand["language"].nunique()
