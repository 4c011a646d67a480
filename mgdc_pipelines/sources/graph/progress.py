"""Progress of one extraction in the log: units done / total, pages, throttled waits.

>>> from mgdc_pipelines.sources.graph.stats import GraphStats
>>> stats = GraphStats(units_total=40)
>>> progress = Progress("Message_v1 2026-11-20|all", stats, interval_s=0)
>>> progress.line()
'Message_v1 2026-11-20|all: 0/40 units, 0 pages, 0 requests, 0 throttled waits (0.0 s), 0 retried errors'
"""

from __future__ import annotations

import logging
import threading
import time

from mgdc_pipelines.sources.graph.stats import GraphStats

log = logging.getLogger("mgdc_pipelines.sources.graph")


class Progress:
    """Logs a progress line at most every ``interval_s`` seconds, and once at the end."""

    def __init__(self, label: str, stats: GraphStats, interval_s: float = 10.0) -> None:
        self.label = label
        self.stats = stats
        self.interval_s = interval_s
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def units_done(self, count: int) -> None:
        self.stats.add(units_done=count)
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.interval_s and self.stats.units_done < self.stats.units_total:
                return
            self._last = now
        log.info(self.line())

    def line(self) -> str:
        s = self.stats
        return (
            f"{self.label}: {s.units_done}/{s.units_total} units, {s.pages} pages, {s.requests} requests, "
            f"{s.throttled} throttled waits ({s.waited_s:.1f} s), "
            f"{s.server_errors + s.dropped_connections} retried errors"
        )
