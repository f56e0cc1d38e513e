"""Skill groups and the allocation of on-shift agents to queues.

Agents of one tier who serve the same queues form a skill group. Per group, queue and
interval an integer variable counts the group's agents serving that queue; those counts
add up to the group's agents on shift, so each agent counts once per interval however
many languages it speaks. The model grows with skill groups, not agents times queues.

The same allocation, with the on-shift counts fixed, projects a roster that did not
come from the solver (``allocate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from planner.model import Scenario
from planner.shifts import Shift

SCALE = 100
"""Objective units per penalty point, so that fractional weights become integers."""

SHORTFALL_SLOPES = (1, 2, 3, 4)
"""Cost of the 1st, 2nd, 3rd and each further missing agent in one queue and interval:
one interval 3 short (1 + 2 + 3 = 6) costs more than three intervals 1 short (3)."""


@dataclass
class SkillGroup:
    """Agents of one tier who serve the same queues."""

    tier: str
    queues: tuple[str, ...]
    agent_indices: list[int] = field(default_factory=list)


@dataclass
class Demand:
    """Requirements and floors as arrays over (interval, queue)."""

    queues: list[str]
    required: np.ndarray
    """Agents required per interval (rows) and queue (columns)."""
    tier_floor: dict[str, int]
    language_floor: dict[str, int]
    """Minimum agents allocated per interval, per queue."""
    starts: pd.DatetimeIndex

    def tier_required(self, tier: str) -> np.ndarray:
        """Agents the tier needs per interval: the larger of floor and summed queues."""
        columns = [
            k for k, queue in enumerate(self.queues) if queue.startswith(tier + "-")
        ]
        total = self.required[:, columns].sum(axis=1)
        return np.maximum(total, self.tier_floor.get(tier, 0))


def demand_arrays(scenario: Scenario, requirements: pd.DataFrame) -> Demand:
    """Turn the requirements frame into arrays; missing rows mean zero required."""
    queues = scenario.queues
    starts = scenario.horizon.starts()
    frame = requirements.copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    table = frame.pivot_table(
        index="interval_start",
        columns="queue",
        values="required",
        aggfunc="sum",
        fill_value=0,
    )
    table = table.reindex(index=starts, columns=queues, fill_value=0).fillna(0)
    tiers = scenario.settings.tiers
    return Demand(
        queues=queues,
        required=table.to_numpy(dtype=np.int64),
        tier_floor={tier: tiers[tier].floor for tier in scenario.settings.tier_order},
        language_floor={
            queue: tiers[queue.split("-", 1)[0]].language_floor for queue in queues
        },
        starts=starts,
    )


def skill_groups(scenario: Scenario) -> list[SkillGroup]:
    """Group agents by tier and the queues they serve, in first-seen order."""
    queues = set(scenario.queues)
    groups: dict[tuple[str, tuple[str, ...]], SkillGroup] = {}
    for index, agent in enumerate(scenario.agents):
        served = tuple(sorted(queue for queue in agent.skills if queue in queues))
        key = (agent.tier, served)
        if key not in groups:
            groups[key] = SkillGroup(tier=agent.tier, queues=served)
        groups[key].agent_indices.append(index)
    return list(groups.values())


@dataclass
class AllocationVars:
    """Variables of the allocation part and the penalty expressions it adds."""

    serve: dict[tuple[int, str, int], cp_model.IntVar]
    language_slack: dict[tuple[str, int], cp_model.IntVar]
    goals: dict[str, list[tuple[cp_model.IntVar, int]]]


def add_allocation(
    model: cp_model.CpModel,
    groups: list[SkillGroup],
    on_shift: list[list],
    demand: Demand,
    weights_shortfall: float,
    floor_coefficient: int,
    interval_hours: float,
) -> AllocationVars:
    """Add allocation counts, shortfall against requirements and the language floor.

    ``on_shift[g][i]`` is the number (a variable or an int) of agents of group ``g`` on
    shift for all of interval ``i``.
    """
    n_intervals = len(demand.starts)
    serve: dict[tuple[int, str, int], cp_model.IntVar] = {}
    served: dict[tuple[str, int], list] = {}

    # Each on-shift agent serves exactly one of its queues in every interval.
    for g, group in enumerate(groups):
        if not group.queues:
            continue
        size = len(group.agent_indices)
        for i in range(n_intervals):
            counts = []
            for queue in group.queues:
                var = model.new_int_var(0, size, f"serve_g{g}_{queue}_i{i}")
                serve[g, queue, i] = var
                counts.append(var)
                served.setdefault((queue, i), []).append(var)
            model.add(sum(counts) == on_shift[g][i])

    goals: dict[str, list[tuple[cp_model.IntVar, int]]] = {
        "shortfall": [],
        "language_floor": [],
    }
    unit = weights_shortfall * interval_hours * SCALE

    # Shortfall: convex, piecewise linear in the missing agents of a queue and interval.
    for k, queue in enumerate(demand.queues):
        for i in range(n_intervals):
            required = int(demand.required[i, k])
            if required <= 0:
                continue
            segments = []
            for position, slope in enumerate(SHORTFALL_SLOPES):
                last = position == len(SHORTFALL_SLOPES) - 1
                upper = required if last else 1
                var = model.new_int_var(0, upper, f"short_{queue}_i{i}_s{position}")
                segments.append(var)
                goals["shortfall"].append((var, round(unit * slope)))
            model.add(sum(segments) + sum(served.get((queue, i), [])) >= required)

    # Language floor: soft with a penalty far above every other goal.
    language_slack: dict[tuple[str, int], cp_model.IntVar] = {}
    for queue in demand.queues:
        floor = demand.language_floor.get(queue, 0)
        if floor <= 0:
            continue
        for i in range(n_intervals):
            slack = model.new_int_var(0, floor, f"language_slack_{queue}_i{i}")
            model.add(sum(served.get((queue, i), [])) + slack >= floor)
            language_slack[queue, i] = slack
            goals["language_floor"].append((slack, floor_coefficient))

    return AllocationVars(serve=serve, language_slack=language_slack, goals=goals)


def on_shift_counts(
    scenario: Scenario, groups: list[SkillGroup], shifts: list[Shift]
) -> list[list[int]]:
    """Count the agents of each group on shift for all of each interval."""
    horizon = scenario.horizon
    group_of = {}
    for g, group in enumerate(groups):
        for index in group.agent_indices:
            group_of[scenario.agents[index].agent_id] = g
    counts = np.zeros((len(groups), horizon.n_intervals), dtype=np.int64)
    covered: set[tuple[str, int]] = set()
    for shift in shifts:
        g = group_of.get(shift.agent_id)
        if g is None:
            continue
        for i in horizon.covered_intervals(shift.start_utc, shift.end_utc):
            if (shift.agent_id, i) not in covered:
                covered.add((shift.agent_id, i))
                counts[g, i] += 1
    return counts.tolist()


def allocation_frame(
    demand: Demand, values: dict[tuple[str, int], int]
) -> pd.DataFrame:
    """Build the allocation frame (interval_start, queue, scheduled) from counts."""
    rows = []
    for i, start in enumerate(demand.starts):
        for queue in demand.queues:
            rows.append((start, queue, int(values.get((queue, i), 0))))
    return pd.DataFrame(rows, columns=["interval_start", "queue", "scheduled"])


def read_allocation(
    solver: cp_model.CpSolver, variables: AllocationVars, demand: Demand
) -> pd.DataFrame:
    """Read the allocation counts of a solved model into a frame."""
    totals: dict[tuple[str, int], int] = {}
    for (_, queue, i), var in variables.serve.items():
        totals[queue, i] = totals.get((queue, i), 0) + solver.value(var)
    return allocation_frame(demand, totals)


def allocate(
    scenario: Scenario, requirements: pd.DataFrame, shifts: list[Shift]
) -> pd.DataFrame:
    """Allocate the agents of a fixed roster to queues, minimising shortfall.

    Returns the allocation frame (interval_start, queue, scheduled). Deterministic: one
    worker, fixed seed.
    """
    demand = demand_arrays(scenario, requirements)
    groups = skill_groups(scenario)
    counts = on_shift_counts(scenario, groups, shifts)
    model = cp_model.CpModel()
    interval_hours = scenario.horizon.interval_minutes / 60
    variables = add_allocation(
        model,
        groups,
        counts,
        demand,
        weights_shortfall=1.0,
        floor_coefficient=round(1000 * SHORTFALL_SLOPES[-1] * interval_hours * SCALE),
        interval_hours=interval_hours,
    )
    terms = [coef * var for goal in variables.goals.values() for var, coef in goal]
    model.minimize(sum(terms))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 60.0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"queue allocation failed: {solver.status_name(status)}")
    return read_allocation(solver, variables, demand)
