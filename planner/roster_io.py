"""Roster files: one row per shift, with local and UTC times side by side.

``roster_frame`` lays out shifts in the ``roster.csv`` columns. ``read_roster`` reads
such a file back, whether written by this project or saved by a spreadsheet (UTF-8
byte-order mark, ``;`` as delimiter, decimal commas, CRLF line ends), and checks every
row against the scenario's agents before any shift is returned.

Reading rules:

- ``agent_id`` is required, and so are a start (``start_local`` or ``start_utc``) and
  an end (``end_local`` or ``end_utc``). When both forms are given they must name the
  same instant.
- A timestamp with an offset is an instant. A local time without an offset is read as
  wall-clock time in the agent's zone (a repeated autumn hour means its first
  occurrence), and a UTC time without an offset is read as UTC.
- ``date_local``, ``timezone``, ``tier`` and ``paid_hours`` are optional. When given,
  they must agree with the times and with ``agents.csv``.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from os import PathLike
from pathlib import Path
from typing import IO, Any

import pandas as pd

from planner.model import Agent, Scenario
from planner.problems import Problem, ScenarioError
from planner.shifts import Shift, is_nonexistent, local_to_utc, zone

ROSTER_COLUMNS = [
    "agent_id",
    "name",
    "tier",
    "timezone",
    "date_local",
    "start_local",
    "end_local",
    "start_utc",
    "end_utc",
    "paid_hours",
]

_DELIMITERS = (",", ";", "\t")


def format_utc(instant: datetime) -> str:
    """Format an aware instant as ISO 8601 UTC with ``Z``, e.g. ``2027-03-28T20:00:00Z``."""
    utc = instant.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="seconds") + "Z"


def format_local(instant: datetime) -> str:
    """Format an aware local time as ISO 8601 with its offset."""
    return instant.isoformat(timespec="seconds")


def roster_frame(shifts: list[Shift], scenario: Scenario) -> pd.DataFrame:
    """Lay out ``shifts`` in the ``roster.csv`` columns.

    Rows follow the scenario's agent order, then start time. Shifts of agents that the
    scenario does not know come last, with empty name and tier.
    """
    agents = {agent.agent_id: agent for agent in scenario.agents}
    order = {agent.agent_id: index for index, agent in enumerate(scenario.agents)}
    ordered = sorted(
        shifts,
        key=lambda shift: (
            order.get(shift.agent_id, len(order)),
            shift.agent_id,
            shift.start_utc,
        ),
    )

    rows = [_roster_row(shift, agents.get(shift.agent_id)) for shift in ordered]
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    frame["paid_hours"] = frame["paid_hours"].astype(float)
    return frame


def _roster_row(shift: Shift, agent: Agent | None) -> dict[str, Any]:
    return {
        "agent_id": shift.agent_id,
        "name": agent.display_name if agent else "",
        "tier": agent.tier if agent else "",
        "timezone": shift.timezone,
        "date_local": shift.date_local.isoformat(),
        "start_local": format_local(shift.start_local),
        "end_local": format_local(shift.end_local),
        "start_utc": format_utc(shift.start_utc),
        "end_utc": format_utc(shift.end_utc),
        "paid_hours": round(shift.paid_hours, 4),
    }


def read_roster(
    path_or_buffer: str | PathLike | IO | bytes,
    scenario: Scenario,
    file_label: str = "roster.csv",
) -> list[Shift]:
    """Read a roster CSV into shifts, checked against the scenario's agents.

    Raises ScenarioError listing every problem found (unknown agent, unreadable or
    contradictory timestamps, end not after start, overlapping shifts of one agent).
    """
    text = _read_text(path_or_buffer, file_label)
    records, columns, delimiter = _parse_csv(text, file_label)
    _check_columns(columns, file_label)

    agents = {agent.agent_id: agent for agent in scenario.agents}
    reader = _RowReader(agents, file_label, decimal_comma=delimiter == ";")
    shifts: list[tuple[int, Shift]] = []
    for line, record in records:
        shift = reader.read(line, record)
        if shift is not None:
            shifts.append((line, shift))

    problems = reader.problems + _overlap_problems(shifts, file_label)
    if problems:
        raise ScenarioError(problems)
    return [shift for _, shift in shifts]


def _read_text(source: str | PathLike | IO | bytes, file_label: str) -> str:
    if isinstance(source, (str, PathLike)):
        raw: bytes | str = Path(source).read_bytes()
    elif isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    else:
        raw = source.read()

    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problem = Problem(
            file_label,
            None,
            None,
            None,
            f"the file is not UTF-8 text ({error.reason} at byte {error.start})",
            "Save the roster as CSV UTF-8.",
        )
        raise ScenarioError([problem]) from error


def _parse_csv(
    text: str, file_label: str
) -> tuple[list[tuple[int, dict[str, str]]], list[str], str]:
    """Split ``text`` into (line number, record) pairs; the header is line 1."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        problem = Problem(
            file_label,
            1,
            None,
            None,
            "the file has no header row",
            "The first line must name the columns, e.g. agent_id,start_utc,end_utc.",
        )
        raise ScenarioError([problem])

    delimiter = max(_DELIMITERS, key=lines[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip().removeprefix("\ufeff") for cell in next(reader)]
    records = []
    first_line = reader.line_num + 1
    for cells in reader:
        # A quoted cell may span lines, so a record starts after the previous one ends.
        line, first_line = first_line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        record = {
            name: cells[i].strip() if i < len(cells) else ""
            for i, name in enumerate(header)
        }
        records.append((line, record))
    return records, header, delimiter


def _check_columns(columns: list[str], file_label: str) -> None:
    problems = []
    if "agent_id" not in columns:
        problems.append(_missing_column(file_label, "agent_id"))
    if "start_local" not in columns and "start_utc" not in columns:
        problems.append(_missing_column(file_label, "start_utc"))
    if "end_local" not in columns and "end_utc" not in columns:
        problems.append(_missing_column(file_label, "end_utc"))
    if problems:
        raise ScenarioError(problems)


def _missing_column(file_label: str, column: str) -> Problem:
    return Problem(
        file_label,
        1,
        column,
        None,
        "a required column is missing",
        f"Add a column named {column!r} (roster.csv columns: {', '.join(ROSTER_COLUMNS)}).",
    )


def _strip_neutraliser(value: str) -> str:
    """Undo the apostrophe that CSV export puts before formula-like text."""
    if value.startswith("'") and len(value) > 1 and value[1] in "=+-@\t\r":
        return value[1:]
    return value


class _RowReader:
    """Turns roster records into shifts and collects the problems of each row."""

    def __init__(self, agents: dict[str, Agent], file_label: str, decimal_comma: bool):
        self.agents = agents
        self.file_label = file_label
        self.decimal_comma = decimal_comma
        self.problems: list[Problem] = []

    def _problem(
        self, line: int, column: str, value: str, message: str, fix: str
    ) -> None:
        self.problems.append(
            Problem(self.file_label, line, column, value, message, fix)
        )

    def read(self, line: int, record: dict[str, str]) -> Shift | None:
        agent = self._agent(line, record)
        if agent is None:
            return None
        before = len(self.problems)

        self._check_label(line, record, "timezone", agent.timezone)
        self._check_label(line, record, "tier", agent.tier)
        start = self._instant(line, record, "start", agent.timezone)
        end = self._instant(line, record, "end", agent.timezone)
        if start is None or end is None:
            return None

        if end <= start:
            self._problem(
                line,
                "end_utc" if record.get("end_utc") else "end_local",
                record.get("end_utc") or record.get("end_local", ""),
                f"the shift ends at or before its start ({format_utc(start)})",
                "Give an end after the start; a night shift ends on the next date.",
            )
        date_local = self._date_local(line, record, start, agent.timezone)
        self._check_paid_hours(line, record, (end - start) / timedelta(hours=1))
        if len(self.problems) > before or date_local is None:
            return None
        return Shift(agent.agent_id, agent.timezone, date_local, start, end)

    def _agent(self, line: int, record: dict[str, str]) -> Agent | None:
        raw = record.get("agent_id", "")
        for candidate in (raw, _strip_neutraliser(raw)):
            if candidate in self.agents:
                return self.agents[candidate]
        self._problem(
            line,
            "agent_id",
            raw,
            "unknown agent" if raw else "the agent id is empty",
            "Use an agent_id from agents.csv, or add the agent there.",
        )
        return None

    def _check_label(
        self, line: int, record: dict[str, str], column: str, expected: str
    ) -> None:
        value = _strip_neutraliser(record.get(column, ""))
        if value and value != expected:
            self._problem(
                line,
                column,
                value,
                f"disagrees with agents.csv, which gives {expected!r}",
                f"Correct the {column} here or in agents.csv so that both match.",
            )

    def _instant(
        self, line: int, record: dict[str, str], edge: str, timezone_name: str
    ) -> datetime | None:
        """Read the start or end from its local and UTC columns, checking they agree."""
        local_column, utc_column = f"{edge}_local", f"{edge}_utc"
        local = self._timestamp(line, record, local_column, timezone_name)
        utc = self._timestamp(line, record, utc_column, "UTC")
        if local is False or utc is False:
            return None
        if local is None and utc is None:
            self._problem(
                line,
                utc_column,
                "",
                f"the shift has no {edge} time",
                f"Fill in {utc_column} (ISO 8601 with Z) or {local_column}.",
            )
            return None

        if local is not None and utc is not None and local != utc:
            self._problem(
                line,
                local_column,
                record[local_column],
                f"names a different instant than {utc_column} ({record[utc_column]})",
                f"Correct one of the two so that {local_column} and {utc_column} match.",
            )
            return None
        if local is not None:
            self._check_offset(
                line, record[local_column], local_column, local, timezone_name
            )
        return local if local is not None else utc

    def _timestamp(
        self, line: int, record: dict[str, str], column: str, timezone_name: str
    ) -> datetime | None | bool:
        """Parse one timestamp cell: None when empty, False when invalid."""
        value = record.get(column, "")
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self._problem(
                line,
                column,
                value,
                "not an ISO 8601 timestamp",
                "Write it like 2027-03-28T22:00:00+01:00 or 2027-03-28T21:00:00Z.",
            )
            return False
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)

        tz = zone(timezone_name)
        if timezone_name != "UTC" and is_nonexistent(parsed, tz):
            self._problem(
                line,
                column,
                value,
                f"this wall-clock time does not exist in {timezone_name} (clocks go forward)",
                "Give the time with its UTC offset, or a time outside the skipped hour.",
            )
            return False
        return local_to_utc(parsed, tz)

    def _check_offset(
        self, line: int, value: str, column: str, instant: datetime, timezone_name: str
    ) -> None:
        written = datetime.fromisoformat(value).utcoffset()
        actual = instant.astimezone(zone(timezone_name)).utcoffset()
        if written is not None and written != actual:
            self._problem(
                line,
                column,
                value,
                f"the offset does not match {timezone_name}, which is at UTC"
                f"{_format_offset(actual)} at that instant",
                "Write the local time with the agent's offset, or fix the agent's timezone.",
            )

    def _date_local(
        self, line: int, record: dict[str, str], start: datetime, timezone_name: str
    ) -> date | None:
        start_date = start.astimezone(zone(timezone_name)).date()
        value = record.get("date_local", "")
        if not value:
            return start_date
        try:
            given = date.fromisoformat(value)
        except ValueError:
            self._problem(
                line,
                "date_local",
                value,
                "not an ISO 8601 date",
                "Write it like 2027-03-28.",
            )
            return None
        if given != start_date:
            self._problem(
                line,
                "date_local",
                value,
                f"the shift starts on {start_date.isoformat()} in {timezone_name}",
                "Set date_local to the local date on which the shift starts.",
            )
            return None
        return given

    def _check_paid_hours(
        self, line: int, record: dict[str, str], elapsed: float
    ) -> None:
        value = record.get("paid_hours", "")
        if not value:
            return
        text = value.replace(",", ".") if self.decimal_comma else value
        try:
            paid = float(text)
        except ValueError:
            self._problem(
                line,
                "paid_hours",
                value,
                "not a number",
                "Write the paid hours, e.g. 8.0.",
            )
            return
        if abs(paid - elapsed) > 0.01:
            self._problem(
                line,
                "paid_hours",
                value,
                f"the shift's start and end are {elapsed:g} hours apart",
                "Leave paid_hours empty or make it match the start and end.",
            )


def _format_offset(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)) / timedelta(minutes=1))
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _overlap_problems(
    shifts: list[tuple[int, Shift]], file_label: str
) -> list[Problem]:
    by_agent: dict[str, list[tuple[int, Shift]]] = {}
    for line, shift in shifts:
        by_agent.setdefault(shift.agent_id, []).append((line, shift))

    problems = []
    for entries in by_agent.values():
        entries.sort(key=lambda entry: entry[1].start_utc)
        for (line_a, first), (line_b, second) in pairwise(entries):
            if second.start_utc < first.end_utc:
                problems.append(
                    Problem(
                        file_label,
                        line_b,
                        "start_utc",
                        format_utc(second.start_utc),
                        f"overlaps the shift of {first.agent_id} on row {line_a}, "
                        f"which ends at {format_utc(first.end_utc)}",
                        "Remove one of the two shifts or move this one later.",
                    )
                )
    return problems
