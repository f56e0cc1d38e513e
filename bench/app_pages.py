"""Time each page of the web app on the bundled demo, as a script rerun.

Run from the repository root::

    .venv/bin/python bench/app_pages.py [--repeat 3] [--solve-seconds 10]

Streamlit reruns the page script on every click, so a page's rerun time is what a
planner waits after each interaction. The script renders every page with AppTest
(in-process, no browser), solves the demo once so that the Results and Export pages
have a roster, and prints the median rerun time per page as a Markdown table.
Browser rendering and network time are not included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from app_scenarios import goto, open_app, solve_in_app

PAGES = ("scenario", "agents", "demand", "solve", "results", "compare", "export")


def time_pages(app, repeat: int) -> dict[str, float]:
    """Return the median seconds of a rerun per page."""
    timings = {}
    for page in PAGES:
        goto(app, page)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            app.run()
            samples.append(time.perf_counter() - started)
        timings[page] = statistics.median(samples)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="reruns per page")
    parser.add_argument(
        "--solve-seconds", type=float, default=10, help="solver time limit [s]"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    app = open_app(timeout=600)
    first_open = time.perf_counter() - started
    before = time_pages(app, args.repeat)

    started = time.perf_counter()
    solve_in_app(app, time_limit=args.solve_seconds, wait=900)
    solve_wall = time.perf_counter() - started
    after = time_pages(app, args.repeat)

    print(f"first open (loads the demo): {first_open:.2f} s")
    print(
        f"solve with a {args.solve_seconds:g} s limit, until collected: "
        f"{solve_wall:.1f} s"
    )
    print()
    print("| page | rerun before solve [s] | rerun after solve [s] |")
    print("|---|---|---|")
    for page in PAGES:
        print(f"| {page} | {before[page]:.2f} | {after[page]:.2f} |")


if __name__ == "__main__":
    main()
