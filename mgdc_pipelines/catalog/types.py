"""A small type notation for MGDC schemas, parsed into Arrow types.

The MGDC dataset docs write nested types in Spark notation, e.g.
``STRUCT<emailAddress: STRUCT<name: STRING, address: STRING>>``. The catalog keeps that
notation so a schema can be checked against the docs by eye, and this module turns it into
``pyarrow`` types.

>>> parse_type("ARRAY<STRUCT<name: STRING, value: STRING>>")
ListType(list<item: struct<name: string, value: string>>)
>>> parse_type("TIMESTAMP")
TimestampType(timestamp[us, tz=UTC])

Datetimes become ``timestamp[us, tz=UTC]``: MGDC writes ISO-8601 UTC strings; microseconds
hold every value seen in real deliveries and, unlike nanoseconds, years 0001..9999.
"""

from __future__ import annotations

import re

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")

_SCALARS: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "BOOLEAN": pa.bool_(),
    "INT32": pa.int32(),
    "INT": pa.int32(),
    "INT64": pa.int64(),
    "LONG": pa.int64(),
    "DOUBLE": pa.float64(),
    "TIMESTAMP": TIMESTAMP,
    "DATETIME": TIMESTAMP,
    # A string holding an object as compact JSON text, where MGDC's doc says String and its
    # deliveries hold an object (Planner's `assignments`): sources write the object's text.
    "JSON": pa.string(),
}

_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[<>,:]))")


class TypeNotationError(ValueError):
    """The type notation of a catalog column could not be parsed."""


def parse_type(notation: str) -> pa.DataType:
    """Parse ``STRING | BOOLEAN | INT32 | INT64 | DOUBLE | TIMESTAMP | ARRAY<T> | STRUCT<n: T, ...>``."""
    tokens = _tokenize(notation)
    parsed, position = _parse(tokens, 0, notation)
    if position != len(tokens):
        raise TypeNotationError(f"unexpected {tokens[position]!r} in type {notation!r}")
    return parsed


def _tokenize(notation: str) -> list[str]:
    tokens, position = [], 0
    text = notation.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise TypeNotationError(f"cannot read type {notation!r} at {text[position:]!r}")
        tokens.append(match.group("word") or match.group("punct"))
        position = match.end()
    return tokens


def _expect(tokens: list[str], position: int, token: str, notation: str) -> int:
    if position >= len(tokens) or tokens[position] != token:
        found = tokens[position] if position < len(tokens) else "end of text"
        raise TypeNotationError(f"expected {token!r} but found {found!r} in type {notation!r}")
    return position + 1


def _parse(tokens: list[str], position: int, notation: str) -> tuple[pa.DataType, int]:
    if position >= len(tokens):
        raise TypeNotationError(f"type {notation!r} ends too early")
    head = tokens[position].upper()
    if head == "ARRAY":
        position = _expect(tokens, position + 1, "<", notation)
        item, position = _parse(tokens, position, notation)
        return pa.list_(item), _expect(tokens, position, ">", notation)
    if head == "STRUCT":
        return _parse_struct(tokens, position + 1, notation)
    if head in _SCALARS:
        return _SCALARS[head], position + 1
    raise TypeNotationError(
        f"unknown type {tokens[position]!r} in {notation!r}; allowed: "
        f"{', '.join(sorted(_SCALARS))}, ARRAY<...>, STRUCT<...>"
    )


def _parse_struct(tokens: list[str], position: int, notation: str) -> tuple[pa.DataType, int]:
    position = _expect(tokens, position, "<", notation)
    fields: list[pa.Field] = []
    while True:
        if position >= len(tokens):
            raise TypeNotationError(f"unclosed STRUCT in type {notation!r}")
        name = tokens[position]
        position = _expect(tokens, position + 1, ":", notation)
        field_type, position = _parse(tokens, position, notation)
        fields.append(pa.field(name, field_type))
        if position < len(tokens) and tokens[position] == ",":
            position += 1
            continue
        return pa.struct(fields), _expect(tokens, position, ">", notation)
