"""Counter-based randomness on numpy arrays, for version 3 of the rows.

Every draw is a hash of its key (the seed's key, a message's key, a field number), never the
state of a generator: any subset of the tenant's mail can be made on its own, in any order
and any block size, and gives the same values. ``mix`` is splitmix64's finaliser applied to
each key part in turn.

>>> keys = mix(7, np.arange(3))
>>> bool((keys == mix(7, np.arange(3))).all()), len(set(keys.tolist()))
(True, 3)
>>> u = uniform(mix(1, np.arange(10_000)))
>>> bool(0.0 <= u.min() and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.02)
True
>>> counts = poisson(uniform(mix(2, np.arange(20_000))), np.full(20_000, 3.0))
>>> round(float(counts.mean()), 1)
3.0
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1
MAX_POISSON = 60  # counts stop here (means stay far below it)


def _as_u64(part) -> np.ndarray:
    if isinstance(part, int):
        return np.asarray(part & _MASK, dtype=np.uint64)
    return np.asarray(part).astype(np.int64, copy=False).astype(np.uint64)


def _finalise(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def mix(*parts) -> np.ndarray:
    """A 64-bit hash of the key ``parts`` (ints or integer arrays, broadcast together)."""
    with np.errstate(over="ignore"):
        h = np.zeros((), dtype=np.uint64)
        for part in parts:
            h = _finalise(h ^ (_as_u64(part) + _GOLDEN))
    return np.asarray(h)


def uniform(keys: np.ndarray) -> np.ndarray:
    """A float in ``[0, 1)`` for each hash (its top 53 bits)."""
    return (keys >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def draw(keys: np.ndarray, field: int) -> np.ndarray:
    """The uniform draw number ``field`` of each key."""
    return uniform(mix(keys, field))


def below(keys: np.ndarray, field: int, counts) -> np.ndarray:
    """An integer in ``[0, counts)`` for each key (``counts`` ≥ 1)."""
    return (draw(keys, field) * counts).astype(np.int64)


def gauss(keys: np.ndarray, field: int) -> np.ndarray:
    """A standard normal draw for each key (Box–Muller on two uniform draws)."""
    u1, u2 = draw(keys, field), draw(keys, field + 1)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def poisson(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson counts by inverting the distribution at ``u`` (one mean per element)."""
    mean = np.asarray(mean, dtype=np.float64)
    term = np.exp(-mean)
    cdf, counts = term.copy(), np.zeros(len(u), dtype=np.int64)
    for k in range(1, MAX_POISSON):
        above = u > cdf
        if not above.any():
            break
        counts += above
        term = term * mean / k
        cdf = cdf + term
    return counts


def weighted_choice(u: np.ndarray, cum_weights) -> np.ndarray:
    """Indices chosen like ``random.choices(range(n), cum_weights=...)`` at ``u``.

    >>> weighted_choice(np.array([0.1, 0.6, 0.99]), (55, 80, 100)).tolist()
    [0, 1, 2]
    """
    cum = np.asarray(cum_weights, dtype=np.float64)
    return np.searchsorted(cum, u * cum[-1], side="right")
