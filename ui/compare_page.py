"""Compare page: KPIs of two rosters side by side (current result or saved versions)."""

from __future__ import annotations

import streamlit as st

from planner.compare import compare
from ui import results_files
from ui.feedback import guard

CURRENT = "Current result (this session)"


def render() -> None:
    st.title("Compare")
    st.caption(
        "Pick two rosters: the current result or saved scenario versions with "
        "results attached (save with 'Attach the latest results' on the Scenario page)."
    )
    with guard("listing the saved results"):
        sources = available_sources()
    if len(sources) < 2:
        st.info(
            "Comparing needs two rosters with results. Solve a scenario and save it "
            "with its results, then solve or load another."
        )
        return

    left, right = st.columns(2)
    labels = list(sources)
    first = left.selectbox("Scenario A", labels, index=0, key="compare_a")
    second = right.selectbox("Scenario B", labels, index=1, key="compare_b")
    with guard("comparing"):
        _comparison(first, sources[first](), second, sources[second]())


def available_sources() -> dict:
    """Map a label to a function that returns that roster's summary.json content."""
    sources = {}
    outcome = st.session_state.outcome
    if outcome is not None:
        sources[CURRENT] = lambda: results_files.summary(outcome)
    from ui.store_panel import open_store

    store = open_store()
    for info in store.list_scenarios():
        for version in reversed(store.versions(info.name)):
            if "summary.json" not in version.result_names:
                continue
            label = f"{info.name}, version {version.version}"
            sources[label] = _loader(store, info.name, version.version)
    return sources


def _loader(store, name: str, version: int):
    return lambda: store.load(name, version).results["summary.json"]


def _comparison(first: str, a: dict, second: str, b: dict) -> None:
    if first == second:
        st.info("Pick two different rosters.")
        return
    table = compare(a, b, labels=("A", "B"))
    # Confidence limits exist only for simulated KPIs; drop them when neither has any.
    table = table.dropna(axis="columns", how="all")
    st.markdown(f"**A**: {first}  \n**B**: {second}")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "metric": st.column_config.TextColumn("KPI"),
            "A": st.column_config.NumberColumn("A", format="%.3g"),
            "B": st.column_config.NumberColumn("B", format="%.3g"),
            "difference": st.column_config.NumberColumn("B - A", format="%.3g"),
            "relative_change": st.column_config.NumberColumn(
                "Change (B - A) / A", format="percent"
            ),
        },
    )
    st.caption(
        "Simulated KPIs (run Simulate MTTR on the Results page before saving) carry "
        "95% confidence limits in the ci columns. A KPI missing on one side is empty."
    )


if __name__ == "__main__":
    render()
