"""AppTest checks of defects a new planner meets when using the app from the screen."""

from __future__ import annotations

import json

import pytest
from app_scenarios import (
    agents_table,
    edit_agents,
    goto,
    labelled,
    metric_values,
    open_app,
    problem_table,
    solve_in_app,
    write_small_scenario,
)


@pytest.fixture
def small(tmp_path, monkeypatch):
    folder = write_small_scenario(tmp_path / "small")
    monkeypatch.setenv("PLANNER_DEFAULT_SCENARIO", str(folder))
    monkeypatch.setenv("PLANNER_STORE_URL", str(tmp_path / "store.sqlite"))
    return folder


def _upload_agents(app, count: int):
    uploaders = app.file_uploader
    assert len(uploaders) == 1
    data = agents_table().head(count).to_csv(index=False).encode()
    uploaders[0].upload("agents.csv", data, "text/csv")
    app.run()
    app.button(key="load_upload").click().run()
    return app


def test_second_upload_after_load_accepted(small):
    app = open_app()
    _upload_agents(app, 5)
    assert metric_values(app)["Agents"] == "5"
    assert not app.file_uploader[0].value, "the loaded files leave the uploader"

    _upload_agents(app, 3)

    assert not app.exception
    assert not app.error
    assert metric_values(app)["Agents"] == "3"


def test_unbounded_mttr_warning_matches_roster(tmp_path, monkeypatch):
    folder = write_small_scenario(tmp_path / "small")
    monkeypatch.setenv("PLANNER_DEFAULT_SCENARIO", str(folder))
    monkeypatch.setenv("PLANNER_STORE_URL", str(tmp_path / "store.sqlite"))
    app = goto(solve_in_app(open_app(), time_limit=1), "results")
    outcome = app.session_state["outcome"]
    unserved = outcome.projection.kpis.get("unserved_queues") or []
    if not unserved:
        pytest.skip("this roster works off every queue's tickets")
    allocation = outcome.result.allocation
    served = set(allocation.loc[allocation["scheduled"] > 0, "queue"])

    warnings = [warning.value for warning in app.warning if "MTTR" in warning.value]

    assert not app.exception
    assert len(warnings) == 1
    if served & set(unserved):
        assert "all week" not in warnings[0], "a queue with agents is called unserved"


def test_bulk_edit_rejects_fractional_days(small):
    app = goto(open_app(), "agents")
    before = app.session_state["workspace"].agents["max_days_week"].tolist()
    labelled(app.selectbox, "Field").set_value("max_days_week")
    labelled(app.text_input, "New value").set_value("2.5")
    labelled(app.form_submit_button, "Apply to matching agents").click().run()

    assert not app.exception
    assert any("2.5" in error.value for error in app.error)
    after = app.session_state["workspace"].agents["max_days_week"].tolist()
    assert after == before, "a fractional day count is not truncated"


def test_unreachable_targets_warn_on_demand_page(small):
    app = goto(open_app(), "demand")
    l1_warning = "scenario has 6 L1 agents"
    assert not [w for w in app.warning if l1_warning in w.value]

    labelled(app.number_input, "Shrinkage [%]").set_value(99.0)
    labelled(app.number_input, "L1 service level [%]").set_value(100.0)
    labelled(app.form_submit_button, "Apply targets").click().run()

    assert not app.exception
    warnings = [w.value for w in app.warning if l1_warning in w.value]
    assert len(warnings) == 1
    assert "needs up to" in warnings[0]


def test_service_level_typed_as_share_warns(small):
    app = goto(open_app(), "demand")

    labelled(app.number_input, "L2 service level [%]").set_value(0.8)
    labelled(app.form_submit_button, "Apply targets").click().run()

    warnings = [w.value for w in app.warning if "takes a percent" in w.value]
    assert not app.exception
    assert len(warnings) == 1
    assert warnings[0].startswith("L2 service level is 0.8 %")


def test_heatmap_legends_trim_zeros(small):
    app = goto(open_app(), "demand")
    specs = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]

    assert len(specs) == 2
    for spec in specs:
        legend = spec["encoding"]["color"]["legend"]
        assert legend["format"] == "~g"


def test_empty_cell_problem_shows_empty(small):
    app = goto(open_app(), "agents")
    edit_agents(app, {0: {"languages": None}})

    problems = problem_table(app)
    row = problems[problems["column"] == "languages"].iloc[0]

    assert not app.exception
    assert row["row"] == 2
    assert row["value"] == "(empty)"


def test_simulation_table_names_unbounded(tmp_path, monkeypatch):
    folder = write_small_scenario(tmp_path / "small")
    monkeypatch.setenv("PLANNER_DEFAULT_SCENARIO", str(folder))
    monkeypatch.setenv("PLANNER_STORE_URL", str(tmp_path / "store.sqlite"))
    app = goto(solve_in_app(open_app(), time_limit=1), "results")
    app.number_input(key="sim_reps").set_value(2)
    app.button(key="simulate").click().run()
    simulation = app.session_state["outcome"].simulation
    if not simulation.unresolved:
        pytest.skip("every simulated ticket was resolved")

    tables = [frame.value for frame in app.dataframe]
    table = next(t for t in tables if "95% CI low [min]" in t.columns)
    cells = table.drop(columns="MTTR of").to_numpy().ravel().tolist()

    assert not app.exception
    assert None not in cells
    assert "unbounded" in cells
