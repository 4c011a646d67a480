"""Record batches as JSON lines, column by column with Arrow compute: no Python object per row.

Each column becomes an array of JSON texts (null where the value is null); a struct joins its
fields' ``"name":value`` members, a list its items, a row its columns, and the lines of a batch
end up in one Arrow buffer that is written as it is. Which null keys are written and which are
left out is a :class:`~mgdc_pipelines.sinks.json_keys.NullKeys` rule.

Values are written as ``json.dumps(..., ensure_ascii=False)`` writes them, except: datetimes
as ISO-8601 UTC ``...Z`` strings (``.ffffff`` only when there is a fraction; a timestamp
without a time zone is taken as UTC), dates as ``YYYY-MM-DD``; NaN and infinities are refused
(JSON has none). Types Arrow cannot format (binary as UTF-8 text, times, decimals, maps, ...)
go through Python one value at a time.

>>> import pyarrow as pa
>>> from mgdc_pipelines.sinks.json_keys import EVERY_KEY, NO_NULL_KEY
>>> batch = pa.record_batch({"id": ["a\\"1", None], "to": [[{"n": "x", "m": None}], None]})
>>> print(json_lines(batch, EVERY_KEY).to_pybytes().decode(), end="")
{"id":"a\\"1","to":[{"n":"x","m":null}]}
{"id":null,"to":null}
>>> print(json_lines(batch, NO_NULL_KEY).to_pybytes().decode(), end="")
{"id":"a\\"1","to":[{"n":"x"}]}
{}
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.sinks.json_keys import NullKeys

# Control characters JSON must escape; \n, \r and \t are common in text (mail bodies), the
# others are looked for first and replaced only when there.
_COMMON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_RARE_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"
_RARE_ESCAPES = tuple(
    (chr(code), json.dumps(chr(code))[1:-1]) for code in range(0x20) if chr(code) not in "\n\r\t"
)


def json_lines(batch: pa.RecordBatch, keys: NullKeys) -> pa.Buffer:
    """The batch as JSON lines (UTF-8, one ``\\n``-terminated object per row), in one buffer."""
    members = [
        _member((field.name,), column, field.type, keys) for field, column in zip(batch.schema, batch.columns)
    ]
    lines = pc.binary_join_element_wise("{", _joined(members, batch.num_rows), "}\n", "")
    return _text_bytes(lines)


def _member(path: tuple[str, ...], values: pa.Array, value_type: pa.DataType, keys: NullKeys) -> pa.Array:
    """``,"name":value`` per row; ``,"name":null`` or nothing (left out) where the value is null."""
    name = "," + json.dumps(path[-1], ensure_ascii=False) + ":"
    member = pc.binary_join_element_wise(name, _values(path, values, value_type, keys), "")
    return pc.fill_null(member, name + "null" if keys.keeps(path, value_type) else "")


def _joined(members: list[pa.Array], length: int) -> pa.Array:
    """The members of each row end to end, without the first one's leading comma."""
    if not members:
        return pa.array([""] * length, pa.string())
    # Not `null_handling="skip"`: pyarrow 26 drops the rows whose members are all null.
    return pc.utf8_slice_codeunits(pc.binary_join_element_wise(*members, ""), 1)


def _values(path: tuple[str, ...], values: pa.Array, value_type: pa.DataType, keys: NullKeys) -> pa.Array:
    """The JSON text of each value (a string array), null where the value is null."""
    if pa.types.is_struct(value_type):
        fields = [value_type.field(i) for i in range(value_type.num_fields)]
        members = [_member((*path, f.name), child, f.type, keys) for f, child in zip(fields, values.flatten())]
        text = pc.binary_join_element_wise("{", _joined(members, len(values)), "}", "")
    elif pa.types.is_large_list(value_type):
        return _values(path, values.cast(pa.list_(value_type.value_field)), pa.list_(value_type.value_field), keys)
    elif pa.types.is_list(value_type):
        text = _list_values(path, values, value_type, keys)
    elif pa.types.is_string(value_type) or pa.types.is_large_string(value_type):
        return _string_values(values.cast(pa.string()))
    elif pa.types.is_boolean(value_type):
        return pc.if_else(values, "true", "false")
    elif pa.types.is_integer(value_type):
        return values.cast(pa.string())
    elif pa.types.is_floating(value_type):
        return _float_values(path, values)
    elif pa.types.is_timestamp(value_type):
        return _timestamp_values(values, value_type)
    elif pa.types.is_date(value_type):
        return pc.binary_join_element_wise('"', pc.strftime(values, format="%Y-%m-%d"), '"', "")
    else:
        return _python_values(values)
    return pc.if_else(values.is_valid(), text, pa.scalar(None, pa.string()))


def _list_values(path: tuple[str, ...], values: pa.Array, value_type: pa.DataType, keys: NullKeys) -> pa.Array:
    offsets = values.offsets
    start, end = offsets[0].as_py(), offsets[-1].as_py()
    # An item of a list is written even when null: it has no key to leave out.
    items = pc.fill_null(_values(path, values.values.slice(start, end - start), value_type.value_type, keys), "null")
    lists = pa.ListArray.from_arrays(pc.subtract(offsets, start).cast(pa.int32()), items)
    return pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "")


def _string_values(values: pa.Array) -> pa.Array:
    for character, escaped in _COMMON_ESCAPES:
        values = pc.replace_substring(values, character, escaped)
    if pc.any(pc.match_substring_regex(values, _RARE_CONTROL)).as_py():
        for character, escaped in _RARE_ESCAPES:
            values = pc.replace_substring(values, character, escaped)
    return pc.binary_join_element_wise('"', values, '"', "")


def _float_values(path: tuple[str, ...], values: pa.Array) -> pa.Array:
    if not pc.all(pc.is_finite(values), min_count=0).as_py():  # nulls are skipped
        raise ValueError(f"column {'.'.join(path)!r} holds NaN or an infinity, which JSON cannot write")
    return values.cast(pa.string())


def _timestamp_values(values: pa.Array, value_type: pa.TimestampType) -> pa.Array:
    as_utc = values.cast(pa.timestamp(value_type.unit, "UTC"))  # same instants, formatted in UTC
    text = pc.strftime(as_utc, format="%Y-%m-%dT%H:%M:%S")  # seconds carry the unit's fraction
    text = pc.replace_substring_regex(text, r"\.0+$", "")  # ...:05.000000 → ...:05
    return pc.binary_join_element_wise('"', text, 'Z"', "")


def _python_values(values: pa.Array) -> pa.Array:
    """Types Arrow cannot format: through ``json.dumps``, one value at a time."""
    return pa.array(
        [None if value is None else _dumps(value) for value in values.to_pylist()], pa.string()
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # inside a map or another type Arrow cannot format
        value = value.astimezone(dt.timezone.utc) if value.tzinfo else value
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{text}.{value.microsecond:06d}Z" if value.microsecond else f"{text}Z"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="strict")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _text_bytes(lines: pa.StringArray) -> pa.Buffer:
    """The UTF-8 bytes of every (non-null) string of ``lines``, end to end, without a copy."""
    if len(lines) == 0:
        return pa.py_buffer(b"")
    _, offsets, data = lines.buffers()
    int32 = memoryview(offsets).cast("i")  # string offsets are int32, in the machine's order
    first, last = int32[lines.offset], int32[lines.offset + len(lines)]
    return data.slice(first, last - first)
