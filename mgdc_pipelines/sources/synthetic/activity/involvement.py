"""Which users one originator's activity on one day involves, remembered for recent days.

Rebuilding a mailbox or a calendar replays the days of its owner's ``potential_senders``; most
of those days hold nothing for that owner (a cross-team contact mails or invites someone else).
Bounded caches of the generated activity cannot hold a large tenant's days, so without this
index each such replay would regenerate a day only to discard it, and time per user would grow
with the tenant. The index keeps, per (originator, day), only the users involved, packed into
a few arrays per day, so a replay generates a day again only when it holds something for the
user being rebuilt. Only the last ``days_kept`` days asked about are kept (as ``DayFlags`` keeps
its days), so a process that extracts day after day (a backfill in one run, the Graph emulator)
keeps a bounded index rather than every day it ever served.

>>> index = InvolvementIndex(lambda o, day: (o, o + 1), lambda items: frozenset(items))
>>> day = dt.date(2026, 11, 18)
>>> index.involves(3, day, 4), index.involves(3, day, 5)
(True, False)
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from array import array
from collections.abc import Callable, Collection
from typing import Generic, TypeVar

A = TypeVar("A")

_UNKNOWN = -1
# Days kept, as many as ``DayFlags`` keeps. At 10,000 users a day of mail or of meetings took
# about 0.2 MB (a day of Message_v1 asked about 5 days, one of Event_v1 about 17).
DAYS_KEPT = 128


class InvolvementIndex(Generic[A]):
    """``involves(originator, day, user)``: whether ``activity(originator, day)`` involves ``user``.

    ``involved(activity)`` names the users; the answer is computed once per key and kept. A day
    keeps, per originator, where its users start in one shared array of 4-byte indices and how
    many there are: 12 bytes an originator plus 4 a user involved, where an int key and an
    array per answer took about 100 bytes. A day of Event_v1 asks about every organizer's next
    two weeks: 50,000 users make some 800,000 pairs.

    At most ``days_kept`` days are kept; the day first asked about goes first. A day of Event_v1
    asks about 17 days (a calendar replays its organizers' next two weeks); a window longer
    than ``days_kept`` days still gets the same answers, with days made again.
    """

    def __init__(
        self,
        activity: Callable[[int, dt.date], A],
        involved: Callable[[A], Collection[int]],
        days_kept: int = DAYS_KEPT,
    ) -> None:
        if days_kept < 1:
            raise ValueError(f"days_kept must be at least 1, got {days_kept}")
        self._activity = activity
        self._involved = involved
        self._days_kept = days_kept
        self._days: dict[int, _Day] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many days are kept."""
        return len(self._days)

    def involves(self, originator: int, day: dt.date, user: int) -> bool:
        ordinal = day.toordinal()
        known = self._days.get(ordinal) or self._add_day(ordinal)
        found = known.span(originator)
        if found is None:
            users = sorted(self._involved(self._activity(originator, day)))
            with self._lock:
                found = known.span(originator) or known.add(originator, users)
        start, end = found
        position = bisect.bisect_left(known.users, user, start, end)
        return position < end and known.users[position] == user

    def _add_day(self, ordinal: int) -> _Day:
        with self._lock:
            known = self._days.setdefault(ordinal, _Day())
            if len(self._days) > self._days_kept:  # a reader holding it still answers from it
                del self._days[next(iter(self._days))]
            return known


class _Day:
    """One day's answers: originator ``o``'s users are ``users[starts[o]:starts[o] + counts[o]]``,
    sorted (``starts[o]`` is -1 until ``o`` is asked about)."""

    __slots__ = ("starts", "counts", "users")

    def __init__(self) -> None:
        self.starts = array("q")
        self.counts = array("I")
        self.users = array("I")

    def span(self, originator: int) -> tuple[int, int] | None:
        if originator >= len(self.starts) or self.starts[originator] == _UNKNOWN:
            return None
        start = self.starts[originator]
        return start, start + self.counts[originator]

    def add(self, originator: int, users: list[int]) -> tuple[int, int]:
        missing = originator + 1 - len(self.starts)
        if missing > 0:
            self.starts.extend([_UNKNOWN] * missing)
            self.counts.extend([0] * missing)
        start = len(self.users)
        self.users.extend(users)
        # The count before the start: a reader that sees the start (without the lock) sees both.
        self.counts[originator] = len(users)
        self.starts[originator] = start
        return start, start + len(users)
