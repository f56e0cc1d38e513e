"""Print the intervals below a floor, as `planner solve` and `planner project` do."""

from __future__ import annotations

import sys

import pandas as pd

SHOWN_ROWS = 10
"""Intervals listed on the terminal. summary.json contains all of them."""


def print_floor_violations(violations: pd.DataFrame) -> None:
    """Print a count and the first rows of ``violations`` to stderr."""
    count = violations["interval_start"].nunique()
    print(f"{count} interval(s) below a floor:", file=sys.stderr)
    for row in violations.head(SHOWN_ROWS).itertuples():
        print(
            f"  {row.interval_start:%Y-%m-%d %H:%M} UTC {row.tier_or_queue}: "
            f"{row.scheduled} of {row.required} ({row.reason})",
            file=sys.stderr,
        )
    if len(violations) > SHOWN_ROWS:
        print(
            f"  ... {len(violations) - SHOWN_ROWS} more in summary.json",
            file=sys.stderr,
        )
