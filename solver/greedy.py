"""A greedy first roster, given to CP-SAT as a hint so that it starts from a good one.

The roster is priced like the model's objective, with a simple allocation: every agent
on shift serves, in each interval, the queue of its skill set where one more agent
saves the most at the moment the shift is added. One more agent in a queue short of
``d`` agents saves the ``d``-th step of the convex shortfall curve, one in a tier or
queue below its floor saves the floor penalty, and agents above the tier's need cost
the surplus weight. A shift costs its paid hours once the agent has reached
``min_hours_week`` (below that the hours are paid anyway); hours missing to that
minimum are priced like floor gaps. Fairness is left out.

Planning an agent adds, one at a time, the agent's allowed shift that saves the most:
up to ``min_hours_week`` whatever it saves, then while one saves more than it costs.
Passes plan every agent in turn against the rest of the roster, starting from the
empty roster and keeping a new plan when the roster's price drops. Re-planning rounds
then take a few random agents of one tier out together and plan them again, again
keeping only improvements (a ruin-and-recreate local search). A fixed seed and round
count give the same roster. A deadline skips the passes after the first and the
rounds left, and the roster then depends on machine speed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from planner.model import Scenario
from planner.shifts import Shift
from solver.allocation import SHORTFALL_SLOPES, Demand, skill_groups
from solver.explain import blocking_rule
from solver.options import AgentOptions

WEEK = timedelta(days=7)
FLOOR_FACTOR = 1000.0
"""One agent-interval below a floor costs this many times the steepest shortfall."""
IMPROVEMENT_PASSES = 8
"""Passes of re-planning each agent in turn; the demo settles after about six."""
RUIN_SIZE = 4
"""Agents of one tier taken out and re-planned together in one round."""
STALL_ROUNDS = 300
"""Rounds in a row without improvement after which re-planning stops."""


def _shortfall_cost(deficit: np.ndarray) -> np.ndarray:
    """Convex shortfall cost of ``deficit`` missing agents, in slope units."""
    steps = np.cumsum((0,) + SHORTFALL_SLOPES)
    d = np.maximum(deficit, 0)
    head = steps[np.minimum(d, len(SHORTFALL_SLOPES) - 1)]
    tail = np.maximum(d - (len(SHORTFALL_SLOPES) - 1), 0) * SHORTFALL_SLOPES[-1]
    return head + tail


@dataclass
class _State:
    """The greedy roster and its allocation, priced like the model's objective."""

    required: np.ndarray
    language_floor: np.ndarray
    tier_floor: np.ndarray
    tier_need: np.ndarray
    unit: float
    floor_cost: float
    surplus: float
    assigned: np.ndarray
    on_tier: np.ndarray
    group_queues: list[np.ndarray]
    group_tier: np.ndarray
    shifts: dict[int, list] = field(default_factory=dict)
    """Per agent index: (row, option, queue per covered interval)."""

    def queue_gain(self, intervals: np.ndarray) -> np.ndarray:
        deficit = self.required[intervals] - self.assigned[intervals]
        slopes = np.array((0,) + SHORTFALL_SLOPES, dtype=float)
        step = slopes[np.clip(deficit, 0, len(SHORTFALL_SLOPES))]
        below = self.assigned[intervals] < self.language_floor
        return self.unit * step + self.floor_cost * below

    def one_group_gain(self, group: int) -> np.ndarray:
        """Saving of one more agent of ``group`` in every interval."""
        columns = self.group_queues[group]
        tier = self.group_tier[group]
        on = self.on_tier[:, tier]
        gain = self.floor_cost * (on < self.tier_floor[tier]) - self.surplus * (
            on >= self.tier_need[:, tier]
        )
        if len(columns):
            deficit = self.required[:, columns] - self.assigned[:, columns]
            slopes = np.array((0,) + SHORTFALL_SLOPES, dtype=float)
            step = slopes[np.clip(deficit, 0, len(SHORTFALL_SLOPES))]
            below = self.assigned[:, columns] < self.language_floor[columns]
            gain = gain + (self.unit * step + self.floor_cost * below).max(axis=1)
        return gain

    def apply(self, group: int, intervals: np.ndarray, sign: int, queues=None):
        """Put one agent of ``group`` on (+1) or off (-1) shift; return its queues."""
        columns = self.group_queues[group]
        if queues is None and sign > 0 and len(columns):
            gain = self.queue_gain(intervals)[:, columns]
            queues = columns[np.argmax(gain, axis=1)]
        if queues is not None and len(columns):
            self.assigned[intervals, queues] += sign
        self.on_tier[intervals, self.group_tier[group]] += sign
        return queues

    def price(self) -> float:
        """Floors, shortfall and surplus of the roster (cost is priced separately)."""
        deficit = self.required - self.assigned
        total = self.unit * _shortfall_cost(deficit).sum()
        total += (
            self.floor_cost * np.maximum(self.language_floor - self.assigned, 0).sum()
        )
        total += self.floor_cost * np.maximum(self.tier_floor - self.on_tier, 0).sum()
        total += self.surplus * np.maximum(self.on_tier - self.tier_need, 0).sum()
        return float(total)


def _owners(options: list[AgentOptions]) -> list[tuple[int, int]]:
    """(agent index, option position) of every candidate shift, one row each."""
    return [
        (option.agent_index, position)
        for agent_options in options
        for position, option in enumerate(agent_options.options)
    ]


def _new_state(scenario: Scenario, demand: Demand, groups) -> _State:
    tiers = scenario.settings.tier_order
    weights = scenario.settings.solver.weights
    interval_hours = scenario.horizon.interval_minutes / 60
    unit = weights.shortfall * interval_hours
    steepest = max(weights.shortfall, 1.0) * SHORTFALL_SLOPES[-1] * interval_hours
    queue_column = {queue: k for k, queue in enumerate(demand.queues)}
    tier_column = {tier: k for k, tier in enumerate(tiers)}
    n = len(demand.starts)
    return _State(
        required=demand.required.astype(np.int64),
        language_floor=np.array(
            [demand.language_floor.get(q, 0) for q in demand.queues], dtype=np.int64
        ),
        tier_floor=np.array(
            [demand.tier_floor.get(t, 0) for t in tiers], dtype=np.int64
        ),
        tier_need=np.stack([demand.tier_required(t) for t in tiers], axis=1),
        unit=unit,
        floor_cost=FLOOR_FACTOR * steepest,
        surplus=weights.surplus * interval_hours,
        assigned=np.zeros((n, len(demand.queues)), dtype=np.int64),
        on_tier=np.zeros((n, len(tiers)), dtype=np.int64),
        group_queues=[
            np.array([queue_column[q] for q in g.queues], dtype=np.int64)
            for g in groups
        ],
        group_tier=np.array([tier_column[g.tier] for g in groups], dtype=np.int64),
    )


class _Greedy:
    """The greedy roster: agent-by-agent planning and re-planning rounds."""

    def __init__(self, scenario, demand, options, previous):
        self.scenario = scenario
        self.options = options
        self.previous = previous
        groups = skill_groups(scenario)
        self.group_of = np.empty(len(options), dtype=np.int64)
        for g, group in enumerate(groups):
            self.group_of[group.agent_indices] = g
        self.state = _new_state(scenario, demand, groups)
        horizon = scenario.horizon
        self.owners = _owners(options)
        self.rows_of: dict[int, np.ndarray] = {}
        for row, (agent_index, _) in enumerate(self.owners):
            self.rows_of.setdefault(agent_index, []).append(row)
        self.rows_of = {a: np.array(r) for a, r in self.rows_of.items()}
        weights = scenario.settings.solver.weights
        self.minutes = np.array([options[a].options[k].minutes for a, k in self.owners])
        rate = np.array([options[a].agent.cost_per_hour for a, _ in self.owners])
        self.cost = weights.cost * rate * self.minutes / 60
        self.week = np.array(
            [
                (options[a].options[k].shift.start_utc - horizon.start) // WEEK
                for a, k in self.owners
            ]
        )
        self._previous_on_shift(scenario, previous)
        self.spans = {}
        for agent_index, rows in self.rows_of.items():
            spans = [self.option(r).intervals for r in rows]
            self.spans[agent_index] = (
                np.array([span.start for span in spans], dtype=np.int64),
                np.array([span.stop for span in spans], dtype=np.int64),
                np.array([self.option(r).day_index for r in rows]),
            )

    def _previous_on_shift(self, scenario, previous) -> None:
        index_of = {a.agent.agent_id: k for k, a in enumerate(self.options)}
        for agent_id, shifts in previous.items():
            if agent_id not in index_of:
                continue
            group = self.group_of[index_of[agent_id]]
            for shift in shifts:
                covered = scenario.horizon.covered_intervals(
                    shift.start_utc, shift.end_utc
                )
                if len(covered):
                    self.state.apply(group, np.arange(covered.start, covered.stop), 1)

    def option(self, row: int):
        agent_index, position = self.owners[row]
        return self.options[agent_index].options[position]

    def week_hours(self, agent_index: int) -> dict[int, float]:
        found: dict[int, float] = {}
        for row, _, _ in self.state.shifts.get(agent_index, []):
            found[self.week[row]] = (
                found.get(self.week[row], 0.0) + self.minutes[row] / 60
            )
        return found

    def allowed(self, row: int) -> bool:
        agent_index, _ = self.owners[row]
        agent_options = self.options[agent_index]
        chosen = [
            option.shift for _, option, _ in self.state.shifts.get(agent_index, [])
        ]
        rule = blocking_rule(
            self.option(row),
            chosen,
            self.previous.get(agent_options.agent.agent_id, []),
            agent_options,
            self.scenario,
        )
        return rule is None

    def add(self, row: int) -> None:
        """Add the shift of ``row`` to its agent's roster."""
        agent_index, _ = self.owners[row]
        option = self.option(row)
        intervals = np.arange(option.intervals.start, option.intervals.stop)
        queues = self.state.apply(self.group_of[agent_index], intervals, 1)
        self.state.shifts.setdefault(agent_index, []).append((row, option, queues))

    def remove_agent(self, agent_index: int) -> list:
        removed = self.state.shifts.pop(agent_index, [])
        for _, option, queues in removed:
            intervals = np.arange(option.intervals.start, option.intervals.stop)
            self.state.apply(self.group_of[agent_index], intervals, -1, queues)
        return removed

    def restore_agent(self, agent_index: int, removed: list) -> None:
        self.remove_agent(agent_index)
        for _, option, queues in removed:
            intervals = np.arange(option.intervals.start, option.intervals.stop)
            self.state.apply(self.group_of[agent_index], intervals, 1, queues)
        self.state.shifts[agent_index] = removed

    def fill_agent(self, agent_index: int) -> None:
        """Add the agent's best allowed shifts: to min_hours_week, then while they save."""
        rows = self.rows_of[agent_index]
        alive = np.ones(len(rows), dtype=bool)
        minimum = self.options[agent_index].agent.min_hours_week
        starts, stops, days = self.spans[agent_index]
        weeks = self.week[rows]
        while alive.any():
            gain = self.state.one_group_gain(self.group_of[agent_index])
            cumulative = np.concatenate(([0.0], np.cumsum(gain)))
            saving = cumulative[stops] - cumulative[starts]
            hours = self.week_hours(agent_index)
            short = np.array([hours.get(w, 0.0) < minimum - 1e-9 for w in weeks])
            score = np.where(alive, saving - self.cost[rows] * ~short, -np.inf)
            score[~short & (score <= 0)] = -np.inf
            added = False
            for best in np.argsort(-score, kind="stable"):
                if not np.isfinite(score[best]):
                    break
                alive[best] = False
                if self.allowed(rows[best]):
                    self.add(rows[best])
                    alive[days == days[best]] = False
                    added = True
                    break
            if not added:
                break

    def improve(
        self,
        passes: int,
        out_of_time: Callable[[], bool],
        on_improvement: Callable[[float], None] | None = None,
    ) -> bool:
        """Re-plan each agent against the rest; keep changes that lower the price.

        The first pass always completes, so that every agent has a plan; later ones
        are skipped when ``out_of_time()``. ``on_improvement`` gets the price after
        each pass that changed the roster. Returns whether the clock skipped a pass.
        """
        for done in range(passes):
            if done > 0 and out_of_time():
                return True
            changed = False
            for agent_index in sorted(self.rows_of):
                before = self.total()
                removed = self.remove_agent(agent_index)
                self.fill_agent(agent_index)
                if self.total() < before - 1e-6:
                    changed = True
                else:
                    self.restore_agent(agent_index, removed)
            if not changed:
                break
            if on_improvement is not None:
                on_improvement(self.total())
        return False

    def ruin_and_recreate(
        self,
        rounds: int,
        seed: int,
        out_of_time: Callable[[], bool],
        on_improvement: Callable[[float], None] | None = None,
    ) -> tuple[int, bool]:
        """Re-plan ``RUIN_SIZE`` random agents of one tier together; keep improvements.

        Stops after ``rounds`` rounds, ``STALL_ROUNDS`` rounds in a row without an
        improvement, or when ``out_of_time()``; returns the rounds run and whether
        the clock stopped them.
        """
        rng = np.random.default_rng(seed)
        by_tier: dict[str, list[int]] = {}
        for agent_index in sorted(self.rows_of):
            by_tier.setdefault(self.options[agent_index].agent.tier, []).append(
                agent_index
            )
        tiers = sorted(by_tier)
        stall = 0
        for done in range(rounds):
            if stall >= STALL_ROUNDS:
                return done, False
            if out_of_time():
                return done, True
            members = by_tier[tiers[rng.integers(len(tiers))]]
            size = min(RUIN_SIZE, len(members))
            picked = rng.choice(members, size=size, replace=False)
            before = self.total()
            removed = {int(a): self.remove_agent(int(a)) for a in picked}
            for agent_index in removed:
                self.fill_agent(agent_index)
            stall += 1
            if self.total() < before - 1e-6:
                stall = 0
                if on_improvement is not None:
                    on_improvement(self.total())
            else:
                for agent_index, shifts in removed.items():
                    self.restore_agent(agent_index, shifts)
        return rounds, False

    def total(self) -> float:
        """Price of the roster, with hours missing to min_hours_week as floor gaps."""
        cost = sum(
            self.cost[row]
            for shifts in self.state.shifts.values()
            for row, _, _ in shifts
        )
        return self.state.price() + cost + self.state.floor_cost * self.missing_hours()

    def missing_hours(self) -> float:
        missing = 0.0
        for agent_index, rows in self.rows_of.items():
            minimum = self.options[agent_index].agent.min_hours_week
            if minimum <= 0:
                continue
            hours = self.week_hours(agent_index)
            for week in set(self.week[rows]):
                missing += max(0.0, minimum - hours.get(week, 0.0))
        return missing

    def picked(self) -> set[tuple[int, int]]:
        return {
            self.owners[row]
            for shifts in self.state.shifts.values()
            for row, _, _ in shifts
        }


@dataclass
class GreedyRoster:
    """The greedy roster and how its search ended."""

    picked: set[tuple[int, int]]
    """(agent index, option position) pairs."""
    price: float
    """Objective of the roster as the greedy prices it (fairness left out)."""
    rounds: int
    stopped_by_clock: bool


def greedy_roster(
    scenario: Scenario,
    demand: Demand,
    options: list[AgentOptions],
    previous: dict[str, list[Shift]],
    *,
    rounds: int = 0,
    seed: int = 0,
    deadline: float | None = None,
    stop_event: threading.Event | None = None,
    on_improvement: Callable[[float], None] | None = None,
) -> GreedyRoster:
    """Build a rule-abiding roster: agent by agent, then ``rounds`` of re-planning.

    ``deadline`` (a ``time.perf_counter()`` value) and ``stop_event`` end the
    re-planning early; the roster then depends on machine speed.
    ``on_improvement`` is called with the roster's price after every pass and
    re-planning round that lowers it.
    """
    if not any(agent_options.options for agent_options in options):
        return GreedyRoster(set(), 0.0, 0, False)

    def out_of_time() -> bool:
        late = deadline is not None and time.perf_counter() > deadline
        return late or (stop_event is not None and stop_event.is_set())

    greedy = _Greedy(scenario, demand, options, previous)
    if greedy.improve(IMPROVEMENT_PASSES, out_of_time, on_improvement):
        return GreedyRoster(greedy.picked(), greedy.total(), 0, True)

    done, by_clock = greedy.ruin_and_recreate(rounds, seed, out_of_time, on_improvement)
    return GreedyRoster(greedy.picked(), greedy.total(), done, by_clock)
