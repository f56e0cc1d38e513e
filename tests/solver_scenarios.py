"""Small hand-built scenarios and requirement frames for the solver tests."""

from __future__ import annotations

from datetime import date

import pandas as pd

from planner.model import Agent, Rules, Scenario, Settings, SolverSettings, TierSettings


def make_scenario(
    agents: list[Agent],
    *,
    week_start: date = date(2027, 3, 22),
    days: int = 7,
    interval_minutes: int = 60,
    tiers: dict[str, TierSettings] | None = None,
    rules: Rules | None = None,
    languages: tuple[str, ...] = ("en",),
    solver: SolverSettings | None = None,
    timeoff: tuple = (),
) -> Scenario:
    """Build a scenario with zero arrivals in each of ``languages``."""
    settings = Settings(
        name="test",
        week_start=week_start,
        days=days,
        interval_minutes=interval_minutes,
        tiers=tiers or {"L1": TierSettings(floor=0)},
        rules=rules or Rules(),
        solver=solver or SolverSettings(time_limit_seconds=5, workers=2),
    )
    start = settings.horizon.start
    demand = pd.DataFrame(
        {
            "interval_start": [pd.Timestamp(start)] * len(languages),
            "language": list(languages),
            "arrivals": [0.0] * len(languages),
        }
    )
    return Scenario(
        settings=settings, agents=tuple(agents), demand=demand, timeoff=timeoff
    )


def agent(agent_id: str, **fields) -> Agent:
    """Build an agent with test defaults: L1, English, UTC, 0-40 h, 5 days."""
    values = {
        "tier": "L1",
        "languages": ("en",),
        "timezone": "UTC",
        "max_hours_week": 40.0,
        "max_days_week": 5,
    }
    values.update(fields)
    return Agent(agent_id=agent_id, **values)


def requirements_frame(
    scenario: Scenario, required: dict[str, object] | None = None
) -> pd.DataFrame:
    """Build a requirements frame; ``required[queue]`` is an int or a per-interval list."""
    required = required or {}
    rows = []
    starts = scenario.horizon.starts()
    for i, start in enumerate(starts):
        for queue in scenario.queues:
            tier, language = queue.split("-", 1)
            value = required.get(queue, 0)
            count = value[i] if isinstance(value, (list, tuple)) else value
            rows.append(
                {
                    "interval_start": start,
                    "queue": queue,
                    "tier": tier,
                    "language": language,
                    "arrivals": 0.0,
                    "workload_erlangs": 0.0,
                    "required_raw": int(count),
                    "required": int(count),
                }
            )
    return pd.DataFrame(rows)
