"""A small bounded cache keyed by explicit keys (values are pure functions of their key).

Generation is deterministic, so a cache only saves time: the same key always rebuilds the
same value, whatever was evicted before. Memory stays bounded however large a partition is.
With a :class:`~mgdc_pipelines.sources.synthetic.spill.Spill`, evicted values are kept on disk
and read back instead of made again.

>>> from mgdc_pipelines.sources.synthetic.spill import Spill
>>> made = []
>>> cache = BoundedCache(1, spill=Spill())
>>> [cache.get(key, lambda: made.append(key) or key * 2) for key in (1, 2, 1)]
[2, 4, 2]
>>> made  # 1 was evicted by 2, then read back from the spill
[1, 2]
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from mgdc_pipelines.sources.synthetic.spill import MISSING, Spill

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """Least-recently-used eviction; safe to share between threads."""

    def __init__(self, max_entries: int, spill: Spill | None = None) -> None:
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._max_entries = max_entries
        self._spill = spill
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            value = self._entries.get(key, MISSING)
            if value is not MISSING:
                self._entries.move_to_end(key)
                return value
        value = MISSING if self._spill is None else self._spill.find(key)
        if value is MISSING:
            value = make()  # outside the lock: making may recurse into the cache (quoted replies)
        with self._lock:
            self._entries[key] = value
            full = len(self._entries) > self._max_entries
            evicted = self._entries.popitem(last=False) if full else None
        if evicted is not None and self._spill is not None:
            self._spill.keep(*evicted)
        return value


class DayFlags:
    """Whether a rare event happens for a user on a day, decided once and kept in one byte.

    An LRU of the answers keyed by (user, day) thrashes as soon as a span asks about more pairs
    than it holds: a day of Teams signals in a 50,000-user tenant asks about two million. A day's
    flags for 50,000 users are 50 kB, so each pair is decided once while its day is among the
    last ``days_kept`` asked about.

    >>> import datetime as dt
    >>> asked = []
    >>> flags = DayFlags(users=3, decide=lambda user, day: asked.append(user) or user == 2)
    >>> day = dt.date(2026, 11, 18)
    >>> [flags(user, day) for user in (2, 0, 2)], asked
    ([True, False, True], [2, 0])
    """

    _UNKNOWN, _NO, _YES = 0, 1, 2

    def __init__(
        self, users: int, decide: Callable[[int, dt.date], bool], days_kept: int = 128
    ) -> None:
        self._users, self._decide, self._days_kept = users, decide, days_kept
        self._days: OrderedDict[dt.date, bytearray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, user: int, day: dt.date) -> bool:
        flags = self._days.get(day) or self._add_day(day)
        state = flags[user]
        if state == self._UNKNOWN:  # two threads may both decide: the same, deterministic answer
            state = self._YES if self._decide(user, day) else self._NO
            flags[user] = state
        return state == self._YES

    def _add_day(self, day: dt.date) -> bytearray:
        with self._lock:
            flags = self._days.setdefault(day, bytearray(self._users))
            if len(self._days) > self._days_kept:  # the day added first goes first
                self._days.popitem(last=False)
            return flags
