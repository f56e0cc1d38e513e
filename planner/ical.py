"""iCalendar files (RFC 5545) with one agent's shifts, for import into any calendar.

Each shift becomes a VEVENT whose DTSTART and DTEND are UTC instants (``...Z``), so a
calendar shows it at the right local time in any zone, clock-change nights included.
The summary names the tier and the shift in the agent's own time, e.g.
``L1 shift (Europe/Berlin 22:00-06:00)``. The ``icalendar`` package writes the files:
CRLF line ends, lines folded at 75 octets, and ``,``, ``;``, ``\\`` and newlines
escaped in text.

An event's UID is built from the agent and the shift's UTC start, so exporting the same
roster again gives the same UIDs.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar, Event, vText

from planner.model import Agent, Scenario
from planner.roster_io import format_local, format_utc
from planner.shifts import Shift

PRODUCT_ID = "-//support-planner//roster export//EN"
UID_DOMAIN = "support-planner"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{digit}" for device in ("COM", "LPT") for digit in range(1, 10)]
)


def safe_id(agent_id: str) -> str:
    """Turn an agent id into a token that is safe as a file name and in a UID.

    Ids made only of letters, digits, ``.``, ``_`` and ``-`` stay as they are. Other ids
    get their unsafe characters replaced and the first 8 hex digits of the id's SHA-256
    appended, so that ``a b`` and ``a_b`` stay apart.
    """
    cleaned = _UNSAFE.sub("_", agent_id).strip(".")
    if cleaned == agent_id and cleaned:
        return cleaned
    digest = hashlib.sha256(agent_id.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned or 'agent'}-{digest}"


def shift_summary(shift: Shift, tier: str) -> str:
    """Describe a shift in its agent's time, e.g. ``L1 shift (Europe/Berlin 22:00-06:00)``."""
    start = shift.start_local.strftime("%H:%M")
    end = shift.end_local.strftime("%H:%M")
    return f"{tier} shift ({shift.timezone} {start}-{end})"


def _description(shift: Shift, agent: Agent) -> str:
    return "\n".join(
        [
            f"Agent: {agent.display_name} ({agent.agent_id})",
            f"Local: {format_local(shift.start_local)} to {format_local(shift.end_local)}",
            f"UTC: {format_utc(shift.start_utc)} to {format_utc(shift.end_utc)}",
            f"Paid hours: {shift.paid_hours:g}",
            f"Queues: {', '.join(agent.skills)}",
        ]
    )


def _event(shift: Shift, agent: Agent, stamp: datetime) -> Event:
    event = Event()
    start = shift.start_utc.astimezone(UTC)
    event.add("uid", f"{start:%Y%m%dT%H%M%SZ}-{safe_id(agent.agent_id)}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", shift.end_utc.astimezone(UTC))
    event.add("summary", shift_summary(shift, agent.tier))
    event.add("description", _description(shift, agent))
    event.add("categories", [agent.tier])
    event.add("transp", "OPAQUE")
    return event


def agent_calendar(
    agent: Agent, shifts: Iterable[Shift], stamp: datetime | None = None
) -> bytes:
    """Write one agent's shifts as an iCalendar file, events in start order.

    ``stamp`` is the DTSTAMP of every event (the export time by default).
    """
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is TEXT by default (RFC 5545, 3.8.8.2), so it is escaped as such.
    calendar.add("x-wr-calname", vText(f"Shifts of {agent.display_name}"))
    for shift in sorted(shifts, key=lambda item: item.start_utc):
        calendar.add_component(_event(shift, agent, stamp))
    return calendar.to_ical()


def agent_calendars(
    shifts: Iterable[Shift], scenario: Scenario, stamp: datetime | None = None
) -> dict[str, bytes]:
    """Write one iCalendar file per agent who has shifts, keyed by agent id.

    Raises ValueError when a shift belongs to an agent that the scenario lacks.
    """
    agents = {agent.agent_id: agent for agent in scenario.agents}
    by_agent: dict[str, list[Shift]] = {}
    for shift in shifts:
        if shift.agent_id not in agents:
            raise ValueError(
                f"Shift of agent {shift.agent_id!r} on {shift.date_local} names no "
                "agent of the scenario; export the roster with its own scenario."
            )
        by_agent.setdefault(shift.agent_id, []).append(shift)

    stamp = stamp or datetime.now(UTC)
    return {
        agent_id: agent_calendar(agents[agent_id], agent_shifts, stamp)
        for agent_id, agent_shifts in sorted(by_agent.items())
    }


def calendar_file_name(agent_id: str) -> str:
    """Name the .ics file of one agent; ``calendar_file_names`` also avoids clashes."""
    stem = safe_id(agent_id)
    device, dot, rest = stem.partition(".")
    if device.upper() in _WINDOWS_DEVICES:
        # Windows reserves these names whatever follows the first dot.
        stem = f"{device}-agent{dot}{rest}"
    return f"{stem}.ics"


def calendar_file_names(agent_ids: Iterable[str]) -> dict[str, str]:
    """Map agent ids to distinct .ics file names, safe on every file system.

    Names are compared without regard to case, as Windows and macOS do, so ids
    ``A1`` and ``a1`` get ``A1.ics`` and ``a1 (2).ics``. Windows device names such
    as ``CON`` get a suffix.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for agent_id in agent_ids:
        file_name = calendar_file_name(agent_id)
        stem = file_name.removesuffix(".ics")
        number = 2
        while file_name.lower() in used:
            file_name = f"{stem} ({number}).ics"
            number += 1
        used.add(file_name.lower())
        names[agent_id] = file_name
    return names


def calendars_zip(calendars: dict[str, bytes]) -> bytes:
    """Pack the calendars of ``agent_calendars`` into a zip of ``<agent>.ics`` files.

    File names come from ``calendar_file_names``: where two ids map to one name, the
    later file gets a numbered name (``a-1234abcd (2).ics``).
    """
    buffer = io.BytesIO()
    names = calendar_file_names(calendars)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for agent_id, content in calendars.items():
            archive.writestr(names[agent_id], content)
    return buffer.getvalue()
