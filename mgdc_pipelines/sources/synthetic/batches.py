"""Turn a stream of row dicts into Arrow record batches of the requested schema.

Generators produce one dict per row, keyed by catalog column names (they may hold more keys
than the request wants; only the schema's columns are read). Each batch is built column by
column against ``request.output_schema``, like ``pa.RecordBatch.from_pylist(rows, schema=...)``,
with one allowance: a top-level column the catalog types as a string may receive a datetime
(written as ``2021-02-02T16:54:46Z``, as MGDC writes it) or a JSON object or array (written as
compact JSON text: Graph objects the docs type as strings), and a timestamp column an ISO string.
That keeps generators independent of per-dataset typing quirks (User_v1 documents
``createdDateTime`` as a string, Manager_v0 as a datetime).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pyarrow as pa

from mgdc_pipelines.catalog.json_rows import json_text
from mgdc_pipelines.sources.rows import chunked

UTC = dt.timezone.utc


def record_batches(
    rows: Iterable[dict], schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Yield batches of at most ``batch_rows`` rows; holds only one batch's rows at a time."""
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, got {batch_rows}")
    for chunk in chunked(rows, batch_rows):
        yield to_record_batch(chunk, schema)


def to_record_batch(rows: list[dict], schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([_column(rows, field) for field in schema], schema=schema)


def _column(rows: list[dict], field: pa.Field) -> pa.Array:
    values = [row.get(field.name) for row in rows]
    try:
        return pa.array(values, type=field.type)
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError) as error:
        converted = [_coerce(value, field.type) for value in values]
        try:
            return pa.array(converted, type=field.type)
        except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
            raise TypeError(f"column {field.name!r} ({field.type}): {error}") from error


def _coerce(value: object, arrow_type: pa.DataType) -> object:
    if pa.types.is_string(arrow_type) and isinstance(value, dt.date):
        return iso_z(value)
    if pa.types.is_string(arrow_type) and isinstance(value, (dict, list)):
        return json_text(value)
    if pa.types.is_timestamp(arrow_type) and isinstance(value, str):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if pa.types.is_timestamp(arrow_type) and type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def iso_z(moment: dt.date) -> str:
    """``2021-02-02T16:54:46Z``: how MGDC writes datetimes held in string columns."""
    if not isinstance(moment, dt.datetime):
        return f"{moment.isoformat()}T00:00:00Z"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
