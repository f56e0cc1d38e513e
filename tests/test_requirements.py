"""Requirements per interval and queue: tier flow, gross-up, floors and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from math import ceil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.erlang import agents_needed, service_level_c
from planner.model import Agent, Scenario, Settings, TierSettings
from planner.requirements import (
    compute_requirements,
    gross_up,
    l1_arrivals,
    shift_later,
    tier_arrivals,
    tier_requirements,
)
from tests.conftest import DEMO

WEEK = date(2027, 3, 22)
START = datetime(2027, 3, 22, tzinfo=UTC)


def make_scenario(
    demand: dict[tuple[int, str], float],
    tiers: dict[str, TierSettings],
    days: int = 1,
    interval_minutes: int = 30,
    shrinkage: float = 0.30,
    max_occupancy: float = 0.85,
) -> Scenario:
    """Build a scenario in code; ``demand`` maps (interval index, language) to arrivals."""
    step = timedelta(minutes=interval_minutes)
    rows = [
        {
            "interval_start": pd.Timestamp(START + index * step),
            "language": code,
            "arrivals": value,
        }
        for (index, code), value in demand.items()
    ]
    frame = pd.DataFrame(rows, columns=["interval_start", "language", "arrivals"])
    agents = tuple(
        Agent(
            agent_id=f"{tier}-1",
            tier=tier,
            languages=("en",),
            timezone="UTC",
            max_hours_week=40,
        )
        for tier in tiers
    )
    return Scenario(
        settings=Settings(
            week_start=WEEK,
            days=days,
            interval_minutes=interval_minutes,
            tiers=tiers,
            staffing={"shrinkage": shrinkage, "max_occupancy": max_occupancy},
        ),
        agents=agents,
        demand=frame,
    )


PUBLISHED_L1 = TierSettings(
    aht_minutes=3, service_level=0.80, target_wait_minutes=20 / 60, floor=0
)


def test_published_example_requirement():
    # 100 tickets per 30 minutes, AHT 3 min, 80% in 20 s, cap 85%, shrinkage 30%.
    scenario = make_scenario({(0, "en"): 100.0}, {"L1": PUBLISHED_L1})
    first = compute_requirements(scenario).iloc[0]

    assert first["workload_erlangs"] == pytest.approx(10.0)
    assert first["required_raw"] == 14
    assert first["required"] == 20


def test_rows_ordered_by_interval_then_queue():
    tiers = {"L1": TierSettings(escalation_rate=0.2), "L2": TierSettings()}
    scenario = make_scenario({(0, "fr"): 5.0, (3, "de"): 2.0}, tiers)
    frame = compute_requirements(scenario)

    assert len(frame) == 48 * 4
    assert frame["queue"].iloc[:4].tolist() == scenario.queues
    assert frame["queue"].iloc[:4].tolist() == ["L1-de", "L1-fr", "L2-de", "L2-fr"]
    assert frame["interval_start"].is_monotonic_increasing
    assert str(frame["interval_start"].dt.tz) == "UTC"
    assert frame["interval_start"].iloc[0] == pd.Timestamp(START)


def test_escalation_shifted_by_fractional_aht():
    # L1 AHT 45 min on 30-minute intervals: escalations land 1.5 intervals later,
    # half in interval 1 and half in interval 2.
    tiers = {
        "L1": TierSettings(aht_minutes=45, escalation_rate=0.2),
        "L2": TierSettings(aht_minutes=60),
    }
    scenario = make_scenario({(0, "en"): 10.0}, tiers)
    l2 = tier_arrivals(scenario)["L2"][:, 0]

    assert l2[1] == pytest.approx(1.0)
    assert l2[2] == pytest.approx(1.0)
    assert l2.sum() == pytest.approx(2.0)
    assert l2[0] == 0.0
    assert np.count_nonzero(l2) == 2


def test_escalation_chain_reaches_l3():
    # L2 AHT 60 min moves L2's escalations exactly 2 intervals on.
    tiers = {
        "L1": TierSettings(aht_minutes=30, escalation_rate=0.5),
        "L2": TierSettings(aht_minutes=60, escalation_rate=0.1),
        "L3": TierSettings(),
    }
    scenario = make_scenario({(4, "en"): 8.0}, tiers)
    flows = tier_arrivals(scenario)

    assert flows["L2"][5, 0] == pytest.approx(4.0)
    assert flows["L3"][7, 0] == pytest.approx(0.4)
    assert flows["L3"].sum() == pytest.approx(0.4)


def test_escalation_past_horizon_wraps():
    tiers = {
        "L1": TierSettings(aht_minutes=90, escalation_rate=1.0),
        "L2": TierSettings(),
    }
    scenario = make_scenario({(47, "en"): 6.0}, tiers)
    l2 = tier_arrivals(scenario)["L2"][:, 0]

    assert l2[2] == pytest.approx(6.0)
    assert l2.sum() == pytest.approx(6.0)


def test_only_l1_defined_escalations_leave():
    scenario = make_scenario(
        {(0, "en"): 10.0}, {"L1": TierSettings(escalation_rate=0.3)}
    )
    frame = compute_requirements(scenario)

    assert set(frame["tier"]) == {"L1"}
    assert frame["arrivals"].sum() == pytest.approx(10.0)


def test_missing_middle_tier_escalates_to_next_defined():
    tiers = {
        "L1": TierSettings(aht_minutes=30, escalation_rate=0.5),
        "L3": TierSettings(),
    }
    scenario = make_scenario({(0, "en"): 10.0}, tiers)
    frame = compute_requirements(scenario)

    l3 = frame[frame["queue"] == "L3-en"]
    assert l3["arrivals"].iloc[1] == pytest.approx(5.0)


def test_workload_is_arrivals_times_aht_over_interval():
    tiers = {"L1": TierSettings(aht_minutes=12, escalation_rate=0.0)}
    scenario = make_scenario({(5, "en"): 7.5}, tiers, interval_minutes=15)
    row = compute_requirements(scenario).iloc[5]

    assert row["workload_erlangs"] == pytest.approx(7.5 * 12 / 15)


def test_zero_arrivals_need_only_language_floor():
    tiers = {"L1": TierSettings(language_floor=1, floor=3)}
    scenario = make_scenario({(10, "en"): 4.0, (11, "ja"): 0.0}, tiers)
    frame = compute_requirements(scenario)
    quiet = frame[frame["arrivals"] == 0]

    assert len(quiet) > 0
    assert (quiet["required_raw"] == 0).all()
    assert (quiet["required"] == 1).all()


def test_language_floor_raises_small_requirement():
    tiers = {"L1": TierSettings(language_floor=5)}
    scenario = make_scenario({(0, "en"): 1.0}, tiers)
    first = compute_requirements(scenario).iloc[0]

    assert first["required_raw"] < 5
    assert first["required"] == 5


def test_gross_up_exact_at_thirty_percent():
    assert gross_up(np.array([21]), 0.30).tolist() == [30]
    assert gross_up(np.array([14]), 0.30).tolist() == [20]
    assert gross_up(np.array([9]), 0.10).tolist() == [10]
    assert gross_up(np.array([0]), 0.30).tolist() == [0]


@settings(max_examples=50, deadline=None)
@given(raw=st.integers(0, 5000), percent=st.integers(0, 95))
def test_gross_up_matches_exact_fractions(raw, percent):
    expected = ceil(Fraction(raw) / (1 - Fraction(percent, 100)))
    assert gross_up(np.array([raw]), percent / 100).tolist() == [expected]


def test_patience_switches_to_erlang_a():
    impatient = TierSettings(
        aht_minutes=6,
        service_level=0.8,
        target_wait_minutes=1,
        patience_minutes=1.0,
        floor=0,
    )
    scenario = make_scenario({(0, "en"): 100.0}, {"L1": impatient}, max_occupancy=1.0)
    first = compute_requirements(scenario).iloc[0]

    expected = agents_needed(20.0, 6, 1, 0.8, 1.0, patience=1.0)
    erlang_c_count = agents_needed(20.0, 6, 1, 0.8, 1.0)
    assert first["required_raw"] == expected
    assert expected != erlang_c_count


def test_tier_requirements_floor_or_sum():
    tiers = {"L1": TierSettings(floor=3, aht_minutes=3, target_wait_minutes=1 / 3)}
    scenario = make_scenario({(0, "en"): 100.0, (0, "de"): 100.0}, tiers)
    requirements = compute_requirements(scenario)
    tier_rows = tier_requirements(requirements, scenario)

    assert list(tier_rows.columns) == ["interval_start", "tier", "required"]
    assert len(tier_rows) == 48
    assert tier_rows["required"].iloc[0] == 40
    assert (tier_rows["required"].iloc[1:] == 3).all()


def test_tier_requirements_without_demand_keep_floor():
    tiers = {"L1": TierSettings(floor=2), "L2": TierSettings(floor=1)}
    scenario = make_scenario({}, tiers)
    requirements = compute_requirements(scenario)
    tier_rows = tier_requirements(requirements, scenario)

    assert len(requirements) == 0
    assert list(requirements.columns[:2]) == ["interval_start", "queue"]
    assert len(tier_rows) == 2 * 48
    assert tier_rows.groupby("tier")["required"].min().to_dict() == {"L1": 2, "L2": 1}


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.floats(0, 50), min_size=48, max_size=48),
    aht=st.floats(1, 200),
    rate=st.floats(0, 1),
)
def test_escalation_conserves_tickets(counts, aht, rate):
    tiers = {
        "L1": TierSettings(aht_minutes=aht, escalation_rate=rate),
        "L2": TierSettings(),
    }
    scenario = make_scenario(
        {(i, "en"): value for i, value in enumerate(counts)}, tiers
    )
    flows = tier_arrivals(scenario)

    assert flows["L2"].sum() == pytest.approx(rate * sum(counts), rel=1e-9, abs=1e-9)
    assert (flows["L2"] >= 0).all()


def test_shift_later_matches_interval_overlap():
    values = np.zeros((10, 1))
    values[3, 0] = 1.0
    moved = shift_later(values, 2.25)[:, 0]

    assert moved[5] == pytest.approx(0.75)
    assert moved[6] == pytest.approx(0.25)


def test_requirements_meet_service_level():
    tiers = {
        "L1": TierSettings(aht_minutes=10, target_wait_minutes=5, service_level=0.9)
    }
    demand = {(i, "en"): 3.0 * (i % 12) for i in range(48)}
    scenario = make_scenario(demand, tiers)
    frame = compute_requirements(scenario)
    busy = frame[frame["workload_erlangs"] > 0]

    level = service_level_c(
        busy["required_raw"].to_numpy(), busy["workload_erlangs"].to_numpy(), 10, 5
    )
    assert (level >= 0.9).all()


def test_demo_requirements_shape():
    if not DEMO.is_dir():
        pytest.skip("the bundled demo scenario is absent")
    from planner.loading import load_scenario

    scenario = load_scenario(DEMO)
    frame = compute_requirements(scenario)

    assert len(frame) == scenario.horizon.n_intervals * len(scenario.queues)
    assert frame.notna().all().all()
    assert (frame["required"] >= frame["required_raw"]).all()


def test_cli_writes_file_layout(tmp_path):
    from planner.loading import write_scenario_folder

    tiers = {"L1": PUBLISHED_L1}
    folder = tmp_path / "scenario"
    write_scenario_folder(make_scenario({(0, "en"): 100.0}, tiers), folder)
    out = tmp_path / "requirements.csv"

    assert main(["requirements", str(folder), "--out", str(out)]) == 0
    written = pd.read_csv(out)
    assert list(written.columns[:6]) == [
        "interval_start",
        "queue",
        "arrivals",
        "workload_erlangs",
        "required_raw",
        "required",
    ]
    assert written["interval_start"].iloc[0] == "2027-03-22T00:00:00Z"
    assert written["required"].iloc[0] == 20


def test_cli_invalid_input_exit_2(tmp_path, capsys):
    from planner.loading import write_scenario_folder

    folder = tmp_path / "scenario"
    write_scenario_folder(make_scenario({(0, "en"): 1.0}, {"L1": PUBLISHED_L1}), folder)
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text() + "\nshrinkagee = 0.3\n")

    code = main(["requirements", str(folder), "--out", str(tmp_path / "r.csv")])
    error = capsys.readouterr().err
    assert code == 2
    assert "shrinkagee" in error
    assert "Traceback" not in error
    assert not (tmp_path / "r.csv").exists()


def test_l1_arrivals_match_pivot():
    demand = {
        (i % 48, code): float(i % 7) for i, code in enumerate(["de", "en", "ja"] * 40)
    }
    scenario = make_scenario(demand, {"L1": TierSettings()})
    duplicated = pd.concat(
        [scenario.demand, scenario.demand.iloc[:5]], ignore_index=True
    )
    scenario = scenario.model_copy(update={"demand": duplicated})

    languages, matrix = scenario.arrivals_matrix()
    assert languages == scenario.languages
    np.testing.assert_array_equal(l1_arrivals(scenario), matrix.to_numpy())


def test_cli_standard_output_and_excel(tmp_path, capsysbinary):
    from planner.loading import write_scenario_folder

    folder = tmp_path / "scenario"
    write_scenario_folder(
        make_scenario({(0, "en"): 100.0}, {"L1": PUBLISHED_L1}), folder
    )

    assert main(["requirements", str(folder), "--out", "-"]) == 0
    lines = capsysbinary.readouterr().out.decode().splitlines()
    assert lines[0].startswith("interval_start,queue,arrivals,workload_erlangs")
    assert len(lines) == 1 + 48

    out = tmp_path / "excel.csv"
    assert main(["requirements", str(folder), "--out", str(out), "--excel"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
