"""Session state of the planner app: the working scenario and what derives from it.

The working scenario is kept as editable tables (settings dict, agents, demand, time
off) so that input is never lost when it is invalid. Each change of a table is
validated with ``planner.loading.build_scenario``: a valid result becomes
``st.session_state.scenario``, otherwise the problems are kept for display and the
tables stay as the user left them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner.model import Scenario
from planner.problems import Problem, ScenarioError

LOG = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
DEMO_SOURCE = "Demo scenario (data/demo)"
DEFAULT_SCENARIO_VARIABLE = "PLANNER_DEFAULT_SCENARIO"
"""Environment variable naming the scenario opened first (the bundled demo if unset)."""

AGENT_COLUMNS = [
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
"""The agents.csv columns, in file order."""


@dataclass
class Workspace:
    """The scenario being edited, as plain tables."""

    settings: dict[str, Any]
    agents: pd.DataFrame
    demand: pd.DataFrame
    timeoff: pd.DataFrame | None = None
    source: str = ""
    store_name: str | None = None
    """Name under which the scenario was loaded from or saved to the store."""
    store_version: int | None = None
    """Store version the edits started from, for conflict detection on save."""
    revision: int = 0
    """Counter raised on every change, so derived results can tell they are stale."""


@dataclass
class Outcome:
    """A solved roster with the inputs it was computed for."""

    scenario: Scenario
    requirements: pd.DataFrame
    result: Any
    """``solver.SolveResult``."""
    projection: Any = None
    """``planner.projection.Projection``, or None when the projection failed."""
    projection_error: str | None = None
    revision: int = 0
    simulation: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


def init() -> None:
    """Create the session keys on first use; load the bundled demo on first open."""
    defaults = {
        "workspace": None,
        "scenario": None,
        "problems": [],
        "requirements": None,
        "requirements_revision": None,
        "outcome": None,
        "solve_job": None,
        "editor_version": 0,
        "load_error": None,
        "load_problems": [],
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value

    if st.session_state.workspace is None and not st.session_state.get("demo_tried"):
        st.session_state.demo_tried = True
        load_initial()


def load_initial() -> bool:
    """Load the first scenario: ``$PLANNER_DEFAULT_SCENARIO``, else the bundled demo.

    Returns False when it is missing or invalid, keeping the reason and problems for
    the Scenario page.
    """
    configured = os.environ.get(DEFAULT_SCENARIO_VARIABLE)
    path = Path(configured) if configured else DEMO
    if not path.exists():
        st.session_state.load_error = f"The scenario {path} is missing."
        return False
    try:
        load_path(path, source=f"Scenario {path}" if configured else DEMO_SOURCE)
    except ScenarioError as error:
        st.session_state.load_error = f"The scenario {path} has problems."
        st.session_state.load_problems = error.problems
        return False
    return True


def load_demo() -> None:
    """Load the bundled demo; raises ScenarioError when it is missing or invalid."""
    load_path(DEMO, source=DEMO_SOURCE)


def load_path(path: Path, source: str | None = None) -> None:
    """Load a scenario folder, workbook or zip; raises ScenarioError when invalid."""
    from planner.loading import load_scenario

    set_scenario(load_scenario(path), source=source or path.name)


def set_scenario(
    scenario: Scenario,
    source: str = "",
    store_name: str | None = None,
    store_version: int | None = None,
) -> None:
    """Make a validated scenario the working scenario, replacing all tables."""
    previous = st.session_state.get("workspace")
    revision = previous.revision + 1 if previous else 1
    st.session_state.workspace = Workspace(
        settings=settings_dict(scenario),
        agents=agents_frame(scenario),
        demand=scenario.demand.copy(),
        timeoff=timeoff_frame(scenario),
        source=source or scenario.source,
        store_name=store_name,
        store_version=store_version,
        revision=revision,
    )
    st.session_state.scenario = scenario
    st.session_state.problems = []
    st.session_state.load_error = None
    st.session_state.load_problems = []
    st.session_state.editor_version += 1


def update(
    settings: dict[str, Any] | None = None,
    agents: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    timeoff: pd.DataFrame | None = None,
) -> list[Problem]:
    """Replace some tables of the workspace and validate the whole scenario.

    Returns the problems found (empty when the scenario is valid). The tables are
    kept either way.
    """
    workspace: Workspace = st.session_state.workspace
    if settings is not None:
        workspace.settings = settings
    if agents is not None:
        workspace.agents = agents
    if demand is not None:
        workspace.demand = demand
    if timeoff is not None:
        workspace.timeoff = timeoff
    workspace.revision += 1
    return validate()


def validate() -> list[Problem]:
    """Build the scenario from the workspace tables; keep it or its problems."""
    from planner.loading import build_scenario

    workspace: Workspace = st.session_state.workspace
    try:
        scenario = build_scenario(
            workspace.settings,
            agents_for_loading(workspace.agents),
            workspace.demand,
            workspace.timeoff,
            source=workspace.source,
        )
    except ScenarioError as error:
        st.session_state.scenario = None
        st.session_state.problems = error.problems
        return error.problems
    st.session_state.scenario = scenario
    st.session_state.problems = []
    return []


def current_scenario() -> Scenario | None:
    return st.session_state.get("scenario")


def revision() -> int:
    workspace = st.session_state.get("workspace")
    return workspace.revision if workspace else 0


def settings_dict(scenario: Scenario) -> dict[str, Any]:
    """Return the settings as the nested dict of ``scenario.toml``."""
    from planner.settings_io import settings_to_dict

    return settings_to_dict(scenario.settings)


def agents_frame(scenario: Scenario) -> pd.DataFrame:
    """Return the agents as an editable table with the agents.csv columns."""
    from planner.loading import scenario_to_tables

    _, agents, _, _ = scenario_to_tables(scenario)
    return agents.astype(
        {
            "min_hours_week": float,
            "max_hours_week": float,
            "max_days_week": "Int64",
            "night_ok": "boolean",
            "cost_per_hour": float,
        }
    )


def agents_for_loading(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the edited agents table with empty cells as None, as a file reader gives.

    Entirely empty rows stay in place: the reader skips them but keeps counting, so
    problem row numbers match the editor (row 2 is the first agent).
    """
    table = frame.astype(object)
    return table.where(table.notna(), None).reset_index(drop=True)


def timeoff_frame(scenario: Scenario) -> pd.DataFrame | None:
    from planner.loading import scenario_to_tables

    _, _, _, timeoff = scenario_to_tables(scenario)
    return timeoff if len(timeoff) else None


def requirements() -> pd.DataFrame | None:
    """Return the staffing requirements of the current scenario, computed once per edit.

    Returns None when the scenario is invalid. Raises what
    ``planner.requirements.compute_requirements`` raises.
    """
    scenario = current_scenario()
    if scenario is None:
        return None
    if st.session_state.requirements_revision != revision():
        from planner.requirements import compute_requirements

        st.session_state.requirements = compute_requirements(scenario)
        st.session_state.requirements_revision = revision()
    return st.session_state.requirements


def collect_job() -> bool:
    """Move a finished solve job's output into the session; True the first time."""
    job = st.session_state.get("solve_job")
    if job is None or job.running or st.session_state.get("solve_collected", True):
        return False
    st.session_state.solve_collected = True
    output = job.output
    if output is None:
        return True
    if output.problems:
        st.session_state.solve_problems = output.problems
        return True
    if output.error:
        st.session_state.solve_error = output.error
        return True
    st.session_state.outcome = Outcome(
        scenario=job.scenario,
        requirements=job.requirements,
        result=output.result,
        projection=output.projection,
        projection_error=output.projection_error,
        revision=job.revision,
    )
    return True
