"""Demand and targets page: arrivals, service targets and the staffing requirement."""

from __future__ import annotations

import copy

import pandas as pd
import streamlit as st

from ui import charts, state
from ui.feedback import guard, show_problems

TIER_DEFAULTS = {
    "aht_minutes": 12.0,
    "service_level": 0.8,
    "target_wait_minutes": 15.0,
    "escalation_rate": 0.0,
    "floor": 1,
    "language_floor": 0,
}


def render() -> None:
    st.title("Demand and targets")
    workspace = st.session_state.workspace
    if workspace is None:
        st.info("Load a scenario on the Scenario page first.")
        return

    with guard("drawing the arrivals"):
        _arrivals(workspace)
    st.divider()
    with guard("updating the targets"):
        _targets_form(workspace)
    st.divider()
    with guard("computing the staffing requirements"):
        _requirements()


def _arrivals(workspace: state.Workspace) -> None:
    st.subheader("Arrivals")
    demand = workspace.demand
    if demand is None or demand.empty:
        st.info("The scenario has no demand.")
        return
    languages = sorted(demand["language"].unique().tolist())
    column, _ = st.columns([1, 2])
    choice = column.selectbox(
        "Language", ["all languages", *languages], key="arrivals_language"
    )
    rows = demand if choice == "all languages" else demand[demand["language"] == choice]
    cells = charts.by_day_and_hour(rows, "arrivals", how="sum")
    st.altair_chart(
        charts.day_hour_heatmap(cells, "Arrivals [tickets/hour]"), width="stretch"
    )
    total = float(rows["arrivals"].sum())
    st.caption(f"{total:,.0f} new tickets in the horizon ({choice}); all enter L1.")


def _targets_form(workspace: state.Workspace) -> None:
    st.subheader("Service targets and staffing")
    settings = workspace.settings
    tiers = settings.get("tiers", {})
    staffing = settings.get("staffing", {})
    with st.form("targets"):
        values = {}
        for column, tier in zip(st.columns(len(tiers) or 1), tiers):
            with column:
                values[tier] = _tier_inputs(tier, {**TIER_DEFAULTS, **tiers[tier]})
        left, right = st.columns(2)
        shrinkage = left.number_input(
            "Shrinkage [%]",
            0.0,
            99.0,
            100 * float(staffing.get("shrinkage", 0.3)),
            1.0,
            help="Share of paid time not available for tickets",
        )
        occupancy = right.number_input(
            "Maximum occupancy [%]",
            1.0,
            100.0,
            100 * float(staffing.get("max_occupancy", 0.85)),
            1.0,
        )
        submitted = st.form_submit_button("Apply targets", type="primary")
    if not submitted:
        return

    updated = copy.deepcopy(settings)
    for tier, tier_values in values.items():
        updated["tiers"][tier].update(tier_values)
    updated.setdefault("staffing", {})
    updated["staffing"]["shrinkage"] = shrinkage / 100
    updated["staffing"]["max_occupancy"] = occupancy / 100
    problems = state.update(settings=updated)
    if problems:
        show_problems(problems)
        return

    st.success("Targets applied; the requirement below is updated.")
    _warn_fraction_typed_as_percent(values)


LOW_PERCENT = 5.0
"""A service level under this many percent is most likely a share typed as a percent."""


def _warn_fraction_typed_as_percent(values: dict) -> None:
    for tier, tier_values in values.items():
        percent = 100 * tier_values["service_level"]
        if 0 < percent < LOW_PERCENT:
            st.warning(
                f"{tier} service level is {percent:g} %. The field takes a percent: "
                f"enter 80 for 80 %, not 0.8."
            )


def _tier_inputs(tier: str, current: dict) -> dict:
    st.markdown(f"**{tier}**")
    return {
        "service_level": st.number_input(
            f"{tier} service level [%]",
            0.0,
            100.0,
            100 * float(current["service_level"]),
            1.0,
            key=f"{tier}_sl",
        )
        / 100,
        "target_wait_minutes": st.number_input(
            f"{tier} target wait [min]",
            0.0,
            10_000.0,
            float(current["target_wait_minutes"]),
            1.0,
            key=f"{tier}_wait",
        ),
        "aht_minutes": st.number_input(
            f"{tier} AHT [min]",
            0.5,
            10_000.0,
            float(current["aht_minutes"]),
            0.5,
            key=f"{tier}_aht",
        ),
        "escalation_rate": st.number_input(
            f"{tier} escalation rate [%]",
            0.0,
            100.0,
            100 * float(current["escalation_rate"]),
            1.0,
            key=f"{tier}_esc",
        )
        / 100,
        "floor": int(
            st.number_input(
                f"{tier} floor [agents, whole tier]",
                0,
                1000,
                int(current["floor"]),
                1,
                key=f"{tier}_floor",
            )
        ),
        "language_floor": int(
            st.number_input(
                f"{tier} floor per language [agents]",
                0,
                1000,
                int(current["language_floor"]),
                1,
                key=f"{tier}_lfloor",
            )
        ),
    }


def _requirements() -> None:
    st.subheader("Staffing requirement")
    if state.current_scenario() is None:
        show_problems(st.session_state.problems)
        st.info("The requirement appears once the scenario is valid.")
        return
    with st.spinner("Computing requirements"):
        requirements = state.requirements()
    queues = list(dict.fromkeys(requirements["queue"]))
    column, _ = st.columns([1, 2])
    queue = column.selectbox("Queue", queues, key="requirements_queue")
    rows = requirements[requirements["queue"] == queue]
    cells = charts.by_day_and_hour(rows, "required", how="max")
    st.altair_chart(
        charts.day_hour_heatmap(
            cells, "Required agents (max in hour)", scheme="oranges"
        ),
        width="stretch",
    )
    _requirement_summary(requirements)


def _capacity_warnings(requirements) -> None:
    """Warn when a tier needs more agents at once than the scenario has in it."""
    scenario = state.current_scenario()
    peaks = requirements.groupby(["tier", "interval_start"])["required"].sum()
    peaks = peaks.groupby(level="tier").max()
    agents = pd.Series([agent.tier for agent in scenario.agents]).value_counts()
    for tier, peak in peaks.items():
        available = int(agents.get(tier, 0))
        if peak > available:
            st.warning(
                f"{tier} needs up to {int(peak)} agents on shift at once, but the "
                f"scenario has {available} {tier} agents. Check the targets "
                "(service level, target wait, shrinkage) or add agents; the solver "
                "can only staff part of this requirement."
            )


def _requirement_summary(requirements) -> None:
    _capacity_warnings(requirements)
    summary = requirements.groupby("queue", sort=False).agg(
        arrivals=("arrivals", "sum"),
        peak_required=("required", "max"),
        mean_required=("required", "mean"),
        agent_hours=("required", "sum"),
    )
    horizon = state.current_scenario().horizon
    summary["agent_hours"] = summary["agent_hours"] / horizon.intervals_per_hour
    st.dataframe(
        summary.reset_index(),
        hide_index=True,
        width="stretch",
        column_config={
            "arrivals": st.column_config.NumberColumn(
                "Tickets in horizon", format="%.0f"
            ),
            "peak_required": st.column_config.NumberColumn("Peak required [agents]"),
            "mean_required": st.column_config.NumberColumn(
                "Mean required [agents]", format="%.1f"
            ),
            "agent_hours": st.column_config.NumberColumn(
                "Required agent-hours", format="%.0f"
            ),
        },
    )


if __name__ == "__main__":
    render()
