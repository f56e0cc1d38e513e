"""Scenario page: load the demo, a saved scenario or uploaded files; start a new one."""

from __future__ import annotations

import copy
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from planner.cells import parse_number
from ui import state, store_panel
from ui.feedback import guard, show_problems

SCENARIO_FILES = {
    "scenario.toml",
    "agents.csv",
    "demand.csv",
    "tickets.csv",
    "timeoff.csv",
}


def render() -> None:
    st.title("Scenario")
    st.caption(
        "A scenario is the planning problem: settings and targets, agents, demand "
        "and absences. Load one here, then check it on the following pages."
    )
    _summary()

    demo, saved, upload, new = st.tabs(
        ["Demo", "Saved scenarios", "Upload files", "New from template"]
    )
    with demo:
        _demo_tab()
    with saved, guard("reading the scenario store"):
        store_panel.load_panel()
    with upload:
        _upload_tab()
    with new:
        _new_tab()

    with guard("changing the settings"):
        _settings_form()

    st.divider()
    with guard("saving the scenario"):
        store_panel.save_panel()


def _reload(message: str) -> None:
    """Rerun to show the new scenario, with ``message`` as a toast."""
    st.session_state.flash = message
    st.rerun()


def _summary() -> None:
    workspace = st.session_state.workspace
    if st.session_state.load_error:
        st.error(st.session_state.load_error)
        show_problems(st.session_state.load_problems)
    if workspace is None:
        st.info("No scenario is loaded yet. Load the demo or upload your files below.")
        return

    settings = workspace.settings
    scenario = state.current_scenario()
    st.subheader(settings.get("name", "Unnamed scenario"))
    columns = st.columns(5)
    columns[0].metric("Week start (UTC)", str(settings.get("week_start")))
    columns[1].metric("Days", settings.get("days", 7))
    columns[2].metric("Interval", f"{settings.get('interval_minutes', 30)} min")
    columns[3].metric("Agents", len(workspace.agents))
    columns[4].metric("Languages", len(scenario.languages) if scenario else "n/a")
    languages = ", ".join(scenario.languages) if scenario else "n/a"
    st.caption(
        f"Source: {workspace.source or 'edited in the app'} · "
        f"languages {languages} · "
        f"tiers {', '.join(settings.get('tiers', {}).keys())}"
    )
    if scenario is None:
        show_problems(st.session_state.problems)
        st.warning("Fix the problems above (Agents page) before solving.")


def _settings_form() -> None:
    workspace = st.session_state.workspace
    if workspace is None:
        return
    with st.expander("Horizon and labour rules"), st.form("settings"):
        values = _settings_inputs(workspace.settings)
        submitted = st.form_submit_button("Apply settings")
    if not submitted:
        return

    updated = copy.deepcopy(workspace.settings)
    rules = values.pop("rules")
    updated.update(values)
    updated.setdefault("rules", {}).update(rules)
    problems = state.update(settings=updated)
    if problems:
        show_problems(problems, "The new settings have problems; they are kept below.")
    else:
        _reload("Settings applied.")


def _settings_inputs(settings: dict) -> dict:
    """Draw the horizon and rule inputs; return their values as settings keys."""
    rules = settings.get("rules", {})
    intervals = [15, 30, 60]
    left, middle, right = st.columns(3)
    values = {
        "name": left.text_input("Scenario name", value=settings.get("name", "")),
        "week_start": middle.date_input(
            "Week start (horizon starts 00:00 UTC)", value=settings["week_start"]
        ),
        "days": int(right.number_input("Days", 1, 28, int(settings.get("days", 7)), 1)),
        "interval_minutes": left.selectbox(
            "Interval [min]",
            intervals,
            index=intervals.index(int(settings.get("interval_minutes", 30))),
        ),
    }
    lengths = middle.text_input(
        "Allowed shift lengths [h], separated by ';'",
        value=";".join(_hours_text(hours) for hours in rules.get("shift_hours", [8])),
    )
    step = right.number_input(
        "Shift start grid [min]",
        5,
        1440,
        int(rules.get("start_step_minutes", 60)),
        5,
        help="Shifts start on this grid of local time; it must divide a day.",
    )
    rest = left.number_input(
        "Minimum rest between shifts [h]",
        0.0,
        48.0,
        float(rules.get("min_rest_hours", 11)),
        0.5,
    )
    consecutive = middle.number_input(
        "Maximum consecutive working days",
        1,
        28,
        int(rules.get("max_consecutive_days", 6)),
        1,
    )
    values["rules"] = {
        "shift_hours": [_number_or_text(part) for part in lengths.split(";")],
        "start_step_minutes": int(step),
        "min_rest_hours": float(rest),
        "max_consecutive_days": int(consecutive),
    }
    return values


def _hours_text(hours: float | str) -> str:
    return f"{hours:g}" if isinstance(hours, (int, float)) else str(hours)


def _number_or_text(text: str) -> float | str:
    """Parse a number; keep other text so that validation reports it with its value."""
    try:
        return parse_number(text.strip())
    except ValueError:
        return text.strip()


def _demo_tab() -> None:
    st.write(
        "The bundled demo: one week of tiered support in several languages and time "
        "zones, including the night the EU clocks go forward."
    )
    if st.button("Load the demo scenario", key="load_demo", type="primary"):
        with st.spinner("Loading the demo scenario"), guard("loading the demo"):
            state.load_demo()
            _reload("Demo scenario loaded.")


def _upload_tab() -> None:
    st.write(
        "Upload a scenario folder as a **.zip**, an Excel workbook (**.xlsx**), or "
        "single files (`scenario.toml`, `agents.csv`, `demand.csv` or `tickets.csv`, "
        "`timeoff.csv`). Single files replace those parts of the current scenario."
    )
    files = st.file_uploader(
        "Scenario files",
        type=["zip", "xlsx", "csv", "toml"],
        accept_multiple_files=True,
        key=f"scenario_upload_{st.session_state.get('upload_version', 0)}",
    )
    if st.button("Load uploaded files", key="load_upload", disabled=not files):
        with (
            st.spinner("Reading the uploaded files"),
            guard("reading the uploaded files"),
        ):
            if _load_uploads(files):
                # A fresh uploader, so the next upload does not join these files.
                st.session_state.upload_version = (
                    st.session_state.get("upload_version", 0) + 1
                )
                _reload("Uploaded scenario loaded.")


def _load_uploads(files: list) -> bool:
    names = [upload.name for upload in files]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        whole = [
            upload
            for upload in files
            if upload.name.lower().endswith((".zip", ".xlsx"))
        ]
        if whole:
            if len(files) > 1:
                st.error(
                    "Upload a .zip or .xlsx on its own; it holds the whole scenario. "
                    f"Received: {', '.join(names)}."
                )
                return False
            path = root / Path(whole[0].name).name
            path.write_bytes(whole[0].getvalue())
            state.load_path(path, source=f"Uploaded {whole[0].name}")
            return True
        return _load_single_files(files, root / "scenario")


def _load_single_files(files: list, target: Path) -> bool:
    unknown = [f.name for f in files if Path(f.name).name.lower() not in SCENARIO_FILES]
    if unknown:
        st.error(
            f"Unknown file name(s): {', '.join(unknown)}. Name single files "
            f"{', '.join(sorted(SCENARIO_FILES))}."
        )
        return False

    from planner.loading import write_scenario_folder

    target.mkdir()
    scenario = state.current_scenario()
    if scenario is not None:
        write_scenario_folder(scenario, target)
    names = {Path(upload.name).name.lower() for upload in files}
    if "tickets.csv" in names:
        (target / "demand.csv").unlink(missing_ok=True)
    for upload in files:
        (target / Path(upload.name).name.lower()).write_bytes(upload.getvalue())
    state.load_path(target, source="Uploaded " + ", ".join(sorted(names)))
    return True


def _new_tab() -> None:
    st.write(
        "Start from the demo's settings and demand with a small agent table "
        "(one agent per tier), then edit agents and targets on the next pages."
    )
    with st.form("new_scenario"):
        name = st.text_input("Name", value="New scenario")
        week_start = st.date_input(
            "Week start (horizon starts 00:00 UTC)", value=date(2027, 3, 22)
        )
        submitted = st.form_submit_button("Create scenario")
    if submitted:
        with guard("creating the scenario"):
            _create_from_template(name, week_start)


def _create_from_template(name: str, week_start: date) -> None:
    from planner.loading import load_scenario

    demo = load_scenario(state.DEMO)
    shift = pd.Timedelta(days=(week_start - demo.settings.week_start).days)
    settings = state.settings_dict(demo)
    settings["name"] = name
    settings["week_start"] = week_start
    demand = demo.demand.copy()
    demand["interval_start"] = demand["interval_start"] + shift
    agents = _template_agents(demo)

    st.session_state.workspace = state.Workspace(
        settings=settings,
        agents=agents,
        demand=demand,
        timeoff=None,
        source="New from template",
        revision=state.revision() + 1,
    )
    st.session_state.editor_version += 1
    st.session_state.load_error = None
    if state.validate():
        _reload("The new scenario has problems; see the Agents page.")
    else:
        _reload(f"Created '{name}' with {len(agents)} agents.")


def _template_agents(demo) -> pd.DataFrame:
    frame = state.agents_frame(demo)
    first_per_tier = frame.groupby("tier", sort=False).head(1).reset_index(drop=True)
    return first_per_tier


if __name__ == "__main__":
    render()
