"""File formats a sink writes: Parquet (default) and ``mgdc-jsonl`` (JSON lines as MGDC writes them).

Both write record batches to any binary output stream, one batch at a time, so memory is
bounded by the batch (Parquet buffers up to one row group).

>>> import io, pyarrow as pa
>>> schema = pa.schema([("id", pa.string()), ("when", pa.timestamp("us", tz="UTC"))])
>>> batch = pa.record_batch([pa.array(["m1"]), pa.array([0], pa.timestamp("us", tz="UTC"))], schema=schema)
>>> stream = io.BytesIO()
>>> writer = format_for("mgdc-jsonl").open(stream, schema)
>>> writer.write(batch); writer.close()
>>> stream.getvalue()
b'{"id":"m1","when":"1970-01-01T00:00:00Z"}\\n'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, Protocol

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from mgdc_pipelines.sinks.json_keys import NullKeys, null_keys_for
from mgdc_pipelines.sinks.json_text import json_lines

FORMATS = ("parquet", "mgdc-jsonl")
# Rows encoded to JSON at a time (a downstream table may arrive as one batch of millions).
JSON_CHUNK_ROWS = 8192


class FormatWriter(Protocol):
    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        """Append rows (Parquet: one row group per call)."""
        ...

    def close(self) -> None:
        """Finish the file (footer); does not close the underlying stream."""
        ...


class FileFormat(Protocol):
    name: str
    extension: str

    def open(self, stream: BinaryIO, schema: pa.Schema) -> FormatWriter: ...


class ParquetFormat:
    name = "parquet"
    extension = ".parquet"

    def __init__(self, compression: str = "zstd") -> None:
        self.compression = compression

    def open(self, stream: BinaryIO, schema: pa.Schema) -> FormatWriter:
        return _ParquetWriter(pq.ParquetWriter(stream, schema, compression=self.compression))


class _ParquetWriter:
    def __init__(self, writer: pq.ParquetWriter) -> None:
        self._writer = writer

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def close(self) -> None:
        self._writer.close()


class JsonLinesFormat:
    """One JSON object per line, as MGDC writes its deliveries (the ``.json`` files are JSON lines).

    Datetimes are ISO-8601 ``...Z`` strings; a key without a value is written as ``null`` or
    left out as MGDC does for the dataset (:mod:`~mgdc_pipelines.sinks.json_keys`), so tools
    written for MGDC output read it unchanged, and the landing source reads it back.
    """

    name = "mgdc-jsonl"
    extension = ".json"

    def open(self, stream: BinaryIO, schema: pa.Schema) -> FormatWriter:
        return _JsonLinesWriter(stream, null_keys_for(schema))


class _JsonLinesWriter:
    def __init__(self, stream: BinaryIO, keys: NullKeys) -> None:
        self._stream = stream
        self._keys = keys

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        batches = data.to_batches() if isinstance(data, pa.Table) else [data]
        for batch in batches:
            # A bounded text per call: Arrow strings hold at most 2 GiB, and memory stays small.
            for start in range(0, batch.num_rows, JSON_CHUNK_ROWS):
                lines = json_lines(batch.slice(start, JSON_CHUNK_ROWS), self._keys)
                self._stream.write(memoryview(lines))

    def close(self) -> None:
        self._stream.flush()


def read_file_schema(path: str | os.PathLike[str], file: BinaryIO | None = None) -> pa.Schema:
    """The schema a reader meets in one written file (JSON lines: inferred from the keys).

    Each reader here takes the file's ``path`` (its name tells the format) and, optionally, the
    ``file`` already open for reading: then that is read, and ``path`` is never opened (a sink
    that opened the file without following links reads what it opened).

    An empty JSON-lines file (an empty partition) has no keys, so no columns:

    >>> import pathlib, tempfile
    >>> empty = pathlib.Path(tempfile.mkdtemp(), "part-00000-0123456789ab.json")
    >>> empty.touch()
    >>> read_file_schema(empty).names, list(read_file_columns(empty, ["id"])), count_file_rows(empty)
    ([], [], 0)
    """
    with _opened(path, file) as stream:
        if str(path).endswith(".parquet"):
            return pq.read_schema(stream)
        if _is_blank(stream):
            return pa.schema([])
        return _read_json_lines(stream).schema


def read_file_columns(
    path: str | os.PathLike[str], columns: list[str], file: BinaryIO | None = None
) -> Iterator[pa.RecordBatch]:
    """The ``columns`` of one written file that it has, batch by batch."""
    with _opened(path, file) as stream:
        if str(path).endswith(".parquet"):
            parquet = pq.ParquetFile(stream)
            present = [c for c in columns if c in parquet.schema_arrow.names]
            if present:
                yield from parquet.iter_batches(columns=present)
            return
        if _is_blank(stream):
            return
        table = _read_json_lines(stream)  # JSON lines files are bounded by the sink's max_file_rows
        present = [c for c in columns if c in table.column_names]
        if present:
            yield from table.select(present).to_batches()


def count_file_rows(path: str | os.PathLike[str], file: BinaryIO | None = None) -> int:
    """Rows of one written file: Parquet from its footer, JSON lines by counting non-blank lines."""
    with _opened(path, file) as stream:
        if str(path).endswith(".parquet"):
            return pq.ParquetFile(stream).metadata.num_rows
        return sum(1 for line in stream if line.strip())  # streams: one line in memory at a time


def scannable(path: str, size: int) -> bool:
    """Whether a ``pyarrow.dataset`` scan may open a written file of ``size`` bytes.

    Arrow's JSON reader refuses an empty file ("Empty JSON stream"); an empty JSON-lines file
    (an empty partition) has no rows to scan, so datasets leave it out.

    >>> scannable("part-00000-0123456789ab.json", 0), scannable("part-00000-0123456789ab.parquet", 0)
    (False, True)
    """
    return size > 0 or not path.endswith(".json")


@contextmanager
def _opened(path: str | os.PathLike[str], file: BinaryIO | None) -> Iterator[BinaryIO]:
    """``file`` from its start (left open: its opener closes it), or ``path`` opened to read."""
    if file is not None:
        file.seek(0)
        yield file
        return
    with open(path, "rb") as opened:
        yield opened


def _is_blank(file: BinaryIO) -> bool:
    # pyarrow's JSON reader fails on a file without a single value ("Empty JSON file"). Only the
    # first non-blank byte matters, so this reads one small chunk at a time, never the file.
    # The file is left at its start again, for the reader after this.
    try:
        while chunk := file.read(64 * 1024):
            if chunk.strip():
                return False
        return True
    finally:
        file.seek(0)


def _read_json_lines(file: BinaryIO) -> pa.Table:
    # Single-threaded on purpose: pyarrow 26 infers a different type per 1 MiB block when
    # threaded (a struct field once `string`, once `timestamp[s]`) and then fails to combine them.
    return pa_json.read_json(file, read_options=pa_json.ReadOptions(use_threads=False))


def format_for(name: str, *, compression: str = "zstd") -> FileFormat:
    if name == "parquet":
        return ParquetFormat(compression)
    if name == "mgdc-jsonl":
        return JsonLinesFormat()
    raise ValueError(f"unknown output format {name!r}; allowed: {', '.join(FORMATS)}")
