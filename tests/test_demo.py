"""The bundled demo scenarios: reproducible from the public logs, valid, sized as stated."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from conftest import DEMO, REPO

BUSINESS = REPO / "data" / "demo-business-hours"
FILES = ("scenario.toml", "agents.csv", "demand.csv")


def load_derive_demo():
    spec = importlib.util.spec_from_file_location(
        "derive_demo", REPO / "data" / "derive_demo.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_demo_matches_derivation(shared_data, tmp_path):
    derive_demo = load_derive_demo()

    assert derive_demo.main(["--data", str(shared_data), "--out", str(tmp_path)]) == 0

    for folder, names in (
        ("demo", FILES),
        ("demo-business-hours", (*FILES, "timeoff.csv")),
    ):
        for name in names:
            committed = (REPO / "data" / folder / name).read_bytes()
            derived = (tmp_path / folder / name).read_bytes()
            assert committed == derived, (
                f"data/{folder}/{name} differs; rerun the script"
            )


@pytest.mark.parametrize("folder", [DEMO, BUSINESS])
def test_demo_loads_as_valid_scenario(folder):
    loading = pytest.importorskip("planner.loading", reason="scenario loading absent")

    scenario = loading.load_scenario(folder)

    assert str(scenario.settings.week_start) == "2027-03-22"
    assert scenario.horizon.n_intervals == 336
    assert len(scenario.languages) >= 5
    assert scenario.settings.tier_order == ["L1", "L2", "L3"]


def test_demo_week_contains_eu_clock_change():
    settings = tomllib.loads((DEMO / "scenario.toml").read_text())
    berlin = ZoneInfo("Europe/Berlin")
    start = pd.Timestamp(settings["week_start"], tz="UTC")
    end = start + pd.Timedelta(days=settings["days"])

    assert start.tz_convert(berlin).utcoffset() == pd.Timedelta(hours=1)
    assert end.tz_convert(berlin).utcoffset() == pd.Timedelta(hours=2)


def test_demo_roster_shape():
    agents = pd.read_csv(DEMO / "agents.csv")
    languages = {code for cell in agents["languages"] for code in cell.split(";")}

    assert 55 <= len(agents) <= 75
    assert agents["agent_id"].is_unique
    assert set(agents["tier"]) == {"L1", "L2", "L3"}
    assert agents["timezone"].nunique() >= 5
    assert "Asia/Kolkata" in set(agents["timezone"])
    assert len(languages) >= 5
    assert agents["night_ok"].any()
    assert agents["cost_per_hour"].nunique() > 5
    assert set(agents["max_hours_week"]) >= {24.0, 37.5, 40.0}


def test_demo_demand_grid():
    demand = pd.read_csv(DEMO / "demand.csv")
    starts = pd.to_datetime(demand["interval_start"], utc=True)

    assert demand["interval_start"].str.endswith("Z").all()
    assert starts.nunique() == 336
    assert len(demand) == 336 * demand["language"].nunique()
    assert (demand["arrivals"] >= 0).all()
    assert starts.min() == pd.Timestamp("2027-03-22T00:00Z")


def test_demo_floors_and_business_hours_variant():
    demo = tomllib.loads((DEMO / "scenario.toml").read_text())
    business = tomllib.loads((BUSINESS / "scenario.toml").read_text())
    agents = pd.read_csv(BUSINESS / "agents.csv")
    upper = agents[agents["tier"] != "L1"]
    timeoff = pd.read_csv(BUSINESS / "timeoff.csv")

    assert [demo["tiers"][tier]["floor"] for tier in ("L1", "L2", "L3")] == [2, 1, 1]
    assert [business["tiers"][tier]["floor"] for tier in ("L1", "L2", "L3")] == [
        2,
        0,
        0,
    ]
    assert not upper["night_ok"].any()
    assert upper["timezone"].nunique() == 1
    assert set(timeoff["agent_id"]) == set(upper["agent_id"])
    assert (BUSINESS / "demand.csv").read_bytes() == (DEMO / "demand.csv").read_bytes()


def test_business_hours_timeoff_leaves_weekdays_open():
    agents = pd.read_csv(BUSINESS / "agents.csv")
    zone = agents.loc[agents["tier"] == "L2", "timezone"].iloc[0]
    timeoff = pd.read_csv(BUSINESS / "timeoff.csv")
    one = timeoff[timeoff["agent_id"] == timeoff["agent_id"].iloc[0]]
    start = pd.to_datetime(one["start"], utc=True).dt.tz_convert(zone)
    end = pd.to_datetime(one["end"], utc=True).dt.tz_convert(zone)

    assert set(start.dt.hour) == {18}
    assert set(end.dt.hour) == {8}
    # Every workday of the target week is open 08:00-18:00 local, weekends closed.
    open_days = sorted({day.date() for day in end if day.day_of_week < 5})
    assert [
        str(day) for day in open_days if "2027-03-22" <= str(day) <= "2027-03-28"
    ] == [
        "2027-03-22",
        "2027-03-23",
        "2027-03-24",
        "2027-03-25",
        "2027-03-26",
    ]


def test_demo_requirements_fill_most_of_roster():
    requirements = pytest.importorskip(
        "planner.requirements", reason="staffing requirements absent"
    )
    loading = pytest.importorskip("planner.loading", reason="scenario loading absent")
    scenario = loading.load_scenario(DEMO)

    frame = requirements.compute_requirements(scenario)
    hours_per_interval = scenario.settings.interval_minutes / 60
    by_tier = frame.groupby(["interval_start", "tier"])["required"].sum().unstack()
    floors = {tier: scenario.settings.tiers[tier].floor for tier in by_tier.columns}
    needed = sum(
        by_tier[tier].clip(lower=floors[tier]).sum() for tier in by_tier.columns
    )
    capacity = sum(agent.max_hours_week for agent in scenario.agents)

    share = needed * hours_per_interval / capacity
    assert 0.70 <= share <= 0.92


def test_scenario_with_ticket_history(tmp_path):
    loading = pytest.importorskip("planner.loading", reason="scenario loading absent")
    for name in ("scenario.toml", "agents.csv"):
        (tmp_path / name).write_bytes((DEMO / name).read_bytes())
    # Two complete weeks (Mondays 2027-01-04 and 2027-01-11) with one ticket per
    # language at Monday 10:00 UTC, plus a ticket on the following Monday.
    rows = ["created_at,language"]
    for day in ("2027-01-04", "2027-01-11"):
        rows += [f"{day}T10:00:00Z,{code}" for code in ("en", "nl", "pl", "pt", "sv")]
    rows.append("2027-01-18T00:00:00Z,en")
    (tmp_path / "tickets.csv").write_text("\n".join(rows) + "\n")

    scenario = loading.load_scenario(tmp_path)

    demand = scenario.demand
    monday_ten = demand[demand["interval_start"] == pd.Timestamp("2027-03-22T10:00Z")]
    assert scenario.languages == ["en", "nl", "pl", "pt", "sv"]
    assert monday_ten["arrivals"].tolist() == pytest.approx([0.5] * 5)
    assert demand["arrivals"].sum() == pytest.approx(5.0)
