"""Candidate shifts: every shift an agent could work in the planning horizon.

A shift belongs to the horizon when its UTC start lies in [start, end). Its hours may
spill past the end; they still count for contract hours and rest. Starts lie on the
agent's local grid of ``rules.start_step_minutes`` from local midnight, lengths are
``rules.shift_hours``, and every shift is built with ``make_shift`` so that clock-change
nights are right. A start inside a spring-forward gap is skipped.

An option is dropped when it overlaps the agent's time off, or when the agent does not
accept night work (``night_ok`` false) and the option has any minute between 00:00
and 06:00 local time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from planner.horizon import Horizon
from planner.model import Agent, Scenario, TimeOff
from planner.shifts import Shift, local_dates, make_shift

NIGHT_END_HOUR = 6
"""Night work is any minute between 00:00 and this hour, local time."""

WEEKEND = (5, 6)
"""Saturday and Sunday, as ``date.weekday()`` numbers."""


@dataclass(frozen=True)
class ShiftOption:
    """One candidate shift of one agent, with the facts the model needs."""

    agent_index: int
    shift: Shift
    day_index: int
    """Position of the local date among the agent's candidate dates."""
    intervals: range
    """Horizon intervals the shift covers wholly."""
    night: bool
    """The shift has a minute between 00:00 and 06:00 local time."""
    weekend: bool
    """The local date is a Saturday or a Sunday."""

    @property
    def minutes(self) -> int:
        return round((self.shift.end_utc - self.shift.start_utc) / timedelta(minutes=1))


@dataclass
class AgentOptions:
    """The candidate shifts of one agent, sorted by UTC start, and why some were dropped."""

    agent: Agent
    dates: list[date]
    options: list[ShiftOption] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    """Dropped options per reason: ``"night rule"``, ``"time off"``."""
    excluded: dict[str, set[int]] = field(default_factory=dict)
    """Intervals that a dropped option would have covered, per reason."""


def is_night(shift: Shift) -> bool:
    """Tell whether ``shift`` has any minute between 00:00 and 06:00 local time."""
    start = shift.start_local.replace(tzinfo=None)
    end = shift.end_local.replace(tzinfo=None)
    day = start.date()
    while day <= end.date():
        night_start = datetime.combine(day, time(0))
        night_end = night_start + timedelta(hours=NIGHT_END_HOUR)
        if start < night_end and end > night_start:
            return True
        day += timedelta(days=1)
    return False


def overlaps_timeoff(shift: Shift, absences: list[TimeOff]) -> bool:
    """Tell whether ``shift`` shares any instant with one of ``absences``."""
    return any(
        shift.start_utc < absence.end and shift.end_utc > absence.start
        for absence in absences
    )


def candidate_dates(agent: Agent, horizon: Horizon) -> list[date]:
    """List the local dates on which a shift of ``agent`` could start in the horizon."""
    last_instant = horizon.end - timedelta(microseconds=1)
    return local_dates(horizon.start, last_instant, agent.timezone)


def _raw_shifts(
    agent: Agent, day: date, scenario: Scenario, horizon: Horizon
) -> list[Shift]:
    rules = scenario.settings.rules
    shifts = []
    for minute in range(0, 24 * 60, rules.start_step_minutes):
        start = time(minute // 60, minute % 60)
        for hours in rules.shift_hours:
            try:
                shift = make_shift(agent.agent_id, agent.timezone, day, start, hours)
            except ValueError:
                continue
            if horizon.start <= shift.start_utc < horizon.end:
                shifts.append(shift)
    return shifts


def build_agent_options(
    agent_index: int, agent: Agent, scenario: Scenario, absences: list[TimeOff]
) -> AgentOptions:
    """Build the candidate shifts of one agent."""
    horizon = scenario.horizon
    result = AgentOptions(agent=agent, dates=candidate_dates(agent, horizon))
    for day_index, day in enumerate(result.dates):
        for shift in _raw_shifts(agent, day, scenario, horizon):
            intervals = horizon.covered_intervals(shift.start_utc, shift.end_utc)
            reason = None
            if overlaps_timeoff(shift, absences):
                reason = "time off"
            elif not agent.night_ok and is_night(shift):
                reason = "night rule"
            if reason is not None:
                result.dropped[reason] += 1
                result.excluded.setdefault(reason, set()).update(intervals)
                continue
            result.options.append(
                ShiftOption(
                    agent_index=agent_index,
                    shift=shift,
                    day_index=day_index,
                    intervals=intervals,
                    night=is_night(shift),
                    weekend=day.weekday() in WEEKEND,
                )
            )
    result.options.sort(key=lambda option: (option.shift.start_utc, option.minutes))
    return result


def build_options(scenario: Scenario) -> list[AgentOptions]:
    """Build the candidate shifts of every agent, in the scenario's agent order."""
    absences: dict[str, list[TimeOff]] = {}
    for absence in scenario.timeoff:
        absences.setdefault(absence.agent_id, []).append(absence)
    return [
        build_agent_options(index, agent, scenario, absences.get(agent.agent_id, []))
        for index, agent in enumerate(scenario.agents)
    ]
