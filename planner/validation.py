"""Validation rules for the scenario tables: agents, demand and time off.

Each ``check_*`` function reads a ``Table`` of raw cells, returns the typed rows it
could build, and appends a Problem for every cell that is wrong, so that one pass
reports everything. Cross-table rules (an agent whose languages have no demand, time
off for an unknown agent) run once both tables are read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Any
from zoneinfo import available_timezones

import pandas as pd
from pydantic import ValidationError

from planner.cells import (
    is_date_only,
    parse_bool,
    parse_instant,
    parse_integer,
    parse_languages,
    parse_number,
)
from planner.csvread import Table
from planner.languages import ISO_639_1, suggest_language
from planner.model import TIERS, Agent, Settings, TimeOff
from planner.problems import Problem
from planner.shifts import zone

AGENT_COLUMNS = {
    "agent_id": True,
    "name": False,
    "tier": True,
    "languages": True,
    "timezone": True,
    "min_hours_week": False,
    "max_hours_week": True,
    "max_days_week": False,
    "night_ok": False,
    "cost_per_hour": False,
}
DEMAND_COLUMNS = {"interval_start": True, "language": True, "arrivals": True}
TIMEOFF_COLUMNS = {"agent_id": True, "start": True, "end": True}

# Other common headers for the same columns, mapped when the file is read.
ALIASES = {
    "agents.csv": {
        "id": "agent_id",
        "agent": "agent_id",
        "tz": "timezone",
        "time_zone": "timezone",
        "language": "languages",
        "level": "tier",
    },
    "demand.csv": {"interval": "interval_start", "start": "interval_start"},
    "timeoff.csv": {"id": "agent_id", "agent": "agent_id"},
}

ISO_EXAMPLE = "an ISO 8601 instant with offset, e.g. 2027-03-22T08:00:00Z or 2027-03-22T09:00:00+01:00"


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_fix(name: str) -> str | None:
    """Return None if ``name`` is an IANA time zone, else the fix to suggest."""
    names = _zone_names()
    if name in names:
        return None
    offset = _fixed_offset_fix(name)
    if offset:
        return offset
    lowered = {candidate.lower(): candidate for candidate in names}
    if name.lower() in lowered:
        return f"Did you mean {lowered[name.lower()]!r}? Time zone names are case-sensitive."
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    if close:
        return f"Did you mean {close[0]!r}? Use an IANA time zone name."
    return "Use an IANA time zone name such as 'Europe/Berlin' or 'America/New_York'."


def _fixed_offset_fix(name: str) -> str | None:
    """Suggest the IANA name of a fixed offset written as ``UTC+1`` or ``GMT-05:00``.

    IANA ``Etc/GMT`` names invert the sign: ``Etc/GMT-1`` is UTC+1.
    """
    match = re.fullmatch(
        r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?00)?", name.strip(), re.IGNORECASE
    )
    if not match:
        return None
    sign, hours = match.group(1), int(match.group(2))
    if hours == 0:
        return "Did you mean 'UTC'? Use an IANA time zone name."
    if hours > 14:
        return "Use an IANA time zone name such as 'Europe/Berlin'; offsets reach 14 hours at most."
    inverted = "-" if sign == "+" else "+"
    return (
        f"Use the agent's city zone, e.g. 'Europe/Berlin', which follows daylight "
        f"saving time, or 'Etc/GMT{inverted}{hours}' for a fixed UTC{sign}{hours} "
        "(IANA inverts the sign)."
    )


def language_fix(code: str) -> str:
    suggestion = suggest_language(code)
    if suggestion:
        return f"Did you mean {suggestion!r}? Use two-letter ISO 639-1 codes."
    return "Use two-letter ISO 639-1 codes such as 'en', 'de' or 'ja'."


class TableCheck:
    """Problems of one table, with helpers that locate a cell by position."""

    def __init__(self, table: Table, problems: list[Problem], key: str):
        self.table = table
        self.problems = problems
        aliases = ALIASES.get(key, {})
        renames = {
            name: aliases[name]
            for name in table.frame.columns
            if name in aliases and aliases[name] not in table.frame.columns
        }
        self.frame = table.frame.rename(columns=renames)
        self.headers = {
            renames.get(name, name): header for name, header in table.columns.items()
        }

    def report(
        self,
        position: int | None,
        column: str | None,
        value: Any,
        message: str,
        fix: str,
    ) -> None:
        row = 1 if position is None else self.table.rows[position]
        header = self.headers.get(column, column) if column else None
        shown = None if value is None else str(value)
        self.problems.append(Problem(self.table.file, row, header, shown, message, fix))

    def require_columns(self, spec: dict[str, bool]) -> bool:
        """Report missing required columns and near-miss unknown ones; True if complete."""
        present = set(self.frame.columns)
        complete = True
        for column, required in spec.items():
            if required and column not in present:
                self.report(
                    None,
                    None,
                    column,
                    f"missing required column {column!r}",
                    f"Add a column named {column!r}; columns in this table: {', '.join(spec)}.",
                )
                complete = False
        for column in sorted(present - set(spec)):
            close = difflib.get_close_matches(column, list(spec), n=1, cutoff=0.8)
            if close and close[0] not in present:
                self.report(
                    None,
                    column,
                    column,
                    f"unknown column {self.headers.get(column, column)!r}",
                    f"Did you mean {close[0]!r}? Rename the column.",
                )
        return complete

    def cells(self, column: str) -> list[Any]:
        if column not in self.frame.columns:
            return [None] * len(self.frame)
        return list(self.frame[column])

    def parse(
        self,
        position: int,
        column: str,
        value: Any,
        parser: Callable[[Any], Any],
        fix: str,
    ) -> Any:
        """Parse one cell; report it and return None when it is invalid."""
        try:
            return parser(value)
        except ValueError as error:
            self.report(position, column, value, str(error), fix)
            return None


def check_agents(
    table: Table, settings: Settings | None, problems: list[Problem]
) -> list[tuple[int, Agent]]:
    """Return (row, Agent) for every valid agent row; report the rest."""
    check = TableCheck(table, problems, "agents.csv")
    if len(check.frame) == 0:
        check.report(
            None, None, None, "no agents", "Add one row per agent below the header row."
        )
        return []
    if not check.require_columns(AGENT_COLUMNS):
        return []
    agents = []
    first_row: dict[str, int] = {}
    for position, record in enumerate(check.frame.to_dict("records")):
        agent = _check_agent(check, position, record, settings, first_row)
        if agent is not None:
            agents.append((table.rows[position], agent))
    return agents


def _check_agent(
    check: TableCheck,
    position: int,
    record: dict[str, Any],
    settings: Settings | None,
    first_row: dict[str, int],
) -> Agent | None:
    before = len(check.problems)
    comma = check.table.decimal_comma
    number = partial(parse_number, decimal_comma=comma)
    integer = partial(parse_integer, decimal_comma=comma)

    agent_id = record.get("agent_id")
    if agent_id is None:
        check.report(
            position,
            "agent_id",
            None,
            "agent_id is empty",
            "Give every agent a unique id.",
        )
    else:
        agent_id = _agent_id_text(agent_id)
        if agent_id in first_row:
            check.report(
                position,
                "agent_id",
                agent_id,
                f"duplicate agent_id (also on row {first_row[agent_id]})",
                "Give every agent a unique id.",
            )
        else:
            first_row[agent_id] = check.table.rows[position]

    tier = _check_tier(check, position, record.get("tier"), settings)
    languages = _check_agent_languages(check, position, record.get("languages"))
    tz_name = _check_timezone(check, position, record.get("timezone"))

    values: dict[str, Any] = {}
    numeric = {
        "min_hours_week": (number, "a number of hours, 0 or more, e.g. 20 or 37.5"),
        "max_hours_week": (number, "a number of hours above 0, e.g. 40 or 37.5"),
        "max_days_week": (integer, "a whole number of days from 0 to 7"),
        "cost_per_hour": (number, "a cost per paid hour, 0 or more"),
    }
    for column, (parser, hint) in numeric.items():
        value = record.get(column)
        if value is None:
            if column == "max_hours_week":
                check.report(
                    position,
                    column,
                    None,
                    "max_hours_week is empty",
                    f"Fill in {hint}.",
                )
            continue
        parsed = check.parse(position, column, value, parser, f"Use {hint}.")
        if parsed is None:
            continue
        if parsed < 0:
            check.report(position, column, value, "is negative", f"Use {hint}.")
        elif column == "max_hours_week" and parsed == 0:
            check.report(position, column, value, "is zero", f"Use {hint}.")
        elif column == "max_days_week" and parsed > 7:
            check.report(position, column, value, "is more than 7 days", f"Use {hint}.")
        else:
            values[column] = parsed

    low, high = values.get("min_hours_week"), values.get("max_hours_week")
    if low is not None and high is not None and high < low:
        check.report(
            position,
            "max_hours_week",
            record.get("max_hours_week"),
            f"max_hours_week is below min_hours_week ({record.get('min_hours_week')})",
            "Raise max_hours_week or lower min_hours_week.",
        )

    night = record.get("night_ok")
    if night is not None:
        parsed = check.parse(
            position,
            "night_ok",
            night,
            parse_bool,
            "Use true or false (yes/no and 1/0 work too).",
        )
        if parsed is not None:
            values["night_ok"] = parsed

    if len(check.problems) > before:
        return None
    name = record.get("name")
    try:
        return Agent(
            agent_id=agent_id,
            name="" if name is None else str(name),
            tier=tier,
            languages=languages,
            timezone=tz_name,
            **values,
        )
    except ValidationError as error:
        for detail in error.errors():
            column = str(detail["loc"][0]) if detail["loc"] else None
            check.report(
                position,
                column,
                detail.get("input"),
                "is invalid",
                "Correct the value.",
            )
        return None


def _check_tier(
    check: TableCheck, position: int, value: Any, settings: Settings | None
) -> str | None:
    if value is None:
        check.report(position, "tier", None, "tier is empty", "Use L1, L2 or L3.")
        return None
    tier = str(value).strip().upper()
    if tier not in TIERS:
        check.report(position, "tier", value, "unknown tier", "Use L1, L2 or L3.")
        return None
    if settings is not None and tier not in settings.tiers:
        defined = ", ".join(settings.tier_order)
        check.report(
            position,
            "tier",
            value,
            f"tier {tier} is not defined in the scenario settings (defined: {defined})",
            f"Add a [tiers.{tier}] section to the settings, or move the agent to a defined tier.",
        )
        return None
    return tier


def _check_agent_languages(
    check: TableCheck, position: int, value: Any
) -> tuple[str, ...] | None:
    if value is None:
        check.report(
            position,
            "languages",
            None,
            "languages is empty",
            "List the agent's languages, e.g. en;de.",
        )
        return None
    codes = parse_languages(value)
    unknown = [code for code in codes if code not in ISO_639_1]
    for code in unknown:
        check.report(
            position,
            "languages",
            value,
            f"unknown language code {code!r}",
            language_fix(code),
        )
    if not codes:
        check.report(
            position,
            "languages",
            value,
            "no language codes",
            "List the agent's languages, e.g. en;de.",
        )
    return None if unknown or not codes else codes


def _check_timezone(check: TableCheck, position: int, value: Any) -> str | None:
    if value is None:
        check.report(
            position,
            "timezone",
            None,
            "timezone is empty",
            "Use an IANA time zone such as 'Europe/Berlin'.",
        )
        return None
    name = str(value).strip()
    fix = timezone_fix(name)
    if fix is not None:
        check.report(position, "timezone", value, "unknown time zone", fix)
        return None
    return name


def check_agent_languages(
    agents: list[tuple[int, Agent]],
    demand_languages: set[str],
    file: str,
    problems: list[Problem],
) -> None:
    """Report agents none of whose languages has any demand."""
    if not demand_languages:
        return
    wanted = ", ".join(sorted(demand_languages))
    for row, agent in agents:
        if not set(agent.languages) & demand_languages:
            problems.append(
                Problem(
                    file,
                    row,
                    "languages",
                    ";".join(agent.languages),
                    f"none of the agent's languages has demand (demand languages: {wanted})",
                    "Correct the agent's languages or add demand rows for one of them.",
                )
            )


def check_timeoff(
    table: Table,
    agents: dict[str, Agent],
    problems: list[Problem],
    naive_is_utc: bool = False,
    known_ids: set[str] | frozenset[str] = frozenset(),
) -> list[TimeOff]:
    """Return the valid absences; a date without time means whole local days.

    ``agents`` are the valid agents; ``known_ids`` also contains the ids of agents whose
    rows have problems, so that their absences are not reported as unknown again.
    """
    check = TableCheck(table, problems, "timeoff.csv")
    if len(check.frame) == 0 or not check.require_columns(TIMEOFF_COLUMNS):
        return []
    absences = []
    for position, record in enumerate(check.frame.to_dict("records")):
        agent_id = record.get("agent_id")
        agent_id = None if agent_id is None else _agent_id_text(agent_id)
        agent = agents.get(agent_id) if agent_id is not None else None
        if agent_id is None:
            check.report(
                position,
                "agent_id",
                None,
                "agent_id is empty",
                "Name the absent agent's agent_id.",
            )
        elif agent is None and str(agent_id) not in known_ids:
            close = difflib.get_close_matches(
                str(agent_id), list(agents), n=1, cutoff=0.7
            )
            hint = f"Did you mean {close[0]!r}? " if close else ""
            check.report(
                position,
                "agent_id",
                agent_id,
                "unknown agent_id",
                f"{hint}Use an agent_id from the agents table.",
            )
        tz_name = agent.timezone if agent is not None else None
        start = _check_bound(
            check, position, "start", record.get("start"), tz_name, False, naive_is_utc
        )
        end = _check_bound(
            check, position, "end", record.get("end"), tz_name, True, naive_is_utc
        )
        if start is None or end is None:
            continue
        if end <= start:
            check.report(
                position,
                "end",
                record.get("end"),
                "end is not after start",
                "Make end later than start.",
            )
            continue
        if agent is not None:
            absences.append(TimeOff(agent_id=agent.agent_id, start=start, end=end))
    return absences


def _check_bound(
    check, position, column, value, tz_name, is_end, naive_is_utc
) -> datetime | None:
    fix = f"Use {ISO_EXAMPLE}, or a date like 2027-03-24 for whole days in the agent's time zone."
    if value is None:
        check.report(position, column, None, f"{column} is empty", fix)
        return None
    if is_date_only(value):
        day = (
            pd.Timestamp(str(value)[:10]).date()
            if not hasattr(value, "year")
            else value
        )
        if tz_name is None:
            return None
        if is_end:
            day = day + timedelta(days=1)
        local = datetime.combine(day, datetime.min.time()).replace(tzinfo=zone(tz_name))
        return local.astimezone(UTC)
    try:
        return parse_instant(value, naive_is_utc=naive_is_utc).to_pydatetime()
    except ValueError as error:
        check.report(position, column, value, str(error), fix)
        return None


def agent_ids(table: Table) -> set[str]:
    """Return every agent_id written in the agents table, valid rows or not."""
    check = TableCheck(table, [], "agents.csv")
    return {
        _agent_id_text(value) for value in check.cells("agent_id") if value is not None
    }


def _agent_id_text(value: Any) -> str:
    """Return an id as text; a spreadsheet's 101.0 is the id 101."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
