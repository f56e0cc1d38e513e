"""Load a scenario from a folder, a zip of a folder or an Excel workbook.

Every source is read into raw tables first (``planner.scenario_sources``), then the
same rules check settings (``planner.settings_io``) and tables (``planner.validation``
and ``planner.demand_check``). All problems are collected and raised together as one
``ScenarioError``. The web app's editable tables go through ``build_scenario``, which
applies the same rules.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from planner.csvread import decode, read_csv_bytes, table_from_frame
from planner.csvsafe import write_csv
from planner.demand_check import check_demand
from planner.model import Agent, Scenario, Settings, TimeOff
from planner.problems import Problem, ScenarioError
from planner.scenario_sources import (
    SOURCE_FIX,
    RawScenario,
    read_folder,
    read_workbook,
    read_zip,
    whole_file,
)
from planner.settings_io import (
    parse_toml,
    read_settings,
    settings_to_dict,
    settings_to_toml,
)
from planner.validation import (
    agent_ids,
    check_agent_languages,
    check_agents,
    check_timeoff,
)

logger = logging.getLogger(__name__)

AGENT_COLUMN_ORDER = [
    "agent_id",
    "name",
    "tier",
    "languages",
    "timezone",
    "min_hours_week",
    "max_hours_week",
    "max_days_week",
    "night_ok",
    "cost_per_hour",
]


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate the scenario at ``path``: a folder, a ``.zip`` or an ``.xlsx``.

    Raises ScenarioError listing every problem found.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError([whole_file(str(path), "not found", SOURCE_FIX)])
    if path.is_dir():
        raw = read_folder(path)
    elif path.name.lower() == "scenario.toml":
        raw = read_folder(path.parent)
    elif path.suffix.lower() == ".zip":
        raw = read_zip(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        raw = read_workbook(path)
    else:
        raise ScenarioError(
            [whole_file(path.name, "not a scenario folder, .zip or .xlsx", SOURCE_FIX)]
        )
    scenario = _assemble(raw)
    logger.info(
        "loaded scenario %r from %s: %d agents, %d demand rows",
        scenario.settings.name,
        path,
        len(scenario.agents),
        len(scenario.demand),
    )
    return scenario


def build_scenario(
    settings: dict[str, Any],
    agents: pd.DataFrame,
    demand: pd.DataFrame,
    timeoff: pd.DataFrame | None = None,
    source: str = "",
) -> Scenario:
    """Validate in-memory tables and return the Scenario.

    Problems name the tables as ``scenario.toml``, ``agents.csv``, ``demand.csv`` and
    ``timeoff.csv``; the first row of a frame is row 2, as under a header row.
    Timestamps without an offset are rejected, as in CSV files.
    """
    raw = RawScenario(source=source, settings=dict(settings))
    raw.agents = table_from_frame(agents, "agents.csv")
    raw.demand = table_from_frame(demand, "demand.csv")
    raw.timeoff = (
        table_from_frame(timeoff, "timeoff.csv") if timeoff is not None else None
    )
    return _assemble(raw)


def scenario_to_tables(
    scenario: Scenario,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (settings, agents, demand, timeoff) in the shapes ``build_scenario`` takes."""
    settings = settings_to_dict(scenario.settings)
    agents = pd.DataFrame(
        [_agent_row(agent) for agent in scenario.agents], columns=AGENT_COLUMN_ORDER
    )
    demand = scenario.demand[["interval_start", "language", "arrivals"]].copy()
    timeoff = pd.DataFrame(
        [
            {
                "agent_id": absence.agent_id,
                "start": pd.Timestamp(absence.start).tz_convert("UTC"),
                "end": pd.Timestamp(absence.end).tz_convert("UTC"),
            }
            for absence in scenario.timeoff
        ],
        columns=["agent_id", "start", "end"],
    )
    return settings, agents, demand, timeoff


def write_scenario_folder(scenario: Scenario, path: str | Path) -> None:
    """Write ``scenario`` as a folder that ``load_scenario`` reads back identically."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    _, agents, demand, timeoff = scenario_to_tables(scenario)

    (folder / "scenario.toml").write_text(
        settings_to_toml(scenario.settings), encoding="utf-8"
    )
    agents["night_ok"] = agents["night_ok"].map({True: "true", False: "false"})
    write_csv(agents, folder / "agents.csv")

    demand["interval_start"] = demand["interval_start"].map(_iso_utc)
    write_csv(demand, folder / "demand.csv")

    stale = folder / "timeoff.csv"
    if len(timeoff):
        timeoff["start"] = timeoff["start"].map(_iso_utc)
        timeoff["end"] = timeoff["end"].map(_iso_utc)
        write_csv(timeoff, stale)
    elif stale.exists():
        stale.unlink()


def _agent_row(agent: Agent) -> dict[str, Any]:
    row = agent.model_dump()
    row["languages"] = ";".join(agent.languages)
    return row


def _iso_utc(stamp: Any) -> str:
    return pd.Timestamp(stamp).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


# Validation ------------------------------------------------------------------------


def _assemble(raw: RawScenario) -> Scenario:
    problems = list(raw.problems)
    settings = None
    if raw.settings_read:
        settings, settings_problems = read_settings(
            raw.settings, raw.settings_file, raw.settings_rows
        )
        problems += settings_problems

    agents = (
        check_agents(raw.agents, settings, problems) if raw.agents is not None else []
    )
    demand = _demand(raw, settings, problems)
    if raw.agents is not None:
        languages = set(demand["language"]) if demand is not None else set()
        check_agent_languages(agents, languages, raw.agents.file, problems)

    by_id = {agent.agent_id: agent for _, agent in agents}
    timeoff: list[TimeOff] = []
    if raw.timeoff is not None:
        known = agent_ids(raw.agents) if raw.agents is not None else set()
        timeoff = check_timeoff(raw.timeoff, by_id, problems, raw.naive_is_utc, known)

    if problems:
        raise ScenarioError(problems)
    return Scenario(
        settings=settings,
        agents=tuple(agent for _, agent in agents),
        demand=demand,
        timeoff=tuple(timeoff),
        source=raw.source,
    )


def _demand(
    raw: RawScenario, settings: Settings | None, problems: list[Problem]
) -> pd.DataFrame | None:
    if raw.demand is not None:
        return check_demand(raw.demand, settings, problems, raw.naive_is_utc)
    if raw.tickets is None or settings is None:
        return None
    try:
        from planner.demand import derive_demand
    except ImportError:
        problems.append(
            whole_file(
                raw.tickets_file,
                "deriving demand from tickets is not available",
                "Provide demand.csv instead.",
            )
        )
        return None
    try:
        tickets = raw.tickets()
        derived = derive_demand(
            tickets, settings.week_start, settings.interval_minutes, settings.days
        )
    except ScenarioError as error:
        problems.extend(error.problems)
        return None
    except ValueError as error:
        problems.append(
            whole_file(
                raw.tickets_file,
                f"cannot derive demand: {error}",
                "Provide a longer history or demand.csv.",
            )
        )
        return None
    return _normalise_demand(derived.demand)


def _normalise_demand(demand: pd.DataFrame) -> pd.DataFrame:
    frame = demand[["interval_start", "language", "arrivals"]].copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    frame["arrivals"] = frame["arrivals"].astype(float)
    frame = frame.groupby(["interval_start", "language"], as_index=False, sort=True)[
        "arrivals"
    ].sum()
    return frame.reset_index(drop=True)


# Single files, for callers that replace one part of a scenario ---------------------


def read_table_bytes(data: bytes, file: str) -> pd.DataFrame:
    """Read one CSV file's bytes (any accepted dialect) into a frame of text cells.

    Column names are normalised (``"Agent ID"`` becomes ``agent_id``) and cells are
    stripped, with blanks as None. Pass the frame to ``build_scenario``.
    """
    return read_csv_bytes(data, file).frame


def read_settings_bytes(data: bytes, file: str = "scenario.toml") -> dict[str, Any]:
    """Parse a ``scenario.toml`` file's bytes; raises ScenarioError on invalid TOML."""
    settings, _, problems = parse_toml(decode(data, file), file)
    if problems:
        raise ScenarioError(problems)
    return settings
