"""Helpers the sink tests share: a small schema, batches of it, a one-call write, concurrent reads,
and sink fixtures (import them into a test module to use them)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable

import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, Sink
from mgdc_pipelines.sinks.delta import DeltaSink, partition_folder
from mgdc_pipelines.sinks.delta_storage import AzureTableStorage
from mgdc_pipelines.sinks.local import LocalSink

SCHEMA = pa.schema([("id", pa.string()), ("n", pa.int64())])
DAY = dt.date(2026, 11, 20)
PARTITION = PartitionRef("Example_v1", DAY, "all")


@pytest.fixture
def make_sink(azurite):
    """Azure sinks on a fresh container of the session's Azurite (a new container per test)."""
    container = f"t{uuid.uuid4().hex[:16]}"

    def make(**options) -> AzureBlobSink:
        options.setdefault("credential", BlobCredential("key", azurite.key))
        return AzureBlobSink(azurite.account_url, options.pop("container", container), **options)

    return make


@pytest.fixture(params=["local", "azure"])
def folder_sink(request, tmp_path) -> Callable[..., Sink]:
    """The folder sinks in turn: a local folder, then a fresh container on Azurite.

    Every call returns a sink on the same place (a second one reads like another process).
    """
    if request.param == "local":
        return lambda **options: LocalSink(tmp_path / "sink", **options)
    return request.getfixturevalue("make_sink")


@pytest.fixture(params=["local", "azure"])
def delta_sink(request, tmp_path) -> Callable[..., DeltaSink]:
    """Delta sinks in turn: tables in a local folder, then in a fresh container on Azurite."""
    if request.param == "local":
        return lambda **options: DeltaSink.local(tmp_path / "sink", **options)
    make_blobs = request.getfixturevalue("make_sink")
    return lambda **options: DeltaSink.azure(make_blobs(), **options)


@pytest.fixture(params=["local", "azure", "local-delta", "azure-delta"])
def any_sink(request, tmp_path) -> Callable[..., Sink]:
    """Every sink in turn: the folder sinks, then the Delta sinks, local and on Azurite."""
    if request.param == "local":
        return lambda **options: LocalSink(tmp_path / "sink", **options)
    if request.param == "local-delta":
        return lambda **options: DeltaSink.local(tmp_path / "sink", **options)
    make_blobs = request.getfixturevalue("make_sink")
    if request.param == "azure":
        return make_blobs
    return lambda **options: DeltaSink.azure(make_blobs(), **options)


def batch(prefix: str, rows: int, start: int = 0) -> pa.RecordBatch:
    ids = [f"{prefix}{i}" for i in range(start, start + rows)]
    return pa.record_batch([pa.array(ids), pa.array(range(start, start + rows))], schema=SCHEMA)


def write(sink: Sink, partition: PartitionRef, *batches: pa.RecordBatch) -> CommitInfo:
    writer = sink.open_partition(partition, SCHEMA)
    for item in batches:
        writer.write(item)
    return writer.commit()


def visible_rows(sink: Sink, partition: PartitionRef = PARTITION) -> list[str]:
    """The ``id``s a reader of ``partition`` sees, sorted."""
    return sorted(sink.open_dataset([partition], SCHEMA).to_table().column("id").to_pylist())


def assert_readers_see_one_version(
    read: Callable[[], pa.Table],
    write_version: Callable[[int], object],
    versions: int,
    *,
    or_nothing: bool = False,
    may_see_nothing: bool = False,
) -> None:
    """Reads in a thread while versions 1..versions-1 of 200 rows (ids ``v<k>-``) are written:
    every read must see all 200 rows of exactly one version (or, ``or_nothing``, no row, which
    the reader must then meet; ``may_see_nothing``: no row is allowed, not required)."""
    seen: list[tuple[int, set[str]]] = []
    failures: list[BaseException] = []  # what the reader met besides a replaced file: a failure
    stop = threading.Event()

    def read_repeatedly():
        while not stop.is_set():
            try:
                table = read()
            except OSError:
                continue  # a listed file was replaced by the newer commit: read again, as any reader would
            if table.num_rows == 0 and "id" not in table.column_names:
                seen.append((0, set()))  # no file found: a dataset of the partition columns only
                continue
            try:
                seen.append((table.num_rows, {i.split("-")[0] for i in table.column("id").to_pylist()}))
            except Exception as error:  # e.g. rows without the written columns
                failures.append(error)
                return

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for version in range(1, versions):
            write_version(version)
    finally:
        stop.set()
        reader.join()
    assert not failures, f"a reader met {failures[0]!r}"
    assert seen, "the reader never completed a read"
    assert any(rows == 200 for rows, _ in seen), "the reader never saw a whole version"
    for rows, versions_seen in seen:
        if (or_nothing or may_see_nothing) and rows == 0:
            continue
        assert rows == 200 and len(versions_seen) == 1, (rows, versions_seen)
    if or_nothing:
        assert {rows for rows, _ in seen} == {0, 200}, f"the reader saw only {sorted({r for r, _ in seen})} rows in {len(seen)} reads"



def delta_leftovers(sink: DeltaSink, partition: PartitionRef) -> list[str]:
    """Files in the partition's folder of the Delta table that its current version does not list
    (what an aborted or killed writer left; no Delta reader sees them)."""
    listed = {uri.rsplit("/", 1)[1] for uri in sink.committed_files(partition)}
    folder = partition_folder(partition)
    if isinstance(sink.storage, AzureTableStorage):
        prefix = sink.storage.blob_name(partition.dataset, folder) + "/"
        blobs = sink.storage.blobs.container_client.list_blobs(name_starts_with=prefix)
        present = {blob.name.rsplit("/", 1)[1] for blob in blobs}
    else:
        selector = pafs.FileSelector(folder, allow_not_found=True)
        present = {info.base_name for info in sink.storage.filesystem(partition.dataset).get_file_info(selector)}
    return sorted(present - listed)
