"""Erlang B and Erlang C queueing formulas, vectorised over numpy arrays.

Every function broadcasts its arguments, so one call evaluates a whole week of
intervals and queues. ``load`` is the offered traffic in Erlangs (arrival rate times
mean handle time), ``servers`` a whole number of agents handling tickets, and all
times (``aht``, ``target_wait``, ``patience``) share one unit, returned values too.

Notes
-----
Erlang B is evaluated in log space as the ratio of a Poisson probability to the
Poisson distribution function, ``B(N, A) = p(N; A) / F(N; A)``, where
``F(N; A) = Q(N + 1, A)`` is scipy's regularised upper incomplete gamma function.
No factorial or power is formed, so loads of many thousands of Erlangs are fine.
Where ``F`` underflows (load far above the number of servers) the finite sum
``1 / B = sum_k N! / ((N - k)! A^k)`` replaces it; its terms then fall geometrically.

Erlang C (M/M/N, first come first served, no abandonment) follows from Erlang B:
``C = N B / (N - A (1 - B))`` for ``N > A``. With ``N <= A`` the queue grows without
bound: the probability of waiting is 1, the service level 0, the ASA infinite and
the occupancy 1. With zero load nobody waits: probability 0, service level 1, ASA 0.

The Erlang A (M/M/N+M) variants live in ``planner.erlang_a`` and are also reachable
from this module under the same names.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

_TINY = 1e-250
"""Below this value an incomplete gamma result is recomputed by a series."""

_SERIES_TOLERANCE = 1e-17

MAX_AGENTS = 2.0**53
"""Largest agent count ``agents_needed`` returns; floats hold whole numbers exactly up to it."""

_ERLANG_A_NAMES = (
    "erlang_a_prob_wait",
    "erlang_a_prob_abandon",
    "service_level_a",
    "asa_a",
    "occupancy_a",
)


def __getattr__(name: str):
    if name in _ERLANG_A_NAMES:
        from planner import erlang_a

        return getattr(erlang_a, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _finish(values: np.ndarray) -> np.ndarray | float:
    """Return a plain float for scalar input, the array otherwise."""
    if values.ndim == 0:
        return float(values)
    return values


def _as_servers(servers: ArrayLike) -> np.ndarray:
    array = np.asarray(servers, dtype=float)
    if np.any(array < 0) or np.any(array != np.floor(array)):
        raise ValueError(f"servers must be whole numbers >= 0, got {servers!r}")
    return array


def _as_load(load: ArrayLike) -> np.ndarray:
    array = np.asarray(load, dtype=float)
    invalid = ~np.isfinite(array) | (array < 0)
    if np.any(invalid):
        first = float(array[invalid].flat[0])
        raise ValueError(f"load must be finite and >= 0 [Erlangs], got {first!r}")
    return array


def _log_inverse_b_series(servers: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Return log(1 / B) from the finite sum, for loads well above the servers."""
    term = np.ones_like(load)
    total = np.ones_like(load)
    active = np.ones(load.shape, dtype=bool)
    k = 0
    while active.any():
        k += 1
        term = np.where(active, term * np.maximum(servers - k + 1, 0) / load, 0.0)
        total = total + term
        active = active & (term > _SERIES_TOLERANCE * total)
    return np.log(total)


def log_erlang_b(servers: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Return the natural log of the Erlang B blocking probability (0 for no servers).

    Zero load with at least one server gives ``-inf``.
    """
    servers, load = np.broadcast_arrays(_as_servers(servers), _as_load(load))
    positive = load > 0
    safe_load = np.where(positive, load, 1.0)

    log_pmf = (
        special.xlogy(servers, safe_load) - safe_load - special.gammaln(servers + 1)
    )
    cdf = special.gammaincc(servers + 1, safe_load)
    log_b = np.asarray(log_pmf - np.log(np.maximum(cdf, _TINY)))

    deep = cdf < _TINY
    if deep.any():
        log_b[deep] = -_log_inverse_b_series(servers[deep], safe_load[deep])

    log_b = np.minimum(log_b, 0.0)
    return np.where(positive, log_b, np.where(servers == 0, 0.0, -np.inf))


def erlang_b(servers: ArrayLike, load: ArrayLike) -> np.ndarray | float:
    """Return the Erlang B probability that an arrival finds every server busy.

    Parameters
    ----------
    servers : array-like of whole numbers
        Agents handling tickets [agents].
    load : array-like
        Offered traffic [Erlangs].
    """
    return _finish(np.exp(log_erlang_b(servers, load)))


def erlang_c(servers: ArrayLike, load: ArrayLike) -> np.ndarray | float:
    """Return the Erlang C probability that an arrival has to wait (in [0, 1]).

    Parameters
    ----------
    servers : array-like of whole numbers
        Agents handling tickets [agents].
    load : array-like
        Offered traffic [Erlangs].
    """
    servers, load = np.broadcast_arrays(_as_servers(servers), _as_load(load))
    blocking = np.exp(log_erlang_b(servers, load))
    stable = servers > load
    denominator = np.where(stable, servers - load * (1.0 - blocking), 1.0)
    prob_wait = np.where(stable, servers * blocking / denominator, 1.0)
    prob_wait = np.clip(prob_wait, 0.0, 1.0)
    return _finish(np.where(load > 0, prob_wait, 0.0))


def service_level_c(
    servers: ArrayLike, load: ArrayLike, aht: ArrayLike, target_wait: ArrayLike
) -> np.ndarray | float:
    """Return the Erlang C share of arrivals picked up within ``target_wait``.

    ``SL = 1 - C exp(-(N - A) t / aht)``; 0 when overloaded, 1 with zero load.
    ``aht`` and ``target_wait`` share one time unit.
    """
    servers, load, aht, target_wait = np.broadcast_arrays(
        _as_servers(servers),
        _as_load(load),
        np.asarray(aht, float),
        np.asarray(target_wait, float),
    )
    prob_wait = np.asarray(erlang_c(servers, load))
    stable = servers > load
    decay = np.exp(-np.where(stable, servers - load, 0.0) * target_wait / aht)
    level = np.where(stable, 1.0 - prob_wait * decay, 0.0)
    level = np.clip(level, 0.0, 1.0)
    return _finish(np.where(load > 0, level, 1.0))


def asa_c(servers: ArrayLike, load: ArrayLike, aht: ArrayLike) -> np.ndarray | float:
    """Return the Erlang C average speed of answer ``C aht / (N - A)``.

    In the unit of ``aht``; ``inf`` when overloaded, 0 with zero load.
    """
    servers, load, aht = np.broadcast_arrays(
        _as_servers(servers), _as_load(load), np.asarray(aht, float)
    )
    prob_wait = np.asarray(erlang_c(servers, load))
    stable = servers > load
    spare = np.where(stable, servers - load, 1.0)
    asa = np.where(stable, prob_wait * aht / spare, np.inf)
    return _finish(np.where(load > 0, asa, 0.0))


def occupancy(servers: ArrayLike, load: ArrayLike) -> np.ndarray | float:
    """Return the share of agent time spent handling tickets, ``A / N`` capped at 1.

    Zero servers with zero load give 0; zero servers with some load give 1.
    """
    servers, load = np.broadcast_arrays(_as_servers(servers), _as_load(load))
    busy = np.where(servers > 0, load / np.where(servers > 0, servers, 1.0), 1.0)
    busy = np.where(load > 0, np.minimum(busy, 1.0), 0.0)
    return _finish(busy)


def _service_level(servers, load, aht, target_wait, patience) -> np.ndarray:
    if patience is None:
        return np.asarray(service_level_c(servers, load, aht, target_wait))
    from planner.erlang_a import service_level_a

    return np.asarray(service_level_a(servers, load, aht, target_wait, patience))


def _check_agent_count(agents: np.ndarray, load: np.ndarray) -> None:
    if np.any(agents > MAX_AGENTS):
        row = int(np.argmax(agents))
        raise ValueError(
            f"more than {MAX_AGENTS:.0f} agents would be needed at load {load[row]:g} "
            "Erlangs; check the handle time and the arrivals"
        )


def agents_needed(
    load: ArrayLike,
    aht: ArrayLike,
    target_wait: ArrayLike,
    service_level: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
    patience: ArrayLike | None = None,
) -> np.ndarray | int:
    """Return the smallest number of agents meeting the service level and occupancy cap.

    Parameters
    ----------
    load : array-like
        Offered traffic [Erlangs].
    aht : array-like
        Average handle time [any time unit, shared with the next two].
    target_wait : array-like
        Wait within which ``service_level`` of tickets must be picked up.
    service_level : array-like
        Target share in [0, 1].
    max_occupancy : array-like
        Cap on ``load / N`` in (0, 1].
    patience : array-like, optional
        Mean patience before abandoning; when given, Erlang A replaces Erlang C.

    Notes
    -----
    Zero load needs 0 agents. Otherwise the search starts at the occupancy bound
    ``ceil(A / cap)`` (under Erlang C also above ``A``, where the queue is stable),
    doubles a step until every interval meets its target and then bisects, all
    intervals at once. The service level grows with N, so the result is the
    smallest N; the first N at the bound wins when its service level already
    suffices (a target wait of hours). The cap applies to the offered load, which
    under Erlang A overstates the handled load by the abandoned share.
    """
    load = _as_load(load)
    load, aht, target_wait, target, cap = np.broadcast_arrays(
        load,
        np.asarray(aht, float),
        np.asarray(target_wait, float),
        np.asarray(service_level, float),
        np.asarray(max_occupancy, float),
    )
    if np.any(cap <= 0) or np.any(cap > 1):
        raise ValueError(f"max_occupancy must lie in (0, 1], got {max_occupancy!r}")
    if np.any(aht <= 0) or np.any(target_wait < 0):
        raise ValueError(
            f"aht must be > 0 and target_wait >= 0, got minimum aht {aht.min()} and "
            f"minimum target_wait {target_wait.min()}"
        )
    if np.any(target < 0) or np.any(target > 1):
        raise ValueError(f"service_level must lie in [0, 1], got {service_level!r}")
    if patience is not None:
        patience = np.broadcast_to(np.asarray(patience, float), load.shape)

    low = np.ceil(np.round(load / cap, 9))
    if patience is None:
        low = np.maximum(low, np.floor(load) + 1)
    low = np.where(load > 0, np.maximum(low, 1.0), 0.0)

    shape = load.shape
    load, aht, target_wait, target = (
        np.ravel(array) for array in (load, aht, target_wait, target)
    )
    if patience is not None:
        patience = np.ravel(patience)
    low = np.ravel(low).copy()
    _check_agent_count(low, load)

    def meets(servers: np.ndarray, rows: np.ndarray) -> np.ndarray:
        rows_patience = None if patience is None else patience[rows]
        level = _service_level(
            servers, load[rows], aht[rows], target_wait[rows], rows_patience
        )
        return level >= target[rows] - 1e-12

    # Raise a doubling step until every row meets its target; only rows still
    # short are evaluated again.
    high = low.copy()
    step = np.ones_like(low)
    pending = np.flatnonzero(load > 0)
    for _ in range(64):
        short = pending[~meets(high[pending], pending)]
        if short.size == 0:
            break
        low[short] = high[short] + 1
        high[short] += step[short]
        step[short] *= 2
        pending = short
    else:
        row = pending[0]
        raise ValueError(
            f"no number of agents reaches service level {target[row]} within "
            f"{target_wait[row]} at load {load[row]}; lower the service level or "
            "raise the target wait"
        )

    # Bisect: ``high`` meets the target and every N below ``low`` does not.
    # Beyond MAX_AGENTS, N + 1 == N in floats and the bisection would never end.
    _check_agent_count(high, load)
    open_rows = np.flatnonzero(high > low)
    while open_rows.size:
        middle = np.floor((low[open_rows] + high[open_rows]) / 2)
        passed = meets(middle, open_rows)
        high[open_rows[passed]] = middle[passed]
        low[open_rows[~passed]] = middle[~passed] + 1
        open_rows = open_rows[high[open_rows] > low[open_rows]]

    high = high.reshape(shape)
    if high.ndim == 0:
        return int(high)
    return high.astype(np.int64)
