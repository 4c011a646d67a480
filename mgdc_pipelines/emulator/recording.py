"""Every request the emulator answered, so tests can assert what a client asked.

Secrets never get here: neither the token request's form nor any header is recorded.

>>> log = RequestLog(maxlen=10)
>>> log.append(RecordedRequest("GET", "/users", {"$select": "id"}, None, 200, False, 0.0, 0.1, 0))
>>> [(r.method, r.path, r.params["$select"]) for r in log.snapshot()]
[('GET', '/users', 'id')]
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecordedRequest:
    """One answered (or dropped) request.

    ``path`` is relative to ``/v1.0`` for Graph requests and the full path for identity
    requests (``service == "identity"``). ``status`` is ``None`` when the connection was
    dropped on purpose. ``mailbox`` is the user whose Outlook limits applied (or ``None``);
    ``concurrent`` is how many requests for that mailbox were in flight, this one included.
    ``started``/``finished`` are ``time.monotonic()`` values.
    """

    method: str
    path: str
    params: Mapping[str, str]
    mailbox: str | None
    status: int | None
    in_batch: bool
    started: float
    finished: float
    concurrent: int
    service: str = "graph"
    client_id: str | None = None
    error_code: str | None = field(default=None)


class RequestLog:
    """A bounded, thread-safe list of :class:`RecordedRequest` (oldest dropped first)."""

    def __init__(self, maxlen: int) -> None:
        self._lock = threading.Lock()
        self._entries: deque[RecordedRequest] = deque(maxlen=maxlen)

    def append(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
