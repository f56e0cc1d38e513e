"""Reading ticket histories (CSV, Excel-dialect CSV, gzip CSV or .xlsx) into one shape.

``read_tickets`` returns a frame with ``created_at`` (UTC, tz-aware) and ``language``,
plus ``ticket_id``, ``resolved_at``, ``tier_resolved`` and ``handle_minutes`` where the
export has them (see ``planner.ticket_columns`` for the names and presets).

Timestamps with an offset or ``Z`` are converted to UTC. Timestamps without one are
read in ``timezone_name`` (UTC by default). A wall-clock time repeated by a clock change
means its first occurrence, and one skipped by a clock change moves forward by the
gap. Dates written with slashes or dots (``29/2/2016 01:16``) are read day first
unless a second field above 12 shows that the column is month first, or
``dayfirst=False`` is given.

Rows that share a ``ticket_id`` are one ticket: its earliest ``created_at``, latest
``resolved_at``, highest ``tier_resolved``, first language and first handle time.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from dateutil import parser as date_parser

from planner.languages import ISO_639_1
from planner.problems import Problem, ScenarioError
from planner.shifts import zone
from planner.ticket_columns import resolve_columns

MISSING = {"", "?", "null", "none", "nan", "n/a", "na", "-"}
TIER_NAMES = {"l1": "L1", "l2": "L2", "l3": "L3", "1": "L1", "2": "L2", "3": "L3"}
TIER_RANK = {"L1": 1, "L2": 2, "L3": 3}
LANGUAGE_CODE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]{2,8})?$")
SLASH_DATE = re.compile(
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def read_tickets(
    path_or_buffer: str | Path | IO,
    mapping: dict[str, str] | None = None,
    preset: str | None = None,
    *,
    timezone_name: str = "UTC",
    default_language: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Read a ticket history and normalise its columns.

    Parameters
    ----------
    path_or_buffer
        A CSV (any of ``,;\\t|``, optional BOM, CRLF), a ``.csv.gz`` or an ``.xlsx``
        file, or a binary/text buffer holding CSV.
    mapping, preset
        Column mapping and export preset (``servicenow``, ``jira``).
    timezone_name
        IANA zone of timestamps written without an offset.
    default_language
        Language of every ticket when the export has no language column.
    dayfirst
        Order of day and month in slash dates; ``None`` detects it per column.

    Raises
    ------
    ScenarioError
        Listing every bad row (file, row, column, value, fix).
    """
    file, header, load = _open_table(path_or_buffer)
    columns = resolve_columns(header, mapping, preset, file)
    problems = _check_required(columns, file, default_language)
    tz = _zone_or_problem(timezone_name, problems)
    if problems:
        raise ScenarioError(problems)

    raw = load(sorted(set(columns.values())))
    frame = pd.DataFrame(index=raw.index)
    rows = raw.index.to_numpy() + 2
    parsed = _Parser(file, rows, tz, dayfirst)
    for name, column in columns.items():
        values = raw[column].astype(str).str.strip()
        frame[name] = parsed.column(name, column, values)
    if "language" not in frame:
        frame["language"] = _language_code(default_language)
    if "handle_seconds" in frame:
        seconds = frame.pop("handle_seconds")
        if "handle_minutes" not in frame:
            frame["handle_minutes"] = seconds / 60.0

    parsed.check_order(frame, columns, raw)
    if parsed.problems:
        raise ScenarioError(parsed.problems)
    return _collapse_tickets(frame)


def _open_table(
    path_or_buffer: str | Path | IO,
) -> tuple[str, list[str], Callable[[list[str]], pd.DataFrame]]:
    """Return the file name, the header, and a loader of chosen columns as text."""
    if isinstance(path_or_buffer, (str, Path)):
        path = Path(path_or_buffer)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            table = pd.read_excel(path, dtype=str, keep_default_na=False)
            table.columns = [str(column).strip() for column in table.columns]
            return path.name, list(table.columns), lambda columns: table[columns]
        data = path.read_bytes()
        file = path.name
    else:
        data = path_or_buffer.read()
        file = getattr(path_or_buffer, "name", "tickets")
        file = Path(file).name if isinstance(file, str) else "tickets"
    text = _decode(data)
    delimiter = max(",;\t|", key=text.split("\n", 1)[0].count)
    header = [str(column).strip() for column in _read_csv(text, file, delimiter, 0)]
    return file, header, lambda columns: _read_csv(text, file, delimiter, None, columns)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" format uses the Windows code page, not UTF-8.
        return data.decode("cp1252", errors="replace")


def _read_csv(
    text: str, file: str, delimiter: str, nrows: int | None, columns=None
) -> pd.DataFrame:
    wanted = None if columns is None else set(columns)
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_MINIMAL,
            nrows=nrows,
            usecols=None if wanted is None else lambda name: name.strip() in wanted,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ScenarioError(
            [
                Problem(
                    file,
                    None,
                    None,
                    None,
                    f"not a readable CSV file: {error}",
                    "Export the tickets as CSV with a header line.",
                )
            ]
        ) from error
    table.columns = [str(column).strip() for column in table.columns]
    return table


def _language_code(text: str) -> str | None:
    """Return the ISO 639-1 code of ``de`` or ``pt-BR``, or None when it is not one."""
    match = LANGUAGE_CODE.match(text.strip().lower())
    if match is None or match.group(1) not in ISO_639_1:
        return None
    return match.group(1)


def _zone_or_problem(timezone_name: str, problems: list[Problem]) -> ZoneInfo | None:
    try:
        return zone(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "--timezone",
                None,
                None,
                timezone_name,
                "unknown time zone",
                "Use an IANA name such as Europe/Berlin or UTC.",
            )
        )
        return None


def _check_required(
    columns: dict[str, str], file: str, default_language: str | None
) -> list[Problem]:
    problems = []
    if "created_at" not in columns:
        problems.append(
            Problem(
                file,
                1,
                "created_at",
                None,
                "no creation time column",
                "Add a created_at column, map one with --map created_at=COLUMN "
                "or choose a --preset.",
            )
        )
    if "language" not in columns and not default_language:
        problems.append(
            Problem(
                file,
                1,
                "language",
                None,
                "no language column",
                "Add a language column, map one with --map language=COLUMN "
                "or give --default-language CODE.",
            )
        )
    if (
        "language" not in columns
        and default_language
        and _language_code(default_language) is None
    ):
        problems.append(
            Problem(
                "--default-language",
                None,
                None,
                default_language,
                "not an ISO 639-1 language code",
                "Use a code such as en or de.",
            )
        )
    return problems


class _Parser:
    """Converts text columns and collects one Problem per bad cell."""

    def __init__(self, file: str, rows: np.ndarray, tz, dayfirst: bool | None):
        self.file = file
        self.rows = rows
        self.tz = tz
        self.dayfirst = dayfirst
        self.problems: list[Problem] = []

    def column(self, name: str, column: str, values: pd.Series) -> pd.Series:
        missing = values.str.lower().isin(MISSING)
        if name == "created_at":
            self._report(
                missing,
                column,
                values,
                "missing creation time",
                "Fill in when the ticket was created or remove the row.",
            )
        if name in ("created_at", "resolved_at"):
            return self._timestamps(column, values, missing)
        if name == "language":
            return self._languages(column, values, missing)
        if name == "tier_resolved":
            return self._tiers(column, values, missing)
        if name in ("handle_minutes", "handle_seconds"):
            return self._durations(column, values, missing)
        return values.where(~missing, None)

    def check_order(
        self, frame: pd.DataFrame, columns: dict[str, str], raw: pd.DataFrame
    ) -> None:
        if "resolved_at" not in frame:
            return
        early = frame["resolved_at"] < frame["created_at"]
        values = raw[columns["resolved_at"]]
        self._report(
            early.fillna(False),
            columns["resolved_at"],
            values,
            "resolved before it was created",
            "Check the row's timestamps and their time zone.",
        )

    def _timestamps(
        self, column: str, values: pd.Series, missing: pd.Series
    ) -> pd.Series:
        present = values[~missing]
        dayfirst = self.dayfirst
        if dayfirst is None:
            dayfirst = _detect_dayfirst(present.unique())
        parsed = {
            text: _parse_instant(text, self.tz, dayfirst) for text in present.unique()
        }
        result = present.map(parsed)
        bad = result.isna().reindex(values.index, fill_value=False)
        self._report(
            bad,
            column,
            values,
            "not a date and time",
            "Write it as ISO 8601 (2027-03-22 09:30 or 2027-03-22T09:30:00Z) "
            "or day/month/year hours:minutes.",
        )
        return pd.to_datetime(result.reindex(values.index), utc=True)

    def _languages(
        self, column: str, values: pd.Series, missing: pd.Series
    ) -> pd.Series:
        lowered = values.str.lower()
        codes = lowered.str.extract(LANGUAGE_CODE, expand=False)
        codes = codes.where(codes.isin(ISO_639_1))
        bad = codes.isna()
        self._report(
            bad,
            column,
            values,
            "not an ISO 639-1 language code",
            "Use a two-letter code such as en, de or pt (pt-BR is read as pt).",
        )
        return codes

    def _tiers(self, column: str, values: pd.Series, missing: pd.Series) -> pd.Series:
        key = values.str.lower().str.replace(r"^(tier|level|line)\s*", "", regex=True)
        tiers = key.map(TIER_NAMES)
        bad = tiers.isna() & ~missing
        self._report(
            bad,
            column,
            values,
            "not a tier",
            "Use L1, L2 or L3 (or leave it empty when unknown).",
        )
        return tiers

    def _durations(
        self, column: str, values: pd.Series, missing: pd.Series
    ) -> pd.Series:
        numbers = pd.to_numeric(
            values.str.replace(",", ".", regex=False), errors="coerce"
        )
        bad = (numbers.isna() | (numbers < 0)) & ~missing
        self._report(
            bad,
            column,
            values,
            "not a non-negative number",
            "Write the handle time as a number (minutes or seconds as mapped).",
        )
        return numbers.where(~missing & ~bad)

    def _report(
        self, bad: pd.Series, column: str, values: pd.Series, message: str, fix: str
    ) -> None:
        for position in np.flatnonzero(bad.to_numpy()):
            self.problems.append(
                Problem(
                    self.file,
                    int(self.rows[position]),
                    column,
                    str(values.iloc[position]),
                    message,
                    fix,
                )
            )


def _detect_dayfirst(texts: np.ndarray) -> bool:
    """Read slash dates day first unless a second field above 12 proves month first."""
    for text in texts:
        match = SLASH_DATE.match(text)
        if match and int(match.group(1)) > 12:
            return True
        if match and int(match.group(2)) > 12:
            return False
    return True


def _parse_instant(text: str, tz, dayfirst: bool) -> pd.Timestamp | None:
    moment = _parse_wall_clock(text, dayfirst)
    if moment is None:
        return None
    if moment.tzinfo is None:
        return _localise(moment, tz)
    return pd.Timestamp(moment).tz_convert("UTC")


def _parse_wall_clock(text: str, dayfirst: bool) -> datetime | None:
    match = SLASH_DATE.match(text)
    if match:
        return _slash_date(match, dayfirst)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return date_parser.parse(text, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        return None


def _slash_date(match: re.Match, dayfirst: bool) -> datetime | None:
    first, second, year, hour, minute, second_of_minute = match.groups()
    day, month = (first, second) if dayfirst else (second, first)
    year_number = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return datetime(
            year_number,
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second_of_minute or 0),
        )
    except ValueError:
        return None


def _localise(moment: datetime, tz) -> pd.Timestamp:
    # fold=0 reads a repeated time as its first occurrence, and a skipped time with
    # the offset before the change, which lands after the gap (02:30 -> 03:30).
    return pd.Timestamp(moment.replace(tzinfo=tz, fold=0).astimezone(UTC))


def _collapse_tickets(frame: pd.DataFrame) -> pd.DataFrame:
    if "ticket_id" in frame:
        frame = _one_row_per_ticket(frame)
    order = [
        "ticket_id",
        "created_at",
        "language",
        "resolved_at",
        "tier_resolved",
        "handle_minutes",
    ]
    frame = frame[[name for name in order if name in frame]]
    return frame.sort_values("created_at", kind="stable").reset_index(drop=True)


def _one_row_per_ticket(frame: pd.DataFrame) -> pd.DataFrame:
    groups = frame.groupby("ticket_id", sort=False)
    result = pd.DataFrame({"created_at": groups["created_at"].min()})
    result["language"] = groups["language"].first()
    if "resolved_at" in frame:
        result["resolved_at"] = groups["resolved_at"].max()
    if "tier_resolved" in frame:
        rank = frame["tier_resolved"].map(TIER_RANK)
        highest = rank.groupby(frame["ticket_id"], sort=False).max()
        result["tier_resolved"] = highest.map({v: k for k, v in TIER_RANK.items()})
    if "handle_minutes" in frame:
        result["handle_minutes"] = groups["handle_minutes"].first()
    return result.reset_index()
