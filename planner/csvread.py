"""Raw input tables: CSV files as Excel and other tools save them, sheets, and frames.

Every source becomes a ``Table`` of untyped cells with the row number a person sees:
the header is row 1 and the first data row is row 2, as in a spreadsheet. For a CSV
file the row is the line number where the record ends, so blank lines keep the count.
Typing and validation happen later, in ``planner.validation``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.csvsafe import FORMULA_PREFIXES

DELIMITERS = ",;\t|"


@dataclass
class Table:
    """The cells of one input table, with column names normalised.

    ``rows[i]`` is the row number of ``frame.iloc[i]``; ``columns`` maps each
    normalised name to the header as written. ``decimal_comma`` tells whether
    ``"37,5"`` means 37.5 (true unless the file's delimiter is a comma).
    """

    file: str
    frame: pd.DataFrame
    rows: list[int]
    columns: dict[str, str] = field(default_factory=dict)
    decimal_comma: bool = True


def normalise_column(name: Any) -> str:
    """Return the canonical form of a header: lower case, inner spaces as ``_``."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def clean_cell(value: Any) -> Any:
    """Strip text, turn blanks into None and undo spreadsheet formula neutralisation."""
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT:
        return None
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def sniff_delimiter(text: str) -> str:
    """Guess the delimiter of CSV ``text`` from its header line."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def decode(data: bytes, file: str) -> str:
    """Decode CSV bytes: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252.

    Excel saves "Unicode Text" as UTF-16 with a byte-order mark.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def table_from_records(
    file: str, records: list[tuple[int, list[Any]]], decimal_comma: bool
) -> Table:
    """Build a Table from (row number, cells) records whose first record is the header."""
    if not records:
        return Table(file, pd.DataFrame(), [], {}, decimal_comma)
    _, header = records[0]
    names = [normalise_column(name) for name in header]
    columns = {}
    for name, original in zip(names, header):
        if name and name not in columns:
            columns[name] = str(original).strip()
    body = []
    rows = []
    for row, cells in records[1:]:
        cleaned = [clean_cell(cell) for cell in cells]
        if all(cell is None for cell in cleaned):
            continue
        cleaned += [None] * (len(names) - len(cleaned))
        body.append(
            {name: cleaned[i] for i, name in enumerate(names) if name in columns}
        )
        rows.append(row)
    frame = pd.DataFrame(body, columns=list(columns), dtype=object)
    return Table(file, frame, rows, columns, decimal_comma)


def read_csv_bytes(data: bytes, file: str) -> Table:
    """Read a CSV file's bytes into a Table, sniffing the delimiter."""
    text = decode(data, file).replace("\r\n", "\n").replace("\r", "\n")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records = [(reader.line_num, cells) for cells in reader]
    return table_from_records(file, records, decimal_comma=delimiter != ",")


def table_from_frame(frame: pd.DataFrame | None, file: str) -> Table:
    """Wrap an in-memory frame as a Table; its rows are numbered from 2 by position."""
    if frame is None:
        return Table(file, pd.DataFrame(), [], {}, True)
    header = [str(column) for column in frame.columns]
    records = [(1, header)]
    for position, cells in enumerate(frame.itertuples(index=False, name=None)):
        records.append((position + 2, list(cells)))
    return table_from_records(file, records, decimal_comma=True)
