"""A small bounded cache keyed by explicit keys (values are pure functions of their key).

Generation is deterministic, so a cache only saves time: the same key always rebuilds the
same value, whatever was evicted before. Memory stays bounded however large a partition is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """Least-recently-used eviction; safe to share between threads."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()  # outside the lock: making may recurse into the cache (quoted replies)
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value
