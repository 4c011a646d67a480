"""Local Parquet sink: Hive-style folders, one atomic directory rename per commit.

>>> import tempfile, datetime as dt, pyarrow as pa
>>> sink = LocalSink(tempfile.mkdtemp())
>>> schema = pa.schema([("id", pa.string())])
>>> writer = sink.open_partition(PartitionRef("Example_v0", dt.date(2026, 11, 20), "all"), schema)
>>> writer.write(pa.record_batch([pa.array(["a", "b"])], schema=schema))
>>> info = writer.commit()
>>> info.rows, [f.rsplit("/", 1)[-1][:10] for f in info.files]
(2, ['part-00000'])

How a commit stays atomic: an attempt writes into ``<root>/_staging/<attempt id>/``, which no
reader looks at (Hive readers skip ``_``-prefixed folders). ``commit()`` then moves that folder
to ``<root>/<dataset>/date=.../scope=...`` with a single ``rename`` — or, when the partition
already exists, with ``renameat2(RENAME_EXCHANGE)``, which swaps the old and the new folder in
one step, so a reader sees either the old partition or the new one, never a mix and never
nothing. (On a filesystem without RENAME_EXCHANGE the old folder is moved aside first: readers
may briefly see no partition, but never a half-written one.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import json
import os
import shutil
import socket
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.json as pa_json

from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef
from mgdc_pipelines.sinks.formats import FormatWriter, format_for, read_file_columns, read_file_schema

STAGING_DIR = "_staging"
MANIFEST_FILE = "_manifest.json"
ATTEMPT_FILE = "_attempt.json"
# An attempt whose process cannot be checked (another host) is considered abandoned after this.
STALE_ATTEMPT_AGE = dt.timedelta(hours=24)


class LocalSink:
    """Write partitions as Parquet files under ``root``.

    Args:
        root: folder that holds one sub-folder per dataset.
        format: ``parquet`` (default) or ``mgdc-jsonl`` (JSON lines, as MGDC delivers them).
        compression: Parquet codec (``zstd``, ``snappy``, ``gzip``, ``none``).
        row_group_bytes: buffered bytes that make one row group; bounds the writer's memory.
        max_file_rows: rows per file before the writer starts ``part-00001.parquet``.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        format: str = "parquet",
        compression: str = "zstd",
        row_group_bytes: int = 32 * 1024 * 1024,
        max_file_rows: int = 2_000_000,
    ) -> None:
        self.root = Path(root).absolute()
        self.format = format_for(format, compression=compression)
        self.compression = compression
        self.row_group_bytes = row_group_bytes
        self.max_file_rows = max_file_rows

    def uri(self, partition: PartitionRef | None = None) -> str:
        return file_uri(self.root / partition.relative_path if partition else self.root)

    def partition_path(self, partition: PartitionRef) -> Path:
        return self.root / partition.relative_path

    def open_partition(self, partition: PartitionRef, schema: pa.Schema) -> LocalPartitionWriter:
        self._clean_stale_attempts(partition)
        return LocalPartitionWriter(self, partition, schema)

    def read_dataset(self, dataset: str) -> pads.Dataset:
        """All committed partitions of ``dataset`` as a ``pyarrow.dataset`` (Hive partitioning)."""
        file_format = "parquet" if self.format.name == "parquet" else "json"
        return pads.dataset(self.root / dataset, format=file_format, partitioning="hive")

    def committed_files(self, partition: PartitionRef) -> list[Path]:
        """Every data file a reader of ``partition`` sees (not only those the manifest lists)."""
        folder = self.partition_path(partition)
        return sorted(p for p in folder.glob("part-*") if p.is_file()) if folder.is_dir() else []

    def committed_schemas(self, partition: PartitionRef) -> dict[str, pa.Schema]:
        """Each committed file's own schema, by file URI (a reader may meet any of them)."""
        return {file_uri(path): read_file_schema(path) for path in self.committed_files(partition)}

    def read_committed(self, partition: PartitionRef, columns: list[str]) -> Iterator[pa.RecordBatch]:
        """Stream ``columns`` of every committed file (files lacking a column skip it)."""
        for path in self.committed_files(partition):
            yield from read_file_columns(path, columns)

    def open_dataset(self, partitions: Sequence[PartitionRef], schema: pa.Schema) -> pads.Dataset:
        """A lazy dataset over the committed files of ``partitions``; Hive folders give ``date``/``scope``.

        ``schema`` (the dataset's written schema) is what JSON-lines files are parsed with, so
        both formats read back with the catalog's types.
        """
        files = [str(path) for partition in partitions for path in self.committed_files(partition)]
        partition_fields = [pa.field("date", pa.string())]
        if any(p.scope is not None for p in partitions):
            partition_fields.append(pa.field("scope", pa.string()))
        partitioning = pads.partitioning(pa.schema(partition_fields), flavor="hive")
        full_schema = pa.schema([*schema, *partition_fields])
        if self.format.name == "parquet":
            file_format = pads.ParquetFileFormat()
        else:
            file_format = pads.JsonFileFormat(parse_options=pa_json.ParseOptions(explicit_schema=schema))
        return pads.dataset(
            files, schema=full_schema, format=file_format, partitioning=partitioning, partition_base_dir=str(self.root / partitions[0].dataset) if partitions else None
        )

    def _clean_stale_attempts(self, partition: PartitionRef) -> None:
        staging = self.root / STAGING_DIR
        if not staging.is_dir():
            return
        for attempt_dir in staging.iterdir():
            owner = _read_attempt(attempt_dir)
            if owner is None or owner.get("partition") != partition.relative_path:
                continue
            if _attempt_is_abandoned(owner):
                shutil.rmtree(attempt_dir, ignore_errors=True)


class LocalPartitionWriter:
    """One write attempt for one partition; see :class:`LocalSink`."""

    def __init__(self, sink: LocalSink, partition: PartitionRef, schema: pa.Schema) -> None:
        self._sink = sink
        self.partition = partition
        self.schema = schema
        self.attempt_id = f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"
        self._file_tag = self.attempt_id.rsplit("-", 1)[1]
        self._dir = sink.root / STAGING_DIR / self.attempt_id
        self._dir.mkdir(parents=True)
        _write_json(self._dir / ATTEMPT_FILE, _attempt_owner(partition))
        self._files: list[str] = []
        self._file_writer: FormatWriter | None = None
        self._stream: BinaryIO | None = None
        self._file_rows = 0
        self._buffer: list[pa.RecordBatch] = []
        self._buffer_bytes = 0
        self._rows = 0
        self._closed = False

    def write(self, batch: pa.RecordBatch) -> None:
        self._check_open()
        if not batch.schema.equals(self.schema, check_metadata=False):
            raise ValueError(
                f"batch for {self.partition.relative_path} does not match the partition schema: "
                f"{_schema_difference(self.schema, batch.schema)}"
            )
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffer_bytes += batch.nbytes
        self._rows += batch.num_rows
        if self._buffer_bytes >= self._sink.row_group_bytes:
            self._flush()

    def commit(self) -> CommitInfo:
        self._check_open()
        self._flush()
        if not self._files:  # an empty partition still gets a file, so readers see its schema
            self._open_file()
        self._close_file()
        total_bytes = sum((self._dir / name).stat().st_size for name in self._files)
        _write_json(self._dir / MANIFEST_FILE, self._manifest(total_bytes))
        (self._dir / ATTEMPT_FILE).unlink()
        target = self._sink.partition_path(self.partition)
        target.parent.mkdir(parents=True, exist_ok=True)
        _fsync_dir(self._dir)
        _publish(self._dir, target)
        self._closed = True
        return CommitInfo(
            partition=self.partition,
            uri=file_uri(target),
            files=tuple(file_uri(target / name) for name in self._files),
            rows=self._rows,
            bytes=total_bytes,
        )

    def abort(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._file_writer is not None:
            self._file_writer.close()
            self._stream.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> LocalPartitionWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    # -- internals -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"writer for {self.partition.relative_path} is already closed")

    def _flush(self) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_batches(self._buffer, schema=self.schema)
        self._buffer, self._buffer_bytes = [], 0
        offset = 0
        while offset < table.num_rows:  # split across files at max_file_rows
            if self._file_writer is None or self._file_rows >= self._sink.max_file_rows:
                self._close_file()
                self._open_file()
            take = min(table.num_rows - offset, self._sink.max_file_rows - self._file_rows)
            self._file_writer.write(table.slice(offset, take))
            self._file_rows += take
            offset += take

    def _open_file(self) -> None:
        # The attempt id in the name means a reader that listed the old files never opens a
        # new file under an old name: it reads the old version whole or fails and retries.
        name = f"part-{len(self._files):05d}-{self._file_tag}{self._sink.format.extension}"
        self._files.append(name)
        self._stream = open(self._dir / name, "wb")
        self._file_writer = self._sink.format.open(self._stream, self.schema)
        self._file_rows = 0

    def _close_file(self) -> None:
        if self._file_writer is None:
            return
        self._file_writer.close()
        self._file_writer = None
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._stream.close()

    def _manifest(self, total_bytes: int) -> dict:
        return {
            "partition": self.partition.relative_path,
            "attempt": self.attempt_id,
            "committed_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "files": self._files,
            "rows": self._rows,
            "bytes": total_bytes,
            "schema": self.schema.names,
        }


def file_uri(path: Path) -> str:
    """``file://`` URI that keeps Hive's ``key=value`` folders readable (``=`` is legal in a path)."""
    return "file://" + urllib.parse.quote(str(path), safe="/=:@-._~")


def _publish(staged: Path, target: Path) -> None:
    """Make ``staged`` visible at ``target`` atomically, replacing any previous content."""
    try:
        os.rename(staged, target)  # atomic; fails if target is an existing non-empty folder
        return
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR):
            raise
    if _exchange(staged, target):
        shutil.rmtree(staged)  # now holds the previous content
        return
    aside = staged.with_name(staged.name + ".replaced")
    os.rename(target, aside)
    os.rename(staged, target)
    shutil.rmtree(aside)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(second))


def _attempt_owner(partition: PartitionRef) -> dict:
    return {
        "partition": partition.relative_path,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": time.time(),
    }


def _read_attempt(attempt_dir: Path) -> dict | None:
    try:
        return json.loads((attempt_dir / ATTEMPT_FILE).read_text())
    except (OSError, ValueError):
        return None


def _attempt_is_abandoned(owner: dict) -> bool:
    too_old = time.time() - float(owner.get("started", 0)) > STALE_ATTEMPT_AGE.total_seconds()
    if owner.get("host") == socket.gethostname():
        return too_old or not _process_alive(int(owner.get("pid", -1)))
    return too_old


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True  # an earlier attempt of this very process that was never committed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True))


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _schema_difference(expected: pa.Schema, actual: pa.Schema) -> str:
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
