"""Agents page: edit agents one by one or many at once, with problems shown inline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.cells import parse_bool, parse_integer, parse_languages, parse_number
from ui import state
from ui.feedback import guard, show_problems

BULK_FIELDS = {
    "tier": "Tier (L1, L2 or L3)",
    "languages": "Languages (e.g. en;de)",
    "timezone": "Time zone (IANA name)",
    "min_hours_week": "Minimum hours per week",
    "max_hours_week": "Maximum hours per week",
    "max_days_week": "Maximum days per week",
    "night_ok": "Night work allowed (true/false)",
    "cost_per_hour": "Cost per paid hour",
}


def column_config() -> dict:
    """Column editors for the agents.csv columns; each help text names the column."""
    config = st.column_config
    return {
        "agent_id": config.TextColumn(
            "agent_id", help="agent_id: unique id of the agent", required=True
        ),
        "name": config.TextColumn("name", help="name: display name"),
        "tier": config.SelectboxColumn(
            "tier", options=["L1", "L2", "L3"], required=True, width="small"
        ),
        "languages": config.TextColumn(
            "languages", help="languages: ISO 639-1 codes separated by ';', e.g. en;de"
        ),
        "timezone": config.TextColumn(
            "timezone", help="timezone: IANA name, e.g. Europe/Berlin or Asia/Tokyo"
        ),
        "min_hours_week": config.NumberColumn(
            "min h/week",
            help="min_hours_week: contract minimum paid hours in the week",
            min_value=0.0,
            max_value=168.0,
            step=0.5,
            format="%.1f",
            width="small",
        ),
        "max_hours_week": config.NumberColumn(
            "max h/week",
            help="max_hours_week: contract maximum paid hours in the week",
            min_value=0.0,
            max_value=168.0,
            step=0.5,
            format="%.1f",
            width="small",
        ),
        "max_days_week": config.NumberColumn(
            "max days",
            help="max_days_week: maximum working days in the week",
            min_value=0,
            max_value=7,
            step=1,
            format="%d",
            width="small",
        ),
        "night_ok": config.CheckboxColumn(
            "night ok",
            help="night_ok: may work between 00:00 and 06:00 local time",
            width="small",
        ),
        "cost_per_hour": config.NumberColumn(
            "cost/hour",
            help="cost_per_hour: cost of one paid hour, any currency",
            min_value=0.0,
            step=0.5,
            format="%.2f",
            width="small",
        ),
    }


def render() -> None:
    st.title("Agents")
    workspace = st.session_state.workspace
    if workspace is None:
        st.info("Load a scenario on the Scenario page first.")
        return

    st.caption(
        "Edit cells directly; add rows at the bottom, delete with the row checkbox. "
        "Hours accept halves (37.5). Every change is checked at once."
    )
    with guard("applying the agent edits"):
        _editor(workspace)
    show_problems(st.session_state.problems)
    if not st.session_state.problems:
        st.success(f"{len(workspace.agents)} agents, no problems found.")

    with st.expander("Change many agents at once"), guard("changing agents"):
        _bulk_edit(workspace)

    if workspace.timeoff is not None and len(workspace.timeoff):
        st.subheader("Time off (UTC)")
        st.dataframe(workspace.timeoff, hide_index=True, width="stretch")


def editor_key() -> str:
    return f"agents_editor_{st.session_state.editor_version}"


def _editor(workspace: state.Workspace) -> None:
    key = editor_key()
    if key not in st.session_state or st.session_state.get("agents_base_key") != key:
        # A fresh editor (new data, or its widget state was dropped when the user
        # left the page) starts from the workspace, which contains every applied edit.
        st.session_state.agents_base = workspace.agents.copy()
        st.session_state.agents_base_key = key
        st.session_state.agents_applied_edits = None

    edited = st.data_editor(
        st.session_state.agents_base,
        key=key,
        num_rows="dynamic",
        column_config=column_config(),
        column_order=state.AGENT_COLUMNS,
        hide_index=True,
        width="stretch",
        height=min(600, 38 + 35 * (len(st.session_state.agents_base) + 1)),
    )
    edits = repr(st.session_state.get(key))
    if edits != st.session_state.agents_applied_edits:
        st.session_state.agents_applied_edits = edits
        if not edited.equals(workspace.agents):
            state.update(agents=edited.reset_index(drop=True))


def _bulk_edit(workspace: state.Workspace) -> None:
    agents = workspace.agents
    with st.form("bulk_edit"):
        left, middle, right = st.columns(3)
        tiers = left.multiselect("Tiers", ["L1", "L2", "L3"], default=[])
        language = middle.text_input("Speaking language (code, empty for any)")
        column = right.selectbox(
            "Field", list(BULK_FIELDS), format_func=BULK_FIELDS.get
        )
        value = st.text_input("New value")
        submitted = st.form_submit_button("Apply to matching agents")
    if not submitted:
        return

    mask = select_agents(agents, tiers, language)
    if not mask.any():
        st.warning("No agent matches that selection.")
        return
    try:
        typed = typed_value(column, value)
    except ValueError as error:
        st.error(f"{BULK_FIELDS[column]}: {value!r} {error}.")
        return
    changed = agents.copy()
    changed.loc[mask, column] = typed
    state.update(agents=changed)
    st.session_state.editor_version += 1
    st.session_state.flash = f"Set {column} = {value} for {int(mask.sum())} agents."
    st.rerun()


def select_agents(agents: pd.DataFrame, tiers: list[str], language: str) -> pd.Series:
    """Mask the agents in ``tiers`` (any tier when empty) who speak ``language``."""
    mask = pd.Series(True, index=agents.index)
    if tiers:
        mask &= agents["tier"].isin(tiers)
    code = language.strip().lower()
    if code:
        mask &= (
            agents["languages"]
            .fillna("")
            .map(lambda text: code in parse_languages(text))
        )
    return mask


def typed_value(column: str, value: str) -> object:
    """Parse a bulk-edit value for ``column``; raises ValueError with the reason."""
    if column in ("min_hours_week", "max_hours_week", "cost_per_hour"):
        return parse_number(value)
    if column == "max_days_week":
        return parse_integer(value)
    if column == "night_ok":
        return parse_bool(value)
    if column == "tier" and value.strip().upper() not in ("L1", "L2", "L3"):
        raise ValueError("is not L1, L2 or L3")
    return value.strip().upper() if column == "tier" else value.strip()


if __name__ == "__main__":
    render()
