"""How one mailbox-day is read with all of Outlook's 4 slots: time slices read in parallel.

A mailbox-day starts as one slice, ``[window start, window end)`` on the date column, read in
ascending date order (``$orderby``). When a page of a slice comes back with a nextLink, the rows
read so far tell how dense the slice is; if the rest looks longer than one page and the mailbox
has free slots, the rest ``[last date read, slice end)`` is split into up to ``free`` slices of
equal time span, each read as its own nextLink chain, instead of following the nextLink. A split
costs requests (each slice ends with a partial page), so ``free`` counts only the workers that
would otherwise idle, and the slices a chain needs to end no later than the work already queued
(a chain longer than that would be the partition's tail; longest first keeps it at the front).

Nothing is lost or read twice: slices are half-open and adjacent; the first new slice starts
*at* the last date read (``ge``), so rows sharing that date that the page did not hold are read
there, and those it did hold (by id) are skipped; rows without an id are never split. Rows are numbered (``userrow``) in the
mailbox's date order: a slice's rows are handed on only once every earlier slice is complete,
so at most the pages of the later slices of the mailboxes in progress wait in memory.

This module is pure policy (no threads, no I/O): :mod:`.sliced_reads` runs it against Graph and
``benchmarks/graph_simulation.py`` against simulated time. "Moments" are anything ordered with
differences that divide (``datetime`` or float seconds).

>>> day = MailboxDay("u1", 0.0, 100.0, per_mailbox=4)
>>> first = day.first_read()
>>> page = [(t, f"m{t}") for t in (1.0, 2.0, 3.0, 4.0, 5.0)]  # 5 rows in 5 s: ~19 more pages
>>> follow, runs = day.arrived(first, page, "next", date_of=lambda r: r[0], id_of=lambda r: r[1], spare=8)
>>> [(read.slice.start, read.slice.end) for read in follow]
[(5.0, 28.75), (28.75, 52.5), (52.5, 76.25), (76.25, 100.0)]
>>> [(first_number, len(rows)) for first_number, rows in runs], follow[0].slice.skip_ids
([(0, 5)], frozenset({'m5.0'}))
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

# A chain is cut to catch up only when it looks over twice as long as the queued work: the
# density estimate is often off by that much (mail comes in working hours), and every slice
# ends with a partial page. On the graph bench's mailboxes (≤ 6 pages) this cuts nothing
# the idle workers would not, while a day of 20 pages behind 3 rounds of work is cut in 4.
CATCH_UP_FACTOR = 2.0

Item = TypeVar("Item")
Moment = Any  # datetime or float: ordered, differences divide into a float


@dataclass(eq=False)
class TimeSlice:
    """``[start, end)`` of one mailbox-day, read as one nextLink chain."""

    start: Moment
    end: Moment
    skip_ids: frozenset = frozenset()  # rows at ``start`` an earlier slice already holds
    rows_read: int = 0
    last: Moment = None  # date of the last row read
    done: bool = False
    waiting: list = field(default_factory=list)  # pages held until the earlier slices are done


@dataclass(eq=False)
class Read(Generic[Item]):
    """One request: a slice's first page (``next_link`` None) or the page after."""

    day: MailboxDay
    slice: TimeSlice
    next_link: Any = None
    estimate: float = 1.0  # pages still to read in this slice: longest first


def split_points(
    start: Moment, end: Moment, rows_read: int, last: Moment, page_size: int, free: int
) -> list[Moment]:
    """Inner boundaries splitting ``[last, end)`` in up to ``free`` equal spans (none: don't split).

    ``free`` counts the slices that may read at once (the mailbox's free slots, the idle
    workers): the rest is cut into that many if, at the density read so far, it holds more than
    a page. (Mail comes in working hours, so the estimate is often low: equal spans and cuts
    repeated on later pages make up for it.)

    >>> split_points(0.0, 100.0, 10, 10.0, page_size=10, free=4)  # ~9 pages: 4 slices
    [32.5, 55.0, 77.5]
    >>> split_points(0.0, 100.0, 10, 95.0, page_size=10, free=4)  # ~0.05 page: follow the nextLink
    []
    """
    if free < 2 or last is None or not start < last < end:
        return []
    rest_pages = rows_read * ((end - last) / (last - start)) / max(page_size, 1)
    if rest_pages <= 1:
        return []
    slices = free
    span = end - last
    return [last + span * i / slices for i in range(1, slices)]


class MailboxDay:
    """The slices of one mailbox-day and the order their rows are handed on in."""

    def __init__(self, unit_id: str, start: Moment, end: Moment, per_mailbox: int) -> None:
        self.unit_id = unit_id
        self.per_mailbox = per_mailbox
        self.slices: list[TimeSlice] = [TimeSlice(start, end)]  # not yet handed on, in order
        self.reading = 1  # slices not done
        self.numbered = 0  # rows handed on: the next row's number

    @property
    def done(self) -> bool:
        return self.reading == 0

    def first_read(self, estimate: float = 1.0) -> Read:
        return Read(self, self.slices[0], estimate=estimate)

    def arrived(
        self, read: Read, page: Sequence[Item], next_link: Any,
        date_of: Callable[[Item], Moment | None], id_of: Callable[[Item], Any], spare: int = 0,
        rounds_left: float = math.inf,
    ) -> tuple[list[Read], list[tuple[int, list[Item]]]]:
        """Record one page: the follow-up reads, and ``(first row number, rows)`` now in order.

        ``spare``: workers with nothing to do; ``rounds_left``: requests queued or in flight
        per worker, how long the other work keeps the workers busy.
        """
        piece = read.slice
        rows = [item for item in page if id_of(item) not in piece.skip_ids] if piece.skip_ids else list(page)
        piece.rows_read += len(page)
        if page:
            piece.last = date_of(page[-1])
        piece.waiting.append(rows)
        follow = self._follow(read, page, next_link, date_of, id_of, spare, rounds_left) if next_link else []
        if not follow:
            piece.done = True
            self.reading -= 1
        return follow, self._hand_on()

    def _follow(self, read: Read, page: Sequence[Item], next_link: Any,
                date_of: Callable, id_of: Callable, spare: int, rounds_left: float) -> list[Read]:
        """The nextLink, or new slices covering the rest of this one."""
        piece = read.slice
        estimate = piece.rows_read * _ratio(piece) / max(len(page), 1)  # pages left
        helpers = max(spare, _catching_up(estimate, rounds_left))
        free = min(self.per_mailbox - self.reading, helpers) + 1  # this slice's slot is free once split
        if any(id_of(item) is None for item in page):
            free = 1  # without ids, the rows sharing the boundary date could not be told apart
        points = split_points(piece.start, piece.end, piece.rows_read, piece.last, len(page), free)
        if not points:
            return [Read(self, piece, next_link, estimate)]
        boundary = piece.skip_ids | {id_of(item) for item in page if date_of(item) == piece.last}
        bounds = [piece.last, *points, piece.end]
        parts = [TimeSlice(bounds[0], bounds[1], boundary)]
        parts += [TimeSlice(low, high) for low, high in zip(bounds[1:-1], bounds[2:])]
        piece.end = piece.last
        position = self.slices.index(piece)
        self.slices[position + 1:position + 1] = parts
        self.reading += len(parts) - 1  # the split slice is done when its page is
        piece.done = True
        return [Read(self, part, estimate=estimate / len(parts)) for part in parts]

    def _hand_on(self) -> list[tuple[int, list]]:
        """Pages of the leading slices, in order, numbered; a done slice is dropped."""
        runs = []
        while self.slices:
            head = self.slices[0]
            for rows in head.waiting:
                if rows:
                    runs.append((self.numbered, rows))
                    self.numbered += len(rows)
            head.waiting.clear()
            if not head.done:
                break
            self.slices.pop(0)
        return runs


def _catching_up(pages_left: float, rounds_left: float) -> int:
    """Slices beyond this one that a chain of ``pages_left`` needs to end with the other work.

    >>> _catching_up(20.0, rounds_left=3.0), _catching_up(6.5, rounds_left=3.0)
    (3, 0)
    """
    allowed = CATCH_UP_FACTOR * rounds_left
    if pages_left <= allowed + 1:
        return 0
    return math.ceil(pages_left / max(allowed, 1.0)) - 1


def _ratio(piece: TimeSlice) -> float:
    """(rest of the slice) / (part read), by time; 1 when unknown."""
    if piece.last is None or not piece.start < piece.last < piece.end:
        return 1.0
    return (piece.end - piece.last) / (piece.last - piece.start)


class ReadHeap:
    """Ready reads, longest estimated slice first; ties in arrival order.

    >>> heap = ReadHeap()
    >>> day = MailboxDay("u", 0.0, 1.0, per_mailbox=4)
    >>> heap.push([Read(day, day.slices[0], estimate=1.0), Read(day, day.slices[0], "n", 5.0)])
    >>> heap.pop().estimate, len(heap)
    (5.0, 1)
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Read]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, reads: Sequence[Read]) -> None:
        for read in reads:
            heapq.heappush(self._heap, (-read.estimate, next(self._order), read))

    def pop(self) -> Read:
        return heapq.heappop(self._heap)[2]
