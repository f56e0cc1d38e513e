"""Inputs as users really send them: damaged archives, odd encodings and extreme values."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fixtures.scenario_builder import MINIMAL, append_row, copy_minimal

from planner.csvread import read_csv_bytes
from planner.loading import load_scenario
from planner.problems import ScenarioError
from planner.scenario_sources import SCENARIO_FILES
from planner.settings_io import read_settings, settings_from_rows


def problems_of(path: Path) -> list:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def run_validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def zip_minimal(target: Path) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in sorted(MINIMAL.iterdir()):
            if path.name in SCENARIO_FILES:
                archive.write(path, path.name)
    return target


def set_flag_bits(data: bytearray, signature: bytes, offset: int) -> None:
    start = data.find(signature)
    while start >= 0:
        data[start + offset] |= 1
        start = data.find(signature, start + 4)


def test_zip_with_corrupt_member_is_a_problem(tmp_path):
    archive = zip_minimal(tmp_path / "crc.zip")
    data = bytearray(archive.read_bytes())
    data[data.find(b"agent_id,name")] = ord("A")
    archive.write_bytes(bytes(data))

    problems = problems_of(archive)

    assert len(problems) == 1
    assert problems[0].file == "crc.zip"
    assert "agents.csv" in problems[0].message


def test_zip_with_encrypted_member_is_a_problem(tmp_path):
    archive = zip_minimal(tmp_path / "locked.zip")
    data = bytearray(archive.read_bytes())
    set_flag_bits(data, b"PK\x03\x04", 6)
    set_flag_bits(data, b"PK\x01\x02", 8)
    archive.write_bytes(bytes(data))

    problems = problems_of(archive)

    assert problems[0].file == "locked.zip"
    assert "encrypted" in problems[0].message


def test_validate_cli_damaged_zip_exits_2(tmp_path):
    archive = zip_minimal(tmp_path / "locked.zip")
    data = bytearray(archive.read_bytes())
    set_flag_bits(data, b"PK\x03\x04", 6)
    set_flag_bits(data, b"PK\x01\x02", 8)
    archive.write_bytes(bytes(data))

    result = run_validate(archive)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("tiers.L1.aht_minutes", "inf"),
        ("tiers.L1.target_wait_minutes", "inf"),
        ("tiers.L1.patience_minutes", "inf"),
        ("rules.min_rest_hours", "inf"),
        ("solver.time_limit_seconds", "inf"),
        ("solver.weights.cost", "nan"),
    ],
)
def test_settings_reject_infinite_and_nan(key, value):
    section, leaf = key.rsplit(".", 1)
    text = f"week_start = 2027-03-22\n[{section}]\n{leaf} = {value}\n"
    from planner.settings_io import parse_toml

    raw, rows, _ = parse_toml(text, "scenario.toml")
    settings, problems = read_settings(raw, "scenario.toml", rows)

    assert settings is None
    assert [problem.column for problem in problems] == [key]
    assert problems[0].row == 3
    assert "finite" in problems[0].message


def test_demand_date_without_time_is_rejected(tmp_path):
    folder = copy_minimal(tmp_path / "scenario")
    row = append_row(
        folder / "demand.csv",
        {"interval_start": "2027-03-23", "language": "en", "arrivals": "1"},
    )

    problems = problems_of(folder)

    assert [(p.row, p.column, p.value) for p in problems] == [
        (row, "interval_start", "2027-03-23")
    ]


@pytest.mark.parametrize("tag", ["zh-Hant-TW", "sr-Latn-RS", "en-US-x-twain"])
def test_language_tag_with_several_subtags(tmp_path, tag):
    folder = copy_minimal(tmp_path / "scenario")
    append_row(
        folder / "demand.csv",
        {"interval_start": "2027-03-23T00:00:00Z", "language": tag, "arrivals": "1"},
    )
    scenario = load_scenario(folder)

    assert tag[:2] in set(scenario.demand["language"])


def test_utf16_csv_from_excel_reads(tmp_path):
    text = (MINIMAL / "agents.csv").read_text(encoding="utf-8").replace(",", "\t")
    data = text.replace("\n", "\r\n").encode("utf-16")

    table = read_csv_bytes(data, "agents.csv")

    assert list(table.frame.columns)[:3] == ["agent_id", "name", "tier"]
    assert table.frame.iloc[0]["name"] == "Ana Silva"


def test_settings_sheet_duplicate_key_is_reported():
    records = [
        (1, ["key", "value"]),
        (2, ["week_start", "2027-03-22"]),
        (3, ["tiers.L1.floor", 2]),
        (7, ["tiers.L1.floor", 3]),
    ]

    _, _, problems = settings_from_rows(records, "book.xlsx, sheet settings")

    assert [(p.row, p.column, p.value) for p in problems] == [
        (7, "tiers.L1.floor", "3")
    ]
    assert "row 3" in problems[0].message


def test_settings_list_item_problem_has_row_and_hint():
    from planner.settings_io import parse_toml

    text = 'week_start = 2027-03-22\n[rules]\nshift_hours = [8, "x"]\n'
    raw, rows, _ = parse_toml(text, "scenario.toml")

    _, problems = read_settings(raw, "scenario.toml", rows)

    assert len(problems) == 1
    assert problems[0].row == 3
    assert "shift lengths" in problems[0].fix


def test_requirements_cli_huge_handle_time_exits_2(tmp_path):
    folder = copy_minimal(tmp_path / "scenario")
    settings = folder / "scenario.toml"
    settings.write_text(
        settings.read_text().replace("aht_minutes = 10", "aht_minutes = 1e20")
    )
    out = tmp_path / "requirements.csv"

    result = subprocess.run(
        [sys.executable, "-m", "planner.cli", "requirements", str(folder)]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 2
    assert "agents would be needed" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("number", ["20270322", "0", "86400"])
def test_week_start_as_number_is_not_a_date(number):
    from planner.settings_io import parse_toml

    raw, rows, _ = parse_toml(f"week_start = {number}\n", "scenario.toml")

    settings, problems = read_settings(raw, "scenario.toml", rows)

    assert settings is None
    assert [(p.row, p.column, p.message) for p in problems] == [
        (1, "week_start", "is a number, not a date")
    ]


def test_scenario_toml_in_windows_1252_keeps_accents(tmp_path):
    folder = copy_minimal(tmp_path / "scenario")
    settings = folder / "scenario.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("Minimal two-language week", "Soporte José")
    settings.write_bytes(text.encode("cp1252"))

    assert load_scenario(folder).settings.name == "Soporte José"


def test_languages_as_a_list_from_an_editor():
    from planner.loading import build_scenario, scenario_to_tables

    settings, agents, demand, _ = scenario_to_tables(load_scenario(MINIMAL))
    agents = agents.astype(object)
    agents.at[0, "languages"] = ["en", "de"]

    scenario = build_scenario(settings, agents, demand)

    assert scenario.agents[0].languages == ("en", "de")


@pytest.mark.parametrize(
    ("written", "suggested"),
    [("UTC+1", "Etc/GMT-1"), ("GMT+2", "Etc/GMT-2"), ("UTC-05:00", "Etc/GMT+5")],
)
def test_fixed_offset_time_zone_gets_etc_name(written, suggested):
    from planner.validation import timezone_fix

    fix = timezone_fix(written)

    assert suggested in fix
    assert "'UTC'" not in fix
    assert "GMT+0" not in fix
