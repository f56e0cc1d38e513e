"""Explanations: capacity before the solve, reasons and proposals after it.

``capacity_check`` compares, per tier, language and UTC hour of day, the agent-hours
that requirements and floors need with the agent-hours of agents who could be on shift
then (their candidate shifts already respect the night rule and time off).
``floor_violations`` names every interval below a floor and the rule that kept each
candidate agent away. ``propose_additions`` turns those intervals into the smallest
additions of agents, found by a greedy set cover with shift-length windows.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from planner.model import Scenario
from planner.shifts import Shift, zone
from solver.allocation import Demand
from solver.options import AgentOptions, ShiftOption, is_night

ALL_LANGUAGES = "*"
"""Language label of tier-wide rows (the tier floor)."""

VIOLATION_COLUMNS = [
    "interval_start",
    "tier_or_queue",
    "required",
    "scheduled",
    "reason",
]

EXAMPLE_ZONES = (
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Atlantic/Cape_Verde",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Auckland",
)
"""Zones offered as examples of where an added agent would work day hours."""

DAY_START_HOUR = 9
"""Preferred local start of a proposed shift."""


def coverable_matrix(scenario: Scenario, options: list[AgentOptions]) -> np.ndarray:
    """Return (agent x interval) booleans: some candidate shift covers the interval."""
    matrix = np.zeros((len(options), scenario.horizon.n_intervals), dtype=bool)
    for index, agent_options in enumerate(options):
        for option in agent_options.options:
            matrix[index, option.intervals.start : option.intervals.stop] = True
    return matrix


def _capacity_rows(
    tier: str,
    language: str,
    need: np.ndarray,
    members: list[int],
    coverable: np.ndarray,
    shares: np.ndarray,
    interval_hours: float,
    intervals_per_hour: int,
) -> list[dict]:
    available = coverable[members].sum(axis=0) if members else np.zeros_like(need)
    weighted = (
        (coverable[members] * shares[members, None]).sum(axis=0)
        if members
        else np.zeros(len(need))
    )
    missing = np.maximum(need - available, 0)
    hour = (np.arange(len(need)) // intervals_per_hour) % 24
    rows = []
    for h in range(24):
        mask = hour == h
        need_hours = float(need[mask].sum() * interval_hours)
        short_hours = float(missing[mask].sum() * interval_hours)
        share_hours = float(weighted[mask].sum() * interval_hours)
        status = "ok"
        if short_hours > 0:
            status = "short"
        elif need_hours > share_hours + 1e-9:
            status = "tight"
        rows.append(
            {
                "tier": tier,
                "language": language,
                "hour_utc": h,
                "need_agent_hours": need_hours,
                "available_agent_hours": float(available[mask].sum() * interval_hours),
                "share_agent_hours": share_hours,
                "missing_agent_hours": short_hours,
                "status": status,
            }
        )
    return rows


def capacity_check(
    scenario: Scenario, demand: Demand, options: list[AgentOptions]
) -> pd.DataFrame:
    """Compare needed and available agent-hours per tier, language and UTC hour.

    ``available_agent_hours`` counts agents who could be on shift, because a candidate
    shift covers the interval. ``missing_agent_hours`` sums, interval by interval, the
    need above that count, so ``short`` rows are certain gaps. ``share_agent_hours`` weights
    each agent by the share of its coverable hours that its ``max_hours_week`` allows,
    as if it spread its hours evenly; ``tight`` rows need more than that. A
    multilingual agent counts for each of its languages, which overstates capacity
    when two of its languages need it at once.
    """
    horizon = scenario.horizon
    interval_hours = horizon.interval_minutes / 60
    coverable = coverable_matrix(scenario, options)
    coverable_hours = coverable.sum(axis=1) * interval_hours
    max_hours = np.array([o.agent.max_hours_week for o in options], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(
            coverable_hours > 0, np.minimum(1.0, max_hours / coverable_hours), 0.0
        )
    rows: list[dict] = []
    for tier in scenario.settings.tier_order:
        tier_members = [i for i, o in enumerate(options) if o.agent.tier == tier]
        rows += _capacity_rows(
            tier,
            ALL_LANGUAGES,
            demand.tier_required(tier).astype(float),
            tier_members,
            coverable,
            shares,
            interval_hours,
            horizon.intervals_per_hour,
        )
        for k, queue in enumerate(demand.queues):
            if not queue.startswith(tier + "-"):
                continue
            language = queue.split("-", 1)[1]
            members = [
                i for i in tier_members if language in options[i].agent.languages
            ]
            rows += _capacity_rows(
                tier,
                language,
                demand.required[:, k].astype(float),
                members,
                coverable,
                shares,
                interval_hours,
                horizon.intervals_per_hour,
            )
    return pd.DataFrame(rows)


def capacity_warnings(capacity: pd.DataFrame) -> list[str]:
    """Summarise the ``short`` and ``tight`` rows as one line per run of hours."""
    warnings = []
    flagged = capacity[capacity["status"] != "ok"]
    for (tier, language, status), rows in flagged.groupby(
        ["tier", "language", "status"], sort=False
    ):
        hours = sorted(rows["hour_utc"].tolist())
        label = tier if language == ALL_LANGUAGES else f"{tier}-{language}"
        ranges = ", ".join(f"{a:02d}:00-{(b + 1) % 24:02d}:00" for a, b in _runs(hours))
        need = rows["need_agent_hours"].sum()
        if status == "short":
            missing = rows["missing_agent_hours"].sum()
            warnings.append(
                f"{label} {ranges} UTC: {need:.1f} agent-hours needed, {missing:.1f} "
                "of them in intervals where too few agents could be on shift"
            )
        else:
            share = rows["share_agent_hours"].sum()
            warnings.append(
                f"{label} {ranges} UTC: {need:.1f} agent-hours needed, about "
                f"{share:.1f} available within contract hours (tight)"
            )
    return warnings


def _runs(hours: list[int]) -> list[tuple[int, int]]:
    """Group sorted hours of day into (first, last) runs; a run may wrap midnight."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour - 1:
            runs[-1] = (runs[-1][0], hour)
        else:
            runs.append((hour, hour))
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 23:
        runs = [(runs[-1][0], runs[0][1])] + runs[1:-1]
    return runs


def empty_violations() -> pd.DataFrame:
    return pd.DataFrame(columns=VIOLATION_COLUMNS)


def _week_of(shift: Shift, scenario: Scenario) -> int:
    start = datetime.combine(scenario.settings.week_start, time(0), UTC)
    return (shift.start_utc - start) // timedelta(days=7)


RULE_PRIORITY = (
    "contract hours exhausted",
    "days limit",
    "rest rule",
    "consecutive days limit",
    "one shift per day",
)
"""Rules that can keep an agent off a shift, most specific first (breaks ties)."""


def _consecutive_run(day: date, worked: set[date]) -> int:
    run = 1
    probe = day - timedelta(days=1)
    while probe in worked:
        run += 1
        probe -= timedelta(days=1)
    probe = day + timedelta(days=1)
    while probe in worked:
        run += 1
        probe += timedelta(days=1)
    return run


def blocking_rules(
    option: ShiftOption,
    chosen: list[Shift],
    previous: list[Shift],
    agent_options: AgentOptions,
    scenario: Scenario,
) -> list[str]:
    """Name every rule that forbids adding ``option`` to the agent's roster."""
    agent = agent_options.agent
    rules = scenario.settings.rules
    rest = timedelta(hours=rules.min_rest_hours)
    day = agent_options.dates[option.day_index]
    week = _week_of(option.shift, scenario)
    same_week = [shift for shift in chosen if _week_of(shift, scenario) == week]
    found = []
    paid = sum(shift.paid_hours for shift in same_week) + option.shift.paid_hours
    if paid > agent.max_hours_week + 1e-9:
        found.append("contract hours exhausted")
    if len(same_week) + 1 > agent.max_days_week:
        found.append("days limit")
    if any(
        option.shift.start_utc < shift.end_utc + rest
        and shift.start_utc < option.shift.end_utc + rest
        for shift in chosen + previous
    ):
        found.append("rest rule")
    worked = {shift.date_local for shift in chosen + previous}
    if _consecutive_run(day, worked | {day}) > rules.max_consecutive_days:
        found.append("consecutive days limit")
    if day in worked:
        found.append("one shift per day")
    return found


def blocking_rule(
    option: ShiftOption,
    chosen: list[Shift],
    previous: list[Shift],
    agent_options: AgentOptions,
    scenario: Scenario,
) -> str | None:
    """Name the first rule that forbids adding ``option``, or None if it is allowed."""
    found = blocking_rules(option, chosen, previous, agent_options, scenario)
    return found[0] if found else None


def agent_reason(
    interval: int,
    agent_options: AgentOptions,
    chosen: list[Shift],
    previous: list[Shift],
    scenario: Scenario,
) -> str:
    """Name why one agent is not on shift in ``interval``."""
    covering = [o for o in agent_options.options if interval in o.intervals]
    if not covering:
        for reason in ("time off", "night rule"):
            if interval in agent_options.excluded.get(reason, set()):
                return reason
        return "no shift start covers it (time zone and start grid)"
    reasons: Counter = Counter()
    for option in covering:
        found = blocking_rules(option, chosen, previous, agent_options, scenario)
        if not found:
            return "free but unused (search stopped before proving optimality)"
        reasons.update(found)
    return max(
        RULE_PRIORITY, key=lambda rule: (reasons[rule], -RULE_PRIORITY.index(rule))
    )


def _reason_text(reasons: Counter, group_label: str) -> str:
    if not reasons:
        return f"no {group_label} in the scenario"
    parts = [
        f"{reason} ({count} agent{'s' if count > 1 else ''})"
        for reason, count in sorted(
            reasons.items(), key=lambda item: (-item[1], item[0])
        )
    ]
    return f"{group_label} unavailable: " + "; ".join(parts)


def floor_violations(
    scenario: Scenario,
    built,
    solver: cp_model.CpSolver,
    shifts: list[Shift],
    previous_roster: list[Shift],
) -> pd.DataFrame:
    """List every interval below a tier or language floor with the binding rules."""
    chosen: dict[str, list[Shift]] = {}
    for shift in shifts:
        chosen.setdefault(shift.agent_id, []).append(shift)
    previous: dict[str, list[Shift]] = {}
    for shift in previous_roster:
        previous.setdefault(shift.agent_id, []).append(shift)
    covering_now: dict[str, set[int]] = {}
    horizon = scenario.horizon
    for shift in shifts + previous_roster:
        covering_now.setdefault(shift.agent_id, set()).update(
            horizon.covered_intervals(shift.start_utc, shift.end_utc)
        )
    starts = built.demand.starts
    rows = []

    def explain(interval: int, members: list[AgentOptions], group_label: str) -> str:
        reasons: Counter = Counter()
        for agent_options in members:
            agent_id = agent_options.agent.agent_id
            if interval in covering_now.get(agent_id, set()):
                reasons["on shift, serving another queue"] += 1
                continue
            reasons[
                agent_reason(
                    interval,
                    agent_options,
                    chosen.get(agent_id, []),
                    previous.get(agent_id, []),
                    scenario,
                )
            ] += 1
        return _reason_text(reasons, group_label)

    for (tier, i), slack in built.floor_slack.items():
        missing = solver.value(slack)
        if missing <= 0:
            continue
        floor = built.demand.tier_floor[tier]
        members = [o for o in built.options if o.agent.tier == tier]
        rows.append(
            (
                starts[i],
                tier,
                floor,
                floor - missing,
                explain(i, members, f"{tier} agents"),
            )
        )
    for (queue, i), slack in built.allocation.language_slack.items():
        missing = solver.value(slack)
        if missing <= 0:
            continue
        tier, language = queue.split("-", 1)
        floor = built.demand.language_floor[queue]
        members = [
            o
            for o in built.options
            if o.agent.tier == tier and language in o.agent.languages
        ]
        group_label = f"{tier} agents speaking {language}"
        rows.append(
            (starts[i], queue, floor, floor - missing, explain(i, members, group_label))
        )
    frame = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    return frame.sort_values(["interval_start", "tier_or_queue"], ignore_index=True)


def example_zone(window_start: datetime) -> tuple[str, datetime]:
    """Pick the zone where ``window_start`` (UTC) is nearest to 09:00 local time."""
    best = None
    for name in EXAMPLE_ZONES:
        local = window_start.astimezone(zone(name))
        minutes = local.hour * 60 + local.minute
        distance = abs(minutes - DAY_START_HOUR * 60)
        distance = min(distance, 24 * 60 - distance)
        if best is None or distance < best[0]:
            best = (distance, name, local)
    return best[1], best[2]


def _greedy_windows(
    uncovered: set[int], slots_per_day: int, length: int, step: int
) -> list[tuple[int, set[int]]]:
    """Pick windows until every uncovered slot is covered.

    Returns (start slot, slots it newly covers) per window. Among windows covering as
    many slots, one that starts at a gap wins, then the earliest.
    """
    remaining = set(uncovered)
    picked = []
    while remaining:
        best_start, best_score = 0, (0, False)
        for start in range(0, slots_per_day, step):
            window = {(start + k) % slots_per_day for k in range(length)}
            score = (len(window & remaining), start in remaining)
            if score > best_score:
                best_start, best_score = start, score
        if best_score[0] == 0:
            break
        window = {(best_start + k) % slots_per_day for k in range(length)}
        picked.append((best_start, window & remaining))
        remaining -= window
    return picked


def propose_additions(scenario: Scenario, violations: pd.DataFrame) -> list[str]:
    """Propose the smallest additions of agents that would close each floor gap.

    Gaps are folded onto the UTC time of day. A greedy set cover picks shift-length
    windows (the longest allowed shift, on the start grid) until every slot with a gap
    is covered. Each window asks for as many agents as the largest gap among the slots
    it newly covers, times
    the days with a gap divided by the days an agent works (``max_days_week`` of the
    tier's agents, 5 when it has none), rounded up.
    """
    if violations.empty:
        return []
    horizon = scenario.horizon
    rules = scenario.settings.rules
    minutes = horizon.interval_minutes
    slots_per_day = 24 * 60 // minutes
    length = max(1, round(max(rules.shift_hours) * 60 / minutes))
    step = max(1, rules.start_step_minutes // minutes)
    proposals = []
    for label, rows in violations.groupby("tier_or_queue", sort=True):
        tier, _, language = str(label).partition("-")
        offsets = (
            pd.DatetimeIndex(rows["interval_start"]) - horizon.start
        ) // pd.Timedelta(minutes=minutes)
        missing_by_slot: dict[int, int] = {}
        days_by_slot: dict[int, set[int]] = {}
        for offset, row in zip(offsets, rows.itertuples()):
            slot = int(offset) % slots_per_day
            missing = int(row.required - row.scheduled)
            missing_by_slot[slot] = max(missing_by_slot.get(slot, 0), missing)
            days_by_slot.setdefault(slot, set()).add(int(offset) // slots_per_day)
        tier_days = [a.max_days_week for a in scenario.agents if a.tier == tier]
        work_days = max(1, max(tier_days) if tier_days else 5)
        windows = _greedy_windows(set(missing_by_slot), slots_per_day, length, step)
        for start, inside in windows:
            peak = max(missing_by_slot[s] for s in inside)
            days = set().union(*(days_by_slot[s] for s in inside))
            count = peak * math.ceil(len(days) / work_days)
            proposals.append(
                _proposal_text(
                    count,
                    tier,
                    language,
                    start * minutes,
                    length * minutes,
                    len(days),
                    horizon.start,
                )
            )
    return proposals


def _proposal_text(
    count: int,
    tier: str,
    language: str,
    start_minute: int,
    length_minutes: int,
    days: int,
    horizon_start: datetime,
) -> str:
    window_start = horizon_start + timedelta(minutes=start_minute)
    window_end = window_start + timedelta(minutes=length_minutes)
    name, local_start = example_zone(window_start)
    local_end = local_start + timedelta(minutes=length_minutes)
    speaking = f" speaking {language}" if language else ""
    sample = Shift("", name, local_start.date(), window_start, window_end)
    night = " with night work allowed" if is_night(sample) else ""
    agents = "agent" if count == 1 else "agents"
    return (
        f"Add {count} {tier} {agents}{speaking} who may work "
        f"{window_start:%H:%M}-{window_end:%H:%M} UTC on {days} day"
        f"{'s' if days != 1 else ''} of the week (for example in {name}, "
        f"{local_start:%H:%M}-{local_end:%H:%M} local){night}."
    )
