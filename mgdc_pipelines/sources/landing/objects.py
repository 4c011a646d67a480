"""Several JSON objects on one line: real SharePoint deliveries run them together (``}{``).

A line is first parsed whole, so an ordinary line costs nothing more. Only a line that is not
one JSON value is cut where a top-level object ends and, after nothing but white space,
another begins (``}{``, ``}  {``), strings and nesting taken into account; each object is then
a row of its own, or quarantined on its own, named by its line and its position on the line
(:attr:`LineRef.object <mgdc_pipelines.sources.landing.reader.LineRef>`). A line that does not
cut into several pieces is malformed as a whole, as before.

>>> from mgdc_pipelines.sources.landing.reader import LineRef, RawLine
>>> line = RawLine(LineRef("part.json", 3, 0), b'{"a": "}{"}{"b": 2 3}  {"c": [3]}\\n')
>>> for part, parsed in parse_objects(line):
...     print(part.where, parsed, sep="\\n  ")
part.json:3 (object 1)
  {'a': '}{'}
part.json:3 (object 2)
  object 2 of 3 on the line: not valid JSON: Expecting ',' delimiter at column 9
part.json:3 (object 3)
  {'c': [3]}
>>> one = RawLine(LineRef("f", 1, 0), b"{}")
>>> [(part.where.object, parsed) for part, parsed in parse_objects(one)]
[(None, {})]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mgdc_pipelines.sources.landing.reader import (
    STRING_OR_BRACKET,
    MalformedLineError,
    RawLine,
    TooLongLine,
    parse_row,
)

_TOKENS = re.compile(STRING_OR_BRACKET.encode(), re.DOTALL)  # what moves the nesting depth
_GAP = re.compile(rb"[ \t\r]*")  # JSON white space on a line
_OPENERS = b"{["
_OBJECT_START = ord("{")
_QUOTE = ord('"')

Parsed = dict[str, Any] | MalformedLineError


def parse_objects(line: RawLine) -> Iterator[tuple[RawLine, Parsed]]:
    """Each JSON object of a non-blank line, or why it is malformed, with where it was
    delivered (the line itself when it holds one object)."""
    if isinstance(line, TooLongLine):  # not read, so malformed as a whole
        yield line, MalformedLineError(line.problem)
        return
    try:
        whole: Parsed = parse_row(line.data)
    except MalformedLineError as error:
        whole = error
    spans = object_spans(line.content) if isinstance(whole, MalformedLineError) else []
    if len(spans) < 2:
        yield line, whole
        return
    content = line.content
    for number, (start, end) in enumerate(spans, 1):
        try:
            parsed: Parsed = parse_row(content[start:end])
        except MalformedLineError as error:
            parsed = MalformedLineError(f"object {number} of {len(spans)} on the line: {error}")
        yield line.object(number), parsed


def object_spans(content: bytes) -> list[tuple[int, int]]:
    """Where each top-level object of a line starts and ends: the line is cut after a ``}`` or
    ``]`` that closes all it opened, where only white space separates it from a ``{``.

    >>> object_spans(b'{"a": {"b": "} {"}} \\t{"c": 1}')
    [(0, 19), (21, 29)]
    >>> object_spans(b'{"a": 1}, {"b": 2}')  # a comma is not how objects are run together
    [(0, 18)]
    """
    spans, start, depth = [], 0, 0
    for token in _TOKENS.finditer(content):
        kind = content[token.start()]
        if kind == _QUOTE:
            continue
        if kind in _OPENERS:
            depth += 1
            continue
        depth = max(depth - 1, 0)  # a stray closer does not make the rest "inside"
        if depth:
            continue
        after = _GAP.match(content, token.end()).end()
        if after < len(content) and content[after] == _OBJECT_START:
            spans.append((start, token.end()))
            start = after
    spans.append((start, len(content)))
    return spans
