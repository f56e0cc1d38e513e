"""Discrete-event simulation of the L1 -> L2 -> L3 ticket network (SimPy).

Model, per replication:

- Tickets arrive at the L1 queue of their language as a Poisson process whose rate is
  the demand of the interval (arrival times uniform within the interval).
- Each queue (tier, language) is first come, first served with a server count that
  changes at interval boundaries. The count is the agents allocated to the queue
  times ``1 - shrinkage``. A fractional count ``s`` gives ``ceil(s)`` servers in an
  interval with probability ``s - floor(s)`` and ``floor(s)`` otherwise, drawn afresh
  for every interval. When the count drops, busy servers finish the ticket in hand first.
  Tickets keep waiting through intervals with no server.
- Handling times are exponential with the tier's AHT. After handling, a ticket moves
  to the same language's queue of the next tier with the tier's escalation rate and is
  resolved otherwise; tickets escalated past the last defined tier leave the model and
  count as resolved at that tier.
- With ``abandonment=True`` a waiting ticket leaves when its patience runs out;
  patience is exponential with the tier's ``patience_minutes`` (no abandonment at tiers
  without one). Abandoned tickets are not resolved and do not enter the MTTR.

The planning period repeats: the run starts ``warmup_days`` (default: one whole
period) before the horizon with the same demand and staffing, and only tickets created
inside the horizon are counted. After the horizon the period repeats once more, with
its arrivals, so that late tickets meet the next period's traffic; after that the
staffing keeps repeating without new arrivals until every counted ticket is resolved
or abandoned (at most ``MAX_EXTRA_PERIODS`` more periods; tickets still open then are
reported in ``unresolved`` and make that replication's MTTR infinite).

``mttr_minutes[tier]`` is the mean creation-to-resolution time of the tickets resolved
at that tier, as in the fast estimate of ``planner.mttr``. Confidence intervals are 95%
t intervals over the replication means.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy
from scipy import stats

from planner.model import TIERS, Scenario
from planner.shifts import Shift

MAX_EXTRA_PERIODS = 4


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a 95% confidence interval (t distribution)."""

    mean: float
    ci_low: float
    ci_high: float

    @classmethod
    def from_values(cls, values: list[float]) -> Estimate:
        array = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
        if array.size == 0:
            return cls(math.nan, math.nan, math.nan)
        mean = float(array.mean())
        if array.size < 2 or not np.isfinite(array).all():
            return cls(mean, math.nan, math.nan)
        spread = float(array.std(ddof=1)) / math.sqrt(array.size)
        half = float(stats.t.ppf(0.975, array.size - 1)) * spread
        return cls(mean, mean - half, mean + half)

    def contains(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high

    def as_dict(self) -> dict[str, float | None]:
        """JSON-ready: NaN and infinite values become ``None``."""
        return {
            name: (float(value) if math.isfinite(value) else None)
            for name, value in (
                ("mean", self.mean),
                ("ci_low", self.ci_low),
                ("ci_high", self.ci_high),
            )
        }


@dataclass
class SimulationResult:
    """KPIs over replications, with the figures of every replication."""

    replications: int
    seed: int
    warmup_days: float
    abandonment: bool
    mttr_minutes: dict[str, Estimate]
    mttr_by_language: dict[str, Estimate]
    service_level: dict[str, Estimate]
    abandonment_share: dict[str, Estimate]
    mean_wait_minutes: dict[str, Estimate]
    """Mean wait before pick-up of the tickets picked up at each tier."""
    per_replication: pd.DataFrame = field(repr=False)
    unresolved: int = 0
    """Counted tickets still open when the run stopped, over all replications."""

    def to_dict(self) -> dict:
        """JSON-ready summary (means with confidence intervals)."""

        def block(estimates: dict[str, Estimate]) -> dict:
            return {key: value.as_dict() for key, value in estimates.items()}

        return {
            "replications": self.replications,
            "seed": self.seed,
            "warmup_days": self.warmup_days,
            "abandonment": self.abandonment,
            "mttr_minutes": block(self.mttr_minutes),
            "mttr_by_language": block(self.mttr_by_language),
            "service_level": block(self.service_level),
            "abandonment_share": block(self.abandonment_share),
            "mean_wait_minutes": block(self.mean_wait_minutes),
            "tickets_per_replication": float(self.per_replication["tickets"].mean()),
            "unresolved": self.unresolved,
        }


@dataclass(frozen=True)
class _Setup:
    """Inputs shared by every replication."""

    tiers: list[str]
    languages: list[str]
    arrivals: np.ndarray
    """Arrivals per (interval, language) of one period."""
    servers: np.ndarray
    """Effective servers per (interval, tier, language) of one period."""
    aht: list[float]
    escalation: list[float]
    patience: list[float | None]
    target_wait: list[float]
    interval: float
    warmup_intervals: int


def simulate(
    scenario: Scenario,
    shifts: list[Shift] | None = None,
    allocation: pd.DataFrame | None = None,
    replications: int = 10,
    seed: int = 0,
    warmup_days: float | None = None,
    abandonment: bool = False,
) -> SimulationResult:
    """Simulate the tier network over the horizon; see the module notes for the model.

    ``allocation`` (interval_start, queue, scheduled) gives the servers per queue; when
    it is missing, ``shifts`` are allocated with ``solver.allocate``.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    if allocation is None:
        allocation = _allocation_for(scenario, shifts)
    days = scenario.settings.days if warmup_days is None else warmup_days
    if days < 0:
        raise ValueError(f"warmup_days must be >= 0, got {warmup_days}")

    setup = _setup(scenario, allocation, days, abandonment)
    streams = np.random.SeedSequence(seed).spawn(replications)
    rows = [_Replication(setup, np.random.default_rng(s)).run() for s in streams]
    return _summarise(rows, setup, replications, seed, days, abandonment=abandonment)


def _allocation_for(scenario: Scenario, shifts: list[Shift] | None) -> pd.DataFrame:
    if shifts is None:
        raise ValueError("simulate needs shifts or an allocation")
    from planner.requirements import compute_requirements
    from solver import allocate

    return allocate(scenario, compute_requirements(scenario), shifts)


def _setup(
    scenario: Scenario, allocation: pd.DataFrame, warmup_days: float, abandonment: bool
) -> _Setup:
    from planner.mttr import allocation_matrix

    settings = scenario.settings
    languages, arrivals = scenario.arrivals_matrix()
    tiers = settings.tier_order
    keep = 1.0 - settings.staffing.shrinkage
    servers = np.stack(
        [
            allocation_matrix(scenario, allocation, tier, languages) * keep
            for tier in tiers
        ],
        axis=1,
    )
    interval = float(settings.interval_minutes)
    tier_settings = [settings.tiers[tier] for tier in tiers]
    return _Setup(
        tiers=tiers,
        languages=languages,
        arrivals=arrivals.to_numpy(dtype=float),
        servers=servers,
        aht=[t.aht_minutes for t in tier_settings],
        escalation=[t.escalation_rate for t in tier_settings],
        patience=[t.patience_minutes if abandonment else None for t in tier_settings],
        target_wait=[t.target_wait_minutes for t in tier_settings],
        interval=interval,
        warmup_intervals=round(warmup_days * 24 * 60 / interval),
    )


class _Queue:
    """One first-come-first-served queue with a server count that varies over time."""

    __slots__ = ("busy", "capacity", "run", "tier", "waiting")

    def __init__(self, run: _Replication, tier: int):
        self.run = run
        self.tier = tier
        self.waiting: deque[int] = deque()
        self.busy = 0
        self.capacity = 0

    def arrive(self, ticket: int) -> None:
        self.run.reached_at[self.tier][ticket] = self.run.env.now
        self.waiting.append(ticket)
        if self.run.abandonment_on[self.tier]:
            self.run.schedule_abandonment(self, ticket)
        self.fill()

    def set_capacity(self, capacity: int) -> None:
        self.capacity = capacity
        self.fill()

    def fill(self) -> None:
        while self.busy < self.capacity and self.waiting:
            ticket = self.waiting.popleft()
            if self.run.state[ticket] == _ABANDONED:
                continue
            self.busy += 1
            self.run.start(self, ticket)

    def finish(self, ticket: int) -> None:
        self.busy -= 1
        self.run.after_handling(self, ticket)
        self.fill()


_WAITING, _IN_SERVICE, _DONE, _ABANDONED = 0, 1, 2, 3


class _Replication:
    """One replication: draws its random numbers up front, then runs SimPy."""

    def __init__(self, setup: _Setup, rng: np.random.Generator):
        self.setup = setup
        self.rng = rng
        self.env = simpy.Environment()
        n_intervals, n_tiers, n_languages = setup.servers.shape
        self.n_intervals = n_intervals
        self.period = n_intervals * setup.interval
        self.measure_start = setup.warmup_intervals * setup.interval
        self.measure_end = self.measure_start + self.period
        self.queues = [
            [_Queue(self, k) for _ in range(n_languages)] for k in range(n_tiers)
        ]
        self.abandonment_on = [p is not None for p in setup.patience]
        self._draw_tickets()

    # Random inputs -------------------------------------------------------------------

    def _pattern(self, global_interval: np.ndarray) -> np.ndarray:
        """Map interval numbers of the run to intervals of the period."""
        return (global_interval - self.setup.warmup_intervals) % self.n_intervals

    def _draw_tickets(self) -> None:
        setup = self.setup
        span = setup.warmup_intervals + 2 * self.n_intervals
        rates = setup.arrivals[self._pattern(np.arange(span))]
        counts = self.rng.poisson(rates)
        interval_of = np.repeat(
            np.repeat(np.arange(span), counts.shape[1]), counts.ravel()
        )
        language_of = np.repeat(
            np.tile(np.arange(counts.shape[1]), span), counts.ravel()
        )
        created = (interval_of + self.rng.random(interval_of.size)) * setup.interval
        order = np.argsort(created, kind="stable")
        created = created[order]
        n = created.size

        self.created = created.tolist()
        self.language = language_of[order].tolist()
        self.counted = (
            (created >= self.measure_start) & (created < self.measure_end)
        ).tolist()
        self.service = [self.rng.exponential(aht, n).tolist() for aht in setup.aht]
        self.escalates = [
            (self.rng.random(n) < rate).tolist() for rate in setup.escalation
        ]
        self.patience = [
            self.rng.exponential(p, n).tolist() if p is not None else None
            for p in setup.patience
        ]
        self.state = [_WAITING] * n
        self.reached_at = [[math.nan] * n for _ in setup.aht]
        self.picked_at = [[math.nan] * n for _ in setup.aht]
        self.resolved_at = [math.nan] * n
        self.resolved_tier = [-1] * n
        self.abandoned_tier = [-1] * n
        self.outstanding = int(sum(self.counted))

    def _capacities(self, count: int) -> np.ndarray:
        """Integer servers per (interval of the run, tier, language)."""
        pattern = self._pattern(np.arange(count))
        servers = self.setup.servers[pattern]
        low = np.floor(servers + 1e-9)
        extra = self.rng.random(servers.shape) < (servers - low)
        return (low + extra).astype(int)

    # Processes and event handlers ----------------------------------------------------

    def run(self) -> dict:
        setup = self.setup
        total_intervals = (
            setup.warmup_intervals + (2 + MAX_EXTRA_PERIODS) * self.n_intervals
        )
        capacities = self._capacities(total_intervals)
        self.done = self.env.event()
        self.env.process(self._staffing(capacities))
        self.env.process(self._arrivals())
        self.env.process(self._measure_end_check())
        limit = total_intervals * setup.interval
        self.env.run(until=simpy.AnyOf(self.env, [self.done, self.env.timeout(limit)]))
        return self._figures()

    def _staffing(self, capacities: np.ndarray):
        queues = self.queues
        for row in capacities:
            for tier, lanes in enumerate(row.tolist()):
                for lane, capacity in enumerate(lanes):
                    queue = queues[tier][lane]
                    if queue.capacity != capacity:
                        queue.set_capacity(capacity)
            yield self.env.timeout(self.setup.interval)

    def _arrivals(self):
        env = self.env
        first = self.queues[0]
        for ticket, created in enumerate(self.created):
            delay = created - env.now
            if delay > 0:
                yield env.timeout(delay)
            first[self.language[ticket]].arrive(ticket)

    def _measure_end_check(self):
        yield self.env.timeout(self.measure_end)
        self._check_done()

    def _check_done(self) -> None:
        finished = self.outstanding == 0 and self.env.now >= self.measure_end
        if finished and not self.done.triggered:
            self.done.succeed()

    def start(self, queue: _Queue, ticket: int) -> None:
        self.state[ticket] = _IN_SERVICE
        self.picked_at[queue.tier][ticket] = self.env.now
        timer = self.env.timeout(self.service[queue.tier][ticket])
        timer.callbacks.append(lambda _event: queue.finish(ticket))

    def after_handling(self, queue: _Queue, ticket: int) -> None:
        tier = queue.tier
        if tier + 1 < len(self.queues) and self.escalates[tier][ticket]:
            self.state[ticket] = _WAITING
            self.queues[tier + 1][self.language[ticket]].arrive(ticket)
            return
        self.state[ticket] = _DONE
        self.resolved_at[ticket] = self.env.now
        self.resolved_tier[ticket] = tier
        self._close(ticket)

    def schedule_abandonment(self, queue: _Queue, ticket: int) -> None:
        timer = self.env.timeout(self.patience[queue.tier][ticket])
        timer.callbacks.append(lambda _event: self._abandon(queue, ticket))

    def _abandon(self, queue: _Queue, ticket: int) -> None:
        if self.state[ticket] != _WAITING or not math.isnan(
            self.picked_at[queue.tier][ticket]
        ):
            return
        self.state[ticket] = _ABANDONED
        self.abandoned_tier[ticket] = queue.tier
        self._close(ticket)

    def _close(self, ticket: int) -> None:
        if self.counted[ticket]:
            self.outstanding -= 1
            self._check_done()

    # Figures ------------------------------------------------------------------------

    def _figures(self) -> dict:
        setup = self.setup
        counted = np.asarray(self.counted, dtype=bool)
        created = np.asarray(self.created)[counted]
        language = np.asarray(self.language)[counted]
        resolved_at = np.asarray(self.resolved_at)[counted]
        resolved_tier = np.asarray(self.resolved_tier)[counted]
        abandoned_tier = np.asarray(self.abandoned_tier)[counted]
        unresolved = int(((resolved_tier < 0) & (abandoned_tier < 0)).sum())
        duration = resolved_at - created

        row: dict[str, float] = {
            "tickets": float(counted.sum()),
            "unresolved": unresolved,
        }
        row["mttr:overall"] = _mean_or_inf(duration[resolved_tier >= 0], unresolved)
        for k, tier in enumerate(setup.tiers):
            row[f"mttr:{tier}"] = _mean_or_inf(duration[resolved_tier == k], unresolved)
        for lane, code in enumerate(setup.languages):
            mask = (language == lane) & (resolved_tier >= 0)
            row[f"mttr_language:{code}"] = _mean_or_inf(duration[mask], unresolved)

        within_all = 0
        reached_all = 0
        for k, tier in enumerate(setup.tiers):
            reached = np.asarray(self.reached_at[k])[counted]
            picked = np.asarray(self.picked_at[k])[counted]
            arrived = ~np.isnan(reached)
            wait = picked - reached
            served = arrived & ~np.isnan(picked)
            within = int((served & (wait <= setup.target_wait[k] + 1e-12)).sum())
            n_arrived = int(arrived.sum())
            row[f"service_level:{tier}"] = within / n_arrived if n_arrived else math.nan
            row[f"wait:{tier}"] = (
                float(wait[served].mean()) if served.any() else math.nan
            )
            abandoned = int((abandoned_tier == k).sum())
            row[f"abandoned:{tier}"] = abandoned / n_arrived if n_arrived else math.nan
            within_all += within
            reached_all += n_arrived

        row["service_level:overall"] = (
            within_all / reached_all if reached_all else math.nan
        )
        n_counted = int(counted.sum())
        row["abandoned:overall"] = (
            float((abandoned_tier >= 0).sum()) / n_counted if n_counted else math.nan
        )
        return row


def _mean_or_inf(values: np.ndarray, unresolved: int) -> float:
    """Mean of ``values``; infinite when some ticket was never resolved."""
    if unresolved:
        return math.inf
    return float(values.mean()) if values.size else math.nan


def _summarise(
    rows: list[dict],
    setup: _Setup,
    replications: int,
    seed: int,
    warmup_days: float,
    abandonment: bool,
) -> SimulationResult:
    table = pd.DataFrame(rows)
    table.insert(0, "replication", range(replications))

    def estimates(prefix: str, keys: list[str]) -> dict[str, Estimate]:
        return {
            key: Estimate.from_values(table[f"{prefix}:{key}"].tolist())
            for key in keys
            if f"{prefix}:{key}" in table
        }

    tier_keys = ["overall", *[t for t in TIERS if t in setup.tiers]]
    return SimulationResult(
        replications=replications,
        seed=seed,
        warmup_days=float(warmup_days),
        abandonment=abandonment,
        mttr_minutes=estimates("mttr", tier_keys),
        mttr_by_language=estimates("mttr_language", setup.languages),
        service_level=estimates("service_level", tier_keys),
        abandonment_share=estimates("abandoned", tier_keys),
        mean_wait_minutes=estimates("wait", setup.tiers),
        per_replication=table,
        unresolved=int(table["unresolved"].sum()),
    )
