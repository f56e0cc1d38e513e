"""``planner demand``: writes demand.csv, reports the derivation, exits 2 on bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.cli import main

# The hand-checked history of test_demand.py: weeks of 01-04 and 01-11 used.
HISTORY = """\
ticket_id,created_at,language,resolved_at,tier_resolved,handle_minutes
A,2027-01-03T12:00:00Z,en,2027-01-03T13:00:00Z,L1,10
B,2027-01-04T09:10:00Z,en,2027-01-04T09:40:00Z,L1,20
C,2027-01-04T09:40:00Z,en,2027-01-04T11:40:00Z,L2,30
D,2027-01-04T09:50:00Z,de,2027-01-05T09:50:00Z,L3,90
E,2027-01-11T09:05:00Z,en,2027-01-11T09:15:00Z,L1,5
F,2027-01-12T23:59:00Z,de,,L2,
G,2027-01-20T10:00:00Z,en,2027-01-20T10:30:00Z,L1,15
"""


@pytest.fixture
def history_file(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(HISTORY)
    return path


def test_demand_command_writes_csv(history_file, tmp_path, capsys):
    out = tmp_path / "demand.csv"

    code = main(
        ["demand", str(history_file), "--week-start", "2027-03-22", "--out", str(out)]
    )

    assert code == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["interval_start", "language", "arrivals"]
    assert frame["interval_start"].iloc[0] == "2027-03-22T00:00:00Z"
    assert len(frame) == 336 * 2
    assert frame["arrivals"].sum() == pytest.approx(2.5)
    printed = capsys.readouterr().out
    assert "weeks used: 2 (2027-01-04 to 2027-01-11)" in printed
    assert "weeks dropped as incomplete: 2026-12-28, 2027-01-18" in printed
    assert "escalation rate L1: 0.429" in printed
    assert "AHT L1: 12.5 min" in printed
    assert "MTTR today: 281.7 min" in printed


def test_demand_command_mapping_and_timezone(tmp_path):
    tickets = tmp_path / "export.csv"
    tickets.write_bytes(
        "Opened;Lang\r\n"
        "04/01/2027 10:10;de\r\n"
        "11/01/2027 10:10;de\r\n"
        "20/01/2027 10:10;de\r\n".encode("utf-8-sig")
    )
    out = tmp_path / "demand.csv"

    code = main(
        [
            "demand", str(tickets), "--week-start", "2027-03-22", "--out", str(out),
            "--map", "created_at=Opened", "--map", "language=Lang",
            "--timezone", "Europe/Berlin", "--interval-minutes", "60",
        ]
    )  # fmt: skip

    assert code == 0
    frame = pd.read_csv(out)
    # Days 01-04 .. 01-20 hold the weeks of 01-04 and 01-11; 10:10 CET is 09:10 UTC.
    monday_nine = frame[frame["interval_start"] == "2027-03-22T09:00:00Z"]
    assert monday_nine["arrivals"].iloc[0] == pytest.approx(1.0)
    assert len(frame) == 168


def test_demand_command_since_until(history_file, tmp_path, capsys):
    out = tmp_path / "demand.csv"

    code = main(
        [
            "demand", str(history_file), "--week-start", "2027-03-22", "--out", str(out),
            "--since", "2027-01-04", "--until", "2027-01-11",
        ]
    )  # fmt: skip

    assert code == 0
    assert "weeks used: 1 (2027-01-04 to 2027-01-04)" in capsys.readouterr().out


def test_demand_command_bad_rows_exit_2(tmp_path, capsys):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("created_at,language\n2027-01-04 09:00,en\nsoon,xx\n")

    code = main(
        ["demand", str(tickets), "--week-start", "2027-03-22", "--out", "x.csv"]
    )

    assert code == 2
    err = capsys.readouterr().err
    assert "tickets.csv: 2 problem(s)" in err
    assert "soon" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "header, extra, expected",
    [
        ("opened,lang", ["--preset", "jira"], "no creation time column"),
        ("opened,lang", ["--map", "opened"], "not of the form name=Column"),
        ("created_at,language", ["--timezone", "Mars/Olympus"], "unknown time zone"),
        ("created_at,x", ["--default-language", "klingon"], "not an ISO 639-1"),
        ("created_at,x", [], "no language column"),
        ("created_at,x", ["--mapping", "absent.toml"], "cannot derive demand"),
    ],
)
def test_demand_command_bad_options_exit_2(tmp_path, capsys, header, extra, expected):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(f"{header}\n2027-01-04 09:00,en\n")

    code = main(
        ["demand", str(tickets), "--week-start", "2027-03-22", "--out", "x.csv", *extra]
    )

    assert code == 2
    assert expected in capsys.readouterr().err


def test_demand_command_short_history_exit_2(tmp_path, capsys):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("created_at,language\n2027-01-04 09:00,en\n")

    code = main(
        ["demand", str(tickets), "--week-start", "2027-03-22", "--out", "x.csv"]
    )

    assert code == 2
    assert "no complete week" in capsys.readouterr().err


def test_demand_command_missing_file_exit_2(tmp_path, capsys):
    code = main(
        [
            "demand",
            str(tmp_path / "none.csv"),
            "--week-start",
            "2027-03-22",
            "--out",
            "x",
        ]
    )

    assert code == 2
    assert "cannot derive demand" in capsys.readouterr().err
