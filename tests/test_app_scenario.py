"""AppTest checks of the Scenario and Agents pages: load, edit, validate, save."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from app_scenarios import (
    agents_table,
    demand_table,
    edit_agents,
    editor_key,
    goto,
    labelled,
    metric_values,
    open_app,
    problem_table,
    write_small_scenario,
)
from conftest import DEMO

from planner.loading import load_scenario
from planner.store import ScenarioStore


@pytest.fixture
def small(tmp_path, monkeypatch):
    folder = write_small_scenario(tmp_path / "small")
    monkeypatch.setenv("PLANNER_DEFAULT_SCENARIO", str(folder))
    monkeypatch.setenv("PLANNER_STORE_URL", str(tmp_path / "store.sqlite"))
    return folder


def test_app_opens_default_scenario(small):
    app = open_app()

    assert not app.exception
    assert not app.error
    assert app.title[0].value == "Scenario"
    metrics = metric_values(app)
    assert metrics["Agents"] == "9"
    assert metrics["Languages"] == "2"


def test_app_opens_bundled_demo_first(tmp_path, monkeypatch):
    if not DEMO.is_dir():
        pytest.skip("the demo scenario data/demo is not there yet")
    monkeypatch.delenv("PLANNER_DEFAULT_SCENARIO", raising=False)
    monkeypatch.setenv("PLANNER_STORE_URL", str(tmp_path / "store.sqlite"))
    app = open_app()

    assert not app.exception
    demo = load_scenario(DEMO)
    assert metric_values(app)["Agents"] == str(len(demo.agents))


def test_every_page_renders_without_exception(small):
    app = open_app()
    for page in ("agents", "demand", "solve", "results", "compare", "export"):
        goto(app, page)
        assert not app.exception, page
        assert app.title[0].value, page


def test_agent_edit_keeps_half_hours(small):
    app = goto(open_app(), "agents")
    edit_agents(app, {0: {"max_hours_week": 37.5}})

    assert not app.exception
    assert app.session_state["problems"] == []
    assert app.session_state["workspace"].agents.loc[0, "max_hours_week"] == 37.5
    assert app.session_state["scenario"].agents[0].max_hours_week == 37.5


def test_agent_edit_survives_page_switch(small):
    app = goto(open_app(), "agents")
    edit_agents(app, {0: {"max_hours_week": 37.5}})
    goto(app, "demand")
    goto(app, "agents")

    assert app.data_editor[0].value.loc[0, "max_hours_week"] == 37.5
    assert app.session_state["workspace"].agents.loc[0, "max_hours_week"] == 37.5


def test_bad_timezone_listed_in_problem_table(small):
    app = goto(open_app(), "agents")
    edit_agents(app, {1: {"timezone": "Mars/Olympus"}})

    assert not app.exception
    assert app.error, "an error banner names the problem"
    problems = problem_table(app)
    row = problems[problems["column"] == "timezone"].iloc[0]
    assert row["file"] == "agents.csv"
    assert row["row"] == 3
    assert row["value"] == "Mars/Olympus"
    assert "IANA" in row["fix"]
    assert app.session_state["scenario"] is None
    kept = app.session_state["workspace"].agents.loc[1, "timezone"]
    assert kept == "Mars/Olympus", "the user's input is kept"


def test_fixing_timezone_clears_problem(small):
    app = goto(open_app(), "agents")
    edit_agents(app, {1: {"timezone": "Mars/Olympus"}})
    edit_agents(app, {1: {"timezone": "Europe/Paris"}})

    assert app.session_state["problems"] == []
    assert app.session_state["scenario"].agents[1].timezone == "Europe/Paris"


def test_bulk_edit_sets_field_for_tier(small):
    app = goto(open_app(), "agents")
    labelled(app.multiselect, "Tiers").set_value(["L2"])
    labelled(app.selectbox, "Field").set_value("max_hours_week")
    labelled(app.text_input, "New value").set_value("37,5")
    labelled(app.form_submit_button, "Apply to matching agents").click().run()

    assert not app.exception
    agents = app.session_state["workspace"].agents
    assert (agents.loc[agents["tier"] == "L2", "max_hours_week"] == 37.5).all()
    assert (agents.loc[agents["tier"] == "L1", "max_hours_week"] == 16).all()
    assert app.data_editor[0].value.loc[8, "max_hours_week"] == 37.5


def test_bulk_edit_rejects_bad_number(small):
    app = goto(open_app(), "agents")
    labelled(app.selectbox, "Field").set_value("max_hours_week")
    labelled(app.text_input, "New value").set_value("lots")
    labelled(app.form_submit_button, "Apply to matching agents").click().run()

    assert not app.exception
    assert any("lots" in error.value for error in app.error)
    assert (app.session_state["workspace"].agents["max_hours_week"] == 16).all()


def _zip_of_folder(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, arcname=path.name)
    return buffer.getvalue()


def test_upload_zip_loads_scenario(small, tmp_path):
    other = write_small_scenario(tmp_path / "other")
    agents = agents_table().head(4)
    agents.to_csv(other / "agents.csv", index=False)
    app = open_app()
    app.file_uploader(key="scenario_upload_0").upload(
        "team.zip", _zip_of_folder(other), "application/zip"
    )
    app.run()
    app.button(key="load_upload").click().run()

    assert not app.exception
    assert metric_values(app)["Agents"] == "4"
    assert "team.zip" in app.session_state["workspace"].source


def test_upload_single_agents_csv_replaces_agents(small):
    app = open_app()
    agents = agents_table().head(5).to_csv(index=False).encode()
    app.file_uploader(key="scenario_upload_0").upload("agents.csv", agents, "text/csv")
    app.run()
    app.button(key="load_upload").click().run()

    assert not app.exception
    assert metric_values(app)["Agents"] == "5"
    assert len(app.session_state["scenario"].demand) == len(demand_table())


def test_upload_bad_csv_lists_problems(small):
    app = open_app()
    bad = agents_table()
    bad.loc[2, "tier"] = "L9"
    app.file_uploader(key="scenario_upload_0").upload(
        "agents.csv", bad.to_csv(index=False).encode(), "text/csv"
    )
    app.run()
    app.button(key="load_upload").click().run()

    assert not app.exception
    assert app.error
    problems = problem_table(app)
    row = problems[problems["column"] == "tier"].iloc[0]
    assert row["value"] == "L9"
    assert row["row"] == 4
    assert metric_values(app)["Agents"] == "9", "the loaded scenario is kept"


def test_save_then_conflict_keeps_edits(small, tmp_path):
    app = open_app()
    labelled(app.text_input, "Save as").set_value("team week")
    labelled(app.form_submit_button, "Save").click().run()
    assert not app.exception
    assert app.session_state["workspace"].store_version == 1

    store = ScenarioStore(str(tmp_path / "store.sqlite"))
    scenario = load_scenario(small)
    store.save("team week", scenario, base_version=1, author="colleague")
    store.close()

    goto(app, "agents")
    goto(app, "scenario")
    labelled(app.text_input, "Save as").set_value("team week")
    labelled(app.form_submit_button, "Save").click().run()

    assert not app.exception
    message = " ".join(error.value for error in app.error)
    assert "changed after you loaded version 1" in message
    assert app.session_state["workspace"].store_version == 1


def test_load_saved_version(small, tmp_path):
    store = ScenarioStore(str(tmp_path / "store.sqlite"))
    scenario = load_scenario(small)
    store.save("stored", scenario, base_version=None, author="planner")
    store.close()

    app = open_app()
    app.button(key="load_saved").click().run()

    assert not app.exception
    workspace = app.session_state["workspace"]
    assert workspace.store_name == "stored"
    assert workspace.store_version == 1


def test_new_from_template_has_small_agent_table(small):
    if not DEMO.is_dir():
        pytest.skip("the template copies the demo scenario data/demo")
    app = open_app()
    labelled(app.text_input, "Name").set_value("Hiring plan")
    labelled(app.form_submit_button, "Create scenario").click().run()

    assert not app.exception
    workspace = app.session_state["workspace"]
    assert workspace.settings["name"] == "Hiring plan"
    assert len(workspace.agents) <= 3


def test_upload_tickets_derives_demand(small):
    generator = np.random.default_rng(1)
    seconds = generator.uniform(0, 14 * 24 * 3600, 400)
    created = pd.Timestamp("2027-03-08T00:00Z") + pd.to_timedelta(seconds, unit="s")
    tickets = pd.DataFrame(
        {
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "language": generator.choice(["en", "de"], len(seconds)),
        }
    )
    app = open_app()
    app.file_uploader(key="scenario_upload_0").upload(
        "tickets.csv", tickets.to_csv(index=False).encode(), "text/csv"
    )
    app.run()
    app.button(key="load_upload").click().run()

    assert not app.exception
    demand = app.session_state["scenario"].demand
    # Two whole weeks of history: the derived week has half the tickets, in the
    # two days of the horizon.
    assert demand["arrivals"].sum() < len(tickets) / 2
    assert set(demand["language"]) == {"de", "en"}
    assert "tickets.csv" in app.session_state["workspace"].source


def test_added_and_deleted_agent_rows(small):
    app = goto(open_app(), "agents")
    new_agent = {
        "agent_id": "NEW1",
        "tier": "L1",
        "languages": "en;de",
        "timezone": "Europe/Berlin",
        "max_hours_week": 37.5,
    }
    app.session_state[editor_key(app)] = {
        "edited_rows": {},
        "added_rows": [new_agent],
        "deleted_rows": [0],
    }
    app.run()

    assert not app.exception
    assert app.session_state["problems"] == []
    agents = app.session_state["scenario"].agents
    ids = [agent.agent_id for agent in agents]
    assert "A01" not in ids
    assert ids[-1] == "NEW1"
    assert agents[-1].max_hours_week == 37.5
    assert len(agents) == 9


def test_settings_form_changes_rules(small):
    app = open_app()
    labelled(app.text_input, "Allowed shift lengths [h], separated by ';'").set_value(
        "8;10"
    )
    labelled(app.number_input, "Minimum rest between shifts [h]").set_value(12.0)
    labelled(app.form_submit_button, "Apply settings").click().run()

    assert not app.exception
    rules = app.session_state["scenario"].settings.rules
    assert rules.shift_hours == (8.0, 10.0)
    assert rules.min_rest_hours == 12.0


def test_settings_form_reports_bad_shift_length(small):
    app = open_app()
    labelled(app.text_input, "Allowed shift lengths [h], separated by ';'").set_value(
        "8;long"
    )
    labelled(app.form_submit_button, "Apply settings").click().run()

    assert not app.exception
    problems = problem_table(app)
    assert "long" in " ".join(str(value) for value in problems["value"])
    assert app.session_state["scenario"] is None
    rules = app.session_state["workspace"].settings["rules"]
    assert rules["shift_hours"] == [8.0, "long"]

    app.run()
    shown = labelled(app.text_input, "Allowed shift lengths [h], separated by ';'")
    assert shown.value == "8;long", "the rejected input stays editable"
    assert not any("went wrong" in error.value for error in app.error)


def test_opening_agents_page_changes_nothing(small):
    app = open_app()
    revision = app.session_state["workspace"].revision
    goto(app, "agents")
    goto(app, "demand")
    goto(app, "agents")

    assert app.session_state["workspace"].revision == revision
    assert app.session_state["problems"] == []
