"""The typed result of a solve."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planner.shifts import Shift

STATUSES = ("OPTIMAL", "FEASIBLE", "NO_SOLUTION_IN_TIME", "INVALID")


@dataclass
class SolveResult:
    """A roster with its quality, its cost per soft goal and its explanations."""

    status: str
    """One of ``STATUSES``. ``FEASIBLE`` means a roster whose optimality is unproven."""
    objective: float | None
    """Total penalty of the roster [objective units, see ``penalties``]."""
    best_bound: float | None
    """Lower bound on the objective proven by the search."""
    gap: float | None
    """Relative optimality gap, ``(objective - best_bound) / objective``; 0 when optimal."""
    wall_seconds: float
    """Elapsed time of the search [s]."""
    penalties: dict[str, float]
    """Penalty paid per named soft goal; they add up to ``objective``."""
    shifts: list[Shift]
    """The roster, sorted by agent order then UTC start."""
    allocation: pd.DataFrame
    """Agents serving each queue per interval: interval_start, queue, scheduled."""
    capacity_check: pd.DataFrame
    """Agent-hours needed against agent-hours available per tier, language and UTC hour."""
    floor_violations: pd.DataFrame
    """Intervals below a floor: interval_start, tier_or_queue, required, scheduled, reason."""
    proposals: list[str]
    """Smallest additions of agents that would close the floor violations."""
    messages: list[str] = field(default_factory=list)
    """Notes for the user: why no roster was found, which limit stopped the search."""
    solutions: int = 0
    """Improving rosters found during the search."""
    deterministic: bool = True
    """False when the wall-clock limit or a cancellation, not the deterministic limit,
    stopped the search, so a rerun may return another roster."""

    @property
    def has_roster(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")
