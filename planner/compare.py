"""Side-by-side comparison of two rosters' KPIs.

Each side is a summary in the ``summary.json`` layout: a mapping with ``paid_hours``,
``cost``, ``intervals_below_floor``, ``intervals_below_requirement``, ``mttr_minutes``
and ``service_level`` (``overall`` and per tier), and optionally ``simulation`` as
written by ``SimulationResult.to_dict``. A ``Projection`` is accepted too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from planner.model import TIERS

COLUMNS_AFTER_LABELS = ["difference", "relative_change"]


def summary_of(projection: Any, simulation: Any = None) -> dict:
    """Build a summary mapping from a ``Projection`` and an optional simulation."""
    summary = dict(projection.kpis)
    if simulation is not None:
        summary["simulation"] = simulation.to_dict()
    return summary


def compare(
    a: Mapping | Any, b: Mapping | Any, labels: tuple[str, str] = ("A", "B")
) -> pd.DataFrame:
    """Return the KPIs of ``a`` and ``b`` side by side, with ``b - a`` and ``(b - a) / a``.

    Columns: ``metric``, one column per label, ``difference``, ``relative_change``, and
    ``<label> ci_low`` / ``<label> ci_high`` for simulated figures (empty elsewhere).
    Missing figures are NaN, and so is a relative change from zero.
    """
    first, second = (_as_summary(side) for side in (a, b))
    if labels[0] == labels[1]:
        raise ValueError(f"the two labels must differ, got {labels!r}")

    rows = []
    for metric, path in _metrics(first, second):
        value_a, low_a, high_a = _lookup(first, path)
        value_b, low_b, high_b = _lookup(second, path)
        rows.append(
            {
                "metric": metric,
                labels[0]: value_a,
                labels[1]: value_b,
                "difference": value_b - value_a,
                "relative_change": _relative(value_a, value_b),
                f"{labels[0]} ci_low": low_a,
                f"{labels[0]} ci_high": high_a,
                f"{labels[1]} ci_low": low_b,
                f"{labels[1]} ci_high": high_b,
            }
        )
    return pd.DataFrame(rows)


def _as_summary(side: Mapping | Any) -> Mapping:
    if isinstance(side, Mapping):
        return side
    if hasattr(side, "kpis"):
        return summary_of(side)
    raise TypeError(
        f"expected a summary mapping or a Projection, got {type(side).__name__}"
    )


def _metrics(first: Mapping, second: Mapping) -> list[tuple[str, tuple]]:
    """List the rows to show: fixed KPIs, then simulated ones where either side has them."""
    rows: list[tuple[str, tuple]] = []
    for key in ("overall", *TIERS):
        if _has(first, second, ("mttr_minutes", key)):
            rows.append((f"MTTR {key} [min]", ("mttr_minutes", key)))
    for key in ("overall", *TIERS):
        if _has(first, second, ("service_level", key)):
            rows.append((f"service level {key}", ("service_level", key)))
    rows += [
        ("cost", ("cost",)),
        ("paid hours", ("paid_hours",)),
        ("intervals below floor", ("intervals_below_floor",)),
        ("intervals below requirement", ("intervals_below_requirement",)),
    ]
    for key in ("overall", *TIERS):
        path = ("simulation", "mttr_minutes", key)
        if _has(first, second, path):
            rows.append((f"simulated MTTR {key} [min]", path))
    for key in ("overall", *TIERS):
        path = ("simulation", "service_level", key)
        if _has(first, second, path):
            rows.append((f"simulated service level {key}", path))
    path = ("simulation", "abandonment_share", "overall")
    if _has(first, second, path) and _any_abandonment(first, second):
        rows.append(("simulated abandonment share", path))
    return rows


def _any_abandonment(first: Mapping, second: Mapping) -> bool:
    return any(
        side.get("simulation", {}).get("abandonment") for side in (first, second)
    )


def _has(first: Mapping, second: Mapping, path: tuple) -> bool:
    return any(not math.isnan(_lookup(side, path)[0]) for side in (first, second))


def _lookup(summary: Mapping, path: tuple) -> tuple[float, float, float]:
    """Return (value, ci_low, ci_high) at ``path``; NaN where missing."""
    node: Any = summary
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return math.nan, math.nan, math.nan
        node = node[key]
    if isinstance(node, Mapping):
        return (
            _float(node.get("mean")),
            _float(node.get("ci_low")),
            _float(node.get("ci_high")),
        )
    return _float(node), math.nan, math.nan


def _float(value: Any) -> float:
    if value is None:
        return math.nan
    return float(value)


def _relative(before: float, after: float) -> float:
    if math.isnan(before) or math.isnan(after) or before == 0:
        return math.nan
    return (after - before) / abs(before)
