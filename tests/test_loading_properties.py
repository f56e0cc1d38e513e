"""Property tests: written scenarios load back unchanged, and the column-wise demand
check agrees with the row-by-row rules."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO
from fixtures.scenario_builder import MINIMAL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.csvread import table_from_frame
from planner.csvsafe import FORMULA_PREFIXES
from planner.demand_check import _row_by_row, check_demand
from planner.loading import load_scenario, write_scenario_folder
from planner.model import Agent, Scenario, Settings, TimeOff
from planner.problems import ScenarioError
from planner.validation import TableCheck

WEEK_START = date(2027, 3, 22)
ZONES = [
    "Europe/Berlin",
    "Asia/Kathmandu",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "UTC",
]
LANGUAGES = ["en", "de", "ja", "pt", "sv"]

names = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        max_size=20,
    )
    .map(str.strip)
    # A leading apostrophe before a formula character is read as neutralisation.
    .filter(lambda text: not (text[:1] == "'" and text[1:2] in FORMULA_PREFIXES))
)
ids = st.text(alphabet="abcxyzABC0123456789-_.é", min_size=1, max_size=8)


@st.composite
def scenarios(draw) -> Scenario:
    agent_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))

    agents = []
    for agent_id in agent_ids:
        low = draw(st.floats(0, 40, allow_nan=False).map(lambda x: round(x, 2)))
        agents.append(
            Agent(
                agent_id=agent_id,
                name=draw(names),
                tier=draw(st.sampled_from(["L1", "L2", "L3"])),
                languages=tuple(
                    draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, unique=True))
                ),
                timezone=draw(st.sampled_from(ZONES)),
                min_hours_week=low,
                max_hours_week=low
                + draw(st.floats(0.5, 20).map(lambda x: round(x, 3))),
                max_days_week=draw(st.integers(0, 7)),
                night_ok=draw(st.booleans()),
                cost_per_hour=draw(st.floats(0, 1000, allow_nan=False)),
            )
        )

    slots = draw(
        st.lists(st.integers(0, 7 * 48 - 1), min_size=1, max_size=30, unique=True)
    )
    start = pd.Timestamp(WEEK_START, tz="UTC")
    demand = pd.DataFrame(
        {
            "interval_start": [
                start + pd.Timedelta(minutes=30 * slot) for slot in slots
            ],
            "language": [LANGUAGES[slot % len(LANGUAGES)] for slot in slots],
            "arrivals": [draw(st.floats(0, 500, allow_nan=False)) for _ in slots],
        }
    )
    demand = demand.sort_values(["interval_start", "language"]).reset_index(drop=True)
    demand["interval_start"] = pd.to_datetime(demand["interval_start"], utc=True)

    absences = []
    for agent in agents[:2]:
        first = start + pd.Timedelta(minutes=15 * draw(st.integers(0, 600)))
        length = pd.Timedelta(minutes=15 * draw(st.integers(1, 200)))
        absences.append(
            TimeOff(
                agent_id=agent.agent_id,
                start=first.to_pydatetime(),
                end=(first + length).to_pydatetime(),
            )
        )

    settings_ = Settings(
        name=draw(names) or "x",
        week_start=WEEK_START,
        tiers={"L1": {"floor": 1}, "L2": {}, "L3": {"aht_minutes": 120.5}},
        staffing={"shrinkage": draw(st.floats(0, 0.9))},
    )

    return Scenario(
        settings=settings_, agents=tuple(agents), demand=demand, timeoff=tuple(absences)
    )


def _language_demand(scenario: Scenario) -> Scenario:
    """Give every agent language some demand, so no agent is reported as unused."""
    missing = set(LANGUAGES) - set(scenario.demand["language"])
    extra = pd.DataFrame(
        {
            "interval_start": pd.Timestamp(WEEK_START, tz="UTC"),
            "language": sorted(missing),
            "arrivals": 1.0,
        }
    )
    demand = pd.concat([scenario.demand, extra], ignore_index=True)
    demand["interval_start"] = pd.to_datetime(demand["interval_start"], utc=True)
    demand = demand.groupby(["interval_start", "language"], as_index=False)[
        "arrivals"
    ].sum()
    return scenario.model_copy(update={"demand": demand})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_written_scenario_loads_back(scenario):
    scenario = _language_demand(scenario)
    with tempfile.TemporaryDirectory() as folder:
        write_scenario_folder(scenario, folder)
        loaded = load_scenario(folder)
    assert loaded.settings == scenario.settings
    assert loaded.agents == scenario.agents
    assert loaded.timeoff == scenario.timeoff
    pd.testing.assert_frame_equal(loaded.demand, scenario.demand, check_dtype=False)


def test_demo_loads_back(tmp_path):
    if not DEMO.is_dir():
        pytest.skip("the bundled demo scenario is absent")
    scenario = load_scenario(DEMO)
    write_scenario_folder(scenario, tmp_path / "demo")
    loaded = load_scenario(tmp_path / "demo")
    assert loaded.settings == scenario.settings
    assert loaded.agents == scenario.agents
    pd.testing.assert_frame_equal(loaded.demand, scenario.demand)


starts = st.one_of(
    st.integers(-4, 7 * 96 + 4).map(
        lambda quarter: (
            pd.Timestamp(WEEK_START, tz="UTC") + timedelta(minutes=15 * quarter)
        ).strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
    st.integers(0, 7 * 24).map(
        lambda hour: (
            (pd.Timestamp(WEEK_START, tz="UTC") + timedelta(hours=hour))
            .tz_convert("Asia/Kathmandu")
            .isoformat()
        )
    ),
    st.sampled_from(["2027-03-22T10:00:00", "yesterday", "2027-03-22T10:00:00+01", ""]),
    # Typed cells, as an editable table or a spreadsheet gives them.
    st.integers(-2, 7 * 24 + 2).map(
        lambda hour: pd.Timestamp(WEEK_START, tz="UTC") + timedelta(hours=hour)
    ),
    st.just(pd.Timestamp("2027-03-22T10:00:00")),
)
arrivals = st.one_of(
    st.floats(0, 100, allow_nan=False).map(str),
    st.sampled_from(["-1", "2,5", "1,000", "many", "inf", "nan", " 3 ", ""]),
    st.floats(-5, 100, allow_nan=False),
    st.integers(-3, 50),
    st.booleans(),
)
languages = st.sampled_from(["en", "DE", " ja ", "xx", "english", ""])


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(st.tuples(starts, languages, arrivals), min_size=1, max_size=40),
    decimal_comma=st.booleans(),
)
def test_columnwise_demand_matches_rows(rows, decimal_comma):
    frame = pd.DataFrame(rows, columns=["interval_start", "language", "arrivals"])
    table = table_from_frame(frame, "demand.csv")
    table.decimal_comma = decimal_comma
    horizon_settings = Settings(week_start=WEEK_START)

    fast_problems = []
    fast = check_demand(table, horizon_settings, fast_problems)

    slow_problems = []
    check = TableCheck(table, slow_problems, "demand.csv")
    positions = list(range(len(check.frame)))
    slow = _row_by_row(check, positions, horizon_settings.horizon, False)
    if len(slow):
        slow["interval_start"] = pd.to_datetime(slow["interval_start"], utc=True)
        slow = slow.groupby(["interval_start", "language"], as_index=False)[
            "arrivals"
        ].sum()

    key = lambda problem: (problem.row, problem.column or "", problem.message)
    assert sorted(fast_problems, key=key) == sorted(slow_problems, key=key)
    assert len(fast) == len(slow)
    if len(fast):
        pd.testing.assert_frame_equal(fast, slow, check_dtype=False)


csv_noise = st.one_of(
    st.binary(max_size=300),
    st.lists(
        st.lists(
            st.one_of(
                st.text(max_size=12),
                st.sampled_from(["agent_id", "tier", "L1", "en;de", "UTC", "40", "-1"]),
                st.sampled_from(["interval_start", "language", "arrivals", "'=1"]),
                st.sampled_from(
                    ["2027-03-22T00:00:00Z", "start", "end", '"', ";", "\r"]
                ),
            ),
            max_size=6,
        ),
        max_size=6,
    ).map(lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file=st.sampled_from(["agents.csv", "demand.csv", "timeoff.csv", "scenario.toml"]),
    data=csv_noise,
)
def test_any_file_content_gives_problems_not_crashes(file, data):
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(MINIMAL, Path(folder) / "s")
        (Path(folder) / "s" / file).write_bytes(data)
        try:
            load_scenario(Path(folder) / "s")
        except ScenarioError as error:
            assert error.problems
            for problem in error.problems:
                assert problem.message
                assert problem.fix


@settings(max_examples=40)
@given(
    name=st.text(max_size=30),
    floor=st.integers(0, 50),
    shift_hours=st.lists(st.floats(0.25, 24, allow_nan=False), min_size=1, max_size=3),
    patience=st.one_of(st.none(), st.floats(0.5, 500, allow_nan=False)),
)
def test_settings_toml_round_trip(name, floor, shift_hours, patience):
    from planner.settings_io import parse_toml, read_settings, settings_to_toml

    original = Settings(
        name=name,
        week_start=WEEK_START,
        tiers={"L1": {"floor": floor, "patience_minutes": patience}},
        rules={"shift_hours": tuple(shift_hours)},
    )
    data, _, problems = parse_toml(settings_to_toml(original), "scenario.toml")
    assert problems == []
    loaded, problems = read_settings(data, "scenario.toml")
    assert problems == []
    assert loaded == original
