"""CSV output that a spreadsheet opens safely.

Text cells that Excel, LibreOffice or Google Sheets would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) get a leading apostrophe,
the usual neutralisation. Numbers stay numbers, negative ones included, and so does
text that is itself a number (``"-2"``), because a spreadsheet reads it as a value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if a spreadsheet would run it."""
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _is_number(value):
        return value
    return "'" + value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells are neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(column)) for column in safe.columns]
    return safe


def frame_to_csv_bytes(frame: pd.DataFrame, excel: bool = False) -> bytes:
    """Serialise ``frame`` as neutralised CSV.

    With ``excel=True`` the text starts with a UTF-8 byte-order mark, which makes Excel
    read it as UTF-8 instead of the system code page; the delimiter stays a comma.
    """
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n" if excel else "\n")
    encoding = "utf-8-sig" if excel else "utf-8"
    return text.encode(encoding)


def write_csv(frame: pd.DataFrame, path: str | Path, excel: bool = False) -> None:
    """Write ``frame`` to ``path`` as neutralised CSV (see ``frame_to_csv_bytes``)."""
    Path(path).write_bytes(frame_to_csv_bytes(frame, excel=excel))
