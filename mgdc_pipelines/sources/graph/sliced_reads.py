"""Mailbox-days read page by page on the source's workers, in time slices (:mod:`.mailbox_day`).

Each request is a task: a slice's first page, or the page after. A worker takes the ready read
with the longest estimated slice (critical path first: a long chain started late would end the
partition late), sends it, records the page, queues the follow-ups and hands on the rows that
are now in order. Slices are cut only when workers would otherwise idle (:meth:`ReadQueue.spare`) or a
slice would outlast the queued work (:meth:`ReadQueue.rounds_left`). Users are queued as their directory pages arrive (a thread reads them), so
mail is read before the whole user list is. In flight per mailbox: at most one read per
unfinished slice, and a mailbox never has more than ``per_mailbox`` unfinished slices.

>>> queue = ReadQueue(workers=4)
>>> queue.add_units(lambda: iter(()), lambda unit_id: None)
>>> list(queue)  # no users: nothing to read
[]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from mgdc_pipelines.sources.graph.client import NEXT_LINK, GraphClient, page_values
from mgdc_pipelines.sources.graph.mailbox_day import MailboxDay, Read, ReadHeap
from mgdc_pipelines.sources.graph.query import DatasetQuery
from mgdc_pipelines.sources.graph.streaming import parallel_chunks
from mgdc_pipelines.sources.rows import RowStamper, chunked

_POLL_S = 0.05


class ReadQueue:
    """Ready reads for the workers: an iterator that waits while reads are in flight.

    It ends when the unit list is read and no read is ready or in flight; a failure of the
    unit list is raised to the worker that asks next (and so to the consumer).
    """

    def __init__(self, workers: int, stop: threading.Event | None = None) -> None:
        self.workers = workers
        self._heap = ReadHeap()
        self._changed = threading.Condition()
        self._outstanding = 0  # ready or in flight
        self._units_listed = False
        self._failure: BaseException | None = None
        self._stop = stop or threading.Event()

    def add_units(self, unit_ids: Callable[[], Iterable[str]], first_read: Callable[[str], Read | None]) -> None:
        """Queue ``first_read(unit)`` of each unit, listing them on a thread of their own."""

        def list_units() -> None:
            try:
                for unit_id in unit_ids():
                    read = first_read(unit_id)
                    if read is not None:
                        self.done_with(None, [read])
                    if self._stop.is_set():
                        return
            except BaseException as error:  # handed to a worker, which raises it to the consumer
                with self._changed:
                    self._failure = error
            finally:
                with self._changed:
                    self._units_listed = True
                    self._changed.notify_all()

        threading.Thread(target=list_units, name="mgdc-graph-units", daemon=True).start()

    def done_with(self, read: Read | None, follow: Iterable[Read]) -> None:
        """``read`` answered (``None``: a new unit), ``follow`` now ready."""
        follow = list(follow)
        with self._changed:
            self._heap.push(follow)
            self._outstanding += len(follow) - (read is not None)
            if self._outstanding == 0:
                self._changed.notify_all()  # perhaps the end: every worker looks
            else:
                self._changed.notify(len(follow))  # one worker per new read, not a herd of 16

    def spare(self, answered: int = 0) -> int:
        """Workers that would idle now: neither a read in flight nor one ready for them.

        ``answered``: reads the caller has back but not yet handed to :meth:`done_with` (still
        counted as in flight, their workers are about to be free).
        """
        with self._changed:
            return max(0, self.workers - self._outstanding + answered)

    def rounds_left(self) -> float:
        """Reads ready or in flight per worker: how long the queued work keeps them all busy."""
        with self._changed:
            return self._outstanding / self.workers

    def __iter__(self) -> Iterator[Read]:
        return self

    def __next__(self) -> Read:
        with self._changed:
            while True:
                if self._failure is not None:
                    raise self._failure
                if self._heap:
                    return self._heap.pop()
                if self._stop.is_set() or (self._units_listed and self._outstanding == 0):
                    raise StopIteration
                self._changed.wait(_POLL_S)


class SlicedReads:
    """Reads one partition's mailbox-days; ``work`` is the per-read task of the worker pool.

    ``fetch(read, unit_id)`` sends the read's request and returns ``(items, next_link)``;
    ``emit(unit_id, first_number, items)`` turns items handed on into row chunks.
    """

    def __init__(
        self,
        queue: ReadQueue,
        fetch: Callable[[Read], tuple[list[dict], Any]],
        emit: Callable[[str, int, list[dict]], Iterator[list[dict]]],
        date_of: Callable[[dict], Any],
        on_unit_done: Callable[[str], None],
    ) -> None:
        self.queue, self._fetch, self._emit = queue, fetch, emit
        self._date_of, self._on_unit_done = date_of, on_unit_done
        self._lock = threading.Lock()

    def work(self, read: Read) -> Iterator[list[dict]]:
        items, next_link = self._fetch(read)
        day = read.day
        spare, rounds_left = self.queue.spare(answered=1), self.queue.rounds_left()  # this worker is free too
        with self._lock:  # a mailbox's slices and numbering change under one lock
            follow, runs = day.arrived(read, items, next_link, self._date_of, _item_id, spare, rounds_left)
            finished = day.done
        self.queue.done_with(read, follow)
        if finished:
            self._on_unit_done(day.unit_id)
        for first_number, rows in runs:
            yield from self._emit(day.unit_id, first_number, rows)


def sliced_chunks(
    client: GraphClient, query: DatasetQuery, window: Any, unit_ids: Callable[[], Iterable[str]], *,
    stamper: RowStamper, label: str, workers: int, rows_per_chunk: int,
    on_unit: Callable[[], None], on_unit_done: Callable[[str], None], stop: threading.Event,
) -> Iterator[list[dict]]:
    """Stamped row chunks of every listed unit's window, read in slices by ``workers`` threads.

    ``on_unit`` is called for each unit listed, ``on_unit_done`` when its rows are all read.
    """
    per_mailbox = client.limiter.mailboxes.per_mailbox

    def first_read(unit_id: str) -> Read:
        on_unit()
        return MailboxDay(unit_id, window.start, window.end, per_mailbox).first_read()

    def fetch(read: Read) -> tuple[list[dict], Any]:
        unit_id, piece = read.day.unit_id, read.slice
        what = f"{label}: user {unit_id}"
        url = read.next_link or client.url(query.path(unit_id))
        params = None if read.next_link else query.slice_params(piece.start, piece.end)
        body = client.get_json(url, what=what, params=params, mailbox=query.mailbox(unit_id))
        items = page_values(body, url, what)
        client.stats.add(pages=1)
        return items, body.get(NEXT_LINK)

    def emit(unit_id: str, first_number: int, items: list[dict]) -> Iterator[list[dict]]:
        rows = (query.normalize(item) for item in items)
        return chunked(stamper.stamp(rows, unit_id, first_number), rows_per_chunk)

    queue = ReadQueue(workers, stop)
    reads = SlicedReads(queue, fetch, emit, query.date_of, on_unit_done)
    queue.add_units(unit_ids, first_read)
    return parallel_chunks(queue, reads.work, workers=workers, stop=stop)


def _item_id(item: dict) -> Any:
    return item.get("id")
