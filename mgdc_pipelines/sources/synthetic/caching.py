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
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
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
