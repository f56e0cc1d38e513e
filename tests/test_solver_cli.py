"""``planner solve`` end to end on small scenario folders."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main

SCENARIO_TOML = """\
name = "CLI test"
week_start = 2027-03-22
days = 1
interval_minutes = 60

[tiers.L1]
aht_minutes = 12
service_level = 0.80
target_wait_minutes = 15
escalation_rate = 0.0
floor = 1

[rules]
shift_hours = [8]
start_step_minutes = 60
min_rest_hours = 11
max_consecutive_days = 6

[solver]
time_limit_seconds = 5
seed = 0
workers = 2
"""

AGENTS = [
    "agent_id,name,tier,languages,timezone,max_hours_week,max_days_week,night_ok",
    "a1,Ana,L1,en,UTC,40,5,true",
    "a2,Ben,L1,en,UTC,40,5,true",
    "a3,Cai,L1,en,UTC,40,5,true",
]


def write_scenario(folder: Path, agents: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(SCENARIO_TOML)
    (folder / "agents.csv").write_text("\n".join(agents) + "\n")
    demand = ["interval_start,language,arrivals"]
    demand += [f"2027-03-22T{hour:02d}:00:00Z,en,2.0" for hour in range(24)]
    (folder / "demand.csv").write_text("\n".join(demand) + "\n")
    return folder


def test_solve_writes_outputs(tmp_path, capsys):
    scenario = write_scenario(tmp_path / "ok", AGENTS)
    out = tmp_path / "out"
    status = main(["solve", str(scenario), "--out", str(out), "--time-limit", "5"])
    summary = json.loads((out / "summary.json").read_text())
    roster = pd.read_csv(out / "roster.csv")
    coverage = pd.read_csv(out / "coverage.csv")

    assert status == 0
    assert summary["status"] in ("OPTIMAL", "FEASIBLE")
    for key in (
        "objective",
        "best_bound",
        "gap",
        "wall_seconds",
        "paid_hours",
        "cost",
        "intervals_below_floor",
        "intervals_below_requirement",
        "mttr_minutes",
        "penalties",
        "floor_violations",
        "proposals",
    ):
        assert key in summary
    assert summary["intervals_below_floor"] == 0
    assert set(summary["mttr_minutes"]) >= {"overall", "L1", "L2", "L3"}
    assert list(roster.columns) == [
        "agent_id",
        "name",
        "tier",
        "timezone",
        "date_local",
        "start_local",
        "end_local",
        "start_utc",
        "end_utc",
        "paid_hours",
    ]
    assert list(coverage.columns) == [
        "interval_start",
        "queue",
        "required",
        "scheduled",
        "gap",
    ]
    assert summary["paid_hours"] == roster["paid_hours"].sum()
    assert "solution 1:" in capsys.readouterr().err


def test_solve_below_floor_exits_3(tmp_path, capsys):
    day_agents = [AGENTS[0], "a1,Ana,L1,en,Europe/Berlin,40,5,false"]
    scenario = write_scenario(tmp_path / "day", day_agents)
    out = tmp_path / "out"
    status = main(["solve", str(scenario), "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text())
    err = capsys.readouterr().err

    assert status == 3
    assert summary["floor_violations"]
    assert summary["intervals_below_floor"] > 0
    assert summary["proposals"]
    assert "below a floor" in err
    assert "night rule" in err
    assert "proposal: Add 1 L1 agent" in err
    assert (out / "roster.csv").exists()


def test_solve_invalid_input_exits_2(tmp_path, capsys):
    bad = [AGENTS[0], "a1,Ana,L9,en,Mars/Olympus,40,5,true"]
    scenario = write_scenario(tmp_path / "bad", bad)
    status = main(["solve", str(scenario), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err

    assert status == 2
    assert "agents.csv" in err
    assert "Traceback" not in err


def test_solve_rejects_bad_option(tmp_path, capsys):
    scenario = write_scenario(tmp_path / "ok", AGENTS)
    status = main(
        ["solve", str(scenario), "--out", str(tmp_path / "o"), "--time-limit", "-1"]
    )

    assert status == 2
    assert "--time-limit must be a positive number" in capsys.readouterr().err


def test_solve_missing_scenario_exits_2(tmp_path, capsys):
    status = main(["solve", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])

    assert status == 2
    assert "Traceback" not in capsys.readouterr().err


def test_previous_roster_from_csv(tmp_path):
    scenario = write_scenario(tmp_path / "ok", AGENTS)
    previous = tmp_path / "previous.csv"
    previous.write_text(
        "agent_id,name,tier,timezone,date_local,start_local,end_local,start_utc,"
        "end_utc,paid_hours\n"
        "a1,Ana,L1,UTC,2027-03-21,2027-03-21T20:00:00+00:00,2027-03-22T04:00:00+00:00,"
        "2027-03-21T20:00:00Z,2027-03-22T04:00:00Z,8\n"
    )
    out = tmp_path / "out"
    status = main(
        ["solve", str(scenario), "--out", str(out), "--previous-roster", str(previous)]
    )
    roster = pd.read_csv(out / "roster.csv")
    starts = pd.to_datetime(
        roster.loc[roster["agent_id"] == "a1", "start_utc"], utc=True
    )

    assert status in (0, 3)
    assert (starts >= pd.Timestamp("2027-03-22T15:00:00Z")).all()


@pytest.mark.parametrize("flag", ["--warm-start", "--previous-roster"])
def test_unreadable_roster_exits_2(tmp_path, capsys, flag):
    scenario = write_scenario(tmp_path / "ok", AGENTS)
    broken = tmp_path / "broken.csv"
    broken.write_text("agent_id,start_utc\nzz,yesterday\n")
    status = main(
        ["solve", str(scenario), "--out", str(tmp_path / "o"), flag, str(broken)]
    )
    err = capsys.readouterr().err

    assert status == 2
    assert "broken.csv" in err
    assert "Traceback" not in err


def test_unwritable_output_exits_2(tmp_path, capsys):
    scenario = write_scenario(tmp_path / "ok", AGENTS)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    status = main(["solve", str(scenario), "--out", str(blocker / "out")])
    err = capsys.readouterr().err

    assert status == 2
    assert "cannot write to" in err
    assert "Traceback" not in err
