"""Support planner web app: ``streamlit run app.py``.

Each page is a module in ``ui/`` that renders itself when Streamlit runs it. The
pages call the same pipeline functions as the command line.
"""

from __future__ import annotations

import logging

import streamlit as st

from ui import state
from ui.feedback import guard

PAGES = [
    ("ui/scenario_page.py", "Scenario", "scenario", ":material/folder_open:"),
    ("ui/agents_page.py", "Agents", "agents", ":material/group:"),
    ("ui/demand_page.py", "Demand and targets", "demand", ":material/monitoring:"),
    ("ui/solve_page.py", "Solve", "solve", ":material/play_circle:"),
    ("ui/results_page.py", "Results", "results", ":material/insights:"),
    ("ui/compare_page.py", "Compare", "compare", ":material/compare_arrows:"),
    ("ui/export_page.py", "Export", "export", ":material/download:"),
]


def run() -> None:
    """Configure the page, prepare the session and run the selected page."""
    st.set_page_config(
        page_title="Support planner",
        page_icon=":material/calendar_month:",
        layout="wide",
    )
    logging.basicConfig(level=logging.INFO)
    state.init()
    state.collect_job()

    pages = [
        st.Page(path, title=title, url_path=url, icon=icon, default=index == 0)
        for index, (path, title, url, icon) in enumerate(PAGES)
    ]
    page = st.navigation(pages)
    _sidebar()
    flash = st.session_state.pop("flash", None)
    if flash:
        st.toast(flash, icon=":material/check_circle:")
    with guard(f"showing the {page.title} page"):
        page.run()


def _sidebar() -> None:
    workspace = st.session_state.workspace
    with st.sidebar:
        if workspace is None:
            st.caption("No scenario loaded.")
            return
        name = workspace.settings.get("name", "Unnamed scenario")
        st.markdown(f"**{name}**")
        st.caption(workspace.source or "edited in the app")
        if st.session_state.problems:
            st.warning(f"{len(st.session_state.problems)} input problem(s)")
        job = st.session_state.solve_job
        if job is not None and job.running:
            st.fragment(_solver_status, run_every=2)()


def _solver_status() -> None:
    """Show that a solve runs, and rerun the app once it ends to show the result."""
    job = st.session_state.solve_job
    if job.running:
        st.info(f"Solver running, {job.snapshot()['elapsed']:.0f} s")
    else:
        st.rerun(scope="app")


run()
