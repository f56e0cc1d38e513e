"""Erlang B and C against published values, exact fractions and mpmath."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from planner.erlang import (
    agents_needed,
    asa_c,
    erlang_b,
    erlang_c,
    occupancy,
    service_level_c,
)


def erlang_b_fraction(servers: int, load: Fraction) -> Fraction:
    """Erlang B by its defining recursion B(n) = A B(n-1) / (n + A B(n-1)), exactly."""
    blocking = Fraction(1)
    for n in range(1, servers + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_b_mpmath(servers: int, load: float) -> mpmath.mpf:
    """Erlang B as the truncated Poisson ratio, summed term by term at 50 digits."""
    with mpmath.workdps(50):
        a = mpmath.mpf(load)
        terms = [mpmath.mpf(1)]
        for k in range(1, servers + 1):
            terms.append(terms[-1] * a / k)
        return terms[-1] / mpmath.fsum(terms)


def erlang_c_mpmath(servers: int, load: float) -> mpmath.mpf:
    with mpmath.workdps(50):
        b = erlang_b_mpmath(servers, load)
        a = mpmath.mpf(load)
        return servers * b / (servers - a * (1 - b))


# Published call-centre example: 100 tickets per 30 minutes, AHT 3 minutes,
# 80% within 20 seconds, occupancy cap 85%, shrinkage 30%.


def test_published_example_values():
    load = 100 * 3 / 30
    assert load == 10

    assert round(erlang_c(14, load), 3) == 0.174
    assert round(service_level_c(14, load, 3, 20 / 60), 3) == 0.888
    assert round(occupancy(14, load), 3) == 0.714


def test_published_example_agents():
    needed = agents_needed(
        10.0, aht=3, target_wait=20 / 60, service_level=0.8, max_occupancy=0.85
    )
    assert needed == 14
    assert service_level_c(13, 10.0, 3, 20 / 60) < 0.8


@pytest.mark.parametrize(
    ("servers", "load", "expected"),
    [(10, 5, 0.01838), (1, 1, 0.5), (5, 2, 0.03670)],
)
def test_erlang_b_table_values(servers, load, expected):
    assert erlang_b(servers, load) == pytest.approx(expected, abs=5e-6)


@pytest.mark.parametrize(
    ("servers", "load"),
    [
        (1, Fraction(1, 2)),
        (7, Fraction(3)),
        (12, Fraction(23, 2)),
        (30, Fraction(45)),
        (60, Fraction(20)),
    ],
)
def test_erlang_b_exact_fractions(servers, load):
    expected = float(erlang_b_fraction(servers, load))
    assert_allclose(erlang_b(servers, float(load)), expected, rtol=1e-12)


@pytest.mark.parametrize("load", [1000.0, 5000.0, 10000.0])
def test_erlang_b_large_load_mpmath(load):
    servers = np.array([int(load * f) for f in (0.5, 0.9, 0.98, 1.0, 1.02, 1.1, 1.3)])
    expected = [float(erlang_b_mpmath(int(n), load)) for n in servers]
    assert_allclose(erlang_b(servers, load), expected, rtol=1e-9)


@pytest.mark.parametrize("load", [1000.0, 5000.0])
def test_erlang_c_large_load_mpmath(load):
    servers = np.array([int(load) + k for k in (1, 5, 20, 60, 150)])
    expected = [float(erlang_c_mpmath(int(n), load)) for n in servers]
    assert_allclose(erlang_c(servers, load), expected, rtol=1e-9)


def test_erlang_b_far_overload_uses_series():
    # The Poisson distribution function underflows here; B tends to 1 - N/A.
    expected = float(erlang_b_mpmath(100, 10000.0))
    assert_allclose(erlang_b(100, 10000.0), expected, rtol=1e-12)


def test_erlang_b_broadcasts():
    values = erlang_b(np.array([[1], [10]]), np.array([1.0, 5.0, 20.0]))
    assert values.shape == (2, 3)
    assert values[0, 0] == pytest.approx(0.5)


def test_overload_erlang_c():
    servers = np.array([0, 5, 10])
    assert_allclose(erlang_c(servers, 10.0), 1.0)
    assert_allclose(service_level_c(servers, 10.0, 3, 1), 0.0)
    assert np.all(np.isinf(asa_c(servers, 10.0, 3)))
    assert_allclose(occupancy(servers, 10.0), 1.0)


def test_zero_load():
    servers = np.array([0, 1, 7])
    assert_allclose(erlang_c(servers, 0.0), 0.0)
    assert_allclose(service_level_c(servers, 0.0, 3, 0.5), 1.0)
    assert_allclose(asa_c(servers, 0.0, 3), 0.0)
    assert_allclose(occupancy(servers, 0.0), 0.0)
    assert erlang_b(0, 0.0) == 1.0
    assert erlang_b(3, 0.0) == 0.0


def test_fractional_load_between_integers():
    b = erlang_b(3, np.array([2.4, 2.5, 2.6]))
    assert np.all(np.diff(b) > 0)
    assert_allclose(b[1], float(erlang_b_fraction(3, Fraction(5, 2))), rtol=1e-12)


def test_asa_formula_published_example():
    # ASA = C * AHT / (N - A): 0.17413 * 3 min / 4 = 0.1306 min (7.8 s).
    assert asa_c(14, 10.0, 3) == pytest.approx(0.174132 * 3 / 4, rel=1e-5)


def test_invalid_servers_rejected():
    with pytest.raises(ValueError, match="whole numbers"):
        erlang_b(2.5, 1.0)
    with pytest.raises(ValueError, match="load"):
        erlang_c(3, -1.0)


def test_agents_needed_zero_load():
    assert agents_needed(0.0, 3, 0.3, 0.8, 0.85) == 0


def test_agents_needed_long_target_wait():
    # With hours of target wait any stable queue qualifies: the smallest is floor(A) + 1.
    assert agents_needed(10.0, 3, 600, 0.8, 1.0) == 11
    assert agents_needed(10.5, 3, 600, 0.95, 1.0) == 11


def test_agents_needed_occupancy_bound():
    # 85% cap on 10 Erlangs needs ceil(11.76) = 12 even if the target wait is long.
    assert agents_needed(10.0, 3, 600, 0.8, 0.85) == 12
    # 17 Erlangs at 85% is exactly 20: no extra agent from rounding noise.
    assert agents_needed(17.0, 3, 600, 0.8, 0.85) == 20


def test_agents_needed_vectorised_matches_scalar():
    loads = np.array([0.0, 0.3, 2.0, 10.0, 55.5, 400.0, 2500.0])
    vector = agents_needed(loads, 5, 1, 0.9, 0.9)
    scalar = [agents_needed(float(a), 5, 1, 0.9, 0.9) for a in loads]
    assert vector.tolist() == scalar


def test_agents_needed_ten_thousand_erlangs():
    needed = agents_needed(10000.0, 3, 20 / 60, 0.8, 1.0)
    assert service_level_c(needed, 10000.0, 3, 20 / 60) >= 0.8
    assert service_level_c(needed - 1, 10000.0, 3, 20 / 60) < 0.8


loads = st.floats(min_value=0.01, max_value=300.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(load=loads, extra=st.integers(0, 60))
def test_service_level_monotone_in_servers(load, extra):
    servers = np.arange(int(load) + 1, int(load) + 2 + extra)
    level = service_level_c(servers, load, 4.0, 0.5)
    assert np.all(np.diff(level) >= -1e-12)
    assert np.all((level >= 0) & (level <= 1))


@settings(max_examples=40, deadline=None)
@given(load=st.floats(0.0, 3000.0), servers=st.integers(0, 3500))
def test_prob_wait_is_probability(load, servers):
    value = erlang_c(servers, load)
    assert 0.0 <= value <= 1.0
    assert 0.0 <= erlang_b(servers, load) <= 1.0


@settings(max_examples=40, deadline=None)
@given(
    load=st.floats(0.01, 800.0),
    target=st.floats(0.0, 0.99),
    wait=st.floats(0.0, 30.0),
    cap=st.floats(0.5, 1.0),
)
def test_requirement_meets_target_minimal(load, target, wait, cap):
    needed = agents_needed(load, 6.0, wait, target, cap)
    assert service_level_c(needed, load, 6.0, wait) >= target - 1e-12
    assert load / needed <= cap + 1e-9

    fewer = needed - 1
    fails_level = (
        fewer <= load or service_level_c(fewer, load, 6.0, wait) < target - 1e-12
    )
    fails_cap = fewer == 0 or load / fewer > cap + 1e-9
    assert fails_level or fails_cap


def test_agents_needed_beyond_int64_raises():
    # 1e19 Erlangs needs at least 1e19 agents, more than an int64 holds (9.2e18).
    with pytest.raises(ValueError, match="agents would be needed"):
        agents_needed(
            np.array([1.0, 1e19]), aht=1.0, target_wait=1.0, service_level=0.8
        )


def test_non_finite_load_message_names_the_value():
    load = np.zeros(5000)
    load[7] = np.inf

    with pytest.raises(ValueError) as caught:
        agents_needed(load, aht=1.0, target_wait=1.0, service_level=0.8)
    assert "got inf" in str(caught.value)
    assert len(str(caught.value)) < 200
