"""Shifts in an agent's local time, and their conversion to UTC and back.

A shift is planned the way people read it: a local date, a local wall-clock start and
a nominal length. Its end is the wall-clock start plus that length, read on the local
clock, so a 22:00-06:00 night shift in Europe/Berlin lasts 7 hours on the night the
clocks go forward and 9 hours on the night they go back. Paid hours are the hours
actually elapsed.

Wall-clock times that do not exist (inside a spring-forward gap) cannot start a shift.
A nominal end inside such a gap is read with the offset in force before the gap, which
ends the shift at the same elapsed time as on a day without a change. Wall-clock
times that occur twice (the repeated hour in autumn) mean their first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    """Return the IANA time zone ``name`` (cached; raises ZoneInfoNotFoundError)."""
    return ZoneInfo(name)


def is_nonexistent(local: datetime, tz: ZoneInfo) -> bool:
    """Tell whether the naive wall-clock time ``local`` is skipped by a clock change."""
    aware = local.replace(tzinfo=tz)
    round_trip = aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    return round_trip != local


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Convert a naive wall-clock time to UTC; a repeated time means its first occurrence."""
    return local.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)


def utc_to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    """Convert an aware instant to an aware local time in ``tz``."""
    return instant.astimezone(tz)


@dataclass(frozen=True)
class Shift:
    """One working period of one agent, kept as UTC instants plus its local labels."""

    agent_id: str
    timezone: str
    date_local: date
    start_utc: datetime
    end_utc: datetime

    @property
    def start_local(self) -> datetime:
        return utc_to_local(self.start_utc, zone(self.timezone))

    @property
    def end_local(self) -> datetime:
        return utc_to_local(self.end_utc, zone(self.timezone))

    @property
    def paid_hours(self) -> float:
        return (self.end_utc - self.start_utc) / timedelta(hours=1)


def make_shift(
    agent_id: str, timezone_name: str, date_local: date, start: time, hours: float
) -> Shift:
    """Build the shift that starts at local ``start`` on ``date_local`` for ``hours``.

    Raises ValueError when the start falls in a spring-forward gap.
    """
    tz = zone(timezone_name)
    start_wall = datetime.combine(date_local, start)
    if is_nonexistent(start_wall, tz):
        raise ValueError(
            f"{start_wall:%Y-%m-%d %H:%M} does not exist in {timezone_name} "
            "(clocks go forward)"
        )
    end_wall = start_wall + timedelta(hours=hours)
    return Shift(
        agent_id=agent_id,
        timezone=timezone_name,
        date_local=date_local,
        start_utc=local_to_utc(start_wall, tz),
        end_utc=local_to_utc(end_wall, tz),
    )


def local_dates(first_utc: datetime, last_utc: datetime, timezone_name: str) -> list[date]:
    """List the local dates in ``timezone_name`` from ``first_utc`` to ``last_utc``."""
    tz = zone(timezone_name)
    day = utc_to_local(first_utc, tz).date()
    last = utc_to_local(last_utc, tz).date()
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days
