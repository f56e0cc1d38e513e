"""Small scenarios and AppTest helpers shared by the app tests."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"
if str(REPO) not in sys.path:
    # The ui package sits beside app.py and is not installed; Streamlit finds it
    # the same way, from the folder of the main script.
    sys.path.insert(0, str(REPO))

SETTINGS = """name = "Two-day test scenario"
week_start = 2027-03-22
days = 2
interval_minutes = 60

[tiers.L1]
aht_minutes = 12
service_level = 0.8
target_wait_minutes = 15
escalation_rate = 0.2
floor = 1

[tiers.L2]
aht_minutes = 45
service_level = 0.8
target_wait_minutes = 60
floor = 0

[staffing]
shrinkage = 0.2
max_occupancy = 0.85

[rules]
shift_hours = [8]
start_step_minutes = 240
min_rest_hours = 11
max_consecutive_days = 6

[solver]
time_limit_seconds = 3
seed = 0
workers = 2
"""

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]
AGENT_IDS = [f"A{number:02d}" for number in range(1, 10)]


def agents_table() -> pd.DataFrame:
    """Nine agents: six L1 and three L2, in three time zones, some bilingual."""
    rows = []
    for index, agent_id in enumerate(AGENT_IDS):
        rows.append(
            {
                "agent_id": agent_id,
                "name": f"Agent {index + 1}",
                "tier": "L1" if index < 6 else "L2",
                "languages": "en;de" if index % 2 == 0 else "en",
                "timezone": ZONES[index % 3],
                "min_hours_week": 0,
                "max_hours_week": 16,
                "max_days_week": 2,
                "night_ok": "true" if index % 3 else "false",
                "cost_per_hour": 30 + index,
            }
        )
    return pd.DataFrame(rows)


def demand_table() -> pd.DataFrame:
    """Hourly English and German arrivals over two days, English varying by hour."""
    starts = pd.date_range("2027-03-22", periods=48, freq="60min", tz="UTC")
    rows = []
    for start in starts:
        stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            {
                "interval_start": stamp,
                "language": "en",
                "arrivals": 4 + start.hour % 12 / 2,
            }
        )
        rows.append({"interval_start": stamp, "language": "de", "arrivals": 1.5})
    return pd.DataFrame(rows)


def write_small_scenario(folder: Path) -> Path:
    """Write the two-day scenario folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(SETTINGS, encoding="utf-8")
    agents_table().to_csv(folder / "agents.csv", index=False)
    demand_table().to_csv(folder / "demand.csv", index=False)
    return folder


def open_app(timeout: float = 60) -> AppTest:
    """Run the app once; the first scenario comes from the environment."""
    return AppTest.from_file(str(APP), default_timeout=timeout).run()


def goto(app: AppTest, page: str) -> AppTest:
    """Switch to ``ui/<page>_page.py`` and run it."""
    return app.switch_page(f"ui/{page}_page.py").run()


def editor_key(app: AppTest) -> str:
    return f"agents_editor_{app.session_state['editor_version']}"


def edit_agents(app: AppTest, edited_rows: dict) -> AppTest:
    """Apply cell edits to the agents editor as the browser would, then rerun."""
    app.session_state[editor_key(app)] = {
        "edited_rows": edited_rows,
        "added_rows": [],
        "deleted_rows": [],
    }
    return app.run()


def solve_in_app(app: AppTest, time_limit: float = 3, wait: float = 90) -> AppTest:
    """Start a solve on the Solve page and rerun until its result is collected."""
    goto(app, "solve")
    app.number_input(key="solve_time_limit").set_value(time_limit)
    app.number_input(key="solve_workers").set_value(2)
    app.button(key="solve_start").click().run()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        job = app.session_state["solve_job"]
        if job is not None and job.wait(1.0):
            app.run()
            if app.session_state["outcome"] is not None:
                return app
        app.run()
    raise AssertionError(f"the solve did not finish within {wait} s")


def metric_values(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def labelled(widgets, label: str):
    """Return the one widget of ``widgets`` with this label."""
    matches = [widget for widget in widgets if widget.label == label]
    assert len(matches) == 1, f"{len(matches)} widgets labelled {label!r}"
    return matches[0]


def problem_table(app: AppTest):
    """Return the table of input problems shown on the page."""
    for frame in app.dataframe:
        if list(frame.value.columns)[:4] == ["file", "row", "column", "value"]:
            return frame.value
    raise AssertionError("no problem table on the page")
