"""Scenario store on a real SQLite file: versions, conflicts, results, errors."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import IntegrityError

from planner.loading import build_scenario, load_scenario
from planner.model import Scenario
from planner.store import (
    DEFAULT_STORE_FILE,
    STORE_URL_VARIABLE,
    ConflictError,
    ScenarioNotFoundError,
    ScenarioStore,
    StoreError,
    resolve_url,
    versions_table,
)


def make_scenario(
    max_hours: float = 40.0, name: str = "Store test", with_timeoff: bool = True
) -> Scenario:
    """Build a small valid scenario whose ``max_hours`` marks the version."""
    settings = {
        "name": name,
        "week_start": "2027-03-22",
        "days": 7,
        "interval_minutes": 60,
        "tiers": {"L1": {"aht_minutes": 10, "floor": 1}},
    }
    agents = pd.DataFrame(
        {
            "agent_id": ["a1", "a2"],
            "name": ["Ann Example", '=HYPERLINK("x")'],
            "tier": ["L1", "L1"],
            "languages": ["en;de", "en"],
            "timezone": ["Europe/Berlin", "Asia/Kolkata"],
            "max_hours_week": [max_hours, 32.5],
        }
    )
    demand = pd.DataFrame(
        {
            "interval_start": ["2027-03-22T08:00:00Z", "2027-03-28T01:00:00Z"],
            "language": ["en", "de"],
            "arrivals": [3.5, 1.0],
        }
    )
    timeoff = pd.DataFrame(
        {
            "agent_id": ["a1"],
            "start": ["2027-03-23T00:00:00+01:00"],
            "end": ["2027-03-24T00:00:00+01:00"],
        }
    )
    if not with_timeoff:
        timeoff = None
    return build_scenario(settings, agents, demand, timeoff, source="test tables")


def assert_same_scenario(loaded: Scenario, expected: Scenario) -> None:
    assert loaded.settings == expected.settings
    assert loaded.agents == expected.agents
    assert loaded.timeoff == expected.timeoff
    pd.testing.assert_frame_equal(
        loaded.demand.reset_index(drop=True), expected.demand.reset_index(drop=True)
    )


@pytest.fixture
def store(tmp_path: Path) -> ScenarioStore:
    opened = ScenarioStore(str(tmp_path / "store.sqlite"))
    yield opened
    opened.close()


def test_save_load_round_trip(store: ScenarioStore) -> None:
    scenario = make_scenario()

    version = store.save("Week 12", scenario, base_version=None, author="ann")
    loaded = store.load("Week 12")

    assert version == 1
    assert loaded.version == 1
    assert loaded.saved_by == "ann"
    assert loaded.saved_at.tzinfo is not None
    assert_same_scenario(loaded.scenario, scenario)


def test_versions_count_up(store: ScenarioStore) -> None:
    first = store.save("w", make_scenario(40), base_version=None)
    second = store.save("w", make_scenario(38), base_version=first)
    third = store.save("w", make_scenario(36), base_version=second)

    assert (first, second, third) == (1, 2, 3)
    assert [info.version for info in store.versions("w")] == [1, 2, 3]
    assert store.load("w").version == 3


def test_earlier_versions_never_lost(store: ScenarioStore) -> None:
    hours = [40.0, 38.0, 36.0, 30.0]
    for index, value in enumerate(hours):
        store.save("w", make_scenario(value), base_version=index or None)
    with pytest.raises(ConflictError):
        store.save("w", make_scenario(1.0), base_version=2)
    store.attach_results("w", 4, {"summary.json": {"status": "OPTIMAL"}})

    for version, value in enumerate(hours, start=1):
        loaded = store.load("w", version)
        assert loaded.version == version
        assert loaded.scenario.agents[0].max_hours_week == value
    assert len(store.versions("w")) == len(hours)


def test_stale_base_raises_conflict(store: ScenarioStore) -> None:
    store.save("w", make_scenario(40), base_version=None, author="ann")
    store.save("w", make_scenario(38), base_version=1, author="bob")

    with pytest.raises(ConflictError) as caught:
        store.save("w", make_scenario(30), base_version=1, author="carla")

    error = caught.value
    assert error.latest_version == 2
    assert error.saved_by == "bob"
    assert error.base_version == 1
    message = str(error)
    assert "bob" in message
    assert "version 2" in message
    assert "version 1" in message
    assert "Reload" in message
    assert "new name" in message
    assert store.load("w").scenario.agents[0].max_hours_week == 38


def test_new_name_that_exists_conflicts(store: ScenarioStore) -> None:
    store.save("w", make_scenario(), base_version=None, author="ann")

    with pytest.raises(ConflictError, match="already exists") as caught:
        store.save("w", make_scenario(), base_version=None, author="bob")
    assert "ann" in str(caught.value)
    assert [info.version for info in store.versions("w")] == [1]


def test_save_after_delete_conflicts(store: ScenarioStore) -> None:
    store.save("w", make_scenario(), base_version=None)
    store.delete("w")

    with pytest.raises(ConflictError, match="deleted") as caught:
        store.save("w", make_scenario(), base_version=1)
    assert caught.value.latest_version is None


def test_results_saved_and_attached(store: ScenarioStore) -> None:
    roster = "agent_id,name\na1,'=cmd\n"
    store.save("w", make_scenario(), base_version=None, results={"roster.csv": roster})
    store.attach_results("w", 1, {"summary.json": {"status": "FEASIBLE", "gap": 0.1}})
    store.attach_results("w", 1, {"summary.json": {"status": "OPTIMAL", "gap": 0.0}})

    loaded = store.load("w", 1)
    assert loaded.results["roster.csv"] == roster
    assert loaded.results["summary.json"] == {"status": "OPTIMAL", "gap": 0.0}
    assert store.versions("w")[0].result_names == ("roster.csv", "summary.json")


def test_results_must_be_json(store: ScenarioStore) -> None:
    with pytest.raises(ValueError, match="'bad'"):
        store.save("w", make_scenario(), base_version=None, results={"bad": object()})
    assert store.versions("w") == []


def test_list_scenarios_shows_latest(store: ScenarioStore) -> None:
    store.save("b", make_scenario(), base_version=None, author="ann")
    store.save("a", make_scenario(), base_version=None, author="ann")
    store.save("a", make_scenario(30), base_version=1, author="bob")

    infos = store.list_scenarios()
    assert [(info.name, info.latest_version, info.saved_by) for info in infos] == [
        ("a", 2, "bob"),
        ("b", 1, "ann"),
    ]


def test_load_unknown_name_lists_known(store: ScenarioStore) -> None:
    store.save("Week 12", make_scenario(), base_version=None)

    with pytest.raises(ScenarioNotFoundError, match="'Week 12'") as caught:
        store.load("Week 13")
    assert "Week 13" in str(caught.value)


def test_load_unknown_version_lists_versions(store: ScenarioStore) -> None:
    store.save("w", make_scenario(), base_version=None)

    with pytest.raises(ScenarioNotFoundError, match="no version 7.*1"):
        store.load("w", 7)
    with pytest.raises(ScenarioNotFoundError):
        store.attach_results("w", 7, {"x": 1})


def test_delete_removes_every_version(store: ScenarioStore) -> None:
    store.save("w", make_scenario(), base_version=None, results={"x": 1})
    store.save("w", make_scenario(30), base_version=1)
    store.save("other", make_scenario(), base_version=None)

    assert store.delete("w") == 2
    assert store.versions("w") == []
    assert [info.name for info in store.list_scenarios()] == ["other"]
    with pytest.raises(ScenarioNotFoundError):
        store.delete("w")
    with store.engine.connect() as connection:
        left = connection.execute(text("SELECT COUNT(*) FROM version_results")).scalar()
    assert left == 0


def test_empty_name_rejected(store: ScenarioStore) -> None:
    with pytest.raises(ValueError, match="empty"):
        store.save("  ", make_scenario(), base_version=None)


def test_name_is_stripped(store: ScenarioStore) -> None:
    store.save(" w ", make_scenario(), base_version=None)

    assert [info.name for info in store.list_scenarios()] == ["w"]
    assert store.load("w  ").version == 1
    assert [info.version for info in store.versions(" w")] == [1]


def test_unique_constraint_on_name_version(store: ScenarioStore) -> None:
    store.save("w", make_scenario(), base_version=None)
    row = {
        "name": "w",
        "version": 1,
        "saved_at": pd.Timestamp.now(tz="UTC").to_pydatetime(),
        "saved_by": "",
        "content": "{}",
    }

    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(insert(versions_table).values(**row))
    constraints = inspect(store.engine).get_unique_constraints("scenario_versions")
    assert [sorted(item["column_names"]) for item in constraints] == [
        ["name", "version"]
    ]


def test_sqlite_uses_wal_and_busy_timeout(store: ScenarioStore) -> None:
    with store.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert mode == "wal"
    assert timeout >= 5000


def test_concurrent_threads_one_winner(tmp_path: Path) -> None:
    path = str(tmp_path / "store.sqlite")
    ScenarioStore(path).save("w", make_scenario(), base_version=None)
    savers = 4
    barrier = threading.Barrier(savers)
    outcomes: list[object] = []
    lock = threading.Lock()

    def save(index: int) -> None:
        own = ScenarioStore(path)
        scenario = make_scenario(30 + index)
        barrier.wait()
        try:
            result: object = own.save("w", scenario, base_version=1, author=f"s{index}")
        except ConflictError as error:
            result = error
        with lock:
            outcomes.append(result)
        own.close()

    threads = [threading.Thread(target=save, args=(index,)) for index in range(savers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [outcome for outcome in outcomes if outcome == 2]
    conflicts = [outcome for outcome in outcomes if isinstance(outcome, ConflictError)]
    assert len(outcomes) == savers
    assert len(winners) == 1
    assert len(conflicts) == savers - 1
    assert all(conflict.latest_version == 2 for conflict in conflicts)
    assert [info.version for info in ScenarioStore(path).versions("w")] == [1, 2]


def test_shared_store_across_threads(store: ScenarioStore) -> None:
    errors: list[BaseException] = []

    def save(index: int) -> None:
        try:
            store.save(f"s{index}", make_scenario(), base_version=None)
            store.load(f"s{index}")
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(store.list_scenarios()) == 4


def test_default_url_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(STORE_URL_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_url() == f"sqlite:///{DEFAULT_STORE_FILE}"

    store = ScenarioStore()
    store.save("w", make_scenario(), base_version=None)
    store.close()
    assert (tmp_path / DEFAULT_STORE_FILE).is_file()

    other = tmp_path / "team.sqlite"
    monkeypatch.setenv(STORE_URL_VARIABLE, f"sqlite:///{other}")
    assert resolve_url() == f"sqlite:///{other}"
    assert resolve_url("x.sqlite") == "sqlite:///x.sqlite"


def test_in_memory_store_works() -> None:
    store = ScenarioStore("sqlite://")

    store.save("w", make_scenario(), base_version=None)
    assert store.load("w").version == 1


def test_unwritable_location_raises_store_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "store.sqlite"

    with pytest.raises(StoreError, match="no-such-folder") as caught:
        ScenarioStore(str(missing))
    assert STORE_URL_VARIABLE in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "notadatabase://host/db",
        "postgresql+nosuchdriver://user@127.0.0.1:1/db",
        "://no-scheme",
    ],
)
def test_unusable_url_raises_store_error(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        ScenarioStore(url)
    assert STORE_URL_VARIABLE in str(caught.value)


def test_round_trip_without_timeoff(store: ScenarioStore) -> None:
    scenario = make_scenario(with_timeoff=False)

    store.save("w", scenario, base_version=None)

    loaded = store.load("w").scenario
    assert loaded.timeoff == ()
    assert_same_scenario(loaded, scenario)


def test_demo_scenario_round_trip(store: ScenarioStore) -> None:
    if not (DEMO / "scenario.toml").is_file():
        pytest.skip("the demo scenario in data/demo is absent")
    scenario = load_scenario(DEMO)

    store.save("demo", scenario, base_version=None)

    assert_same_scenario(store.load("demo").scenario, scenario)


# Each step saves with the latest version as its base (fresh) or with an older one
# (stale); a stale base must raise ConflictError and change nothing.
@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=1, max_size=6))
def test_save_sequence_keeps_history(steps: list[tuple[bool, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = ScenarioStore(str(Path(folder) / "store.sqlite"))
        saved_hours: list[float] = []

        for fresh, lag in steps:
            latest = len(saved_hours) or None
            base = latest if fresh else (latest or 0) - 1 - lag
            hours = 20.0 + len(saved_hours) + lag
            if fresh:
                version = store.save("w", make_scenario(hours), base_version=base)
                saved_hours.append(hours)
                assert version == len(saved_hours)
            else:
                with pytest.raises(ConflictError):
                    store.save("w", make_scenario(hours), base_version=base)

        numbers = [info.version for info in store.versions("w")]
        assert numbers == list(range(1, len(saved_hours) + 1))
        for version, hours in enumerate(saved_hours, start=1):
            agents = store.load("w", version).scenario.agents
            assert agents[0].max_hours_week == hours
        store.close()
