"""Which users one originator's activity on one day involves, remembered for the whole source.

Rebuilding a mailbox replays the days of its owner's ``potential_senders``; most of those days
hold nothing for that mailbox (a cross-team contact mails someone else). Bounded caches of the
generated activity cannot hold a large tenant's days, so without this index each such replay
would regenerate a day only to discard it, and time per mailbox would grow with the tenant.
The index keeps, per (originator, day), only the users involved: a few small ints, far less
than the activity itself, so a replay generates a day again only when it holds something for
the mailbox being rebuilt.

>>> index = InvolvementIndex(lambda o, day: (o, o + 1), lambda items: frozenset(items))
>>> index.involves(3, 0, 4), index.involves(3, 0, 5)
(True, False)
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Collection
from typing import Generic, TypeVar

A = TypeVar("A")

_NOBODY: tuple[int, ...] = ()


class InvolvementIndex(Generic[A]):
    """``involves(originator, day, user)``: whether ``activity(originator, day)`` involves ``user``.

    ``involved(activity)`` names the users; the answer is computed once per key and kept (as a
    sorted tuple of user indices: memory grows with the tenant by a few bytes per user-day).
    """

    def __init__(
        self,
        activity: Callable[[int, dt.date], A],
        involved: Callable[[A], Collection[int]],
    ) -> None:
        self._activity = activity
        self._involved = involved
        self._users: dict[tuple[int, dt.date], tuple[int, ...]] = {}
        self._lock = threading.Lock()

    def involves(self, originator: int, day: dt.date, user: int) -> bool:
        key = (originator, day)
        users = self._users.get(key)
        if users is None:
            users = tuple(sorted(self._involved(self._activity(originator, day)))) or _NOBODY
            with self._lock:
                self._users[key] = users
        return user in users
