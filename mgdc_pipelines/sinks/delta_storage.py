"""Where a Delta sink's tables live: a local folder or an Azure container (and how to reach it).

A Delta table is a folder of Parquet files plus its ``_delta_log``. The sink writes the data
files itself, through the same streams as the folder sinks (so memory stays bounded the same
way), and delta-rs writes the log. This module gives both sides what they need for one place:

- ``table_uri(dataset)`` and ``storage_options``: how delta-rs opens the table;
- ``filesystem(dataset)``: a pyarrow filesystem rooted at the table folder, for reading files
  (not delta-rs's Python filesystem, which aborts the interpreter at exit; locally, one that
  never follows a link: :mod:`~mgdc_pipelines.sinks.own_filesystem`);
- ``list_files(dataset, folder)``: the names of the files directly in a folder (the log's);
- ``open_output`` / ``finish_output`` / ``remove``: writing and deleting data files;
- ``uri(dataset, relative)``: what logs, metadata and consent's destination check show.

>>> import tempfile
>>> storage = LocalTableStorage(tempfile.mkdtemp())
>>> storage.table_uri("Example_v1").endswith("/Example_v1"), storage.storage_options
(True, {})
>>> azure = AzureTableStorage(AzureBlobSink("http://127.0.0.1:10000/devstoreaccount1", "mgdc",
...     prefix="exports", credential=BlobCredential("key", "a2V5")))
>>> azure.table_uri("Example_v1"), sorted(azure.storage_options)
('az://mgdc/exports/Example_v1', ['account_key', 'account_name', 'use_emulator'])
>>> azure.uri("Example_v1", "date=2026-11-20")
'http://127.0.0.1:10000/devstoreaccount1/mgdc/exports/Example_v1/date=2026-11-20'
>>> china = AzureTableStorage(AzureBlobSink("https://contoso.blob.core.chinacloudapi.cn", "mgdc",
...     credential=BlobCredential("default")))
>>> china.storage_options  # delta-rs writes the log where the SDK writes the data files
{'account_name': 'contoso', 'endpoint': 'https://contoso.blob.core.chinacloudapi.cn'}
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterable
from typing import BinaryIO, Protocol

import pyarrow.fs as pafs
from azure.core.exceptions import ResourceNotFoundError

from mgdc_pipelines.sinks.azure import AzureBlobSink
from mgdc_pipelines.sinks.azure_account import BlobCredential  # noqa: F401  (the doctest's)
from mgdc_pipelines.sinks.azure_blob_io import BlockBlobWriter
from mgdc_pipelines.sinks.layout import MANIFESTS_DIR
from mgdc_pipelines.sinks.local import LocalSink, file_uri
from mgdc_pipelines.sinks.own_filesystem import own_filesystem
from mgdc_pipelines.sinks.own_folders import OwnFolders


EMULATOR_URL_VARIABLE = "AZURITE_BLOB_STORAGE_URL"


class TableStorage(Protocol):
    def table_uri(self, dataset: str) -> str: ...

    @property
    def storage_options(self) -> dict[str, str]: ...

    def uri(self, dataset: str | None = None, relative: str = "") -> str: ...

    def exists(self) -> bool: ...

    def has_folder_partitions(self, dataset: str) -> bool: ...

    def prepare(self, dataset: str) -> None: ...

    def filesystem(self, dataset: str) -> pafs.FileSystem: ...

    def list_files(self, dataset: str, folder: str) -> list[str]: ...

    def open_output(self, dataset: str, relative: str) -> BinaryIO: ...

    def finish_output(self, stream: BinaryIO) -> int: ...

    def remove(self, dataset: str, relatives: Iterable[str]) -> None: ...


class LocalTableStorage:
    """Tables under a local (or mounted) folder: ``<root>/<dataset>/``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._folders = LocalSink(root)  # its root and its refusal to write through links
        self.root = self._folders.root
        # Writes and deletes go through folders opened without following links: a check of
        # the path before them would leave a race (see own_folders).
        self._own = OwnFolders(self.root)

    def table_uri(self, dataset: str) -> str:
        return str(self.root / dataset)

    @property
    def storage_options(self) -> dict[str, str]:
        return {}

    def uri(self, dataset: str | None = None, relative: str = "") -> str:
        path = self.root if dataset is None else self.root / dataset
        return file_uri(path / relative if relative else path)

    def exists(self) -> bool:
        return self.root.is_dir()

    def has_folder_partitions(self, dataset: str) -> bool:
        """Whether a folder sink (``format: parquet`` or ``mgdc-jsonl``) wrote ``dataset`` here."""
        return (self.root / MANIFESTS_DIR / dataset).is_dir()

    def prepare(self, dataset: str) -> None:
        self._folders.require_own_folder(self.root / dataset / "_delta_log")
        with self._own.folder(dataset, create=True):
            pass

    def filesystem(self, dataset: str) -> pafs.FileSystem:
        """The table folder, read without following links (see :mod:`~mgdc_pipelines.sinks.
        own_filesystem`): the data files a dataset scans, and the log files the sink reads."""
        return pafs.SubTreeFileSystem(str(self.root / dataset), own_filesystem(self._own))

    def list_files(self, dataset: str, folder: str) -> list[str]:
        return self._own.list_files(f"{dataset}/{folder}")

    def open_output(self, dataset: str, relative: str) -> BinaryIO:
        path = self.root / dataset / relative
        self._folders.require_own_folder(path.parent)  # fails early, with the link's target
        return self._own.create_file(f"{dataset}/{relative}", create=True)

    def finish_output(self, stream: BinaryIO) -> int:
        stream.flush()
        os.fsync(stream.fileno())
        size = stream.tell()
        stream.close()
        return size

    def remove(self, dataset: str, relatives: Iterable[str]) -> None:
        for relative in relatives:
            self._own.unlink(f"{dataset}/{relative}")


class AzureTableStorage:
    """Tables in an Azure Blob / ADLS Gen2 container (or Azurite): ``<prefix>/<dataset>/``.

    Writes and reads go through the Azure sink's SDK client (one credential path, errors
    without secrets); delta-rs reaches the log with the same account and credential.
    """

    def __init__(self, blobs: AzureBlobSink) -> None:
        self.blobs = blobs

    def blob_name(self, dataset: str, relative: str = "") -> str:
        return "/".join(part for part in (self.blobs.prefix, dataset, relative) if part)

    def table_uri(self, dataset: str) -> str:
        return f"az://{self.blobs.container}/{self.blob_name(dataset)}"

    @property
    def storage_options(self) -> dict[str, str]:
        account = self.blobs.account
        options = {"account_name": account.name}
        kind, secret = account.credential.kind, account.credential.secret
        if kind == "key":
            options["account_key"] = secret
        elif kind == "sas":
            options["sas_token"] = secret.lstrip("?")
        # kind "default": delta-rs's own chain (environment, workload or managed identity).
        parts = urllib.parse.urlsplit(account.url)
        if parts.path.strip("/"):
            # Path style: the Azure Storage emulator (Azurite). delta-rs reaches it only in its
            # emulator mode, which reads the emulator's address from this variable (a generic
            # endpoint makes it list the log with a parameter Azurite ignores, and its third
            # commit fails). One emulator per process is all this supports.
            os.environ[EMULATOR_URL_VARIABLE] = f"{parts.scheme}://{parts.netloc}"
            options["use_emulator"] = "true"
            return options
        # Host style: the account's own endpoint. Given only the account name, delta-rs would
        # reach `<account>.blob.core.windows.net`, the public cloud, where a sovereign cloud's
        # (`.blob.core.chinacloudapi.cn`, `.usgovcloudapi.net`) or a custom domain's account is
        # another account or none; this way the log goes where the sink's SDK writes the files.
        options["endpoint"] = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme == "http":
            options["allow_http"] = "true"
        return options

    def uri(self, dataset: str | None = None, relative: str = "") -> str:
        return self.blobs.layout.uri(self.blob_name(dataset or "", relative))

    def exists(self) -> bool:
        """False only when the container is missing; a refused credential raises (a table that
        cannot be read is not a table that is not there)."""
        try:
            next(iter(self.blobs.container_client.list_blobs(results_per_page=1)), None)
        except ResourceNotFoundError:
            return False
        return True

    def has_folder_partitions(self, dataset: str) -> bool:
        """Whether a folder sink (``format: parquet`` or ``mgdc-jsonl``) wrote ``dataset`` here."""
        prefix = "/".join(part for part in (self.blobs.prefix, MANIFESTS_DIR, dataset) if part) + "/"
        listing = self.blobs.container_client.list_blobs(name_starts_with=prefix, results_per_page=1)
        return next(iter(listing), None) is not None

    def prepare(self, dataset: str) -> None:
        self.blobs._ensure_container()

    def filesystem(self, dataset: str) -> pafs.FileSystem:
        return pafs.SubTreeFileSystem(self.blob_name(dataset), self.blobs.filesystem)

    def list_files(self, dataset: str, folder: str) -> list[str]:
        # The blob filesystem lists nothing (readers open what a manifest names); this lists one
        # folder's own blobs, not its sub-folders'.
        prefix = self.blob_name(dataset, folder) + "/"
        listing = self.blobs.container_client.walk_blobs(name_starts_with=prefix, delimiter="/")
        return sorted(item.name[len(prefix):] for item in listing if not item.name.endswith("/"))

    def open_output(self, dataset: str, relative: str) -> BinaryIO:
        blob = self.blobs.container_client.get_blob_client(self.blob_name(dataset, relative))
        return BlockBlobWriter(blob, block_size=self.blobs.block_size)

    def finish_output(self, stream: BlockBlobWriter) -> int:
        stream.close()  # commits the block list: the file exists, but no version lists it yet
        return stream.tell()

    def remove(self, dataset: str, relatives: Iterable[str]) -> None:
        for relative in relatives:
            try:
                self.blobs.container_client.delete_blob(self.blob_name(dataset, relative))
            except ResourceNotFoundError:
                pass
