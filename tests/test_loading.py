"""Loading scenarios from folders, zips, workbooks and in-memory tables."""

from __future__ import annotations

import math
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fixtures.scenario_builder import (
    MINIMAL,
    append_row,
    copy_minimal,
    folder_to_workbook,
    folder_to_zip,
    read_rows,
    write_rows,
)

from planner.loading import (
    build_scenario,
    load_scenario,
    read_settings_bytes,
    read_table_bytes,
    scenario_to_tables,
    write_scenario_folder,
)
from planner.model import Scenario
from planner.problems import ScenarioError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def assert_same_scenario(first: Scenario, second: Scenario) -> None:
    assert first.settings == second.settings
    assert first.agents == second.agents
    assert first.timeoff == second.timeoff
    pd.testing.assert_frame_equal(first.demand, second.demand)


def test_minimal_folder_loads_typed_values():
    scenario = load_scenario(MINIMAL)
    ana = scenario.agents[0]
    assert ana.languages == ("en", "de")
    assert ana.timezone == "Europe/Berlin"
    assert ana.night_ok is True
    assert scenario.agents[2].max_hours_week == 37.5
    assert scenario.agents[2].min_hours_week == 0.0
    assert scenario.settings.tier_order == ["L1", "L2"]
    assert str(scenario.demand["interval_start"].dt.tz) == "UTC"
    assert scenario.languages == ["de", "en"]
    assert math.isclose(scenario.demand["arrivals"].sum(), 140.0)


def test_tier_section_keeps_that_tiers_defaults():
    settings = load_scenario(MINIMAL).settings
    assert settings.tiers["L2"].aht_minutes == 40
    assert settings.tiers["L2"].target_wait_minutes == 60
    assert settings.tiers["L2"].escalation_rate == 0.10


def test_timeoff_offsets_and_whole_local_days():
    absences = load_scenario(MINIMAL).timeoff
    assert absences[0].start == datetime(2027, 3, 23, 23, tzinfo=UTC)
    assert absences[0].end == datetime(2027, 3, 24, 23, tzinfo=UTC)
    # A date alone means whole days in the agent's zone, the end date included.
    assert absences[1].start == datetime(2027, 3, 26, 4, tzinfo=UTC)
    assert absences[1].end == datetime(2027, 3, 27, 4, tzinfo=UTC)


def test_folder_round_trip(tmp_path):
    scenario = load_scenario(MINIMAL)
    write_scenario_folder(scenario, tmp_path / "copy")
    assert_same_scenario(load_scenario(tmp_path / "copy"), scenario)


def test_round_trip_keeps_formula_like_names(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    rows = read_rows(folder / "agents.csv")
    rows[1][1] = "=HYPERLINK(1)"
    rows[2][1] = "@Ben"
    write_rows(folder / "agents.csv", rows)
    scenario = load_scenario(folder)
    write_scenario_folder(scenario, tmp_path / "copy")
    written = (tmp_path / "copy" / "agents.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in written
    reloaded = load_scenario(tmp_path / "copy")
    assert reloaded.agents[0].name == "=HYPERLINK(1)"
    assert_same_scenario(reloaded, scenario)


def test_write_removes_stale_timeoff(tmp_path):
    scenario = load_scenario(MINIMAL)
    target = copy_minimal(tmp_path / "s")
    without = scenario.model_copy(update={"timeoff": ()})
    write_scenario_folder(without, target)
    assert not (target / "timeoff.csv").exists()
    assert load_scenario(target).timeoff == ()


def test_tables_round_trip_through_build():
    scenario = load_scenario(MINIMAL)
    settings, agents, demand, timeoff = scenario_to_tables(scenario)
    assert list(agents.columns[:5]) == [
        "agent_id",
        "name",
        "tier",
        "languages",
        "timezone",
    ]
    assert agents.loc[0, "languages"] == "en;de"
    rebuilt = build_scenario(settings, agents, demand, timeoff, source="memory")
    assert rebuilt.source == "memory"
    assert_same_scenario(rebuilt, scenario)


def test_build_numbers_rows_like_a_spreadsheet():
    settings, agents, demand, timeoff = scenario_to_tables(load_scenario(MINIMAL))
    agents.loc[1, "timezone"] = "Mars/Olympus"
    with pytest.raises(ScenarioError) as caught:
        build_scenario(settings, agents, demand, timeoff)
    (problem,) = caught.value.problems
    assert problem.file == "agents.csv"
    assert problem.row == 3
    assert problem.column == "timezone"
    assert problem.value == "Mars/Olympus"


def test_build_accepts_text_cells_from_an_editor():
    settings, agents, demand, _ = scenario_to_tables(load_scenario(MINIMAL))
    agents = agents.astype(str)
    agents.loc[0, "max_hours_week"] = "37,5"
    demand = demand.assign(
        interval_start=demand["interval_start"].map(lambda t: t.isoformat())
    )
    scenario = build_scenario(settings, agents, demand, None)
    assert scenario.agents[0].max_hours_week == 37.5
    assert scenario.timeoff == ()


def test_excel_dialect_fixture_loads():
    raw = (FIXTURES / "excel_dialect" / "agents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    assert b";37,5;" in raw
    scenario = load_scenario(FIXTURES / "excel_dialect")
    first = scenario.agents[0]
    assert first.name == "Jürgen Groß"
    assert first.max_hours_week == 37.5
    assert first.cost_per_hour == 30.5
    assert first.languages == ("en", "de")
    assert first.night_ok is True
    assert scenario.agents[1].night_ok is False
    assert scenario.agents[2].languages == ("en", "de")
    pd.testing.assert_frame_equal(scenario.demand, load_scenario(MINIMAL).demand)


@pytest.mark.parametrize("delimiter", ["\t", "|", ";"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    folder = copy_minimal(tmp_path / "s")
    rows = read_rows(folder / "demand.csv")
    text = "\n".join(delimiter.join(row) for row in rows) + "\n"
    (folder / "demand.csv").write_text(text, encoding="utf-8")
    loaded = load_scenario(folder)
    pd.testing.assert_frame_equal(loaded.demand, load_scenario(MINIMAL).demand)


def test_headers_and_cells_are_normalised(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    rows = read_rows(folder / "agents.csv")
    rows[0] = [f"  {name.upper()} " for name in rows[0]]
    rows[1] = [f" {cell} " for cell in rows[1]]
    rows[1][3] = " EN | DE "
    write_rows(folder / "agents.csv", rows)
    assert load_scenario(folder).agents == load_scenario(MINIMAL).agents


def test_blank_lines_keep_row_numbers(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    text = (folder / "agents.csv").read_text(encoding="utf-8").splitlines()
    text.insert(2, "")
    text[3] = text[3].replace("America/New_York", "America/New_Yrok")
    (folder / "agents.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    assert [problem.row for problem in caught.value.problems] == [4]


def test_duplicate_demand_rows_add_up(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    append_row(
        folder / "demand.csv",
        {
            "interval_start": "2027-03-22T01:00:00+01:00",
            "language": "de",
            "arrivals": "2",
        },
    )
    demand = load_scenario(folder).demand
    first = demand[demand["interval_start"] == pd.Timestamp("2027-03-22T00:00Z")]
    assert first.set_index("language")["arrivals"].to_dict() == {"de": 3.5, "en": 2.0}


def test_unknown_extra_column_is_ignored(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    rows = read_rows(folder / "agents.csv")
    rows[0].append("email")
    for row in rows[1:]:
        row.append("someone@example.org")
    write_rows(folder / "agents.csv", rows)
    assert load_scenario(folder).agents == load_scenario(MINIMAL).agents


def test_scenario_toml_path_loads_its_folder():
    assert (
        load_scenario(MINIMAL / "scenario.toml").agents == load_scenario(MINIMAL).agents
    )


@pytest.mark.parametrize("nested", ["", "week12"])
def test_zip_of_folder(tmp_path, nested):
    archive = folder_to_zip(MINIMAL, tmp_path / "scenario.zip", nested)
    scenario = load_scenario(archive)
    assert scenario.source == str(archive)
    assert_same_scenario(scenario, load_scenario(MINIMAL))


def test_zip_without_settings(tmp_path):
    target = tmp_path / "bad.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.write(MINIMAL / "agents.csv", "agents.csv")
        archive.write(MINIMAL / "demand.csv", "demand.csv")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(target)
    assert [(p.file, p.message) for p in caught.value.problems] == [
        ("scenario.toml", "missing file")
    ]


def test_damaged_zip_is_a_problem(tmp_path):
    target = tmp_path / "broken.zip"
    target.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(target)
    assert "zip" in caught.value.problems[0].message


@pytest.mark.parametrize("layout", ["dotted", "sections"])
def test_workbook_matches_folder(tmp_path, layout):
    book = folder_to_workbook(MINIMAL, tmp_path / "scenario.xlsx", layout)
    assert_same_scenario(load_scenario(book), load_scenario(MINIMAL))


def test_workbook_date_cells_are_utc(tmp_path):
    book_path = folder_to_workbook(MINIMAL, tmp_path / "scenario.xlsx")
    book = openpyxl.load_workbook(book_path)
    sheet = book["demand"]
    for row in sheet.iter_rows(min_row=2):
        stamp = pd.Timestamp(row[0].value)
        row[0].value = stamp.tz_convert("UTC").tz_localize(None).to_pydatetime()
    book["settings"]["B3"] = datetime(2027, 3, 22)
    book.save(book_path)
    assert_same_scenario(load_scenario(book_path), load_scenario(MINIMAL))


def test_workbook_timeoff_date_cells_are_local_days(tmp_path):
    book_path = folder_to_workbook(MINIMAL, tmp_path / "scenario.xlsx")
    book = openpyxl.load_workbook(book_path)
    sheet = book["timeoff"]
    for cell in ("B2", "C2"):
        sheet[cell] = datetime(2027, 3, 24)
        sheet[cell].number_format = "dd.mm.yyyy"
    book.save(book_path)
    absence = load_scenario(book_path).timeoff[0]
    # Agent a1 works in Europe/Berlin (UTC+1 that day): all of 24 March, local time.
    assert absence.start == datetime(2027, 3, 23, 23, tzinfo=UTC)
    assert absence.end == datetime(2027, 3, 24, 23, tzinfo=UTC)


def test_workbook_sheet_names_are_flexible(tmp_path):
    book_path = folder_to_workbook(MINIMAL, tmp_path / "scenario.xlsx")
    book = openpyxl.load_workbook(book_path)
    book["settings"].title = "Scenario"
    book["timeoff"].title = "Time Off"
    book.save(book_path)
    assert len(load_scenario(book_path).timeoff) == 2


def test_workbook_problem_names_sheet_and_row(tmp_path):
    book_path = folder_to_workbook(MINIMAL, tmp_path / "scenario.xlsx")
    book = openpyxl.load_workbook(book_path)
    book["agents"]["C4"] = "L9"
    book.save(book_path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(book_path)
    (problem,) = caught.value.problems
    assert problem.file == "scenario.xlsx, sheet agents"
    assert problem.row == 4
    assert problem.column == "tier"
    assert problem.value == "L9"


def test_workbook_missing_sheets(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.save(tmp_path / "empty.xlsx")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "empty.xlsx")
    messages = [problem.message for problem in caught.value.problems]
    assert "missing sheet 'settings'" in messages
    assert "missing sheet 'agents'" in messages
    assert "missing sheet 'demand'" in messages


def test_not_a_workbook(tmp_path):
    (tmp_path / "fake.xlsx").write_text("hello")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "fake.xlsx")
    assert "Excel" in caught.value.problems[0].message


def test_missing_path_and_unknown_kind(tmp_path):
    with pytest.raises(ScenarioError) as missing:
        load_scenario(tmp_path / "nowhere")
    assert missing.value.problems[0].message == "not found"
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ScenarioError) as unknown:
        load_scenario(tmp_path / "notes.txt")
    assert "not a scenario" in unknown.value.problems[0].message


def _write_tickets(path: Path, weeks: int) -> None:
    """Two tickets every hour (en at :10, de at :40) for whole weeks from 2027-03-01."""
    start = datetime(2027, 3, 1, tzinfo=UTC)
    lines = ["created_at,language"]
    for hour in range(weeks * 7 * 24):
        moment = start + timedelta(hours=hour)
        lines.append(f"{(moment + timedelta(minutes=10)).isoformat()},en")
        lines.append(f"{(moment + timedelta(minutes=40)).isoformat()},de")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_tickets_instead_of_demand(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    (folder / "demand.csv").unlink()
    _write_tickets(folder / "tickets.csv", weeks=3)
    scenario = load_scenario(folder)
    per_language = scenario.demand.groupby("language")["arrivals"].sum()
    # One ticket per hour and language over a 7-day horizon.
    assert per_language.to_dict() == pytest.approx({"de": 168.0, "en": 168.0})
    assert len(scenario.demand) == 2 * 168


def test_tickets_too_short_is_a_problem(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    (folder / "demand.csv").unlink()
    (folder / "tickets.csv").write_text(
        "created_at,language\n2027-03-01T10:00:00Z,en\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    problem = caught.value.problems[0]
    assert problem.file == "tickets.csv"
    assert "complete week" in problem.message


def test_workbook_tickets_sheet(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    (folder / "demand.csv").unlink()
    _write_tickets(tmp_path / "tickets.csv", weeks=2)
    book_path = folder_to_workbook(folder, tmp_path / "s.xlsx")
    book = openpyxl.load_workbook(book_path)
    sheet = book.create_sheet("tickets")
    for row in read_rows(tmp_path / "tickets.csv"):
        sheet.append(row)
    book.save(book_path)
    per_language = load_scenario(book_path).demand.groupby("language")["arrivals"].sum()
    assert per_language.to_dict() == pytest.approx({"de": 168.0, "en": 168.0})


def test_single_file_readers():
    raw = (FIXTURES / "excel_dialect" / "agents.csv").read_bytes()
    agents = read_table_bytes(raw, "agents.csv")
    assert list(agents.columns[:3]) == ["agent_id", "name", "tier"]
    assert agents.loc[0, "max_hours_week"] == "37,5"
    settings = read_settings_bytes((MINIMAL / "scenario.toml").read_bytes())
    assert settings["tiers"]["L1"]["floor"] == 1
    with pytest.raises(ScenarioError) as caught:
        read_settings_bytes(b"name = ")
    assert caught.value.problems[0].message.startswith("invalid TOML")


def test_windows_1252_file_loads(tmp_path):
    folder = copy_minimal(tmp_path / "s")
    text = (
        (folder / "agents.csv")
        .read_text(encoding="utf-8")
        .replace("Ana Silva", "Jürgen Groß")
    )
    (folder / "agents.csv").write_bytes(text.encode("cp1252"))
    assert load_scenario(folder).agents[0].name == "Jürgen Groß"
