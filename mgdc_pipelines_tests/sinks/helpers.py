"""Helpers the sink tests share: a small schema, batches of it, a one-call write, concurrent reads,
and sink fixtures (import them into a test module to use them)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable

import pyarrow as pa
import pytest

from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, Sink
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
def any_sink(request, tmp_path) -> Callable[..., Sink]:
    """Sinks of each kind in turn: a local folder, then a fresh container on Azurite.

    Every call returns a sink on the same place (a second one reads like another process).
    """
    if request.param == "local":
        return lambda **options: LocalSink(tmp_path / "sink", **options)
    return request.getfixturevalue("make_sink")


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
) -> None:
    """Reads in a thread while versions 1..versions-1 of 200 rows (ids ``v<k>-``) are written:
    every read must see all 200 rows of exactly one version (or, ``or_nothing``, no row)."""
    seen: list[tuple[int, set[str]]] = []
    stop = threading.Event()

    def read_repeatedly():
        while not stop.is_set():
            try:
                table = read()
            except OSError:
                continue  # a listed file was replaced by the newer commit: read again, as any reader would
            seen.append((table.num_rows, {i.split("-")[0] for i in table.column("id").to_pylist()}))

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for version in range(1, versions):
            write_version(version)
    finally:
        stop.set()
        reader.join()
    assert seen, "the reader never completed a read"
    for rows, versions_seen in seen:
        if or_nothing and rows == 0:
            continue
        assert rows == 200 and len(versions_seen) == 1, (rows, versions_seen)
    if or_nothing:
        assert {rows for rows, _ in seen} == {0, 200}, f"the reader saw only {sorted({r for r, _ in seen})} rows in {len(seen)} reads"
