"""Concurrency within Graph's rules: at most 4 requests in flight per mailbox, and a global cap.

Outlook counts concurrent requests per (app, mailbox) pair and answers the fifth with HTTP 429
(reference §6, "Outlook limits"). A :class:`MailboxSlots` counts in-flight requests per mailbox
for one app in this process: every source of that app shares it, so parallel partitions and
``$batch`` requests (whose inner requests count one each) never exceed the limit between them.
A :class:`ConcurrencyLimiter` adds a global cap for one source.

>>> limiter = ConcurrencyLimiter(global_cap=8, mailboxes=MailboxSlots(per_mailbox=2))
>>> with limiter.slots(["user-1", "user-1"]):
...     limiter.mailboxes.in_flight("user-1")
2
>>> limiter.mailboxes.in_flight("user-1")
0
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

OUTLOOK_CONCURRENCY_PER_MAILBOX = 4

_shared: dict[tuple[str, ...], MailboxSlots] = {}
_shared_lock = threading.Lock()


class MailboxSlots:
    """In-flight request counts per mailbox; acquiring waits until all needed slots are free."""

    def __init__(self, per_mailbox: int = OUTLOOK_CONCURRENCY_PER_MAILBOX) -> None:
        if per_mailbox < 1:
            raise ValueError(f"per_mailbox must be at least 1, got {per_mailbox}")
        self.per_mailbox = per_mailbox
        self._in_flight: Counter[str] = Counter()
        self._changed = threading.Condition()

    def in_flight(self, mailbox: str) -> int:
        with self._changed:
            return self._in_flight[mailbox]

    def acquire(self, needed: Counter[str]) -> None:
        """Take ``needed[m]`` slots of every mailbox ``m`` at once (all or none: no deadlock)."""
        for mailbox, count in needed.items():
            if count > self.per_mailbox:
                raise ValueError(
                    f"one request needs {count} slots of mailbox {mailbox}; the limit is {self.per_mailbox}"
                )
        with self._changed:
            self._changed.wait_for(
                lambda: all(self._in_flight[m] + n <= self.per_mailbox for m, n in needed.items())
            )
            self._in_flight.update(needed)

    def release(self, needed: Counter[str]) -> None:
        with self._changed:
            self._in_flight.subtract(needed)
            for mailbox in needed:
                if self._in_flight[mailbox] <= 0:
                    del self._in_flight[mailbox]
            self._changed.notify_all()


def shared_mailbox_slots(*app_key: str) -> MailboxSlots:
    """The process-wide slots of one app (key: authority, tenant, client id)."""
    with _shared_lock:
        return _shared.setdefault(tuple(app_key), MailboxSlots())


class ConcurrencyLimiter:
    """A global cap on requests in flight plus the per-mailbox slots."""

    def __init__(self, global_cap: int, mailboxes: MailboxSlots | None = None) -> None:
        if global_cap < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {global_cap}")
        self.global_cap = global_cap
        self.mailboxes = mailboxes or MailboxSlots()
        self._global = threading.BoundedSemaphore(global_cap)

    @contextmanager
    def slots(self, mailboxes: Iterable[str]) -> Iterator[None]:
        """Hold one global slot and one slot per mailbox entry while a request is in flight."""
        needed = Counter(mailboxes)
        with self._global:
            self.mailboxes.acquire(needed)
            try:
                yield
            finally:
                self.mailboxes.release(needed)
