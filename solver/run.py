"""Solving the roster model: limits, determinism, progress and cancellation.

Time is split in two. The greedy start (``solver.greedy``) gets a number of
re-planning rounds worth ``GREEDY_SHARE`` of the time limit at
``GREEDY_ROUNDS_PER_SECOND``; CP-SAT then searches from it for the rest.

Determinism: CP-SAT's default parallel portfolio depends on thread timing, so two runs
with a wall-clock limit can return different rosters. Here the workers run with
``interleave_search``, a deterministic schedule of search tasks in batches, and the
search stops after a number of batches (``max_num_deterministic_batches``): a batch
runs one task per worker, and the search gets ``TASKS_PER_SECOND`` tasks per second
of its share. Same scenario, seed and worker count therefore give the same roster. A limit on deterministic time of
``DETERMINISTIC_PER_SECOND`` units per second only ends searches that get almost no
time. The batch count is used because a search stopped by deterministic time cut its
last batch at a point that depended on thread timing, and on the demo two runs then
returned different rosters.

The clock: the greedy rounds stop at ``GREEDY_GUARD`` of the limit, and the search at
the limit plus ``WALL_MARGIN_SECONDS`` (but never before ``MIN_SEARCH_WALL_SECONDS``
of search), both counted from the call. A run that the clock stops returns in about
the time asked for, but its roster depends on machine speed and load, and the result
says so (``deterministic`` false, with a message).

NOTE: round and task rates were measured on the demo on a 2-core machine shared with
other jobs. At a load of about 3 the 60-second demo run finished in 42 s and
reproduced its roster; at a load of 5 to 10 the clock stopped it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

import pandas as pd
from ortools.sat.python import cp_model

from planner.model import Scenario
from planner.shifts import Shift
from solver.allocation import SCALE, demand_arrays, read_allocation
from solver.explain import (
    capacity_check,
    empty_violations,
    floor_violations,
    propose_additions,
)
from solver.model import GOAL_ORDER, RosterModel, build_model
from solver.options import AgentOptions, build_options
from solver.result import SolveResult

logger = logging.getLogger(__name__)

TASKS_PER_SECOND = 2.0
"""Search tasks per second of the search share, shared out in batches of ``workers``."""
DETERMINISTIC_PER_SECOND = 10.0
LARGE_MODEL_SHIFTS = 3000
"""Above this many candidate shifts the search runs without full-problem workers."""
FULL_PROBLEM_SUBSOLVERS = (
    "default_lp",
    "max_lp",
    "max_lp_sym",
    "core",
    "no_lp",
    "pseudo_costs",
    "quick_restart",
    "quick_restart_no_lp",
    "reduced_costs",
)
GREEDY_SHARE = 0.5
"""Share of the time limit planned for re-planning rounds of the greedy start."""
GREEDY_ROUNDS_PER_SECOND = 60.0
"""Re-planning rounds per second of that share (demo, loaded 2-core machine)."""
GREEDY_GUARD = 0.8
"""The greedy start stops by the clock at this share of the time limit."""
WALL_MARGIN_SECONDS = 3.0
"""The search stops by the clock this long after the time limit."""
MIN_SEARCH_WALL_SECONDS = 10.0
"""Clock allowance of the search at least, so short limits stay reproducible."""


class _Progress(cp_model.CpSolverSolutionCallback):
    """Report each improving roster to ``progress``."""

    def __init__(self, progress: Callable[[dict], None] | None, began: float):
        super().__init__()
        self._progress = progress
        self._began = began
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if self._progress is not None:
            objective = self.objective_value / SCALE
            bound = self.best_objective_bound / SCALE
            self._progress(
                {
                    "objective": objective,
                    "best_bound": bound,
                    "gap": relative_gap(objective, bound),
                    "wall_seconds": time.perf_counter() - self._began,
                    "solutions": self.solutions,
                }
            )


def relative_gap(objective: float, bound: float) -> float:
    """Return ``(objective - bound) / |objective|``, 0 when both are 0."""
    if abs(objective) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else 1.0
    return max(0.0, (objective - bound) / abs(objective))


# NOTE: cancellation goes through this watcher thread, and only once the search
# proper has started. Stopping CP-SAT 9.15 during presolve, after the hinted first
# solution, aborted the process (a failed check in postsolve).
def _watch(
    stop_event: threading.Event,
    search_started: threading.Event,
    solver: cp_model.CpSolver,
    done: threading.Event,
) -> None:
    while not done.is_set():
        if stop_event.wait(0.1) and search_started.is_set():
            solver.stop_search()
            return


START_REPORT_SECONDS = 1.0
"""Minimum time between two progress reports of the greedy start roster [s]."""


def _start_roster_reporter(
    progress: Callable[[dict], None] | None, began: float
) -> Callable[[float], None] | None:
    """Return a callback that passes greedy prices to ``progress``, throttled."""
    if progress is None:
        return None
    last_report = -math.inf

    def report(price: float) -> None:
        nonlocal last_report
        now = time.perf_counter()
        if now - last_report < START_REPORT_SECONDS:
            return
        last_report = now
        progress(
            {
                "objective": price,
                "best_bound": None,
                "gap": None,
                "wall_seconds": now - began,
                "solutions": 0,
                "phase": "start roster",
            }
        )

    return report


def _search_start_listener(search_started: threading.Event) -> Callable[[str], None]:
    def listen(line: str) -> None:
        if line.startswith("Starting") and " search at " in line:
            search_started.set()

    return listen


def _parameters(
    solver: cp_model.CpSolver,
    time_limit: float,
    wall_seconds: float,
    seed: int,
    workers: int,
    candidate_shifts: int,
) -> None:
    parameters = solver.parameters
    parameters.num_workers = workers
    parameters.random_seed = seed
    parameters.interleave_search = workers > 1
    if workers > 1 and candidate_shifts > LARGE_MODEL_SHIFTS:
        # Interleaved batches wait for their slowest task, and on a large model a
        # full-problem worker's task takes seconds: keep neighbourhood search and
        # local search, which improve the roster steadily.
        parameters.ignore_subsolvers.extend(FULL_PROBLEM_SUBSOLVERS)
        parameters.num_violation_ls = 1

        # Lighter presolve: with 500 agents the default one (probing, clique merging)
        # took 37 s before the search started, against 11 s with these settings.
        parameters.cp_model_probing_level = 0
        parameters.symmetry_level = 0
        parameters.merge_at_most_one_work_limit = 1e6
    parameters.max_num_deterministic_batches = max(
        1, math.ceil(time_limit * TASKS_PER_SECOND / max(1, workers))
    )
    parameters.max_deterministic_time = time_limit * DETERMINISTIC_PER_SECOND
    parameters.max_time_in_seconds = wall_seconds
    parameters.log_search_progress = False


def _penalties(solver: cp_model.CpSolver, built: RosterModel) -> dict[str, float]:
    penalties = {}
    for name in GOAL_ORDER:
        total = built.constants.get(name, 0)
        total += sum(coef * solver.value(var) for var, coef in built.goals[name])
        penalties[name] = total / SCALE
    return penalties


def _chosen_shifts(solver: cp_model.CpSolver, built: RosterModel) -> list[Shift]:
    shifts = []
    for agent_options, variables in zip(built.options, built.choose):
        for option, var in zip(agent_options.options, variables):
            if solver.value(var):
                shifts.append(option.shift)
    return shifts


def unreachable_minimum_hours(
    options: list[AgentOptions], scenario: Scenario
) -> list[str]:
    """Name agents whose min_hours_week exceeds an upper bound on their paid hours.

    The bound is ``max_days_week`` times the longest candidate shift, capped by
    ``max_hours_week``; rest and consecutive days can lower the true maximum further.
    """
    found = []
    for agent_options in options:
        agent = agent_options.agent
        longest = max((o.minutes / 60 for o in agent_options.options), default=0.0)
        dates = len({o.day_index for o in agent_options.options})
        bound = min(agent.max_hours_week, min(agent.max_days_week, dates) * longest)
        if agent.min_hours_week > bound + 1e-9:
            found.append(
                f"Agent {agent.agent_id}: min_hours_week {agent.min_hours_week:g} "
                f"cannot be reached, at most {bound:g} hours fit its days, shifts "
                "and time off; lower min_hours_week or allow more days."
            )
    return found


def check_capacity(scenario: Scenario, requirements: pd.DataFrame) -> pd.DataFrame:
    """Compare needed and available agent-hours before solving (see ``capacity_check``)."""
    options = build_options(scenario)
    return capacity_check(scenario, demand_arrays(scenario, requirements), options)


def solve(
    scenario: Scenario,
    requirements: pd.DataFrame,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Callable[[dict], None] | None = None,
    warm_start: list[Shift] | None = None,
    previous_roster: list[Shift] | None = None,
    stop_event: threading.Event | None = None,
    greedy_start: bool = True,
    on_capacity: Callable[[pd.DataFrame], None] | None = None,
) -> SolveResult:
    """Build and solve the roster for ``scenario`` against ``requirements``.

    Parameters
    ----------
    time_limit
        Budget [s], applied as greedy re-planning rounds and deterministic search
        batches, with a clock stop just after it (see the module notes); default
        ``settings.solver``.
    seed, workers
        CP-SAT random seed and worker threads; default ``settings.solver``.
    progress
        Called with ``objective``, ``best_bound``, ``gap``, ``wall_seconds`` and
        ``solutions`` on every improving roster. While the greedy start is built,
        it is called at most once per second with the greedy roster's price, a
        ``best_bound`` and ``gap`` of None, ``solutions`` 0 and ``phase``
        ``"start roster"``.
    warm_start
        A roster to start from: its shifts are hinted, and each shift of its agents
        that differs costs a small stability penalty.
    previous_roster
        The previous week's shifts: they constrain rest and consecutive days at the
        start of the week, and those spilling into the horizon cover its intervals.
    stop_event
        Set it to cancel the search; the best roster found so far is returned.
    greedy_start
        Start from the greedy roster of ``solver.greedy`` (when there is no warm
        start); False leaves CP-SAT to find its first roster on its own.
    on_capacity
        Called with the capacity check (``check_capacity``) before the model is
        built, so that gaps can be reported before the search.
    """
    settings = scenario.settings.solver
    time_limit = settings.time_limit_seconds if time_limit is None else time_limit
    seed = settings.seed if seed is None else seed
    workers = settings.workers if workers is None else workers

    began = time.perf_counter()
    options = build_options(scenario)
    demand = demand_arrays(scenario, requirements)
    capacity = capacity_check(scenario, demand, options)
    if on_capacity is not None:
        on_capacity(capacity)
    use_greedy = greedy_start and not warm_start
    built = build_model(
        scenario,
        demand,
        options,
        previous_roster=previous_roster,
        warm_start=warm_start,
        greedy_start=greedy_start,
        greedy_rounds=math.ceil(GREEDY_SHARE * time_limit * GREEDY_ROUNDS_PER_SECOND),
        seed=seed,
        greedy_deadline=began + GREEDY_GUARD * time_limit,
        stop_event=stop_event,
        on_start_roster=_start_roster_reporter(progress, began),
    )
    search_limit = time_limit * (1 - GREEDY_SHARE) if use_greedy else time_limit
    wall_left = max(0.0, time_limit - (time.perf_counter() - began))
    candidate_shifts = sum(len(o.options) for o in options)
    logger.info(
        "Roster model: %d candidate shifts, %d skill groups",
        candidate_shifts,
        len(built.groups),
    )

    solver = cp_model.CpSolver()
    _parameters(
        solver,
        search_limit,
        max(wall_left + WALL_MARGIN_SECONDS, MIN_SEARCH_WALL_SECONDS),
        seed,
        workers,
        candidate_shifts,
    )
    callback = _Progress(progress, began)
    done = threading.Event()
    watcher = None
    if stop_event is not None:
        search_started = threading.Event()
        solver.parameters.log_search_progress = True
        solver.parameters.log_to_stdout = False
        solver.log_callback = _search_start_listener(search_started)
        watcher = threading.Thread(
            target=_watch, args=(stop_event, search_started, solver, done), daemon=True
        )
        watcher.start()
    started = time.perf_counter()
    status = solver.solve(built.model, callback)
    wall = time.perf_counter() - began
    search_wall = time.perf_counter() - started
    done.set()
    if watcher is not None:
        watcher.join()

    cancelled = stop_event is not None and stop_event.is_set()
    wall_capped = search_wall >= solver.parameters.max_time_in_seconds * 0.98
    start_cut = built.start is not None and built.start.stopped_by_clock
    logger.info(
        "Roster search ended: %s after %.1f s, %d improving rosters",
        solver.status_name(status),
        wall,
        callback.solutions,
    )
    return _result(
        scenario,
        built,
        solver,
        status,
        wall,
        capacity,
        callback,
        cancelled,
        wall_capped or start_cut,
        previous_roster,
    )


class _Values:
    """Read variable values from a solution vector, like ``CpSolver.value``."""

    def __init__(self, values: list[int]):
        self._values = values

    def value(self, var: cp_model.IntVar) -> int:
        return int(self._values[var.index])


def _roster_result(
    status: str,
    scenario: Scenario,
    built: RosterModel,
    values,
    bound: float | None,
    wall: float,
    capacity: pd.DataFrame,
    callback: _Progress,
    messages: list[str],
    deterministic: bool,
    previous_roster: list[Shift] | None,
) -> SolveResult:
    penalties = _penalties(values, built)
    objective = sum(penalties.values())
    bound = None if bound is None else bound / SCALE
    shifts = _chosen_shifts(values, built)
    violations = floor_violations(
        scenario, built, values, shifts, previous_roster or []
    )
    return SolveResult(
        status=status,
        objective=objective,
        best_bound=bound,
        gap=None if bound is None else relative_gap(objective, bound),
        wall_seconds=wall,
        penalties=penalties,
        shifts=shifts,
        allocation=read_allocation(values, built.allocation, built.demand),
        capacity_check=capacity,
        floor_violations=violations,
        proposals=propose_additions(scenario, violations),
        messages=messages,
        solutions=callback.solutions,
        deterministic=deterministic,
    )


def _result(
    scenario: Scenario,
    built: RosterModel,
    solver: cp_model.CpSolver,
    status: int,
    wall: float,
    capacity: pd.DataFrame,
    callback: _Progress,
    cancelled: bool,
    wall_capped: bool,
    previous_roster: list[Shift] | None,
) -> SolveResult:
    messages = []
    deterministic = not (cancelled or wall_capped)
    if cancelled:
        messages.append(
            "The search was cancelled; this is the best roster found so far."
        )
    if wall_capped:
        messages.append(
            "The time limit stopped the search before its deterministic budget of "
            "search steps was used, so a rerun may return another roster."
        )

    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
        return _roster_result(
            name,
            scenario,
            built,
            solver,
            solver.best_objective_bound,
            wall,
            capacity,
            callback,
            messages,
            deterministic,
            previous_roster,
        )
    if status == cp_model.UNKNOWN and built.hint_values is not None:
        messages.append(
            "The search ended before improving on the greedy start roster; "
            "raise the time limit for a better one."
        )
        return _roster_result(
            "FEASIBLE",
            scenario,
            built,
            _Values(built.hint_values),
            None,
            wall,
            capacity,
            callback,
            messages,
            deterministic,
            previous_roster,
        )

    if status == cp_model.UNKNOWN:
        name = "NO_SOLUTION_IN_TIME"
        messages.append(
            "No roster was found within the time limit; the rules are not proven "
            "contradictory. Raise the time limit and solve again."
        )
    else:
        name = "INVALID"
        messages.append(
            "No roster satisfies the agents' contract rules: check that every "
            "min_hours_week can be reached within max_days_week, rest and time off "
            f"(CP-SAT status {solver.status_name(status)})."
        )
        messages += unreachable_minimum_hours(built.options, scenario)
    return SolveResult(
        status=name,
        objective=None,
        best_bound=None,
        gap=None,
        wall_seconds=wall,
        penalties={},
        shifts=[],
        allocation=pd.DataFrame(columns=["interval_start", "queue", "scheduled"]),
        capacity_check=capacity,
        floor_violations=empty_violations(),
        proposals=[],
        messages=messages,
        solutions=callback.solutions,
        deterministic=deterministic,
    )
