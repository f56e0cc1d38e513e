"""Erlang A (M/M/N+M): the Erlang C queue in which waiting tickets abandon.

Each ticket in the queue gives up after an exponential patience with mean
``patience``; tickets already with an agent stay. Abandonment keeps the queue stable
for any number of agents, so no result is ever infinite except the ASA of a queue
with no agents at all. Arguments broadcast like those of ``planner.erlang``, and
``aht``, ``target_wait`` and ``patience`` share one time unit.

Notes
-----
With ``mu = 1 / aht``, ``theta = 1 / patience`` and arrival rate ``lambda``, write
``x = lambda / theta`` and ``y = N mu / theta``. The stationary probabilities of the
birth-death chain give, with ``J = Gamma(y + 1) e^x x^-y P(y, x)`` (``P`` the
regularised lower incomplete gamma function) and ``r = (1 / B - 1) / J`` (``B`` the
Erlang B value for ``N`` and ``A = lambda / mu``):

- probability of waiting ``1 / (1 + r)``;
- probability of abandoning ``(1 - (N / A)(1 - 1 / J)) / (1 + r)``;
- service level, the share of ALL arrivals that are served after waiting at most
  ``t``: ``(r + (N / A)(1 - 1 / J) - (N / A) P(y + 1, x e^(-theta t)) / P(y, x)) /
  (1 + r)``. Abandoned tickets count against it, whether they left early or late;
- ASA, the mean wait of the tickets that are served (abandoned ones excluded).

The service-level formula follows from the fact that, for an arrival finding ``j``
tickets queued, ``exp(-theta V)`` of its offered wait ``V`` is Beta(y, j + 1)
distributed; summing over ``j`` gives the incomplete gamma terms. The ASA uses the
derivative of the same sum with respect to the abandonment rate. That derivative
comes from the series for ``J`` where it converges fast, and otherwise from a
central difference in the shape of ``P`` (relative error about 1e-7).

With a patience of thousands of AHTs the results tend to Erlang C, and the
service-level formula loses digits to cancellation (about 1e-4 absolute at 1e9 AHTs,
1e-1 at 1e14). Beyond ``C_LIMIT_PATIENCE`` AHTs, where Erlang A and C differ by
less than about 1e-7, a stable queue (more agents than load) therefore gets the
Erlang C service level. NOTE: the series evaluations still slow down there;
leaving ``patience`` unset is the better choice.

A. Mandelbaum and S. Zeltyn, "The Palm/Erlang-A queue, with applications to call
centers" (2005), describe this model, its birth-death representation, the
probability of waiting and the fraction abandoning; the service level and ASA
derivations above are worked out here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from planner.erlang import (
    _as_load,
    _as_servers,
    _finish,
    log_erlang_b,
    service_level_c,
)

_TINY = 1e-250
C_LIMIT_PATIENCE = 1e7
"""Patience, in AHTs, above which a stable queue gets the Erlang C service level."""
_SERIES_TOLERANCE = 1e-17


def _j_series(shape: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return log J and its derivative in ``shape``, for x < shape.

    ``J = sum_k x^k / ((a + 1) ... (a + k))`` with ``a = shape``; its terms fall at
    least geometrically once x < a.
    """
    term = np.ones_like(x)
    total = np.ones_like(x)
    harmonic = np.zeros_like(x)
    slope_sum = np.zeros_like(x)
    active = np.ones(x.shape, dtype=bool)
    k = 0
    while active.any():
        k += 1
        term = np.where(active, term * x / (shape + k), 0.0)
        harmonic = harmonic + 1.0 / (shape + k)
        total = total + term
        slope_sum = slope_sum + term * harmonic
        active = active & (
            (term > _SERIES_TOLERANCE * total)
            | (term * harmonic > _SERIES_TOLERANCE * slope_sum)
        )
    return np.log(total), -slope_sum / total


def _log_gammainc(shape: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return log P(shape, x) without underflow, ``-inf`` for x = 0."""
    positive = x > 0
    safe_x = np.where(positive, x, 1.0)
    value = special.gammainc(shape, safe_x)
    log_value = np.asarray(np.log(np.maximum(value, _TINY)))

    deep = positive & (value < _TINY)
    if deep.any():
        a, z = shape[deep], safe_x[deep]
        log_value[deep] = (
            a * np.log(z) - z - special.gammaln(a + 1) + _j_series(a, z)[0]
        )
    return np.where(positive, log_value, -np.inf)


def _log_j(shape: np.ndarray, x: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    """Return log J(shape, x) = log(Gamma(a + 1) e^x x^-a P(a, x)) for x > 0.

    Where P underflows the series gives J directly, without the cancellation of
    the large terms ``log Gamma(a + 1)``, ``x`` and ``a log x``.
    """
    log_j = np.asarray(special.gammaln(shape + 1) + x - shape * np.log(x) + log_p)
    deep = special.gammainc(shape, x) < _TINY
    if deep.any():
        log_j[deep] = _j_series(shape[deep], x[deep])[0]
    return log_j


class _Parts:
    """Quantities shared by the Erlang A results, for positive load and servers."""

    def __init__(self, servers, load, aht, patience):
        self.servers = servers
        self.load = load
        self.x = load * patience / aht
        self.y = servers * patience / aht
        self.log_p = _log_gammainc(self.y, self.x)
        self.log_j = _log_j(self.y, self.x, self.log_p)

        # log r with r = (1/B - 1) / J; P(wait) = 1 / (1 + r) = expit(-log r).
        log_b = log_erlang_b(servers, load)
        log_r = np.log(-np.expm1(log_b)) - log_b - self.log_j
        self.prob_wait = special.expit(-log_r)
        self.prob_no_wait = special.expit(log_r)
        self.inverse_rho = servers / load
        self.served_after_wait = self.inverse_rho * -np.expm1(-self.log_j)

    @property
    def prob_served(self) -> np.ndarray:
        return self.prob_no_wait + self.served_after_wait * self.prob_wait


def _prepare(servers, load, aht, patience, *extra):
    arrays = np.broadcast_arrays(
        _as_servers(servers),
        _as_load(load),
        np.asarray(aht, float),
        np.asarray(patience, float),
        *(np.asarray(value, float) for value in extra),
    )
    if np.any(arrays[2] <= 0) or np.any(arrays[3] <= 0):
        raise ValueError(
            f"aht and patience must be > 0, got aht {aht!r} and patience {patience!r}"
        )
    servers, load = arrays[0], arrays[1]
    busy = (load > 0) & (servers > 0)
    safe = [np.where(busy, servers, 1.0), np.where(busy, load, 1.0)]
    return busy, arrays, _Parts(safe[0], safe[1], arrays[2], arrays[3])


def _by_case(busy, load, servers, value, no_servers, no_load) -> np.ndarray | float:
    result = np.where(busy, value, np.where(load > 0, no_servers, no_load))
    return _finish(np.clip(result, 0.0, np.inf))


def erlang_a_prob_wait(
    servers: ArrayLike, load: ArrayLike, aht: ArrayLike, patience: ArrayLike
) -> np.ndarray | float:
    """Return the Erlang A probability that an arrival has to wait."""
    busy, (servers, load, *_), parts = _prepare(servers, load, aht, patience)
    value = np.minimum(parts.prob_wait, 1.0)
    return _by_case(busy, load, servers, value, 1.0, 0.0)


def erlang_a_prob_abandon(
    servers: ArrayLike, load: ArrayLike, aht: ArrayLike, patience: ArrayLike
) -> np.ndarray | float:
    """Return the Erlang A share of arrivals that abandon before being served."""
    busy, (servers, load, *_), parts = _prepare(servers, load, aht, patience)
    value = np.clip(1.0 - parts.prob_served, 0.0, 1.0)
    return _by_case(busy, load, servers, value, 1.0, 0.0)


def service_level_a(
    servers: ArrayLike,
    load: ArrayLike,
    aht: ArrayLike,
    target_wait: ArrayLike,
    patience: ArrayLike,
) -> np.ndarray | float:
    """Return the Erlang A share of ALL arrivals served after waiting at most ``target_wait``.

    Tickets that abandon, however soon, count as missing the target.
    """
    busy, arrays, parts = _prepare(servers, load, aht, patience, target_wait)
    servers, load, aht, patience, target_wait = arrays

    shrunk_x = parts.x * np.exp(-target_wait / patience)
    late = np.exp(_log_gammainc(parts.y + 1, shrunk_x) - parts.log_p)
    value = parts.prob_served - parts.inverse_rho * late * parts.prob_wait
    value = np.clip(value, 0.0, 1.0)

    near_c = busy & (patience > C_LIMIT_PATIENCE * aht) & (servers > load)
    if near_c.any():
        limit = service_level_c(servers, load, aht, target_wait)
        value = np.where(near_c, limit, value)
    return _by_case(busy, load, servers, value, 0.0, 1.0)


def asa_a(
    servers: ArrayLike, load: ArrayLike, aht: ArrayLike, patience: ArrayLike
) -> np.ndarray | float:
    """Return the Erlang A mean wait of the tickets that are served [unit of ``aht``].

    ``inf`` with no agents and some load (nobody is served), 0 with zero load.
    """
    busy, (servers, load, aht, patience), parts = _prepare(servers, load, aht, patience)

    # Mean wait of the served is -(1/theta) d/d(theta) of a sum whose log has the
    # derivative digamma(a) - log x + d log P(a, x) / da at a = y + 1, with
    # log P(a, x) = a log x - x - log Gamma(a + 1) + log J(a, x). Where x < 0.8 a
    # or P underflows, the series for J gives it without cancellation as
    # 1/a - d log J / da. Elsewhere |log P| < 600, and a central difference of
    # log P in a is accurate to about 1e-7 relative.
    shape = parts.y + 1
    deep = special.gammainc(shape, parts.x) < _TINY
    by_series = (parts.x < 0.8 * shape) | deep
    decay = np.zeros_like(shape)
    if by_series.any():
        _, slope_j = _j_series(shape[by_series], parts.x[by_series])
        decay[by_series] = 1.0 / shape[by_series] - slope_j
    rest = ~by_series
    if rest.any():
        a, x = shape[rest], parts.x[rest]
        step = 1e-4 * np.maximum(1.0, np.sqrt(a))
        slope = (_log_gammainc(a + step, x) - _log_gammainc(a - step, x)) / (2 * step)
        decay[rest] = -(special.digamma(a) - np.log(x) + slope)

    waited = parts.served_after_wait * parts.prob_wait * np.maximum(decay, 0.0)
    value = waited * patience / np.maximum(parts.prob_served, _TINY)
    return _by_case(busy, load, servers, value, np.inf, 0.0)


def occupancy_a(
    servers: ArrayLike, load: ArrayLike, aht: ArrayLike, patience: ArrayLike
) -> np.ndarray | float:
    """Return the share of agent time spent handling: handled load over agents, <= 1."""
    busy, (servers, load, *_), parts = _prepare(servers, load, aht, patience)
    value = np.minimum(parts.load * parts.prob_served / parts.servers, 1.0)
    return _by_case(busy, load, servers, value, 1.0, 0.0)
