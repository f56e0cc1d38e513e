"""Projection and fast MTTR estimate, checked against closed forms and simulation."""

from __future__ import annotations

import math
from datetime import date, time, timedelta

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.model import Agent, Scenario, Settings, Staffing, TierSettings
from planner.mttr import estimate, fluid_queue, virtual_wait
from planner.projection import project
from planner.shifts import make_shift
from planner.simulation import simulate

WEEK = date(2027, 3, 22)


def erlang_c_reference(servers: int, load: float) -> tuple[float, float]:
    """Return (P(wait), mean wait in AHT units) of M/M/c from the textbook sums."""
    with mpmath.workdps(40):
        a = mpmath.mpf(load)
        terms = sum(a**k / mpmath.factorial(k) for k in range(servers))
        top = a**servers / mpmath.factorial(servers) * servers / (servers - a)
        prob_wait = top / (terms + top)
        return float(prob_wait), float(prob_wait / (servers - a))


def one_tier_scenario(
    arrivals: float,
    aht: float,
    shrinkage: float = 0.0,
    target_wait: float = 20 / 60,
    floor: int = 0,
    days: int = 7,
) -> Scenario:
    settings = Settings(
        week_start=WEEK,
        days=days,
        interval_minutes=30,
        tiers={
            "L1": TierSettings(
                aht_minutes=aht,
                target_wait_minutes=target_wait,
                escalation_rate=0.0,
                floor=floor,
            )
        },
        staffing=Staffing(shrinkage=shrinkage, max_occupancy=1.0),
    )
    demand = pd.DataFrame(
        {
            "interval_start": settings.horizon.starts(),
            "language": "en",
            "arrivals": arrivals,
        }
    )
    agent = Agent(
        agent_id="a1", tier="L1", languages=("en",), timezone="UTC", max_hours_week=40
    )
    return Scenario(settings=settings, agents=(agent,), demand=demand)


def two_tier_scenario(l2_aht: float = 20.0) -> Scenario:
    settings = Settings(
        week_start=WEEK,
        days=7,
        interval_minutes=30,
        tiers={
            "L1": TierSettings(
                aht_minutes=10, target_wait_minutes=10, escalation_rate=0.2, floor=0
            ),
            "L2": TierSettings(aht_minutes=l2_aht, target_wait_minutes=60, floor=0),
        },
        staffing=Staffing(shrinkage=0.0),
    )
    demand = pd.DataFrame(
        {
            "interval_start": settings.horizon.starts(),
            "language": "en",
            "arrivals": 12.0,
        }
    )
    agent = Agent(
        agent_id="a1", tier="L1", languages=("en",), timezone="UTC", max_hours_week=40
    )
    return Scenario(settings=settings, agents=(agent,), demand=demand)


def flat_allocation(scenario: Scenario, queue: str, agents) -> pd.DataFrame:
    starts = scenario.horizon.starts()
    return pd.DataFrame({"interval_start": starts, "queue": queue, "scheduled": agents})


def requirement(scenario: Scenario, queue: str, required: int) -> pd.DataFrame:
    starts = scenario.horizon.starts()
    return pd.DataFrame(
        {"interval_start": starts, "queue": queue, "required": required}
    )


def round_the_clock_shifts(scenario: Scenario, per_block: int) -> list:
    """``per_block`` agents in each of three daily 8-hour UTC blocks, every day."""
    shifts = []
    for block in range(3):
        for k in range(per_block):
            agent_id = f"b{block}-{k}"
            for day in range(scenario.settings.days):
                shifts.append(
                    make_shift(
                        agent_id, "UTC", WEEK + timedelta(days=day), time(8 * block), 8
                    )
                )
    return shifts


def with_agents(scenario: Scenario, shifts: list) -> Scenario:
    ids = sorted({shift.agent_id for shift in shifts})
    agents = tuple(
        Agent(
            agent_id=agent_id,
            tier="L1",
            languages=("en",),
            timezone="UTC",
            max_hours_week=60,
            max_days_week=7,
            night_ok=True,
            cost_per_hour=2.5,
        )
        for agent_id in ids
    )
    return scenario.model_copy(update={"agents": agents})


def test_acceptance_case_mttr():
    """14 agents, 10 Erlangs, 3-minute AHT: MTTR 3.13 minutes."""
    scenario = one_tier_scenario(arrivals=100, aht=3)
    shifts = round_the_clock_shifts(scenario, 14)
    scenario = with_agents(scenario, shifts)
    allocation = flat_allocation(scenario, "L1-en", 14)
    requirements = requirement(scenario, "L1-en", 14)

    projection = project(scenario, shifts, requirements, allocation)

    _, wait = erlang_c_reference(14, 10.0)
    exact = 3.0 + 3.0 * wait
    assert exact == pytest.approx(3.13, abs=0.005)
    assert projection.kpis["mttr_minutes"]["overall"] == pytest.approx(3.13, rel=0.03)
    assert projection.kpis["mttr_minutes"]["overall"] == pytest.approx(exact, rel=1e-3)
    assert projection.kpis["mttr_minutes"]["L1"] == pytest.approx(exact, rel=1e-3)
    assert projection.kpis["mttr_minutes"]["L2"] is None


def test_queue_rows_match_published_values():
    """Published calculator figures: SL 0.888 within 20 s, occupancy 0.714."""
    scenario = one_tier_scenario(arrivals=100, aht=3)
    shifts = round_the_clock_shifts(scenario, 14)
    scenario = with_agents(scenario, shifts)
    allocation = flat_allocation(scenario, "L1-en", 14)
    projection = project(
        scenario, shifts, requirement(scenario, "L1-en", 14), allocation
    )

    rows = projection.coverage[projection.coverage["queue"] == "L1-en"]
    _, wait = erlang_c_reference(14, 10.0)
    assert len(rows) == scenario.horizon.n_intervals
    assert rows["service_level"].to_numpy() == pytest.approx(0.888, abs=0.0005)
    assert rows["occupancy"].to_numpy() == pytest.approx(10 / 14, abs=1e-9)
    assert rows["asa_minutes"].to_numpy() == pytest.approx(3 * wait, rel=1e-6)
    assert (rows["backlog"] == 0).all()
    assert projection.kpis["service_level"]["overall"] == pytest.approx(
        0.888, abs=0.0005
    )


def test_coverage_columns_in_order():
    scenario = one_tier_scenario(arrivals=100, aht=3)
    shifts = round_the_clock_shifts(scenario, 14)
    scenario = with_agents(scenario, shifts)
    allocation = flat_allocation(scenario, "L1-en", 14)
    projection = project(
        scenario, shifts, requirement(scenario, "L1-en", 14), allocation
    )

    expected = ["interval_start", "queue", "required", "scheduled", "gap"]
    assert list(projection.coverage.columns[:5]) == expected
    extra = ["service_level", "asa_minutes", "occupancy", "backlog"]
    assert list(projection.coverage.columns[5:]) == extra
    tier_rows = projection.coverage[projection.coverage["queue"] == "L1"]
    assert (tier_rows["scheduled"] == 14).all()


def test_shrinkage_reduces_servers():
    """20 agents at 30% shrinkage handle like 14 agents without shrinkage."""
    plain = one_tier_scenario(arrivals=100, aht=3)
    shrunk = one_tier_scenario(arrivals=100, aht=3, shrinkage=0.3)
    first = estimate(plain, flat_allocation(plain, "L1-en", 14))
    second = estimate(shrunk, flat_allocation(shrunk, "L1-en", 20))
    assert second.mttr_minutes["overall"] == pytest.approx(
        first.mttr_minutes["overall"]
    )
    assert second.service_level["L1"] == pytest.approx(first.service_level["L1"])


def test_fractional_servers_mix_neighbours():
    """14.5 effective servers: the mean of the figures for 14 and 15 servers."""
    scenario = one_tier_scenario(arrivals=100, aht=3, shrinkage=0.5)
    flow = estimate(scenario, flat_allocation(scenario, "L1-en", 29))
    _, wait14 = erlang_c_reference(14, 10.0)
    _, wait15 = erlang_c_reference(15, 10.0)
    expected = 3.0 + 3.0 * (wait14 + wait15) / 2
    assert flow.mttr_minutes["overall"] == pytest.approx(expected, rel=1e-3)


def test_kpis_cost_hours_and_floor():
    scenario = one_tier_scenario(arrivals=100, aht=3, floor=14)
    shifts = round_the_clock_shifts(scenario, 14)
    shifts = [s for s in shifts if not (s.agent_id == "b0-0" and s.date_local == WEEK)]
    scenario = with_agents(scenario, shifts)
    allocation = flat_allocation(scenario, "L1-en", 14)

    projection = project(
        scenario, shifts, requirement(scenario, "L1-en", 14), allocation
    )

    assert projection.kpis["paid_hours"] == pytest.approx(8 * len(shifts))
    assert projection.kpis["cost"] == pytest.approx(2.5 * 8 * len(shifts))
    # One agent off from 00:00 to 08:00 on Monday: 16 half-hour intervals at 13 of 14.
    assert projection.kpis["intervals_below_floor"] == 16
    assert projection.kpis["intervals_below_requirement"] == 16


def test_no_staff_at_night_waits_for_morning():
    """L1 empty 00:00-08:00 UTC: night tickets wait for the morning shift."""
    scenario = one_tier_scenario(arrivals=6, aht=10, target_wait=15)
    starts = scenario.horizon.starts()
    agents = np.where(starts.hour < 8, 0, 6)
    allocation = flat_allocation(scenario, "L1-en", agents)
    flow = estimate(scenario, allocation)

    night = flow.tiers["L1"].wait[flow.measured][: 8 * 6 * 2]
    # A ticket arriving at 00:02:30 waits nearly until 08:00.
    assert night[0, 0] == pytest.approx(480 - 2.5, abs=5)
    # Mean over a night: half the night plus time to work off the queue ahead.
    assert night.mean() > 240
    assert flow.service_level["L1"] < 0.7
    assert flow.mttr_minutes["overall"] > 80


def test_gap_case_agrees_with_simulation():
    """No L2 agent at night: estimate and simulation show the same long L2 MTTR."""
    scenario = two_tier_scenario()
    starts = scenario.horizon.starts()
    day = (starts.hour >= 8) & (starts.hour < 16)
    gap = pd.concat(
        [
            flat_allocation(scenario, "L1-en", 6),
            flat_allocation(scenario, "L2-en", np.where(day, 8, 0)),
        ]
    )
    round_the_clock = pd.concat(
        [flat_allocation(scenario, "L1-en", 6), flat_allocation(scenario, "L2-en", 3)]
    )

    estimated = estimate(scenario, gap).mttr_minutes
    simulated = simulate(scenario, allocation=gap, replications=8, seed=3).mttr_minutes
    covered = estimate(scenario, round_the_clock).mttr_minutes

    assert estimated["L2"] > 5 * covered["L2"]
    assert simulated["L2"].ci_low > 5 * covered["L2"]
    assert estimated["L2"] == pytest.approx(simulated["L2"].mean, rel=0.05)
    assert estimated["overall"] == pytest.approx(simulated["overall"].mean, rel=0.05)
    assert estimated["L1"] == pytest.approx(simulated["L1"].mean, rel=0.03)


def test_unserved_queue_is_reported():
    scenario = two_tier_scenario()
    allocation = flat_allocation(scenario, "L1-en", 6)
    flow = estimate(scenario, allocation)
    assert flow.unserved_queues == ["L2-en"]
    assert math.isinf(flow.mttr_minutes["L2"])
    assert math.isfinite(flow.mttr_minutes["L1"])


def test_unserved_queue_kpis_are_none():
    scenario = two_tier_scenario()
    shifts = [make_shift("a1", "UTC", WEEK, time(0), 8)]
    allocation = flat_allocation(scenario, "L1-en", 6)
    requirements = pd.concat(
        [requirement(scenario, "L1-en", 6), requirement(scenario, "L2-en", 1)]
    )
    projection = project(scenario, shifts, requirements, allocation)
    assert projection.kpis["mttr_minutes"]["L2"] is None
    assert projection.kpis["mttr_minutes"]["overall"] is None
    assert projection.kpis["mttr_minutes"]["L1"] > 10
    assert projection.kpis["unserved_queues"] == ["L2-en"]


def lindley_loop(
    inflow: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    backlog = np.zeros_like(inflow)
    started = np.zeros_like(inflow)
    waiting = np.zeros(inflow.shape[1])
    for k in range(len(inflow)):
        available = waiting + inflow[k]
        started[k] = np.minimum(available, capacity[k])
        waiting = available - started[k]
        backlog[k] = waiting
    return backlog, started


amounts = st.lists(st.floats(0, 20, allow_nan=False), min_size=2, max_size=60)


@settings(max_examples=40, deadline=None)
@given(amounts, st.data())
def test_fluid_queue_matches_loop(inflow, data):
    capacity = data.draw(
        st.lists(st.floats(0, 20), min_size=len(inflow), max_size=len(inflow))
    )
    inflow_array = np.asarray(inflow)[:, None]
    capacity_array = np.asarray(capacity)[:, None]

    backlog, started = fluid_queue(inflow_array, capacity_array)
    expected_backlog, expected_started = lindley_loop(inflow_array, capacity_array)

    assert backlog == pytest.approx(expected_backlog, abs=1e-7)
    assert started == pytest.approx(expected_started, abs=1e-7)
    assert (started <= capacity_array + 1e-9).all()
    total = started.sum() + backlog[-1, 0]
    assert total == pytest.approx(inflow_array.sum(), abs=1e-6)


def fine_grid_wait(inflow: np.ndarray, capacity: np.ndarray, step: int) -> float:
    """FIFO wait at the middle of ``step`` from a fluid on a 400 times finer grid."""
    fine = 400
    arriving = np.repeat(inflow / fine, fine)
    serving = np.repeat(capacity / fine, fine)
    waiting = 0.0
    departed = [0.0]
    for amount, limit in zip(arriving, serving):
        start = min(waiting + amount, limit)
        waiting += amount - start
        departed.append(departed[-1] + start)
    place = inflow[:step].sum() + inflow[step] / 2
    index = int(np.searchsorted(departed, place - 1e-12, side="left"))
    if index > len(arriving):
        return math.inf
    low, high = departed[index - 1], departed[index]
    fraction = (place - low) / (high - low) if high > low else 0.0
    start_time = (index - 1 + fraction) * 5.0 / fine
    return max(start_time - (step + 0.5) * 5.0, 0.0)


@settings(max_examples=30, deadline=None)
@given(amounts, st.data())
def test_virtual_wait_matches_fine_grid(inflow, data):
    """The fluid FIFO wait agrees with the same fluid on a much finer grid."""
    capacity = data.draw(
        st.lists(st.floats(0, 20), min_size=len(inflow), max_size=len(inflow))
    )
    inflow_array = np.asarray(inflow + [0.0] * 5)[:, None]
    capacity_array = np.asarray(capacity + [1e6] * 5)[:, None]
    _, started = fluid_queue(inflow_array, capacity_array)
    wait = virtual_wait(inflow_array, started, capacity_array)

    assert (wait >= 0).all()
    assert np.isfinite(wait).all()
    for k in range(len(inflow)):
        if inflow[k] > 1e-6:
            expected = fine_grid_wait(inflow_array[:, 0], capacity_array[:, 0], k)
            assert wait[k, 0] == pytest.approx(expected, abs=0.05)


def test_virtual_wait_waits_for_opening():
    """An arrival while nobody is on shift waits for the shift, backlog or not."""
    inflow = np.zeros((6, 1))
    capacity = np.array([[0.0], [0.0], [0.0], [2.0], [2.0], [2.0]])
    _, started = fluid_queue(inflow, capacity)
    wait = virtual_wait(inflow, started, capacity)

    assert wait[0, 0] == pytest.approx(12.5)
    assert wait[2, 0] == pytest.approx(2.5)
    assert wait[4, 0] == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 12), st.integers(0, 12))
def test_more_agents_never_raise_mttr(extra_day, extra_night):
    scenario = two_tier_scenario()
    starts = scenario.horizon.starts()
    night = starts.hour < 8
    base = np.where(night, 2, 5)
    l2 = np.where(night, 1, 3)

    def mttr(l1_agents):
        allocation = pd.concat(
            [
                flat_allocation(scenario, "L1-en", l1_agents),
                flat_allocation(scenario, "L2-en", l2),
            ]
        )
        return estimate(scenario, allocation).mttr_minutes["overall"]

    more = base + np.where(night, extra_night, extra_day)
    assert mttr(more) <= mttr(base) + 1e-9


def test_project_defaults_match_explicit_inputs():
    """Without requirements and allocation, project computes both itself."""
    from planner.requirements import compute_requirements
    from solver import allocate

    scenario = one_tier_scenario(arrivals=20, aht=6, target_wait=5, days=2)
    shifts = round_the_clock_shifts(scenario, 4)
    scenario = with_agents(scenario, shifts)

    implicit = project(scenario, shifts)
    requirements = compute_requirements(scenario)
    explicit = project(
        scenario, shifts, requirements, allocate(scenario, requirements, shifts)
    )

    pd.testing.assert_frame_equal(implicit.coverage, explicit.coverage)
    assert implicit.kpis == explicit.kpis
    assert implicit.kpis["mttr_minutes"]["overall"] > 6
