"""The `Sink` protocol: where rows go, and how a partition becomes visible.

A sink opens a writer per (dataset, date, scope) partition. Batches are written under a
staging name unique to the attempt; :meth:`PartitionWriter.commit` makes the whole partition
visible in one atomic step and replaces what an earlier run wrote; :meth:`PartitionWriter.abort`
(or a crash) leaves nothing visible; :meth:`Sink.withdraw` unpublishes a committed partition in
one atomic step and deletes its data. Sinks never decide what is allowed: they report what they
hold (:meth:`Sink.committed_rows`) and where they write (:meth:`Sink.write_locations`) so that
the layers above can.

Layout (Hive style): a dataset folder holds only data files, so Spark, DuckDB, polars and
``pyarrow.dataset`` read it as it is, knowing nothing of this project::

    <root>/<dataset name>/date=YYYY-MM-DD/scope=<key>/part-NNNNN-<attempt>.parquet
    <root>/<dataset name>/date=YYYY-MM-DD/part-NNNNN-<attempt>.parquet   # datasets without scope
    <root>/<dataset name>/part-NNNNN-<attempt>.parquet                   # unpartitioned tables

Everything else a sink keeps is in ``_``-prefixed folders of the root, which Hive readers skip
(and which a ``<dataset name>/**/*.parquet`` glob never reaches)::

    <root>/_manifests/<dataset name>/date=YYYY-MM-DD[/scope=<key>].json   # what a commit published
    <root>/_staging/<attempt>/...              # local: an attempt's files, until its commit
    <root>/_attempts/<dataset name>/...        # Azure: markers of running (or crashed) attempts

A manifest (``{"attempt", "committed_at", "files", "rows", "bytes", "schema"}``) lists the
files of the partition's last commit. On a local sink the partition folder itself appears in
one atomic rename, so the folder is the truth and its manifest a record. On Azure the manifest is
the atomic publish; a reader that lists the folder instead may, for a moment during a replace,
see old and new files together (:mod:`mgdc_pipelines.sinks.azure` says exactly when), never a
file of an attempt still writing. Partitions written before this layout (``_manifest.json``
inside the partition folder) still read through the sinks; their next commit moves them to it.

Query a dataset folder with any engine::

    duckdb.sql("SELECT scope, count(*) FROM read_parquet('<root>/<dataset>/**/*.parquet', "
               "hive_partitioning = true) GROUP BY scope")
    polars.scan_parquet("<root>/<dataset>/**/*.parquet", hive_partitioning=True)
    pyarrow.dataset.dataset("<root>/<dataset>", partitioning="hive")
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.dataset as pads

_SAFE_NAME = re.compile(r"(?!\.)[A-Za-z0-9._-]{1,128}")


@dataclass(frozen=True)
class PartitionRef:
    """One partition of one dataset: a day and, for scoped datasets, a scope key (an
    unpartitioned table, such as a downstream output, has neither)."""

    dataset: str
    date: dt.date | None
    scope: str | None = None

    def __post_init__(self) -> None:
        # Names become folder names: refuse anything that could climb out of the sink root.
        for label, value in (("dataset", self.dataset), ("scope", self.scope)):
            if value is not None and not _SAFE_NAME.fullmatch(value):
                raise ValueError(
                    f"unsafe {label} name {value!r} for a sink path: use letters, digits, '.', '_' and '-'"
                )

    @property
    def key(self) -> str:
        """The Dagster partition key: ``2026-11-20|sales``, or ``2026-11-20`` without a scope
        (an unpartitioned table's is empty)."""
        day = self.date.isoformat() if self.date is not None else ""
        return day if self.scope is None else f"{day}|{self.scope}"

    @property
    def relative_path(self) -> str:
        """``BasicDataSet_v0.Message_v1/date=2026-11-20/scope=sales``."""
        parts = [self.dataset]
        if self.date is not None:
            parts.append(f"date={self.date.isoformat()}")
        if self.scope is not None:
            parts.append(f"scope={self.scope}")
        return "/".join(parts)


@dataclass(frozen=True)
class CommitInfo:
    """What a committed partition holds."""

    partition: PartitionRef
    uri: str
    files: tuple[str, ...]
    rows: int
    bytes: int
    version: int | None = None  # the table version the commit made (Delta); None for folders


@dataclass(frozen=True)
class WithdrawnPartition:
    """What :meth:`Sink.withdraw` removed: the partition, where it was, its files and rows.

    ``planted``: those of ``files`` that were no data file the sink wrote but an entry someone
    put among them that is not a regular file (a symbolic link, on a local sink): each removed
    itself, never what a link points to, and not counted in ``rows``, which are the rows of the
    regular files removed (what a reader of the partition read, besides what the links showed).
    """

    partition: PartitionRef
    uri: str
    files: tuple[str, ...]
    rows: int
    planted: tuple[str, ...] = ()


class SinkPathError(PermissionError):
    """A folder a write would use is reached through a symbolic link (one that points outside
    the sink root, or to another folder in it): the sink writes only into its own folders.
    With ``reading``: a folder or part file a read would use is a link (or a part file is not a
    regular file), and the sink reads only its own files.

    >>> print(SinkPathError("/data/_staging", "/tmp/elsewhere", "/data"))
    refusing to write through /data/_staging: it really points to /tmp/elsewhere, not to its own folder under the sink root /data. Remove the symbolic link; nothing was written through it.
    >>> error = SinkPathError("/data/x/part-0.json", "/etc/passwd", "/data", reading=True)
    >>> print(error)  # doctest: +NORMALIZE_WHITESPACE
    refusing to read through /data/x/part-0.json: it really points to /etc/passwd, not to its
    own file or folder under the sink root /data. Remove the symbolic link (or what is not a
    regular file); nothing was read through it.
    """

    def __init__(self, folder: str, real_path: str, root: str, *, reading: bool = False) -> None:
        self.folder, self.real_path, self.root = folder, real_path, root
        if reading:
            verb, own, remove, done = (
                "read", "file or folder", "link (or what is not a regular file)", "read"
            )
        else:
            verb, own, remove, done = "write", "folder", "link", "written"
        super().__init__(
            f"refusing to {verb} through {folder}: it really points to {real_path}, not to its "
            f"own {own} under the sink root {root}. Remove the symbolic {remove}; nothing was "
            f"{done} through it."
        )


class _PartFiles(Protocol):
    rows: int

    def write(self, batch: pa.RecordBatch) -> None: ...

    def discard(self) -> None: ...


class WriterLifecycle:
    """Shared by the sinks' writers: ``with`` aborts on error, and a closed writer says so.

    Subclasses set ``partition``, ``_parts`` (a :class:`~mgdc_pipelines.sinks.rolling.PartFileWriter`,
    not imported here: it imports this module) and ``_closed`` and implement
    ``_delete_attempt_files()``, which ``abort()`` calls.
    """

    partition: PartitionRef
    _parts: _PartFiles
    _closed: bool

    @property
    def rows(self) -> int:
        """Rows written by this attempt so far."""
        return self._parts.rows

    def write(self, batch: pa.RecordBatch) -> None:
        self._check_open()
        self._parts.write(batch)

    def abort(self) -> None:
        """Drop the file being written, then the attempt's other files (once; a no-op after commit)."""
        if self._closed:
            return
        self._closed = True
        self._parts.discard()
        self._delete_attempt_files()

    def _delete_attempt_files(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"writer for {self.partition.relative_path} is already closed")


def as_committed(sink: Sink, partition: PartitionRef, version: int | None) -> Sink:
    """``sink`` reading ``partition``'s table as of ``version`` (Delta sinks keep versions);
    the sink itself when it has none (a folder sink's partition is its folder)."""
    pinned = getattr(sink, "pinned", None)
    return sink if version is None or pinned is None else pinned(partition.dataset, version)


def as_of_now(sink: Sink, dataset: str) -> tuple[Sink, int | None]:
    """``sink`` reading ``dataset``'s table at the version it has now, and that version, so that
    every read of one load sees the same commit; ``(sink, None)`` for a sink without versions."""
    current = getattr(sink, "table_version", None)
    version = current(dataset) if current is not None else None
    return (sink if version is None else sink.pinned(dataset, version)), version


@runtime_checkable
class PartitionWriter(Protocol):
    @property
    def rows(self) -> int:
        """Rows written by this attempt so far."""
        ...

    def write(self, batch: pa.RecordBatch) -> None:
        """Append a batch; its schema must equal the schema the partition was opened with."""
        ...

    def commit(self) -> CommitInfo:
        """Atomically publish everything written, replacing the partition's previous content."""
        ...

    def abort(self) -> None:
        """Discard everything written by this attempt; the published partition is untouched."""
        ...


@runtime_checkable
class Sink(Protocol):
    def open_partition(self, partition: PartitionRef, schema: pa.Schema) -> PartitionWriter:
        """Start a new write attempt for ``partition``, cleaning up stale attempts first."""
        ...

    def uri(self, partition: PartitionRef | None = None) -> str:
        """Where the sink (or one partition of it) lives, e.g. ``file:///data/mgdc/...``."""
        ...

    def write_locations(self, partition: PartitionRef) -> tuple[str, ...]:
        """The URIs of every location a write of ``partition`` touches (to check before any I/O)."""
        ...

    def committed_rows(self, partition: PartitionRef) -> int | None:
        """Rows of the committed ``partition``; None when nothing is committed."""
        ...

    def withdraw(self, partition: PartitionRef) -> WithdrawnPartition | None:
        """Unpublish ``partition`` for every reader in one atomic step, then delete its data.

        None when nothing was committed; never raises because the partition is already gone.
        """
        ...

    def committed_schemas(self, partition: PartitionRef) -> dict[str, pa.Schema]:
        """The schema of every committed file of ``partition``, by file URI."""
        ...

    def read_committed(self, partition: PartitionRef, columns: list[str]) -> Iterator[pa.RecordBatch]:
        """Read ``columns`` back from the committed files, as a reader would see them."""
        ...

    def open_dataset(self, partitions: Sequence[PartitionRef], schema: pa.Schema) -> pads.Dataset:
        """A lazy ``pyarrow.dataset`` over committed partitions, with ``date``/``scope`` columns."""
        ...
