"""End to end in headless Chromium: demo, solve, KPIs and the roster.csv download.

Starts ``streamlit run app.py`` on a free local port and drives it with Playwright
through Debian's Chromium (``/usr/bin/chromium``); Playwright never downloads a
browser. A full-page screenshot of every page goes to test-output/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO, REPO

from planner.loading import load_scenario
from planner.roster_io import ROSTER_COLUMNS

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}
SOLVE_SECONDS = 15
STARTUP_SECONDS = 60
# The demo has 70 agents over a week of 30-minute intervals: model building, the
# search and the projection together take well over the search limit, and far longer
# when other test suites share the machine.
SOLVE_WAIT_MS = 600_000
STALL_WAIT_MS = 90_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"streamlit did not answer within {STARTUP_SECONDS} s")


@pytest.fixture
def server(tmp_path):
    """A Streamlit server on 127.0.0.1 with its own scenario store; yields its URL."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    if not DEMO.is_dir():
        pytest.skip("the demo scenario data/demo is missing")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    env = dict(os.environ, PLANNER_STORE_URL=str(tmp_path / "store.sqlite"))
    env.pop("PLANNER_DEFAULT_SCENARIO", None)
    command = [
        str(Path(sys.executable).parent / "streamlit"),
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def page(server, tmp_path):
    """A Chromium page with a fresh profile, opened on the app."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            accept_downloads=True,
            viewport=VIEWPORT,
        )
        try:
            browser_page = context.new_page()
            browser_page.set_default_timeout(120_000)
            browser_page.goto(server)
            yield browser_page
        finally:
            context.close()


def _open(page, title: str) -> None:
    """Click a sidebar link and wait until the page's title is drawn."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()
    _wait_idle(page)


def _wait_idle(page) -> None:
    """Wait until the app has finished its script run."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=120_000,
    )
    page.wait_for_timeout(500)


def _screenshot(page, name: str) -> None:
    """Save the whole page: Streamlit scrolls inside its main block, not the document,
    so the viewport is stretched to the content's height for the capture."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, 900)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)


def _wait_for_solve_end(page) -> None:
    """Wait for the finished solve; open the Solve page again if the view stalls.

    NOTE: in about one browser run in three, the page kept showing the running solve
    after the solve had ended, although the server was idle; the cause in Streamlit's
    fragment reruns is not established. Opening the page again in the same session,
    as a planner would, shows the result, which this test then checks.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    deadline = time.monotonic() + SOLVE_WAIT_MS / 1000
    while True:
        try:
            page.get_by_text("Last solve").wait_for(timeout=STALL_WAIT_MS)
            return
        except PlaywrightTimeoutError:
            if time.monotonic() > deadline:
                raise
        page.get_by_test_id("stSidebarNav").get_by_text("Solve", exact=True).click()


def _metrics(page) -> dict[str, str]:
    values = {}
    for metric in page.get_by_test_id("stMetric").all():
        label = metric.get_by_test_id("stMetricLabel").inner_text().strip()
        values[label] = metric.get_by_test_id("stMetricValue").inner_text().strip()
    return values


def test_demo_solve_and_download_roster(page, tmp_path):
    demo = load_scenario(DEMO)
    page.get_by_role("heading", name="Scenario").first.wait_for()
    page.get_by_test_id("stMetric").first.wait_for()
    _wait_idle(page)
    assert _metrics(page)["Agents"] == str(len(demo.agents))
    _screenshot(page, "1-scenario")

    _open(page, "Agents")
    page.get_by_test_id("stDataFrame").first.wait_for()
    _screenshot(page, "2-agents")

    _open(page, "Demand and targets")
    page.get_by_text("Staffing requirement").wait_for()
    _screenshot(page, "3-demand")

    _open(page, "Solve")
    limit = page.get_by_label("Time limit [s]")
    limit.fill(str(SOLVE_SECONDS))
    limit.press("Enter")
    _wait_idle(page)
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text("Best objective").wait_for(timeout=120_000)
    _screenshot(page, "4-solve-running")
    _wait_for_solve_end(page)
    _wait_idle(page)
    _screenshot(page, "5-solve-done")

    _open(page, "Results")
    metrics = _metrics(page)
    assert "Projected MTTR overall" in metrics
    assert metrics["Paid hours"] not in ("", "n/a")
    assert "Intervals below floor" in metrics
    _screenshot(page, "6-results")
    for number, tab in enumerate(["Coverage", "Staffing gaps", "Explanations"], 1):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(1000)
        _screenshot(page, f"6.{number}-results-{tab.lower().replace(' ', '-')}")

    _open(page, "Scenario")
    save_as = page.get_by_label("Save as")
    save_as.fill("demo baseline")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved demo baseline, version 1").wait_for()

    _open(page, "Compare")
    page.get_by_test_id("stDataFrame").first.wait_for()
    # The grid draws on a canvas; its accessible copy of the header is hidden.
    page.get_by_text("B - A").first.wait_for(state="attached")
    _screenshot(page, "7-compare")

    _open(page, "Export")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="roster.csv").click()
    path = tmp_path / "roster.csv"
    download_info.value.save_as(path)
    _screenshot(page, "8-export")

    roster = pd.read_csv(path, dtype=str)
    assert list(roster.columns) == ROSTER_COLUMNS
    assert len(roster) > 0
    assert set(roster["agent_id"]) <= {agent.agent_id for agent in demo.agents}
    assert not roster.duplicated(["agent_id", "start_utc"]).any(), "one row per shift"
    assert roster["start_utc"].str.endswith("Z").all()
    caption = page.get_by_text("shifts; coverage has").inner_text()
    assert caption.startswith(f"{len(roster)} shifts")
