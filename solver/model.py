"""The CP-SAT roster model: which candidate shift each agent works, and the goals.

Decisions are one boolean per candidate shift (``solver.options``) and the allocation
counts per skill group, queue and interval (``solver.allocation``). Hard rules: at most
one shift per agent and local date, contract hours, working days, minimum rest,
consecutive days, time off and the night rule (the last two by dropping options).
Floors are soft with a penalty far above every other goal, so an impossible floor
still yields the roster with the fewest agent-intervals below it.

The objective adds, in priority order: floor slack, shortfall against requirements,
cost of paid hours, surplus, fairness of nights and weekends, and stability against a
warm-start roster. ``penalty_coefficients`` gives the units.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ortools.sat.python import cp_model

from planner.model import Scenario
from planner.shifts import Shift
from solver.allocation import (
    SCALE,
    SHORTFALL_SLOPES,
    AllocationVars,
    Demand,
    SkillGroup,
    add_allocation,
    on_shift_counts,
    skill_groups,
)
from solver.greedy import GreedyRoster, greedy_roster
from solver.options import AgentOptions, ShiftOption

FLOOR_FACTOR = 1000
"""A floor slack of one agent-interval costs this many times the steepest shortfall."""

MAX_DATES = 40
"""Upper bound on shifts per agent in a horizon of up to 28 days."""

STABILITY_POINTS = 10.0
"""Penalty per shift that differs from the warm-start roster [objective points]."""

HINT_DETERMINISTIC_TIME = 5.0
"""Budget for completing the hint; the allocation with fixed shifts needs far less."""

GOAL_ORDER = (
    "tier_floor",
    "language_floor",
    "shortfall",
    "cost",
    "surplus",
    "fairness",
    "stability",
)


@dataclass
class RosterModel:
    """A built CP-SAT model with the variables needed to read a roster back."""

    model: cp_model.CpModel
    options: list[AgentOptions]
    choose: list[list[cp_model.IntVar]]
    """One boolean per agent and candidate shift, in ``options`` order."""
    groups: list[SkillGroup]
    demand: Demand
    allocation: AllocationVars
    floor_slack: dict[tuple[str, int], cp_model.IntVar]
    goals: dict[str, list[tuple[cp_model.IntVar, int]]] = field(default_factory=dict)
    constants: dict[str, int] = field(default_factory=dict)
    """Constant part of a goal (stability of kept warm-start shifts)."""
    hint_values: list[int] | None = None
    """A complete feasible solution built from the hint, or None."""
    start: GreedyRoster | None = None
    """The greedy start roster, when one was built."""


def floor_coefficient(scenario: Scenario) -> int:
    """Objective units per agent-interval of floor slack."""
    weights = scenario.settings.solver.weights
    interval_hours = scenario.horizon.interval_minutes / 60
    steepest = max(weights.shortfall, 1.0) * SHORTFALL_SLOPES[-1] * interval_hours
    return max(round(FLOOR_FACTOR * steepest * SCALE), 10**6)


def _shifts_by_agent(shifts: list[Shift] | None) -> dict[str, list[Shift]]:
    by_agent: dict[str, list[Shift]] = {}
    for shift in shifts or []:
        by_agent.setdefault(shift.agent_id, []).append(shift)
    return by_agent


def _add_rest(
    model: cp_model.CpModel,
    options: list[ShiftOption],
    choose: list[cp_model.IntVar],
    rest: timedelta,
    previous: list[Shift],
) -> None:
    """Forbid two shifts closer than ``rest`` (real elapsed time) or overlapping.

    ``options`` are sorted by UTC start. Two options conflict when the later one
    starts before the earlier one's end plus rest. The options whose span
    [start, end + rest) contains a time point t conflict pairwise, so one
    at-most-one constraint per distinct start time covers every conflicting pair
    without listing pairs.
    """
    for k, option in enumerate(options):
        for shift in previous:
            if option.shift.start_utc < shift.end_utc + rest and (
                option.shift.end_utc + rest > shift.start_utc
            ):
                model.add(choose[k] == 0)

    longest = max(
        (option.shift.end_utc - option.shift.start_utc for option in options),
        default=timedelta(0),
    )
    starts = sorted({option.shift.start_utc for option in options})
    first = 0
    for point in starts:
        while options[first].shift.start_utc <= point - longest - rest:
            first += 1
        active = []
        for k in range(first, len(options)):
            option = options[k]
            if option.shift.start_utc > point:
                break
            if option.shift.end_utc + rest > point:
                active.append(choose[k])
        if len(active) > 1:
            model.add_at_most_one(active)


def _add_consecutive_days(
    model: cp_model.CpModel,
    dates: list[date],
    worked: list[list[cp_model.IntVar]],
    previous_dates: set[date],
    limit: int,
) -> None:
    """Allow at most ``limit`` worked local dates in any run of ``limit + 1`` dates."""
    for end, end_date in enumerate(dates):
        window = [end_date - timedelta(days=back) for back in range(limit + 1)]
        variables = []
        fixed = 0
        for day in window:
            if day in previous_dates:
                fixed += 1
            elif day in dates:
                variables.extend(worked[dates.index(day)])
        if variables and fixed + len({d for d in window if d in dates}) > limit:
            model.add(sum(variables) <= limit - fixed)


def _add_agent_rules(
    model: cp_model.CpModel,
    scenario: Scenario,
    agent_options: AgentOptions,
    choose: list[cp_model.IntVar],
    previous: list[Shift],
) -> None:
    agent = agent_options.agent
    rules = scenario.settings.rules
    options = agent_options.options

    # At most one shift per local date; none on a date worked in the previous roster.
    previous_dates = {shift.date_local for shift in previous}
    per_date: list[list[cp_model.IntVar]] = [[] for _ in agent_options.dates]
    for k, option in enumerate(options):
        per_date[option.day_index].append(choose[k])
        if agent_options.dates[option.day_index] in previous_dates:
            model.add(choose[k] == 0)
    for variables in per_date:
        if len(variables) > 1:
            model.add_at_most_one(variables)

    # Contract hours and working days per 7-day week of the horizon. A shift belongs
    # to the week of its UTC start and brings all its paid hours, also past the end.
    weeks: dict[int, list[int]] = {}
    horizon_start = scenario.horizon.start
    for k, option in enumerate(options):
        week = (option.shift.start_utc - horizon_start) // timedelta(days=7)
        weeks.setdefault(week, []).append(k)
    n_weeks = max(1, -(-scenario.settings.days // 7))
    for week in range(n_weeks):
        members = weeks.get(week, [])
        minutes = sum(options[k].minutes * choose[k] for k in members)
        model.add(minutes <= round(agent.max_hours_week * 60))
        if agent.min_hours_week > 0:
            model.add(minutes >= round(agent.min_hours_week * 60))
        model.add(sum(choose[k] for k in members) <= agent.max_days_week)

    _add_rest(model, options, choose, timedelta(hours=rules.min_rest_hours), previous)
    _add_consecutive_days(
        model, agent_options.dates, per_date, previous_dates, rules.max_consecutive_days
    )


def _on_shift_expressions(
    scenario: Scenario,
    options: list[AgentOptions],
    choose: list[list[cp_model.IntVar]],
    groups: list[SkillGroup],
    previous: list[Shift],
) -> list[list]:
    """Return, per group and interval, the agents on shift (variables plus constants)."""
    n_intervals = scenario.horizon.n_intervals
    constants = on_shift_counts(scenario, groups, previous)
    expressions = []
    for g, group in enumerate(groups):
        terms: list[list[cp_model.IntVar]] = [[] for _ in range(n_intervals)]
        for index in group.agent_indices:
            for k, option in enumerate(options[index].options):
                for i in option.intervals:
                    terms[i].append(choose[index][k])
        row = []
        for i in range(n_intervals):
            if terms[i]:
                row.append(sum(terms[i]) + constants[g][i])
            else:
                row.append(constants[g][i])
        expressions.append(row)
    return expressions


def _add_fairness(
    model: cp_model.CpModel,
    scenario: Scenario,
    options: list[AgentOptions],
    choose: list[list[cp_model.IntVar]],
    points: float,
) -> list[tuple[cp_model.IntVar, int]]:
    """Penalise, per tier, the spread (max minus min) of night and weekend shifts."""
    terms = []
    coefficient = round(points * SCALE)
    if coefficient <= 0:
        return terms
    for tier in scenario.settings.tier_order:
        for kind in ("night", "weekend"):
            counts = []
            for index, agent_options in enumerate(options):
                if agent_options.agent.tier != tier:
                    continue
                chosen = [
                    choose[index][k]
                    for k, option in enumerate(agent_options.options)
                    if getattr(option, kind)
                ]
                if chosen:
                    counts.append(sum(chosen))
            if len(counts) < 2:
                continue
            upper = model.new_int_var(0, MAX_DATES, f"{kind}_max_{tier}")
            lower = model.new_int_var(0, MAX_DATES, f"{kind}_min_{tier}")
            for count in counts:
                model.add(upper >= count)
                model.add(lower <= count)
            spread = model.new_int_var(0, MAX_DATES, f"{kind}_spread_{tier}")
            model.add(spread == upper - lower)
            terms.append((spread, coefficient))
    return terms


def _add_stability(
    model: cp_model.CpModel,
    options: list[AgentOptions],
    choose: list[list[cp_model.IntVar]],
    warm_start: list[Shift] | None,
) -> tuple[list[tuple[cp_model.IntVar, int]], int]:
    """Hint the warm-start roster and penalise each shift that differs from it."""
    if not warm_start:
        return [], 0
    warm_keys = {(s.agent_id, s.start_utc, s.end_utc) for s in warm_start}
    present = {s.agent_id for s in warm_start}
    coefficient = round(STABILITY_POINTS * SCALE)
    terms = []
    constant = 0
    for index, agent_options in enumerate(options):
        agent_id = agent_options.agent.agent_id
        if agent_id not in present:
            continue
        for k, option in enumerate(agent_options.options):
            key = (agent_id, option.shift.start_utc, option.shift.end_utc)
            in_warm_start = key in warm_keys
            model.add_hint(choose[index][k], in_warm_start)
            if in_warm_start:
                # A dropped warm-start shift costs: coefficient * (1 - choose).
                constant += coefficient
                terms.append((choose[index][k], -coefficient))
            else:
                terms.append((choose[index][k], coefficient))
    return terms, constant


def complete_hint(
    model: cp_model.CpModel, choose: list[list[cp_model.IntVar]]
) -> list[int] | None:
    """Extend a hint on the shift booleans to every variable of the model.

    With the hinted shifts fixed, the rest (allocation, slacks, penalties) solves in
    a moment; a complete, feasible hint is CP-SAT's first solution at once. Returns
    the values of every variable, or None (keeping the partial hint) when the hinted
    shifts break a rule or the budget runs out.
    """
    hint = model.proto.solution_hint
    hinted = dict(zip(hint.vars, hint.values))
    fixed = model.clone()
    for variables in choose:
        for var in variables:
            fixed.add(
                fixed.get_bool_var_from_proto_index(var.index)
                == hinted.get(var.index, 0)
            )
    fixed.clear_hints()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = HINT_DETERMINISTIC_TIME
    status = solver.solve(fixed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = list(solver.response_proto.solution)
    model.clear_hints()
    model.proto.solution_hint.vars.extend(range(len(values)))
    model.proto.solution_hint.values.extend(values)
    return values


def build_model(
    scenario: Scenario,
    demand: Demand,
    options: list[AgentOptions],
    *,
    previous_roster: list[Shift] | None = None,
    warm_start: list[Shift] | None = None,
    greedy_start: bool = True,
    greedy_rounds: int = 0,
    seed: int = 0,
    greedy_deadline: float | None = None,
    stop_event: threading.Event | None = None,
    on_start_roster: Callable[[float], None] | None = None,
) -> RosterModel:
    """Build the roster model for ``scenario`` from its candidate shifts.

    The greedy start (``solver.greedy``) runs up to ``greedy_rounds`` rounds of
    re-planning with ``seed``, ending early at ``greedy_deadline``
    (``time.perf_counter()``) or when ``stop_event`` is set. ``on_start_roster``
    receives the price of each better greedy roster (see ``greedy_roster``).
    """
    model = cp_model.CpModel()
    weights = scenario.settings.solver.weights
    horizon = scenario.horizon
    interval_hours = horizon.interval_minutes / 60
    previous = _shifts_by_agent(previous_roster)
    known = {agent.agent_id for agent in scenario.agents}
    previous_known = [s for s in previous_roster or [] if s.agent_id in known]

    # One boolean per candidate shift; labour rules per agent.
    choose = []
    for index, agent_options in enumerate(options):
        agent_id = agent_options.agent.agent_id
        variables = [
            model.new_bool_var(
                f"shift_{agent_id}_{option.shift.start_utc:%m%dT%H%M}_{option.minutes}"
            )
            for option in agent_options.options
        ]
        choose.append(variables)
        _add_agent_rules(
            model, scenario, agent_options, variables, previous.get(agent_id, [])
        )

    # Agents on shift per skill group and interval, then their allocation to queues.
    groups = skill_groups(scenario)
    on_shift = _on_shift_expressions(scenario, options, choose, groups, previous_known)
    on_vars = []
    for g, row in enumerate(groups):
        size = len(row.agent_indices)
        variables = []
        for i, expression in enumerate(on_shift[g]):
            var = model.new_int_var(0, size, f"on_g{g}_i{i}")
            model.add(var == expression)
            variables.append(var)
        on_vars.append(variables)
    coefficient = floor_coefficient(scenario)
    allocation = add_allocation(
        model, groups, on_vars, demand, weights.shortfall, coefficient, interval_hours
    )

    # Tier floor (soft, huge penalty) and surplus over the tier's requirement.
    floor_slack: dict[tuple[str, int], cp_model.IntVar] = {}
    goals: dict[str, list[tuple[cp_model.IntVar, int]]] = {
        name: [] for name in GOAL_ORDER
    }
    goals["shortfall"] = allocation.goals["shortfall"]
    goals["language_floor"] = allocation.goals["language_floor"]
    surplus_coefficient = round(weights.surplus * interval_hours * SCALE)
    for tier in scenario.settings.tier_order:
        members = [g for g, group in enumerate(groups) if group.tier == tier]
        floor = demand.tier_floor.get(tier, 0)
        tier_required = demand.tier_required(tier)
        size = sum(len(groups[g].agent_indices) for g in members)
        for i in range(horizon.n_intervals):
            on_tier = sum(on_vars[g][i] for g in members)
            if floor > 0:
                slack = model.new_int_var(0, floor, f"floor_slack_{tier}_i{i}")
                model.add(on_tier + slack >= floor)
                floor_slack[tier, i] = slack
                goals["tier_floor"].append((slack, coefficient))
            if surplus_coefficient > 0 and size > 0:
                surplus = model.new_int_var(0, size, f"surplus_{tier}_i{i}")
                model.add(surplus >= on_tier - int(tier_required[i]))
                goals["surplus"].append((surplus, surplus_coefficient))

    # Cost of paid hours, including hours that spill past the horizon.
    for index, agent_options in enumerate(options):
        rate = agent_options.agent.cost_per_hour * weights.cost * SCALE
        for k, option in enumerate(agent_options.options):
            cost = round(rate * option.minutes / 60)
            if cost:
                goals["cost"].append((choose[index][k], cost))

    goals["fairness"] = _add_fairness(
        model, scenario, options, choose, weights.fairness
    )
    goals["stability"], stability_constant = _add_stability(
        model, options, choose, warm_start
    )
    start = None
    if not warm_start and greedy_start:
        start = greedy_roster(
            scenario,
            demand,
            options,
            previous,
            rounds=greedy_rounds,
            seed=seed,
            deadline=greedy_deadline,
            stop_event=stop_event,
            on_improvement=on_start_roster,
        )
        for index, variables in enumerate(choose):
            for k, var in enumerate(variables):
                model.add_hint(var, (index, k) in start.picked)
    model.minimize(
        sum(coef * var for name in GOAL_ORDER for var, coef in goals[name])
        + stability_constant
    )
    hint_values = complete_hint(model, choose) if warm_start or greedy_start else None
    return RosterModel(
        model=model,
        options=options,
        choose=choose,
        groups=groups,
        demand=demand,
        allocation=allocation,
        floor_slack=floor_slack,
        goals=goals,
        constants={"stability": stability_constant},
        hint_values=hint_values,
        start=start,
    )
