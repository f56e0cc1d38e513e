"""An independent check of every hard labour rule on a finished roster.

Each rule is written from its definition in the scenario format, not from the
solver's model, so that a roster from any source can be judged:

- contract: paid hours per 7-day week of the horizon (a shift belongs to the week
  in which its UTC start lies, with every paid hour, also those past the horizon end)
  lie within [min_hours_week, max_hours_week]. The same weeks limit the distinct local
  dates worked to max_days_week;
- rest: at least min_rest_hours of elapsed time between the end of a shift and the
  start of the agent's next one, previous-week shifts included;
- consecutive days: no run of consecutive local dates worked (previous week included)
  longer than max_consecutive_days;
- time off: no instant of a shift inside an absence;
- night rule: an agent with night_ok false works no minute between 00:00 and 06:00
  local time;
- shift length: the end is the local wall-clock start plus one of rules.shift_hours,
  read on the local clock (so paid hours differ on clock-change nights);
- grid: shifts start on the local grid of rules.start_step_minutes from local midnight;
- horizon: shifts start inside the horizon;
- one shift per agent and local date, previous week included;
- allocation: in every interval, the agents allocated to any set of queues do not
  exceed the agents on shift for the whole interval who can serve one of those queues.
  This is Hall's condition, which holds exactly when every allocated place can go to a
  different agent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations, pairwise
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planner.model import Agent, Scenario
from planner.shifts import Shift

NIGHT_END = time(6)
TOLERANCE_HOURS = 1e-6


def check_roster(
    scenario: Scenario,
    shifts: list[Shift],
    previous_roster: list[Shift] | None = None,
    allocation: pd.DataFrame | None = None,
) -> list[str]:
    """Return one message per violated hard rule; an empty list means the roster is valid."""
    agents = {agent.agent_id: agent for agent in scenario.agents}
    previous = list(previous_roster or [])
    violations = [
        f"{shift.agent_id}: shift on {shift.date_local} belongs to no known agent"
        for shift in shifts
        if shift.agent_id not in agents
    ]

    for agent in scenario.agents:
        own = sorted(
            (s for s in shifts if s.agent_id == agent.agent_id),
            key=lambda s: s.start_utc,
        )
        before = sorted(
            (s for s in previous if s.agent_id == agent.agent_id),
            key=lambda s: s.start_utc,
        )
        violations += _check_placement(scenario, agent, own)
        violations += _check_contract(scenario, agent, own)
        violations += _check_rest(scenario, agent, before, own)
        violations += _check_consecutive_days(scenario, agent, before, own)
        violations += _check_one_per_date(agent, before, own)
        violations += _check_timeoff(scenario, agent, own)
        violations += _check_night(agent, own)

    if allocation is not None:
        violations += _check_allocation(scenario, shifts + previous, allocation)
    return violations


def _label(shift: Shift) -> str:
    return f"{shift.agent_id} {shift.date_local} ({shift.start_utc:%Y-%m-%dT%H:%MZ})"


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """Read a naive wall-clock time in ``tz``; a repeated time means its first occurrence."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _check_placement(scenario: Scenario, agent: Agent, own: list[Shift]) -> list[str]:
    """Zone, date label, horizon, start grid and nominal length of each shift."""
    horizon = scenario.horizon
    rules = scenario.settings.rules
    tz = ZoneInfo(agent.timezone)
    found = []
    for shift in own:
        start_wall = _wall(shift.start_utc, tz)
        if shift.timezone != agent.timezone:
            found.append(
                f"{_label(shift)}: zone {shift.timezone}, agent is in {agent.timezone}"
            )
        if shift.date_local != start_wall.date():
            found.append(f"{_label(shift)}: starts on local date {start_wall.date()}")
        if not horizon.start <= shift.start_utc < horizon.end:
            found.append(f"{_label(shift)}: starts outside the horizon")

        minutes = start_wall.hour * 60 + start_wall.minute
        if start_wall.second or minutes % rules.start_step_minutes:
            found.append(
                f"{_label(shift)}: local start {start_wall:%H:%M:%S} is off the "
                f"{rules.start_step_minutes}-minute grid"
            )

        nominal_ends = {
            _to_utc(start_wall + timedelta(hours=hours), tz)
            for hours in rules.shift_hours
        }
        if shift.end_utc not in nominal_ends:
            found.append(
                f"{_label(shift)}: ends at {_wall(shift.end_utc, tz)} local, not "
                f"{'/'.join(f'{h:g}' for h in rules.shift_hours)} h on the clock after "
                f"{start_wall:%H:%M}"
            )
    return found


def _week_of(scenario: Scenario, shift: Shift) -> int:
    return (shift.start_utc - scenario.horizon.start) // timedelta(days=7)


def _check_contract(scenario: Scenario, agent: Agent, own: list[Shift]) -> list[str]:
    """Paid hours and working days per 7-day week of the horizon."""
    weeks = max(1, -(-scenario.settings.days // 7))
    hours = defaultdict(float)
    dates = defaultdict(set)
    for shift in own:
        week = _week_of(scenario, shift)
        hours[week] += (shift.end_utc - shift.start_utc) / timedelta(hours=1)
        dates[week].add(shift.date_local)

    found = []
    for week in range(weeks):
        if hours[week] > agent.max_hours_week + TOLERANCE_HOURS:
            found.append(
                f"{agent.agent_id} week {week + 1}: {hours[week]:g} paid hours, "
                f"contract max {agent.max_hours_week:g}"
            )
        if hours[week] < agent.min_hours_week - TOLERANCE_HOURS:
            found.append(
                f"{agent.agent_id} week {week + 1}: {hours[week]:g} paid hours, "
                f"contract min {agent.min_hours_week:g}"
            )
        if len(dates[week]) > agent.max_days_week:
            found.append(
                f"{agent.agent_id} week {week + 1}: {len(dates[week])} working days, "
                f"max {agent.max_days_week}"
            )
    return found


def _check_rest(
    scenario: Scenario, agent: Agent, before: list[Shift], own: list[Shift]
) -> list[str]:
    """Elapsed time between consecutive shifts; the later one must be in this roster."""
    rest = timedelta(hours=scenario.settings.rules.min_rest_hours)
    current = set(map(id, own))
    ordered = sorted(before + own, key=lambda s: s.start_utc)
    found = []
    for earlier, later in pairwise(ordered):
        if id(later) not in current:
            continue
        elapsed = later.start_utc - earlier.end_utc
        if elapsed < rest:
            found.append(
                f"{_label(later)}: {elapsed / timedelta(hours=1):g} h after the shift "
                f"of {earlier.date_local}, rest must be "
                f"{scenario.settings.rules.min_rest_hours:g} h"
            )
    return found


def _check_consecutive_days(
    scenario: Scenario, agent: Agent, before: list[Shift], own: list[Shift]
) -> list[str]:
    limit = scenario.settings.rules.max_consecutive_days
    current = {shift.date_local for shift in own}
    worked = sorted({shift.date_local for shift in before} | current)

    found = []
    run: list[date] = []
    for day in worked + [None]:
        if run and day is not None and day - run[-1] == timedelta(days=1):
            run.append(day)
            continue
        if len(run) > limit and current.intersection(run):
            found.append(
                f"{agent.agent_id}: {len(run)} consecutive days {run[0]} to {run[-1]}, "
                f"max {limit}"
            )
        run = [day] if day is not None else []
    return found


def _check_one_per_date(
    agent: Agent, before: list[Shift], own: list[Shift]
) -> list[str]:
    counts = defaultdict(int)
    for shift in before + own:
        counts[shift.date_local] += 1
    current = {shift.date_local for shift in own}
    return [
        f"{agent.agent_id} {day}: {count} shifts on one local date"
        for day, count in sorted(counts.items())
        if count > 1 and day in current
    ]


def _check_timeoff(scenario: Scenario, agent: Agent, own: list[Shift]) -> list[str]:
    found = []
    for absence in scenario.timeoff:
        if absence.agent_id != agent.agent_id:
            continue
        for shift in own:
            if shift.start_utc < absence.end and absence.start < shift.end_utc:
                found.append(
                    f"{_label(shift)}: overlaps time off {absence.start:%Y-%m-%dT%H:%MZ} "
                    f"to {absence.end:%Y-%m-%dT%H:%MZ}"
                )
    return found


def _check_night(agent: Agent, own: list[Shift]) -> list[str]:
    """For agents without night_ok: no instant whose local time is in [00:00, 06:00)."""
    if agent.night_ok:
        return []
    tz = ZoneInfo(agent.timezone)
    found = []
    for shift in own:
        day = _wall(shift.start_utc, tz).date() - timedelta(days=1)
        last = _wall(shift.end_utc, tz).date()
        while day <= last:
            night_start = _to_utc(datetime.combine(day, time(0)), tz)
            night_end = _to_utc(datetime.combine(day, NIGHT_END), tz)
            if shift.start_utc < night_end and night_start < shift.end_utc:
                found.append(f"{_label(shift)}: works during the night of {day}")
                break
            day += timedelta(days=1)
    return found


def _on_shift(scenario: Scenario, shifts: list[Shift]) -> tuple[list[str], np.ndarray]:
    """Agents (columns) on shift for the whole of each interval (rows)."""
    horizon = scenario.horizon
    step = timedelta(minutes=scenario.settings.interval_minutes)
    agent_ids = [agent.agent_id for agent in scenario.agents]
    column = {agent_id: index for index, agent_id in enumerate(agent_ids)}
    starts = [horizon.start + i * step for i in range(horizon.n_intervals)]
    on_shift = np.zeros((len(starts), len(agent_ids)), dtype=bool)
    for shift in shifts:
        if shift.agent_id not in column:
            continue
        for row, start in enumerate(starts):
            if shift.start_utc <= start and start + step <= shift.end_utc:
                on_shift[row, column[shift.agent_id]] = True
    return agent_ids, on_shift


def _check_allocation(
    scenario: Scenario, shifts: list[Shift], allocation: pd.DataFrame
) -> list[str]:
    """Allocated agents per set of queues against the agents on shift able to serve them."""
    agent_ids, on_shift = _on_shift(scenario, shifts)
    starts = scenario.horizon.starts()
    table = allocation.assign(
        interval_start=pd.to_datetime(allocation["interval_start"], utc=True)
    )
    found = [
        f"{row.interval_start:%Y-%m-%dT%H:%MZ} {row.queue}: negative allocation {row.scheduled}"
        for row in table.itertuples()
        if row.scheduled < 0
    ]
    outside = set(table["interval_start"]) - set(starts)
    found += [
        f"{instant}: allocation outside the horizon" for instant in sorted(outside)
    ]

    allocated = table.pivot_table(
        index="interval_start", columns="queue", values="scheduled", aggfunc="sum"
    )
    allocated = allocated.reindex(starts).fillna(0)
    skills = {agent.agent_id: set(agent.skills) for agent in scenario.agents}

    queues_by_tier = defaultdict(list)
    for queue in allocated.columns:
        queues_by_tier[queue.split("-", 1)[0]].append(queue)
    for queues in queues_by_tier.values():
        for size in range(1, len(queues) + 1):
            for subset in combinations(queues, size):
                able = [bool(skills[a] & set(subset)) for a in agent_ids]
                capacity = on_shift[:, able].sum(axis=1)
                demand = allocated[list(subset)].to_numpy().sum(axis=1)
                for row in np.flatnonzero(demand > capacity)[:3]:
                    found.append(
                        f"{starts[row]:%Y-%m-%dT%H:%MZ} {'+'.join(subset)}: "
                        f"{demand[row]:g} allocated, {capacity[row]} able agents on shift"
                    )
    return found
