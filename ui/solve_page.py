"""Solve page: run the roster solver in the background with live progress."""

from __future__ import annotations

import math

import streamlit as st

from ui import state
from ui.feedback import guard, show_problems
from ui.solve_job import SolveJob

POLL_SECONDS = 1.0


def render() -> None:
    st.title("Solve")
    scenario = state.current_scenario()
    if scenario is None:
        st.info("Load a valid scenario first (Scenario and Agents pages).")
        show_problems(st.session_state.problems)
        return

    job: SolveJob | None = st.session_state.solve_job
    running = job is not None and job.running
    with guard("starting the solver"):
        _controls(scenario, running)
    # The last result sits in its own container. Drawn directly after the progress
    # fragment, its "Last solve" heading sometimes vanished in Chromium.
    # NOTE: the Streamlit cause is not established; the container made it go away
    # in repeated browser runs.
    progress_area = st.container()
    outcome_area = st.container()
    with progress_area:
        # Poll only while a solve runs, so an idle page does not rerun every second.
        st.fragment(_progress, run_every=POLL_SECONDS if running else None)(running)
    with outcome_area:
        _last_outcome()


def _controls(scenario, running: bool) -> None:
    settings = scenario.settings.solver
    left, middle, right = st.columns(3)
    time_limit = left.number_input(
        "Time limit [s]",
        1.0,
        3600.0,
        float(settings.time_limit_seconds),
        1.0,
        key="solve_time_limit",
        disabled=running,
    )
    seed = middle.number_input(
        "Seed", 0, 2**31 - 1, int(settings.seed), 1, key="solve_seed", disabled=running
    )
    workers = right.number_input(
        "Solver threads",
        1,
        64,
        int(settings.workers),
        1,
        key="solve_workers",
        disabled=running,
        help="A fixed seed and thread count give the same roster on every run.",
    )
    st.caption(
        f"{len(scenario.agents)} agents, {len(scenario.queues)} queues, "
        f"{scenario.horizon.n_intervals} intervals of "
        f"{scenario.settings.interval_minutes} minutes."
    )

    buttons = st.container(horizontal=True)
    if buttons.button("Solve", type="primary", disabled=running, key="solve_start"):
        _start(scenario, time_limit, int(seed), int(workers))
        st.rerun()
    if buttons.button("Cancel", disabled=not running, key="solve_cancel"):
        st.session_state.solve_job.cancel()
        st.toast("Cancelling: the best roster found so far will be kept.")


def _start(scenario, time_limit: float, seed: int, workers: int) -> None:
    with st.spinner("Computing requirements"):
        requirements = state.requirements()
    job = SolveJob(scenario, requirements, time_limit, seed, workers, state.revision())
    st.session_state.solve_job = job.start()
    st.session_state.solve_collected = False
    st.session_state.solve_error = None
    st.session_state.solve_problems = None


def _progress(polling: bool) -> None:
    """Show the running solve; rerun the page once it has ended.

    ``polling`` is True when the page was drawn while the solve ran. Such a page is
    stale once the solve ends. It therefore reruns even when an earlier tick already
    collected the output, in case that tick's rerun never reached the browser.
    """
    job: SolveJob | None = st.session_state.solve_job
    if job is None:
        return
    if job.running:
        _show_running(job)
        return
    if state.collect_job() or polling:
        st.rerun(scope="app")


def _show_running(job: SolveJob) -> None:
    figures = job.snapshot()
    # The solver stops after a number of search batches planned from the limit, so it
    # can end a little before or after it: the bar is an estimate and stops short of full.
    fraction = min(0.99, figures["elapsed"] / max(job.time_limit, 1e-9))
    label = (
        f"{figures['phase'].capitalize()}: {figures['elapsed']:.0f} s elapsed, "
        f"time limit {job.time_limit:g} s"
    )
    st.progress(fraction, text=label)
    columns = st.columns(4)
    columns[0].metric("Best objective", _number(figures.get("objective")))
    columns[1].metric("Best bound", _number(figures.get("best_bound")))
    gap = figures.get("gap")
    columns[2].metric("Gap", "n/a" if gap is None else f"{100 * gap:.1f} %")
    columns[3].metric("Solutions found", figures.get("solutions", 0))


def _last_outcome() -> None:
    if st.session_state.get("solve_problems"):
        show_problems(st.session_state.solve_problems, "The solver rejected the input.")
    if st.session_state.get("solve_error"):
        st.error(
            f"The solve failed: {st.session_state.solve_error}. The scenario is kept; "
            "details are in the server log."
        )

    outcome: state.Outcome | None = st.session_state.outcome
    if outcome is None:
        return
    result = outcome.result
    st.subheader("Last solve")
    columns = st.columns(5)
    columns[0].metric("Status", result.status)
    columns[1].metric("Objective", _number(result.objective))
    columns[2].metric("Best bound", _number(result.best_bound))
    gap = "n/a" if result.gap is None else f"{100 * result.gap:.1f} %"
    columns[3].metric("Gap", gap)
    columns[4].metric("Wall time", f"{result.wall_seconds:.1f} s")
    st.write(f"{len(result.shifts)} shifts rostered. See the Results page for KPIs.")

    for message in result.messages:
        st.info(message)
    if not result.deterministic:
        st.caption(
            "Cancel or the wall-clock cap stopped this search, so solving again with "
            "the same seed and thread count may return another roster."
        )
    if outcome.revision != state.revision():
        st.warning("The scenario changed after this solve; solve again to update.")
    st.page_link(
        "ui/results_page.py", label="Open the results", icon=":material/insights:"
    )


def _number(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:,.1f}"


if __name__ == "__main__":
    render()
