"""The Arrow memory pool a copy allocates from: one that gives freed memory back to the system.

pyarrow's default pool on Linux is mimalloc, which keeps the pages a thread freed for that
thread's next allocations. A copy allocates in Arrow's JSON-parsing threads and in the
read-ahead thread and frees in the writing thread, so mimalloc kept about 100 MB resident that
no data needed (``python -m benchmarks --cases memory``: peak RSS 377 MB with mimalloc, 286 MB
with jemalloc at 200k Message_v1 rows, the same Arrow high-water mark of 50 MB in both).
jemalloc, as pyarrow configures it, hands freed pages back at once; where pyarrow was built
without it (e.g. Windows), the C library's allocator is the fallback, which measured close to it.

:func:`copy_memory_pool` makes that pool the default for the duration of a copy and restores
the previous one afterwards (overlapping copies in threads restore it when the last one ends).
Buffers remember the pool they came from, so switching is safe at any time. A pool chosen
explicitly with ``ARROW_DEFAULT_MEMORY_POOL`` is left alone.

>>> import pyarrow as pa
>>> with copy_memory_pool() as pool:
...     pa.default_memory_pool().backend_name == pool.backend_name
True
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

POOL_ENV_VAR = "ARROW_DEFAULT_MEMORY_POOL"

_lock = threading.Lock()
_active_copies = 0
_previous_pool: pa.MemoryPool | None = None


def returning_pool() -> pa.MemoryPool:
    """jemalloc where pyarrow has it, else the system allocator (see the module docstring)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.system_memory_pool()


@contextmanager
def copy_memory_pool() -> Iterator[pa.MemoryPool]:
    """Within the block, Arrow allocates from :func:`returning_pool` (unless the user chose a
    pool with ``ARROW_DEFAULT_MEMORY_POOL``); yields the pool in effect."""
    if os.environ.get(POOL_ENV_VAR):
        yield pa.default_memory_pool()
        return
    global _active_copies, _previous_pool
    with _lock:
        if _active_copies == 0:
            _previous_pool = pa.default_memory_pool()
            pa.set_memory_pool(returning_pool())
        _active_copies += 1
    try:
        yield pa.default_memory_pool()
    finally:
        with _lock:
            _active_copies -= 1
            if _active_copies == 0:
                pa.set_memory_pool(_previous_pool)
                _previous_pool = None
