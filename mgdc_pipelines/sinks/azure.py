"""The Azure sink: the local sink's Hive layout in an Azure Blob / ADLS Gen2 container (or Azurite).

Layout, through the Blob API only (ADLS Gen2 accounts serve it too; Azurite has no DFS endpoint)::

    <prefix>/<dataset>/date=YYYY-MM-DD[/scope=<key>]/part-NNNNN-<attempt tag><ext>   # data only
    <prefix>/_manifests/<dataset>/date=YYYY-MM-DD[/scope=<key>].json                 # one per partition
    <prefix>/_attempts/<dataset>/date=YYYY-MM-DD[/scope=<key>]/_attempt-<tag>.json   # running writers

Commit protocol: blob storage has no folder rename, so an attempt stages its part files as
uncommitted blocks under their final names, which are no blobs yet: no listing shows them (only
a listing that asks for ``uncommittedblobs`` would). ``commit()`` then commits each file's block
list (each file appears whole, in one step), writes the manifest in one ``Put Blob`` (the atomic
publish for readers that read manifests: this sink and the loader read only the files a manifest
lists, so they see the old partition or the new one, never a mix; one that loses a race with
the cleanup gets "file not found" and reads again), and then deletes the previous commit's files
and any abandoned attempt's leftovers. ``abort()`` deletes the attempt's blocks and marker.
``withdraw()`` deletes the manifest first (the atomic unpublish for manifest readers), then the
files it listed and the partition's leftovers; one that finds no manifest still deletes the
folder's files that no manifest lists, so calling it again finishes a withdrawal that died in
between. What counts as abandoned (a live concurrent attempt is never touched) is explained in
:mod:`mgdc_pipelines.sinks.azure_cleanup`.

What a plain reader that lists the container (Spark, DuckDB, polars, pyarrow: Hive readers skip
the ``_`` folders) sees in a partition folder:

* while an attempt writes: the committed partition only, never an in-flight file;
* during a replace, from the first new file's commit to the last old file's delete (one block
  list commit per new file, then one delete per old file: milliseconds for the usual one file
  per partition): some or all of the new files beside some or all of the old ones, so rows of
  both versions. Read the manifest (``_manifests/...json``, its ``files``) when that matters;
* during a withdraw, from the manifest's delete to the last file's delete: some of the files
  (if the withdrawing process dies there, until ``withdraw()`` runs again or the partition's
  next write cleans up);
* after a writer is killed inside that replace window: the new files beside the old ones until
  the next attempt's cleanup (at once on the same host; after ``STALE_ATTEMPT_AGE`` from another).

A partition written by an earlier version (``_manifest.json`` and ``_attempt-*.json`` markers
inside the partition folder) still reads: its manifest is the fallback when ``_manifests`` has
none. The next commit of that partition migrates it: the new manifest goes to ``_manifests``,
then the old manifest and the old files are deleted from the folder. Do not run writers of both
versions on one sink at once.

Writes stream: each part file goes through a
:class:`~mgdc_pipelines.sinks.azure_blob_io.BlockBlobWriter`, so memory is bounded by one row
group plus one block; Azure keeps staged blocks for seven days, so an attempt must commit
within a week. Reads go through a read-only Arrow filesystem over the same client (see
:mod:`mgdc_pipelines.sinks.azure_blob_io` for why not ``pyarrow.fs.AzureFileSystem``).

>>> import datetime as dt
>>> sink = AzureBlobSink("https://contoso.blob.core.windows.net", "mgdc", prefix="exports",
...                      credential=BlobCredential("default"))
>>> sink.uri(PartitionRef("BasicDataSet_v0.User_v1", dt.date(2026, 11, 20), "sales")).split("/")[3:]
['mgdc', 'exports', 'BasicDataSet_v0.User_v1', 'date=2026-11-20', 'scope=sales']
"""

from __future__ import annotations

import os
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import ContainerClient

from mgdc_pipelines.sinks.arrow_held import held_by_arrow
from mgdc_pipelines.sinks.azure_account import AzureAccount, BlobCredential
from mgdc_pipelines.sinks.azure_blob_io import DEFAULT_BLOCK_SIZE, BlobReadHandler
from mgdc_pipelines.sinks.azure_cleanup import delete_if_present, remove_orphans
from mgdc_pipelines.sinks.azure_layout import BlobLayout, committed_names, read_manifest
from mgdc_pipelines.sinks.azure_writer import AzureBlobPartitionWriter
from mgdc_pipelines.sinks.base import PartitionRef, WithdrawnPartition
from mgdc_pipelines.sinks.formats import (
    count_file_rows,
    format_for,
    read_file_columns,
    read_file_schema,
    scannable,
)
from mgdc_pipelines.sinks.layout import (
    dataset_file_format,
    hive_partitioning,
    manifest_files,
    manifest_rows,
    part_tag,
)
from mgdc_pipelines.sinks.rolling import ROW_GROUP_BYTES

__all__ = ["AzureBlobSink", "AzureBlobPartitionWriter", "BlobCredential"]

# A withdraw retries when a concurrent commit replaces the manifest it read; more than this many
# replacements in a row means something keeps committing the partition: fail rather than loop.
_WITHDRAW_TRIES = 5


class AzureBlobSink:
    """Write partitions as Parquet (or MGDC JSON lines) blobs under ``container/prefix``.

    Args:
        account_url: ``https://<account>.blob.core.windows.net`` or, for Azurite,
            ``http://127.0.0.1:<port>/devstoreaccount1``.
        container: created on first write if missing (the credential must be allowed to).
        credential: how to authenticate; see :class:`BlobCredential`.
        prefix: folder inside the container (``a/b``); empty for the container root.
        format, compression, row_group_bytes, max_file_rows: as for ``LocalSink``.
        block_size: bytes per staged block; bounds the upload buffer.
    """

    def __init__(
        self,
        account_url: str,
        container: str,
        *,
        credential: BlobCredential,
        prefix: str = "",
        format: str = "parquet",
        compression: str = "zstd",
        row_group_bytes: int = ROW_GROUP_BYTES,
        max_file_rows: int = 2_000_000,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> None:
        self.account = AzureAccount(account_url, credential)
        self.container = container
        self.prefix = clean_prefix(prefix)
        self.layout = BlobLayout(self.account.url, container, self.prefix)
        self.format = format_for(format, compression=compression)
        self.row_group_bytes = row_group_bytes
        self.max_file_rows = max_file_rows
        self.block_size = block_size
        self._container_client: ContainerClient | None = None
        self._filesystem: pafs.FileSystem | None = None
        self._container_ready = False

    def __repr__(self) -> str:
        return f"AzureBlobSink({self.uri()!r}, format={self.format.name!r})"

    # -- where things are ------------------------------------------------------------------

    def uri(self, partition: PartitionRef | None = None) -> str:
        return self.layout.uri(self.folder(partition) if partition else self.prefix)

    def folder(self, partition: PartitionRef) -> str:
        """The partition's blob-name prefix inside the container (no trailing slash)."""
        return self.layout.folder(partition)

    def write_locations(self, partition: PartitionRef) -> tuple[str, ...]:
        """The partition folder (data), its manifest and its attempts folder (markers)."""
        return (
            self.uri(partition),
            self.layout.uri(self.layout.manifest(partition)),
            self.layout.uri(self.layout.attempts_folder(partition)),
        )

    @property
    def container_client(self) -> ContainerClient:
        """The client every read and write goes through; see :func:`addressed_container`."""
        if self._container_client is None:
            client = self.account.service_client().get_container_client(self.container)
            addressed = addressed_container(client)
            if addressed != self.layout.uri():
                raise ValueError(
                    f"the Azure SDK would address container {addressed}, not {self.layout.uri()} "
                    "that the consent gate checks: refusing (check the sink's account_url and "
                    "container)"
                )
            self._container_client = client
        return self._container_client

    # -- writing -----------------------------------------------------------------------------

    def open_partition(
        self, partition: PartitionRef, schema: pa.Schema
    ) -> AzureBlobPartitionWriter:
        self._ensure_container()
        self._remove_orphans(partition)
        return AzureBlobPartitionWriter(self, partition, schema)

    def _ensure_container(self) -> None:
        if self._container_ready:
            return
        try:
            self.container_client.create_container()
        except ResourceExistsError:
            pass
        except HttpResponseError as error:
            if not self._container_exists():
                raise PermissionError(
                    f"cannot create container {self.container!r} in {self.account.url} "
                    f"({error.status_code} {error.error_code}): create it, or use a credential "
                    "that may create containers"
                ) from None
        self._container_ready = True

    def _container_exists(self) -> bool:
        # Listing, not `exists()`: a container SAS may list (the sink needs that anyway) but not
        # read container properties.
        try:
            next(iter(self.container_client.list_blobs(results_per_page=1)), None)
        except HttpResponseError:  # ContainerNotFound, or not even allowed to list
            return False
        return True

    # -- reading committed data ----------------------------------------------------------------

    def committed_names(self, partition: PartitionRef) -> list[str]:
        """File names the partition's manifest lists; empty when nothing is committed."""
        return committed_names(self.container_client, self.layout, partition)

    def committed_rows(self, partition: PartitionRef) -> int | None:
        """Rows the partition's manifest records; None when nothing is committed.

        A manifest that records no count, or 0 (which would let an empty copy replace the
        partition), is checked by counting its files' rows (free for a truly empty partition).
        """
        found = read_manifest(self.container_client, self.layout, partition)
        if found is None:
            return None
        rows = manifest_rows(found[1])
        if rows:
            return rows
        return sum(self._file_rows(path) for path in self.committed_files(partition))

    def withdraw(self, partition: PartitionRef) -> WithdrawnPartition | None:
        """Delete the manifest (readers stop seeing the partition at once), then its files and
        the folder's leftovers. With no manifest left, delete the folder's files that no
        manifest lists (what a withdrawal that died after deleting the manifest left behind).
        None when there was nothing to delete.

        An earlier version's manifest inside the folder goes first: while it goes, readers still
        find the new one, so no reader ever falls back to a stale list.
        """
        # The manifest goes before its files, not after: a manifest reader then never meets a
        # manifest whose files are gone (it would fail, or read part of the partition). The cost
        # is a window in which plain listers still see the files; a withdrawal that dies in it
        # leaves them unpublished, and the next call removes them (`_finish_interrupted`).
        taken = [
            payload
            for name in (self.layout.legacy_manifest(partition), self.layout.manifest(partition))
            if (payload := self._take_manifest(name)) is not None
        ]
        if taken:
            return self._delete_withdrawn(partition, taken[-1])
        return self._finish_interrupted(partition)

    def _take_manifest(self, name: str) -> bytes | None:
        """Delete the manifest blob ``name`` exactly as read; its payload, or None if absent."""
        for _ in range(_WITHDRAW_TRIES):
            try:
                download = self.container_client.download_blob(name)
                payload = download.readall()
                # Only the manifest read here: a newer commit's manifest is withdrawn by a new try.
                self.container_client.delete_blob(
                    name, etag=download.properties.etag, match_condition=MatchConditions.IfNotModified
                )
            except ResourceNotFoundError:
                return None  # nothing committed, or withdrawn meanwhile
            except ResourceModifiedError:
                continue
            return payload
        raise RuntimeError(
            f"could not withdraw {self.layout.uri(name)}: the manifest was replaced by "
            f"{_WITHDRAW_TRIES} commits in a row while it was being withdrawn"
        )

    def _delete_withdrawn(self, partition: PartitionRef, payload: bytes) -> WithdrawnPartition:
        folder = self.folder(partition)
        try:
            names = manifest_files(payload, where=self.layout.uri(self.layout.manifest(partition)))
        except ValueError:
            names = []  # an unreadable manifest: its files are removed with the leftovers below
        rows = manifest_rows(payload)
        for name in names:
            delete_if_present(self.container_client, f"{folder}/{name}")
        # Files of a commit that landed meanwhile are listed by its manifest and kept.
        self._remove_orphans(partition)
        return self._withdrawn(partition, names, rows or 0)

    def _finish_interrupted(self, partition: PartitionRef) -> WithdrawnPartition | None:
        """Delete the partition folder's files that no manifest lists; None when there were none.

        The withdrawn commit's attempt ended (deleting its marker) before the consent check that
        failed could read its files, so its files count as finished and go. The cleanup's rule,
        not a plain delete of the folder, because it keeps what a copy running meanwhile still
        needs: files of an attempt whose marker is live (a heartbeat within
        ``STALE_ATTEMPT_AGE``, and its process alive if it ran on this host) and files of the
        manifest it reads after the markers, so a copy that commits meanwhile keeps its files.
        """
        folder = self.folder(partition)
        removed = self._remove_orphans(partition)
        names = [
            name
            for path in removed
            if path.startswith(f"{folder}/") and part_tag(name := path[len(folder) + 1 :])
        ]
        # Their row count went with the manifest the interrupted withdrawal deleted.
        return self._withdrawn(partition, names, 0) if names else None

    def _withdrawn(
        self, partition: PartitionRef, names: list[str], rows: int
    ) -> WithdrawnPartition:
        """The record of a withdrawal that deleted ``names`` (file names in the folder)."""
        folder = self.folder(partition)
        return WithdrawnPartition(
            partition=partition,
            uri=self.uri(partition),
            files=tuple(self.file_uri(f"{folder}/{name}") for name in names),
            rows=rows,
        )

    def _remove_orphans(self, partition: PartitionRef) -> list[str]:
        """Delete what ended or abandoned attempts left (:func:`remove_orphans`); names deleted."""

        def listed() -> set[str]:  # read by the cleanup after its marker checks
            return set(self.committed_names(partition))

        return remove_orphans(self.container_client, self.layout, partition, listed)

    def committed_files(self, partition: PartitionRef) -> list[str]:
        """Blob names (inside the container) of every file a reader of ``partition`` sees."""
        folder = self.folder(partition)
        return [f"{folder}/{name}" for name in self.committed_names(partition)]

    def committed_schemas(self, partition: PartitionRef) -> dict[str, pa.Schema]:
        """Each listed file's own schema, by file URI (a reader may meet any of them)."""
        paths = self.committed_files(partition)
        return {self.file_uri(path): self._file_schema(path) for path in paths}

    def read_committed(
        self, partition: PartitionRef, columns: list[str]
    ) -> Iterator[pa.RecordBatch]:
        """Stream ``columns`` of every listed file (files lacking a column skip it)."""
        for path in self.committed_files(partition):
            yield from self._file_columns(path, columns)

    def open_dataset(self, partitions: Sequence[PartitionRef], schema: pa.Schema) -> pads.Dataset:
        """A lazy dataset over the files the partitions' manifests list, with ``date``/``scope``.

        The manifests are read now; the files when the dataset is scanned. ``schema`` (the written
        schema) is what JSON-lines files are parsed with, so both formats read back typed.
        """
        listed = [path for partition in partitions for path in self.committed_files(partition)]
        files = self._scannable(listed)
        partitioning, partition_fields = hive_partitioning(partitions)
        base = "/".join(filter(None, [self.prefix, partitions[0].dataset])) if partitions else None
        return pads.dataset(
            files,
            schema=pa.schema([*schema, *partition_fields]),
            format=dataset_file_format(self.format.name, schema),
            partitioning=partitioning,
            partition_base_dir=base,
            filesystem=self.filesystem,
        )

    @property
    def filesystem(self) -> pafs.FileSystem:
        """Read-only Arrow filesystem over the container; paths are blob names."""
        if self._filesystem is None:
            handler = held_by_arrow(BlobReadHandler(self.container_client))  # see arrow_held
            self._filesystem = pafs.PyFileSystem(handler)
        return self._filesystem

    def file_uri(self, path: str) -> str:
        """URI of a blob of the container, e.g. one of :meth:`committed_files`."""
        return self.layout.uri(path)

    def _scannable(self, paths: list[str]) -> list[str]:
        """``paths`` without empty JSON-lines files, which a dataset scan cannot open."""
        if self.format.name == "parquet":
            return paths  # a Parquet file is never empty (it has a footer)
        infos = self.filesystem.get_file_info(paths)
        # A file that is gone stays in: the scan then fails loudly instead of losing rows.
        return [
            info.path
            for info in infos
            if info.type != pafs.FileType.File or scannable(info.path, info.size)
        ]

    def _file_rows(self, path: str) -> int:
        if path.endswith(".parquet"):
            with self.filesystem.open_input_file(path) as file:
                return pq.ParquetFile(file).metadata.num_rows  # the footer only
        with self._local_copy(path) as local:
            return count_file_rows(local)

    def _file_schema(self, path: str) -> pa.Schema:
        if path.endswith(".parquet"):
            with self.filesystem.open_input_file(path) as file:
                return pq.read_schema(file)  # the footer only: ranged reads
        with self._local_copy(path) as local:
            return read_file_schema(local)

    def _file_columns(self, path: str, columns: list[str]) -> Iterator[pa.RecordBatch]:
        if path.endswith(".parquet"):
            with self.filesystem.open_input_file(path) as file:
                parquet = pq.ParquetFile(file)  # ranged reads, one row group at a time
                present = [c for c in columns if c in parquet.schema_arrow.names]
                if present:
                    yield from parquet.iter_batches(columns=present)
            return
        with self._local_copy(path) as local:
            yield from read_file_columns(local, columns)

    @contextmanager
    def _local_copy(self, path: str) -> Iterator[str]:
        """The blob in a temp file, so JSON lines are read exactly as the local sink reads them.

        The download streams in chunks (memory stays bounded); JSON has no footer to range-read.
        """
        with tempfile.TemporaryDirectory(prefix="mgdc-azure-") as folder:
            local = os.path.join(folder, path.rsplit("/", 1)[-1])
            with open(local, "wb") as file:
                try:
                    self.container_client.download_blob(path).readinto(file)
                except ResourceNotFoundError:
                    raise FileNotFoundError(
                        f"{path} is gone: the partition was replaced; read it again"
                    ) from None
            yield local


def addressed_container(client: ContainerClient) -> str:
    """The container URL the SDK sends requests to, unquoted and without its query (a SAS).

    The gate checks :meth:`AzureBlobSink.uri` and its locations, built from the parsed account
    URL; the SDK builds request URLs by its own rules. Comparing the two before the first request
    means a disagreement (an account URL path the SDK drops, a container name it encodes) stops
    the sink instead of writing outside what the gate checked.

    >>> from azure.storage.blob import BlobServiceClient
    >>> service = BlobServiceClient("https://contoso.blob.core.windows.net/mgdc-analytics")
    >>> addressed_container(service.get_container_client("hr-confidential"))
    'https://contoso.blob.core.windows.net/hr-confidential'
    """
    parts = urllib.parse.urlsplit(client.url)
    return urllib.parse.unquote(f"{parts.scheme}://{parts.netloc}{parts.path}").rstrip("/")


def clean_prefix(prefix: str) -> str:
    """``/a/b/`` → ``a/b``; refuses ``.``/``..`` segments, which would make URIs ambiguous."""
    segments = [segment for segment in prefix.strip("/").split("/") if segment]
    if any(segment in (".", "..") for segment in segments):
        raise ValueError(f"prefix {prefix!r} must not contain '.' or '..' segments")
    return "/".join(segments)
