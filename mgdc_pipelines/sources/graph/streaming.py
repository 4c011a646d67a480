"""Run per-unit work on a thread pool and stream its output through a bounded queue.

Workers take tasks (a user, or a chunk of up to 20 users for ``$batch``) one at a time and put
the row chunks they produce on a queue of at most ``max_queued`` chunks, so memory does not grow
with the partition: when the consumer is slower than Graph, workers wait. The first failure
stops every worker and is raised to the consumer; so does closing the stream early.

>>> def squares(n):
...     yield [n * n]
>>> sorted(row for chunk in parallel_chunks(range(5), squares, workers=3) for row in chunk)
[0, 1, 4, 9, 16]
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
C = TypeVar("C")

_POLL_S = 0.05


@dataclass(frozen=True)
class _Failure:
    error: BaseException


@dataclass(frozen=True)
class _TaskDone(Generic[T]):
    task: T


_WORKER_EXIT = object()


def parallel_chunks(
    tasks: Iterable[T],
    work: Callable[[T], Iterable[C]],
    *,
    workers: int,
    max_queued: int | None = None,
    on_task_done: Callable[[T], None] | None = None,
    stop: threading.Event | None = None,
) -> Iterator[C]:
    """Yield every chunk ``work(task)`` produces, in completion order across tasks."""
    stop = stop or threading.Event()
    out: queue.Queue = queue.Queue(maxsize=max_queued or 2 * workers)
    pending = iter(tasks)
    take_lock = threading.Lock()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def next_task() -> tuple[bool, T | None]:
        with take_lock:
            for task in pending:
                return True, task
            return False, None

    def run() -> None:
        try:
            while not stop.is_set():
                found, task = next_task()
                if not found:
                    return
                for chunk in work(task):
                    if not put(chunk):
                        return
                put(_TaskDone(task))
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(_Failure(error))
        finally:
            out.put(_WORKER_EXIT)  # never blocks for long: the consumer drains until all exit

    threads = [threading.Thread(target=run, name=f"mgdc-graph-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            item = out.get()
            if item is _WORKER_EXIT:
                running -= 1
            elif isinstance(item, _Failure):
                raise item.error
            elif isinstance(item, _TaskDone):
                if on_task_done:
                    on_task_done(item.task)
            else:
                yield item
    finally:
        stop.set()
        while running:  # let blocked workers finish their put and exit
            if out.get() is _WORKER_EXIT:
                running -= 1
