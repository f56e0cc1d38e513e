"""Export page: roster and coverage CSV, the Excel workbook, calendars, the scenario."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from functools import partial
from pathlib import Path

import streamlit as st

from planner.exports import roster_csv_bytes, summary_frame, workbook_bytes
from planner.ical import agent_calendars, calendars_zip
from ui import results_files, state
from ui.feedback import guard

DELIMITERS = {
    "Comma (plain CSV, English-language Excel)": ",",
    "Semicolon with decimal commas (continental European Excel)": ";",
}


def render() -> None:
    st.title("Export")
    outcome: state.Outcome | None = st.session_state.outcome
    scenario = state.current_scenario()

    if outcome is None:
        st.info(
            "Solve a roster first to export it. The scenario can be exported below."
        )
    else:
        if outcome.revision != state.revision():
            st.warning(
                "The scenario changed after this solve; the exports show that solve."
            )
        with guard("preparing the roster files"):
            _roster_files(outcome)

    st.divider()
    st.subheader("Scenario")
    if scenario is None:
        st.info("The scenario has problems; fix them to export it.")
        return
    with guard("packing the scenario"):
        st.download_button(
            "Scenario folder (.zip)",
            data=partial(scenario_zip, scenario),
            file_name="scenario.zip",
            mime="application/zip",
            on_click="ignore",
            key="download_scenario",
        )
        st.caption(
            "scenario.toml, agents.csv, demand.csv and timeoff.csv, "
            "ready to load again."
        )


def _roster_files(outcome: state.Outcome) -> None:
    st.subheader("Roster and coverage")
    left, right = st.columns(2)
    excel = left.toggle(
        "Excel-compatible CSV",
        value=False,
        key="export_excel",
        help="Adds a UTF-8 byte-order mark and CRLF line ends so Excel shows accents.",
    )
    delimiter = DELIMITERS[
        right.selectbox("Delimiter", list(DELIMITERS), key="export_delimiter")
    ]
    roster = results_files.roster_table(outcome)
    coverage = results_files.coverage_csv_table(outcome)

    columns = st.columns(3)
    columns[0].download_button(
        "roster.csv",
        data=roster_csv_bytes(roster, excel=excel, delimiter=delimiter),
        file_name="roster.csv",
        mime="text/csv",
        on_click="ignore",
        key="download_roster",
        icon=":material/download:",
        type="primary",
    )
    columns[1].download_button(
        "coverage.csv",
        data=roster_csv_bytes(coverage, excel=excel, delimiter=delimiter),
        file_name="coverage.csv",
        mime="text/csv",
        on_click="ignore",
        key="download_coverage",
        icon=":material/download:",
    )
    columns[2].download_button(
        "summary.json",
        data=json.dumps(results_files.summary(outcome), indent=2),
        file_name="summary.json",
        mime="application/json",
        on_click="ignore",
        key="download_summary",
        icon=":material/download:",
    )
    st.caption(f"{len(roster)} shifts; coverage has {len(coverage)} rows.")

    columns = st.columns(3)
    columns[0].download_button(
        "Excel workbook (.xlsx)",
        data=partial(workbook, outcome),
        file_name="roster.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="download_workbook",
        icon=":material/table:",
    )
    columns[1].download_button(
        "Calendars per agent (.zip of .ics)",
        data=partial(calendars, outcome),
        file_name="calendars.zip",
        mime="application/zip",
        on_click="ignore",
        key="download_calendars",
        icon=":material/calendar_month:",
    )


def workbook(outcome: state.Outcome) -> bytes:
    """Return the Excel workbook: summary, roster, coverage and requirements sheets."""
    requirements = outcome.requirements.copy()
    requirements["interval_start"] = requirements["interval_start"].dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return workbook_bytes(
        {
            "summary": summary_frame(results_files.summary(outcome)),
            "roster": results_files.roster_table(outcome),
            "coverage": results_files.coverage_csv_table(outcome),
            "requirements": requirements,
        }
    )


def calendars(outcome: state.Outcome) -> bytes:
    """Return a zip with one iCalendar file per agent who has shifts."""
    return calendars_zip(agent_calendars(outcome.result.shifts, outcome.scenario))


def scenario_zip(scenario) -> bytes:
    """Return the scenario as a zipped folder that the Scenario page loads again."""
    from planner.loading import write_scenario_folder

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        write_scenario_folder(scenario, folder)
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(folder).iterdir()):
                archive.write(path, arcname=path.name)
    return buffer.getvalue()


if __name__ == "__main__":
    render()
