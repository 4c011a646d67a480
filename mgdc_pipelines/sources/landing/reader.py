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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UTF8_BOM = b"\xef\xbb\xbf"
EXCERPT_CHARS = 2000  # how much of a bad line the quarantine keeps

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


def read_lines(path: Path) -> Iterator[RawLine]:
    """The lines of one delivery file, in order; a UTF-8 byte-order mark at its start is dropped."""
    with open(path, "rb") as stream:
        for number, data in enumerate(stream, start=1):
            if number == 1:
                data = data.removeprefix(UTF8_BOM)  # ADF and .NET writers often add one
            yield RawLine(LineRef(path, number), data)


def lines_of_chunks(chunks: Iterable[bytes], file: Path | str) -> Iterator[RawLine]:
    """:func:`read_lines` for a stream of byte chunks (a blob download): lines split across
    chunks are joined, so memory holds one chunk plus one line.

    >>> [line.data for line in lines_of_chunks([UTF8_BOM + b'{"a": 1}\\n{"b"', b': 2}\\n', b'{}'], "c/b")]
    [b'{"a": 1}\\n', b'{"b": 2}\\n', b'{}']
    >>> str(next(lines_of_chunks([b"x"], "c/b.json")).where)
    'c/b.json:1'
    """
    number = 0
    pending = b""
    at_start = True
    for chunk in chunks:
        if at_start:
            pending += chunk
            if len(pending) < len(UTF8_BOM) and UTF8_BOM.startswith(pending):
                continue  # the mark itself may be split across chunks
            chunk, pending, at_start = pending.removeprefix(UTF8_BOM), b"", False
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            number += 1
            if pending:
                yield RawLine(LineRef(file, number), pending + chunk[start : end + 1])
                pending = b""
            else:
                yield RawLine(LineRef(file, number), chunk[start : end + 1])
            start = end + 1
        pending += chunk[start:]
    if pending:
        yield RawLine(LineRef(file, number + 1), pending)


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
