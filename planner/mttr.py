"""Fast MTTR estimate: steady-state queueing per interval on top of a fluid backlog.

Each queue (tier, language) is followed on a grid of 5-minute steps:

1. Fluid backlog. Per step the queue receives its inflow and can start
   ``effective servers x step / AHT`` tickets. What it cannot start waits (the Lindley
   recursion ``B[k] = max(0, B[k-1] + inflow[k] - capacity[k])``), so tickets that arrive
   while nobody is on shift wait for the next shift. The fluid wait of a ticket is the
   time the capacity from its arrival on needs to work off the backlog ahead of it.
2. Random wait. On top of the fluid wait comes the steady-state Erlang C wait of the
   interval in which the ticket reaches the head of the queue, capped at one interval
   because a queue close to saturation does not reach its steady state within one
   interval. A ticket whose random wait outlasts the queue's opening hours waits for
   the next opening.
3. Escalation. Tickets started at a tier complete one AHT later. The tier's escalation
   rate of them enters the same language's queue of the next tier at that moment. A
   ticket's resolution time is its wait plus AHT at every tier it passes.

Effective servers are the agents allocated to the queue times ``1 - shrinkage``. A
fractional count ``s`` is read as ``ceil(s)`` servers with probability ``s - floor(s)``
and ``floor(s)`` otherwise. Erlang figures are the mixture of the two integer counts,
and the fluid capacity uses ``s`` itself. The simulation draws the same mixture.

The planning period repeats: the estimate runs one period of warm-up before the
measured period and two after it, so tickets that arrive late in the period, or that
wait over its end, are followed until they are resolved. Abandonment is not modelled
here, because every ticket is taken to wait until it is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.model import Scenario, TierSettings

STEP_MINUTES = 5
"""Resolution of the fluid model; divides every allowed interval length."""

PERIODS_BEFORE = 1
PERIODS_AFTER = 2


@dataclass
class TierFlow:
    """Projected flow of one tier over the extended timeline, arrays (step, language)."""

    tier: str
    inflow: np.ndarray
    """Tickets arriving per step."""
    servers: np.ndarray
    """Effective servers per step (agents allocated times ``1 - shrinkage``)."""
    started: np.ndarray
    """Tickets starting service per step (fluid)."""
    backlog: np.ndarray
    """Tickets waiting at the end of each step (fluid)."""
    wait: np.ndarray
    """Mean wait in minutes of a ticket arriving in the middle of each step."""
    service_level: np.ndarray
    """Probability that such a ticket is picked up within the tier's target wait."""
    stranded: np.ndarray
    """Probability that such a ticket is still waiting when the queue closes."""
    stranded_extra: np.ndarray
    """Extra wait in minutes of a stranded ticket: until after the next opening."""

    @property
    def wait_in_hours(self) -> np.ndarray:
        """Mean wait of a ticket that is picked up before the queue closes."""
        with np.errstate(invalid="ignore"):
            extra = np.where(
                self.stranded > 0, self.stranded * self.stranded_extra, 0.0
            )
            return np.where(np.isinf(self.wait), self.wait, self.wait - extra)


@dataclass
class FlowEstimate:
    """The fast estimate: per-tier flows and the resulting KPIs."""

    languages: list[str]
    steps_per_interval: int
    n_intervals: int
    tiers: dict[str, TierFlow] = field(default_factory=dict)
    mttr_minutes: dict[str, float] = field(default_factory=dict)
    mttr_by_language: dict[str, float] = field(default_factory=dict)
    service_level: dict[str, float] = field(default_factory=dict)
    unserved_queues: list[str] = field(default_factory=list)

    @property
    def measured(self) -> slice:
        """Steps of the measured period within the extended timeline."""
        length = self.n_intervals * self.steps_per_interval
        return slice(PERIODS_BEFORE * length, (PERIODS_BEFORE + 1) * length)


def allocation_matrix(
    scenario: Scenario, allocation: pd.DataFrame, tier: str, languages: list[str]
) -> np.ndarray:
    """Return the agents allocated per (interval, language) to ``tier``'s queues.

    Rows outside the horizon and queues of other tiers or languages are ignored.
    """
    horizon = scenario.horizon
    column_of = {f"{tier}-{language}": k for k, language in enumerate(languages)}
    matrix = np.zeros((horizon.n_intervals, len(languages)))
    columns = allocation["queue"].map(column_of)
    keep = columns.notna().to_numpy()
    if not keep.any():
        return matrix

    starts = pd.to_datetime(allocation["interval_start"][keep], utc=True)
    offset = (starts - pd.Timestamp(horizon.start)) / pd.Timedelta(
        minutes=horizon.interval_minutes
    )
    rows = offset.to_numpy(dtype=float)
    inside = (rows >= 0) & (rows < horizon.n_intervals) & (rows == np.floor(rows))
    counts = allocation["scheduled"][keep].to_numpy(dtype=float)
    np.add.at(
        matrix,
        (rows[inside].astype(int), columns[keep].to_numpy(dtype=int)[inside]),
        counts[inside],
    )
    return matrix


def estimate(scenario: Scenario, allocation: pd.DataFrame) -> FlowEstimate:
    """Estimate waits, service levels and MTTR for agents allocated to queues.

    ``allocation`` has the columns ``interval_start``, ``queue`` and ``scheduled``;
    missing rows mean nobody is allocated.
    """
    settings = scenario.settings
    interval = settings.interval_minutes
    per_interval = interval // STEP_MINUTES
    languages, arrivals = scenario.arrivals_matrix()
    periods = PERIODS_BEFORE + 1 + PERIODS_AFTER

    result = FlowEstimate(
        languages=languages,
        steps_per_interval=per_interval,
        n_intervals=settings.horizon.n_intervals,
    )
    inflow = _to_steps(arrivals.to_numpy(dtype=float), per_interval, periods)
    inflow /= per_interval

    for tier in settings.tier_order:
        tier_settings = settings.tiers[tier]
        allocated = allocation_matrix(scenario, allocation, tier, languages)
        servers = allocated * (1.0 - settings.staffing.shrinkage)
        servers = _to_steps(servers, per_interval, periods)

        flow = _tier_flow(tier, inflow, servers, tier_settings, interval, per_interval)
        result.tiers[tier] = flow
        result.unserved_queues += _unserved(flow, languages, result.measured)

        inflow = _completions(flow.started, tier_settings.aht_minutes)
        inflow *= tier_settings.escalation_rate

    _resolution_kpis(result, scenario)
    _service_level_kpis(result)
    return result


def _to_steps(
    per_interval_values: np.ndarray, per_interval: int, periods: int
) -> np.ndarray:
    """Repeat an (interval, lane) array on the step grid over ``periods`` periods."""
    steps = np.repeat(per_interval_values, per_interval, axis=0)
    return np.tile(steps, (periods, 1))


def _tier_flow(
    tier: str,
    inflow: np.ndarray,
    servers: np.ndarray,
    tier_settings: TierSettings,
    interval: int,
    per_interval: int,
) -> TierFlow:
    aht = tier_settings.aht_minutes
    capacity = servers * STEP_MINUTES / aht
    capacity[::per_interval] += expected_increase(servers[::per_interval])
    backlog, started = fluid_queue(inflow, capacity)
    fluid_wait = virtual_wait(inflow, started, capacity)

    # The random part of the wait belongs to the interval in which service starts.
    interval_inflow = inflow.reshape(-1, per_interval, inflow.shape[1]).sum(axis=1)
    load = interval_inflow * aht / interval
    erlang_figures = SteadyState(servers[::per_interval], load, aht, interval)

    middle = (np.arange(len(inflow))[:, None] + 0.5) * STEP_MINUTES
    start_time = middle + fluid_wait
    start_step = np.minimum(np.floor(start_time / STEP_MINUTES), len(inflow) - 1)
    start_step = start_step.astype(int)
    lanes = np.arange(inflow.shape[1])[None, :]

    # A ticket still waiting when the queue closes (nobody allocated) waits for the
    # next opening: the fluid wait of a ticket arriving just after the closing.
    closing = _next_closing(servers)[start_step, lanes]
    open_minutes = np.where(
        servers[start_step, lanes] > 0, closing * STEP_MINUTES - start_time, np.inf
    )
    open_minutes = np.maximum(open_minutes, 0.0)
    after_closing = np.where(
        np.isfinite(open_minutes),
        fluid_wait[np.minimum(closing, len(inflow) - 1), lanes] + STEP_MINUTES / 2,
        0.0,
    )

    rows = start_step // per_interval
    random_wait, stranded = erlang_figures.wait(rows, lanes, open_minutes)
    target = tier_settings.target_wait_minutes
    remaining = target - fluid_wait
    within = erlang_figures.service_level(
        rows, lanes, np.clip(remaining, 0.0, open_minutes)
    )

    with np.errstate(invalid="ignore"):
        carried = np.where(stranded > 0, stranded * after_closing, 0.0)
    wait = fluid_wait + random_wait + carried
    service_level = np.where(remaining >= 0, within, 0.0)
    return TierFlow(
        tier,
        inflow,
        servers,
        started,
        backlog,
        wait,
        service_level,
        stranded=stranded,
        stranded_extra=after_closing,
    )


def expected_increase(servers: np.ndarray) -> np.ndarray:
    """Return the expected rise in integer servers at each interval start.

    A server that joins starts a ticket at once, and one that leaves first finishes the
    ticket in hand, so over a shift a busy server starts one ticket more than its
    paid time divided by the AHT. Counting one extra start per joining server keeps
    the fluid's capacity equal to the simulation's. The integer count of an interval
    is ``floor(s)`` plus one with probability ``s - floor(s)``, drawn independently for
    each interval, so this also counts rises between two draws of the same ``s``.
    """
    low = np.floor(servers + 1e-9)
    share = np.clip(servers - low, 0.0, 1.0)
    low_before = np.roll(low, 1, axis=0)
    share_before = np.roll(share, 1, axis=0)
    change = low - low_before
    expected = np.zeros_like(servers)
    for now in (0, 1):
        for before in (0, 1):
            weight = (share if now else 1 - share) * (
                share_before if before else 1 - share_before
            )
            expected += weight * np.maximum(change + now - before, 0.0)
    return expected


def fluid_queue(
    inflow: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the backlog at the end of each step and the tickets started in it.

    Vectorised Lindley recursion: with ``X`` the running sum of ``inflow - capacity``,
    the backlog is ``X - min(0, running minimum of X)``.
    """
    running = np.cumsum(inflow - capacity, axis=0)
    backlog = running - np.minimum(np.minimum.accumulate(running, axis=0), 0.0)
    backlog = np.maximum(backlog, 0.0)
    before = np.vstack([np.zeros((1, inflow.shape[1])), backlog[:-1]])
    started = np.maximum(before + inflow - backlog, 0.0)
    return backlog, started


def virtual_wait(
    inflow: np.ndarray, started: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Return the fluid wait in minutes of a ticket arriving in the middle of each step.

    First in, first out: the ticket starts once the capacity from its arrival on has
    worked off the backlog ahead of it, so a ticket arriving while nobody is on shift
    waits at least for the next opening, even with no backlog. ``inf`` when that never
    happens within the timeline.
    """
    steps, lanes = inflow.shape
    # Rates are uniform within a step, so the backlog at its middle is the Lindley
    # recursion over half a step from the backlog at its start.
    at_end = np.cumsum(inflow - started, axis=0)
    at_start = np.vstack([np.zeros((1, lanes)), at_end[:-1]])
    backlog = np.maximum(at_start + (inflow - capacity) / 2, 0.0)
    offered = np.vstack([np.zeros((1, lanes)), np.cumsum(capacity, axis=0)])
    middle = (np.arange(steps) + 0.5) * STEP_MINUTES
    wait = np.empty_like(inflow)

    for lane in range(lanes):
        curve = offered[:, lane]
        now = curve[:-1] + capacity[:, lane] / 2
        target = now + np.maximum(backlog[:, lane], 0.0) + 1e-9
        upper = np.searchsorted(curve, target, side="left")
        inside = upper <= steps
        upper_safe = np.clip(upper, 1, steps)
        low_value = curve[upper_safe - 1]
        rise = curve[upper_safe] - low_value
        fraction = np.divide(
            target - low_value, rise, out=np.zeros_like(rise), where=rise > 0
        )
        start_time = (upper_safe - 1 + np.clip(fraction, 0.0, 1.0)) * STEP_MINUTES
        lane_wait = np.where(inside, start_time - middle, np.inf)
        wait[:, lane] = np.maximum(lane_wait, 0.0)
    return wait


class SteadyState:
    """Erlang C figures per (interval, lane) for fractional effective servers.

    The figures of ``floor(servers)`` and ``ceil(servers)`` are mixed by the fractional
    part. The random wait is capped at ``cap_minutes``, and an overloaded count waits
    that long. With no load nobody waits and every ticket is picked up in time.

    NOTE: with fewer than about two effective servers the simulation strands tickets
    in intervals without a server for longer than this cap allows. On the demo the
    mean wait of such thin queues comes out up to about 45% below the simulated one
    (docs/projection.md).
    """

    def __init__(
        self, servers: np.ndarray, load: np.ndarray, aht: float, cap_minutes: float
    ):
        from planner import erlang

        low = np.floor(servers + 1e-9)
        self.share_high = np.clip(servers - low, 0.0, 1.0)
        self.counts = (low, low + 1)
        self.load = load
        self.aht = aht
        self.cap = cap_minutes
        self.prob_wait = [
            np.asarray(erlang.erlang_c(count, load)) for count in self.counts
        ]

    def _states(self, rows: np.ndarray, lanes: np.ndarray):
        """Yield (weight, servers, P(wait > 0), mean of a positive wait) per count."""
        load = self.load[rows, lanes]
        share_high = self.share_high[rows, lanes]
        for count, prob_wait, weight in zip(
            self.counts, self.prob_wait, (1 - share_high, share_high)
        ):
            servers = count[rows, lanes]
            spare = servers - load
            stable = spare > 0
            mean_wait = self.aht / np.where(stable, spare, 1.0)
            yield weight, stable, prob_wait[rows, lanes], mean_wait, load

    def wait(
        self, rows: np.ndarray, lanes: np.ndarray, open_minutes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the mean random wait within ``open_minutes`` and P(wait beyond it).

        With ``C`` the Erlang C probability of waiting and ``m = AHT / (N - A)``, a
        positive wait is exponential with mean ``m``. Cut at ``r``, the smaller of the
        cap and ``open_minutes``, its mean is ``C m (1 - exp(-r / m))``. The share still
        waiting at the closing is ``C exp(-open_minutes / min(m, cap))``, because near
        saturation the queue does not reach its steady state within an interval. An overloaded count waits the cap, so its
        tickets are stranded only when the queue closes sooner.
        """
        limit = np.minimum(open_minutes, self.cap)
        closes_first = open_minutes < self.cap
        total_wait = np.zeros(limit.shape)
        total_beyond = np.zeros(limit.shape)
        for weight, stable, prob_wait, mean_wait, load in self._states(rows, lanes):
            decay = np.exp(-limit / mean_wait)
            cut_wait = np.where(stable, prob_wait * mean_wait * (1 - decay), limit)
            scale = np.minimum(mean_wait, self.cap)
            beyond_open = prob_wait * np.exp(-open_minutes / scale)
            beyond = np.where(stable, beyond_open, np.where(closes_first, 1.0, 0.0))
            total_wait += weight * np.where(load > 0, cut_wait, 0.0)
            total_beyond += weight * np.where(load > 0, beyond, 0.0)
        return total_wait, total_beyond

    def service_level(self, rows: np.ndarray, lanes: np.ndarray, target: np.ndarray):
        """P(wait <= target) for tickets starting in the given intervals and lanes.

        Erlang C: ``1 - C exp(-(N - A) target / AHT)``. An overloaded count waits the
        cap, so its tickets are in time only when the target is at least the cap.
        """
        level = np.zeros(target.shape)
        in_time_when_capped = (target >= self.cap).astype(float)
        for weight, stable, prob_wait, mean_wait, load in self._states(rows, lanes):
            decay = np.exp(-target / mean_wait)
            state = np.where(stable, 1.0 - prob_wait * decay, in_time_when_capped)
            level += weight * np.where(load > 0, state, 1.0)
        return level


def _next_closing(servers: np.ndarray) -> np.ndarray:
    """Return, per step and lane, the first step from there on with nobody allocated.

    ``len(servers)`` where the queue stays open to the end of the timeline.
    """
    steps = len(servers)
    marks = np.where(servers <= 0, np.arange(steps)[:, None], steps)
    return np.minimum.accumulate(marks[::-1], axis=0)[::-1]


HANDLING_SLICES = 8
"""Equal-probability slices of the exponential handling time used to spread hand-offs."""


def handling_quantiles(slices: int = HANDLING_SLICES) -> np.ndarray:
    """Return the mean of Exp(1) within each of ``slices`` equal-probability slices.

    The values average exactly 1, so ``AHT x value`` spreads a hand-off over the
    handling-time distribution without moving its mean.
    """
    edges = -np.log1p(-np.arange(slices) / slices)
    lower = edges
    upper = np.append(edges[1:], np.inf)
    tail_lower = np.exp(-lower)
    tail_upper = np.exp(-upper)
    upper_finite = np.where(np.isinf(upper), 0.0, upper)
    first_moment = lower * tail_lower - upper_finite * tail_upper
    return (first_moment + tail_lower - tail_upper) / (tail_lower - tail_upper)


def _completions(started: np.ndarray, aht: float) -> np.ndarray:
    """Spread tickets started per step over their exponential handling time (cyclic)."""
    moved = np.zeros_like(started)
    for quantile in handling_quantiles():
        shift = aht * quantile / STEP_MINUTES
        whole = int(np.floor(shift))
        fraction = shift - whole
        moved += (1 - fraction) * np.roll(started, whole, axis=0)
        moved += fraction * np.roll(started, whole + 1, axis=0)
    return moved / HANDLING_SLICES


def _unserved(flow: TierFlow, languages: list[str], measured: slice) -> list[str]:
    """Queues with tickets in the measured period that are never picked up."""
    unserved = []
    for lane, language in enumerate(languages):
        arriving = flow.inflow[measured, lane] > 0
        if np.isinf(flow.wait[measured, lane][arriving]).any():
            unserved.append(f"{flow.tier}-{language}")
    return unserved


@dataclass
class _Branch:
    """Tickets of one creation step that took the same path (stranded or not)."""

    share: np.ndarray
    """Share of the step's tickets on this path."""
    elapsed: np.ndarray
    """Minutes from creation to the end of handling at the current tier."""


def _resolution_kpis(result: FlowEstimate, scenario: Scenario) -> None:
    """Follow the tickets created in the measured period through the tiers.

    At each tier a ticket is either picked up before the queue closes or stranded
    until the next opening. The two paths are followed apart, because the wait at the
    next tier depends on when the ticket gets there, and it jumps at a closing.

    ``mttr_minutes[tier]`` is the mean creation-to-resolution time of tickets resolved
    at that tier; tickets escalated past the last defined tier count as resolved there.
    """
    tiers = scenario.settings.tier_order
    measured = result.measured
    weights = result.tiers[tiers[0]].inflow[measured]
    steps = len(result.tiers[tiers[0]].inflow)
    middle = (np.arange(steps) + 0.5) * STEP_MINUTES
    created = np.broadcast_to(middle[measured, None], weights.shape)

    branches = [_Branch(np.ones_like(weights), np.zeros_like(weights))]
    previous_aht = 0.0
    total = np.zeros_like(weights)
    resolved_sum = {}
    resolved_weight = {}

    for position, tier in enumerate(tiers):
        tier_settings = scenario.settings.tiers[tier]
        flow = result.tiers[tier]
        offsets = previous_aht * handling_quantiles() if position else np.zeros(1)
        branches = [
            split
            for branch in branches
            for split in _split_at_tier(
                branch, flow, created, middle, offsets, previous_aht
            )
        ]
        for branch in branches:
            branch.elapsed = branch.elapsed + tier_settings.aht_minutes
        previous_aht = tier_settings.aht_minutes

        last = position == len(tiers) - 1
        keep = 1.0 if last else 1 - tier_settings.escalation_rate
        resolved_sum[tier] = sum(
            _weighted_sum(keep * branch.share * weights, branch.elapsed)
            for branch in branches
        )
        resolved_weight[tier] = float(
            sum((keep * branch.share * weights).sum() for branch in branches)
        )
        for branch in branches:
            total = total + _product(keep * branch.share, branch.elapsed)
            branch.share = branch.share * tier_settings.escalation_rate

    all_weight = float(weights.sum())
    overall = _weighted_sum(weights, total) / all_weight if all_weight else float("nan")
    result.mttr_minutes["overall"] = overall
    for tier in tiers:
        weight = resolved_weight[tier]
        result.mttr_minutes[tier] = (
            resolved_sum[tier] / weight if weight else float("nan")
        )

    for lane, language in enumerate(result.languages):
        weight = float(weights[:, lane].sum())
        value = _weighted_sum(weights[:, lane], total[:, lane])
        result.mttr_by_language[language] = value / weight if weight else float("nan")


def _split_at_tier(
    branch: _Branch,
    flow: TierFlow,
    created: np.ndarray,
    middle: np.ndarray,
    offsets: np.ndarray,
    previous_aht: float,
) -> list[_Branch]:
    """Split a path into tickets picked up before the queue closes and stranded ones.

    The arrival at this tier is spread over the previous tier's handling time
    (``offsets``, one per equal-probability slice). Returned paths carry the time to
    pick-up at this tier; the caller adds the handling time.
    """
    in_hours = flow.wait_in_hours
    weight_open = np.zeros_like(branch.elapsed)
    weight_stranded = np.zeros_like(branch.elapsed)
    time_open = np.zeros_like(branch.elapsed)
    time_stranded = np.zeros_like(branch.elapsed)

    for offset in offsets:
        reached = branch.elapsed - previous_aht + offset
        at = created + reached
        stranded = _wait_at(flow.stranded, at, middle)
        stranded = np.where(np.isfinite(stranded), stranded, 0.0)
        wait = _wait_at(in_hours, at, middle)
        extra = _wait_at(flow.stranded_extra, at, middle)
        weight_open += 1 - stranded
        weight_stranded += stranded
        time_open += _product(1 - stranded, reached + wait)
        time_stranded += _product(stranded, reached + wait + extra)

    count = len(offsets)
    open_share = weight_open / count
    stranded_share = weight_stranded / count
    with np.errstate(invalid="ignore", divide="ignore"):
        elapsed_open = np.where(weight_open > 0, time_open / weight_open, 0.0)
        elapsed_stranded = np.where(
            weight_stranded > 0, time_stranded / weight_stranded, 0.0
        )
    paths = [_Branch(branch.share * open_share, elapsed_open)]
    if (stranded_share > 0).any():
        paths.append(_Branch(branch.share * stranded_share, elapsed_stranded))
    return paths


def _wait_at(wait: np.ndarray, times: np.ndarray, middle: np.ndarray) -> np.ndarray:
    """Interpolate each lane's wait curve at the given arrival times (minutes)."""
    out = np.empty_like(times)
    for lane in range(wait.shape[1]):
        curve = wait[:, lane]
        finite = np.where(np.isinf(curve), 1e18, curve)
        values = np.interp(times[:, lane], middle, finite, right=np.inf)
        values = np.where(values >= 1e17, np.inf, values)
        out[:, lane] = values
    return out


def _product(share: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
    """``share * elapsed`` where a zero share of an infinite time counts zero."""
    with np.errstate(invalid="ignore"):
        return np.where(share > 0, share * elapsed, 0.0)


def _weighted_sum(weights: np.ndarray, values: np.ndarray) -> float:
    return float(_product(weights, values).sum())


def _service_level_kpis(result: FlowEstimate) -> None:
    """Arrival-weighted service level per tier and over every tier's arrivals."""
    measured = result.measured
    pooled_weight = 0.0
    pooled_within = 0.0
    for tier, flow in result.tiers.items():
        weights = flow.inflow[measured]
        weight = float(weights.sum())
        within = float((weights * flow.service_level[measured]).sum())
        result.service_level[tier] = within / weight if weight else float("nan")
        pooled_weight += weight
        pooled_within += within
    result.service_level["overall"] = (
        pooled_within / pooled_weight if pooled_weight else float("nan")
    )
