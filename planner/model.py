"""Typed domain model: the terms a workforce planner uses, as validated objects.

Settings come from ``scenario.toml``; agents, demand and time off from CSV files or
the sheets of one Excel workbook (see ``planner.loading``). Every settings key has a
default here except ``week_start``. Unknown keys are rejected (``extra="forbid"``) so
that a misspelt key is reported instead of silently ignored.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import cached_property
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.horizon import Horizon

Tier = Literal["L1", "L2", "L3"]
TIERS: tuple[Tier, ...] = ("L1", "L2", "L3")


def queue_name(tier: str, language: str) -> str:
    """Name the queue of one tier and language, e.g. ``L1-de``."""
    return f"{tier}-{language}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierSettings(_Strict):
    """Service targets and handling figures of one tier."""

    aht_minutes: float = Field(12.0, gt=0)
    service_level: float = Field(0.80, ge=0, le=1)
    target_wait_minutes: float = Field(15.0, ge=0)
    escalation_rate: float = Field(0.0, ge=0, le=1)
    floor: int = Field(1, ge=0)
    language_floor: int = Field(0, ge=0)
    patience_minutes: float | None = Field(None, gt=0)
    """Mean patience before a ticket is abandoned; when set, Erlang A replaces Erlang C."""


DEFAULT_TIERS: dict[str, TierSettings] = {
    "L1": TierSettings(
        aht_minutes=12,
        service_level=0.80,
        target_wait_minutes=15,
        escalation_rate=0.20,
        floor=2,
    ),
    "L2": TierSettings(
        aht_minutes=45,
        service_level=0.80,
        target_wait_minutes=60,
        escalation_rate=0.10,
        floor=1,
    ),
    "L3": TierSettings(
        aht_minutes=180, service_level=0.80, target_wait_minutes=240, floor=1
    ),
}


class Staffing(_Strict):
    shrinkage: float = Field(0.30, ge=0, lt=1)
    """Share of paid time not available for tickets (breaks, training, absence)."""
    max_occupancy: float = Field(0.85, gt=0, le=1)


class Rules(_Strict):
    """Labour rules that hold for every agent."""

    shift_hours: tuple[float, ...] = Field((8.0,), min_length=1)
    start_step_minutes: int = Field(60, gt=0, le=24 * 60)
    min_rest_hours: float = Field(11.0, ge=0)
    max_consecutive_days: int = Field(6, ge=1)

    @model_validator(mode="after")
    def _check_shift_hours(self) -> Rules:
        for hours in self.shift_hours:
            if not 0 < hours <= 24:
                raise ValueError(f"shift_hours must lie in (0, 24], got {hours}")
        if 24 * 60 % self.start_step_minutes:
            raise ValueError(
                f"start_step_minutes must divide a day, got {self.start_step_minutes}"
            )
        return self


class Weights(_Strict):
    """Weights of the solver's soft goals, highest priority first."""

    shortfall: float = Field(1000.0, ge=0)
    cost: float = Field(1.0, ge=0)
    surplus: float = Field(0.5, ge=0)
    fairness: float = Field(5.0, ge=0)


class SolverSettings(_Strict):
    time_limit_seconds: float = Field(60.0, gt=0)
    seed: int = Field(0, ge=0)
    workers: int = Field(8, ge=1)
    weights: Weights = Weights()


class Settings(_Strict):
    """The content of ``scenario.toml``."""

    name: str = "Unnamed scenario"
    week_start: date
    days: int = Field(7, ge=1, le=28)
    interval_minutes: Literal[15, 30, 60] = 30
    tiers: dict[Tier, TierSettings] = Field(default_factory=lambda: dict(DEFAULT_TIERS))
    staffing: Staffing = Staffing()
    rules: Rules = Rules()
    solver: SolverSettings = SolverSettings()

    @cached_property
    def horizon(self) -> Horizon:
        start = datetime.combine(self.week_start, datetime.min.time(), timezone.utc)
        return Horizon(start=start, days=self.days, interval_minutes=self.interval_minutes)

    @property
    def tier_order(self) -> list[str]:
        """The defined tiers in escalation order (a scenario may define only some)."""
        return [tier for tier in TIERS if tier in self.tiers]


class Agent(_Strict):
    """A named person who can be rostered."""

    agent_id: str = Field(min_length=1)
    name: str = ""
    tier: Tier
    languages: tuple[str, ...] = Field(min_length=1)
    timezone: str
    min_hours_week: float = Field(0.0, ge=0)
    max_hours_week: float = Field(gt=0)
    max_days_week: int = Field(5, ge=0, le=7)
    night_ok: bool = False
    cost_per_hour: float = Field(1.0, ge=0)

    @property
    def skills(self) -> tuple[str, ...]:
        """The queues this agent may serve: its own tier in each of its languages."""
        return tuple(queue_name(self.tier, language) for language in self.languages)

    @property
    def display_name(self) -> str:
        return self.name or self.agent_id


class TimeOff(_Strict):
    """An absence: the agent works no minute inside [start, end)."""

    agent_id: str
    start: datetime
    end: datetime


class Scenario(BaseModel):
    """A whole planning problem: settings, agents, demand and absences.

    ``demand`` has the columns ``interval_start`` (UTC, tz-aware), ``language`` and
    ``arrivals``; intervals that are missing have zero arrivals.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    settings: Settings
    agents: tuple[Agent, ...]
    demand: pd.DataFrame
    timeoff: tuple[TimeOff, ...] = ()
    source: str = ""

    @cached_property
    def horizon(self) -> Horizon:
        return self.settings.horizon

    @property
    def languages(self) -> list[str]:
        """Languages with demand, sorted."""
        return sorted(self.demand["language"].unique().tolist())

    @property
    def queues(self) -> list[str]:
        """Every (tier, language) queue, tier by tier."""
        return [
            queue_name(tier, language)
            for tier in self.settings.tier_order
            for language in self.languages
        ]

    def arrivals_matrix(self) -> tuple[list[str], pd.DataFrame]:
        """Return the languages and a (interval x language) frame of L1 arrivals.

        The frame's index is the horizon's interval starts, so missing intervals are 0.
        """
        horizon = self.horizon
        table = self.demand.pivot_table(
            index="interval_start",
            columns="language",
            values="arrivals",
            aggfunc="sum",
            fill_value=0.0,
        )
        table = table.reindex(horizon.starts(), fill_value=0.0)
        return list(table.columns), table

