"""Time loading and validating scenarios: the demo, and a large synthetic month.

The synthetic scenario has 28 days of 15-minute intervals in 20 languages (53,760
demand rows) and ``--agents`` agents. It is written as a folder, a zip and a
workbook. Run from the repository root:

    .venv/bin/python bench/load_bench.py [--agents 2000] [--repeat 3]

Prints one Markdown table row per case (best of ``--repeat`` runs) for
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd

from planner.loading import load_scenario

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = [
    "en",
    "de",
    "fr",
    "es",
    "it",
    "ja",
    "zh",
    "ko",
    "pt",
    "nl",
    "sv",
    "pl",
    "ru",
    "tr",
    "ar",
    "hi",
    "da",
    "fi",
    "no",
    "cs",
]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo"]
TOML = """name = "Synthetic month"
week_start = 2027-03-22
days = 28
interval_minutes = 15
"""


def write_month(folder: Path, agents: int) -> None:
    folder.mkdir(parents=True)
    (folder / "scenario.toml").write_text(TOML, encoding="utf-8")

    starts = pd.date_range(
        pd.Timestamp(date(2027, 3, 22), tz="UTC"), periods=28 * 96, freq="15min"
    )
    demand = pd.DataFrame(
        [
            (start.strftime("%Y-%m-%dT%H:%M:%SZ"), language, 1.25)
            for start in starts
            for language in LANGUAGES
        ],
        columns=["interval_start", "language", "arrivals"],
    )
    demand.to_csv(folder / "demand.csv", index=False)

    rows = [
        {
            "agent_id": f"A{index:05d}",
            "name": f"Agent {index}",
            "tier": ("L1", "L2", "L3")[index % 3],
            "languages": f"en;{LANGUAGES[index % len(LANGUAGES)]}",
            "timezone": ZONES[index % len(ZONES)],
            "max_hours_week": "37,5" if index % 2 else "40",
        }
        for index in range(agents)
    ]
    pd.DataFrame(rows).to_csv(folder / "agents.csv", index=False, sep=";")


def write_zip(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in folder.iterdir():
            archive.write(path, f"month/{path.name}")


def write_workbook(folder: Path, target: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    settings = book.create_sheet("settings")
    settings.append(["key", "value"])
    for line in TOML.strip().splitlines():
        key, value = (part.strip() for part in line.split("=", 1))
        settings.append([key, value.strip('"')])
    for name, separator in (("agents", ";"), ("demand", ",")):
        frame = pd.read_csv(folder / f"{name}.csv", sep=separator, dtype=str)
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    book.save(target)


def best_of(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--agents", type=int, default=2000, help="agents in the synthetic month"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per case; the best counts"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp())
    try:
        month = work / "month"
        write_month(month, args.agents)
        write_zip(month, work / "month.zip")
        write_workbook(month, work / "month.xlsx")
        cases = {
            "demo folder (70 agents, 1,680 demand rows)": REPO / "data" / "demo",
            f"month folder ({args.agents} agents, 53,760 demand rows)": month,
            "month zip": work / "month.zip",
            "month workbook": work / "month.xlsx",
        }
        print("| case | seconds |")
        print("|---|---|")
        for label, path in cases.items():
            seconds = best_of(args.repeat, lambda path=path: load_scenario(path))
            print(f"| {label} | {seconds:.3f} |")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
