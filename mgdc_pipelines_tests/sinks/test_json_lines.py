"""The ``mgdc-jsonl`` encoder writes every value so that a JSON reader gets it back unchanged.

The encoder builds JSON text column by column with Arrow compute (``sinks/json_text.py``), so
escaping, number and datetime formatting, nested nulls and sliced batches are its own work:
each is read back here with pyarrow's JSON reader and Python's ``json``.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.json as pa_json
import pytest

from mgdc_pipelines.sinks.formats import format_for

UTC = dt.timezone.utc
ADDRESS = pa.struct([("name", pa.string()), ("address", pa.string())])
SCHEMA = pa.schema([
    ("text", pa.string()),
    ("count", pa.int64()),
    ("small", pa.int32()),
    ("ratio", pa.float64()),
    ("flag", pa.bool_()),
    ("when", pa.timestamp("us", tz="UTC")),
    ("tags", pa.list_(pa.string())),
    ("to", pa.list_(pa.struct([("emailAddress", ADDRESS)]))),
    ("sender", pa.struct([("emailAddress", ADDRESS), ("seen", pa.bool_())])),
])
TRICKY_TEXT = 'a "quoted" \\ back\\slash\n\r\t\x00\x01\x1f\x7f é 😀 \u2028 end'
ROWS = [
    {
        "text": TRICKY_TEXT, "count": 2**63 - 1, "small": -(2**31), "ratio": 0.1, "flag": True,
        "when": dt.datetime(2026, 11, 20, 9, 30, 5, 120, tzinfo=UTC),
        "tags": ["x", None, ""], "to": [{"emailAddress": {"name": "Ann", "address": None}}, None],
        "sender": {"emailAddress": None, "seen": False},
    },
    {
        "text": "", "count": -1, "small": 0, "ratio": -0.0, "flag": False,
        "when": dt.datetime(1, 1, 1, tzinfo=UTC), "tags": [], "to": [], "sender": None,
    },
    {
        "text": None, "count": None, "small": None, "ratio": 1e-7, "flag": None,
        "when": dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        "tags": None, "to": None, "sender": {"emailAddress": {"name": None, "address": "b@c.d"}, "seen": None},
    },
    {
        "text": "last", "count": 0, "small": 7, "ratio": 123456789.125, "flag": True,
        "when": dt.datetime(2026, 1, 2, tzinfo=UTC), "tags": ["y"], "to": None, "sender": None,
    },
]


def written(table: pa.Table | pa.RecordBatch, schema: pa.Schema = SCHEMA) -> bytes:
    stream = io.BytesIO()
    writer = format_for("mgdc-jsonl").open(stream, schema)
    writer.write(table)
    writer.close()
    return stream.getvalue()


def json_lines(data: bytes) -> list[dict]:
    # Split at "\n" only: str.splitlines() would also split inside a value at U+2028.
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data.decode("utf-8").split("\n")[:-1]]


def read_back(data: bytes, schema: pa.Schema = SCHEMA) -> pa.Table:
    options = pa_json.ParseOptions(explicit_schema=schema)
    return pa_json.read_json(io.BytesIO(data), parse_options=options)


def test_every_value_reads_back_unchanged():
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)

    data = written(table)

    assert read_back(data).equals(table)
    lines = json_lines(data)
    assert [line.get("text") for line in lines] == [TRICKY_TEXT, "", None, "last"]
    assert [line["when"] for line in lines] == [
        "2026-11-20T09:30:05.000120Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "2026-01-02T00:00:00Z",
    ]
    # A schema without its dataset (a downstream table) keeps every key, null included.
    assert all(line.keys() == set(SCHEMA.names) for line in lines)
    assert lines[0]["to"] == [{"emailAddress": {"name": "Ann", "address": None}}, None]


def test_a_slice_is_written_as_its_own_rows():
    # Part files split a table at any row: slices start inside list and struct buffers.
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    whole = written(table).splitlines(keepends=True)

    for start in range(len(ROWS)):
        for length in range(len(ROWS) - start + 1):
            assert written(table.slice(start, length)) == b"".join(whole[start : start + length])


def test_types_arrow_cannot_format_are_written_through_python():
    schema = pa.schema([("day", pa.date32()), ("raw", pa.binary()), ("at", pa.time64("us"))])
    table = pa.table({
        "day": pa.array([dt.date(2026, 11, 20), None], pa.date32()),
        "raw": pa.array([b"bytes \xc3\xa9", None], pa.binary()),
        "at": pa.array([dt.time(9, 30), None], pa.time64("us")),
    })

    lines = json_lines(written(table, schema))

    assert lines == [{"day": "2026-11-20", "raw": "bytes é", "at": "09:30:00"}, {"day": None, "raw": None, "at": None}]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_value_json_cannot_hold_is_refused_naming_its_column(value):
    schema = pa.schema([("where", pa.struct([("latitude", pa.float64())]))])
    table = pa.table({"where": [{"latitude": 1.5}, {"latitude": value}]}, schema=schema)

    with pytest.raises(ValueError, match="'where.latitude' holds NaN or an infinity"):
        written(table, schema)
