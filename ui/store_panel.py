"""Loading from and saving to the scenario store (``planner.store``)."""

from __future__ import annotations

import os

import streamlit as st

from planner.store import STORE_URL_VARIABLE, ConflictError, ScenarioStore
from ui import results_files, state


@st.cache_resource(show_spinner=False)
def _open_store(url: str | None) -> ScenarioStore:
    return ScenarioStore(url)


def open_store() -> ScenarioStore:
    """Open the store named by ``$PLANNER_STORE_URL`` (a SQLite file by default)."""
    return _open_store(os.environ.get(STORE_URL_VARIABLE))


def version_label(info) -> str:
    extra = f", results: {', '.join(info.result_names)}" if info.result_names else ""
    by = f" by {info.saved_by}" if info.saved_by else ""
    return f"version {info.version}, {info.saved_at:%Y-%m-%d %H:%M} UTC{by}{extra}"


def pick_version(store: ScenarioStore, key: str, label: str = "Saved scenario"):
    """Let the user choose a saved scenario and version; return (name, version)."""
    scenarios = store.list_scenarios()
    if not scenarios:
        return None, None
    names = [info.name for info in scenarios]
    name = st.selectbox(label, names, key=f"{key}_name")
    versions = list(reversed(store.versions(name)))
    chosen = st.selectbox(
        "Version", versions, format_func=version_label, key=f"{key}_version"
    )
    return name, chosen.version if chosen else None


def load_panel() -> None:
    store = open_store()
    st.caption(f"Store: {store.engine.url.render_as_string()}")
    name, version = pick_version(store, "load")
    if name is None:
        st.info("The store is empty. Save a scenario below to see it here.")
        return
    if st.button("Load this version", key="load_saved"):
        with st.spinner(f"Loading {name} version {version}"):
            stored = store.load(name, version)
        state.set_scenario(
            stored.scenario,
            source=f"Store: {name}, version {stored.version}",
            store_name=name,
            store_version=stored.version,
        )
        st.session_state.flash = f"Loaded {name}, version {stored.version}."
        st.rerun()


def save_panel() -> None:
    st.subheader("Save to the store")
    workspace = st.session_state.workspace
    if workspace is None:
        return
    default = workspace.store_name or workspace.settings.get("name", "")
    with st.form("save_scenario"):
        left, right = st.columns(2)
        name = left.text_input("Save as", value=default)
        author = right.text_input("Your name (shown with the version)", key="author")
        outcome = st.session_state.outcome
        fresh = outcome is not None and outcome.revision == workspace.revision
        attach = st.checkbox(
            "Attach the latest results (roster, coverage, summary)",
            value=fresh,
            disabled=not fresh,
            help="Only results computed for the scenario as it is now can be attached.",
        )
        submitted = st.form_submit_button("Save")
    if submitted:
        _save(name.strip(), author.strip(), attach and fresh)


def _save(name: str, author: str, attach: bool) -> None:
    workspace = st.session_state.workspace
    scenario = state.current_scenario()
    if scenario is None:
        st.error("The scenario has problems; fix them before saving.")
        return
    base = workspace.store_version if name == workspace.store_name else None
    results = results_files.result_files(st.session_state.outcome) if attach else None
    try:
        version = open_store().save(
            name, scenario, base_version=base, author=author, results=results
        )
    except ConflictError as error:
        st.error(f"Not saved: {error}")
        st.caption("Your edits are kept in this session.")
        return
    except ValueError as error:
        st.error(f"Not saved: {error}")
        return
    workspace.store_name = name
    workspace.store_version = version
    st.success(f"Saved {name}, version {version}.")
