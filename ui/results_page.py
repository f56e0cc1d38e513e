"""Results page: KPIs, roster, coverage, staffing gaps, explanations and simulation."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from planner.shifts import zone
from ui import charts, results_files, simulation_panel, state
from ui.feedback import guard


def render() -> None:
    st.title("Results")
    outcome: state.Outcome | None = st.session_state.outcome
    if outcome is None:
        st.info("No roster yet. Run the solver on the Solve page.")
        st.page_link(
            "ui/solve_page.py", label="Go to Solve", icon=":material/play_circle:"
        )
        return
    if outcome.revision != state.revision():
        st.warning(
            "The scenario changed after this solve. These results belong to the "
            "scenario as it was then; solve again to update them."
        )

    with guard("showing the KPIs"):
        show_kpis(outcome)
    roster_tab, coverage_tab, gaps_tab, explain_tab, simulate_tab = st.tabs(
        ["Roster", "Coverage", "Staffing gaps", "Explanations", "Simulate MTTR"]
    )
    with roster_tab, guard("drawing the roster"):
        _roster(outcome)
    with coverage_tab, guard("drawing the coverage"):
        _coverage(outcome)
    with gaps_tab, guard("drawing the staffing gaps"):
        _gaps(outcome)
    with explain_tab, guard("listing the explanations"):
        _explanations(outcome)
    with simulate_tab, guard("simulating"):
        simulation_panel.render(outcome)


def show_kpis(outcome: state.Outcome) -> None:
    """Show the projected KPIs as metrics, MTTR first."""
    result = outcome.result
    if outcome.projection is None:
        st.warning(
            "The projection failed, so MTTR and service level are missing: "
            f"{outcome.projection_error or 'unknown error'}."
        )
        kpis = {}
    else:
        kpis = outcome.projection.kpis

    tiers = outcome.scenario.settings.tier_order
    mttr = kpis.get("mttr_minutes") or {}
    # MTTR is None when a queue's backlog never clears (more tickets than capacity).
    unserved = kpis.get("unserved_queues") or []
    missing = "unbounded" if unserved else "n/a"
    columns = st.columns(1 + len(tiers))
    columns[0].metric("Projected MTTR overall", _minutes(mttr.get("overall"), missing))
    for column, tier in zip(columns[1:], tiers):
        column.metric(f"MTTR {tier}", _minutes(mttr.get(tier), missing))

    service = kpis.get("service_level") or {}
    columns = st.columns(1 + len(tiers))
    columns[0].metric("Service level overall", _percent(service.get("overall")))
    for column, tier in zip(columns[1:], tiers):
        column.metric(f"Service level {tier}", _percent(service.get(tier)))

    columns = st.columns(4)
    columns[0].metric("Cost", _number(kpis.get("cost"), 0))
    paid = kpis.get("paid_hours", sum(shift.paid_hours for shift in result.shifts))
    columns[1].metric("Paid hours", _number(paid, 1))
    columns[2].metric(
        "Intervals below floor", _count(kpis.get("intervals_below_floor"))
    )
    columns[3].metric(
        "Intervals below requirement", _count(kpis.get("intervals_below_requirement"))
    )
    if unserved:
        st.warning(
            f"The roster cannot work off all tickets of {', '.join(unserved)}: "
            "over the planning period their agents can start fewer tickets than "
            "arrive, so the backlog never clears and MTTR is unbounded. Add agents "
            "or hours for these queues, then solve again."
        )
    gap = "n/a" if result.gap is None else f"{100 * result.gap:.1f} %"
    st.caption(
        f"Solver status {result.status}, optimality gap {gap}, "
        f"{len(result.shifts)} shifts, {result.wall_seconds:.1f} s."
    )


def _roster(outcome: state.Outcome) -> None:
    if not outcome.result.shifts:
        st.info("The roster has no shifts.")
        return
    zones = sorted({agent.timezone for agent in outcome.scenario.agents})
    choice = st.radio(
        "Show times in",
        ["UTC", "each agent's local time", *zones],
        horizontal=True,
        key="roster_zone",
    )
    bars = roster_bars(outcome, choice)
    label = (
        "local time of each agent" if choice == "each agent's local time" else choice
    )
    st.altair_chart(charts.roster_timeline(bars, label), width="stretch")
    with st.expander("Roster table (roster.csv)"):
        st.dataframe(
            results_files.roster_table(outcome), hide_index=True, width="stretch"
        )


def roster_bars(outcome: state.Outcome, choice: str) -> pd.DataFrame:
    """Return one bar per shift with naive start/end in the chosen time zone."""
    agents = {agent.agent_id: agent for agent in outcome.scenario.agents}
    rows = []
    for shift in outcome.result.shifts:
        agent = agents.get(shift.agent_id)
        if choice == "UTC":
            start, end = shift.start_utc, shift.end_utc
        elif choice == "each agent's local time":
            start, end = shift.start_local, shift.end_local
        else:
            start = shift.start_utc.astimezone(zone(choice))
            end = shift.end_utc.astimezone(zone(choice))
        rows.append(
            {
                # Ids keep agents who share a display name on separate rows.
                "agent": _agent_label(shift.agent_id, agent),
                "tier": agent.tier if agent else "?",
                "start": start.replace(tzinfo=None),
                "end": end.replace(tzinfo=None),
                "hours": shift.paid_hours,
            }
        )
    return pd.DataFrame(rows)


def _agent_label(agent_id: str, agent) -> str:
    if agent is None or not agent.name:
        return agent_id
    return f"{agent_id} {agent.name}"


def _coverage(outcome: state.Outcome) -> None:
    coverage = results_files.coverage_table(outcome)
    names = list(dict.fromkeys(coverage["queue"]))
    column, _ = st.columns([1, 2])
    queue = column.selectbox("Queue or tier", names, key="coverage_queue")
    rows = coverage[coverage["queue"] == queue]
    title = f"{queue}: required (line) and scheduled (area) agents"
    st.altair_chart(charts.coverage_chart(rows, title), width="stretch")
    short = rows[rows["gap"] > 0]
    largest = int(rows["gap"].max()) if len(rows) else 0
    st.caption(
        f"{len(short)} of {len(rows)} intervals below the requirement; "
        f"largest shortfall: {max(largest, 0)} agent(s)."
    )
    extra = [c for c in ("service_level", "asa_minutes", "occupancy") if c in rows]
    if extra:
        with st.expander("Per-interval projection"):
            st.dataframe(rows, hide_index=True, width="stretch")


def _gaps(outcome: state.Outcome) -> None:
    coverage = results_files.coverage_table(outcome)
    st.altair_chart(charts.gap_heatmap(coverage), width="stretch")
    st.caption(
        "Largest staffing gap (required minus scheduled agents) per UTC hour. "
        "Red: short of the requirement; blue: surplus."
    )


def _explanations(outcome: state.Outcome) -> None:
    result = outcome.result
    for message in result.messages:
        st.info(message)
    violations = result.floor_violations
    if violations is not None and len(violations):
        st.error(f"{len(violations)} interval(s) below a coverage floor.")
        st.dataframe(violations, hide_index=True, width="stretch")
    else:
        st.success("Every interval meets the coverage floors.")
    if result.proposals:
        st.subheader("Proposed additions")
        for proposal in result.proposals:
            st.markdown(f"- {proposal}")
    if result.penalties:
        st.subheader("Objective by soft goal")
        penalties = pd.DataFrame(
            {"goal": list(result.penalties), "penalty": list(result.penalties.values())}
        )
        st.dataframe(penalties, hide_index=True, width=500)
    capacity = result.capacity_check
    if capacity is not None and len(capacity):
        with st.expander("Capacity check: agent-hours needed against available"):
            st.dataframe(capacity, hide_index=True, width="stretch")


def _minutes(value, missing: str = "n/a") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if isinstance(value, float) and math.isinf(value):
        return "unbounded"
    return f"{value:,.0f} min"


def _percent(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{100 * value:.1f} %"


def _number(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _count(value) -> str:
    return "n/a" if value is None else f"{int(value)}"


if __name__ == "__main__":
    render()
