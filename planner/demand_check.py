"""Validation of the demand table: interval starts, language codes and arrivals.

Well-formed text rows are checked column-wise with pandas, which keeps a month of
15-minute demand in many languages quick to load. Every row that fails there, or that
contains spreadsheet-typed cells, goes through the row-by-row rules, which report the
problem.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from planner.cells import LANGUAGE_TAG, language_code, parse_instant, parse_number
from planner.csvread import Table
from planner.horizon import Horizon
from planner.languages import ISO_639_1
from planner.model import Settings
from planner.problems import Problem
from planner.validation import ISO_EXAMPLE, TableCheck, language_fix

DEMAND_COLUMNS = {"interval_start": True, "language": True, "arrivals": True}
OFFSET_AT_END = r"(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"
ARRIVALS_FIX = "Use a number of tickets, 0 or more (fractions are fine, e.g. 2.5)."


def empty_demand() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interval_start": pd.Series([], dtype="datetime64[ns, UTC]"),
            "language": pd.Series([], dtype=object),
            "arrivals": pd.Series([], dtype=float),
        }
    )


def check_demand(
    table: Table,
    settings: Settings | None,
    problems: list[Problem],
    naive_is_utc: bool = False,
) -> pd.DataFrame:
    """Return the valid demand rows as (interval_start, language, arrivals).

    Rows with the same interval and language add up. Interval starts are checked
    against the horizon only when the settings are valid.
    """
    check = TableCheck(table, problems, "demand.csv")
    if len(check.frame) == 0:
        check.report(
            None,
            None,
            None,
            "no demand rows",
            "Add rows of interval_start, language, arrivals.",
        )
        return empty_demand()
    if not check.require_columns(DEMAND_COLUMNS):
        return empty_demand()

    horizon = settings.horizon if settings is not None else None
    fast, good = _columnwise(check.frame, horizon, table.decimal_comma)
    slow = _row_by_row(check, np.flatnonzero(~good), horizon, naive_is_utc)
    frame = pd.concat([fast, slow], ignore_index=True) if len(slow) else fast
    if frame.empty:
        return empty_demand()

    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    frame["arrivals"] = frame["arrivals"].astype(float)
    summed = frame.groupby(["interval_start", "language"], as_index=False, sort=True)
    return summed["arrivals"].sum().reset_index(drop=True)


def _columnwise(
    frame: pd.DataFrame, horizon: Horizon | None, decimal_comma: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """Type the rows whose three cells are valid; return them and a row mask."""
    if horizon is None:
        return empty_demand(), np.zeros(len(frame), dtype=bool)
    frame = frame.assign(
        interval_start=frame["interval_start"].map(_aware_as_text).astype(object),
        arrivals=frame["arrivals"].map(_number_as_text).astype(object),
    )
    is_text = np.ones(len(frame), dtype=bool)
    for column in DEMAND_COLUMNS:
        is_text &= frame[column].map(lambda value: isinstance(value, str)).to_numpy()

    texts = frame["interval_start"].where(is_text, "")
    # A time of day is required: the "-22" ending "2027-03-22" is not an offset.
    has_offset = texts.str.contains(OFFSET_AT_END, regex=True) & texts.str.match(
        r"^\d{4}-\d{2}-\d{2}[Tt ]\d"
    )
    starts = pd.to_datetime(
        texts.where(has_offset), format="ISO8601", utc=True, errors="coerce"
    )
    elapsed = starts - pd.Timestamp(horizon.start)
    on_grid = (elapsed % horizon.step) == pd.Timedelta(0)
    inside = (elapsed >= pd.Timedelta(0)) & (elapsed < horizon.end - horizon.start)

    languages = frame["language"].where(is_text, "").str.lower()
    languages = languages.str.replace(LANGUAGE_TAG, r"\1", regex=True)
    known = languages.isin(ISO_639_1)

    counts = frame["arrivals"].where(is_text, "")
    if decimal_comma:
        counts = counts.str.replace(r"^([+-]?\d*),(\d+)$", r"\1.\2", regex=True)
    numbers = pd.to_numeric(counts, errors="coerce")
    valid_count = np.isfinite(numbers.to_numpy(dtype=float)) & (numbers >= 0)

    checks = starts.notna() & on_grid & inside & known & valid_count
    good = is_text & checks.to_numpy(dtype=bool, na_value=False)
    typed = pd.DataFrame(
        {
            "interval_start": starts[good],
            "language": languages[good],
            "arrivals": numbers[good].astype(float),
        }
    )
    return typed.reset_index(drop=True), good


def _aware_as_text(value: Any) -> Any:
    """Write an aware date-time (from an editable table) as ISO 8601 text."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()
    return value


def _number_as_text(value: Any) -> Any:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    ):
        return repr(float(value))
    return value


def _row_by_row(
    check: TableCheck,
    positions: np.ndarray,
    horizon: Horizon | None,
    naive_is_utc: bool,
) -> pd.DataFrame:
    starts, languages, arrivals = [], [], []
    for position in positions:
        record = check.frame.iloc[position]
        start = _check_interval(
            check, position, record["interval_start"], horizon, naive_is_utc
        )
        language = _check_language(check, position, record["language"])
        count = _check_arrivals(check, position, record["arrivals"])
        if start is None or language is None or count is None:
            continue
        starts.append(start)
        languages.append(language)
        arrivals.append(count)
    return pd.DataFrame(
        {"interval_start": starts, "language": languages, "arrivals": arrivals}
    )


def _check_interval(
    check: TableCheck,
    position: int,
    value: Any,
    horizon: Horizon | None,
    naive_is_utc: bool,
) -> pd.Timestamp | None:
    column = "interval_start"
    if value is None:
        check.report(
            position, column, None, "interval_start is empty", f"Use {ISO_EXAMPLE}."
        )
        return None
    try:
        start = parse_instant(value, naive_is_utc=naive_is_utc)
    except ValueError as error:
        check.report(position, column, value, str(error), f"Use {ISO_EXAMPLE}.")
        return None
    if horizon is None:
        return start

    try:
        horizon.index_of(start.to_pydatetime())
    except ValueError as error:
        minutes = horizon.interval_minutes
        if "grid" in str(error):
            message = f"not on the {minutes}-minute interval grid"
            fix = f"Start intervals on the {minutes}-minute UTC grid, e.g. at :00."
        else:
            message = (
                f"outside the horizon {horizon.start:%Y-%m-%d %H:%M}Z "
                f"to {horizon.end:%Y-%m-%d %H:%M}Z"
            )
            fix = "Remove the row or change week_start or days in the settings."
        check.report(position, column, value, message, fix)
        return None
    return start


def _check_language(check: TableCheck, position: int, value: Any) -> str | None:
    if value is None:
        check.report(position, "language", None, "language is empty", language_fix(""))
        return None
    code = language_code(value)
    if code not in ISO_639_1:
        check.report(
            position, "language", value, "unknown language code", language_fix(code)
        )
        return None
    return code


def _check_arrivals(check: TableCheck, position: int, value: Any) -> float | None:
    if value is None:
        check.report(position, "arrivals", None, "arrivals is empty", ARRIVALS_FIX)
        return None
    count = check.parse(
        position,
        "arrivals",
        value,
        lambda cell: parse_number(cell, check.table.decimal_comma),
        ARRIVALS_FIX,
    )
    if count is not None and count < 0:
        check.report(position, "arrivals", value, "is negative", ARRIVALS_FIX)
        return None
    return count
