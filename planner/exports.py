"""Exports for spreadsheets: an Excel workbook of result tables, and roster CSV files.

Both apply the CSV rule of ``planner.csvsafe``: a text cell that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
gets a leading apostrophe, and numbers stay numbers. In the workbook the apostrophe is
part of the cell text, so the cell shows it as typed. Excel has no time zones, so
instants are written as ISO 8601 text with their offset (``Z`` for UTC).

iCalendar files per agent are in ``planner.ical``.
"""

from __future__ import annotations

import io
import json
import math
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from planner.csvsafe import frame_to_csv_bytes, neutralise, neutralise_frame
from planner.ical import agent_calendars, calendars_zip

__all__ = [
    "agent_calendars",
    "calendars_zip",
    "excel_value",
    "iso_text",
    "roster_csv_bytes",
    "sheet_names",
    "summary_frame",
    "summary_tables",
    "workbook_bytes",
]

MAX_SHEET_NAME = 31
MAX_COLUMN_WIDTH = 60
WIDTH_SAMPLE_ROWS = 500
"""Column widths are fitted to the header and this many first rows."""

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def iso_text(instant: datetime | date | time) -> str:
    """Format a date or time as ISO 8601 text; aware UTC instants end in ``Z``."""
    is_aware = isinstance(instant, datetime) and instant.tzinfo is not None
    if is_aware and instant.utcoffset() == timedelta(0):
        naive = instant.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat() + "Z"
    return instant.isoformat()


def excel_value(value: Any) -> Any:
    """Convert one table value to what an Excel cell stores, neutralising text."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _excel_float(float(value))
    if isinstance(value, (datetime, date, time)):
        return iso_text(value)
    if isinstance(value, (timedelta, pd.Timedelta)):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, (dict, list, tuple)):
        value = json.dumps(value, default=str)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return neutralise(text)


def _excel_float(number: float) -> float | str | None:
    if math.isnan(number):
        return None
    if math.isinf(number):
        # A workbook cannot hold an infinite number, e.g. the ASA of an overloaded queue.
        return "inf" if number > 0 else "-inf"
    return number


def sheet_names(names: list[str]) -> list[str]:
    """Turn table names into distinct valid Excel sheet names (31 characters at most)."""
    used: set[str] = set()
    result = []
    for name in names:
        base = _SHEET_NAME_FORBIDDEN.sub("_", str(name)).strip("'") or "Sheet"
        base = base[:MAX_SHEET_NAME]
        candidate = base
        number = 2
        while candidate.lower() in used:
            suffix = f" ({number})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
            number += 1
        used.add(candidate.lower())
        result.append(candidate)
    return result


def _column_widths(header: list[Any], rows: list[list[Any]]) -> list[float]:
    widths = []
    for index, title in enumerate(header):
        texts = [title] + [row[index] for row in rows[:WIDTH_SAMPLE_ROWS]]
        longest = max(len(str(text)) for text in texts if text is not None)
        widths.append(min(longest + 2, MAX_COLUMN_WIDTH))
    return widths


def _write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(title)
    header = [excel_value(str(column)) for column in frame.columns]
    rows = [
        [excel_value(value) for value in row] for row in frame.itertuples(index=False)
    ]

    for index, width in enumerate(_column_widths(header, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row)


def workbook_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """Write each table to its own sheet of an Excel workbook and return the file.

    Sheets are named after the keys (made valid for Excel), keep their order, have a
    bold frozen header row and columns fitted to their content.
    """
    workbook = Workbook(write_only=True)
    titles = sheet_names(list(tables))
    for title, frame in zip(titles, tables.values()):
        _write_sheet(workbook, title, frame)
    if not tables:
        workbook.create_sheet("empty")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def summary_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """Flatten a nested summary into ``key, value`` rows with dotted keys.

    Nested dicts give keys such as ``mttr_minutes.L1``; list items are numbered from 1,
    e.g. ``proposals.1``.
    """
    rows: list[tuple[str, Any]] = []

    def visit(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                visit(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value:
            for number, item in enumerate(value, start=1):
                visit(f"{prefix}.{number}", item)
        else:
            rows.append((prefix, value if not isinstance(value, list) else ""))

    visit("", summary)
    return pd.DataFrame(rows, columns=["key", "value"])


def summary_tables(summary: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Split a summary into a ``summary`` key/value table and one table per record list.

    A top-level value that is a non-empty list of dicts, such as ``floor_violations``,
    becomes its own table with one row per record. The rest goes through
    ``summary_frame``.
    """
    scalars: dict[str, Any] = {}
    records: dict[str, pd.DataFrame] = {}
    for key, value in summary.items():
        is_records = isinstance(value, list) and value
        if is_records and all(isinstance(item, dict) for item in value):
            records[str(key)] = pd.DataFrame(value)
        else:
            scalars[key] = value
    return {"summary": summary_frame(scalars), **records}


def roster_csv_bytes(
    frame: pd.DataFrame, excel: bool = False, delimiter: str = ","
) -> bytes:
    """Serialise a roster (or any table) as formula-safe CSV.

    The default is the plain ``roster.csv`` layout: UTF-8, comma, LF line ends.
    ``excel=True`` adds a UTF-8 byte-order mark and CRLF line ends, so Excel reads
    names such as ``Müller`` correctly. Excel splits columns on the list separator of
    the computer's regional settings. That is a comma in English-speaking countries,
    China, Japan and Korea, and a semicolon in most of continental Europe and Latin
    America, where decimals use a comma. For those, pass ``delimiter=";"``, which also
    writes decimal commas (``7,5``). The Excel workbook opens correctly everywhere.
    """
    if delimiter not in (",", ";", "\t"):
        raise ValueError(f"delimiter must be ',', ';' or a tab, got {delimiter!r}")
    if delimiter == ",":
        return frame_to_csv_bytes(frame, excel=excel)

    decimal = "," if delimiter == ";" else "."
    text = neutralise_frame(frame).to_csv(
        index=False,
        sep=delimiter,
        decimal=decimal,
        lineterminator="\r\n" if excel else "\n",
    )
    return text.encode("utf-8-sig" if excel else "utf-8")
