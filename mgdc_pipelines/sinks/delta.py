"""Delta Lake sink: one Delta table per dataset, each partition committed as one transaction.

Every engine that speaks Delta (Spark, Fabric, Synapse, Databricks, DuckDB, polars, delta-rs)
reads exactly the committed partitions: a writer's files are invisible until the commit that
lists them, and a commit replaces one partition whole (``overwrite`` with the partition's
``date`` / ``scope`` filter). Runs writing different partitions of one table at once all
commit: Delta's optimistic concurrency retries a commit that raced another.

>>> import tempfile, datetime as dt, pyarrow as pa
>>> sink = DeltaSink.local(tempfile.mkdtemp())
>>> schema = pa.schema([("id", pa.string())])
>>> partition = PartitionRef("Example_v1", dt.date(2026, 11, 20), "all")
>>> writer = sink.open_partition(partition, schema)
>>> writer.write(pa.record_batch([pa.array(["a", "b"])], schema=schema))
>>> info = writer.commit()
>>> info.rows, info.version, sink.committed_rows(partition)
(2, 1, 2)
>>> import deltalake  # any Delta reader, knowing nothing of this project
>>> deltalake.DeltaTable(sink.table_uri("Example_v1")).version()  # 0 created the table
1

How it writes: the partition's Parquet files stream into the table folder (``date=…/scope=…/
part-NNNNN-<attempt>.parquet``) through the same bounded-memory writer as the folder sinks;
``commit()`` then adds them to the log in one transaction that removes the partition's
earlier files. A killed writer leaves only files no version lists: readers never see them,
and :meth:`DeltaSink.vacuum` deletes them.

The table's columns: the dataset's written columns, then ``date`` (``YYYY-MM-DD`` text, as the
folder sinks' Hive column) and ``scope`` (scoped datasets only), the partition columns. A write
with new columns adds them to the table (older partitions read them as null); a write that
lacks columns the table has (a grant that dropped them) first rewrites the table without them,
so no new version holds them. Older versions still do, until :meth:`DeltaSink.vacuum` removes
files no version within the retention needs: see ``docs/delta.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, Transaction, WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from deltalake.transaction import AddAction

from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, WithdrawnPartition, WriterLifecycle
from mgdc_pipelines.sinks.delta_log import LogRemovals
from mgdc_pipelines.sinks.delta_storage import AzureTableStorage, LocalTableStorage, TableStorage
from mgdc_pipelines.sinks.formats import ParquetFormat
from mgdc_pipelines.sinks.layout import attempt_tag, new_attempt_id
from mgdc_pipelines.sinks.rolling import ROW_GROUP_BYTES, PartFileWriter

log = logging.getLogger(__name__)

DATE, SCOPE = "date", "scope"
# A commit that lost a race with another writer is retried with the table's new state.
COMMIT_ATTEMPTS = 10
ATTEMPT_KEY = "mgdc.attempt"  # in each commit's info: which write attempt made it
# Looking up a commit in the log after a transient storage error: tries, and the pause before
# the n-th retry (n times this many seconds).
LOOKUP_ATTEMPTS, LOOKUP_PAUSE = 5, 0.2
_DELTA_COMPRESSION = {"none": "UNCOMPRESSED"}  # delta-rs's name for what pyarrow calls "none"


class FolderSinkDataError(RuntimeError):
    """The dataset's folder holds partitions a folder sink wrote (``format: parquet`` or
    ``mgdc-jsonl``): a Delta table there would mix with them for Hive readers, and its vacuum
    would delete them (they are in no version)."""

    def __init__(self, folder: str) -> None:
        super().__init__(
            f"{folder} holds partitions written with format: parquet or mgdc-jsonl; a Delta table "
            "cannot start in the same folder. Give the Delta sink another path (or prefix), or "
            "move the old partitions away; nothing was written."
        )


class CommitOutcomeUnknownError(RuntimeError):
    """A write attempt's commit may be in the table's log, but the log could not be read to tell.

    The attempt's files are kept (a version may list them: deleting them would leave that
    version unreadable). A re-run of the partition replaces them either way, and vacuum deletes
    them once no version lists them."""

    def __init__(self, dataset: str, attempt: str, failure: BaseException | None) -> None:
        during = f" (the commit itself reported {failure!r})" if failure is not None else ""
        super().__init__(
            f"could not tell whether attempt {attempt} committed to the table of {dataset}"
            f"{during}; its files were kept: run the partition again"
        )


@dataclass(frozen=True)
class MaintenanceResult:
    """What :meth:`DeltaSink.compact` and :meth:`DeltaSink.vacuum` did to one table."""

    dataset: str
    version: int | None
    files_added: int = 0
    files_removed: int = 0
    files_deleted: int = 0


class DeltaSink:
    """Delta tables under a local folder or an Azure container; see the module docstring.

    Args:
        storage: where the tables live (:class:`LocalTableStorage` or :class:`AzureTableStorage`).
        compression, row_group_bytes, max_file_rows: as for ``LocalSink``.
        pins: read tables at these versions (see :meth:`pinned`).
    """

    def __init__(
        self,
        storage: TableStorage,
        *,
        compression: str = "zstd",
        row_group_bytes: int = ROW_GROUP_BYTES,
        max_file_rows: int = 2_000_000,
        pins: dict[str, int] | None = None,
    ) -> None:
        self.storage = storage
        self.format = ParquetFormat(compression)
        self.row_group_bytes = row_group_bytes
        self.max_file_rows = max_file_rows
        self._pins = dict(pins or {})
        self._tables: dict[str, DeltaTable] = {}  # opened so far (see table())
        self._removals: dict[str, LogRemovals] = {}  # each table's log read so far (withdrawals)

    @classmethod
    def local(cls, root, **options) -> DeltaSink:
        return cls(LocalTableStorage(root), **options)

    @classmethod
    def azure(cls, blobs, **options) -> DeltaSink:
        """``blobs``: an :class:`~mgdc_pipelines.sinks.azure.AzureBlobSink` naming the container."""
        return cls(AzureTableStorage(blobs), **options)

    def __repr__(self) -> str:
        return f"DeltaSink({self.uri()!r})"

    # -- where things are ------------------------------------------------------------------

    def uri(self, partition: PartitionRef | None = None) -> str:
        if partition is None:
            return self.storage.uri()
        return self.storage.uri(partition.dataset, partition_folder(partition))

    def table_uri(self, dataset: str) -> str:
        """Where delta-rs (and any Delta reader) opens the dataset's table."""
        return self.storage.table_uri(dataset)

    def write_locations(self, partition: PartitionRef) -> tuple[str, ...]:
        """The partition folder (data files) and the table's log: nothing else is written."""
        return (self.uri(partition), self.storage.uri(partition.dataset, "_delta_log"))

    # -- versions ----------------------------------------------------------------------------

    def pinned(self, dataset: str, version: int) -> DeltaSink:
        """This sink reading ``dataset`` as of ``version`` (what a check or a load was given)."""
        return DeltaSink(
            self.storage, compression=self.format.compression, row_group_bytes=self.row_group_bytes,
            max_file_rows=self.max_file_rows, pins={**self._pins, dataset: version},
        )

    def table_version(self, dataset: str) -> int | None:
        """The table version reads of ``dataset`` use; None when there is no table yet."""
        table = self.table(dataset)
        return None if table is None else table.version()

    def table(self, dataset: str) -> DeltaTable | None:
        """The dataset's table (at its pinned version, if any); None when there is none.

        The sink keeps each table it opened: an unpinned one catches up with the commits made
        since (by anyone) instead of reading the log again, which a copy's commit and its checks
        would otherwise do several times per partition."""
        kept = self._tables.get(dataset)
        if kept is not None:
            if dataset not in self._pins:
                kept.update_incremental()
            return kept
        try:
            table = DeltaTable(
                self.table_uri(dataset), version=self._pins.get(dataset),
                storage_options=self.storage.storage_options,
            )
        except TableNotFoundError:
            return None
        except OSError:
            if not self.storage.exists():  # a container nobody has written to yet
                return None
            raise
        self._tables[dataset] = table
        return table

    # -- writing -----------------------------------------------------------------------------

    def open_partition(self, partition: PartitionRef, schema: pa.Schema) -> DeltaPartitionWriter:
        if self._pins:
            raise RuntimeError(f"{self!r} reads pinned versions; open a writer on the unpinned sink")
        self.storage.prepare(partition.dataset)
        if self.table(partition.dataset) is None and self.storage.has_folder_partitions(partition.dataset):
            raise FolderSinkDataError(self.storage.uri(partition.dataset))
        return DeltaPartitionWriter(self, partition, schema)

    def withdraw(self, partition: PartitionRef) -> WithdrawnPartition | None:
        """Remove the partition's rows in a new table version (a partition-only delete removes
        files whole), then delete those files: a withdrawal takes data that broke consent out of
        the table's history too, so time travel to an older version cannot read it back (such
        a read fails on the missing files, as after a vacuum).

        ``files``: the data files deleted (also those of the partition's replaced versions);
        ``rows``: the rows this call took out of the current version. A partition the current
        version no longer holds still has its removed files deleted, so that a withdrawal
        that died after its commit completes when run again."""
        table = self.table(partition.dataset)
        if table is None:
            return None
        files = _partition_files(table, partition)
        if files:
            withdraw = _commit_properties("withdraw")
            table.delete(partition_predicate(partition), commit_properties=withdraw)
        deleted = self._delete_removed_files(table, partition)
        if not files and not deleted:
            return None
        return WithdrawnPartition(
            partition=partition,
            uri=self.uri(partition),
            files=tuple(self.storage.uri(partition.dataset, path) for path in deleted),
            rows=sum(rows for _, rows in files),
        )

    def _delete_removed_files(self, table: DeltaTable, partition: PartitionRef) -> list[str]:
        """Delete the partition's files that versions of the log removed and that still exist
        (what older versions read); the deleted paths, sorted. Only files the log removed: a
        file no version lists may be a running writer's, about to be committed. The log itself
        says which (see :mod:`~mgdc_pipelines.sinks.delta_log`: vacuum's clock may not)."""
        current = {path for path, _ in _partition_files(table, partition)}  # a restore re-adds
        if partition.dataset not in self._removals:
            self._removals[partition.dataset] = LogRemovals(self.storage, partition.dataset)
        removed = self._removals[partition.dataset].under(partition_folder(partition))
        ours = [path for path in removed if path not in current]
        # Those still there only: a withdrawal run again reports what it deleted, not what was.
        # Files only: a folder a hand-written log names is not a data file to delete. A link
        # (locally, ``Unknown``: never followed) planted in a file's place is deleted itself.
        found = self.storage.filesystem(partition.dataset).get_file_info(ours)
        gone_or_folder = (pafs.FileType.NotFound, pafs.FileType.Directory)
        paths = sorted(info.path for info in found if info.type not in gone_or_folder)
        self.storage.remove(partition.dataset, paths)
        return paths

    # -- reading -----------------------------------------------------------------------------

    def committed_rows(self, partition: PartitionRef) -> int | None:
        table = self.table(partition.dataset)
        files = _partition_files(table, partition) if table is not None else None
        return sum(rows for _, rows in files) if files else None

    def committed_files(self, partition: PartitionRef) -> list[str]:
        """URIs of the partition's files in the version reads use."""
        table = self.table(partition.dataset)
        files = _partition_files(table, partition) if table is not None else []
        return [self.storage.uri(partition.dataset, path) for path, _ in files]

    def committed_schemas(self, partition: PartitionRef) -> dict[str, pa.Schema]:
        """The table's schema as every Delta reader sees the partition (without its partition
        columns ``date`` / ``scope``), keyed by the table's URI and version; then, by file URI, the schema of any
        file of the partition holding columns the table has not (Delta readers skip them,
        a Parquet reader of the folder does not: a file tampered with after its commit).
        Empty when nothing is committed."""
        table = self.table(partition.dataset)
        files = _partition_files(table, partition) if table is not None else None
        if not files:
            return {}
        # The table's partition columns only: a downstream table may have a column named scope.
        partition_columns = table.metadata().partition_columns
        content = pa.schema([f for f in _arrow_schema(table) if f.name not in partition_columns])
        schemas = {f"{self.storage.uri(partition.dataset)}@v{table.version()}": content}
        storage = self.storage.filesystem(partition.dataset)
        for path, _ in files:  # each file's footer only
            own = pq.read_schema(storage.open_input_file(path))
            if set(own.names) - set(content.names):
                schemas[self.storage.uri(partition.dataset, path)] = own
        return schemas

    def read_committed(self, partition: PartitionRef, columns: list[str]) -> Iterator[pa.RecordBatch]:
        table = self.table(partition.dataset)
        if table is None:
            return
        data = self._dataset(table, partition.dataset)
        present = [c for c in columns if c in data.schema.names]
        if present:
            yield from data.to_batches(columns=present, filter=partition_filter([partition]))

    def open_dataset(self, partitions: Sequence[PartitionRef], schema: pa.Schema) -> pads.Dataset:
        """The committed partitions as a lazy dataset (with ``date`` / ``scope``), read at one
        table version: the pinned one, else the latest when this is called."""
        if not partitions:
            return pads.dataset(pa.table({name: pa.array([], type=t) for name, t in zip(schema.names, schema.types)}))
        table = self.table(partitions[0].dataset)
        if table is None:
            return pads.dataset(pa.schema([*schema, pa.field(DATE, pa.string())]).empty_table())
        return self._dataset(table, partitions[0].dataset).filter(partition_filter(partitions))

    def _dataset(self, table: DeltaTable, dataset: str) -> pads.Dataset:
        return table.to_pyarrow_dataset(filesystem=self.storage.filesystem(dataset))

    # -- maintenance -------------------------------------------------------------------------

    def compact(self, dataset: str, *, target_size: int | None = None) -> MaintenanceResult:
        """Rewrite each partition's small files into fewer large ones (a new version)."""
        table = self.table(dataset)
        if table is None:
            return MaintenanceResult(dataset, None)
        metrics = table.optimize.compact(
            target_size=target_size, writer_properties=self._writer_properties(),
            commit_properties=_commit_properties("compact"),
        )
        return MaintenanceResult(
            dataset, table.version(), files_added=int(metrics.get("numFilesAdded", 0)),
            files_removed=int(metrics.get("numFilesRemoved", 0)),
        )

    def vacuum(self, dataset: str, *, retention: dt.timedelta) -> MaintenanceResult:
        """Delete the files no version younger than ``retention`` needs: data the current
        version no longer holds (withdrawn partitions, dropped columns, replaced partitions) and
        files of writers that died before committing (any file in the table folder no version
        lists and older than ``retention``: a running writer's files are younger). Versions older
        than that can no longer be read (time travel ends at the retention)."""
        table = self.table(dataset)
        if table is None:
            return MaintenanceResult(dataset, None)
        deleted = table.vacuum(
            retention_hours=int(retention.total_seconds() // 3600), dry_run=False,
            enforce_retention_duration=False, commit_properties=_commit_properties("vacuum"),
            full=True,  # the default ("lite") deletes only files a version removed, never a dead writer's
        )
        return MaintenanceResult(dataset, table.version(), files_deleted=len(deleted))

    # -- used by the writer ------------------------------------------------------------------

    def _commit(self, partition: PartitionRef, schema: pa.Schema, adds: list[AddAction], attempt: str) -> int:
        """Replace the partition with ``adds`` in one transaction; the version it made."""
        table_schema = with_partition_columns(schema, partition)
        # The partition's own columns: a table partitioned by date alone may have a column named scope.
        partition_by = list(partition_values(partition))
        for attempt_number in range(1, COMMIT_ATTEMPTS + 1):
            table = self._table_for_write(partition.dataset, table_schema, partition_by)
            read_version = table.version()  # the commit, if any, comes after it
            try:
                table.create_write_transaction(
                    adds, "overwrite", table_schema, partition_by,
                    partition_filters=partition_filters(partition) or None,
                    commit_properties=_commit_properties("write", attempt, _partition_claim(partition, table)),
                )
            except CommitFailedError:
                if attempt_number == COMMIT_ATTEMPTS:
                    raise
                log.info("commit of %s raced another writer; retrying", partition.relative_path)
                time.sleep(0.05 * attempt_number)
                continue
            except Exception as error:
                # delta-rs may fail after its log entry was written (a lost response): only the
                # log tells whether a version lists the attempt's files.
                return self._committed_version(partition.dataset, read_version, attempt, error)
            return self._committed_version(partition.dataset, read_version, attempt)
        raise AssertionError("unreachable")

    def _committed_version(
        self, dataset: str, read_version: int, attempt: str, failure: Exception | None = None
    ) -> int:
        """The version of ``attempt``'s commit, made after ``read_version``.

        ``failure``: what the transaction raised, re-raised when the log holds no commit of the
        attempt (nothing was committed: the writer deletes its files). Raises
        :class:`CommitOutcomeUnknownError` when the log cannot be read, or lacks a commit
        delta-rs reported: then the files must stay."""
        try:
            version = self._find_commit(dataset, read_version + 1, attempt)
        except Exception as error:
            raise CommitOutcomeUnknownError(dataset, attempt, failure) from error
        if version is None and failure is not None:
            raise failure
        if version is None:
            raise CommitOutcomeUnknownError(dataset, attempt, failure)
        if failure is not None:
            log.warning("attempt %s's commit raised %r, yet is version %d", attempt, failure,
                        version)
        return version

    def _find_commit(self, dataset: str, first: int, attempt: str) -> int | None:
        """:func:`_version_of`, asked again after an error: storage errors are often transient,
        and the answer decides whether the attempt's files may be deleted."""
        files = self.storage.filesystem(dataset)
        for lookup in range(1, LOOKUP_ATTEMPTS):
            try:
                return _version_of(files, first, attempt)
            except Exception as error:
                log.info("looking for attempt %s's commit failed (%r); retrying", attempt, error)
                time.sleep(LOOKUP_PAUSE * lookup)
        return _version_of(files, first, attempt)  # its error is the caller's

    def _table_for_write(self, dataset: str, schema: pa.Schema, partition_by: list[str]) -> DeltaTable:
        """The table, created if missing and rewritten without columns ``schema`` lacks."""
        table = self.table(dataset)
        if table is None:
            self._create(dataset, schema, partition_by)
            return self.table(dataset)
        dropped = [name for name in _arrow_schema(table).names if name not in schema.names]
        if dropped:
            self._rewrite_without(table, dataset, dropped, partition_by)
            table = self.table(dataset)
        return table

    def _create(self, dataset: str, schema: pa.Schema, partition_by: list[str]) -> None:
        """Version 0 of the table, unless another writer creates it at the same moment: then
        theirs stands. No commit retry: a retried create would commit a second ``CREATE TABLE``
        over their version (its schema and protocol replacing theirs)."""
        try:
            DeltaTable.create(
                self.table_uri(dataset), schema=schema, partition_by=partition_by or None,
                mode="ignore", storage_options=self.storage.storage_options,
                commit_properties=CommitProperties(max_commit_retries=0),
            )
        except CommitFailedError:
            if self.table(dataset) is None:
                raise
            log.info("%s was created by another writer at the same moment", self.storage.uri(dataset))

    def _rewrite_without(self, table: DeltaTable, dataset: str, dropped: list[str], partition_by: list[str]) -> None:
        """One new version of the whole table without ``dropped`` (streamed, file by file)."""
        log.warning("rewriting %s without the column(s) %s", self.storage.uri(dataset), ", ".join(dropped))
        data = self._dataset(table, dataset)
        kept = [name for name in data.schema.names if name not in dropped]
        empty = _empty_partitions(table, dataset)
        write_deltalake(
            table, data.scanner(columns=kept).to_reader(), mode="overwrite", schema_mode="overwrite",
            partition_by=partition_by or None, storage_options=self.storage.storage_options,
            writer_properties=self._writer_properties(), commit_properties=_commit_properties("drop-columns"),
        )
        # delta-rs writes no file for a partition without rows: commit those anew, still empty,
        # so they read as committed (zero rows), not as never copied.
        content = pa.schema([f for f in data.schema if f.name in kept and f.name not in partition_by])
        for partition in empty:
            self.open_partition(partition, content).commit()

    def _writer_properties(self) -> WriterProperties:
        """delta-rs writes (compaction, rewrites) in the sink's compression, as its own writer does."""
        codec = self.format.compression
        return WriterProperties(compression=_DELTA_COMPRESSION.get(codec, codec.upper()))


class DeltaPartitionWriter(WriterLifecycle):
    """One write attempt for one partition of a Delta table; see :class:`DeltaSink`."""

    def __init__(self, sink: DeltaSink, partition: PartitionRef, schema: pa.Schema) -> None:
        for name in partition_values(partition):
            if name in schema.names:
                raise ValueError(
                    f"{partition.dataset} has a column named {name!r}, which this Delta table uses "
                    "as its partition column; rename the column (or use format: parquet)"
                )
        self._sink = sink
        self.partition = partition
        self.schema = schema
        self.attempt_id = new_attempt_id()
        self._folder = partition_folder(partition)
        self._sizes: list[int] = []  # bytes of each finished file, in order
        self._parts = PartFileWriter(
            partition, schema, sink.format, tag=attempt_tag(self.attempt_id),
            open_stream=self._open_stream, finish_stream=self._finish_stream,
            discard_stream=lambda stream: stream.close(),
            row_group_bytes=sink.row_group_bytes, max_file_rows=sink.max_file_rows,
        )
        self._closed = False

    def commit(self) -> CommitInfo:
        self._check_open()
        files = self._parts.finish()
        now = int(time.time() * 1000)
        values = partition_values(self.partition)
        adds = [
            AddAction(self._path(name), self._sizes[index], values, now, True, json.dumps({"numRecords": rows}))
            for index, (name, rows) in enumerate(zip(files, self._parts.file_rows))
        ]
        try:
            version = self._sink._commit(self.partition, self.schema, adds, self.attempt_id)
        except CommitOutcomeUnknownError:
            self._closed = True  # never abort(): a version may list the files
            raise
        except Exception:
            self.abort()  # no version lists the files: the commit never ran, or the log says so
            raise
        self._closed = True
        storage = self._sink.storage
        return CommitInfo(
            partition=self.partition,
            uri=self._sink.uri(self.partition),
            files=tuple(storage.uri(self.partition.dataset, self._path(name)) for name in files),
            rows=self._parts.rows,
            bytes=sum(self._sizes),
            version=version,
        )

    def _delete_attempt_files(self) -> None:
        """None is in any version; a crash leaves them to vacuum."""
        try:
            self._sink.storage.remove(self.partition.dataset, [self._path(n) for n in self._parts.files])
        except Exception as error:  # the files are invisible anyway; vacuum deletes them later
            log.warning("could not delete the files of attempt %s: %s", self.attempt_id, type(error).__name__)

    def _path(self, name: str) -> str:
        return f"{self._folder}/{name}" if self._folder else name

    def _open_stream(self, name: str):
        return self._sink.storage.open_output(self.partition.dataset, self._path(name))

    def _finish_stream(self, stream) -> None:  # files are finished one at a time, in order
        self._sizes.append(self._sink.storage.finish_output(stream))


# -- partitions as Delta sees them -------------------------------------------------------------


def with_partition_columns(schema: pa.Schema, partition: PartitionRef) -> pa.Schema:
    """The table schema: the written columns, then ``date`` and ``scope`` where the partition has them."""
    extra = [pa.field(name, pa.string()) for name, value in partition_values(partition).items()]
    return pa.schema([*schema, *extra])


def partition_values(partition: PartitionRef) -> dict[str, str]:
    values = {}
    if partition.date is not None:
        values[DATE] = partition.date.isoformat()
    if partition.scope is not None:
        values[SCOPE] = partition.scope
    return values


def partition_folder(partition: PartitionRef) -> str:
    """``date=2026-11-20/scope=all``: where the partition's files go inside the table."""
    return "/".join(f"{name}={value}" for name, value in partition_values(partition).items())


def partition_filters(partition: PartitionRef) -> list[tuple[str, str, str]]:
    return [(name, "=", value) for name, value in partition_values(partition).items()]


def partition_predicate(partition: PartitionRef) -> str:
    """``date = '2026-11-20' AND scope = 'all'``; safe to quote: PartitionRef admits only
    letters, digits, '.', '_' and '-' in a scope."""
    return " AND ".join(f"{name} = '{value}'" for name, value in partition_values(partition).items()) or "true"


def partition_filter(partitions: Sequence[PartitionRef]) -> pc.Expression:
    """An Arrow filter for rows of any of ``partitions``."""
    expression = None
    for partition in partitions:
        term = None
        for name, value in partition_values(partition).items():
            condition = pc.field(name) == value
            term = condition if term is None else term & condition
        term = term if term is not None else pc.scalar(True)
        expression = term if expression is None else expression | term
    return expression if expression is not None else pc.scalar(False)


def _partition_files(table: DeltaTable, partition: PartitionRef) -> list[tuple[str, int]]:
    """``(path in the table, rows)`` of each file of the partition in the table's version."""
    actions = pa.table(table.get_add_actions(flatten=True))
    if actions.num_rows == 0:
        return []
    mask = pa.array([True] * actions.num_rows)
    for name, value in partition_values(partition).items():
        mask = pc.and_(mask, pc.equal(actions.column(f"partition.{name}").cast(pa.string()), value))
    chosen = actions.filter(mask).sort_by("path")
    return list(zip(chosen.column("path").to_pylist(), chosen.column("num_records").to_pylist()))


def _empty_partitions(table: DeltaTable, dataset: str) -> list[PartitionRef]:
    """The partitions of the table's version whose files hold no row."""
    actions = pa.table(table.get_add_actions(flatten=True))
    columns = [f"partition.{name}" for name in (DATE, SCOPE) if f"partition.{name}" in actions.column_names]
    if actions.num_rows == 0:
        return []
    totals = actions.group_by(columns).aggregate([("num_records", "sum")]) if columns else None
    if totals is None:  # an unpartitioned table
        return [PartitionRef(dataset, None)] if pc.sum(actions.column("num_records")).as_py() == 0 else []
    empty = totals.filter(pc.equal(totals.column("num_records_sum"), 0)).to_pylist()
    return [
        PartitionRef(
            dataset,
            dt.date.fromisoformat(str(row[f"partition.{DATE}"])) if f"partition.{DATE}" in row else None,
            row.get(f"partition.{SCOPE}"),
        )
        for row in empty
    ]


def _arrow_schema(table: DeltaTable) -> pa.Schema:
    return pa.schema(table.schema())


def _version_of(files: pafs.FileSystem, first: int, attempt: str) -> int | None:
    """The version whose commit carries ``attempt``, from ``first`` on (other writers may have
    committed before it); None when no version from ``first`` to the latest does. Versions
    are numbered without gaps, so the first missing commit file ends the search: "None" is
    certain, not a guess. Read from the log's commit files: ``DeltaTable.history()`` numbers
    commits down from the version the table was loaded at while listing those committed after
    it too, so its numbers are off by the commits of writers that raced the load."""
    version = first
    while True:
        try:
            with files.open_input_stream(f"_delta_log/{version:020d}.json") as stream:
                lines = stream.read().splitlines()
        except FileNotFoundError:
            return None
        if any(_attempt_of(line) == attempt for line in lines):
            return version
        version += 1


def _attempt_of(action: bytes) -> str | None:
    """The write attempt a line of a commit file names (its commit info's)."""
    commit = json.loads(action).get("commitInfo")
    return None if commit is None else commit.get(ATTEMPT_KEY)


def _partition_claim(partition: PartitionRef, table: DeltaTable) -> Transaction:
    """An application transaction naming the partition, which makes two commits of it that
    race conflict. Their overwrite alone does not when the partition had no file yet: neither
    removes anything, and both would stay, rows mixed. Its version: the table version read."""
    return Transaction(f"mgdc.partition/{partition_folder(partition)}", table.version())


def _commit_properties(operation: str, attempt: str | None = None, claim: Transaction | None = None) -> CommitProperties:
    metadata = {"mgdc.operation": operation}
    if attempt is not None:
        metadata[ATTEMPT_KEY] = attempt
    return CommitProperties(custom_metadata=metadata, app_transactions=[claim] if claim else None)
