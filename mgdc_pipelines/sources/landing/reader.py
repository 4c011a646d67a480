"""Delivered lines → JSON objects: lines read in blocks, and what makes a line malformed.

A delivery file is JSON lines: one object per line (MGDC's ``.json`` files are not JSON
documents), though real SharePoint deliveries run several objects together on a line
(``objects.py``). Its text, UTF-8 or UTF-16 (``encoding.py``), is read as UTF-8 bytes in blocks
of whole lines, so a file of any size needs the memory of one buffer; a line that is not UTF-8
is malformed on its own instead of failing the file. Every line knows where it was delivered
(:class:`LineRef`): the file, its 1-based number and the byte offset of its start in the file
as delivered (a byte-order mark counts, as it does on disk, and so does UTF-16's width).

Errors say what is wrong and where, never what the line holds: lines are personal data.

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
>>> try:
...     parse_row(b'{"id": "caf\\xe9"}')
... except MalformedLineError as error:
...     print(error)
invalid UTF-8 at byte 12 of the line
>>> try:
...     parse_row(b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}")
... except MalformedLineError as error:
...     print(error)
nested too deeply: more than 256 levels of objects and arrays at column 262
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from mgdc_pipelines.catalog.json_rows import json_kind, shown_key
from mgdc_pipelines.sources.landing.encoding import UTF8, UTF8_BOM  # noqa: F401 (re-exported)
from mgdc_pipelines.sources.landing.encoding import (
    ReadInto,
    Refilling,
    TextEncoding,
    fill,
    utf8_reader,
)

# Bytes read per buffer, and so the most a block of lines parsed at once spans. 8 MiB is eight
# of Arrow's 1 MiB units of parallel parsing (both cores busy) and about 1,400 Message_v1 lines;
# the block's parsed table (every column, transient) is about as big again. At 32 MiB the peak
# RSS of a 200k-row copy was ~55 MB higher for the same CPU time (benchmarks `memory` case).
BLOCK_BYTES = 8 * 1024 * 1024
_ANY_NUMBER_OF_LINES = 1 << 62
_LINE_BREAK = ord("\n")
_FEW_LINES = 4096  # line breaks in a buffer found one by one before numpy finds them all
# How deep objects and arrays may nest on a line. MGDC's rows nest a few levels (a recipient's
# emailAddress, an event's location). Python's JSON parser, and json.dumps keeping an object as
# JSON text (json_rows.json_text), recurse once per level and fail near the interpreter's
# recursion limit (1,000 frames, some taken by the caller): a line nested deeper than this
# is malformed, the same whatever the stack, and whatever is accepted can be converted.
MAX_NESTING = 256
# A string (skipped whole, even one left open at the end of the line) or a bracket: what moves
# the nesting depth outside strings (``objects.py`` cuts lines with it too).
STRING_OR_BRACKET = r'"[^"\\]*(?:\\.[^"\\]*)*"?|[{}\[\]]'
_STRINGS_AND_BRACKETS = re.compile(STRING_OR_BRACKET, re.DOTALL)


@dataclass(frozen=True)
class LineRef:
    """Where a row was delivered: file (or ``<container>/<blob>``), 1-based line number, the
    byte offset of the line's start in that file (counting a byte-order mark before it) and,
    when the line holds several JSON objects, the 1-based position of the row's among them.

    >>> str(LineRef("part.json", 7, 0)), str(LineRef("part.json", 7, 0, object=2))
    ('part.json:7', 'part.json:7 (object 2)')
    >>> LineRef("part.json", 7, 0, object=2).label
    'line 7, object 2'
    """

    file: Path | str
    line: int
    offset: int
    object: int | None = None

    @property
    def label(self) -> str:
        """``line 7``, or ``line 7, object 2`` for one of several objects on the line."""
        return f"line {self.line}" + (f", object {self.object}" if self.object else "")

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (f" (object {self.object})" if self.object else "")


@dataclass(frozen=True)
class RawLine:
    """One delivered line as read (as UTF-8, whatever the file's ``encoding``).

    >>> line = RawLine(LineRef("part.json", 2, 10), b'{"a": 1}\\r\\n')
    >>> line.content, line.sha256() == hashlib.sha256(b'{"a": 1}').hexdigest()
    (b'{"a": 1}', True)
    >>> line.object(2).where
    LineRef(file='part.json', line=2, offset=10, object=2)
    """

    where: LineRef
    data: bytes  # as read, line ending included, without the file's byte-order mark
    encoding: TextEncoding = UTF8  # the file's, which data was transcoded from

    @property
    def is_blank(self) -> bool:
        return not self.data.strip()

    @property
    def content(self) -> bytes:
        """The line without its line ending (``\\n`` or ``\\r\\n``)."""
        data = self.data
        if data.endswith(b"\n"):
            data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
        return data

    def sha256(self) -> str:
        """Hex SHA-256 of :attr:`content` as delivered (UTF-16 too): names the line without
        showing it."""
        return hashlib.sha256(self.encoding.delivered(self.content)).hexdigest()

    def object(self, number: int) -> RawLine:
        """This line, as where its ``number``-th JSON object was delivered."""
        return replace(self, where=replace(self.where, object=number))


@dataclass(frozen=True)
class DeliveredRow:
    """A line parsed into a JSON object, and the line it came from."""

    line: RawLine
    values: dict[str, Any]

    @property
    def where(self) -> LineRef:
        return self.line.where


class MalformedLineError(ValueError):
    """A line that is not one UTF-8 JSON object."""


@dataclass(frozen=True)
class LineBlock:
    """Whole lines of one file, read in one piece: ``buffer[start:end]`` (UTF-8), numbered from
    ``first_line`` and starting at byte ``offset`` of the file as delivered in ``encoding``;
    ``breaks`` are the positions of its ``\\n`` in ``buffer``. The lines can be parsed together
    (``view``) or one by one (``raw_lines``). The buffer is reused: a block is valid until the
    next one is read."""

    file: Path | str
    first_line: int
    lines: int
    buffer: bytearray
    start: int
    end: int
    breaks: np.ndarray
    offset: int
    encoding: TextEncoding = UTF8

    @property
    def view(self) -> memoryview:
        return memoryview(self.buffer)[self.start : self.end]

    def raw_lines(self) -> Iterator[RawLine]:
        ends = (self.breaks + 1).tolist()
        if not ends or ends[-1] < self.end:
            ends.append(self.end)  # the last line of a file may lack a line break
        position, offset, encoding = self.start, self.offset, self.encoding
        for number, line_end in enumerate(ends, self.first_line):
            data = bytes(self.buffer[position:line_end])
            yield RawLine(LineRef(self.file, number, offset), data, encoding)
            position, offset = line_end, offset + encoding.delivered_length(data)


def line_blocks(
    read_into: ReadInto, file: Path | str, *, max_lines: int, block_bytes: int = BLOCK_BYTES
) -> Iterator[LineBlock]:
    """The lines of one delivery, in blocks of at most ``max_lines`` lines and at most
    ``block_bytes`` bytes (unless a single line is longer), as UTF-8 without the byte-order
    mark (see ``encoding.py``; offsets are the delivered file's). Bytes are read into one
    buffer of ``block_bytes``, reused from block to block, so memory does not depend on the
    size of the file.

    >>> import io
    >>> stream = io.BytesIO(UTF8_BOM + b'{"a": 1}\\n\\n{"b": 2}\\n{"c": 3}')
    >>> blocks = line_blocks(stream.readinto, "f", max_lines=2)
    >>> [(b.first_line, b.lines, b.offset, bytes(b.view)) for b in blocks]
    [(1, 2, 3, b'{"a": 1}\\n\\n'), (3, 2, 13, b'{"b": 2}\\n{"c": 3}')]
    """
    if max_lines < 1 or block_bytes < 1:
        raise ValueError(f"max_lines and block_bytes must be positive, got {max_lines}, {block_bytes}")
    read_text, encoding = utf8_reader(read_into, file)
    buffer = bytearray(block_bytes)
    kept, first_line = 0, 1  # kept: bytes of an unfinished line at the front
    offset = len(encoding.bom)  # where the next block starts in the delivered file
    while True:
        filled = kept + fill(read_text, memoryview(buffer)[kept:])
        at_eof = filled < len(buffer)
        breaks = _line_breaks(buffer, filled)
        start = index = 0  # index: the first break not yet in a block
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
            end = int(end)
            lines = (last - index) + (buffer[end - 1] != _LINE_BREAK)
            block_breaks = breaks[index:last].copy()  # not a view: the buffer's go before a refill
            yield LineBlock(
                file, first_line, lines, buffer, start, end, block_breaks, offset, encoding
            )
            offset += encoding.delivered_length(memoryview(buffer)[start:end])
            first_line, start, index = first_line + lines, end, last
        if at_eof:
            return
        del breaks  # before the next buffer's are found: one buffer's at a time
        kept = filled - start  # buffer[start:filled] moves to the front
        # Room for twice the unfinished line: a line longer than the buffer fits the next one.
        size = max(block_bytes, 2 * kept)
        if size == len(buffer):
            buffer[:kept] = buffer[start:filled]
        else:
            bigger = bytearray(size)
            bigger[:kept] = buffer[start:filled]
            buffer = bigger


def _line_breaks(buffer: bytearray, filled: int) -> np.ndarray:
    """Positions of every ``\\n`` in ``buffer[:filled]``, 8 bytes each whatever the lines.

    A buffer of long lines (the usual: about 1,400 Message_v1 lines in 8 MiB) is searched with
    ``find``, a vectorised memchr about 4x faster than numpy's pass over every byte; a buffer
    of many short or blank lines (8 million in 8 MiB) by numpy, which is then the faster and
    holds no Python int per line (~40 bytes each in a list).
    """
    breaks = []
    find = buffer.find
    position = find(b"\n", 0, filled)
    while position != -1:
        if len(breaks) == _FEW_LINES:
            return np.flatnonzero(np.frombuffer(buffer, np.uint8, count=filled) == _LINE_BREAK)
        breaks.append(position)
        position = find(b"\n", position + 1, filled)
    return np.array(breaks, dtype=np.int64)


class _ChunkReader(Refilling):
    """``readinto`` over an iterable of byte chunks (a blob download)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__(b"")
        self._chunks = iter(chunks)

    def more(self) -> bytes:
        return next((chunk for chunk in self._chunks if chunk), b"")


def file_blocks(path: Path, *, max_lines: int) -> Iterator[LineBlock]:
    """:func:`line_blocks` of a local file."""
    with open(path, "rb", buffering=0) as stream:
        yield from line_blocks(stream.readinto, path, max_lines=max_lines)


def chunk_blocks(chunks: Iterable[bytes], file: Path | str, *, max_lines: int) -> Iterator[LineBlock]:
    """:func:`line_blocks` of a stream of byte chunks (a blob download)."""
    return line_blocks(_ChunkReader(chunks).readinto, file, max_lines=max_lines)


def read_lines(path: Path) -> Iterator[RawLine]:
    """The lines of one delivery file, in order, as UTF-8 without the byte-order mark."""
    for block in file_blocks(path, max_lines=_ANY_NUMBER_OF_LINES):
        yield from block.raw_lines()


def lines_of_chunks(chunks: Iterable[bytes], file: Path | str) -> Iterator[RawLine]:
    """:func:`read_lines` for a stream of byte chunks (a blob download): lines split across
    chunks are joined.

    >>> chunks = [UTF8_BOM + b'{"a": 1}\\n{"b"', b': 2}\\n', b'{}']
    >>> [(line.where.offset, line.data) for line in lines_of_chunks(chunks, "c/b")]
    [(3, b'{"a": 1}\\n'), (12, b'{"b": 2}\\n'), (21, b'{}')]
    >>> str(next(lines_of_chunks([b"x"], "c/b.json")).where)
    'c/b.json:1'
    """
    for block in chunk_blocks(chunks, file, max_lines=_ANY_NUMBER_OF_LINES):
        yield from block.raw_lines()


def parse_row(data: bytes) -> dict[str, Any]:
    """One line as a JSON object; raises :class:`MalformedLineError` saying what is wrong (and
    where in the line), never quoting the line."""
    try:
        text = data.decode("utf-8").rstrip("\r\n")  # so error columns count from the line's start
    except UnicodeDecodeError as error:
        # The codec's own message shows the offending bytes.
        raise MalformedLineError(f"invalid UTF-8 at byte {error.start + 1} of the line") from None
    too_deep = _first_too_deep(text)
    if too_deep is not None:
        raise MalformedLineError(
            f"nested too deeply: more than {MAX_NESTING} levels of objects and arrays at column "
            f"{too_deep + 1}"
        )
    try:
        value = json.loads(
            text, object_pairs_hook=_object_without_repeated_keys, parse_constant=_no_constants
        )
    except RecursionError:  # only if the caller's own stack is already near the limit
        raise MalformedLineError("nested too deeply for Python's JSON parser") from None
    except json.JSONDecodeError as error:
        # Python's scanner may append the character it choked on ("Invalid \\escape: 'x'");
        # some messages end in "at", which the column follows anyway.
        reason = error.msg.partition(":")[0].removesuffix(" at")
        raise MalformedLineError(f"not valid JSON: {reason} at column {error.colno}") from None
    except ValueError as error:  # from the hooks, which word their messages without values
        raise MalformedLineError(f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise MalformedLineError(
            f"a JSON {json_kind(value)}, not an object (MGDC writes one JSON object per line)"
        )
    return value


def _first_too_deep(text: str) -> int | None:
    """Where the line's objects and arrays first nest deeper than :data:`MAX_NESTING` (the
    0-based index of the bracket), or ``None``."""
    if text.count("{") + text.count("[") <= MAX_NESTING:
        return None  # too few brackets to nest that deep: the usual line is not scanned
    depth = 0
    for token in _STRINGS_AND_BRACKETS.finditer(text):
        kind = token.group()[0]
        if kind in "{[":
            depth += 1
            if depth > MAX_NESTING:
                return token.start()
        elif kind in "}]":
            depth = max(depth - 1, 0)  # a stray closer: the line is malformed anyway
    return None


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of repeated keys without a word; that would drop a value.
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"duplicate key {shown_key(repeated)} in an object")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
