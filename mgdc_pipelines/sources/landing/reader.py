"""Delivered lines → JSON objects: the byte-order mark, UTF-8, and what makes a line malformed.

A delivery file is JSON lines: one object per line (MGDC's ``.json`` files are not JSON
documents). Files are read as bytes, one line at a time, so a file of any size needs the memory
of one line; a line that is not UTF-8 is malformed on its own instead of failing the file.

>>> parse_row(b'{"id": "m1", "isRead": true}\\r\\n')
{'id': 'm1', 'isRead': True}
>>> try:
...     parse_row(b'[1, 2]')
... except MalformedLineError as error:
...     print(error)
a JSON array, not an object (MGDC writes one JSON object per line)
>>> try:
...     parse_row(b'{"id": "m1", "id": "m2"}')
... except MalformedLineError as error:
...     print(error)
not valid JSON: duplicate key 'id' in an object
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

UTF8_BOM = b"\xef\xbb\xbf"
EXCERPT_CHARS = 2000  # how much of a bad line the quarantine keeps
# Bytes read per buffer, and so the most a block of lines parsed at once spans. 8 MiB is eight
# of Arrow's 1 MiB units of parallel parsing (both cores busy) and about 1,400 Message_v1 lines;
# the block's parsed table (every column, transient) is about as big again. At 32 MiB the peak
# RSS of a 200k-row copy was ~55 MB higher for the same CPU time (benchmarks `memory` case).
BLOCK_BYTES = 8 * 1024 * 1024
_ANY_NUMBER_OF_LINES = 1 << 62
_LINE_BREAK = ord("\n")

_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


@dataclass(frozen=True)
class LineRef:
    """Where a row was delivered: file (or ``<container>/<blob>``) and 1-based line number."""

    file: Path | str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RawLine:
    where: LineRef
    data: bytes  # as read, line ending included, without the file's byte-order mark

    @property
    def is_blank(self) -> bool:
        return not self.data.strip()


@dataclass(frozen=True)
class DeliveredRow:
    """A line parsed into a JSON object, and where it came from."""

    where: LineRef
    values: dict[str, Any]


class MalformedLineError(ValueError):
    """A line that is not one UTF-8 JSON object."""


@dataclass(frozen=True)
class LineBlock:
    """Whole lines of one file, read in one piece: ``buffer[start:end]``, numbered from
    ``first_line``; ``breaks`` are the positions of its ``\\n`` in ``buffer``. The lines can be
    parsed together (``view``) or one by one (``raw_lines``). The buffer is reused: a block
    is valid until the next one is read."""

    file: Path | str
    first_line: int
    lines: int
    buffer: bytearray
    start: int
    end: int
    breaks: np.ndarray

    @property
    def view(self) -> memoryview:
        return memoryview(self.buffer)[self.start : self.end]

    def raw_lines(self) -> Iterator[RawLine]:
        ends = (self.breaks + 1).tolist()
        if not ends or ends[-1] < self.end:
            ends.append(self.end)  # the last line of a file may lack a line break
        position = self.start
        for number, line_end in enumerate(ends, self.first_line):
            yield RawLine(LineRef(self.file, number), bytes(self.buffer[position:line_end]))
            position = line_end


ReadInto = Callable[[memoryview], int]  # fills a buffer as ``io.RawIOBase.readinto`` does


def line_blocks(
    read_into: ReadInto, file: Path | str, *, max_lines: int, block_bytes: int = BLOCK_BYTES
) -> Iterator[LineBlock]:
    """The lines of one delivery, in blocks of at most ``max_lines`` lines and at most
    ``block_bytes`` bytes (unless a single line is longer); a UTF-8 byte-order mark at the
    start is dropped. Bytes are read into one buffer of ``block_bytes``, reused from block to
    block, so memory does not depend on the size of the file.

    >>> import io
    >>> stream = io.BytesIO(UTF8_BOM + b'{"a": 1}\\n\\n{"b": 2}\\n{"c": 3}')
    >>> [(b.first_line, b.lines, bytes(b.view)) for b in line_blocks(stream.readinto, "f", max_lines=2)]
    [(1, 2, b'{"a": 1}\\n\\n'), (3, 2, b'{"b": 2}\\n{"c": 3}')]
    """
    if max_lines < 1 or block_bytes < 1:
        raise ValueError(f"max_lines and block_bytes must be positive, got {max_lines}, {block_bytes}")
    buffer = bytearray(max(block_bytes, len(UTF8_BOM)))
    kept, first_line, at_start = 0, 1, True  # kept: bytes of an unfinished line at the front
    while True:
        filled = kept + _fill(read_into, memoryview(buffer)[kept:])
        at_eof = filled < len(buffer)
        breaks = _line_breaks(buffer, filled)
        start = len(UTF8_BOM) if at_start and buffer.startswith(UTF8_BOM) else 0
        at_start = False
        index = 0  # the first break not yet in a block
        while start < filled:
            if len(breaks) - index >= max_lines:
                last = index + max_lines
                end = breaks[last - 1] + 1
            elif at_eof:
                last, end = len(breaks), filled
            elif len(breaks) > index:
                last, end = len(breaks), breaks[-1] + 1
            else:
                break  # the rest is the start of a line that goes on in the next read
            lines = (last - index) + (buffer[end - 1] != _LINE_BREAK)
            block_breaks = np.array(breaks[index:last], dtype=np.int64)
            yield LineBlock(file, first_line, lines, buffer, start, end, block_breaks)
            first_line, start, index = first_line + lines, end, last
        if at_eof:
            return
        kept = filled - start
        # Room for twice the unfinished line: a line longer than the buffer fits the next one.
        size = max(block_bytes, 2 * kept)
        if size == len(buffer):
            buffer[:kept] = buffer[start:filled]
        else:
            bigger = bytearray(size)
            bigger[:kept] = buffer[start:filled]
            buffer = bigger


def _line_breaks(buffer: bytearray, filled: int) -> list[int]:
    """Positions of every ``\\n`` (``find`` is a vectorised memchr: faster than numpy here)."""
    breaks = []
    find = buffer.find
    position = find(b"\n", 0, filled)
    while position != -1:
        breaks.append(position)
        position = find(b"\n", position + 1, filled)
    return breaks


def _fill(read_into: ReadInto, view: memoryview) -> int:
    """Fill ``view`` unless the input ends first; how many bytes were read."""
    filled = 0
    while filled < len(view):
        count = read_into(view[filled:])
        if not count:
            break
        filled += count
    return filled


class _ChunkReader:
    """``readinto`` over an iterable of byte chunks (a blob download)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readinto(self, view: memoryview) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def file_blocks(path: Path, *, max_lines: int) -> Iterator[LineBlock]:
    """:func:`line_blocks` of a local file."""
    with open(path, "rb", buffering=0) as stream:
        yield from line_blocks(stream.readinto, path, max_lines=max_lines)


def chunk_blocks(chunks: Iterable[bytes], file: Path | str, *, max_lines: int) -> Iterator[LineBlock]:
    """:func:`line_blocks` of a stream of byte chunks (a blob download)."""
    return line_blocks(_ChunkReader(chunks).readinto, file, max_lines=max_lines)


def read_lines(path: Path) -> Iterator[RawLine]:
    """The lines of one delivery file, in order; a UTF-8 byte-order mark at its start is dropped."""
    for block in file_blocks(path, max_lines=_ANY_NUMBER_OF_LINES):
        yield from block.raw_lines()


def lines_of_chunks(chunks: Iterable[bytes], file: Path | str) -> Iterator[RawLine]:
    """:func:`read_lines` for a stream of byte chunks (a blob download): lines split across
    chunks are joined.

    >>> [line.data for line in lines_of_chunks([UTF8_BOM + b'{"a": 1}\\n{"b"', b': 2}\\n', b'{}'], "c/b")]
    [b'{"a": 1}\\n', b'{"b": 2}\\n', b'{}']
    >>> str(next(lines_of_chunks([b"x"], "c/b.json")).where)
    'c/b.json:1'
    """
    for block in chunk_blocks(chunks, file, max_lines=_ANY_NUMBER_OF_LINES):
        yield from block.raw_lines()


def parse_row(data: bytes) -> dict[str, Any]:
    """One line as a JSON object; raises :class:`MalformedLineError` saying what is wrong."""
    try:
        text = data.decode("utf-8").rstrip("\r\n")  # so error columns count from the line's start
    except UnicodeDecodeError as error:
        raise MalformedLineError(f"not UTF-8 text: {error}") from None
    try:
        value = json.loads(
            text, object_pairs_hook=_object_without_repeated_keys, parse_constant=_no_constants
        )
    except json.JSONDecodeError as error:
        raise MalformedLineError(f"not valid JSON: {error.msg} at column {error.colno}") from None
    except ValueError as error:  # from the hooks
        raise MalformedLineError(f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        kind = "null" if value is None else _JSON_KINDS.get(type(value), type(value).__name__)
        raise MalformedLineError(
            f"a JSON {kind}, not an object (MGDC writes one JSON object per line)"
        )
    return value


def excerpt(line: bytes | str) -> str:
    """The start of a line for the quarantine file (undecodable bytes shown as U+FFFD)."""
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
    text = text.rstrip("\r\n")
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS] + f"... [{len(text) - EXCERPT_CHARS} more characters]"


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of repeated keys without a word; that would drop a value.
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"duplicate key {repeated!r} in an object")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
