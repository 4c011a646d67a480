"""Streaming blob I/O for the Azure sink: a block-staging writer and a read-only Arrow filesystem.

Writing: :class:`BlockBlobWriter` is a binary stream that stages a block every ``block_size``
bytes and commits the block list on ``close()`` (or, with ``defer_commit``, on
:meth:`~BlockBlobWriter.commit`), so a file of any size costs one block of memory, and the blob
appears whole or not at all: staged blocks are no blob yet, and no listing shows them. Parquet and JSON-lines writers from
:mod:`mgdc_pipelines.sinks.formats` write into it unchanged.

Reading: :class:`BlobReadHandler` is a minimal read-only ``pyarrow.fs.FileSystemHandler`` over
the same Blob client, so ``pyarrow.dataset`` and ``pyarrow.parquet`` read blobs with ranged
downloads (Parquet reads its footer and the column chunks it needs, not the whole file).

Why not ``pyarrow.fs.AzureFileSystem``: it reads Azurite fine with an account key, but with a SAS
token (pyarrow 26) its error messages carry the full request URL *including the SAS signature*
(e.g. ``GetProperties failed for 'http://…/file.parquet?se=…&sig=…'`` on a 403 or a refused
connection), and a lazy dataset raises those inside user code and Dagster logs. It also has no
anonymous mode and its own credential chain. One reader over the Python SDK keeps a single
credential path for writes and reads, and the SDK's errors carry no secrets.

>>> from azure.storage.blob import BlobClient
>>> blob = BlobClient("http://127.0.0.1:10000/devstoreaccount1", "mgdc", "d/part-00000-0a.json")
>>> stream = BlockBlobWriter(blob, block_size=4 * 1024 * 1024)
>>> stream.write(b"abc"), stream.tell(), stream.block_count  # under one block: nothing sent yet
(3, 3, 0)
>>> stream.discard()  # close() would stage the last block and commit the block list
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pyarrow as pa
import pyarrow.fs as pafs
from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.storage.blob import BlobBlock, BlobClient, ContainerClient

from mgdc_pipelines.sinks.arrow_held import held_by_arrow

DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024
MAX_BLOCKS = 50_000  # Azure's limit of committed blocks per blob


class BlockBlobWriter(io.RawIOBase):
    """Write-only stream into one block blob; ``close()`` commits, ``discard()`` drops.

    With ``defer_commit``, ``close()`` only stages the last block: the blob appears when
    :meth:`commit` is called (the Azure sink publishes every file of an attempt at once).
    """

    def __init__(
        self,
        blob: BlobClient,
        *,
        block_size: int = DEFAULT_BLOCK_SIZE,
        on_block: Callable[[], None] = lambda: None,
        defer_commit: bool = False,
    ) -> None:
        super().__init__()
        self.blob_name = blob.blob_name
        self._blob = blob
        self._block_size = block_size
        self._on_block = on_block
        self._defer_commit = defer_commit
        self._buffer = bytearray()
        self._block_ids: list[str] = []
        self._size = 0

    @property
    def block_count(self) -> int:
        """Blocks staged so far (one more may be staged by ``close()``)."""
        return len(self._block_ids)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.closed:
            raise ValueError(f"write to a closed blob stream ({self.blob_name})")
        view = memoryview(data).cast("B")
        self._buffer += view
        self._size += view.nbytes
        while len(self._buffer) >= self._block_size:
            self._stage(bytes(self._buffer[: self._block_size]))
            del self._buffer[: self._block_size]
        return view.nbytes

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        """Nothing to do: a partial block waits for more bytes (tiny blocks waste the limit)."""

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._buffer:
                self._stage(bytes(self._buffer))
                self._buffer = bytearray()
            if not self._defer_commit:
                self.commit()
        finally:
            super().close()

    def commit(self) -> None:
        """Commit the staged block list: the blob appears whole, in one step."""
        self._blob.commit_block_list([BlobBlock(block_id) for block_id in self._block_ids])

    def discard(self) -> None:
        """Close without committing: the staged blocks never become a blob (Azure expires them)."""
        self._buffer = bytearray()
        super().close()

    def __exit__(self, exc_type, exc, tb) -> None:
        # Leaving a `with` block on an error must not publish a half-written file.
        if exc_type is not None:
            self.discard()
        else:
            self.close()

    def __del__(self) -> None:
        # io's finalizer would call close() and so COMMIT a half-written file; never do that.
        if not self.closed:
            self.discard()

    def _stage(self, data: bytes) -> None:
        if len(self._block_ids) >= MAX_BLOCKS:
            raise ValueError(
                f"{self.blob_name} would exceed Azure's {MAX_BLOCKS} blocks per blob at "
                f"{self._block_size} bytes per block: lower max_file_rows or raise block_size"
            )
        block_id = f"{len(self._block_ids):06d}"  # same length for every block, as Azure requires
        self._blob.stage_block(block_id, data, length=len(data))
        self._block_ids.append(block_id)
        self._on_block()


class BlobRangeReader(io.RawIOBase):
    """Seekable read-only view of one blob; each ``read`` is one ranged download.

    Reads are pinned to the blob's ETag, so a reader never mixes bytes of two versions.
    """

    def __init__(self, blob: BlobClient, size: int, etag: str) -> None:
        super().__init__()
        self._blob, self._size, self._etag = blob, size, etag
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def read(self, size: int = -1) -> bytes:
        available = self._size - self._position
        size = available if size is None or size < 0 else min(size, available)
        if size <= 0:
            return b""
        data = self._download(self._position, size)
        self._position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _download(self, offset: int, length: int) -> bytes:
        try:
            downloader = self._blob.download_blob(
                offset=offset,
                length=length,
                etag=self._etag,
                match_condition=MatchConditions.IfNotModified,
            )
            return downloader.readall()
        except (ResourceNotFoundError, ResourceModifiedError):
            raise FileNotFoundError(
                f"{self._blob.blob_name} was deleted or replaced while it was read "
                "(a newer commit replaced the partition): read the partition again"
            ) from None


class BlobReadHandler(pafs.FileSystemHandler):
    """Read-only Arrow filesystem over one container; paths are blob names.

    It lists nothing: readers open only the files a manifest names (see ``AzureBlobSink``).
    """

    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    def get_type_name(self) -> str:
        return "mgdc-azure-blob"

    def normalize_path(self, path: str) -> str:
        return path

    def get_file_info(self, paths: list[str]) -> list[pafs.FileInfo]:
        return [self._file_info(path) for path in paths]

    def open_input_file(self, path: str) -> pa.NativeFile:
        blob = self._container.get_blob_client(path)
        try:
            properties = blob.get_blob_properties()
        except ResourceNotFoundError:
            raise FileNotFoundError(
                f"{path} does not exist (was the partition replaced?)"
            ) from None
        # Arrow's threads read it and let it go: see arrow_held (an abort at exit otherwise).
        reader = held_by_arrow(BlobRangeReader(blob, properties.size, properties.etag))
        return pa.PythonFile(reader, mode="r")

    def open_input_stream(self, path: str) -> pa.NativeFile:
        return self.open_input_file(path)

    def get_file_info_selector(self, selector):
        raise NotImplementedError(
            f"{self.get_type_name()} does not list folders: open partitions with "
            "AzureBlobSink.open_dataset, which reads only the files their manifests list"
        )

    def _file_info(self, path: str) -> pafs.FileInfo:
        try:
            properties = self._container.get_blob_client(path).get_blob_properties()
        except ResourceNotFoundError:
            return pafs.FileInfo(path, pafs.FileType.NotFound)
        return pafs.FileInfo(
            path, pafs.FileType.File, size=properties.size, mtime=properties.last_modified
        )

    def _read_only(self, *args, **kwargs):
        raise PermissionError(f"{self.get_type_name()} is read-only: only the sink writes")

    create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = _read_only
    delete_file = move = copy_file = open_output_stream = open_append_stream = _read_only
