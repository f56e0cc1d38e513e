"""Synthetic scenarios for the roster benchmarks: a global, multilingual, three-tier desk.

Six languages each have a daily arrival curve that peaks in the business hours of the
language's home zone and falls at night and at the weekend. Agents are spread over
several time zones per language. Some of them are multilingual, and some accept night
work.

``synthetic_scenario(agents)`` sizes the desk in two passes. First it computes the
requirements of a reference demand. Then it shares the agents among tiers and
languages in proportion to the agent-hours each needs, and scales the arrivals so that
the requirements need ``load`` (default 80%) of the agents' contract hours. Requirements
come from ``planner.requirements.compute_requirements`` (Erlang C, shrinkage, floors).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planner.model import Agent, Scenario, Settings
from planner.requirements import compute_requirements

WEEK_START = date(2027, 3, 22)
"""A week that contains the EU clock change of 2027-03-28."""

LANGUAGE_SHARE = {
    "en": 0.40,
    "de": 0.15,
    "es": 0.15,
    "fr": 0.10,
    "ja": 0.10,
    "pt": 0.10,
}
"""Share of new tickets per language."""

LANGUAGE_ZONES = {
    "en": ["America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney"],
    "de": ["Europe/Berlin", "Europe/Berlin", "Asia/Kathmandu"],
    "es": ["Europe/Madrid", "America/Mexico_City"],
    "fr": ["Europe/Paris", "America/Toronto"],
    "ja": ["Asia/Tokyo", "Asia/Tokyo", "America/Los_Angeles"],
    "pt": ["America/Sao_Paulo", "Europe/Lisbon"],
}
"""Home zones of agents per language; the first is where that language's demand lives."""

CONTRACTS = [(40.0, 24.0, 5), (32.0, 16.0, 4), (20.0, 0.0, 3)]
"""(max_hours_week, min_hours_week, max_days_week) of full-time and part-time contracts."""

CONTRACT_WEIGHTS = [0.7, 0.2, 0.1]


def _daily_profile(
    local_hour: np.ndarray, weekday: np.ndarray, around_the_clock: bool
) -> np.ndarray:
    """Relative arrivals by local hour, peaking at 1 in the early afternoon.

    A language spoken around the world keeps a night floor of 0.12; the others get no
    tickets outside 07:00-21:00 local time. Weekends have 45% of a weekday's volume.
    """
    day = np.exp(-(((local_hour - 13.0) / 4.5) ** 2))
    if around_the_clock:
        day = 0.12 + 0.88 * day
    else:
        day = np.where((local_hour >= 7) & (local_hour < 21), day, 0.0)
    weekend = np.where(weekday >= 5, 0.45, 1.0)
    return day * weekend


def reference_demand(settings: Settings, scale: float) -> pd.DataFrame:
    """Arrivals per interval and language, peaking at ``scale`` times each language's share."""
    starts = settings.horizon.starts()
    frames = []
    for language, share in LANGUAGE_SHARE.items():
        local = starts.tz_convert(ZoneInfo(LANGUAGE_ZONES[language][0]))
        hour = np.asarray(local.hour + local.minute / 60.0)
        profile = _daily_profile(
            hour, np.asarray(local.weekday), around_the_clock=language == "en"
        )
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "language": language,
                    "arrivals": scale * share * profile,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _settings(days: int) -> Settings:
    return Settings(
        name="Synthetic global desk",
        week_start=WEEK_START,
        days=days,
        interval_minutes=30,
    )


def _needed_hours(requirements: pd.DataFrame, interval_hours: float) -> pd.Series:
    """Agent-hours needed per queue over the horizon."""
    return requirements.groupby("queue")["required"].sum() * interval_hours


def needed_tier_hours(scenario: Scenario, requirements: pd.DataFrame) -> float:
    """Agent-hours the tiers need: per interval, the larger of floor and queue sum."""
    interval_hours = scenario.settings.interval_minutes / 60
    tiers = requirements.assign(tier=requirements["queue"].str.split("-").str[0])
    summed = tiers.groupby(["tier", "interval_start"])["required"].sum().reset_index()
    floors = summed["tier"].map(
        {t: s.floor for t, s in scenario.settings.tiers.items()}
    )
    return float(np.maximum(summed["required"], floors).sum() * interval_hours)


def _share_out(total: int, weights: pd.Series) -> pd.Series:
    """Split ``total`` in proportion to ``weights`` (largest remainder), at least 1 each."""
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(int).clip(lower=1)
    remainder = (exact - counts).sort_values(ascending=False)
    for queue in remainder.index[: max(total - counts.sum(), 0)]:
        counts[queue] += 1
    return counts


def _make_agents(counts: pd.Series, rng: np.random.Generator) -> list[Agent]:
    agents = []
    for queue, count in counts.items():
        tier, language = queue.split("-", 1)
        zones = LANGUAGE_ZONES[language]
        for number in range(count):
            contract = CONTRACTS[rng.choice(len(CONTRACTS), p=CONTRACT_WEIGHTS)]
            languages = [language]
            if language != "en" and rng.random() < 0.35:
                languages.append("en")
            agents.append(
                Agent(
                    agent_id=f"{queue}-{number:03d}",
                    tier=tier,
                    languages=tuple(languages),
                    timezone=zones[number % len(zones)],
                    max_hours_week=contract[0],
                    min_hours_week=contract[1],
                    max_days_week=contract[2],
                    night_ok=bool(rng.random() < 0.3),
                    cost_per_hour=round(float(rng.uniform(0.8, 1.4)), 2),
                )
            )
    return agents


def _scenario(settings: Settings, agents: list[Agent], scale: float) -> Scenario:
    return Scenario(
        settings=settings,
        agents=tuple(agents),
        demand=reference_demand(settings, scale),
    )


def _scale_for_load(
    settings: Settings, agents: list[Agent], load: float, lowest: float
) -> float:
    """Find the largest arrival scale whose requirements need at most ``load`` of capacity.

    The search starts at ``lowest``. When even that scale needs more, it is returned.
    """
    capacity = sum(agent.max_hours_week for agent in agents) * settings.days / 7
    low, high = lowest, lowest * 40
    for _ in range(16):
        middle = (low + high) / 2
        scenario = _scenario(settings, agents, middle)
        needed = needed_tier_hours(scenario, compute_requirements(scenario))
        if needed > load * capacity:
            high = middle
        else:
            low = middle
    return low


def synthetic_scenario(
    agents: int, seed: int = 0, days: int = 7, load: float = 0.8
) -> tuple[Scenario, pd.DataFrame]:
    """Build a desk of ``agents`` agents and its requirements.

    Returns the scenario and ``compute_requirements(scenario)``. The arrivals are scaled
    so that the requirements need about ``load`` of the agents' contract hours. Every
    queue with tickets needs at least 2 agents on shift (1 handling, grossed up for 30%
    shrinkage), so a small desk with 18 queues cannot reach a load this low. Its arrivals
    stay at a floor of ``agents / 5`` tickets per interval at the peak, and ``describe``
    reports the load that results.
    """
    rng = np.random.default_rng(seed)
    settings = _settings(days)
    interval_hours = settings.interval_minutes / 60
    lowest = agents / 5
    probe = [
        Agent(
            agent_id="probe",
            tier="L1",
            languages=("en",),
            timezone="UTC",
            max_hours_week=40,
        )
    ]

    # Agents are shared among queues by the agent-hours each queue needs. That mix
    # depends on the demand level, so the scale and the mix are settled in two rounds.
    scale = lowest * 3
    for _ in range(2):
        requirements = compute_requirements(_scenario(settings, probe, scale))
        counts = _share_out(agents, _needed_hours(requirements, interval_hours))
        roster = _make_agents(counts, rng)
        scale = _scale_for_load(settings, roster, load, lowest)

    scenario = _scenario(settings, roster, scale).model_copy(
        update={"source": f"synthetic: {agents} agents, seed {seed}, load {load:.0%}"}
    )
    return scenario, compute_requirements(scenario)


def describe(scenario: Scenario, requirements: pd.DataFrame) -> dict:
    """Summarise a synthetic desk: agents per tier, zones, needed and contract hours."""
    agents = pd.DataFrame([agent.model_dump() for agent in scenario.agents])
    needed = needed_tier_hours(scenario, requirements)
    capacity = agents["max_hours_week"].sum() * scenario.settings.days / 7
    return {
        "agents": len(agents),
        "per_tier": agents["tier"].value_counts().sort_index().to_dict(),
        "zones": int(agents["timezone"].nunique()),
        "night_ok": int(agents["night_ok"].sum()),
        "needed_hours": round(float(needed), 1),
        "contract_hours": round(float(capacity), 1),
        "load": round(float(needed / capacity), 3),
        "peak_arrivals": round(
            float(scenario.demand.groupby("interval_start")["arrivals"].sum().max()), 1
        ),
    }


if __name__ == "__main__":
    for size in (50, 200, 500, 1000):
        started = datetime.now()
        scenario, requirements = synthetic_scenario(size)
        print(size, describe(scenario, requirements), datetime.now() - started)
