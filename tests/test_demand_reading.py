"""Reading ticket exports: presets, column mapping, Excel dialect, dates, bad rows."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from planner.problems import ScenarioError
from planner.ticket_columns import parse_map_items, read_mapping_file
from planner.tickets import read_tickets

# Two incidents in the layout of a ServiceNow event log: one row per update, "?" for
# missing values, day/month/year dates without a zone.
SERVICENOW = """\
number,incident_state,opened_at,sys_created_at,resolved_at,closed_at
INC0000045,New,29/2/2016 01:16,29/2/2016 01:23,?,5/3/2016 12:00
INC0000045,Resolved,29/2/2016 01:16,29/2/2016 01:23,29/2/2016 11:29,5/3/2016 12:00
INC0000047,New,3/4/2016 10:00,3/4/2016 10:05,?,?
"""

JIRA = """\
Issue key,Summary,Created,Resolved,Custom field (Language),Time Spent
SUP-1,Printer,2027-01-04 09:10,2027-01-04 10:10,de,600
SUP-2,Login,2027-01-04 11:00,,pt-BR,
"""


def problems_of(error: ScenarioError) -> list[tuple]:
    return [(p.row, p.column, p.value) for p in error.problems]


def test_servicenow_preset_collapses_events():
    tickets = read_tickets(
        io.StringIO(SERVICENOW), preset="servicenow", default_language="en"
    )

    assert list(tickets["ticket_id"]) == ["INC0000045", "INC0000047"]
    assert tickets["created_at"].iloc[0] == pd.Timestamp("2016-02-29T01:16Z")
    assert tickets["resolved_at"].iloc[0] == pd.Timestamp("2016-02-29T11:29Z")
    assert pd.isna(tickets["resolved_at"].iloc[1])
    assert set(tickets["language"]) == {"en"}


def test_servicenow_dates_are_day_first():
    tickets = read_tickets(
        io.StringIO(SERVICENOW), preset="servicenow", default_language="en"
    )

    # 29/2/2016 fixes the column as day first, so 3/4/2016 is 3 April.
    assert tickets["created_at"].iloc[1] == pd.Timestamp("2016-04-03T10:00Z")


def test_month_first_when_asked():
    text = "created_at,language\n3/4/2016 10:00,en\n"

    tickets = read_tickets(io.StringIO(text), dayfirst=False)

    assert tickets["created_at"].iloc[0] == pd.Timestamp("2016-03-04T10:00Z")


def test_month_first_detected_from_values():
    text = "created_at,language\n3/4/2016 10:00,en\n12/25/2016 08:00,en\n"

    tickets = read_tickets(io.StringIO(text))

    assert tickets["created_at"].iloc[0] == pd.Timestamp("2016-03-04T10:00Z")
    assert tickets["created_at"].iloc[1] == pd.Timestamp("2016-12-25T08:00Z")


def test_servicenow_local_timezone():
    tickets = read_tickets(
        io.StringIO(SERVICENOW),
        preset="servicenow",
        default_language="pt",
        timezone_name="America/Sao_Paulo",
    )

    # Sao Paulo was at -03:00 in February 2016.
    assert tickets["created_at"].iloc[0] == pd.Timestamp("2016-02-29T04:16Z")


def test_jira_preset():
    tickets = read_tickets(io.StringIO(JIRA), preset="jira")

    assert list(tickets["ticket_id"]) == ["SUP-1", "SUP-2"]
    assert list(tickets["language"]) == ["de", "pt"]
    assert tickets["handle_minutes"].iloc[0] == pytest.approx(10.0)
    assert pd.isna(tickets["handle_minutes"].iloc[1])
    assert tickets["resolved_at"].iloc[0] == pd.Timestamp("2027-01-04T10:10Z")


def test_excel_dialect_csv(tmp_path):
    # UTF-8 with BOM, semicolons, CRLF, decimal comma: what Excel saves in Europe.
    text = (
        "Opened;Sprache;Bearbeitung\r\n"
        "2027-01-04 09:10;de;7,5\r\n"
        "2027-01-04 10:00+01:00;fr;12\r\n"
    )
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    mapping = {
        "created_at": "Opened",
        "language": "Sprache",
        "handle_minutes": "Bearbeitung",
    }

    tickets = read_tickets(path, mapping=mapping).set_index("language")

    assert sorted(tickets.index) == ["de", "fr"]
    assert tickets.loc["de", "handle_minutes"] == pytest.approx(7.5)
    assert tickets.loc["fr", "created_at"] == pd.Timestamp("2027-01-04T09:00Z")


def test_gzip_and_xlsx_files(tmp_path):
    gz = tmp_path / "tickets.csv.gz"
    gz.write_bytes(gzip.compress(b"created_at,language\n2027-01-04T09:10:00Z,en\n"))
    xlsx = tmp_path / "tickets.xlsx"
    pd.DataFrame({"created_at": ["2027-01-04 09:10"], "language": ["sv"]}).to_excel(
        xlsx, index=False
    )

    assert read_tickets(gz)["created_at"].iloc[0] == pd.Timestamp("2027-01-04T09:10Z")
    assert read_tickets(xlsx)["language"].iloc[0] == "sv"


def test_map_items_and_mapping_files(tmp_path):
    toml = tmp_path / "map.toml"
    toml.write_text('[columns]\ncreated_at = "opened"\nlanguage = "lang"\n')
    csv = tmp_path / "map.csv"
    csv.write_text("column,source\ncreated_at,opened\nlanguage,lang\n")
    expected = {"created_at": "opened", "language": "lang"}

    assert parse_map_items(["created_at=opened", "language = lang"]) == expected
    assert read_mapping_file(toml) == expected
    assert read_mapping_file(csv) == expected


def test_mapping_overrides_preset():
    text = (
        "number,opened_at,u_created,language\nINC1,1/1/2027 10:00,2/1/2027 11:00,en\n"
    )

    tickets = read_tickets(
        io.StringIO(text), mapping={"created_at": "u_created"}, preset="servicenow"
    )

    assert tickets["created_at"].iloc[0] == pd.Timestamp("2027-01-02T11:00Z")


def test_bad_mapping_names_and_columns():
    with pytest.raises(ScenarioError) as unknown:
        parse_map_items(["opened=created_at", "language"])
    with pytest.raises(ScenarioError) as missing:
        read_tickets(io.StringIO("a,b\n1,2\n"), mapping={"created_at": "opened"})

    assert len(unknown.value.problems) == 2
    assert problems_of(missing.value)[0] == (1, "opened", None)


def test_unknown_preset():
    with pytest.raises(ScenarioError) as error:
        read_tickets(io.StringIO(JIRA), preset="zendesk")

    assert error.value.problems[0].value == "zendesk"


def test_missing_required_columns():
    with pytest.raises(ScenarioError) as error:
        read_tickets(io.StringIO("when,who\n2027-01-01,x\n"))

    columns = [problem.column for problem in error.value.problems]
    assert columns == ["created_at", "language"]


def test_bad_rows_name_row_column_value():
    text = (
        "created_at,language,resolved_at,tier_resolved,handle_minutes\n"
        "2027-01-04 09:00,en,2027-01-04 10:00,L1,5\n"  # line 2: fine
        ",en,,L1,5\n"  # line 3: no creation time
        "yesterday noon,en,,L1,5\n"  # line 4: not a date
        "2027-01-04 09:00,english,,L1,5\n"  # line 5: not a code
        "2027-01-04 09:00,en,2027-01-03 09:00,L1,5\n"  # line 6: resolved too early
        "2027-01-04 09:00,en,,Tier 4,5\n"  # line 7: no such tier
        "2027-01-04 09:00,en,,L2,-3\n"  # line 8: negative handle time
    )

    with pytest.raises(ScenarioError) as error:
        read_tickets(io.StringIO(text))

    found = set(problems_of(error.value))
    assert (3, "created_at", "") in found
    assert (4, "created_at", "yesterday noon") in found
    assert (5, "language", "english") in found
    assert (6, "resolved_at", "2027-01-03 09:00") in found
    assert (7, "tier_resolved", "Tier 4") in found
    assert (8, "handle_minutes", "-3") in found
    assert len(found) == 6
    assert all(problem.file == "tickets" for problem in error.value.problems)


def test_tier_spellings():
    text = "created_at,language,tier_resolved\n" + "".join(
        f"2027-01-04 09:0{i},en,{tier}\n"
        for i, tier in enumerate(["l1", "2", "Tier 3", ""])
    )

    tickets = read_tickets(io.StringIO(text))

    assert list(tickets["tier_resolved"].fillna("-")) == ["L1", "L2", "L3", "-"]


def test_spring_forward_gap_moves_forward():
    text = "created_at,language\n2027-03-28 02:30,de\n"

    tickets = read_tickets(io.StringIO(text), timezone_name="Europe/Berlin")

    # 02:30 does not exist in Berlin that night; read as 03:30 CEST = 01:30 UTC.
    assert tickets["created_at"].iloc[0] == pd.Timestamp("2027-03-28T01:30Z")


def test_repeated_autumn_hour_is_first_occurrence():
    text = "created_at,language\n2027-10-31 02:30,de\n"

    tickets = read_tickets(io.StringIO(text), timezone_name="Europe/Berlin")

    assert tickets["created_at"].iloc[0] == pd.Timestamp("2027-10-31T00:30Z")


def test_windows_code_page_csv(tmp_path):
    # Excel's plain "CSV" format writes the Windows code page (cp1252), not UTF-8.
    path = tmp_path / "export.csv"
    path.write_bytes("Créé le;Langue\r\n22/03/2027 09:00;fr\r\n".encode("cp1252"))

    tickets = read_tickets(
        path, mapping={"created_at": "Créé le", "language": "Langue"}
    )

    assert tickets["created_at"].iloc[0] == pd.Timestamp("2027-03-22T09:00Z")
    assert tickets["language"].iloc[0] == "fr"


def test_only_mapped_columns_are_read():
    text = 'created_at,language,notes\n2027-01-04 09:00,en,"=HYPERLINK(""x"")"\n'

    tickets = read_tickets(io.StringIO(text))

    assert list(tickets.columns) == ["created_at", "language"]


def test_jira_default_date_format():
    # Jira's CSV export writes dates as dd/MMM/yy h:mm AM/PM by default.
    text = (
        "Issue key,Created,Custom field (Language)\n"
        "SUP-3,04/Jan/27 9:10 PM,en\n"
        "SUP-4,12/Mar/27 10:15 AM,en\n"
    )

    tickets = read_tickets(io.StringIO(text), preset="jira").set_index("ticket_id")

    assert tickets.loc["SUP-3", "created_at"] == pd.Timestamp("2027-01-04T21:10Z")
    assert tickets.loc["SUP-4", "created_at"] == pd.Timestamp("2027-03-12T10:15Z")


def test_bad_mapping_files(tmp_path):
    toml = tmp_path / "map.toml"
    toml.write_text('created_at = 3\nlanguage = "lang"\n')
    csv = tmp_path / "map.csv"
    csv.write_text("name,column\ncreated_at,opened\n")
    broken = tmp_path / "broken.toml"
    broken.write_text("created_at = \n")

    with pytest.raises(ScenarioError) as not_text:
        read_mapping_file(toml)
    with pytest.raises(ScenarioError) as wrong_header:
        read_mapping_file(csv)
    with pytest.raises(ScenarioError) as invalid:
        read_mapping_file(broken)

    assert not_text.value.problems[0].column == "created_at"
    assert "column,source" in wrong_header.value.problems[0].message
    assert "invalid TOML" in invalid.value.problems[0].message
