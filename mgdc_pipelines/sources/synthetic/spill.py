"""Values evicted from a bounded cache, kept pickled in a temporary file to be read back later.

A mailbox is rebuilt from its senders' days of traffic, and each day of traffic is shared by
the mailboxes of everyone it reaches. In a large tenant some of those mailboxes lie far apart in
extraction order (cross-team contacts always do; in version 1 of the rows a manager's teams are
spread across the department too), so by the time the next one is rebuilt the day has long left
the bounded in-memory cache. Making it again costs about 200 µs; reading it back from its
pickle about 40 µs. Keeping every evicted day in memory would make memory grow with the tenant
(about 500 MB at 50,000 users); on disk it costs only disk: about 1.5 KB a day of traffic.

Memory: an index entry (about 100 bytes) per value spilled, and a mebibyte of pickles waiting
to be written. Disk: at most ``max_bytes``, after which the spill starts afresh, as a bounded
cache would, and never more than half of the disk's free space. An anonymous temporary file
holds it: it has no name on disk and goes away with the process. If it cannot be written (that
half is used, or the disk is full), spilling stops and values are made again, as without a
spill: the spill only ever saves time.

>>> spill = Spill(max_bytes=1 << 20)
>>> spill.keep(7, ("a day", 1))
>>> spill.find(7), spill.find(8) is MISSING
(('a day', 1), True)
"""

from __future__ import annotations

import dataclasses
import operator
import os
import pickle
import tempfile
import threading
from collections.abc import Hashable
from typing import IO, Any, TypeVar

# At 50,000 users a day of Message_v1 spills about 150,000 days of traffic, about 230 MB.
DEFAULT_MAX_BYTES = 1 << 30
MISSING: Any = object()  # what ``find`` returns for a key never spilled (or since forgotten)
C = TypeVar("C", bound=type)
_LENGTH_BITS = 32  # a location packs (offset << 32) | length into one int
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1
_WRITE_BYTES = 1 << 20  # pending pickles are written to the file a mebibyte at a time


def pickled_by_fields(cls: C) -> C:
    """Pickle the dataclass ``cls`` as its field values, rebuilt by calling it.

    Why: a slotted dataclass pickles through ``dataclasses``' own ``__getstate__`` and
    ``__setstate__``, which call ``fields()`` for every object: spilling and reading back a
    day of traffic took 108 µs that way, 64 µs this way.

    >>> from mgdc_pipelines.sources.synthetic.activity.mail import Party  # decorated so
    >>> party = Party("Ana Lopez", "ana@contoso.com", user=3)
    >>> party.__reduce__()[1], pickle.loads(pickle.dumps(party)) == party
    (('Ana Lopez', 'ana@contoso.com', 3, None), True)
    """
    names = [field.name for field in dataclasses.fields(cls)]
    values = operator.attrgetter(*names)
    if len(names) == 1:
        cls.__reduce__ = lambda self: (cls, (values(self),))
    else:
        cls.__reduce__ = lambda self: (cls, values(self))
    return cls


class Spill:
    """Pickled values by key in an anonymous temporary file; safe to share between threads.

    The index maps ``hash(key)`` to where the pickle lies, packed in one int: about a hundred
    bytes a value. Each pickle holds its key too, and a value is returned only for its own key,
    so two keys of the same hash cost the second one its spill, never a wrong value.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        self._owner_pid = 0  # a forked child must not write into its parent's file
        self._where: dict[int, int] = {}  # hash(key) -> offset << _LENGTH_BITS | length
        self._size = 0  # bytes spilled: in the file, then the pending ones
        self._pending = bytearray()  # written to the file in large writes, not one per value
        self._room = max_bytes  # what this file may take: less where the disk is nearly full
        self._broken = False

    def __len__(self) -> int:
        return len(self._where)

    def __repr__(self) -> str:
        return f"Spill({len(self)} values, {self._size} bytes of at most {self._room})"

    def keep(self, key: Hashable, value: object) -> None:
        """Spill ``value`` under ``key``, unless it already is (values are pure functions of
        their key, so the copy on disk is still right)."""
        hashed = hash(key)
        if self._broken or hashed in self._where:
            return
        blob = pickle.dumps((key, value), pickle.HIGHEST_PROTOCOL)
        if len(blob) >= 1 << _LENGTH_BITS:
            return  # far beyond any value this tenant makes: made again when needed
        with self._lock:
            try:
                self._append(blob)
            except OSError:  # no space left, say: stop spilling, keep making values
                self._broken = True
                self._forget()
                return
            self._where[hashed] = (self._size << _LENGTH_BITS) | len(blob)
            self._size += len(blob)

    def find(self, key: Hashable) -> Any:
        """The value spilled under ``key``, or :data:`MISSING`."""
        with self._lock:
            where = self._where.get(hash(key))
            if where is None or self._owner_pid != os.getpid():
                return MISSING
            blob = self._read(where >> _LENGTH_BITS, where & _LENGTH_MASK)
        spilled_key, value = pickle.loads(blob)
        return value if spilled_key == key else MISSING

    def _append(self, blob: bytes) -> None:
        """Add ``blob`` at offset ``self._size`` (the caller holds the lock)."""
        if self._size + len(blob) > self._max_bytes or self._owner_pid != os.getpid():
            self._forget()
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="mgdc-synthetic-spill-")
            self._owner_pid = os.getpid()
            self._room = min(self._max_bytes, _half_the_free_space(self._file))
        if self._size + len(blob) > self._room:
            raise OSError(f"the spill keeps to {self._room} bytes, half the disk's free space")
        self._pending += blob
        if len(self._pending) >= _WRITE_BYTES:
            chunk, offset = bytes(self._pending), self._size + len(blob) - len(self._pending)
            self._pending.clear()
            _write_all(self._file, chunk, offset)

    def _read(self, offset: int, length: int) -> bytes:
        written = self._size - len(self._pending)
        if offset >= written:
            return bytes(self._pending[offset - written : offset - written + length])
        assert self._file is not None
        return os.pread(self._file.fileno(), length, offset)

    def _forget(self) -> None:
        """Drop every spilled value (the caller holds the lock)."""
        if self._file is not None:
            self._file.close()  # in a forked child this closes only the child's descriptor
        self._file, self._where, self._size = None, {}, 0
        self._pending.clear()


def _half_the_free_space(file: IO[bytes]) -> int:
    """Half of what the file system holding ``file`` has free: a spill never fills a disk that
    other processes (a database, the sink) are writing to."""
    stats = os.fstatvfs(file.fileno())
    return stats.f_bavail * stats.f_frsize // 2


def _write_all(file: IO[bytes], data: bytes, offset: int) -> None:
    """``pwrite`` until every byte is written (near a size limit it writes only part)."""
    view = memoryview(data)
    while view:
        written = os.pwrite(file.fileno(), view, offset)
        if written == 0:
            raise OSError(f"no byte written to the spill at offset {offset}")
        view, offset = view[written:], offset + written
