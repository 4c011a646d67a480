"""Counters of one extraction (requests, pages, throttled waits), shared by worker threads.

>>> stats = GraphStats()
>>> stats.add(pages=2, throttled=1, waited_s=1.5)
>>> stats.as_metadata()["graph/throttled_waits"]
1
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field, fields


@dataclass
class GraphStats:
    """What the Graph source did for one partition (shown as Dagster metadata)."""

    requests: int = 0
    pages: int = 0
    throttled: int = 0  # 429 answers waited out
    server_errors: int = 0  # 503/504 answers retried
    dropped_connections: int = 0
    token_refreshes: int = 0
    waited_s: float = 0.0
    units_done: int = 0
    units_total: int = 0
    owners_not_read: int = 0  # deny-listed owners, whose mailboxes are not requested
    unknown_properties: Counter = field(default_factory=Counter)  # dropped, counted by key
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **increments: float) -> None:
        with self._lock:
            for name, value in increments.items():
                setattr(self, name, getattr(self, name) + value)

    def count_unknown(self, keys: Counter) -> None:
        with self._lock:
            self.unknown_properties.update(keys)

    def as_metadata(self) -> dict[str, object]:
        with self._lock:
            values = {
                f"graph/{f.name if f.name != 'throttled' else 'throttled_waits'}": getattr(self, f.name)
                for f in fields(self)
                if not f.name.startswith("_") and f.name != "unknown_properties"
            }
            values["graph/waited_s"] = round(self.waited_s, 3)
            if self.unknown_properties:
                values["graph/unknown_properties"] = dict(self.unknown_properties)
            return values
