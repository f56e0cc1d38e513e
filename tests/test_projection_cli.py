"""``planner project`` and ``planner compare`` on small scenarios written to disk."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pandas as pd
import pytest

from planner.cli import main
from planner.csvsafe import write_csv
from planner.loading import write_scenario_folder
from planner.model import Agent, Scenario, Settings, Staffing, TierSettings
from planner.roster_io import roster_frame
from planner.shifts import make_shift

WEEK = date(2027, 3, 22)
COVERAGE_HEAD = ["interval_start", "queue", "required", "scheduled", "gap"]


def small_scenario(l2_floor: int = 0) -> Scenario:
    settings = Settings(
        name="two tiers, two days",
        week_start=WEEK,
        days=2,
        interval_minutes=60,
        tiers={
            "L1": TierSettings(
                aht_minutes=10, target_wait_minutes=10, escalation_rate=0.05, floor=1
            ),
            "L2": TierSettings(aht_minutes=20, target_wait_minutes=60, floor=l2_floor),
        },
        staffing=Staffing(shrinkage=0.2),
    )
    demand = pd.DataFrame(
        {"interval_start": settings.horizon.starts(), "language": "en", "arrivals": 6.0}
    )
    agents = tuple(
        Agent(
            agent_id=f"{tier}-{k}",
            tier=tier,
            languages=("en",),
            timezone="UTC",
            max_hours_week=40,
            max_days_week=7,
            night_ok=True,
            cost_per_hour=30.0 if tier == "L1" else 50.0,
        )
        for tier, count in (("L1", 3), ("L2", 1))
        for k in range(count)
    )
    return Scenario(settings=settings, agents=agents, demand=demand)


def small_roster(l2_hours: int = 8) -> list:
    shifts = []
    for day in range(2):
        local = WEEK + timedelta(days=day)
        for k in range(3):
            shifts.append(make_shift(f"L1-{k}", "UTC", local, time(8 * k), 8))
        shifts.append(make_shift("L2-0", "UTC", local, time(8), l2_hours))
    return shifts


@pytest.fixture
def case(tmp_path):
    scenario = small_scenario()
    folder = tmp_path / "scenario"
    write_scenario_folder(scenario, folder)
    roster = tmp_path / "roster.csv"
    write_csv(roster_frame(small_roster(), scenario), roster)
    return scenario, folder, roster


def test_project_writes_coverage_and_summary(case, tmp_path):
    _, folder, roster = case
    out = tmp_path / "out"

    status = main(["project", str(folder), "--roster", str(roster), "--out", str(out)])

    assert status == 0
    coverage = pd.read_csv(out / "coverage.csv")
    assert list(coverage.columns[:5]) == COVERAGE_HEAD
    assert {"service_level", "asa_minutes", "occupancy", "backlog"} <= set(
        coverage.columns
    )
    assert coverage["interval_start"].str.endswith("Z").all()
    assert len(coverage) == 48 * 4
    summary = json.loads((out / "summary.json").read_text())
    assert summary["paid_hours"] == pytest.approx(2 * 4 * 8)
    assert summary["cost"] == pytest.approx(2 * (3 * 8 * 30 + 8 * 50))
    assert summary["intervals_below_floor"] == 0
    assert summary["mttr_minutes"]["L2"] > summary["mttr_minutes"]["L1"]
    assert summary["mttr_minutes"]["L3"] is None
    assert "simulation" not in summary


def test_project_with_simulation(case, tmp_path):
    _, folder, roster = case
    out = tmp_path / "out"
    arguments = ["project", str(folder), "--roster", str(roster), "--out", str(out)]

    status = main([*arguments, "--simulate", "--replications", "3", "--seed", "2"])

    assert status == 0
    simulated = json.loads((out / "summary.json").read_text())["simulation"]
    assert simulated["replications"] == 3
    overall = simulated["mttr_minutes"]["overall"]
    assert overall["ci_low"] <= overall["mean"] <= overall["ci_high"]


def test_project_bad_roster_exits_2(case, tmp_path, capsys):
    _, folder, roster = case
    frame = pd.read_csv(roster)
    frame.loc[0, "agent_id"] = "nobody"
    frame.to_csv(roster, index=False)

    status = main(
        ["project", str(folder), "--roster", str(roster), "--out", str(tmp_path / "o")]
    )

    assert status == 2
    error = capsys.readouterr().err
    assert "roster.csv" in error
    assert "nobody" in error
    assert "Traceback" not in error


def test_project_missing_scenario_exits_2(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("agent_id\n")
    status = main(
        [
            "project",
            str(tmp_path / "absent"),
            "--roster",
            str(roster),
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 2
    assert "Traceback" not in capsys.readouterr().err


def test_project_below_floor_exits_3(tmp_path, capsys):
    scenario = small_scenario(l2_floor=1)
    folder = tmp_path / "scenario"
    write_scenario_folder(scenario, folder)
    roster = tmp_path / "roster.csv"
    write_csv(roster_frame(small_roster(), scenario), roster)

    status = main(
        ["project", str(folder), "--roster", str(roster), "--out", str(tmp_path / "o")]
    )

    assert status == 3
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    # L2 is staffed 08:00-16:00 only: 16 of 24 hours a day are below its floor of 1.
    assert summary["intervals_below_floor"] == 2 * 16
    assert summary["floor_violations"][0]["tier_or_queue"] == "L2"
    assert "below a floor" in capsys.readouterr().err


def test_compare_two_projections(case, tmp_path, capsys):
    scenario, folder, roster = case
    short = tmp_path / "short.csv"
    write_csv(roster_frame(small_roster(l2_hours=4), scenario), short)
    main(
        [
            "project",
            str(folder),
            "--roster",
            str(roster),
            "--out",
            str(tmp_path / "long"),
        ]
    )
    main(
        [
            "project",
            str(folder),
            "--roster",
            str(short),
            "--out",
            str(tmp_path / "short"),
        ]
    )
    capsys.readouterr()

    table_file = tmp_path / "table.csv"
    status = main(
        [
            "compare",
            str(tmp_path / "long"),
            str(tmp_path / "short"),
            "--csv",
            str(table_file),
        ]
    )

    assert status == 0
    printed = capsys.readouterr().out
    assert "MTTR L2 [min]" in printed
    table = pd.read_csv(table_file).set_index("metric")
    assert table.loc["paid hours", "difference"] == pytest.approx(-8)
    assert table.loc["MTTR L2 [min]", "short"] > table.loc["MTTR L2 [min]", "long"]


def test_compare_missing_summary_exits_2(tmp_path, capsys):
    status = main(["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert status == 2
    assert "Traceback" not in capsys.readouterr().err
