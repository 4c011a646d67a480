"""Hold off the garbage collector's full collections while synthetic rows are being made.

Making rows allocates millions of short-lived objects (row dicts, tuples, strings) that
reference counting frees as soon as a batch is built. CPython still counts every allocation
toward its collection thresholds, and every tenth young collection can turn into a full one,
which walks every live object in the process: the tenant, the activity caches and whatever the
host process holds. On a 5,000-user tenant those full collections took about a fifth of the
time of a day of ``Message_v1``, and their cost grows with the tenant.

While a batch is made, full collections are deferred (young collections still run, so cyclic
garbage is still found); the thresholds in force before are restored as soon as no batch is
being made, in any thread.

>>> import gc
>>> before = gc.get_threshold()
>>> batches = list(made_without_full_collections(iter([1, 2])))
>>> batches, gc.get_threshold() == before
([1, 2], True)
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# Full collections only after this many young-generation-1 collections (CPython's default: 10).
DEFERRED_FULL_COLLECTION_THRESHOLD = 1_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] | None = None


@contextmanager
def full_collections_deferred() -> Iterator[None]:
    """Within the block, full collections wait; nested and concurrent uses share one deferral."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            young, middle = _saved[0], _saved[1]
            gc.set_threshold(young, middle, max(_saved[2], DEFERRED_FULL_COLLECTION_THRESHOLD))
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None


def made_without_full_collections(batches: Iterator[T]) -> Iterator[T]:
    """``batches``, each made with full collections deferred (not while the consumer holds it)."""
    while True:
        with full_collections_deferred():
            batch = next(batches, None)
        if batch is None:
            return
        yield batch
