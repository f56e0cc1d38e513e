"""Erlang A against a numerically solved birth-death chain and a simulation."""

from __future__ import annotations

import heapq

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.linalg import expm

from planner.erlang import agents_needed, asa_c, erlang_c, service_level_c
from planner.erlang_a import (
    asa_a,
    erlang_a_prob_abandon,
    erlang_a_prob_wait,
    occupancy_a,
    service_level_a,
)


def birth_death_reference(servers, load, aht, patience, target_wait, queue_cap=3000):
    """Solve the truncated M/M/N+M chain and the wait of each queue position.

    An arrival finding j tickets queued waits for j + 1 moves of the queue, each
    exponential with rate N mu + k theta; it is served if its patience outlasts
    that wait. The wait distribution comes from a phase-type matrix exponential.
    """
    mu, theta = 1 / aht, 1 / patience
    arrival_rate = load * mu
    size = servers + queue_cap

    log_p = np.zeros(size)
    for n in range(1, size):
        departures = min(n, servers) * mu + max(n - servers, 0) * theta
        log_p[n] = log_p[n - 1] + np.log(arrival_rate / departures)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()

    # Queue positions that carry probability; position k moves to k - 1 at rate
    # N mu + k theta. Tilting every rate by theta weighs each path by the chance
    # that patience outlasts it.
    queued = p[servers:]
    positions = int(np.nonzero(queued > 1e-18)[0].max()) + 1
    rates = servers * mu + theta * np.arange(positions)
    tilted = rates + theta
    generator = np.diag(-tilted) + np.diag(tilted[1:], -1)
    done_by_target = 1 - expm(generator * target_wait) @ np.ones(positions)
    survive = np.cumprod(rates / tilted)
    mean_wait = np.cumsum(1 / tilted)

    weights = queued[:positions] * survive
    served = p[:servers].sum() + weights.sum()
    within = p[:servers].sum() + np.sum(weights * done_by_target)
    waited = np.sum(weights * mean_wait)
    return {
        "prob_wait": p[servers:].sum(),
        "prob_abandon": 1 - served,
        "service_level": within,
        "asa": waited / served,
    }


CASES = [
    # servers, load, aht, patience, target_wait
    (5, 4.0, 3.0, 2.0, 0.5),
    (3, 4.0, 3.0, 10.0, 1.0),
    (10, 12.0, 5.0, 3.0, 1.0),
    (1, 0.5, 1.0, 1.0, 0.2),
    (20, 15.5, 12.0, 30.0, 15.0),
]


@pytest.mark.parametrize(("servers", "load", "aht", "patience", "wait"), CASES)
def test_erlang_a_matches_birth_death_chain(servers, load, aht, patience, wait):
    expected = birth_death_reference(servers, load, aht, patience, wait)

    assert_allclose(
        erlang_a_prob_wait(servers, load, aht, patience),
        expected["prob_wait"],
        rtol=1e-9,
    )
    assert_allclose(
        erlang_a_prob_abandon(servers, load, aht, patience),
        expected["prob_abandon"],
        rtol=1e-9,
    )
    assert_allclose(
        service_level_a(servers, load, aht, wait, patience),
        expected["service_level"],
        rtol=1e-9,
    )
    assert_allclose(asa_a(servers, load, aht, patience), expected["asa"], rtol=1e-6)


def simulate_mm_n_m(servers, load, aht, patience, target_wait, arrivals, seed):
    """Simulate a first-come-first-served queue with exponential patience.

    Each arrival's offered wait depends only on the arrivals before it, so the
    arrivals are processed in order against a heap of agent free times.
    """
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(aht / load, arrivals))
    handles = rng.exponential(aht, arrivals)
    patiences = rng.exponential(patience, arrivals)
    free_at = [0.0] * servers

    waited_any = abandoned = within = 0
    served_waits = []
    for arrival, handle, limit in zip(times, handles, patiences):
        start = max(arrival, free_at[0])
        wait = start - arrival
        if wait > 0:
            waited_any += 1
        if wait > limit:
            abandoned += 1
            continue
        heapq.heapreplace(free_at, start + handle)
        served_waits.append(wait)
        within += wait <= target_wait
    return {
        "prob_wait": waited_any / arrivals,
        "prob_abandon": abandoned / arrivals,
        "service_level": within / arrivals,
        "asa": float(np.mean(served_waits)),
    }


def test_erlang_a_matches_simulation():
    servers, load, aht, patience, wait = 8, 8.5, 6.0, 4.0, 1.0
    simulated = simulate_mm_n_m(servers, load, aht, patience, wait, 200_000, seed=7)

    assert erlang_a_prob_wait(servers, load, aht, patience) == pytest.approx(
        simulated["prob_wait"], abs=0.01
    )
    assert erlang_a_prob_abandon(servers, load, aht, patience) == pytest.approx(
        simulated["prob_abandon"], abs=0.01
    )
    assert service_level_a(servers, load, aht, wait, patience) == pytest.approx(
        simulated["service_level"], abs=0.01
    )
    assert asa_a(servers, load, aht, patience) == pytest.approx(
        simulated["asa"], rel=0.03
    )


def test_erlang_a_long_patience_approaches_erlang_c():
    servers, load, aht, wait = 14, 10.0, 3.0, 1 / 3
    level = service_level_a(servers, load, aht, wait, patience=1e7)
    assert level == pytest.approx(service_level_c(servers, load, aht, wait), abs=1e-5)
    assert erlang_a_prob_wait(servers, load, aht, 1e7) == pytest.approx(
        erlang_c(servers, load), abs=1e-5
    )
    assert asa_a(servers, load, aht, 1e7) == pytest.approx(
        asa_c(servers, load, aht), rel=1e-4
    )


def erlang_c_level_mpmath(servers: int, load: float, aht: float, wait: float) -> float:
    """Erlang C service level at 50 digits, from the Erlang B sum."""
    with mpmath.workdps(50):
        a = mpmath.mpf(load)
        terms = [a**k / mpmath.factorial(k) for k in range(servers + 1)]
        blocking = terms[-1] / mpmath.fsum(terms)
        waiting = servers * blocking / (servers - a * (1 - blocking))
        return float(1 - waiting * mpmath.exp(-(servers - a) * wait / aht))


@pytest.mark.parametrize("patience_in_aht", [1e9, 1e12, 1e15])
@pytest.mark.parametrize(
    ("servers", "load", "wait"), [(10, 8.0, 0.5), (100, 95.0, 0.2), (3, 1.0, 2.0)]
)
def test_erlang_a_huge_patience_level_is_erlang_c(servers, load, wait, patience_in_aht):
    aht = 2.0
    level = service_level_a(servers, load, aht, wait * aht, patience_in_aht * aht)
    expected = erlang_c_level_mpmath(servers, load, aht, wait * aht)
    assert level == pytest.approx(expected, abs=1e-6)


def test_erlang_a_overloaded_stays_finite():
    servers = np.array([1, 50, 900, 1000, 1100])
    for name, values in {
        "prob_wait": erlang_a_prob_wait(servers, 1000.0, 5.0, 2.0),
        "prob_abandon": erlang_a_prob_abandon(servers, 1000.0, 5.0, 2.0),
        "service_level": service_level_a(servers, 1000.0, 5.0, 1.0, 2.0),
        "occupancy": occupancy_a(servers, 1000.0, 5.0, 2.0),
    }.items():
        assert np.all(np.isfinite(values)), name
        assert np.all((values >= 0) & (values <= 1)), name
    assert np.all(np.isfinite(asa_a(servers, 1000.0, 5.0, 2.0)))


def test_erlang_a_large_load_matches_birth_death():
    expected = birth_death_reference(1000, 1000.0, 5.0, 2.0, 0.1, queue_cap=2000)
    assert_allclose(
        erlang_a_prob_wait(1000, 1000.0, 5.0, 2.0), expected["prob_wait"], rtol=1e-7
    )
    assert_allclose(
        service_level_a(1000, 1000.0, 5.0, 0.1, 2.0),
        expected["service_level"],
        rtol=1e-7,
    )


def test_erlang_a_edges():
    assert erlang_a_prob_wait(0, 3.0, 5.0, 2.0) == 1.0
    assert erlang_a_prob_abandon(0, 3.0, 5.0, 2.0) == 1.0
    assert service_level_a(0, 3.0, 5.0, 1.0, 2.0) == 0.0
    assert asa_a(0, 3.0, 5.0, 2.0) == np.inf
    assert erlang_a_prob_wait(4, 0.0, 5.0, 2.0) == 0.0
    assert service_level_a(0, 0.0, 5.0, 1.0, 2.0) == 1.0
    assert asa_a(4, 0.0, 5.0, 2.0) == 0.0


def test_agents_needed_with_patience():
    load, aht, wait, patience = 10.0, 3.0, 1 / 3, 2.0
    needed = agents_needed(load, aht, wait, 0.8, 1.0, patience=patience)
    assert service_level_a(needed, load, aht, wait, patience) >= 0.8
    assert service_level_a(needed - 1, load, aht, wait, patience) < 0.8


def test_agents_needed_patience_vectorised():
    loads = np.array([0.0, 0.5, 4.0, 40.0, 400.0])
    vector = agents_needed(loads, 10.0, 2.0, 0.85, 0.9, patience=5.0)
    scalar = [
        agents_needed(float(a), 10.0, 2.0, 0.85, 0.9, patience=5.0) for a in loads
    ]
    assert vector.tolist() == scalar


@settings(max_examples=30, deadline=None)
@given(
    load=st.floats(0.05, 200.0),
    patience=st.floats(0.1, 100.0),
    wait=st.floats(0.0, 20.0),
)
def test_erlang_a_invariants(load, patience, wait):
    servers = np.arange(0, int(load * 1.5) + 5)
    level = service_level_a(servers, load, 4.0, wait, patience)
    prob_wait = erlang_a_prob_wait(servers, load, 4.0, patience)
    abandon = erlang_a_prob_abandon(servers, load, 4.0, patience)

    assert np.all(np.diff(level) >= -1e-9)
    assert np.all((level >= 0) & (level <= 1))
    assert np.all((prob_wait >= 0) & (prob_wait <= 1))
    assert np.all(abandon <= prob_wait + 1e-12)
    assert np.all(level <= 1 - abandon + 1e-12)


def test_erlang_a_names_reachable_from_erlang():
    from planner import erlang, erlang_a

    assert erlang.service_level_a is erlang_a.service_level_a
    assert erlang.asa_a is erlang_a.asa_a
    with pytest.raises(AttributeError):
        _ = erlang.erlang_z


@settings(max_examples=30, deadline=None)
@given(
    load=st.floats(0.01, 300.0),
    patience=st.floats(0.2, 50.0),
    wait=st.floats(0.0, 10.0),
    target=st.floats(0.0, 0.95),
)
def test_agents_needed_patience_minimal(load, patience, wait, target):
    needed = agents_needed(load, 4.0, wait, target, 1.0, patience=patience)
    assert service_level_a(needed, load, 4.0, wait, patience) >= target - 1e-12

    fewer = needed - 1
    fails_level = service_level_a(fewer, load, 4.0, wait, patience) < target - 1e-12
    fails_cap = fewer == 0 or load / fewer > 1.0 + 1e-9
    assert fails_level or fails_cap
