"""Staffing requirements per interval and queue, from arrivals through the tier flow.

Every new ticket enters L1 in its language. A tier passes ``escalation_rate`` of its
tickets to the next defined tier in the same language, once it has handled them: the
escalated arrivals are the tier's arrivals moved later by its AHT. Where that move is
not a whole number of intervals, the tickets of one interval land across two and are
split in proportion to the overlap. Tickets moved past the end of the horizon enter
at its start, because the planned horizon (usually one week) is taken to repeat:
the escalations of Sunday night arrive on Monday morning of the same plan. Tickets
escalated by the last defined tier leave the model.

Per queue and interval, ``required_raw`` is the smallest number of agents handling
tickets that meets the tier's service level within its target wait (Erlang C, or
Erlang A when the tier sets ``patience_minutes``) without exceeding the occupancy
cap. ``required`` grosses that up for shrinkage, ``ceil(raw / (1 - shrinkage))``,
and raises it to the tier's ``language_floor``. The tier ``floor`` applies to the
sum over a tier's queues and is reported by ``tier_requirements``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from planner.erlang import agents_needed
from planner.model import Scenario, TierSettings, queue_name

logger = logging.getLogger(__name__)

COLUMNS = [
    "interval_start",
    "queue",
    "tier",
    "language",
    "arrivals",
    "workload_erlangs",
    "required_raw",
    "required",
]


def shift_later(arrivals: np.ndarray, intervals: float) -> np.ndarray:
    """Move rows of ``arrivals`` later by a fractional number of intervals, wrapping.

    Row ``i`` covers ``[i, i + 1)``; moved by ``d = k + f`` it covers
    ``[i + d, i + 1 + d)``, so ``1 - f`` of it lands in row ``i + k`` and ``f`` in
    row ``i + k + 1`` (indices modulo the number of rows). The total is unchanged.
    """
    whole = int(np.floor(intervals))
    fraction = intervals - whole
    moved = (1.0 - fraction) * np.roll(arrivals, whole, axis=0)
    if fraction > 0:
        moved = moved + fraction * np.roll(arrivals, whole + 1, axis=0)
    return moved


def l1_arrivals(scenario: Scenario) -> np.ndarray:
    """Return new tickets as an (interval x language) array, languages as listed.

    Equal to ``scenario.arrivals_matrix()`` (rows on the same instant add up, rows
    off the grid or outside the horizon are left out) without a pandas pivot.
    """
    horizon = scenario.horizon
    languages = scenario.languages
    counts = np.zeros((horizon.n_intervals, len(languages)))
    demand = scenario.demand
    if demand.empty:
        return counts

    instants = pd.to_datetime(demand["interval_start"], utc=True)
    offset = (instants - pd.Timestamp(horizon.start)).to_numpy(dtype="timedelta64[ns]")
    step = np.timedelta64(horizon.interval_minutes, "m").astype("timedelta64[ns]")
    index = offset // step
    on_grid = (offset % step == np.timedelta64(0, "ns")) & (index >= 0)
    on_grid &= index < horizon.n_intervals

    codes = pd.Categorical(demand["language"], categories=languages).codes
    values = demand["arrivals"].to_numpy(dtype=float)
    np.add.at(counts, (index[on_grid], codes[on_grid]), values[on_grid])
    return counts


def tier_arrivals(scenario: Scenario) -> dict[str, np.ndarray]:
    """Return the arrivals of each defined tier as an (interval x language) array."""
    settings = scenario.settings
    current = l1_arrivals(scenario)

    flows: dict[str, np.ndarray] = {}
    previous: TierSettings | None = None
    for tier in settings.tier_order:
        if previous is not None:
            delay = previous.aht_minutes / settings.interval_minutes
            current = shift_later(current * previous.escalation_rate, delay)
        flows[tier] = current
        previous = settings.tiers[tier]
    return flows


def gross_up(required_raw: np.ndarray, shrinkage: float) -> np.ndarray:
    """Return ``ceil(raw / (1 - shrinkage))`` without float noise (21 at 30% is 30)."""
    scheduled = np.round(required_raw / (1.0 - shrinkage), 9)
    return np.ceil(scheduled).astype(np.int64)


def _tier_frame(
    scenario: Scenario, tier: str, arrivals: np.ndarray
) -> tuple[np.ndarray, ...]:
    settings = scenario.settings
    targets = settings.tiers[tier]
    workload = arrivals * targets.aht_minutes / settings.interval_minutes

    raw = agents_needed(
        workload,
        aht=targets.aht_minutes,
        target_wait=targets.target_wait_minutes,
        service_level=targets.service_level,
        max_occupancy=settings.staffing.max_occupancy,
        patience=targets.patience_minutes,
    )
    raw = np.asarray(raw, dtype=np.int64)
    required = gross_up(raw, settings.staffing.shrinkage)
    required = np.maximum(required, targets.language_floor)
    return workload, raw, required


def _text(values: list[str], position: np.ndarray) -> pd.api.extensions.ExtensionArray:
    return pd.array(values, dtype="str").take(position)


def compute_requirements(scenario: Scenario) -> pd.DataFrame:
    """Return agents required per interval and queue.

    One row per interval and queue, sorted by ``interval_start`` and then by the
    order of ``scenario.queues``; columns as in ``COLUMNS``. ``arrivals`` are
    tickets in the interval, ``workload_erlangs`` arrivals times AHT over the
    interval length, ``required_raw`` agents handling tickets and ``required``
    agents on shift (after shrinkage and the language floor).
    """
    starts = scenario.horizon.starts()
    languages = scenario.languages
    tiers = scenario.settings.tier_order
    flows = tier_arrivals(scenario)

    parts = [_tier_frame(scenario, tier, flows[tier]) for tier in tiers]
    shape = (len(starts), len(tiers) * len(languages))

    def stack(values: list[np.ndarray]) -> np.ndarray:
        # (interval, tier, language) flattened so each interval lists its queues.
        if not values:
            return np.zeros(shape)
        return np.stack(values, axis=1).reshape(shape).ravel()

    # Text columns are taken from short arrays by position: much faster than
    # converting thousands of numpy strings.
    position = np.tile(np.arange(shape[1]), len(starts))
    queues = [queue_name(tier, code) for tier in tiers for code in languages]
    queue_tiers = [tier for tier in tiers for _ in languages]

    frame = pd.DataFrame(
        {
            "interval_start": starts.repeat(shape[1]),
            "queue": _text(queues, position),
            "tier": _text(queue_tiers, position),
            "language": _text(list(languages) * len(tiers), position),
            "arrivals": stack([flows[tier] for tier in tiers]),
            "workload_erlangs": stack([part[0] for part in parts]),
            "required_raw": stack([part[1] for part in parts]).astype(np.int64),
            "required": stack([part[2] for part in parts]).astype(np.int64),
        },
        columns=COLUMNS,
    )
    logger.info(
        "requirements: %d intervals x %d queues, peak %d agents on shift",
        len(starts),
        shape[1],
        int(frame["required"].max()) if len(frame) else 0,
    )
    return frame


def tier_requirements(requirements: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Return agents required per interval and tier: the tier floor or the queue sum.

    Columns ``interval_start``, ``tier``, ``required``; every interval and defined
    tier appear, even with no queues (the floor alone then).
    """
    settings = scenario.settings
    tiers = settings.tier_order
    starts = scenario.horizon.starts()

    sums = requirements.groupby(["interval_start", "tier"])["required"].sum()
    grid = pd.MultiIndex.from_product([starts, tiers], names=["interval_start", "tier"])
    sums = sums.reindex(grid, fill_value=0)

    floors = np.tile([settings.tiers[tier].floor for tier in tiers], len(starts))
    frame = sums.reset_index()
    frame["required"] = np.maximum(frame["required"].to_numpy(), floors).astype(
        np.int64
    )
    return frame
