"""Projection of a roster: coverage, service level, ASA, occupancy and MTTR.

The per-interval figures and the MTTR come from the fast estimate in
``planner.mttr``: Erlang C per interval on top of a fluid backlog that carries tickets
over intervals with too few agents or none, and escalations between tiers. Definitions:

- effective servers of a queue: agents allocated to it times ``1 - shrinkage``;
- ``service_level``: share of the tickets arriving at a queue that are picked up within
  the tier's target wait (per tier and overall: weighted by arrivals at each tier);
- ``asa_minutes``: mean wait before pick-up, backlog included;
- ``occupancy``: tickets started over tickets the effective servers could start
  (empty where nobody is allocated);
- ``backlog``: tickets waiting at the end of the interval;
- ``mttr_minutes[tier]``: mean time from creation to resolution of the tickets resolved
  at that tier. Tickets escalated past the last defined tier count as resolved there.
  ``overall`` covers every ticket created in the horizon.

KPI values that cannot be computed are ``None``: there are no tickets, or some tickets
are never picked up because a queue's agents start fewer tickets over the week than
arrive, so its backlog never clears (a queue with nobody all week is the extreme
case). ``unserved_queues`` names the queues in the second case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.model import TIERS, Scenario
from planner.mttr import STEP_MINUTES, FlowEstimate, estimate
from planner.shifts import Shift

PROJECTION_COLUMNS = ["service_level", "asa_minutes", "occupancy", "backlog"]


@dataclass
class Projection:
    """Coverage with projected queue figures per row, and the roster's KPIs."""

    coverage: pd.DataFrame
    kpis: dict
    flow: FlowEstimate | None = field(default=None, repr=False)


def project(
    scenario: Scenario,
    shifts: list[Shift],
    requirements: pd.DataFrame | None = None,
    allocation: pd.DataFrame | None = None,
) -> Projection:
    """Project a roster: coverage per interval and queue, queue figures and KPIs.

    ``requirements`` default to ``compute_requirements(scenario)``; ``allocation``
    (interval_start, queue, scheduled) defaults to ``solver.allocate`` for the shifts.
    """
    from planner.coverage import below_floor, coverage_frame

    if requirements is None:
        from planner.requirements import compute_requirements

        requirements = compute_requirements(scenario)
    if allocation is None:
        from solver import allocate

        allocation = allocate(scenario, requirements, shifts)

    coverage = coverage_frame(scenario, requirements, shifts, allocation)
    flow = estimate(scenario, allocation)
    coverage = _add_queue_figures(coverage, scenario, flow)

    kpis = {
        "mttr_minutes": _tier_dict(flow.mttr_minutes, scenario),
        "mttr_by_language": {
            k: json_number(v) for k, v in flow.mttr_by_language.items()
        },
        "service_level": _tier_dict(flow.service_level, scenario),
        "paid_hours": round(paid_hours(shifts), 4),
        "cost": round(roster_cost(shifts, scenario), 4),
        "intervals_below_floor": _count_intervals(below_floor(coverage, scenario)),
        "intervals_below_requirement": _count_intervals(coverage[coverage["gap"] > 0]),
        "unserved_queues": list(flow.unserved_queues),
    }
    return Projection(coverage=coverage, kpis=kpis, flow=flow)


def json_number(value: float | None) -> float | None:
    """Return ``value`` as a float, or ``None`` when it is missing, NaN or infinite."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def paid_hours(shifts: list[Shift]) -> float:
    """Total paid hours of the shifts, including hours past the horizon's end."""
    return float(sum(shift.paid_hours for shift in shifts))


def roster_cost(shifts: list[Shift], scenario: Scenario) -> float:
    """Paid hours times each agent's ``cost_per_hour``; unknown agents cost nothing."""
    rate = {agent.agent_id: agent.cost_per_hour for agent in scenario.agents}
    return float(
        sum(shift.paid_hours * rate.get(shift.agent_id, 0.0) for shift in shifts)
    )


def _tier_dict(values: dict[str, float], scenario: Scenario) -> dict[str, float | None]:
    """``overall`` and every tier; tiers the scenario does not define are ``None``."""
    keys = ["overall", *TIERS]
    return {key: json_number(values.get(key)) for key in keys}


def _count_intervals(rows: pd.DataFrame) -> int:
    return int(rows["interval_start"].nunique())


def queue_figures(scenario: Scenario, flow: FlowEstimate) -> pd.DataFrame:
    """Per interval and queue (queue and tier rows): the projected queue figures."""
    starts = scenario.horizon.starts()
    per = flow.steps_per_interval
    frames = []

    for tier, tier_flow in flow.tiers.items():
        aht = scenario.settings.tiers[tier].aht_minutes
        parts = {
            name: _by_interval(getattr(tier_flow, name)[flow.measured], per)
            for name in ("inflow", "servers", "started", "wait", "service_level")
        }
        backlog = tier_flow.backlog[flow.measured][per - 1 :: per]
        capacity = parts["servers"].sum(axis=1) * STEP_MINUTES / aht
        queues = [f"{tier}-{language}" for language in flow.languages]

        queue_rows = _figures(parts, capacity, backlog, pooled=False)
        tier_rows = _figures(parts, capacity, backlog, pooled=True)
        frames.append(_long(queue_rows, starts, queues))
        frames.append(_long(tier_rows, starts, [tier]))

    return pd.concat(frames, ignore_index=True)


def _by_interval(values: np.ndarray, per: int) -> np.ndarray:
    """Reshape (step, lane) to (interval, step in interval, lane)."""
    return values.reshape(-1, per, values.shape[1])


def _figures(
    parts: dict, capacity: np.ndarray, backlog: np.ndarray, pooled: bool
) -> dict:
    """Arrival-weighted figures per interval, per lane or pooled over the lanes."""
    inflow = parts["inflow"]
    started = parts["started"].sum(axis=1)
    axes = (1, 2) if pooled else (1,)
    level = _weighted(parts["service_level"], inflow, axes)
    wait = _weighted(parts["wait"], inflow, axes)

    if pooled:
        level = level[:, None]
        wait = wait[:, None]
        started = started.sum(axis=1, keepdims=True)
        capacity = capacity.sum(axis=1, keepdims=True)
        backlog = backlog.sum(axis=1, keepdims=True)

    with np.errstate(invalid="ignore", divide="ignore"):
        occupancy = np.where(capacity > 0, np.minimum(started / capacity, 1.0), np.nan)
    return {
        "service_level": level,
        "asa_minutes": wait,
        "occupancy": occupancy,
        "backlog": backlog,
    }


def _weighted(values: np.ndarray, weights: np.ndarray, axes: tuple) -> np.ndarray:
    """Weighted mean over ``axes``; the plain mean where the weights sum to zero."""
    total = weights.sum(axis=axes)
    with np.errstate(invalid="ignore"):
        product = np.where(weights > 0, values * weights, 0.0)
    weighted = product.sum(axis=axes) / np.where(total > 0, total, 1.0)
    plain = values.mean(axis=axes)
    return np.where(total > 0, weighted, plain)


def _long(figures: dict, starts: pd.DatetimeIndex, queues: list[str]) -> pd.DataFrame:
    columns = {"interval_start": np.repeat(starts, len(queues))}
    columns["queue"] = np.tile(queues, len(starts))
    for name in PROJECTION_COLUMNS:
        columns[name] = np.asarray(figures[name], dtype=float).reshape(-1)
    return pd.DataFrame(columns)


def _add_queue_figures(
    coverage: pd.DataFrame, scenario: Scenario, flow: FlowEstimate
) -> pd.DataFrame:
    figures = queue_figures(scenario, flow)
    figures["interval_start"] = pd.to_datetime(figures["interval_start"], utc=True)
    merged = coverage.merge(figures, on=["interval_start", "queue"], how="left")
    return merged
