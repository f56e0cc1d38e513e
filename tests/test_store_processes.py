"""Scenario store across processes: crashes mid-save and concurrent savers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from test_store import assert_same_scenario, make_scenario

from planner.loading import write_scenario_folder
from planner.store import ScenarioStore

REPO = Path(__file__).resolve().parents[1]

# Opens the store, then makes the process die with os._exit right after the statement
# that matches DIE_AFTER runs, inside the save's transaction and before its commit.
CRASHING_SAVER = """
import os, sys
from sqlalchemy import event
from planner.loading import load_scenario
from planner.store import ScenarioStore

store_path, scenario_path, die_after = sys.argv[1:4]
store = ScenarioStore(store_path)

@event.listens_for(store.engine, "after_cursor_execute")
def die(connection, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith(die_after):
        os._exit(17)

store.save("w", load_scenario(scenario_path), base_version=1, author="crash",
           results={"summary.json": {"status": "OPTIMAL"}})
print("saved without crashing")
"""

RACING_SAVER = """
import sys, time
from pathlib import Path
from planner.loading import load_scenario
from planner.store import ConflictError, ScenarioStore

store_path, scenario_path, go_file, author = sys.argv[1:5]
store = ScenarioStore(store_path)
scenario = load_scenario(scenario_path)
while not Path(go_file).exists():
    time.sleep(0.005)
try:
    print("won", store.save("w", scenario, base_version=1, author=author))
except ConflictError as error:
    print("conflict", error.latest_version)
"""

LOOPING_SAVER = """
import sys
from planner.loading import load_scenario
from planner.store import ScenarioStore

store_path, scenario_path = sys.argv[1:3]
store = ScenarioStore(store_path)
scenario = load_scenario(scenario_path)
version = store.versions("w")[-1].version
while True:
    version = store.save("w", scenario, base_version=version, author="loop",
                         results={"roster.csv": "agent_id\\n" + "a1\\n" * 2000})
    print(version, flush=True)
"""


def _python(script: str, *args: str, **options: object) -> subprocess.Popen:
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


@pytest.fixture
def saved(tmp_path: Path) -> tuple[str, str]:
    """A store with version 1 of scenario 'w', and a scenario folder to save next."""
    store_path = str(tmp_path / "store.sqlite")
    store = ScenarioStore(store_path)
    store.save("w", make_scenario(40), base_version=None, author="first")
    store.close()
    scenario_path = tmp_path / "next"
    write_scenario_folder(make_scenario(20), scenario_path)
    return store_path, str(scenario_path)


def _integrity(store: ScenarioStore) -> str:
    with store.engine.connect() as connection:
        return connection.execute(text("PRAGMA integrity_check")).scalar()


@pytest.mark.parametrize(
    "die_after", ["INSERT INTO SCENARIO_VERSIONS", "INSERT INTO VERSION_RESULTS"]
)
def test_crash_mid_save_keeps_previous(saved: tuple[str, str], die_after: str) -> None:
    store_path, scenario_path = saved

    process = _python(CRASHING_SAVER, store_path, scenario_path, die_after)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 17, err
    assert "saved without crashing" not in out
    store = ScenarioStore(store_path)
    assert _integrity(store) == "ok"
    assert [info.version for info in store.versions("w")] == [1]
    loaded = store.load("w")
    assert loaded.version == 1
    assert loaded.results == {}
    assert_same_scenario(loaded.scenario, make_scenario(40))
    assert store.save("w", make_scenario(30), base_version=1) == 2


def test_killed_saver_leaves_whole_versions(saved: tuple[str, str]) -> None:
    store_path, scenario_path = saved

    process = _python(LOOPING_SAVER, store_path, scenario_path)
    for _ in range(3):
        line = process.stdout.readline()
        assert line, process.stderr.read()
    time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)

    store = ScenarioStore(store_path)
    assert _integrity(store) == "ok"
    numbers = [info.version for info in store.versions("w")]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 4
    assert_same_scenario(store.load("w", 1).scenario, make_scenario(40))
    for version in numbers[1:]:
        loaded = store.load("w", version)
        assert_same_scenario(loaded.scenario, make_scenario(20))
        assert loaded.results["roster.csv"].count("a1") == 2000


def test_concurrent_processes_one_winner(
    saved: tuple[str, str], tmp_path: Path
) -> None:
    store_path, scenario_path = saved
    go_file = tmp_path / "go"
    savers = 3

    processes = [
        _python(RACING_SAVER, store_path, scenario_path, str(go_file), f"p{index}")
        for index in range(savers)
    ]
    time.sleep(2.0)
    go_file.touch()
    outputs = [process.communicate(timeout=120) for process in processes]

    lines = [out.strip() for out, _ in outputs]
    assert all(process.returncode == 0 for process in processes), outputs
    assert lines.count("won 2") == 1, lines
    assert lines.count("conflict 2") == savers - 1, lines
    store = ScenarioStore(store_path)
    assert [info.version for info in store.versions("w")] == [1, 2]
