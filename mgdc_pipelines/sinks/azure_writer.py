"""One write attempt of the Azure sink: stream part files, publish by manifest, clean up.

See :mod:`mgdc_pipelines.sinks.azure` for the commit protocol and
:mod:`mgdc_pipelines.sinks.azure_cleanup` for the attempt marker this writer keeps alive.

Example (it needs a storage account; ``mgdc_pipelines_tests/sinks/test_azure.py`` runs it on
Azurite)::

    writer = sink.open_partition(PartitionRef("Example_v1", date, "all"), schema)
    try:
        for batch in batches:
            writer.write(batch)   # staged in blocks; nothing visible yet
        info = writer.commit()    # the manifest appears: the partition is replaced whole
    except BaseException:
        writer.abort()            # the attempt's blobs are deleted; the old partition stays
        raise
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING

import pyarrow as pa
from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import ContentSettings

from mgdc_pipelines.sinks.attempts import STALE_ATTEMPT_AGE, attempt_owner
from mgdc_pipelines.sinks.azure_blob_io import BlockBlobWriter
from mgdc_pipelines.sinks.azure_cleanup import (
    HEARTBEAT_INTERVAL,
    delete_if_present,
    marker_name,
    remove_orphans,
)
from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, WriterLifecycle
from mgdc_pipelines.sinks.layout import MANIFEST_FILE, attempt_tag, manifest, new_attempt_id
from mgdc_pipelines.sinks.rolling import PartFileWriter

if TYPE_CHECKING:
    from mgdc_pipelines.sinks.azure import AzureBlobSink

log = logging.getLogger(__name__)
_JSON = ContentSettings(content_type="application/json")


class AzureBlobPartitionWriter(WriterLifecycle):
    """One write attempt for one partition; see :class:`AzureBlobSink`."""

    def __init__(self, sink: AzureBlobSink, partition: PartitionRef, schema: pa.Schema) -> None:
        self._sink = sink
        self.partition = partition
        self.schema = schema
        self.attempt_id = new_attempt_id()
        self._tag = attempt_tag(self.attempt_id)
        self._folder = sink.folder(partition)
        self._marker = f"{self._folder}/{marker_name(self._tag)}"
        self._owner = {**attempt_owner(partition), "attempt": self.attempt_id}
        self._touch_marker(overwrite=False)  # before any data blob: see azure_cleanup
        self._bytes = 0
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
        self._check_open()
        self._parts.write(batch)
        self._heartbeat()

    def commit(self) -> CommitInfo:
        self._check_open()
        files = self._parts.finish()
        self._require_marker()
        self._publish(files)
        self._closed = True  # from here on the partition is published: never abort it
        self._tidy_after_publish()
        return CommitInfo(
            partition=self.partition,
            uri=self._sink.uri(self.partition),
            files=tuple(self._sink.file_uri(f"{self._folder}/{name}") for name in files),
            rows=self._parts.rows,
            bytes=self._bytes,
        )

    def abort(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._parts.discard()
        try:
            for name in self._parts.files:
                delete_if_present(self._sink.container_client, f"{self._folder}/{name}")
            delete_if_present(self._sink.container_client, self._marker)  # last: see azure_cleanup
        except AzureError as error:  # never hide the error that made us abort
            log.warning(
                "could not delete aborted attempt %s in %s: %s", self._tag, self._folder, error
            )

    # -- internals -------------------------------------------------------------------------

    def _open_stream(self, name: str) -> BlockBlobWriter:
        blob = self._sink.container_client.get_blob_client(f"{self._folder}/{name}")
        stream = BlockBlobWriter(blob, block_size=self._sink.block_size, on_block=self._heartbeat)
        self._streams.append(stream)
        return stream

    def _finish_stream(self, stream: BlockBlobWriter) -> None:
        stream.close()  # commits the block list: the file exists, still unlisted
        self._bytes += stream.tell()

    def _touch_marker(self, overwrite: bool = True) -> None:
        self._sink.container_client.upload_blob(
            self._marker, json.dumps(self._owner), overwrite=overwrite, content_settings=_JSON
        )
        self._last_touch = time.monotonic()

    def _heartbeat(self) -> None:
        if time.monotonic() - self._last_touch >= HEARTBEAT_INTERVAL.total_seconds():
            self._touch_marker()

    def _require_marker(self) -> None:
        try:
            self._sink.container_client.get_blob_client(self._marker).get_blob_properties()
        except ResourceNotFoundError:
            self.abort()
            raise RuntimeError(
                f"attempt {self.attempt_id} for {self.partition.relative_path} was cleaned up as "
                f"abandoned (no sign of life for {STALE_ATTEMPT_AGE}); nothing was published: "
                "run the partition again"
            ) from None

    def _publish(self, files: list[str]) -> None:
        """Write the manifest: one Put Blob, the atomic step that makes the partition visible."""
        payload = manifest(
            self.partition, self.attempt_id, files, self._parts.rows, self._bytes, self.schema
        )
        name = f"{self._folder}/{MANIFEST_FILE}"
        try:
            self._sink.container_client.upload_blob(
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
            current = json.loads(self._sink.container_client.download_blob(name).readall())
        except (AzureError, ValueError):
            return False
        return isinstance(current, dict) and current.get("attempt") == self.attempt_id

    def _tidy_after_publish(self) -> None:
        # Failures here leave only unlisted blobs, which a later attempt removes: the commit stands.
        try:
            remove_orphans(
                self._sink.container_client, self._folder,
                lambda: set(self._sink.committed_names(self.partition)),
            )
            delete_if_present(self._sink.container_client, self._marker)
        except AzureError as error:
            log.warning(
                "committed %s, but could not tidy %s: %s",
                self.partition.relative_path,
                self._folder,
                error,
            )
