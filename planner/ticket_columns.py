"""Column mapping for ticket exports: vendor headers to the planner's column names.

A ticket history may come from any ticketing system. Its columns are renamed at load
time to the names below, so the rest of the code uses one vocabulary:

``ticket_id``
    Rows that share an id are one ticket (event logs list a ticket once per update).
``created_at``
    When the ticket was created (required).
``language``
    ISO 639-1 code of the customer's language (required unless a default is given).
``resolved_at``
    When the ticket was resolved.
``tier_resolved``
    The tier that resolved it: L1, L2 or L3.
``handle_minutes`` or ``handle_seconds``
    Agent handling time of the ticket.

A mapping comes from ``--map name=Source`` items, from a small TOML or CSV file, or
from a preset for a known export. Explicit mapping wins over the preset, and the
preset wins over a column that already carries the planner's name.
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

from planner.problems import Problem, ScenarioError

CANONICAL_COLUMNS = (
    "ticket_id",
    "created_at",
    "language",
    "resolved_at",
    "tier_resolved",
    "handle_minutes",
    "handle_seconds",
)

PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    # ServiceNow incident exports: the first candidate present in the header is used.
    "servicenow": {
        "ticket_id": ("number", "sys_id"),
        "created_at": ("opened_at", "sys_created_on", "sys_created_at"),
        "language": ("language", "u_language", "caller_id.preferred_language"),
        "resolved_at": ("resolved_at", "closed_at"),
        "tier_resolved": ("u_tier", "u_support_level"),
        "handle_seconds": ("time_worked", "u_time_worked"),
    },
    # Jira CSV exports ("Export Excel CSV (all fields)").
    "jira": {
        "ticket_id": ("Issue key", "Issue id"),
        "created_at": ("Created",),
        "language": ("Custom field (Language)", "Language"),
        "resolved_at": ("Resolved",),
        "tier_resolved": ("Custom field (Support Level)", "Custom field (Tier)"),
        "handle_seconds": ("Time Spent",),
    },
}


def parse_map_items(items: list[str] | None, source: str = "--map") -> dict[str, str]:
    """Parse ``name=Source`` items (``--map created_at=opened_at``) into a mapping."""
    mapping: dict[str, str] = {}
    problems = []
    for item in items or []:
        name, sep, column = item.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not column:
            problems.append(_bad_item(source, item))
            continue
        mapping[name] = column
    problems += _unknown_names(mapping, source)
    if problems:
        raise ScenarioError(problems)
    return mapping


def read_mapping_file(path: str | Path) -> dict[str, str]:
    """Read a mapping from a TOML file (``created_at = "opened_at"``, optionally under
    ``[columns]``) or a CSV file with the columns ``column`` and ``source``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".toml":
        return _mapping_from_toml(text, path.name)
    return _mapping_from_csv(text, path.name)


def resolve_columns(
    header: list[str], mapping: dict[str, str] | None, preset: str | None, file: str
) -> dict[str, str]:
    """Return {planner name: header column} for the columns that are present.

    Raises ScenarioError when the preset is unknown or a mapped column is missing.
    """
    problems = _unknown_names(mapping or {}, "mapping")
    if preset is not None and preset not in PRESETS:
        problems.append(
            Problem(
                file="--preset",
                row=None,
                column=None,
                value=preset,
                message="unknown preset",
                fix=f"Use one of: {', '.join(sorted(PRESETS))}.",
            )
        )
    if problems:
        raise ScenarioError(problems)

    resolved = _columns_by_own_name(header)
    resolved.update(_columns_from_preset(header, preset))
    for name, column in (mapping or {}).items():
        if column not in header:
            problems.append(_missing_mapped(file, name, column, header))
        else:
            resolved[name] = column
    if problems:
        raise ScenarioError(problems)
    return resolved


def _columns_by_own_name(header: list[str]) -> dict[str, str]:
    lowered = {column.strip().lower(): column for column in header}
    return {name: lowered[name] for name in CANONICAL_COLUMNS if name in lowered}


def _columns_from_preset(header: list[str], preset: str | None) -> dict[str, str]:
    if preset is None:
        return {}
    found = {}
    for name, candidates in PRESETS[preset].items():
        present = [column for column in candidates if column in header]
        if present:
            found[name] = present[0]
    return found


def _mapping_from_toml(text: str, file: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(
            [
                Problem(
                    file, None, None, None, f"invalid TOML: {error}", "Fix the syntax."
                )
            ]
        ) from error
    table = data.get("columns", data)
    problems = [
        Problem(
            file,
            None,
            str(name),
            repr(value),
            "mapping value is not text",
            'Write each entry as name = "Column header".',
        )
        for name, value in table.items()
        if not isinstance(value, str)
    ]
    if problems:
        raise ScenarioError(problems)
    mapping = dict(table)
    unknown = _unknown_names(mapping, file)
    if unknown:
        raise ScenarioError(unknown)
    return mapping


def _mapping_from_csv(text: str, file: str) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"column", "source"} <= set(rows[0]):
        raise ScenarioError(
            [
                Problem(
                    file,
                    1,
                    None,
                    None,
                    "mapping CSV needs the columns column,source",
                    "Write a header line 'column,source' and one line per mapped column.",
                )
            ]
        )
    mapping = {row["column"].strip(): row["source"].strip() for row in rows}
    unknown = _unknown_names(mapping, file)
    if unknown:
        raise ScenarioError(unknown)
    return mapping


def _unknown_names(mapping: dict[str, str], file: str) -> list[Problem]:
    return [
        Problem(
            file=file,
            row=None,
            column=name,
            value=column,
            message="unknown ticket column name",
            fix=f"Map one of: {', '.join(CANONICAL_COLUMNS)}.",
        )
        for name, column in mapping.items()
        if name not in CANONICAL_COLUMNS
    ]


def _bad_item(source: str, item: str) -> Problem:
    return Problem(
        file=source,
        row=None,
        column=None,
        value=item,
        message="mapping item is not of the form name=Column",
        fix="Write for example --map created_at=opened_at.",
    )


def _missing_mapped(file: str, name: str, column: str, header: list[str]) -> Problem:
    return Problem(
        file=file,
        row=1,
        column=column,
        value=None,
        message=f"column mapped to {name} is not in the header",
        fix=f"Map {name} to one of the columns: {', '.join(header)}.",
    )
