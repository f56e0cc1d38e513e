"""Roster files: layout of roster.csv, reading it back, and every reading problem."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.csvsafe import frame_to_csv_bytes, neutralise_frame
from planner.model import Agent, Scenario, Settings
from planner.problems import ScenarioError
from planner.roster_io import ROSTER_COLUMNS, read_roster, roster_frame
from planner.shifts import is_nonexistent, make_shift, zone

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Asia/Tokyo",
    "UTC",
]


def _scenario(agents: list[Agent]) -> Scenario:
    demand = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2027-03-22T00:00Z"]),
            "language": ["de"],
            "arrivals": [1.0],
        }
    )
    settings_ = Settings(week_start=date(2027, 3, 22), days=7)
    return Scenario(settings=settings_, agents=tuple(agents), demand=demand)


def _agent(agent_id: str, tz: str, name: str = "", tier: str = "L1") -> Agent:
    return Agent(
        agent_id=agent_id,
        name=name,
        tier=tier,
        languages=("de",),
        timezone=tz,
        max_hours_week=40,
    )


BERLIN = _scenario(
    [
        _agent("a1", "Europe/Berlin", "Anna"),
        _agent("k1", "Asia/Kathmandu", "Kiran", "L2"),
    ]
)


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _problems(source: bytes, scenario: Scenario = BERLIN) -> list:
    with pytest.raises(ScenarioError) as caught:
        read_roster(source, scenario)
    return caught.value.problems


def test_roster_frame_dst_night_shift():
    shift = make_shift("a1", "Europe/Berlin", date(2027, 3, 27), time(22), 8)

    frame = roster_frame([shift], BERLIN)

    assert list(frame.columns) == ROSTER_COLUMNS
    row = frame.iloc[0]
    assert row["name"] == "Anna"
    assert row["tier"] == "L1"
    assert row["date_local"] == "2027-03-27"
    assert row["start_local"] == "2027-03-27T22:00:00+01:00"
    assert row["end_local"] == "2027-03-28T06:00:00+02:00"
    assert row["start_utc"] == "2027-03-27T21:00:00Z"
    assert row["end_utc"] == "2027-03-28T04:00:00Z"
    assert row["paid_hours"] == 7.0


def test_roster_frame_kathmandu_offset():
    shift = make_shift("k1", "Asia/Kathmandu", date(2027, 3, 23), time(9), 8)

    row = roster_frame([shift], BERLIN).iloc[0]

    assert row["start_local"] == "2027-03-23T09:00:00+05:45"
    assert row["start_utc"] == "2027-03-23T03:15:00Z"
    assert row["end_utc"] == "2027-03-23T11:15:00Z"


def test_roster_frame_sorted_by_agent_then_start():
    shifts = [
        make_shift("k1", "Asia/Kathmandu", date(2027, 3, 24), time(9), 8),
        make_shift("a1", "Europe/Berlin", date(2027, 3, 25), time(9), 8),
        make_shift("k1", "Asia/Kathmandu", date(2027, 3, 23), time(9), 8),
        make_shift("a1", "Europe/Berlin", date(2027, 3, 23), time(9), 8),
    ]

    frame = roster_frame(shifts, BERLIN)

    assert frame["agent_id"].tolist() == ["a1", "a1", "k1", "k1"]
    assert frame["date_local"].tolist() == [
        "2027-03-23",
        "2027-03-25",
        "2027-03-23",
        "2027-03-24",
    ]


def test_read_roster_excel_dialect():
    text = (
        "\ufeffagent_id;name;tier;timezone;date_local;start_local;end_local;"
        "start_utc;end_utc;paid_hours\r\n"
        "a1;Anna;L1;Europe/Berlin;2027-03-27;2027-03-27T22:00:00+01:00;"
        "2027-03-28T06:00:00+02:00;2027-03-27T21:00:00Z;2027-03-28T04:00:00Z;7,0\r\n"
    )

    shifts = read_roster(text.encode("utf-8"), BERLIN)

    assert shifts == [make_shift("a1", "Europe/Berlin", date(2027, 3, 27), time(22), 8)]


def test_read_roster_utc_columns_only(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,start_utc,end_utc\nk1,2027-03-23T03:15:00Z,2027-03-23T11:15:00Z\n"
    )

    shifts = read_roster(path, BERLIN)

    assert shifts == [make_shift("k1", "Asia/Kathmandu", date(2027, 3, 23), time(9), 8)]
    assert shifts[0].date_local == date(2027, 3, 23)


def test_read_roster_naive_local_is_agent_zone():
    source = _csv(
        "agent_id,start_local,end_local\na1,2027-03-27 22:00,2027-03-28 06:00\n"
    )

    shifts = read_roster(source, BERLIN)

    assert shifts[0].start_utc == datetime(2027, 3, 27, 21, tzinfo=UTC)
    assert shifts[0].paid_hours == 7.0


def test_read_roster_text_buffer():
    buffer = io.StringIO(
        "agent_id,start_utc,end_utc\na1,2027-03-23T08:00:00Z,2027-03-23T16:00:00Z\n"
    )

    shifts = read_roster(buffer, BERLIN)

    assert len(shifts) == 1
    assert shifts[0].paid_hours == 8.0


def test_read_roster_unknown_agent():
    problems = _problems(
        _csv("agent_id,start_utc,end_utc\nzz,2027-03-23T08:00Z,2027-03-23T16:00Z\n")
    )

    assert len(problems) == 1
    assert problems[0].file == "roster.csv"
    assert problems[0].row == 2
    assert problems[0].column == "agent_id"
    assert problems[0].value == "zz"


def test_read_roster_end_before_start():
    problems = _problems(
        _csv("agent_id,start_utc,end_utc\na1,2027-03-23T16:00Z,2027-03-23T08:00Z\n")
    )

    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "end_utc", "2027-03-23T08:00Z")
    ]


def test_read_roster_bad_timestamp():
    problems = _problems(
        _csv("agent_id,start_utc,end_utc\na1,23/03/2027 08:00,2027-03-23T16:00Z\n")
    )

    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "start_utc", "23/03/2027 08:00")
    ]
    assert "ISO 8601" in problems[0].message


def test_read_roster_local_utc_disagree():
    source = _csv(
        "agent_id,start_local,end_local,start_utc,end_utc\n"
        "a1,2027-03-23T09:00:00+01:00,2027-03-23T17:00:00+01:00,"
        "2027-03-23T09:00:00Z,2027-03-23T16:00:00Z\n"
    )

    problems = _problems(source)

    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "start_local", "2027-03-23T09:00:00+01:00")
    ]
    assert "2027-03-23T09:00:00Z" in problems[0].message


def test_read_roster_wrong_offset_for_zone():
    source = _csv(
        "agent_id,start_local,end_local\na1,2027-03-23T09:00:00+02:00,2027-03-23T17:00:00+02:00\n"
    )

    problems = _problems(source)

    assert {p.column for p in problems} == {"start_local", "end_local"}
    assert all("+01:00" in p.message for p in problems)


def test_read_roster_overlapping_shifts():
    source = _csv(
        "agent_id,start_utc,end_utc\n"
        "a1,2027-03-23T08:00Z,2027-03-23T16:00Z\n"
        "k1,2027-03-23T08:00Z,2027-03-23T16:00Z\n"
        "a1,2027-03-23T15:00Z,2027-03-23T23:00Z\n"
    )

    problems = _problems(source)

    assert [(p.row, p.column) for p in problems] == [(4, "start_utc")]
    assert "row 2" in problems[0].message


def test_read_roster_every_row_reported():
    source = _csv(
        "agent_id,date_local,start_utc,end_utc,paid_hours,timezone\n"
        "a1,2027-03-24,2027-03-23T08:00Z,2027-03-23T16:00Z,8,Europe/Berlin\n"
        "a1,2027-03-25,2027-03-25T08:00Z,2027-03-25T16:00Z,9,Europe/Berlin\n"
        "a1,2027-03-26,2027-03-26T08:00Z,2027-03-26T16:00Z,8,Europe/Paris\n"
    )

    problems = _problems(source)

    assert [(p.row, p.column) for p in problems] == [
        (2, "date_local"),
        (3, "paid_hours"),
        (4, "timezone"),
    ]


def test_read_roster_nonexistent_local_time():
    source = _csv(
        "agent_id,start_local,end_local\na1,2027-03-28 02:30,2027-03-28 10:30\n"
    )

    problems = _problems(source)

    assert [(p.row, p.column) for p in problems] == [(2, "start_local")]


def test_read_roster_missing_columns():
    problems = _problems(_csv("agent,begin,finish\na1,x,y\n"))

    assert {p.column for p in problems} == {"agent_id", "start_utc", "end_utc"}
    assert all(p.row == 1 for p in problems)


def test_read_roster_empty_file():
    problems = _problems(b"")

    assert problems[0].row == 1


def test_read_roster_not_utf8():
    problems = _problems("agent_id,start_utc\nä".encode("latin-1"))

    assert "UTF-8" in problems[0].message


@st.composite
def _shift_sets(draw):
    """Draw agents with awkward ids and names, and non-overlapping shifts for each."""
    count = draw(st.integers(1, 4))
    agents, shifts = [], []
    for index in range(count):
        prefix = draw(st.sampled_from(["", "=", "+", "-", "@", "é "]))
        name = draw(st.text(alphabet="ab ,;\"'=é", max_size=6))
        tz = draw(st.sampled_from(ZONES))
        agent = _agent(f"{prefix}a{index}", tz, name=name)
        agents.append(agent)

        day = date(2027, 3, 22) + timedelta(days=draw(st.integers(0, 6)))
        last_end = None
        for _ in range(draw(st.integers(0, 3))):
            start = time(
                draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))
            )
            hours = draw(st.sampled_from([4, 6, 7.5, 8, 10, 12]))
            if not is_nonexistent(datetime.combine(day, start), zone(tz)):
                shift = make_shift(agent.agent_id, tz, day, start, hours)
                if last_end is None or shift.start_utc >= last_end:
                    shifts.append(shift)
                    last_end = shift.end_utc
            day += timedelta(days=draw(st.integers(1, 3)))
    return _scenario(agents), shifts


def _as_file(frame: pd.DataFrame, dialect: str) -> bytes:
    """Write the roster as this project does, or as a German-locale spreadsheet saves it."""
    if dialect == "semicolon":
        text = neutralise_frame(frame).to_csv(
            index=False, sep=";", decimal=",", lineterminator="\r\n"
        )
        return text.encode("utf-8-sig")
    return frame_to_csv_bytes(frame, excel=dialect == "excel")


@settings(max_examples=40, deadline=None)
@given(_shift_sets(), st.sampled_from(["plain", "excel", "semicolon"]))
def test_roster_round_trip(case, dialect):
    scenario, shifts = case

    data = _as_file(roster_frame(shifts, scenario), dialect)
    read_back = read_roster(data, scenario)

    def key(shift):
        return (shift.agent_id, shift.start_utc)

    assert sorted(read_back, key=key) == sorted(shifts, key=key)


def test_read_roster_row_after_multiline_cell():
    source = _csv(
        "agent_id,name,start_utc,end_utc\n"
        'a1,"Anna\nSchmidt",2027-03-23T08:00Z,2027-03-23T16:00Z\n'
        "zz,,2027-03-24T08:00Z,2027-03-24T16:00Z\n"
    )

    problems = _problems(source)

    assert [(p.row, p.column) for p in problems] == [(4, "agent_id")]
