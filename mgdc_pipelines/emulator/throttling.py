"""Graph's Outlook throttling per (app, mailbox) and the faults a test injects.

Exchange allows an app at most ``mailbox_concurrency`` requests in flight per mailbox and a
request budget per time window (reference §6); beyond either the request gets a 429 with
``Retry-After``. :class:`FaultInjector` adds failures on purpose: 429 storms, 503/504 bursts,
dropped connections and malformed pages.

>>> limiter = MailboxLimiter(concurrency=1, budget=10, window_s=60.0, retry_after_s=2.0)
>>> with limiter.admit("app", "mbx") as in_flight:
...     try:
...         with limiter.admit("app", "mbx"):
...             pass
...     except Throttled as refused:
...         print(in_flight, refused.status, refused.headers["Retry-After"], refused.concurrent)
1 429 2 2
>>> retry_after_value(0.25, http_date=False)
'0.25'
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mgdc_pipelines.emulator.config import FaultConfig
from mgdc_pipelines.emulator.odata import GraphError


def retry_after_value(seconds: float, http_date: bool) -> str:
    """Whole seconds as Graph writes them (fractions kept, for fast tests), or an HTTP date."""
    if http_date:
        return email.utils.formatdate(time.time() + seconds, usegmt=True)
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}".rstrip("0")


class Throttled(GraphError):
    """A 429 from the Outlook limits; ``concurrent`` counts the refused request too."""

    def __init__(self, message: str, retry_after_s: float, concurrent: int) -> None:
        super().__init__(429, "ApplicationThrottled", message,
                         {"Retry-After": retry_after_value(retry_after_s, http_date=False)})
        self.concurrent = concurrent


class MailboxLimiter:
    """In-flight counts and a sliding request window per (client app, mailbox)."""

    def __init__(self, concurrency: int, budget: int, window_s: float, retry_after_s: float) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[tuple[str, str], int] = defaultdict(int)
        self._admitted: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self.configure(concurrency, budget, window_s, retry_after_s)

    def configure(self, concurrency: int, budget: int, window_s: float, retry_after_s: float) -> None:
        """New limits; request windows start afresh (in-flight requests still count)."""
        with self._lock:
            self._admitted.clear()
            self.concurrency, self.budget = concurrency, budget
            self.window_s, self.retry_after_s = window_s, retry_after_s

    @contextmanager
    def admit(self, app_id: str, mailbox: str) -> Iterator[int]:
        """Hold one in-flight slot for the request; yields how many are in flight with it."""
        key = (app_id, mailbox)
        with self._lock:
            now = time.monotonic()
            admitted = self._admitted[key]
            while admitted and admitted[0] <= now - self.window_s:
                admitted.popleft()
            concurrent = self._in_flight[key] + 1
            if concurrent > self.concurrency:
                raise Throttled(
                    f"Application is over its MailboxConcurrency limit: {self.concurrency} requests "
                    f"in flight for mailbox {mailbox}.", self.retry_after_s, concurrent)
            if len(admitted) >= self.budget:
                raise Throttled(
                    f"Application is over its request limit for mailbox {mailbox}: {self.budget} "
                    f"requests per {self.window_s:g} s.", admitted[0] + self.window_s - now, concurrent)
            admitted.append(now)
            self._in_flight[key] = concurrent
        try:
            yield concurrent
        finally:
            with self._lock:
                self._in_flight[key] -= 1


@dataclass(frozen=True)
class Fault:
    """One injected failure response."""

    status: int
    code: str
    message: str
    retry_after: str | None

    def error(self) -> GraphError:
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        return GraphError(self.status, self.code, self.message, headers)


class FaultInjector:
    """Decides, request by request, which configured fault fires (thread-safe)."""

    def __init__(self, faults: FaultConfig) -> None:
        self._lock = threading.Lock()
        self.configure(faults)

    def configure(self, faults: FaultConfig) -> None:
        """New faults; counters and bursts start over."""
        with self._lock:
            self.faults = faults
            self._requests = self._top_level = self._pages = 0
            self._throttle_left, self._errors_left = faults.throttle_burst, faults.server_error_burst
            self._errors_sent = 0

    def request_fault(self) -> Fault | None:
        """For every Graph request (batch inner requests included)."""
        with self._lock:
            faults = self.faults
            self._requests += 1
            retry_after = retry_after_value(faults.retry_after_s, faults.retry_after_http_date)
            if self._throttle_left or _nth(self._requests, faults.throttle_every):
                self._throttle_left = max(0, self._throttle_left - 1)
                return Fault(429, "TooManyRequests", "Too many requests (injected throttling).", retry_after)
            if self._errors_left:
                self._errors_left -= 1
                self._errors_sent += 1
                if self._errors_sent % 2:
                    return Fault(503, "ServiceUnavailable", "Service unavailable (injected).", retry_after)
                return Fault(504, "GatewayTimeout", "Gateway timeout (injected).", None)
            return None

    def drop_connection(self) -> bool:
        """For every top-level Graph request: close the connection without answering?"""
        with self._lock:
            self._top_level += 1
            return _nth(self._top_level, self.faults.drop_connection_every)

    def malformed_page(self) -> str | None:
        """For every top-level collection page: ``"invalid_json"``, ``"missing_value"`` or None."""
        with self._lock:
            every = self.faults.malformed_page_every
            if not every:
                return None
            self._pages += 1
            if not _nth(self._pages, every):
                return None
            return "invalid_json" if (self._pages // every) % 2 else "missing_value"


def _nth(count: int, every: int) -> bool:
    return bool(every) and count % every == 0
