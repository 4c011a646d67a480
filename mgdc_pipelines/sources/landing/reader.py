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
    DeliveredHash,
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
# The longest line read (line break included): the buffer grows to hold a longer line, up to
# this. 64 MiB is far beyond any MGDC row (a mail body and its headers take a few MB; Exchange
# Online refuses messages over 150 MB with their attachments, which rows do not carry), and
# holding such a line and parsing it (its copy, the decoded text, the values: about 4x) stays
# within a few hundred MB. A longer line is not held: it streams past, hashed, and is
# quarantined by its file, line and offset (:class:`TooLongLine`), like any malformed line.
MAX_LINE_BYTES = 64 * 1024 * 1024
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
_JSON_WHITE_SPACE = re.compile(rb"[ \t\r\n]*")
_ARRAY_START = ord("[")
_CARRIAGE_RETURN = b"\r"


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


@dataclass(frozen=True)
class TooLongLine(RawLine):
    """A line longer than the reader holds (:data:`MAX_LINE_BYTES`): streamed past unread, so
    it is known by where it is, its ``length`` as delivered (line ending included) and the
    hash of its content (``digest``, as :meth:`RawLine.sha256` would give); ``data`` is empty.

    >>> line = TooLongLine(LineRef("part.json", 3, 99), b"", length=70_000_000, limit=1 << 26,
    ...                    digest="ab12")
    >>> line.is_blank, line.sha256()
    (False, 'ab12')
    >>> print(line.problem)  # doctest: +NORMALIZE_WHITESPACE
    a line too long to read (70,000,000 bytes as delivered): a line and its line break may take
    at most 67,108,864 bytes (64 MiB)
    """

    length: int = 0
    limit: int = 0
    digest: str = ""

    @property
    def is_blank(self) -> bool:
        return False

    @property
    def problem(self) -> str:
        mebibytes = f" ({self.limit >> 20} MiB)" if self.limit >> 20 else ""
        return (
            f"a line too long to read ({self.length:,} bytes as delivered): a line and its line "
            f"break may take at most {self.limit:,} bytes{mebibytes}"
        )

    def sha256(self) -> str:
        return self.digest


class MalformedLineError(ValueError):
    """A line that is not one UTF-8 JSON object."""


class NotJsonLinesError(ValueError):
    """A delivery file that is one JSON document (an array of objects), not JSON lines."""


@dataclass(frozen=True)
class LineBlock:
    """Whole lines of one file, read in one piece: ``buffer[start:end]`` (UTF-8), numbered from
    ``first_line`` and starting at byte ``offset`` of the file as delivered in ``encoding``;
    ``breaks`` are the positions of its ``\\n`` in ``buffer``. The lines can be parsed together
    (``view``) or one by one (``raw_lines``). The buffer is reused: a block is valid until the
    next one is read. A line too long to read is a block of its own, with no bytes
    (``too_long``)."""

    file: Path | str
    first_line: int
    lines: int
    buffer: bytearray
    start: int
    end: int
    breaks: np.ndarray
    offset: int
    encoding: TextEncoding = UTF8
    too_long: TooLongLine | None = None

    @property
    def view(self) -> memoryview:
        return memoryview(self.buffer)[self.start : self.end]

    def raw_lines(self) -> Iterator[RawLine]:
        if self.too_long is not None:
            yield self.too_long
            return
        ends = (self.breaks + 1).tolist()
        if not ends or ends[-1] < self.end:
            ends.append(self.end)  # the last line of a file may lack a line break
        position, offset, encoding = self.start, self.offset, self.encoding
        for number, line_end in enumerate(ends, self.first_line):
            data = bytes(self.buffer[position:line_end])
            yield RawLine(LineRef(self.file, number, offset), data, encoding)
            position, offset = line_end, offset + encoding.delivered_length(data)


def line_blocks(
    read_into: ReadInto,
    file: Path | str,
    *,
    max_lines: int,
    block_bytes: int | None = None,
    max_line_bytes: int | None = None,
) -> Iterator[LineBlock]:
    """The lines of one delivery, in blocks of at most ``max_lines`` lines and at most
    ``block_bytes`` bytes (unless a single line is longer), as UTF-8 without the byte-order
    mark (see ``encoding.py``; offsets are the delivered file's). Bytes are read into one
    buffer of ``block_bytes`` (:data:`BLOCK_BYTES`), reused from block to block, so memory does
    not depend on the size of the file: it grows for a longer line, up to ``max_line_bytes``
    (:data:`MAX_LINE_BYTES`); a line longer still is a :class:`TooLongLine`. A file that is one
    JSON array (its first character ``[``) is refused: :class:`NotJsonLinesError`.

    >>> import io
    >>> stream = io.BytesIO(UTF8_BOM + b'{"a": 1}\\n\\n{"b": 2}\\n{"c": 3}')
    >>> blocks = line_blocks(stream.readinto, "f", max_lines=2)
    >>> [(b.first_line, b.lines, b.offset, bytes(b.view)) for b in blocks]
    [(1, 2, 3, b'{"a": 1}\\n\\n'), (3, 2, 13, b'{"b": 2}\\n{"c": 3}')]
    >>> stream = io.BytesIO(b'{"a": 1}\\n{"b": "' + b"x" * 40 + b'"}\\n{"c": 3}')
    >>> blocks = line_blocks(stream.readinto, "f", max_lines=9, block_bytes=8, max_line_bytes=16)
    >>> for block in blocks:
    ...     print(block.first_line, block.offset, bytes(block.view), block.too_long is not None)
    1 0 b'{"a": 1}\\n' False
    2 9 b'' True
    3 59 b'{"c": 3}' False
    """
    block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
    max_line_bytes = MAX_LINE_BYTES if max_line_bytes is None else max_line_bytes
    if max_lines < 1 or not 1 <= block_bytes <= max_line_bytes:
        raise ValueError(
            f"max_lines and block_bytes must be positive and block_bytes at most max_line_bytes, "
            f"got {max_lines}, {block_bytes}, {max_line_bytes}"
        )
    read_text, encoding = utf8_reader(read_into, file)
    buffer = bytearray(block_bytes)
    kept, first_line = 0, 1  # kept: bytes of an unfinished line at the front
    offset = len(encoding.bom)  # where the next block starts in the delivered file
    started = False  # whether the file's first non-blank byte was seen
    while True:
        filled = kept + fill(read_text, memoryview(buffer)[kept:])
        at_eof = filled < len(buffer)
        started = started or _starts_json_lines(buffer, filled, file)
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
        if kept == max_line_bytes:  # a full buffer of the longest size, without a line break
            too_long, kept = _stream_past(read_text, buffer, encoding, max_line_bytes)
            where = LineRef(file, first_line, offset)
            line = TooLongLine(where, b"", encoding, *too_long)
            yield LineBlock(file, first_line, 1, buffer, 0, 0, _NO_BREAKS, offset, encoding, line)
            first_line, offset = first_line + 1, offset + line.length
            continue  # the bytes after the line are at the front of the buffer
        buffer = _with_room_after(buffer, start, kept, block_bytes, max_line_bytes)


_NO_BREAKS = np.zeros(0, dtype=np.int64)


def _starts_json_lines(buffer: bytearray, filled: int, file: Path | str) -> bool:
    """Whether the file's first non-blank byte is in ``buffer[:filled]`` (the buffer of its
    first read, or of a later one if all before were blank); raises :class:`NotJsonLinesError`
    if it opens an array. Such a file (Azure Data Factory's JSON sink writes one with its
    "array of objects" pattern) would be one line: held whole, and quarantined as one object."""
    first = _JSON_WHITE_SPACE.match(buffer, 0, filled).end()
    if first < filled and buffer[first] == _ARRAY_START:
        raise NotJsonLinesError(
            f"{file}: a JSON array (its first character is '['), not JSON lines: MGDC delivers "
            f"JSON lines, one object per line (in Azure Data Factory's JSON sink, the file "
            f"pattern 'Set of objects')"
        )
    return first < filled


def _with_room_after(
    buffer: bytearray, start: int, kept: int, block_bytes: int, max_line_bytes: int
) -> bytearray:
    """The buffer for the next read, ``buffer[start:start + kept]`` (an unfinished line) moved
    to its front: room for twice that line, so a line longer than the buffer fits the next one,
    but never more than the longest line read; back to ``block_bytes`` after a long line."""
    size = min(max(block_bytes, 2 * kept), max_line_bytes)
    if size == len(buffer):
        buffer[:kept] = buffer[start : start + kept]
        return buffer
    resized = bytearray(size)
    resized[:kept] = buffer[start : start + kept]
    return resized


def _stream_past(
    read_text: ReadInto, buffer: bytearray, encoding: TextEncoding, limit: int
) -> tuple[tuple[int, int, str], int]:
    """Read on past a line that fills all of ``buffer``, up to its line break, keeping only its
    length and hash; the bytes read after it are moved to the front of ``buffer``. Returns the
    :class:`TooLongLine` fields (``length``, ``limit``, ``digest``) and how many bytes follow."""
    line = _StreamedLine(encoding)
    view, filled = memoryview(buffer), len(buffer)
    while filled:
        end = buffer.find(b"\n", 0, filled)
        if end != -1:
            line.add(view[: end + 1])
            after = filled - end - 1
            buffer[:after] = buffer[end + 1 : filled]
            return (line.length, limit, line.hexdigest()), after
        line.add(view[:filled])
        filled = fill(read_text, view)
    return (line.length, limit, line.hexdigest()), 0  # the file ends on this line


class _StreamedLine:
    """A line fed in pieces (UTF-8), the last ending in its line break if it has one: its
    delivered ``length`` (line ending included) and the SHA-256 of its content as delivered,
    line ending excluded, as :meth:`RawLine.sha256` gives. A ``\\r`` ending a piece waits for the
    next: before a ``\\n`` it is part of the line ending."""

    def __init__(self, encoding: TextEncoding) -> None:
        self._encoding = encoding
        self._hash = DeliveredHash(encoding)
        self._carriage_return = False  # the last piece ended in a "\\r" not yet hashed
        self.length = 0

    def add(self, piece: memoryview) -> None:
        self.length += self._encoding.delivered_length(piece)
        ends_line = piece[-1:] == b"\n"
        if self._carriage_return and not (ends_line and len(piece) == 1):
            self._hash.update(_CARRIAGE_RETURN)  # content, not the "\\r" of a "\\r\\n"
        content = piece[:-1] if ends_line else piece
        self._carriage_return = content[-1:] == _CARRIAGE_RETURN
        self._hash.update(content[:-1] if self._carriage_return else content)
        if ends_line:
            self._carriage_return = False  # "\\r\\n": the line ending

    def hexdigest(self) -> str:
        if self._carriage_return:  # the file ends in "\\r": content, as RawLine.content keeps it
            self._hash.update(_CARRIAGE_RETURN)
        return self._hash.hexdigest()


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
