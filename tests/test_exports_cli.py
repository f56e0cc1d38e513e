"""``planner export``: workbook and calendars from a solve's output folder."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import icalendar
import openpyxl
import pandas as pd
import pytest

from planner.cli import main
from planner.csvsafe import write_csv
from planner.loading import build_scenario, write_scenario_folder
from planner.model import Scenario
from planner.roster_io import roster_frame
from planner.shifts import make_shift

REPO = Path(__file__).resolve().parents[1]


def _scenario() -> Scenario:
    settings = {
        "name": "Export test",
        "week_start": "2027-03-22",
        "interval_minutes": 60,
    }
    agents = pd.DataFrame(
        {
            "agent_id": ["a1", "a2"],
            "name": ['=HYPERLINK("http://example.invalid")', "Kenji"],
            "tier": ["L1", "L2"],
            "languages": ["de", "ja;en"],
            "timezone": ["Europe/Berlin", "Asia/Tokyo"],
            "max_hours_week": [40, 40],
        }
    )
    demand = pd.DataFrame(
        {
            "interval_start": ["2027-03-22T08:00:00Z", "2027-03-22T08:00:00Z"],
            "language": ["de", "ja"],
            "arrivals": [2.0, 1.0],
        }
    )
    return build_scenario(settings, agents, demand, None)


@pytest.fixture
def solved(tmp_path: Path) -> tuple[Path, Path]:
    """A scenario folder and an output folder like the one ``planner solve`` writes."""
    scenario = _scenario()
    scenario_dir = tmp_path / "scenario"
    write_scenario_folder(scenario, scenario_dir)

    shifts = [
        make_shift("a1", "Europe/Berlin", date(2027, 3, 27), time(22), 8),
        make_shift("a1", "Europe/Berlin", date(2027, 3, 25), time(9), 8),
        make_shift("a2", "Asia/Tokyo", date(2027, 3, 23), time(9), 8),
    ]
    out = tmp_path / "out"
    out.mkdir()
    write_csv(roster_frame(shifts, scenario), out / "roster.csv")
    coverage = pd.DataFrame(
        {
            "interval_start": ["2027-03-22T08:00:00Z", "2027-03-22T08:00:00Z"],
            "queue": ["L1-de", "L1"],
            "required": [1, 2],
            "scheduled": [3, 1],
            "gap": [-2, 1],
        }
    )
    write_csv(coverage, out / "coverage.csv")
    summary = {
        "status": "FEASIBLE",
        "gap": 0.05,
        "mttr_minutes": {"overall": 30.5},
        "floor_violations": [
            {
                "interval_start": "2027-03-22T08:00:00Z",
                "tier_or_queue": "L1",
                "required": 2,
                "scheduled": 1,
                "reason": "=no agent",
            }
        ],
    }
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return scenario_dir, out


def test_export_default_workbook(solved: tuple[Path, Path]) -> None:
    _, out = solved

    assert main(["export", str(out)]) == 0

    book = openpyxl.load_workbook(out / "roster.xlsx")
    assert book.sheetnames == ["summary", "roster", "coverage", "floor_violations"]
    violation = book["floor_violations"][2]
    assert violation[2].value == 2
    assert violation[4].value == "'=no agent"
    roster = book["roster"]
    names = [cell.value for cell in roster["B"][1:]]
    assert '\'=HYPERLINK("http://example.invalid")' in names
    assert all(cell.data_type != "f" for row in roster.iter_rows() for cell in row)
    coverage = book["coverage"]
    assert coverage["E2"].value == -2
    assert coverage["E2"].data_type == "n"
    assert roster.freeze_panes == "A2"
    summary = dict(
        row for row in book["summary"].iter_rows(min_row=2, values_only=True)
    )
    assert summary["mttr_minutes.overall"] == 30.5
    assert not (out / "calendars").exists()


def test_export_calendars_with_scenario(
    solved: tuple[Path, Path], tmp_path: Path
) -> None:
    scenario_dir, out = solved
    ics_dir = tmp_path / "ics"
    xlsx = tmp_path / "book.xlsx"

    code = main(
        [
            "export",
            str(out),
            "--xlsx",
            str(xlsx),
            "--ics-dir",
            str(ics_dir),
            "--scenario",
            str(scenario_dir),
        ]
    )

    assert code == 0
    assert xlsx.is_file()
    assert sorted(path.name for path in ics_dir.iterdir()) == ["a1.ics", "a2.ics"]
    calendar = icalendar.Calendar.from_ical((ics_dir / "a1.ics").read_bytes())
    starts = sorted(event["dtstart"].to_ical() for event in calendar.walk("VEVENT"))
    assert starts == [b"20270325T080000Z", b"20270327T210000Z"]


def test_export_default_with_scenario_writes_both(solved: tuple[Path, Path]) -> None:
    scenario_dir, out = solved

    assert main(["export", str(out), "--scenario", str(scenario_dir)]) == 0

    assert (out / "roster.xlsx").is_file()
    assert (out / "calendars" / "a2.ics").is_file()


def test_export_calendars_need_scenario(
    solved: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = solved

    code = main(["export", str(out), "--ics-dir", str(tmp_path / "ics")])

    assert code == 2
    error = capsys.readouterr().err
    assert "--scenario" in error
    assert "Traceback" not in error
    assert not (tmp_path / "ics").exists()


def test_export_missing_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(tmp_path)]) == 2

    error = capsys.readouterr().err
    assert "roster.csv" in error
    assert "planner solve" in error


def test_export_roster_of_other_scenario(
    solved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    scenario_dir, out = solved
    roster = (out / "roster.csv").read_text(encoding="utf-8")
    (out / "roster.csv").write_text(roster.replace("a2,", "zz9,"), encoding="utf-8")

    code = main(["export", str(out), "--scenario", str(scenario_dir)])

    assert code == 2
    error = capsys.readouterr().err
    assert "roster.csv" in error
    assert "zz9" in error


def test_export_broken_summary(
    solved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = solved
    (out / "summary.json").write_text("{not json", encoding="utf-8")

    assert main(["export", str(out)]) == 2
    assert "summary.json" in capsys.readouterr().err

    (out / "summary.json").write_text("[1, 2]", encoding="utf-8")
    assert main(["export", str(out)]) == 2
    assert "not a JSON object" in capsys.readouterr().err


def test_export_console_script(solved: tuple[Path, Path]) -> None:
    _, out = solved
    planner = Path(sys.executable).with_name("planner")

    result = subprocess.run(
        [str(planner), "export", str(out), "--xlsx", str(out / "via-script.xlsx")],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )

    assert result.returncode == 0, result.stderr
    assert (out / "via-script.xlsx").is_file()
