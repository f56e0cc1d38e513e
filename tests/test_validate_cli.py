"""``planner validate`` run in-process: exit status and output."""

from __future__ import annotations

from pathlib import Path

from fixtures.scenario_builder import (
    MINIMAL,
    copy_minimal,
    folder_to_workbook,
    set_cell,
)

from planner.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_valid_scenario_summary(capsys):
    assert main(["validate", str(MINIMAL)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "is valid" in out
    assert "per tier:      L1 2, L2 1" in out
    assert "per language:  de 2, en 3" in out
    assert "America/New_York 1, Asia/Kathmandu 1, Europe/Berlin 1" in out
    assert "Tickets in the week of 2027-03-22: 140.0 (de 42.0, en 98.0)" in out


def test_two_week_horizon_counts_each_week(tmp_path, capsys):
    folder = copy_minimal(tmp_path / "s")
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace("days = 7", "days = 10"))
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "week of 2027-03-22: 140.0" in out
    assert "week of 2027-03-29 (3 days): 0.0" in out


def test_workbook_validates(tmp_path, capsys):
    book = folder_to_workbook(MINIMAL, tmp_path / "plan.xlsx")
    assert main(["validate", str(book)]) == 0
    assert "is valid" in capsys.readouterr().out


def test_problems_as_aligned_table(tmp_path, capsys):
    folder = copy_minimal(tmp_path / "s")
    set_cell(folder / "agents.csv", 3, "timezone", "Europe/Pariss")
    set_cell(folder / "demand.csv", 4, "arrivals", "-2")
    assert main(["validate", str(folder)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0].endswith("2 problem(s)")
    header, rule, first, second = lines[1:5]
    assert header.split() == ["file", "row", "column", "value", "problem", "fix"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert first.split()[:4] == ["agents.csv", "3", "timezone", "Europe/Pariss"]
    assert "Did you mean 'Europe/Paris'?" in first
    assert second.split()[:4] == ["demand.csv", "4", "arrivals", "-2"]
    # Columns line up: every field starts at the same offset as its header.
    for name in ("row", "column", "value", "problem"):
        start = header.index(name)
        assert first[start - 2 : start] == "  "
        assert first[start] != " "


def test_all_problems_listed_without_traceback(capsys):
    assert main(["validate", str(FIXTURES / "bad")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "22 problem(s)" in err
    assert "Did you mean 'service_level'?" in err


def test_missing_path(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err
    assert "Traceback" not in err


def test_unreadable_file_is_exit_2(tmp_path, capsys):
    book = tmp_path / "broken.xlsx"
    book.write_bytes(b"\x00\x01not a workbook")
    assert main(["validate", str(book)]) == 2
    assert "not a readable Excel workbook" in capsys.readouterr().err


def test_unserved_queue_is_a_warning(tmp_path, capsys):
    folder = copy_minimal(tmp_path / "s")
    set_cell(folder / "agents.csv", 4, "languages", "en")
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Warning: no agent can serve these queues, which have tickets: L2-de" in out


def test_no_warning_above_a_tier_without_escalation(tmp_path, capsys):
    folder = copy_minimal(tmp_path / "s")
    set_cell(folder / "agents.csv", 4, "languages", "en")
    toml = folder / "scenario.toml"
    toml.write_text(
        toml.read_text().replace("escalation_rate = 0.2", "escalation_rate = 0")
    )
    assert main(["validate", str(folder)]) == 0
    assert "Warning" not in capsys.readouterr().out
