"""The planning horizon: a run of UTC intervals of 15, 30 or 60 minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pandas as pd


@dataclass(frozen=True)
class Horizon:
    """``days`` days of ``interval_minutes`` slots starting at ``start`` (UTC)."""

    start: datetime
    days: int
    interval_minutes: int

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() != timedelta(0):
            raise ValueError(f"horizon start must be a UTC instant, got {self.start}")
        if self.interval_minutes not in (15, 30, 60):
            raise ValueError(
                f"interval_minutes must be 15, 30 or 60, got {self.interval_minutes}"
            )

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    @property
    def n_intervals(self) -> int:
        return self.days * 24 * 60 // self.interval_minutes

    @property
    def intervals_per_hour(self) -> int:
        return 60 // self.interval_minutes

    def interval_start(self, index: int) -> datetime:
        return self.start + index * self.step

    def starts(self) -> pd.DatetimeIndex:
        """Every interval start, tz-aware UTC."""
        return pd.date_range(
            self.start, periods=self.n_intervals, freq=f"{self.interval_minutes}min"
        )

    def index_of(self, instant: datetime) -> int:
        """Return the index of the interval that starts at ``instant``.

        Raises ValueError when the instant is naive, off the grid or outside the horizon.
        """
        if instant.tzinfo is None:
            raise ValueError(f"{instant} has no UTC offset")
        offset = instant.astimezone(timezone.utc) - self.start
        index, remainder = divmod(offset, self.step)
        if remainder:
            raise ValueError(
                f"{instant.isoformat()} is not on the {self.interval_minutes}-minute grid"
            )
        if not 0 <= index < self.n_intervals:
            raise ValueError(
                f"{instant.isoformat()} is outside the horizon "
                f"{self.start.isoformat()} to {self.end.isoformat()}"
            )
        return index

    def covered_intervals(self, start: datetime, end: datetime) -> range:
        """Return the intervals lying wholly inside [start, end), clipped to the horizon.

        An interval that a shift covers only in part (a shift starting at 09:00 in a
        +05:45 zone against a 30-minute UTC grid) does not count: an agent counts in
        an interval only when on shift for all of it.
        """
        first = -((self.start - start) // self.step)
        last = (end - self.start) // self.step
        return range(max(first, 0), min(last, self.n_intervals))
