"""Deterministic randomness: every random choice is keyed by what it is about.

Instead of one random stream consumed in extraction order (which would make a row depend on
which rows were generated before it), every unit of the synthetic world (a user's profile, a
sender's mail on one day, one copy of one message) draws from its own generator, seeded by a
hash of the tenant seed and the unit's key. Python's ``hash()`` is salted per process, so keys
are hashed with BLAKE2b instead: the same key gives the same numbers in every process.

>>> rng_for(42, "mail", 7, 738000).random() == rng_for(42, "mail", 7, 738000).random()
True
>>> rng_for(42, "mail", 7, 738000).random() == rng_for(42, "mail", 8, 738000).random()
False
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_SEPARATOR = "\x1f"  # a character no key part contains, so ("a", "bc") != ("ab", "c")


def derive_seed(*parts: object) -> int:
    """A stable 64-bit integer for a key made of ``parts`` (ints, strings, dates...)."""
    text = _SEPARATOR.join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def rng_for(*parts: object) -> random.Random:
    """A random generator owned by the unit named by ``parts``."""
    rng = _new_random()
    # The C seed directly: the state ``random.Random(seed)`` gets (its ``seed`` method only
    # dispatches on the argument's type), without two Python-level calls per generator; mail
    # creates one per message copy.
    _seed_c(rng, derive_seed(*parts))
    return rng


def _new_random() -> random.Random:
    rng = random.Random.__new__(random.Random)
    rng.gauss_next = None
    return rng


_seed_c = random.Random.__mro__[1].seed  # _random.Random.seed


def stable_bytes(length: int, *parts: object) -> bytes:
    """``length`` (≤ 64) pseudo-random bytes for a key: for ids, hashes and GUID payloads."""
    text = _SEPARATOR.join(map(str, parts)).encode()
    return hashlib.blake2b(text, digest_size=length).digest()


def stable_guid(*parts: object) -> str:
    """A GUID-looking id (random version 4 layout) that is a pure function of ``parts``.

    The string ``str(uuid.UUID(bytes=..., version=4))`` gives, without building the UUID:

    >>> stable_guid("x") == str(uuid.UUID(bytes=stable_bytes(16, "x"), version=4))
    True
    """
    raw = bytearray(stable_bytes(16, *parts))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; fine for the small means used here)."""
    if mean <= 0:
        return 0
    if mean > 60:  # normal approximation keeps large means cheap
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def sample_distinct(rng: random.Random, items: Sequence[T], count: int) -> list[T]:
    """Up to ``count`` distinct items in random order (all of them if there are fewer)."""
    if count >= len(items):
        shuffled = list(items)
        rng.shuffle(shuffled)
        return shuffled
    return rng.sample(items, count)
