"""AppTest checks of requirements, solve, results, export and compare pages."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest
from app_scenarios import (
    AGENT_IDS,
    edit_agents,
    goto,
    labelled,
    metric_values,
    open_app,
    solve_in_app,
    write_small_scenario,
)

from planner.exports import roster_csv_bytes
from planner.roster_io import ROSTER_COLUMNS
from ui import results_files
from ui.export_page import calendars, workbook

pytest.importorskip("planner.requirements")


SOLVE_SECONDS = 1


def _use_scenario(folder, store, patch: pytest.MonkeyPatch) -> None:
    patch.setenv("PLANNER_DEFAULT_SCENARIO", str(folder))
    patch.setenv("PLANNER_STORE_URL", str(store))


@pytest.fixture
def small(tmp_path, monkeypatch):
    folder = write_small_scenario(tmp_path / "small")
    _use_scenario(folder, tmp_path / "store.sqlite", monkeypatch)
    return folder


@pytest.fixture(scope="module")
def shared_solve(tmp_path_factory):
    """One app session solved once, for the tests that only read its result."""
    root = tmp_path_factory.mktemp("solved")
    folder = write_small_scenario(root / "small")
    with pytest.MonkeyPatch.context() as patch:
        _use_scenario(folder, root / "store.sqlite", patch)
        yield solve_in_app(open_app(), time_limit=SOLVE_SECONDS)


@pytest.fixture
def solved(shared_solve):
    """The shared solved session, opened on the Solve page."""
    return goto(shared_solve, "solve")


@pytest.fixture
def own_solve(small):
    """A solved app session that the test may change."""
    return solve_in_app(open_app(), time_limit=SOLVE_SECONDS)


def _chart_specs(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def test_demand_page_shows_heatmaps_with_units(small):
    app = goto(open_app(), "demand")

    assert not app.exception
    assert not app.error
    text = json.dumps(_chart_specs(app))
    assert "Hour of day (UTC)" in text
    assert "Arrivals [tickets/hour]" in text
    assert "Required agents" in text


def test_targets_change_updates_requirement(small):
    app = goto(open_app(), "demand")
    before = app.session_state["requirements"]
    peak_before = before.loc[before["queue"] == "L1-en", "required"].max()

    labelled(app.number_input, "L1 target wait [min]").set_value(1.0)
    labelled(app.number_input, "L1 service level [%]").set_value(95.0)
    labelled(app.form_submit_button, "Apply targets").click().run()

    assert not app.exception
    assert (
        app.session_state["workspace"].settings["tiers"]["L1"]["service_level"] == 0.95
    )
    after = app.session_state["requirements"]
    peak_after = after.loc[after["queue"] == "L1-en", "required"].max()
    assert peak_after > peak_before


def test_solve_shows_status_and_keeps_result(solved):
    app = solved

    assert not app.exception
    outcome = app.session_state["outcome"]
    assert outcome.result.status in ("OPTIMAL", "FEASIBLE")
    assert "Status" in metric_values(app)
    goto(app, "agents")
    goto(app, "solve")
    assert app.session_state["outcome"] is outcome, "navigation keeps the result"


def test_results_page_shows_kpis(solved):
    app = goto(solved, "results")

    assert not app.exception
    metrics = metric_values(app)
    overall = metrics["Projected MTTR overall"]
    assert overall.endswith(" min") or overall == "unbounded"
    assert "MTTR L1" in metrics
    assert "Service level overall" in metrics
    paid = sum(shift.paid_hours for shift in app.session_state["outcome"].result.shifts)
    assert metrics["Paid hours"] == f"{paid:,.1f}"
    assert "Intervals below floor" in metrics
    text = json.dumps(_chart_specs(app))
    assert "Time (UTC)" in text
    assert "Interval start (UTC)" in text
    assert "Gap [agents]" in text


def test_results_roster_in_agent_zone(solved):
    app = goto(solved, "results")
    app.radio(key="roster_zone").set_value("Asia/Tokyo").run()

    assert not app.exception
    assert "Time (Asia/Tokyo)" in json.dumps(_chart_specs(app))


def test_simulate_button_shows_intervals(solved):
    app = goto(solved, "results")
    app.number_input(key="sim_reps").set_value(3)
    app.button(key="simulate").click().run()

    assert not app.exception
    simulation = app.session_state["outcome"].simulation
    assert simulation.replications == 3
    tables = [frame.value for frame in app.dataframe]
    table = next(t for t in tables if "95% CI low [min]" in t.columns)
    assert "overall" in set(table["MTTR of"])


def test_export_buttons_present(solved):
    app = goto(solved, "export")

    assert not app.exception
    labels = {button.label for button in app.download_button}
    assert {"roster.csv", "coverage.csv", "summary.json"} <= labels
    assert "Excel workbook (.xlsx)" in labels
    assert "Calendars per agent (.zip of .ics)" in labels


def test_export_roster_bytes_match_format(solved):
    outcome = solved.session_state["outcome"]
    roster = results_files.roster_table(outcome)
    data = roster_csv_bytes(roster)
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    assert list(frame.columns) == ROSTER_COLUMNS
    assert len(frame) == len(outcome.result.shifts)
    assert set(frame["agent_id"]) <= set(AGENT_IDS)

    with zipfile.ZipFile(io.BytesIO(calendars(outcome))) as archive:
        names = archive.namelist()
    assert len(names) == len(set(frame["agent_id"]))
    assert workbook(outcome)[:2] == b"PK"


def test_compare_current_with_saved(own_solve):
    app = goto(own_solve, "scenario")
    labelled(app.text_input, "Save as").set_value("baseline")
    labelled(app.form_submit_button, "Save").click().run()
    assert not app.exception

    app = goto(app, "compare")
    assert not app.exception
    table = next(
        frame.value for frame in app.dataframe if "metric" in frame.value.columns
    )
    paid = table.loc[table["metric"] == "paid hours"].iloc[0]
    assert paid["A"] == pytest.approx(paid["B"])
    assert paid["difference"] == pytest.approx(0.0)


def test_scenario_edit_marks_result_stale(own_solve):
    app = goto(own_solve, "agents")
    edit_agents(app, {0: {"cost_per_hour": 99.0}})
    goto(app, "results")

    assert any("changed after this solve" in warning.value for warning in app.warning)


def test_page_failure_shows_plain_error(small):
    from ui.state import Outcome

    app = open_app()
    scenario = app.session_state["scenario"]
    app.session_state["outcome"] = Outcome(
        scenario=scenario, requirements=None, result=None, revision=-1
    )
    goto(app, "results")

    assert not app.exception, "no traceback on the page"
    messages = " ".join(error.value for error in app.error)
    assert "Something went wrong while" in messages
    assert "AttributeError" in messages
