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
reader looks at (Hive readers skip ``_``-prefixed folders). ``commit()`` moves the attempt's
manifest to ``<root>/_manifests/<dataset>/date=.../scope=....json`` and then moves the attempt
folder to ``<root>/<dataset>/date=.../scope=...`` with a single ``rename`` — or, when the
partition already exists, with ``renameat2(RENAME_EXCHANGE)``, which swaps the old and the new
folder in one step, so a reader sees either the old partition or the new one, never a mix.
A reader that lists the folder and then opens (or, like pyarrow's dataset discovery, looks up)
each file by name can meet the swap between the two: the old names are gone, so it finds no
file, or "file not found", for that moment and reads again. Readers that need a snapshot while
partitions are replaced read a Delta table (``format: delta``). (On a filesystem without
RENAME_EXCHANGE the old folder is moved aside first: readers may briefly see no partition, but
never a half-written one.) ``withdraw()`` is the
reverse: one rename moves the partition folder into ``_staging``, then it and its manifest are
deleted. The published folder holds only ``part-*`` files, so any engine reads the dataset
folder as it is:

>>> [path.name for path in sink.partition_path(info.partition).iterdir()] == [info.files[0].rsplit("/", 1)[1]]
True
>>> sink.manifest_path(info.partition).relative_to(sink.root).as_posix()
'_manifests/Example_v0/date=2026-11-20/scope=all.json'

The folder is the truth; the manifest is the commit's record and a shortcut for
:meth:`LocalSink.committed_rows`, trusted only while it lists exactly the folder's part files
(their names carry the attempt's tag). A partition folder written by an earlier version, with
``_manifest.json`` inside it, still reads through the sink; the next commit of that partition
replaces the folder whole, which removes the old manifest from it (migration on the next write).

Writes stay inside the root: the real path (symbolic links resolved) of every folder an attempt
writes — its staging folder, the partition folder, the manifest's folder and their parents —
must be that folder under the real path of the root, or the attempt fails with
:class:`SinkPathError` before it writes there. (Whether the root itself may be a link is for
the consent layer to decide.) A folder swapped for a link after that check is refused too: a
withdrawal moves and deletes through folders opened without following links
(:mod:`~mgdc_pipelines.sinks.own_folders`), so nothing outside the root is moved or deleted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import io
import json
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs

from mgdc_pipelines.sinks.attempts import attempt_is_abandoned, attempt_owner, owner_in_name, owner_tag
from mgdc_pipelines.sinks.base import (
    CommitInfo,
    PartitionRef,
    SinkPathError,
    WithdrawnPartition,
    WriterLifecycle,
)
from mgdc_pipelines.sinks.formats import (
    count_file_rows,
    format_for,
    read_file_columns,
    read_file_schema,
    scannable,
)
from mgdc_pipelines.sinks.layout import (
    MANIFEST_FILE,
    attempt_tag,
    dataset_file_format,
    hive_partitioning,
    manifest,
    manifest_files,
    manifest_path,
    manifest_rows,
    new_attempt_id,
    quote_path,
)
from mgdc_pipelines.sinks.own_filesystem import own_filesystem
from mgdc_pipelines.sinks.own_folders import OwnFolders, new_file, remove_tree_in, split
from mgdc_pipelines.sinks.rolling import ROW_GROUP_BYTES, PartFileWriter

STAGING_DIR = "_staging"
ATTEMPT_FILE = "_attempt.json"
PART_PREFIX = "part-"  # every data file of a partition folder, and nothing else in it
WITHDRAWN_PREFIX = "withdrawn-"  # a withdrawn partition's folder in _staging, until it is deleted


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
        row_group_bytes: int = ROW_GROUP_BYTES,
        max_file_rows: int = 2_000_000,
    ) -> None:
        self.root = Path(root).absolute()
        self.folders = OwnFolders(self.root)  # moves and deletes that never follow a link
        self.format = format_for(format, compression=compression)
        self.compression = compression
        self.row_group_bytes = row_group_bytes
        self.max_file_rows = max_file_rows

    def uri(self, partition: PartitionRef | None = None) -> str:
        return file_uri(self.root / partition.relative_path if partition else self.root)

    def partition_path(self, partition: PartitionRef) -> Path:
        return self.root / partition.relative_path

    def manifest_path(self, partition: PartitionRef) -> Path:
        """``<root>/_manifests/<dataset>/date=D/scope=S.json``: outside every folder readers glob."""
        return self.root / manifest_path(partition)

    def write_locations(self, partition: PartitionRef) -> tuple[str, ...]:
        """The partition folder, the staging folder and the manifest: every place a write touches."""
        return (
            self.uri(partition),
            file_uri(self.root / STAGING_DIR),
            file_uri(self.manifest_path(partition)),
        )

    def open_partition(self, partition: PartitionRef, schema: pa.Schema) -> LocalPartitionWriter:
        self.require_own_folder(self.root / STAGING_DIR)  # before cleaning (deleting) in it
        self._clean_stale_attempts(partition)
        return LocalPartitionWriter(self, partition, schema)

    def require_own_folder(self, folder: Path) -> None:
        """Raise :class:`SinkPathError` unless ``folder`` (under the root, existing or not) really
        is that folder under the root's real path: no symbolic link on the way from root to it."""
        real_root = os.path.realpath(self.root)
        expected = os.path.join(real_root, os.path.relpath(folder, self.root))
        real = os.path.realpath(folder)
        if real != expected:
            raise SinkPathError(str(folder), real, str(self.root))

    def committed_rows(self, partition: PartitionRef) -> int | None:
        """Rows of the committed partition (its manifest's count, or counted); None if none."""
        return _committed_rows_in(self.folders, partition.relative_path, manifest_path(partition))

    def withdraw(self, partition: PartitionRef) -> WithdrawnPartition | None:
        """Move the partition folder into ``_staging`` (one rename: readers see it whole or not
        at all), then delete it and its manifest. None when there was no partition folder."""
        target = self.partition_path(partition)
        self.require_own_folder(target)  # a linked folder is not ours to move or delete
        record = self.manifest_path(partition)
        self.require_own_folder(record.parent)  # nor a manifest reached through one
        if not target.is_dir():
            return None
        aside = f"{STAGING_DIR}/{WITHDRAWN_PREFIX}{new_attempt_id()}"
        try:
            self._move_own_folder(partition.relative_path, aside)
        except FileNotFoundError:
            return None  # withdrawn (or replaced by a rename) meanwhile: already gone
        # Every part entry is removed, a planted link too (itself, not what it points to). The
        # rows are those of the regular part files, read without following a link; the entries
        # that are not regular files are reported, not counted (a link's target is not read).
        removed = self.folders.entries(aside, PART_PREFIX)
        regular = [name for name, info in removed if stat.S_ISREG(info.st_mode)]
        withdrawn = WithdrawnPartition(
            partition=partition,
            uri=file_uri(target),
            files=tuple(file_uri(target / name) for name, _ in removed),
            rows=_rows_of(self.folders, aside, manifest_path(partition), regular),
            planted=tuple(file_uri(target / name) for name, _ in removed if name not in regular),
        )
        self.folders.remove_tree(aside)
        # A commit that landed meanwhile replaced the manifest too: deleting it costs that
        # commit only its shortcut (committed_rows then counts the files).
        self.folders.unlink(manifest_path(partition))
        return withdrawn

    def _move_own_folder(self, relative: str, to: str) -> None:
        """Rename the folder ``relative`` to ``to`` (both under the root) through descriptors of
        their parents (see :mod:`~mgdc_pipelines.sinks.own_folders`): a folder on the way swapped
        for a link is refused, and a link swapped in for the folder itself is moved (a rename
        never follows it), then deleted, and refused."""
        (source, name), (target, new_name) = split(relative), split(to)
        with self.folders.folder(source) as old, self.folders.folder(target, create=True) as new:
            os.rename(name, new_name, src_dir_fd=old, dst_dir_fd=new)
            try:
                os.close(self.folders.open_child(new, to))
            except SinkPathError as error:
                os.unlink(new_name, dir_fd=new)  # the link itself, not what it points to
                shown = str(self.root / relative)
                raise SinkPathError(shown, error.real_path, str(self.root)) from None

    def read_dataset(self, dataset: str) -> pads.Dataset:
        """All committed partitions of ``dataset`` as a lazy ``pyarrow.dataset`` (Hive
        partitioning; the schema is the first file's, JSON lines' inferred).

        Read as :meth:`open_dataset` reads, never following a link: the part files of every
        folder of the dataset are listed through folder descriptors (a link among them, or on
        the way, is refused) and the scan opens each the same way.
        """
        files = self.folders.files_under(dataset, PART_PREFIX)
        file_format = "parquet" if self.format.name == "parquet" else "json"
        return self._dataset(files, None, file_format, "hive", dataset)

    # The reads below reach the partition folder, list it and open its files through folder
    # descriptors, never following a link (own_folders): a folder on the way, or a part file,
    # that is a link (or a part file that is not a regular file) raises SinkPathError. The
    # consent checks prove what was written by these reads, so they read the files written.

    def committed_files(self, partition: PartitionRef) -> list[Path]:
        """Every data file a reader of ``partition`` sees (not only those the manifest lists)."""
        folder = self.partition_path(partition)
        return [folder / name for name, _ in self._part_files(partition)]

    def committed_schemas(self, partition: PartitionRef) -> dict[str, pa.Schema]:
        """Each committed file's own schema, by file URI (a reader may meet any of them)."""
        folder = self.partition_path(partition)
        return {
            file_uri(folder / name): read_file_schema(name, file)
            for name, file in self.folders.read_files(partition.relative_path, PART_PREFIX)
        }

    def read_committed(self, partition: PartitionRef, columns: list[str]) -> Iterator[pa.RecordBatch]:
        """Stream ``columns`` of every committed file (files lacking a column skip it)."""
        for name, file in self.folders.read_files(partition.relative_path, PART_PREFIX):
            yield from read_file_columns(name, columns, file)

    def _part_files(self, partition: PartitionRef) -> list[tuple[str, int]]:
        return self.folders.files_to_read(partition.relative_path, PART_PREFIX)

    def open_dataset(self, partitions: Sequence[PartitionRef], schema: pa.Schema) -> pads.Dataset:
        """A lazy dataset over the committed files of ``partitions``; Hive folders give ``date``/``scope``.

        ``schema`` (the dataset's written schema) is what JSON-lines files are parsed with, so
        both formats read back with the catalog's types.

        The files are listed as :meth:`committed_files` lists them (a link is refused), and the
        scan, later, opens each of them the same way (:mod:`~mgdc_pipelines.sinks.own_filesystem`):
        a file or folder swapped for a link between this listing and the scan fails the scan
        with :class:`SinkPathError`, and is never read through.
        """
        files = [
            (f"{partition.relative_path}/{name}", size)
            for partition in partitions
            for name, size in self._part_files(partition)
        ]
        partitioning, partition_fields = hive_partitioning(partitions)
        return self._dataset(
            files,
            pa.schema([*schema, *partition_fields]),
            dataset_file_format(self.format.name, schema),
            partitioning,
            partitions[0].dataset if partitions else None,
        )

    def _dataset(
        self,
        files: list[tuple[str, int]],
        schema: pa.Schema | None,
        file_format: str | pads.FileFormat,
        partitioning: str | pads.Partitioning,
        dataset: str | None,
    ) -> pads.Dataset:
        """A lazy dataset over ``files`` (paths relative to the root, with their sizes; those a
        scan cannot open are left out), Hive folders below ``dataset``'s folder giving the
        partition columns, read through the sink's own filesystem (never following a link)."""
        return pads.dataset(
            [str(self.root / path) for path, size in files if scannable(path, size)],
            schema=schema,
            format=file_format,
            partitioning=partitioning,
            partition_base_dir=str(self.root / dataset) if dataset else None,
            filesystem=self.filesystem,
        )

    @property
    def filesystem(self) -> pafs.FileSystem:
        """Read-only Arrow filesystem over the sink's files (paths: absolute, under the root);
        it opens every file through folder descriptors, never following a link."""
        return own_filesystem(self.folders)

    def _clean_stale_attempts(self, partition: PartitionRef) -> None:
        staging = self.root / STAGING_DIR
        if not staging.is_dir():
            return
        for attempt_dir in staging.iterdir():
            if attempt_dir.name.startswith(WITHDRAWN_PREFIX):
                # A withdrawal that died mid-delete.
                self.folders.remove_tree(f"{STAGING_DIR}/{attempt_dir.name}", ignore_errors=True)
                continue
            owner = _read_attempt(attempt_dir)
            if owner is not None and owner.get("partition") != partition.relative_path:
                continue  # another partition's: its own next writer cleans it
            if owner is None:
                # Killed before it recorded its owner, or after it removed the record to publish:
                # its folder's name still says whose it was (and an unnamed one may only age out).
                owner, last_seen = owner_in_name(attempt_dir.name) or {}, _modified(attempt_dir)
            else:
                last_seen = float(owner.get("started", 0))
            if attempt_is_abandoned(owner, last_seen=last_seen):
                self.folders.remove_tree(f"{STAGING_DIR}/{attempt_dir.name}", ignore_errors=True)


class LocalPartitionWriter(WriterLifecycle):
    """One write attempt for one partition; see :class:`LocalSink`."""

    def __init__(self, sink: LocalSink, partition: PartitionRef, schema: pa.Schema) -> None:
        self._sink = sink
        self.partition = partition
        self.schema = schema
        self.attempt_id = new_attempt_id()
        self._dir = sink.root / STAGING_DIR / f"{self.attempt_id}.{owner_tag()}"
        sink.require_own_folder(self._dir)  # fails early, naming the link's target
        # Everything below goes through folders opened without following links (own_folders):
        # a folder swapped for a link after the check above is refused, not written through.
        self._relative = f"{STAGING_DIR}/{self._dir.name}"
        with sink.folders.folder(self._relative, create=True) as attempt:
            _write_json(attempt, ATTEMPT_FILE, attempt_owner(partition))
        self._parts = PartFileWriter(
            partition,
            schema,
            sink.format,
            tag=attempt_tag(self.attempt_id),
            open_stream=lambda name: sink.folders.create_file(f"{self._relative}/{name}"),
            finish_stream=_fsync_and_close,
            discard_stream=lambda stream: stream.close(),
            row_group_bytes=sink.row_group_bytes,
            max_file_rows=sink.max_file_rows,
        )
        self._closed = False

    def commit(self) -> CommitInfo:
        self._check_open()
        target = self._sink.partition_path(self.partition)
        record = self._sink.manifest_path(self.partition)
        for folder in (target, record.parent):  # fails early, naming the link's target
            self._sink.require_own_folder(folder)
        self._files = self._parts.finish()
        with self._sink.folders.folder(self._relative) as attempt:
            total_bytes = self._move_manifest_out(attempt)
            os.fsync(attempt)
        _publish(self._sink.folders, self._relative, self.partition.relative_path)
        self._closed = True
        return CommitInfo(
            partition=self.partition,
            uri=file_uri(target),
            files=tuple(file_uri(target / name) for name in self._files),
            rows=self._parts.rows,
            bytes=total_bytes,
        )

    def _move_manifest_out(self, attempt: int) -> int:
        """Write the manifest in the open ``attempt`` folder and move it to its place in
        ``_manifests``; the attempt's bytes."""
        total_bytes = sum(os.stat(name, dir_fd=attempt).st_size for name in self._files)
        payload = manifest(
            self.partition, self.attempt_id, self._files, self._parts.rows, total_bytes, self.schema
        )
        _write_json(attempt, MANIFEST_FILE, payload)
        os.unlink(ATTEMPT_FILE, dir_fd=attempt)
        # Out of the folder before it is published, so readers of the partition never meet it.
        # Until the folder below is swapped, the manifest lists files the folder does not hold:
        # committed_rows then counts the files, so the manifest is never trusted early.
        folder, name = split(manifest_path(self.partition))
        with self._sink.folders.folder(folder, create=True) as manifests:
            os.replace(MANIFEST_FILE, name, src_dir_fd=attempt, dst_dir_fd=manifests)
        return total_bytes

    def _delete_attempt_files(self) -> None:
        self._sink.folders.remove_tree(self._relative, ignore_errors=True)


def _committed_rows_in(folders: OwnFolders, folder: str, record: str) -> int | None:
    """Rows a reader of the folder ``folder`` sees; None when it holds no part file (every
    commit writes one). Both relative to the root of ``folders``, read without following links.

    The count of the first manifest (``record``, then an earlier version's ``_manifest.json`` in
    the folder) that lists exactly the part files there and is not 0 is used; otherwise (no
    manifest, a file added or removed since the commit, a manifest of another commit, a claim of
    no rows, which would let an empty copy replace the partition) the files' rows are counted.
    Counting a truly empty partition is free: its file has no rows.
    """
    names = [name for name, _ in folders.files_to_read(folder, PART_PREFIX)]
    return _rows_of(folders, folder, record, names) if names else None


def _rows_of(folders: OwnFolders, folder: str, record: str, names: list[str]) -> int:
    """Rows of the part files ``names`` of the folder ``folder``: a manifest's count if it lists
    exactly them (see :func:`_committed_rows_in`), else each file's rows, each file reached and
    opened without following a link (one swapped for a link since it was listed is refused)."""
    for listing in (record, f"{folder}/{MANIFEST_FILE}"):
        if rows := _manifest_count(folders, listing, names):
            return rows
    return sum(_file_rows(folders, f"{folder}/{name}") for name in names)


def _file_rows(folders: OwnFolders, relative: str) -> int:
    with io.BufferedReader(folders.open_to_read(relative)) as file:
        return count_file_rows(relative, file)


def _manifest_count(folders: OwnFolders, record: str, names: list[str]) -> int | None:
    """The row count of the manifest at ``record`` if it lists exactly ``names``; else None
    (a manifest that is a link, or reached through one, is not read: the files are counted)."""
    try:
        payload = folders.read_bytes(record)
        listed = sorted(manifest_files(payload, where=str(folders.root / record)))
    except (OSError, ValueError):  # no manifest, or not one
        return None
    return manifest_rows(payload) if listed == names else None


def file_uri(path: Path) -> str:
    """``file://`` URI that keeps Hive's ``key=value`` folders readable (``=`` is legal in a path)."""
    return "file://" + quote_path(str(path))


def _publish(folders: OwnFolders, staged: str, target: str) -> None:
    """Make the folder ``staged`` visible at ``target`` (both relative to the root) atomically,
    replacing any previous content; renamed through descriptors of their parents, so a folder
    on the way swapped for a link is refused (own_folders)."""
    (staging, staged_name), (parent, name) = split(staged), split(target)
    with folders.folder(staging) as old, folders.folder(parent, create=True) as new:
        try:  # atomic; fails if the target is an existing non-empty folder
            os.rename(staged_name, name, src_dir_fd=old, dst_dir_fd=new)
            return
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR):
                raise
        if _exchange((old, staged_name), (new, name)):
            remove_tree_in(old, staged_name)  # now holds the previous content
            return
        aside = staged_name + ".replaced"
        os.rename(name, aside, src_dir_fd=new, dst_dir_fd=old)
        os.rename(staged_name, name, src_dir_fd=old, dst_dir_fd=new)
        remove_tree_in(old, aside)


_RENAME_EXCHANGE = 2


def _exchange(first: tuple[int, str], second: tuple[int, str]) -> bool:
    """Swap two folders, each a name in an open folder, in one step (Linux ``renameat2``);
    False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is None:
        return False
    (first_folder, first_name), (second_folder, second_name) = first, second
    result = renameat2(
        first_folder, os.fsencode(first_name), second_folder, os.fsencode(second_name),
        _RENAME_EXCHANGE,
    )
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), second_name)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0  # gone meanwhile: rmtree below ignores it


def _read_attempt(attempt_dir: Path) -> dict | None:
    try:
        return json.loads((attempt_dir / ATTEMPT_FILE).read_text())
    except (OSError, ValueError):
        return None


def _write_json(folder: int, name: str, payload: dict) -> None:
    # Always a new file of the attempt, in its open folder: never a link planted under its name.
    with new_file(folder, name) as file:
        file.write(json.dumps(payload, indent=2, sort_keys=True).encode("utf-8"))


def _fsync_and_close(stream: BinaryIO) -> None:
    stream.flush()
    os.fsync(stream.fileno())
    stream.close()
