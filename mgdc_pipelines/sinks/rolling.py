"""Part files of one write attempt: batches buffered into row groups, rolled over at a row limit.

Memory stays bounded by one row group (``row_group_bytes``) plus what the stream holds. Where
the bytes go is the sink's business: ``open_stream(name)`` returns a binary stream for a new
part file, ``finish_stream(stream)`` makes it durable (fsync, or commit a blob's blocks), and
``discard_stream(stream)`` drops it.

>>> import datetime as dt, io, pyarrow as pa
>>> from mgdc_pipelines.sinks.formats import format_for
>>> schema = pa.schema([("id", pa.string())])
>>> streams = {}
>>> parts = PartFileWriter(
...     PartitionRef("Example_v1", dt.date(2026, 11, 20), "all"), schema, format_for("mgdc-jsonl"),
...     tag="0123456789ab", open_stream=lambda name: streams.setdefault(name, io.BytesIO()),
...     finish_stream=lambda stream: None, discard_stream=lambda stream: None, max_file_rows=2,
... )
>>> parts.write(pa.record_batch([pa.array(["a", "b", "c"])], schema=schema))
>>> parts.finish(), parts.rows
(['part-00000-0123456789ab.json', 'part-00001-0123456789ab.json'], 3)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import pyarrow as pa

from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.formats import FileFormat, FormatWriter
from mgdc_pipelines.sinks.layout import part_name

# Arrow bytes buffered into one Parquet row group: pyarrow cannot encode a row group batch by
# batch, so this is the writer's largest buffer. 32 MiB (~35,000 Message_v1 rows of 15 columns)
# keeps row groups large enough for readers to scan efficiently.
ROW_GROUP_BYTES = 32 * 1024 * 1024


class PartFileWriter:
    """Writes one attempt's part files through the sink's stream callbacks (see the module doc)."""

    def __init__(
        self,
        partition: PartitionRef,
        schema: pa.Schema,
        file_format: FileFormat,
        *,
        tag: str,
        open_stream: Callable[[str], BinaryIO],
        finish_stream: Callable[[BinaryIO], None],
        discard_stream: Callable[[BinaryIO], None],
        row_group_bytes: int = ROW_GROUP_BYTES,
        max_file_rows: int = 2_000_000,
    ) -> None:
        self.partition = partition
        self.schema = schema
        self.files: list[str] = []
        self.file_rows: list[int] = []  # rows of each of `files`
        self.rows = 0
        self._format = file_format
        self._tag = tag
        self._open_stream = open_stream
        self._finish_stream = finish_stream
        self._discard_stream = discard_stream
        self._row_group_bytes = row_group_bytes
        self._max_file_rows = max_file_rows
        self._stream: BinaryIO | None = None
        self._writer: FormatWriter | None = None
        self._buffer: list[pa.RecordBatch] = []
        self._buffer_bytes = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.schema.equals(self.schema, check_metadata=False):
            raise ValueError(
                f"batch for {self.partition.relative_path} does not match the partition schema: "
                f"{schema_difference(self.schema, batch.schema)}"
            )
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffer_bytes += batch.nbytes
        self.rows += batch.num_rows
        if self._buffer_bytes >= self._row_group_bytes:
            self._flush()

    def finish(self) -> list[str]:
        """Write what is buffered and finish the last file; the names of every file written."""
        self._flush()
        if not self.files:  # an empty partition still gets a file, so readers see its schema
            self._open_file()
        self._close_file()
        return list(self.files)

    def discard(self) -> None:
        """Drop the file being written (files already finished are the sink's to delete)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._discard_stream(self._stream)
        self._buffer, self._buffer_bytes = [], 0

    def _flush(self) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_batches(self._buffer, schema=self.schema)
        self._buffer, self._buffer_bytes = [], 0
        offset = 0
        while offset < table.num_rows:  # split across files at max_file_rows
            if self._writer is None or self.file_rows[-1] >= self._max_file_rows:
                self._close_file()
                self._open_file()
            take = min(table.num_rows - offset, self._max_file_rows - self.file_rows[-1])
            self._writer.write(table.slice(offset, take))
            self.file_rows[-1] += take
            offset += take

    def _open_file(self) -> None:
        name = part_name(len(self.files), self._tag, self._format.extension)
        self.files.append(name)
        self.file_rows.append(0)
        self._stream = self._open_stream(name)
        self._writer = self._format.open(self._stream, self.schema)

    def _close_file(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        self._finish_stream(self._stream)


def schema_difference(expected: pa.Schema, actual: pa.Schema) -> str:
    """``missing columns [...], unexpected columns [...], n: expected int64, got string``."""
    missing = [name for name in expected.names if name not in actual.names]
    extra = [name for name in actual.names if name not in expected.names]
    changed = [
        f"{f.name}: expected {f.type}, got {actual.field(f.name).type}"
        for f in expected
        if f.name in actual.names and not actual.field(f.name).type.equals(f.type)
    ]
    parts = []
    if missing:
        parts.append(f"missing columns {missing}")
    if extra:
        parts.append(f"unexpected columns {extra}")
    if changed:
        parts.append("; ".join(changed))
    return ", ".join(parts) or f"column order differs: expected {expected.names}"
