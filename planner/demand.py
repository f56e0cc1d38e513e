"""Demand for a planning week, derived from a ticket history.

Definitions
-----------
Weeks
    The history is cut into 7-day weeks that start at 00:00 on the weekday of the
    target ``week_start`` (in UTC, or in ``profile_timezone`` when given). The log is
    taken to cover whole days, from the day of its first ticket to the day of its last
    one. A week counts (``weeks_used``) when it lies inside that span. The weeks cut
    off at either end (``weeks_dropped``) would understate the volume.
Profile
    Mean arrivals per hour of the week and language: the tickets created in that
    (weekday, hour) over the weeks used, divided by their number.
Target week
    Each interval of the target week gets its hour's mean, spread evenly over the
    hour, so a 30-minute interval gets half of it and a 60-minute interval all of it.
    With ``profile_timezone`` the hours are wall-clock hours in that zone, in the
    history and in the target week, so that customers keep their local habits across
    a clock change. The spring-forward night then loses an hour of arrivals and the
    autumn night repeats one.
Escalation rate
    L1: the share of tickets with a known ``tier_resolved`` that were resolved at L2
    or L3, since every ticket enters at L1. L2: among tickets that reached L2
    (resolved at L2 or L3), the share resolved at L3.
AHT
    Mean ``handle_minutes`` of the tickets resolved at each tier (``"all"`` for every
    ticket). A ticket's handle time is its total, so AHT of L2 and L3 includes the
    minutes spent at the tiers below: an upper bound of the time per tier.
MTTR
    Mean of ``resolved_at - created_at`` in minutes over resolved tickets, overall and
    per tier resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd

from planner.shifts import zone
from planner.tickets import read_tickets

__all__ = [
    "DemandDerivation",
    "WeeklyProfile",
    "derive_demand",
    "place_profile",
    "read_tickets",
    "weekly_profile",
]

PIECE_MINUTES = 15
DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class DemandDerivation:
    """A target week's demand and the figures derived from the same history."""

    demand: pd.DataFrame
    """Columns interval_start (UTC), language, arrivals [tickets per interval]."""
    weeks_used: list[date]
    """Start dates of the complete weeks that make up the profile."""
    weeks_dropped: list[date]
    """Start dates of the incomplete weeks at either end of the history."""
    tickets_used: int
    """Tickets created inside the weeks used."""
    weekly_volume: float
    """Mean tickets per week over the weeks used."""
    escalation_rates: dict[str, float] = field(default_factory=dict)
    """Share of a tier's tickets passed on, per tier (L1, L2)."""
    aht_minutes: dict[str, float] = field(default_factory=dict)
    """Mean handle time per tier resolved, and ``"all"`` [minutes]."""
    mttr_minutes: float | None = None
    """Mean time from creation to resolution [minutes]."""
    mttr_by_tier: dict[str, float] = field(default_factory=dict)
    """MTTR per tier resolved [minutes]."""


def derive_demand(
    tickets: pd.DataFrame,
    week_start: date | str,
    interval_minutes: int = 30,
    days: int = 7,
    *,
    profile_timezone: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> DemandDerivation:
    """Derive the demand of the week starting ``week_start`` from ``tickets``.

    ``tickets`` is the frame ``read_tickets`` returns. ``since`` and ``until`` limit
    the history to the days [since, until) and state that it covers them whole.
    Raises ValueError when the history contains no complete week or the interval does
    not fit the 15-minute grid.
    """
    week_start = _as_date(week_start)
    _check_interval(interval_minutes)
    tickets = _within(tickets, since, until, profile_timezone)
    profile = weekly_profile(tickets, week_start, profile_timezone, since, until)
    demand = place_profile(
        profile.arrivals, week_start, interval_minutes, days, profile_timezone
    )
    in_use = profile.in_use
    return DemandDerivation(
        demand=demand,
        weeks_used=profile.weeks_used,
        weeks_dropped=profile.weeks_dropped,
        tickets_used=int(in_use.sum()),
        weekly_volume=float(in_use.sum()) / len(profile.weeks_used),
        escalation_rates=escalation_rates(tickets),
        aht_minutes=aht_minutes(tickets),
        mttr_minutes=_mttr(tickets),
        mttr_by_tier=_mttr_by_tier(tickets),
    )


@dataclass(frozen=True)
class WeeklyProfile:
    """Mean arrivals per hour of the week, from the complete weeks of a history."""

    arrivals: pd.DataFrame
    """168 rows (hour of the week, 0 = Monday 00:00 wall clock) x one column per
    language [tickets per hour]."""
    weeks_used: list[date]
    weeks_dropped: list[date]
    in_use: np.ndarray
    """Per ticket, whether it was created inside a week used."""


def weekly_profile(
    tickets: pd.DataFrame,
    week_start: date | str,
    profile_timezone: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> WeeklyProfile:
    """Build the hour-of-week profile of ``tickets`` (see the module docstring).

    ``since`` and ``until`` replace the first and last ticket's days as the span the
    history covers. Raises ValueError when the history contains no complete week.
    """
    week_start = _as_date(week_start)
    tz = zone(profile_timezone or "UTC")
    local = tickets["created_at"].dt.tz_convert(tz).dt.tz_localize(None)
    if local.empty:
        raise ValueError("no ticket was created in the period the history covers")
    first_day = pd.Timestamp(since) if since else local.min().normalize()
    end_day = pd.Timestamp(until) if until else local.max().normalize() + DAY
    weeks_used, weeks_dropped, week_index = _complete_weeks(
        local, week_start, first_day, end_day
    )
    if not weeks_used:
        raise ValueError(
            "the ticket history contains no complete week: it needs at least 7 whole days "
            f"starting on a {week_start:%A} (the weekday of the target week)"
        )

    in_use = week_index >= 0
    languages = sorted(tickets["language"].unique())
    arrivals = _hour_of_week_profile(
        local[in_use], tickets["language"][in_use], len(weeks_used), languages
    )
    return WeeklyProfile(arrivals, weeks_used, weeks_dropped, in_use)


def place_profile(
    profile: pd.DataFrame,
    week_start: date | str,
    interval_minutes: int = 30,
    days: int = 7,
    profile_timezone: str | None = None,
) -> pd.DataFrame:
    """Spread an hour-of-week profile over the intervals of a target horizon.

    Returns the demand frame (interval_start UTC, language, arrivals). The hours of
    ``profile`` are wall-clock hours in ``profile_timezone`` (UTC when ``None``).
    """
    _check_interval(interval_minutes)
    tz = zone(profile_timezone or "UTC")
    return _place_profile(profile, _as_date(week_start), interval_minutes, days, tz)


def escalation_rates(tickets: pd.DataFrame) -> dict[str, float]:
    """Return the L1 and L2 escalation rates (see the module docstring)."""
    if "tier_resolved" not in tickets:
        return {}
    tiers = tickets["tier_resolved"].dropna()
    rates = {}
    if len(tiers):
        rates["L1"] = float(tiers.isin(["L2", "L3"]).mean())
    reached_l2 = tiers[tiers.isin(["L2", "L3"])]
    if len(reached_l2):
        rates["L2"] = float((reached_l2 == "L3").mean())
    return rates


def aht_minutes(tickets: pd.DataFrame) -> dict[str, float]:
    """Return the mean handle time per tier resolved and over all tickets [minutes]."""
    if "handle_minutes" not in tickets or tickets["handle_minutes"].isna().all():
        return {}
    result = {"all": float(tickets["handle_minutes"].mean())}
    if "tier_resolved" in tickets:
        by_tier = tickets.groupby("tier_resolved")["handle_minutes"].mean().dropna()
        result.update({tier: float(value) for tier, value in by_tier.items()})
    return result


def _mttr(tickets: pd.DataFrame) -> float | None:
    if "resolved_at" not in tickets:
        return None
    minutes = _resolution_minutes(tickets).dropna()
    return float(minutes.mean()) if len(minutes) else None


def _mttr_by_tier(tickets: pd.DataFrame) -> dict[str, float]:
    if "resolved_at" not in tickets or "tier_resolved" not in tickets:
        return {}
    by_tier = _resolution_minutes(tickets).groupby(tickets["tier_resolved"]).mean()
    return {tier: float(value) for tier, value in by_tier.dropna().items()}


def _resolution_minutes(tickets: pd.DataFrame) -> pd.Series:
    return (tickets["resolved_at"] - tickets["created_at"]) / pd.Timedelta(minutes=1)


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _check_interval(interval_minutes: int) -> None:
    fits = interval_minutes > 0 and interval_minutes % PIECE_MINUTES == 0
    if not fits or (24 * 60) % interval_minutes:
        raise ValueError(
            f"interval_minutes must be a multiple of {PIECE_MINUTES} that divides a day, "
            f"got {interval_minutes}"
        )


def _within(
    tickets: pd.DataFrame, since: date | None, until: date | None, zone_name: str | None
) -> pd.DataFrame:
    local = tickets["created_at"].dt.tz_convert(zone(zone_name or "UTC"))
    local = local.dt.tz_localize(None)
    keep = pd.Series(True, index=tickets.index)
    if since is not None:
        keep &= local >= pd.Timestamp(since)
    if until is not None:
        keep &= local < pd.Timestamp(until)
    return tickets[keep].reset_index(drop=True)


def _complete_weeks(
    local: pd.Series, week_start: date, first_day: pd.Timestamp, end_day: pd.Timestamp
) -> tuple[list[date], list[date], np.ndarray]:
    """Cut wall-clock creation times into weeks aligned to ``week_start``'s weekday.

    Returns the complete weeks, the dropped ones, and per ticket the index of its week
    among the complete ones (-1 when its week was dropped).
    """
    shift = (first_day.weekday() - week_start.weekday()) % 7
    anchor = first_day - shift * DAY

    offsets = ((local - anchor) // (7 * DAY)).to_numpy()
    n_weeks = max(int(offsets.max()) + 1, -(-(end_day - anchor) // (7 * DAY)))
    starts = [anchor + k * 7 * DAY for k in range(n_weeks)]
    complete = [start >= first_day and start + 7 * DAY <= end_day for start in starts]

    used = [start.date() for start, ok in zip(starts, complete) if ok]
    dropped = [start.date() for start, ok in zip(starts, complete) if not ok]
    renumber = np.cumsum(complete) - 1
    week_index = np.where(np.array(complete)[offsets], renumber[offsets], -1)
    return used, dropped, week_index


def _hour_of_week_profile(
    local: pd.Series, language: pd.Series, n_weeks: int, languages: list[str]
) -> pd.DataFrame:
    """Return a (168 x language) frame of mean arrivals per hour of the week.

    Every language of the history gets a column, even one without tickets in the
    weeks used.
    """
    hour_of_week = local.dt.day_of_week * 24 + local.dt.hour
    counts = pd.crosstab(hour_of_week.to_numpy(), language.to_numpy())
    counts = counts.reindex(index=range(168), columns=languages, fill_value=0)
    return counts / n_weeks


def _place_profile(
    profile: pd.DataFrame, week_start: date, interval_minutes: int, days: int, tz
) -> pd.DataFrame:
    """Spread the hourly profile over the target intervals in 15-minute pieces."""
    start = datetime.combine(week_start, time(0), UTC)
    n_pieces = days * 24 * 60 // PIECE_MINUTES
    pieces = pd.date_range(start, periods=n_pieces, freq=f"{PIECE_MINUTES}min")
    local = pieces.tz_convert(tz)
    hour_of_week = local.day_of_week * 24 + local.hour

    share = PIECE_MINUTES / 60
    per_piece = profile.to_numpy()[hour_of_week] * share
    per_interval = interval_minutes // PIECE_MINUTES
    sums = per_piece.reshape(-1, per_interval, per_piece.shape[1]).sum(axis=1)

    interval_starts = pieces[::per_interval]
    frame = pd.DataFrame(sums, index=interval_starts, columns=profile.columns)
    frame = frame.rename_axis("interval_start").rename_axis(None, axis=1)
    long = frame.reset_index().melt(
        id_vars="interval_start", var_name="language", value_name="arrivals"
    )
    long = long.sort_values(["interval_start", "language"], kind="stable")
    return long.reset_index(drop=True)
