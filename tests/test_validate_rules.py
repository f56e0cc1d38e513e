"""One test per validation rule: each names file, row, column, value and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.scenario_builder import (
    append_row,
    copy_minimal,
    folder_to_workbook,
    set_cell,
)

from planner.loading import load_scenario
from planner.problems import Problem, ScenarioError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, [str(problem) for problem in problems]
    return problems[0]


def edit_toml(folder: Path, old: str, new: str) -> None:
    path = folder / "scenario.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def folder(tmp_path) -> Path:
    return copy_minimal(tmp_path / "scenario")


# Agents ----------------------------------------------------------------------------


def test_timezone_misspelt_suggests_closest(folder):
    set_cell(folder / "agents.csv", 2, "timezone", "Europe/Berlim")
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.column) == ("agents.csv", 2, "timezone")
    assert problem.value == "Europe/Berlim"
    assert problem.message == "unknown time zone"
    assert "'Europe/Berlin'" in problem.fix


def test_timezone_wrong_case_suggests_exact_name(folder):
    set_cell(folder / "agents.csv", 3, "timezone", "america/new_york")
    problem = only_problem(folder)
    assert problem.row == 3
    assert "'America/New_York'" in problem.fix
    assert "case-sensitive" in problem.fix


def test_timezone_offset_text_is_rejected(folder):
    set_cell(folder / "agents.csv", 2, "timezone", "GMT+1 Berlin")
    problem = only_problem(folder)
    assert problem.message == "unknown time zone"
    assert "IANA" in problem.fix


def test_unknown_tier(folder):
    set_cell(folder / "agents.csv", 4, "tier", "L4")
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.value) == (4, "tier", "L4")
    assert problem.message == "unknown tier"


def test_tier_not_defined_in_settings(folder):
    set_cell(folder / "agents.csv", 4, "tier", "L3")
    problem = only_problem(folder)
    assert (problem.row, problem.column) == (4, "tier")
    assert "not defined" in problem.message
    assert "[tiers.L3]" in problem.fix


def test_duplicate_agent_id(folder):
    set_cell(folder / "agents.csv", 4, "agent_id", "a1")
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.value) == (4, "agent_id", "a1")
    assert "row 2" in problem.message


def test_empty_agent_id(folder):
    set_cell(folder / "agents.csv", 4, "agent_id", "  ")
    problem = only_problem(folder)
    assert (problem.row, problem.column) == (4, "agent_id")


def test_unknown_language_in_agents(folder):
    set_cell(folder / "agents.csv", 2, "languages", "en;ger")
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.value) == (2, "languages", "en;ger")
    assert "'ger'" in problem.message
    assert "'de'" in problem.fix


def test_language_tags_mean_their_language(folder):
    set_cell(folder / "agents.csv", 2, "languages", "EN-gb | de_AT")
    set_cell(folder / "demand.csv", 2, "language", "en-US")
    scenario = load_scenario(folder)
    assert scenario.agents[0].languages == ("en", "de")
    assert scenario.languages == ["de", "en"]


def test_agent_languages_without_demand(folder):
    set_cell(folder / "agents.csv", 3, "languages", "fr;ja")
    problem = only_problem(folder)
    assert (problem.row, problem.column) == (3, "languages")
    assert "de, en" in problem.message


def test_max_hours_below_min_hours(folder):
    set_cell(folder / "agents.csv", 2, "min_hours_week", "45")
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.value) == (2, "max_hours_week", "40")
    assert "below min_hours_week" in problem.message


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("min_hours_week", "-5", "is negative"),
        ("cost_per_hour", "-1", "is negative"),
        ("max_hours_week", "0", "is zero"),
        ("max_hours_week", "forty", "is not a number"),
        ("max_days_week", "8", "is more than 7 days"),
        ("max_days_week", "4.5", "is not a whole number"),
        ("night_ok", "sometimes", "is not true or false"),
    ],
)
def test_agent_numbers_and_flags(folder, column, value, message):
    set_cell(folder / "agents.csv", 3, column, value)
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.value) == (3, column, value)
    assert problem.message == message
    assert problem.fix.startswith("Use ")


def test_missing_required_agent_column(folder):
    path = folder / "agents.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = [",".join(line.split(",")[:4] + line.split(",")[5:]) for line in lines]
    path.write_text("\n".join(cut) + "\n", encoding="utf-8")
    problem = only_problem(folder)
    assert (problem.file, problem.row) == ("agents.csv", 1)
    assert problem.message == "missing required column 'timezone'"


def test_misspelt_optional_column(folder):
    path = folder / "agents.csv"
    text = path.read_text(encoding="utf-8").replace("night_ok", "nite_ok", 1)
    path.write_text(text, encoding="utf-8")
    problem = only_problem(folder)
    assert problem.column == "nite_ok"
    assert "'night_ok'" in problem.fix


def test_empty_agents_file(folder):
    path = folder / "agents.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n")
    (folder / "timeoff.csv").unlink()
    problem = only_problem(folder)
    assert (problem.file, problem.message) == ("agents.csv", "no agents")


# Demand ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3", "is negative"),
        ("many", "is not a number"),
        ("nan", "is not a finite number"),
    ],
)
def test_bad_arrivals(folder, value, message):
    set_cell(folder / "demand.csv", 5, "arrivals", value)
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.column) == ("demand.csv", 5, "arrivals")
    assert problem.value == value
    assert problem.message == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2027-03-22T00:15:00Z", "not on the 60-minute interval grid"),
        ("2027-03-29T00:00:00Z", "outside the horizon"),
        ("2027-03-21T23:00:00Z", "outside the horizon"),
        ("2027-03-22T06:00:00", "has no UTC offset"),
        ("22.03.2027 06:00", "is not an ISO 8601 date-time"),
    ],
)
def test_bad_interval_start(folder, value, message):
    set_cell(folder / "demand.csv", 3, "interval_start", value)
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.value) == (3, "interval_start", value)
    assert problem.message.startswith(message)


def test_interval_start_with_offset_on_grid(folder):
    set_cell(folder / "demand.csv", 3, "interval_start", "2027-03-22T05:45:00+05:45")
    scenario = load_scenario(folder)
    assert scenario.demand["interval_start"].min().hour == 0


def test_unknown_demand_language(folder):
    set_cell(folder / "demand.csv", 2, "language", "english")
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.value) == (2, "language", "english")
    assert "'en'" in problem.fix


def test_missing_demand_column(folder):
    path = folder / "demand.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    problem = only_problem(folder)
    assert problem.message == "missing required column 'arrivals'"


def test_missing_demand_file(folder):
    (folder / "demand.csv").unlink()
    problem = only_problem(folder)
    assert (problem.file, problem.message) == ("demand.csv", "missing file")
    assert "tickets.csv" in problem.fix


# Time off --------------------------------------------------------------------------


def test_timeoff_unknown_agent(folder):
    set_cell(folder / "timeoff.csv", 2, "agent_id", "a11")
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.column) == ("timeoff.csv", 2, "agent_id")
    assert problem.message == "unknown agent_id"
    assert "'a1'" in problem.fix


def test_timeoff_end_before_start(folder):
    append_row(
        folder / "timeoff.csv",
        {
            "agent_id": "a2",
            "start": "2027-03-25T10:00:00Z",
            "end": "2027-03-25T10:00:00Z",
        },
    )
    problem = only_problem(folder)
    assert (problem.row, problem.column) == (4, "end")
    assert problem.message == "end is not after start"


def test_timeoff_without_offset(folder):
    set_cell(folder / "timeoff.csv", 2, "start", "2027-03-24T08:00")
    problem = only_problem(folder)
    assert (problem.row, problem.column, problem.message) == (
        2,
        "start",
        "has no UTC offset",
    )


def test_timeoff_of_invalid_agent_is_not_reported_twice(folder):
    set_cell(folder / "agents.csv", 2, "timezone", "Nowhere/City")
    problems = problems_of(folder)
    assert [problem.file for problem in problems] == ["agents.csv"]


# Settings --------------------------------------------------------------------------


def test_misspelt_nested_key(folder):
    edit_toml(folder, "service_level = 0.8", "servce_level = 0.8")
    problem = only_problem(folder)
    assert problem.file == "scenario.toml"
    assert problem.column == "tiers.L1.servce_level"
    assert problem.row == 8
    assert "'service_level'" in problem.fix


def test_misspelt_top_level_key(folder):
    edit_toml(folder, "interval_minutes = 60", "interval_minute = 60")
    problem = only_problem(folder)
    assert problem.column == "interval_minute"
    assert "'interval_minutes'" in problem.fix


def test_key_in_wrong_section(folder):
    edit_toml(folder, "[staffing]\nshrinkage = 0.25", "shrinkage = 0.25\n[staffing]")
    problem = only_problem(folder)
    assert problem.column == "tiers.L2.shrinkage"
    assert "[staffing]" in problem.fix


def test_misspelt_section(folder):
    edit_toml(folder, "[staffing]", "[stafing]")
    problem = only_problem(folder)
    assert problem.column == "stafing"
    assert "'staffing'" in problem.fix


def test_unknown_tier_section(folder):
    edit_toml(folder, "[tiers.L2]", "[tiers.l2]")
    problem = only_problem(folder)
    assert problem.column == "tiers.l2"
    assert "[tiers.L2]" in problem.fix


def test_missing_week_start(folder):
    edit_toml(folder, "week_start = 2027-03-22\n", "")
    problem = only_problem(folder)
    assert (problem.column, problem.message) == ("week_start", "week_start is missing")
    assert "week_start = " in problem.fix


@pytest.mark.parametrize(
    ("old", "new", "column", "message"),
    [
        ("service_level = 0.8", "service_level = 80", "tiers.L1.service_level", "must be at most 1"),
        ("escalation_rate = 0.2", "escalation_rate = -0.2", "tiers.L1.escalation_rate", "must be at least 0"),
        ("shrinkage = 0.25", "shrinkage = 1.0", "staffing.shrinkage", "must be less than 1"),
        ("[staffing]", "[staffing]\nmax_occupancy = 1.5", "staffing.max_occupancy", "must be at most 1"),
        ("floor = 1", "floor = -1", "tiers.L1.floor", "must be at least 0"),
        ("aht_minutes = 10", "aht_minutes = 0", "tiers.L1.aht_minutes", "must be greater than 0"),
        ("target_wait_minutes = 15", "target_wait_minutes = -1", "tiers.L1.target_wait_minutes", "must be at least 0"),
    ],
)  # fmt: skip
def test_settings_out_of_range(folder, old, new, column, message):
    edit_toml(folder, old, new)
    problem = only_problem(folder)
    assert (problem.file, problem.column, problem.message) == (
        "scenario.toml",
        column,
        message,
    )
    assert problem.fix.startswith(f"Set {column} to ")


@pytest.mark.parametrize(
    ("old", "new", "column", "message"),
    [
        ("days = 7", 'days = "seven"', "days", "is not a whole number"),
        ("aht_minutes = 10", 'aht_minutes = "long"', "tiers.L1.aht_minutes", "is not a number"),
        ("interval_minutes = 60", "interval_minutes = 20", "interval_minutes", "must be one of 15, 30 or 60"),
        ("week_start = 2027-03-22", 'week_start = "next monday"', "week_start", "is not a date"),
        ("shift_hours = [8]", "shift_hours = [30]", "rules.shift_hours", "shift_hours must lie in (0, 24], got 30.0"),
    ],
)  # fmt: skip
def test_settings_wrong_types(folder, old, new, column, message):
    edit_toml(folder, old, new)
    problem = only_problem(folder)
    assert (problem.column, problem.message) == (column, message)
    assert "Input should" not in problem.message


def test_settings_text_values_from_a_table():
    from planner.settings_io import read_settings

    raw = {
        "name": 2027,
        "week_start": "2027-03-22",
        "interval_minutes": "15",
        "tiers": {"L1": {"service_level": "0,9", "floor": "3"}},
        "rules": {"shift_hours": "8;10"},
    }
    settings, problems = read_settings(raw, "scenario.toml")
    assert problems == []
    assert settings.name == "2027"
    assert settings.interval_minutes == 15
    assert settings.tiers["L1"].service_level == 0.9
    assert settings.tiers["L1"].floor == 3
    assert settings.rules.shift_hours == (8.0, 10.0)


def test_invalid_toml_syntax(folder):
    edit_toml(folder, 'name = "Minimal', 'name = "Minimal\n')
    problem = only_problem(folder)
    assert problem.file == "scenario.toml"
    assert problem.message.startswith("invalid TOML")
    assert problem.row == 1


# Whole scenarios and workbooks -----------------------------------------------------


def test_every_problem_is_collected():
    problems = problems_of(FIXTURES / "bad")
    files = {problem.file for problem in problems}
    assert files == {"scenario.toml", "agents.csv", "demand.csv", "timeoff.csv"}
    assert len(problems) >= 20
    for problem in problems:
        assert problem.message
        assert problem.fix
        assert "Input should" not in problem.message


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "column", "message"),
    [
        ("agents", "E2", "Europe/Berlim", "timezone", "unknown time zone"),
        ("agents", "A4", "a1", "agent_id", "duplicate agent_id (also on row 2)"),
        ("demand", "C4", -1, "arrivals", "is negative"),
        ("demand", "B2", "xx", "language", "unknown language code"),
        ("timeoff", "A2", "zz", "agent_id", "unknown agent_id"),
    ],
)
def test_workbook_rules(tmp_path, sheet, cell, value, column, message):
    import openpyxl

    path = folder_to_workbook(copy_minimal(tmp_path / "s"), tmp_path / "s.xlsx")
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)
    problem = only_problem(path)
    assert problem.file == f"s.xlsx, sheet {sheet}"
    assert problem.row == int(cell[1:])
    assert (problem.column, problem.message) == (column, message)


def test_workbook_settings_typo_names_its_row(tmp_path):
    import openpyxl

    path = folder_to_workbook(copy_minimal(tmp_path / "s"), tmp_path / "s.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["settings"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "tiers.L1.floor")
    row[0].value = "tiers.L1.flor"
    book.save(path)
    problem = only_problem(path)
    assert problem.file == "s.xlsx, sheet settings"
    assert problem.row == row[0].row
    assert problem.column == "tiers.L1.flor"
    assert "'floor'" in problem.fix
