"""One write attempt of the Azure sink: stage part files as blocks, publish them and the manifest.

See :mod:`mgdc_pipelines.sinks.azure` for the commit protocol (and what a reader that lists the
container sees when) and :mod:`mgdc_pipelines.sinks.azure_cleanup` for the attempt marker this
writer keeps alive. The writer needs only :class:`AzureWriteTarget` from its sink, so this module
does not import the sink's.

Example (it needs a storage account; ``mgdc_pipelines_tests/sinks/test_azure.py`` runs it on
Azurite)::

    writer = sink.open_partition(PartitionRef("Example_v1", date, "all"), schema)
    try:
        for batch in batches:
            writer.write(batch)   # staged in blocks: no blob, nothing any listing shows
        info = writer.commit()    # the files appear, then the manifest: the partition is replaced
    except BaseException:
        writer.abort()            # the attempt's blocks and marker are deleted; the old partition stays
        raise
"""

from __future__ import annotations

import json
import logging
import time
from typing import Protocol

import pyarrow as pa
from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import ContainerClient, ContentSettings

from mgdc_pipelines.sinks.attempts import STALE_ATTEMPT_AGE, attempt_owner
from mgdc_pipelines.sinks.azure_blob_io import BlockBlobWriter
from mgdc_pipelines.sinks.azure_cleanup import (
    HEARTBEAT_INTERVAL,
    delete_if_present,
    marker_blob,
    remove_orphans,
)
from mgdc_pipelines.sinks.azure_layout import BlobLayout, committed_names
from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, WriterLifecycle
from mgdc_pipelines.sinks.formats import FileFormat
from mgdc_pipelines.sinks.layout import attempt_tag, manifest, new_attempt_id
from mgdc_pipelines.sinks.rolling import PartFileWriter

log = logging.getLogger(__name__)
_JSON = ContentSettings(content_type="application/json")


class AzureWriteTarget(Protocol):
    """What a write attempt needs from its sink (:class:`~mgdc_pipelines.sinks.azure.AzureBlobSink`)."""

    layout: BlobLayout
    format: FileFormat
    row_group_bytes: int
    max_file_rows: int
    block_size: int

    @property
    def container_client(self) -> ContainerClient: ...


class AzureBlobPartitionWriter(WriterLifecycle):
    """One write attempt for one partition; see :class:`~mgdc_pipelines.sinks.azure.AzureBlobSink`."""

    def __init__(self, sink: AzureWriteTarget, partition: PartitionRef, schema: pa.Schema) -> None:
        self._container = sink.container_client
        self._layout = sink.layout
        self.partition = partition
        self.schema = schema
        self.attempt_id = new_attempt_id()
        self._tag = attempt_tag(self.attempt_id)
        self._folder = sink.layout.folder(partition)
        self._marker = marker_blob(sink.layout, partition, self._tag)
        self._owner = {**attempt_owner(partition), "attempt": self.attempt_id}
        self._touch_marker(overwrite=False)  # before any block: see azure_cleanup
        self._bytes = 0
        self._block_size = sink.block_size
        self._streams: list[BlockBlobWriter] = []
        self._parts = PartFileWriter(
            partition,
            schema,
            sink.format,
            tag=self._tag,
            open_stream=self._open_stream,
            finish_stream=self._finish_stream,
            discard_stream=lambda stream: stream.discard(),
            row_group_bytes=sink.row_group_bytes,
            max_file_rows=sink.max_file_rows,
        )
        self._closed = False

    @property
    def blocks_staged(self) -> list[int]:
        """Blocks staged per file so far (how the upload was split)."""
        return [stream.block_count for stream in self._streams]

    def write(self, batch: pa.RecordBatch) -> None:
        super().write(batch)
        self._heartbeat()

    def commit(self) -> CommitInfo:
        self._check_open()
        files = self._parts.finish()
        self._require_marker()
        for stream in self._streams:  # the files appear in the partition folder, one by one
            stream.commit()
            self._heartbeat()
        self._publish(files)
        self._closed = True  # from here on the partition is published: never abort it
        self._tidy_after_publish()
        return CommitInfo(
            partition=self.partition,
            uri=self._layout.uri(self._folder),
            files=tuple(self._layout.uri(f"{self._folder}/{name}") for name in files),
            rows=self._parts.rows,
            bytes=self._bytes,
        )

    def _delete_attempt_files(self) -> None:
        try:
            # Published files, or staged blocks only (which Azure may answer with "not found").
            for name in self._parts.files:
                delete_if_present(self._container, f"{self._folder}/{name}")
            delete_if_present(self._container, self._marker)  # last: see azure_cleanup
        except AzureError as error:  # never hide the error that made us abort
            log.warning(
                "could not delete aborted attempt %s in %s: %s", self._tag, self._folder, error
            )

    # -- internals -------------------------------------------------------------------------

    def _open_stream(self, name: str) -> BlockBlobWriter:
        blob = self._container.get_blob_client(f"{self._folder}/{name}")
        stream = BlockBlobWriter(
            blob, block_size=self._block_size, on_block=self._heartbeat, defer_commit=True
        )
        self._streams.append(stream)
        return stream

    def _finish_stream(self, stream: BlockBlobWriter) -> None:
        stream.close()  # stages the last block; the blob appears only in commit()
        self._bytes += stream.tell()

    def _touch_marker(self, overwrite: bool = True) -> None:
        self._container.upload_blob(
            self._marker, json.dumps(self._owner), overwrite=overwrite, content_settings=_JSON
        )
        self._last_touch = time.monotonic()

    def _heartbeat(self) -> None:
        if time.monotonic() - self._last_touch >= HEARTBEAT_INTERVAL.total_seconds():
            self._touch_marker()

    def _require_marker(self) -> None:
        try:
            self._container.get_blob_client(self._marker).get_blob_properties()
        except ResourceNotFoundError:
            self.abort()
            raise RuntimeError(
                f"attempt {self.attempt_id} for {self.partition.relative_path} was cleaned up as "
                f"abandoned (no sign of life for {STALE_ATTEMPT_AGE}); nothing was published: "
                "run the partition again"
            ) from None

    def _publish(self, files: list[str]) -> None:
        """Write the manifest: one Put Blob, the atomic step for readers that read manifests."""
        payload = manifest(
            self.partition, self.attempt_id, files, self._parts.rows, self._bytes, self.schema
        )
        name = self._layout.manifest(self.partition)
        try:
            self._container.upload_blob(
                name,
                json.dumps(payload, indent=2, sort_keys=True),
                overwrite=True,
                content_settings=_JSON,
            )
        except AzureError:
            # A timeout may hide a write that landed: if our manifest is the current one, the
            # files it lists must stay (an abort would delete them from under readers).
            if not self._manifest_is_ours(name):
                raise

    def _manifest_is_ours(self, name: str) -> bool:
        try:
            current = json.loads(self._container.download_blob(name).readall())
        except (AzureError, ValueError):
            return False
        return isinstance(current, dict) and current.get("attempt") == self.attempt_id

    def _tidy_after_publish(self) -> None:
        # Failures here leave only unlisted blobs, which a later attempt removes: the commit stands.
        try:
            # An earlier version's manifest in the folder: the new one replaces it (migration).
            delete_if_present(self._container, self._layout.legacy_manifest(self.partition))
            remove_orphans(
                self._container, self._layout, self.partition,
                lambda: set(committed_names(self._container, self._layout, self.partition)),
            )
            delete_if_present(self._container, self._marker)
        except AzureError as error:
            log.warning(
                "committed %s, but could not tidy %s: %s",
                self.partition.relative_path,
                self._folder,
                error,
            )
