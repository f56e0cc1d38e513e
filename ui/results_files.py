"""Result files of a solved roster: roster.csv, coverage.csv and summary.json."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from planner.coverage import coverage_csv_frame, coverage_frame
from planner.csvsafe import frame_to_csv_bytes
from planner.roster_io import roster_frame


def roster_table(outcome) -> pd.DataFrame:
    """Return the roster in the roster.csv columns."""
    return roster_frame(outcome.result.shifts, outcome.scenario)


def coverage_table(outcome) -> pd.DataFrame:
    """Return the coverage table: the projection's when present, else built here."""
    projection = outcome.projection
    if projection is not None and getattr(projection, "coverage", None) is not None:
        return projection.coverage
    return coverage_frame(
        outcome.scenario,
        outcome.requirements,
        outcome.result.shifts,
        outcome.result.allocation,
    )


def coverage_csv_table(outcome) -> pd.DataFrame:
    """Return the coverage table in the coverage.csv layout (UTC text with Z)."""
    columns = ["interval_start", "queue", "required", "scheduled", "gap"]
    return coverage_csv_frame(coverage_table(outcome)[columns])


def summary(outcome) -> dict[str, Any]:
    """Return the summary.json content: solver figures, then the projected KPIs."""
    result = outcome.result
    content: dict[str, Any] = {
        "status": result.status,
        "objective": _finite(result.objective),
        "best_bound": _finite(result.best_bound),
        "gap": _finite(result.gap),
        "wall_seconds": result.wall_seconds,
        "deterministic": result.deterministic,
        "shifts": len(result.shifts),
        "penalties": dict(result.penalties),
        "proposals": list(result.proposals),
        "messages": list(result.messages),
    }
    if outcome.projection is not None:
        content.update(_plain(outcome.projection.kpis))
    if outcome.simulation is not None:
        content["simulation"] = outcome.simulation.to_dict()
    return content


def result_files(outcome) -> dict[str, Any]:
    """Return the results to attach to a saved version, keyed by file name."""
    return {
        "roster.csv": frame_to_csv_bytes(roster_table(outcome)).decode("utf-8"),
        "coverage.csv": frame_to_csv_bytes(coverage_csv_table(outcome)).decode("utf-8"),
        "summary.json": summary(outcome),
    }


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "item"):
        value = value.item()
    return _finite(value)
