"""Discrete-event simulation checked against Erlang C, Erlang A and hand figures."""

from __future__ import annotations

import math
from datetime import date

import mpmath
import numpy as np
import pandas as pd
import pytest

from planner.model import Agent, Scenario, Settings, Staffing, TierSettings
from planner.simulation import Estimate, simulate

WEEK = date(2027, 3, 22)


def erlang_c_wait(servers: int, load: float, aht: float) -> float:
    """Mean wait of M/M/c from the textbook sums, in the unit of ``aht``."""
    with mpmath.workdps(40):
        a = mpmath.mpf(load)
        terms = sum(a**k / mpmath.factorial(k) for k in range(servers))
        top = a**servers / mpmath.factorial(servers) * servers / (servers - a)
        return float(top / (terms + top) * aht / (servers - a))


def abandon_share_birth_death(
    servers: int, arrival_rate: float, aht: float, patience: float, states: int = 400
) -> float:
    """Share of arrivals that abandon in M/M/c+M, from the truncated birth-death chain."""
    service_rate = 1 / aht
    abandon_rate = 1 / patience
    weights = [1.0]
    for n in range(1, states):
        death = min(n, servers) * service_rate + max(n - servers, 0) * abandon_rate
        weights.append(weights[-1] * arrival_rate / death)
    p = np.asarray(weights) / sum(weights)
    queue = np.maximum(np.arange(states) - servers, 0)
    return float(abandon_rate * (p * queue).sum() / arrival_rate)


def scenario_for(
    tiers: dict[str, TierSettings],
    arrivals: dict[str, float],
    days: int = 7,
    shrinkage: float = 0.0,
) -> Scenario:
    settings = Settings(
        week_start=WEEK,
        days=days,
        interval_minutes=30,
        tiers=tiers,
        staffing=Staffing(shrinkage=shrinkage),
    )
    starts = settings.horizon.starts()
    demand = pd.concat(
        [
            pd.DataFrame({"interval_start": starts, "language": code, "arrivals": rate})
            for code, rate in arrivals.items()
        ]
    )
    agent = Agent(
        agent_id="a1", tier="L1", languages=("en",), timezone="UTC", max_hours_week=40
    )
    return Scenario(settings=settings, agents=(agent,), demand=demand)


def allocation_for(scenario: Scenario, counts: dict[str, int]) -> pd.DataFrame:
    starts = scenario.horizon.starts()
    return pd.concat(
        [
            pd.DataFrame({"interval_start": starts, "queue": queue, "scheduled": count})
            for queue, count in counts.items()
        ]
    )


def single_tier(aht: float, target: float = 20 / 60, patience: float | None = None):
    return {
        "L1": TierSettings(
            aht_minutes=aht,
            target_wait_minutes=target,
            patience_minutes=patience,
            floor=0,
        )
    }


def test_acceptance_case_mttr():
    """14 servers, 10 Erlangs, AHT 3 minutes: simulated MTTR within 3% of 3.13."""
    scenario = scenario_for(single_tier(3), {"en": 100.0})
    allocation = allocation_for(scenario, {"L1-en": 14})

    result = simulate(
        scenario, allocation=allocation, replications=5, seed=0, warmup_days=1
    )

    mttr = result.mttr_minutes["overall"]
    exact = 3 + erlang_c_wait(14, 10.0, 3)
    assert mttr.mean == pytest.approx(3.13, rel=0.03)
    assert mttr.contains(exact)
    assert mttr.ci_high - mttr.ci_low < 0.03 * 3.13
    assert result.unresolved == 0


def test_stationary_matches_erlang_c():
    """Five servers at 80% load: mean wait and MTTR contain the Erlang C values."""
    scenario = scenario_for(single_tier(10, target=5), {"en": 12.0})
    allocation = allocation_for(scenario, {"L1-en": 5})

    result = simulate(
        scenario, allocation=allocation, replications=10, seed=0, warmup_days=2
    )

    wait = erlang_c_wait(5, 4.0, 10)
    assert wait == pytest.approx(5.541, abs=0.001)
    assert result.mean_wait_minutes["L1"].contains(wait)
    assert result.mttr_minutes["overall"].contains(10 + wait)
    assert result.mttr_minutes["L1"].contains(10 + wait)
    level = result.service_level["L1"]
    prob_wait = wait * (5 - 4.0) / 10
    assert level.contains(1 - prob_wait * math.exp(-(5 - 4.0) * 5 / 10))


def test_abandonment_matches_erlang_a():
    """Three servers at full load, patience 20 minutes: abandonment of M/M/3+M."""
    tiers = single_tier(10, patience=20)
    scenario = scenario_for(tiers, {"en": 9.0})
    allocation = allocation_for(scenario, {"L1-en": 3})

    result = simulate(
        scenario,
        allocation=allocation,
        replications=10,
        seed=0,
        warmup_days=1,
        abandonment=True,
    )

    expected = abandon_share_birth_death(3, 9 / 30, 10, 20)
    assert 0.05 < expected < 0.3
    assert result.abandonment_share["L1"].contains(expected)
    assert result.abandonment_share["overall"].mean == pytest.approx(
        result.abandonment_share["L1"].mean
    )
    assert result.unresolved == 0


def test_abandonment_off_by_default():
    scenario = scenario_for(single_tier(10, patience=20), {"en": 9.0})
    allocation = allocation_for(scenario, {"L1-en": 3})
    result = simulate(
        scenario, allocation=allocation, replications=2, seed=0, warmup_days=1
    )
    assert result.abandonment_share["L1"].mean == 0.0
    assert result.to_dict()["abandonment"] is False


def test_escalation_adds_next_tier_time():
    """With idle servers, MTTR is AHT at L1 plus the escalated share of L2's AHT."""
    tiers = {
        "L1": TierSettings(aht_minutes=10, escalation_rate=0.25, floor=0),
        "L2": TierSettings(aht_minutes=40, floor=0),
    }
    scenario = scenario_for(tiers, {"de": 2.0, "en": 4.0})
    allocation = allocation_for(
        scenario, {"L1-de": 40, "L1-en": 40, "L2-de": 40, "L2-en": 40}
    )

    result = simulate(
        scenario, allocation=allocation, replications=6, seed=1, warmup_days=1
    )

    assert result.mttr_minutes["overall"].contains(10 + 0.25 * 40)
    assert result.mttr_minutes["L1"].contains(10)
    assert result.mttr_minutes["L2"].contains(50)
    assert set(result.mttr_by_language) == {"de", "en"}
    assert result.mean_wait_minutes["L2"].mean == 0.0
    assert result.service_level["overall"].mean == 1.0


def test_fractional_servers_average_capacity():
    """2.5 effective servers (5 agents at 50% shrinkage) sit between 2 and 3 servers."""
    tiers = single_tier(10, target=5)
    half = scenario_for(tiers, {"en": 6.0}, shrinkage=0.5)
    whole = scenario_for(tiers, {"en": 6.0})

    mixed = simulate(
        half, allocation=allocation_for(half, {"L1-en": 5}), replications=4
    )
    two = simulate(
        whole, allocation=allocation_for(whole, {"L1-en": 2}), replications=4
    )
    three = simulate(
        whole, allocation=allocation_for(whole, {"L1-en": 3}), replications=4
    )

    assert three.mean_wait_minutes["L1"].mean < mixed.mean_wait_minutes["L1"].mean
    assert mixed.mean_wait_minutes["L1"].mean < two.mean_wait_minutes["L1"].mean


def test_same_seed_same_result():
    tiers = {
        "L1": TierSettings(aht_minutes=10, escalation_rate=0.3, floor=0),
        "L2": TierSettings(aht_minutes=30, floor=0),
    }
    scenario = scenario_for(tiers, {"en": 8.0}, days=2)
    allocation = allocation_for(scenario, {"L1-en": 4, "L2-en": 2})

    first = simulate(scenario, allocation=allocation, replications=3, seed=7)
    second = simulate(scenario, allocation=allocation, replications=3, seed=7)
    other = simulate(scenario, allocation=allocation, replications=3, seed=8)

    pd.testing.assert_frame_equal(first.per_replication, second.per_replication)
    assert not first.per_replication.equals(other.per_replication)


def test_unstaffed_queue_leaves_tickets_open():
    tiers = {
        "L1": TierSettings(aht_minutes=10, escalation_rate=0.2, floor=0),
        "L2": TierSettings(aht_minutes=30, floor=0),
    }
    scenario = scenario_for(tiers, {"en": 2.0}, days=1)
    allocation = allocation_for(scenario, {"L1-en": 2})

    result = simulate(scenario, allocation=allocation, replications=2, seed=0)

    assert result.unresolved > 0
    assert math.isinf(result.mttr_minutes["overall"].mean)
    assert result.to_dict()["mttr_minutes"]["overall"]["mean"] is None
    assert math.isfinite(result.mttr_minutes["L1"].mean) is False


def test_invalid_arguments_raise():
    scenario = scenario_for(single_tier(10), {"en": 1.0}, days=1)
    allocation = allocation_for(scenario, {"L1-en": 1})
    with pytest.raises(ValueError, match="replications"):
        simulate(scenario, allocation=allocation, replications=0)
    with pytest.raises(ValueError, match="shifts or an allocation"):
        simulate(scenario)
    with pytest.raises(ValueError, match="warmup_days"):
        simulate(scenario, allocation=allocation, warmup_days=-1)


def test_estimate_interval_uses_t_distribution():
    values = [1.0, 2.0, 3.0, 4.0]
    estimate = Estimate.from_values(values)
    half = 3.182446305284263 * np.std(values, ddof=1) / 2
    assert estimate.mean == 2.5
    assert estimate.ci_low == pytest.approx(2.5 - half)
    assert estimate.ci_high == pytest.approx(2.5 + half)
