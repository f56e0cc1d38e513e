"""iCalendar export: RFC 5545 layout, UTC instants on clock-change nights, escaping."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pandas as pd
import pytest

from planner.ical import (
    agent_calendars,
    calendar_file_name,
    calendar_file_names,
    calendars_zip,
    safe_id,
    shift_summary,
)
from planner.model import Agent, Scenario, Settings
from planner.shifts import make_shift

STAMP = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _scenario(*agents: Agent) -> Scenario:
    demand = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2027-03-22T00:00:00Z"], utc=True),
            "language": ["de"],
            "arrivals": [1.0],
        }
    )
    return Scenario(
        settings=Settings(week_start=date(2027, 3, 22)), agents=agents, demand=demand
    )


BERLIN = Agent(
    agent_id="b1",
    name="Jürgen, Night; Shift \\ Lead",
    tier="L1",
    languages=("de", "en"),
    timezone="Europe/Berlin",
    max_hours_week=40,
)
TOKYO = Agent(
    agent_id="t/1 ..",
    tier="L2",
    languages=("ja",),
    timezone="Asia/Tokyo",
    max_hours_week=40,
)


def _unfold(content: bytes) -> list[str]:
    """Split an iCalendar stream into logical lines, checking RFC 5545 rules."""
    assert content.endswith(b"\r\n")
    physical = content[:-2].split(b"\r\n")
    for line in physical:
        line.decode("utf-8")  # a fold must not split a multi-octet character
        assert b"\n" not in line
        assert b"\r" not in line
        assert len(line) <= 75, line
    text = content.decode("utf-8")
    return re.sub(r"\r\n[ \t]", "", text)[:-2].split("\r\n")


def _events(content: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(content)
    return list(calendar.walk("VEVENT"))


def test_spring_night_shift_utc_instants() -> None:
    shift = make_shift("b1", "Europe/Berlin", date(2027, 3, 27), time(22), 8)
    content = agent_calendars([shift], _scenario(BERLIN), STAMP)["b1"]

    lines = _unfold(content)
    assert "DTSTART:20270327T210000Z" in lines
    assert "DTEND:20270328T040000Z" in lines
    event = _events(content)[0]
    duration = event.decoded("dtend") - event.decoded("dtstart")
    assert duration == timedelta(hours=7)
    assert str(event["summary"]) == "L1 shift (Europe/Berlin 22:00-06:00)"


def test_autumn_night_shift_lasts_nine_hours() -> None:
    shift = make_shift("b1", "Europe/Berlin", date(2027, 10, 30), time(22), 8)
    content = agent_calendars([shift], _scenario(BERLIN), STAMP)["b1"]

    lines = _unfold(content)
    assert "DTSTART:20271030T200000Z" in lines
    assert "DTEND:20271031T050000Z" in lines
    event = _events(content)[0]
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=9)


def test_calendar_required_properties() -> None:
    shifts = [
        make_shift("b1", "Europe/Berlin", date(2027, 3, 23), time(9), 8),
        make_shift("b1", "Europe/Berlin", date(2027, 3, 22), time(9), 8),
    ]
    content = agent_calendars(shifts, _scenario(BERLIN), STAMP)["b1"]

    lines = _unfold(content)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    events = _events(content)
    assert len(events) == 2
    for event in events:
        assert event["dtstamp"].to_ical() == b"20270301T120000Z"
        assert "uid" in event
    assert events[0].decoded("dtstart") < events[1].decoded("dtstart")
    assert len({str(event["uid"]) for event in events}) == 2


def test_text_escaping_and_folding() -> None:
    shift = make_shift("b1", "Europe/Berlin", date(2027, 3, 22), time(9), 8)
    content = agent_calendars([shift], _scenario(BERLIN), STAMP)["b1"]

    lines = _unfold(content)
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "Jürgen\\, Night\\; Shift \\\\ Lead" in description
    assert "\\n" in description
    calendar_name = next(line for line in lines if line.startswith("X-WR-CALNAME:"))
    assert "\\;" in calendar_name
    parsed = str(_events(content)[0]["description"])
    assert "Agent: Jürgen, Night; Shift \\ Lead (b1)" in parsed.splitlines()
    assert "UTC: 2027-03-22T08:00:00Z to 2027-03-22T16:00:00Z" in parsed.splitlines()
    assert len(content.split(b"\r\n")) > len(lines)


def test_uids_stable_across_exports() -> None:
    shift = make_shift("b1", "Europe/Berlin", date(2027, 3, 22), time(9), 8)
    first = _events(agent_calendars([shift], _scenario(BERLIN), STAMP)["b1"])[0]
    later = STAMP + timedelta(days=3)
    second = _events(agent_calendars([shift], _scenario(BERLIN), later)["b1"])[0]

    assert str(first["uid"]) == str(second["uid"])
    assert first["dtstamp"].to_ical() != second["dtstamp"].to_ical()


def test_one_calendar_per_agent() -> None:
    shifts = [
        make_shift("b1", "Europe/Berlin", date(2027, 3, 22), time(9), 8),
        make_shift("t/1 ..", "Asia/Tokyo", date(2027, 3, 23), time(9), 8),
    ]
    calendars = agent_calendars(shifts, _scenario(BERLIN, TOKYO), STAMP)

    assert sorted(calendars) == ["b1", "t/1 .."]
    tokyo = _events(calendars["t/1 .."])
    assert len(tokyo) == 1
    assert tokyo[0].decoded("dtstart") == datetime(2027, 3, 23, 0, tzinfo=UTC)
    assert str(tokyo[0]["summary"]) == "L2 shift (Asia/Tokyo 09:00-17:00)"


def test_unknown_agent_rejected() -> None:
    shift = make_shift("ghost", "Europe/Berlin", date(2027, 3, 22), time(9), 8)

    with pytest.raises(ValueError, match="'ghost'"):
        agent_calendars([shift], _scenario(BERLIN), STAMP)


def test_zip_has_safe_file_names() -> None:
    shifts = [
        make_shift("b1", "Europe/Berlin", date(2027, 3, 22), time(9), 8),
        make_shift("t/1 ..", "Asia/Tokyo", date(2027, 3, 23), time(9), 8),
    ]
    calendars = agent_calendars(shifts, _scenario(BERLIN, TOKYO), STAMP)
    data = calendars_zip(calendars)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "b1.ics" in names
        assert archive.read("b1.ics") == calendars["b1"]
    assert len(names) == 2
    assert all("/" not in name and not name.startswith(".") for name in names)


def test_safe_id_distinct_and_clean() -> None:
    ids = ["a b", "a_b", "a/b", "..", "", "Ünal", "ok-1.x"]
    tokens = [safe_id(agent_id) for agent_id in ids]

    assert len(set(tokens)) == len(ids)
    assert tokens[1] == "a_b"
    assert tokens[-1] == "ok-1.x"
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", token)
    assert calendar_file_name("../etc/passwd").endswith(".ics")
    assert "/" not in calendar_file_name("../etc/passwd")


def test_file_names_differ_without_case() -> None:
    names = calendar_file_names(["A1", "a1", "CON", "nul.x", "b"])

    lowered = [name.lower() for name in names.values()]
    assert len(set(lowered)) == 5
    assert names["A1"] == "A1.ics"
    assert names["a1"] == "a1 (2).ics"
    assert names["CON"].split(".")[0].upper() != "CON"
    assert names["nul.x"].split(".")[0].upper() != "NUL"
    assert names["b"] == "b.ics"


def test_shift_summary_uses_local_clock() -> None:
    shift = make_shift("t/1 ..", "Asia/Kolkata", date(2027, 3, 22), time(21, 30), 8)

    assert shift_summary(shift, "L3") == "L3 shift (Asia/Kolkata 21:30-05:30)"


def test_zip_numbers_clashing_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("planner.ical.safe_id", lambda agent_id: "same")

    data = calendars_zip({"x": b"1", "y": b"2"})

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["same.ics", "same (2).ics"]
        assert archive.read("same (2).ics") == b"2"


def test_folding_keeps_multibyte_characters() -> None:
    agent = BERLIN.model_copy(update={"name": "山田 太郎 Ünal " * 12})
    shift = make_shift("b1", "Europe/Berlin", date(2027, 3, 22), time(9), 8)

    content = agent_calendars([shift], _scenario(agent), STAMP)["b1"]

    lines = _unfold(content)
    name_line = next(line for line in lines if line.startswith("X-WR-CALNAME:"))
    assert name_line == "X-WR-CALNAME:Shifts of " + "山田 太郎 Ünal " * 12
    assert content.count(b"\r\n ") >= 5
