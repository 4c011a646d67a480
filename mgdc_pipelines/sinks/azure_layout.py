"""Where the Azure sink's blobs are: data, manifests and attempt markers, and how to read a manifest.

Both the sink (:mod:`mgdc_pipelines.sinks.azure`) and its writer
(:mod:`mgdc_pipelines.sinks.azure_writer`) use these names; keeping them here means neither
imports the other's module for them.

>>> import datetime as dt
>>> layout = BlobLayout("http://127.0.0.1:10000/devstoreaccount1", "mgdc", "exports")
>>> partition = PartitionRef("Example_v1", dt.date(2026, 11, 20), "all")
>>> layout.folder(partition)
'exports/Example_v1/date=2026-11-20/scope=all'
>>> layout.manifest(partition)
'exports/_manifests/Example_v1/date=2026-11-20/scope=all.json'
>>> layout.attempts_folder(partition)
'exports/_attempts/Example_v1/date=2026-11-20/scope=all'
>>> layout.legacy_manifest(partition)
'exports/Example_v1/date=2026-11-20/scope=all/_manifest.json'
>>> layout.uri("exports/my file.parquet")
'http://127.0.0.1:10000/devstoreaccount1/mgdc/exports/my%20file.parquet'
"""

from __future__ import annotations

from dataclasses import dataclass

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient

from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.layout import MANIFEST_FILE, manifest_files, manifest_path, quote_path

# `_`-prefixed, like _manifests: the attempt markers of running (or crashed) writers.
ATTEMPTS_DIR = "_attempts"


@dataclass(frozen=True)
class BlobLayout:
    """Blob names (inside the container) and URIs of one sink: ``container/prefix``."""

    account_url: str
    container: str
    prefix: str = ""

    def _under_prefix(self, path: str) -> str:
        return "/".join(filter(None, [self.prefix, path]))

    def folder(self, partition: PartitionRef) -> str:
        """The partition's blob-name prefix (no trailing slash): its committed data files only."""
        return self._under_prefix(partition.relative_path)

    def manifest(self, partition: PartitionRef) -> str:
        """The partition's manifest: ``<prefix>/_manifests/<dataset>/date=D/scope=S.json``."""
        return self._under_prefix(manifest_path(partition))

    def legacy_manifest(self, partition: PartitionRef) -> str:
        """Where earlier versions kept the manifest: inside the partition folder (read as a fallback)."""
        return f"{self.folder(partition)}/{MANIFEST_FILE}"

    def attempts_folder(self, partition: PartitionRef) -> str:
        """Where the markers of the partition's write attempts are."""
        return self._under_prefix(f"{ATTEMPTS_DIR}/{partition.relative_path}")

    def uri(self, path: str = "") -> str:
        """URI of a blob name (or folder) of the container; the container's for ``""``."""
        return f"{self.account_url}/{self.container}" + (f"/{quote_path(path)}" if path else "")


def read_manifest(container: ContainerClient, layout: BlobLayout, partition: PartitionRef) -> tuple[str, bytes] | None:
    """``(blob name, payload)`` of the partition's manifest, or of an earlier version's inside its
    folder when it has no new one; None when nothing is committed."""
    for name in (layout.manifest(partition), layout.legacy_manifest(partition)):
        try:
            return name, container.download_blob(name).readall()
        except ResourceNotFoundError:
            continue
    return None


def committed_names(container: ContainerClient, layout: BlobLayout, partition: PartitionRef) -> list[str]:
    """File names (in the partition folder) its manifest lists; empty when nothing is committed."""
    found = read_manifest(container, layout, partition)
    if found is None:
        return []
    name, payload = found
    return manifest_files(payload, where=layout.uri(name))
