"""Which users one originator's activity on one day involves, remembered for the whole source.

Rebuilding a mailbox replays the days of its owner's ``potential_senders``; most of those days
hold nothing for that mailbox (a cross-team contact mails someone else). Bounded caches of the
generated activity cannot hold a large tenant's days, so without this index each such replay
would regenerate a day only to discard it, and time per mailbox would grow with the tenant.
The index keeps, per (originator, day), only the users involved: a few packed ints, far less
than the activity itself, so a replay generates a day again only when it holds something for
the mailbox being rebuilt.

>>> index = InvolvementIndex(lambda o, day: (o, o + 1), lambda items: frozenset(items))
>>> day = dt.date(2026, 11, 18)
>>> index.involves(3, day, 4), index.involves(3, day, 5)
(True, False)
"""

from __future__ import annotations

import datetime as dt
import threading
from array import array
from collections.abc import Callable, Collection
from typing import Generic, TypeVar

A = TypeVar("A")

_NOBODY = array("I")
_DAY_BITS = 20  # a day's ordinal (738,000 in 2021) fits in 20 bits


class InvolvementIndex(Generic[A]):
    """``involves(originator, day, user)``: whether ``activity(originator, day)`` involves ``user``.

    ``involved(activity)`` names the users; the answer is computed once per key and kept, packed
    (one int for the key, an array of 4-byte user indices for the answer): about 100 bytes a
    key, where a tuple key and a tuple of ints took three times as much, and a 50,000-user
    tenant's day of mail holds 150,000 keys.
    """

    def __init__(
        self,
        activity: Callable[[int, dt.date], A],
        involved: Callable[[A], Collection[int]],
    ) -> None:
        self._activity = activity
        self._involved = involved
        self._users: dict[int, array] = {}
        self._lock = threading.Lock()

    def involves(self, originator: int, day: dt.date, user: int) -> bool:
        key = (originator << _DAY_BITS) | day.toordinal()
        users = self._users.get(key)
        if users is None:
            users = array("I", sorted(self._involved(self._activity(originator, day)))) or _NOBODY
            with self._lock:
                self._users[key] = users
        return user in users
