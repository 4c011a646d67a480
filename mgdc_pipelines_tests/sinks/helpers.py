"""Helpers the sink tests share: a small schema, batches of it, a one-call write, concurrent reads."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pyarrow as pa

from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, Sink

SCHEMA = pa.schema([("id", pa.string()), ("n", pa.int64())])
DAY = dt.date(2026, 11, 20)


def batch(prefix: str, rows: int, start: int = 0) -> pa.RecordBatch:
    ids = [f"{prefix}{i}" for i in range(start, start + rows)]
    return pa.record_batch([pa.array(ids), pa.array(range(start, start + rows))], schema=SCHEMA)


def write(sink: Sink, partition: PartitionRef, *batches: pa.RecordBatch) -> CommitInfo:
    writer = sink.open_partition(partition, SCHEMA)
    for item in batches:
        writer.write(item)
    return writer.commit()


def assert_readers_see_one_version(
    read: Callable[[], pa.Table],
    write_version: Callable[[int], object],
    versions: int,
) -> None:
    """Reads in a thread while versions 1..versions-1 of 200 rows (ids ``v<k>-``) are written:
    every read must see all 200 rows of exactly one version."""
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
        assert rows == 200 and len(versions_seen) == 1, (rows, versions_seen)
