"""Parse single cells of an input table into typed values.

Each parser takes what a CSV reader or a spreadsheet hands over (text, a number, a
boolean, a date-time) and returns the typed value. An invalid cell raises
``ValueError`` whose text is the problem as shown to the user, e.g. "is not a number".
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import pandas as pd

TRUE_WORDS = {"true", "yes", "y", "1", "t", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "f"}
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
LANGUAGE_SEPARATORS = re.compile(r"[;,|\s]+")
# A BCP 47 tag: language, then subtags such as script, region or private use.
LANGUAGE_TAG = r"^([a-z]{2})(?:[-_][a-z0-9]{1,8})+$"


def parse_number(value: Any, decimal_comma: bool = True) -> float:
    """Parse a finite number; ``"37,5"`` is 37.5 when ``decimal_comma`` is set."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        if decimal_comma and DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
    if not math.isfinite(number):
        raise ValueError("is not a finite number")
    return number


def parse_integer(value: Any, decimal_comma: bool = True) -> int:
    """Parse a whole number; ``5.0`` is accepted, ``5.5`` is not."""
    number = parse_number(value, decimal_comma)
    if number != int(number):
        raise ValueError("is not a whole number")
    return int(number)


def parse_bool(value: Any) -> bool:
    """Parse true/false, yes/no, y/n, 1/0 (any case) or a spreadsheet boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("is not true or false")


def parse_languages(value: Any) -> tuple[str, ...]:
    """Split a language list on ``;``, ``,``, ``|`` or spaces into language codes.

    A list or tuple of codes (from an editable table) is accepted as well.
    """
    if isinstance(value, (list, tuple)):
        value = ";".join(str(code) for code in value)
    codes = [
        language_code(code) for code in LANGUAGE_SEPARATORS.split(str(value)) if code
    ]
    return tuple(dict.fromkeys(codes))


def language_code(text: Any) -> str:
    """Return the language of a code or tag in lower case: ``EN``, ``en-GB`` -> ``en``."""
    return re.sub(LANGUAGE_TAG, r"\1", str(text).strip().lower())


def parse_instant(value: Any, naive_is_utc: bool = False) -> pd.Timestamp:
    """Parse an ISO 8601 instant with a UTC offset or ``Z`` into a UTC Timestamp.

    A spreadsheet date-time cell carries no offset; with ``naive_is_utc`` it is read
    as UTC, otherwise an instant without offset raises ValueError.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    if isinstance(value, (datetime, pd.Timestamp)):
        stamp = pd.Timestamp(value)
        text = None
    else:
        text = str(value).strip()
        if not text or not re.match(r"^\d{4}-\d{2}-\d{2}", text):
            raise ValueError("is not an ISO 8601 date-time")
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, OverflowError):
            raise ValueError("is not an ISO 8601 date-time") from None
    if pd.isna(stamp):
        raise ValueError("is not an ISO 8601 date-time")
    if stamp.tzinfo is None:
        if naive_is_utc and text is None:
            return stamp.tz_localize("UTC")
        raise ValueError("has no UTC offset")
    return stamp.tz_convert("UTC")


def is_date_only(value: Any) -> bool:
    """Tell whether a cell contains a calendar date without a time of day."""
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value).strip()))
