"""A greedy first roster, given to CP-SAT as a hint so that it starts from a good one.

Repeatedly add the candidate shift that covers the most agent-intervals still below
the tier's floor (ten times the weight) or requirement, breaking ties by cost, as long
as it keeps every labour rule. Adding a shift only ever removes options, so an option
found to break a rule is dropped for good. Agents still short of min_hours_week then
get their earliest allowed shifts until they reach it. Where that fails, the hint stays
incomplete and CP-SAT repairs it.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from scipy import sparse

from planner.model import Scenario
from planner.shifts import Shift
from solver.allocation import Demand
from solver.explain import blocking_rule
from solver.options import AgentOptions, ShiftOption

FLOOR_WEIGHT = 10.0
WEEK = timedelta(days=7)
COST_TIE_BREAK = 1e-6


def _coverage_matrix(options: list[AgentOptions], n_intervals: int):
    rows, columns, owners = [], [], []
    for agent_options in options:
        for option in agent_options.options:
            row = len(owners)
            owners.append((option.agent_index, option))
            rows.extend([row] * len(option.intervals))
            columns.extend(option.intervals)
    data = np.ones(len(rows))
    matrix = sparse.csr_matrix(
        (data, (rows, columns)), shape=(len(owners), n_intervals)
    )
    return matrix, owners


def greedy_roster(
    scenario: Scenario,
    demand: Demand,
    options: list[AgentOptions],
    previous: dict[str, list[Shift]],
) -> set[tuple[int, int]]:
    """Return (agent index, option position) pairs of a rule-abiding greedy roster."""
    horizon = scenario.horizon
    tiers = scenario.settings.tier_order
    matrix, owners = _coverage_matrix(options, horizon.n_intervals)
    if not owners:
        return set()
    tier_column = {tier: k for k, tier in enumerate(tiers)}
    owner_tier = np.array([tier_column[options[a].agent.tier] for a, _ in owners])
    cost = np.array(
        [options[a].agent.cost_per_hour * o.minutes / 60 for a, o in owners]
    )
    need = np.stack([demand.tier_required(tier) for tier in tiers], axis=1).astype(
        float
    )
    floor = np.array([demand.tier_floor.get(tier, 0) for tier in tiers], dtype=float)
    on_shift = np.zeros_like(need)
    for shifts in previous.values():
        for shift in shifts:
            agent_tier = _tier_of(scenario, shift.agent_id)
            if agent_tier in tier_column:
                covered = horizon.covered_intervals(shift.start_utc, shift.end_utc)
                on_shift[covered.start : covered.stop, tier_column[agent_tier]] += 1

    position = {
        id(o): k
        for agent_options in options
        for k, o in enumerate(agent_options.options)
    }
    columns = matrix.tocsc()
    weight = _weights(on_shift, need, floor)
    gains = np.asarray(matrix @ weight)
    score = gains[np.arange(len(owners)), owner_tier] - COST_TIE_BREAK * cost
    chosen: dict[int, list[Shift]] = {}
    picked: set[tuple[int, int]] = set()
    agent_rows: dict[int, list[int]] = {}
    for row, (agent_index, _) in enumerate(owners):
        agent_rows.setdefault(agent_index, []).append(row)
    while True:
        row = int(np.argmax(score))
        if score[row] <= 0:
            break
        score[row] = -np.inf
        agent_index, option = owners[row]
        agent_options = options[agent_index]
        rule = blocking_rule(
            option,
            chosen.get(agent_index, []),
            previous.get(agent_options.agent.agent_id, []),
            agent_options,
            scenario,
        )
        if rule is not None:
            continue
        chosen.setdefault(agent_index, []).append(option.shift)
        picked.add((agent_index, position[id(option)]))
        _retire_options(
            score, agent_rows[agent_index], owners, option, chosen, agent_options
        )

        # Only the new shift's intervals change weight, and only for its tier.
        tier = owner_tier[row]
        covered = np.arange(option.intervals.start, option.intervals.stop)
        on_shift[covered, tier] += 1
        new_weight = _weights(on_shift[covered], need[covered], floor)[:, tier]
        delta = new_weight - weight[covered, tier]
        weight[covered, tier] = new_weight
        change = np.asarray(columns[:, covered] @ delta).ravel()
        same_tier = (owner_tier == tier) & np.isfinite(score)
        score[same_tier] += change[same_tier]

    for agent_index, rows in agent_rows.items():
        _top_up_minimum_hours(
            scenario,
            options[agent_index],
            rows,
            owners,
            chosen,
            picked,
            position,
            previous,
        )
    return picked


def _top_up_minimum_hours(
    scenario: Scenario,
    agent_options: AgentOptions,
    rows: list[int],
    owners: list,
    chosen: dict[int, list[Shift]],
    picked: set[tuple[int, int]],
    position: dict[int, int],
    previous: dict[str, list[Shift]],
) -> None:
    """Add the agent's earliest allowed shifts until each week reaches min_hours_week."""
    agent = agent_options.agent
    if agent.min_hours_week <= 0:
        return
    start = scenario.horizon.start
    week_of = {row: (owners[row][1].shift.start_utc - start) // WEEK for row in rows}
    for week in sorted(set(week_of.values())):
        for row in rows:
            own = chosen.setdefault(owners[row][0], [])
            hours = sum(
                s.paid_hours for s in own if (s.start_utc - start) // WEEK == week
            )
            if hours >= agent.min_hours_week - 1e-9:
                break
            option = owners[row][1]
            if week_of[row] != week or (owners[row][0], position[id(option)]) in picked:
                continue
            rule = blocking_rule(
                option, own, previous.get(agent.agent_id, []), agent_options, scenario
            )
            if rule is None:
                own.append(option.shift)
                picked.add((owners[row][0], position[id(option)]))


def _retire_options(
    score: np.ndarray,
    rows: list[int],
    owners: list,
    added: ShiftOption,
    chosen: dict[int, list[Shift]],
    agent_options: AgentOptions,
) -> None:
    """Drop the agent's options that the shift just added rules out for sure.

    These are the other options of the same local date, or all options once the
    agent has worked ``max_days_week`` shifts. Other rules are checked when an
    option comes up.
    """
    full = len(chosen[added.agent_index]) >= agent_options.agent.max_days_week
    for row in rows:
        if full or owners[row][1].day_index == added.day_index:
            score[row] = -np.inf


def _weights(on_shift: np.ndarray, need: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Weight of one more agent per interval and tier: floor gaps count 10, needs 1."""
    below_floor = np.where(on_shift < floor, FLOOR_WEIGHT, 0.0)
    return below_floor + np.where(on_shift < need, 1.0, 0.0)


def _tier_of(scenario: Scenario, agent_id: str) -> str | None:
    for agent in scenario.agents:
        if agent.agent_id == agent_id:
            return agent.tier
    return None
