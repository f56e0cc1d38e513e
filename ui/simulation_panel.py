"""The "Simulate MTTR" panel: a discrete-event check of the projected MTTR."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from planner.simulation import simulate


def render(outcome) -> None:
    st.write(
        "Simulate the L1 -> L2 -> L3 ticket network over the horizon with this roster, "
        "several times with independent random streams. The table compares the "
        "simulated MTTR (mean with 95% confidence interval) with the fast projection."
    )
    left, middle, right = st.columns(3)
    replications = left.number_input("Replications", 2, 100, 10, 1, key="sim_reps")
    seed = middle.number_input("Seed", 0, 2**31 - 1, 0, 1, key="sim_seed")
    abandonment = right.checkbox(
        "Abandonment",
        key="sim_abandon",
        help="Tickets leave the queue after the tier's patience_minutes, "
        "for tiers that set it.",
    )
    if st.button("Simulate MTTR", key="simulate", type="primary"):
        with st.spinner(f"Simulating {int(replications)} replications"):
            outcome.simulation = simulate(
                outcome.scenario,
                outcome.result.shifts,
                outcome.result.allocation,
                replications=int(replications),
                seed=int(seed),
                abandonment=abandonment,
            )
    if outcome.simulation is not None:
        _show(outcome)


def _show(outcome) -> None:
    simulation = outcome.simulation
    projected = {}
    unserved = []
    if outcome.projection is not None:
        projected = outcome.projection.kpis.get("mttr_minutes") or {}
        unserved = outcome.projection.kpis.get("unserved_queues") or []
    table = estimates_table(simulation, projected)
    st.dataframe(
        estimates_text(table, bool(simulation.unresolved), bool(unserved)),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        f"{simulation.replications} replications, seed {simulation.seed}, warm-up "
        f"{simulation.warmup_days:g} days; abandonment "
        f"{'on' if simulation.abandonment else 'off'}."
    )
    if simulation.unresolved:
        st.warning(
            f"{simulation.unresolved} tickets were still open when the simulation "
            "stopped, so some MTTR figures are unbounded: a queue has too few agents."
        )


def estimates_table(simulation, projected: dict) -> pd.DataFrame:
    """Tabulate per tier the simulated MTTR with its 95% interval and the projection."""
    rows = []
    for key, estimate in simulation.mttr_minutes.items():
        rows.append(
            {
                "MTTR of": key,
                "simulated mean [min]": _round(estimate.mean),
                "95% CI low [min]": _round(estimate.ci_low),
                "95% CI high [min]": _round(estimate.ci_high),
                "projected [min]": _round(projected.get(key)),
            }
        )
    return pd.DataFrame(rows)


def estimates_text(
    table: pd.DataFrame, simulated_unbounded: bool, projected_unbounded: bool
) -> pd.DataFrame:
    """Format the estimates as text, a missing MTTR reading "unbounded" or "n/a"."""
    text = table.astype(object)
    for column in text.columns[1:]:
        if column.startswith("projected"):
            unbounded = projected_unbounded
        else:
            unbounded = simulated_unbounded
        missing = "unbounded" if unbounded else "n/a"
        text[column] = [
            missing if pd.isna(value) else f"{value:,.1f}" for value in table[column]
        ]
    return text


def _round(value) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 1)
