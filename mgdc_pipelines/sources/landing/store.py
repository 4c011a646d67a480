"""Where deliveries are stored: a local folder or an Azure Blob container, behind one seam.

A :class:`DeliveryStore` lists a dataset's delivery files (with the rules of ``layout.py``) and
reads one file's lines (``reader.py``); everything else in the landing source is the same for
both stores.

Both also read a file in blocks of whole lines (:class:`BlockDeliveryStore`), which the
source hands to Arrow's JSON reader at once when the lines allow it.

* :class:`LocalDeliveryStore`: ``<root>/<dataset full name>/...`` on disk; files are paths.
* :class:`AzureDeliveryStore`: blobs ``<prefix>/<dataset full name>/...`` (and the single blob
  ``<prefix>/<dataset full name>.json``) in a container; files are named
  ``<container>/<blob name>``, in stats, quarantine records and errors. Each blob is streamed
  in ``chunk_size`` pieces (``download_blob().chunks()``), so memory holds one chunk and one line.

>>> store = AzureDeliveryStore("https://contoso.blob.core.windows.net", "landing",
...                            prefix="/mgdc/", credential=None)
>>> store
AzureDeliveryStore('https://contoso.blob.core.windows.net/landing/mgdc')
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from mgdc_pipelines.sinks.azure_account import AzureAccount, BlobCredential, parse_account_url
from mgdc_pipelines.sources.landing.layout import DeliveryFiles, blob_delivery_files, delivery_files
from mgdc_pipelines.sources.landing.reader import (
    LineBlock,
    RawLine,
    chunk_blocks,
    file_blocks,
    lines_of_chunks,
    read_lines,
)

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024  # the SDK's default chunk; also caps the first GET


@runtime_checkable
class DeliveryStore(Protocol):
    """Lists a dataset's delivery files and reads their lines."""

    def files(self, dataset_name: str) -> DeliveryFiles:
        """Every candidate file (raises ``DeliveryNotFoundError`` if none was delivered)."""
        ...

    def read_lines(self, file: Path | str) -> Iterator[RawLine]:
        """One file's lines in order, the byte-order mark dropped."""
        ...


@runtime_checkable
class BlockDeliveryStore(DeliveryStore, Protocol):
    """A store that also reads a file in blocks of whole lines, which can be parsed at once."""

    def read_blocks(self, file: Path | str, *, max_lines: int) -> Iterator[LineBlock]:
        """One file's lines in order, in blocks of at most ``max_lines`` lines."""
        ...


class LocalDeliveryStore:
    """Deliveries under a local (or mounted) folder."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().absolute()

    def __repr__(self) -> str:
        return f"LocalDeliveryStore({str(self.root)!r})"

    def files(self, dataset_name: str) -> DeliveryFiles:
        return delivery_files(self.root, dataset_name)

    def read_lines(self, file: Path | str) -> Iterator[RawLine]:
        return read_lines(Path(file))

    def read_blocks(self, file: Path | str, *, max_lines: int) -> Iterator[LineBlock]:
        return file_blocks(Path(file), max_lines=max_lines)


class AzureDeliveryStore:
    """Deliveries under ``prefix`` in an Azure Blob / ADLS Gen2 container (or Azurite).

    ``credential`` is a sink's :class:`BlobCredential` (key, sas or default), or ``None`` for
    anonymous access to a public container. The credential never shows in ``repr``.
    """

    def __init__(
        self,
        account_url: str,
        container: str,
        *,
        prefix: str = "",
        credential: BlobCredential | None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        self.account_url, _ = parse_account_url(account_url)
        self.container = container
        self.prefix = "/".join(part for part in prefix.split("/") if part)
        self._credential = credential
        self._chunk_size = chunk_size
        self._client: ContainerClient | None = None

    def __repr__(self) -> str:
        return f"AzureDeliveryStore({self.uri()!r})"

    def uri(self) -> str:
        return "/".join(part for part in (self.account_url, self.container, self.prefix) if part)

    def files(self, dataset_name: str) -> DeliveryFiles:
        base = f"{self.prefix}/" if self.prefix else ""
        listing = self._container().list_blobs(
            name_starts_with=f"{base}{dataset_name}", include=["metadata"]
        )
        names = (
            blob.name[len(base):]
            for blob in listing
            # ADLS Gen2 lists its directories as empty blobs marked hdi_isfolder.
            if (blob.metadata or {}).get("hdi_isfolder") != "true"
        )
        return blob_delivery_files(
            names,
            dataset_name,
            location=f"{self.container}/{self.prefix}".rstrip("/"),
            path_of=lambda name: f"{self.container}/{base}{name}",
        )

    def read_lines(self, file: Path | str) -> Iterator[RawLine]:
        return lines_of_chunks(self._chunks(file), str(file))

    def read_blocks(self, file: Path | str, *, max_lines: int) -> Iterator[LineBlock]:
        return chunk_blocks(self._chunks(file), str(file), max_lines=max_lines)

    def container_client(self) -> ContainerClient:
        """The container's SDK client (made once), e.g. to delete a delivery once it is read."""
        return self._container()

    def _chunks(self, file: Path | str) -> Iterator[bytes]:
        blob_name = str(file).removeprefix(f"{self.container}/")
        download = self._container().download_blob(blob_name, max_concurrency=1)
        return download.chunks()

    def _container(self) -> ContainerClient:
        if self._client is None:
            # Imported here, not with the module: a copy from a local folder (the landing
            # source's default store) does not load the Azure SDK.
            from azure.storage.blob import BlobServiceClient

            sizes = {"max_single_get_size": self._chunk_size, "max_chunk_get_size": self._chunk_size}
            if self._credential is None:
                service = BlobServiceClient(account_url=self.account_url, **sizes)
            else:
                account = AzureAccount(self.account_url, self._credential)
                service = BlobServiceClient(
                    account_url=account.url, credential=account.sdk_credential(), **sizes
                )
            self._client = service.get_container_client(self.container)
        return self._client
