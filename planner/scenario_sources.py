"""Read a scenario's raw tables from a folder, a zip of a folder or an Excel workbook.

Nothing is validated here: each reader collects the files it finds into a
``RawScenario`` and records missing or unreadable files as problems.
``planner.loading`` then checks the content.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planner.csvread import Table, decode, read_csv_bytes, table_from_records
from planner.problems import Problem, ScenarioError
from planner.settings_io import parse_toml, settings_from_rows

SCENARIO_FILES = (
    "scenario.toml",
    "agents.csv",
    "demand.csv",
    "tickets.csv",
    "timeoff.csv",
)
SHEET_NAMES = {
    "scenario": "settings",
    "settings": "settings",
    "agents": "agents",
    "demand": "demand",
    "tickets": "tickets",
    "timeoff": "timeoff",
    "time_off": "timeoff",
    "time off": "timeoff",
    "absences": "timeoff",
}
MAX_ZIP_BYTES = 200 * 1024 * 1024


@dataclass
class RawScenario:
    """A scenario as read from its source, before validation."""

    source: str
    settings: dict[str, Any] = field(default_factory=dict)
    settings_file: str = "scenario.toml"
    settings_rows: dict[str, int] = field(default_factory=dict)
    agents: Table | None = None
    demand: Table | None = None
    tickets: Callable[[], pd.DataFrame] | None = None
    tickets_file: str = "tickets.csv"
    timeoff: Table | None = None
    naive_is_utc: bool = False
    settings_read: bool = True
    problems: list[Problem] = field(default_factory=list)


SOURCE_FIX = (
    "Give a scenario folder (scenario.toml, agents.csv, demand.csv), a .zip of one, "
    "or an .xlsx workbook with sheets settings, agents and demand."
)


def whole_file(file: str, message: str, fix: str) -> Problem:
    return Problem(file, None, None, None, message, fix)


def read_folder(folder: Path) -> RawScenario:
    files = {child.name.lower(): child for child in folder.iterdir() if child.is_file()}
    members = {name: files[name].read_bytes for name in SCENARIO_FILES if name in files}
    return _read_members(members, str(folder))


def read_zip(path: Path) -> RawScenario:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ScenarioError(
            [whole_file(path.name, f"not a readable zip file ({error})", SOURCE_FIX)]
        ) from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        chosen = _zip_members(infos)
        if sum(info.file_size for info in chosen.values()) > MAX_ZIP_BYTES:
            raise ScenarioError(
                [
                    whole_file(
                        path.name,
                        "the scenario files in the zip are larger than 200 MB",
                        "Split or trim the data.",
                    )
                ]
            )
        contents = {
            name: _read_member(archive, info, path) for name, info in chosen.items()
        }
    members = {name: (lambda data=data: data) for name, data in contents.items()}
    return _read_members(members, str(path))


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """Read one member, turning a damaged, encrypted or unsupported one into a problem."""
    try:
        return archive.read(info)
    except (
        zipfile.BadZipFile,
        RuntimeError,
        NotImplementedError,
        zlib.error,
        EOFError,
        OSError,
    ) as error:
        raise ScenarioError(
            [
                whole_file(
                    path.name,
                    f"cannot read {info.filename} from the zip ({error})",
                    "Zip the scenario folder again without a password, "
                    "using plain (deflate) compression.",
                )
            ]
        ) from None


def _zip_members(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Pick the scenario files at the zip's root, or inside one top-level folder."""
    by_depth: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in infos:
        parts = info.filename.replace("\\", "/").split("/")
        if len(parts) > 2 or parts[-1].lower() not in SCENARIO_FILES:
            continue
        if parts[0] == "__MACOSX":
            continue
        folder = parts[0] if len(parts) == 2 else ""
        by_depth.setdefault(folder, {})[parts[-1].lower()] = info
    for folder in sorted(by_depth, key=lambda name: (name != "", name)):
        if "scenario.toml" in by_depth[folder]:
            return by_depth[folder]
    return by_depth.get("", next(iter(by_depth.values()), {}))


def _read_members(members: dict[str, Callable[[], bytes]], source: str) -> RawScenario:
    raw = RawScenario(source=source)
    if "scenario.toml" not in members:
        raw.problems.append(
            whole_file(
                "scenario.toml",
                "missing file",
                "Add scenario.toml with at least week_start.",
            )
        )
        raw.settings_read = False
    else:
        text = decode(members["scenario.toml"](), "scenario.toml")
        raw.settings, raw.settings_rows, problems = parse_toml(text, "scenario.toml")
        raw.problems += problems
        raw.settings_read = not problems
    if "agents.csv" not in members:
        raw.problems.append(
            whole_file(
                "agents.csv", "missing file", "Add agents.csv with one row per agent."
            )
        )
    else:
        raw.agents = read_csv_bytes(members["agents.csv"](), "agents.csv")
    if "demand.csv" in members:
        raw.demand = read_csv_bytes(members["demand.csv"](), "demand.csv")
    elif "tickets.csv" in members:
        data = members["tickets.csv"]()
        raw.tickets = lambda: _read_ticket_bytes(data)
    else:
        raw.problems.append(
            whole_file(
                "demand.csv",
                "missing file",
                "Add demand.csv (interval_start, language, arrivals) or tickets.csv.",
            )
        )
    if "timeoff.csv" in members:
        raw.timeoff = read_csv_bytes(members["timeoff.csv"](), "timeoff.csv")
    return raw


def _read_ticket_bytes(data: bytes) -> pd.DataFrame:
    from planner.tickets import read_tickets

    buffer = io.BytesIO(data)
    buffer.name = "tickets.csv"
    return read_tickets(buffer)


def read_workbook(path: Path) -> RawScenario:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
    ) as error:
        raise ScenarioError(
            [
                whole_file(
                    path.name, f"not a readable Excel workbook ({error})", SOURCE_FIX
                )
            ]
        ) from None
    raw = RawScenario(source=str(path), naive_is_utc=True)
    sheets: dict[str, Any] = {}
    for sheet in book.worksheets:
        kind = SHEET_NAMES.get(sheet.title.strip().lower())
        if kind and kind not in sheets:
            sheets[kind] = sheet

    def label(kind: str) -> str:
        return f"{path.name}, sheet {sheets[kind].title}"

    try:
        _read_sheets(raw, sheets, label, path.name)
    finally:
        book.close()
    return raw


def _read_sheets(
    raw: RawScenario, sheets: dict[str, Any], label, book_name: str
) -> None:
    if "settings" not in sheets:
        raw.problems.append(
            whole_file(
                book_name,
                "missing sheet 'settings'",
                "Add a sheet named settings with key and value columns.",
            )
        )
        raw.settings_read = False
    else:
        raw.settings_file = label("settings")
        raw.settings, raw.settings_rows, problems = settings_from_rows(
            _sheet_records(sheets["settings"]), raw.settings_file
        )
        raw.problems += problems
        raw.settings_read = bool(raw.settings) or not problems
    if "agents" not in sheets:
        raw.problems.append(
            whole_file(
                book_name,
                "missing sheet 'agents'",
                "Add a sheet named agents, one row per agent.",
            )
        )
    else:
        raw.agents = table_from_records(
            label("agents"), _sheet_records(sheets["agents"]), decimal_comma=True
        )
    if "demand" in sheets:
        raw.demand = table_from_records(
            label("demand"), _sheet_records(sheets["demand"]), decimal_comma=True
        )
    elif "tickets" in sheets:
        records = _sheet_records(sheets["tickets"])
        raw.tickets = lambda: _tickets_from_records(records)
        raw.tickets_file = label("tickets")
    else:
        raw.problems.append(
            whole_file(
                book_name,
                "missing sheet 'demand'",
                "Add a sheet named demand (interval_start, language, arrivals).",
            )
        )
    if "timeoff" in sheets:
        raw.timeoff = table_from_records(
            label("timeoff"), _sheet_records(sheets["timeoff"]), decimal_comma=True
        )


def _sheet_records(sheet: Any) -> list[tuple[int, list[Any]]]:
    """Return (row number, cells) from the first non-empty row (the header) on."""
    records = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells = [_cell_value(cell) for cell in row]
        if not records and all(
            cell is None or str(cell).strip() == "" for cell in cells
        ):
            continue
        records.append((number, cells))
    return records


def _cell_value(cell: Any) -> Any:
    """Return a cell's value; a date-time cell formatted without a time is a date."""
    value = getattr(cell, "value", None)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        number_format = str(getattr(cell, "number_format", "")).lower()
        if not any(mark in number_format for mark in ("h", "s")):
            return value.date()
    return value


def _tickets_from_records(records: list[tuple[int, list[Any]]]) -> pd.DataFrame:
    header = [str(cell) for cell in records[0][1]] if records else []
    frame = pd.DataFrame([cells for _, cells in records[1:]], columns=header)
    buffer = io.BytesIO(frame.to_csv(index=False).encode("utf-8"))
    buffer.name = "tickets.csv"
    from planner.tickets import read_tickets

    return read_tickets(buffer)
