"""Read a source one batch ahead, in a background thread, while the caller writes the last one.

Parsing (Arrow's JSON reader) and writing (Parquet encoding, compression) both release the
GIL, so extracting batch k+1 overlaps enforcing and writing batch k. Memory grows by at most
``depth`` batches; errors of the source are raised in the caller's thread, and closing the
reader (or leaving its ``with`` block) stops the thread and closes the source's iterator.

>>> with ReadAhead(iter(range(3))) as batches:
...     list(batches)
[0, 1, 2]
>>> def failing():
...     yield 1
...     raise ValueError("bad delivery")
>>> with ReadAhead(failing()) as batches:
...     try:
...         for item in batches:
...             pass
...     except ValueError as error:
...         print(item, error)
1 bad delivery
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.05


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """Iterates ``items`` in a daemon thread, at most ``depth`` items ahead of the caller."""

    def __init__(self, items: Iterable[T], depth: int = 1) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce, args=(iter(items),), name="mgdc-read-ahead", daemon=True
        )
        self._thread.start()
        self._finished = False

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        item = self._queue.get()
        if item is _DONE:
            self._finished = True
            raise StopIteration
        if isinstance(item, _Failure):
            self._finished = True
            raise item.error
        return item

    def close(self) -> None:
        """Stop reading; waits for the item being produced, then closes the source."""
        self._stop.set()
        while self._thread.is_alive():
            try:  # unblock a producer waiting for room
                self._queue.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                pass
        self._finished = True

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _produce(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as error:  # handed to the caller's thread
            self._put(_Failure(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False
