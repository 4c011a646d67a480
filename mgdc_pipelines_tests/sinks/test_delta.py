"""Delta sink guarantees beyond the sink contract, each on a local folder and on Azurite:
concurrent writers in separate processes, a writer killed mid-write, schema evolution (and
dropped columns leaving no current file), withdraw and vacuum against time travel, compaction,
and engines that know nothing of this project reading the table."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap

import deltalake
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.delta import DeltaSink
from mgdc_pipelines.sinks.delta_storage import AzureTableStorage
from mgdc_pipelines_tests.sinks.helpers import (  # noqa: F401  (delta_sink, make_sink: fixtures)
    DAY,
    PARTITION,
    SCHEMA,
    batch,
    delta_leftovers,
    delta_sink,
    make_sink,
    visible_rows,
    write,
)

DATASET = PARTITION.dataset
NO_TIME = dt.timedelta(0)
SINK_PLACE_VARIABLE = "MGDC_TEST_DELTA_SINK"


def ids(prefix: str, rows: int) -> list[str]:
    return sorted(batch(prefix, rows).column("id").to_pylist())


# -- other processes ---------------------------------------------------------------------------


def sink_place(sink: DeltaSink) -> dict:
    """What another process needs to open the same tables."""
    if isinstance(sink.storage, AzureTableStorage):
        blobs = sink.storage.blobs
        return {"url": blobs.account.url, "container": blobs.container, "key": blobs.account.credential.secret}
    return {"root": str(sink.storage.root)}


# A writer process: reads one task (JSON) a line, answers one JSON line. "commits": commit each
# (date, scope, id prefix, rows) in turn, answer their versions. "die mid-write": write part
# files without committing, answer the attempt's tag, then wait to be killed.
WRITER_PROCESS = """
import datetime as dt, json, sys, time
from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sinks.delta import DeltaSink
from mgdc_pipelines.sinks.layout import attempt_tag
from mgdc_pipelines_tests.sinks.helpers import SCHEMA, batch, write

def open_sink(place, options):
    if "root" in place:
        return DeltaSink.local(place["root"], **options)
    blobs = AzureBlobSink(place["url"], place["container"], credential=BlobCredential("key", place["key"]))
    return DeltaSink.azure(blobs, **options)

for line in sys.stdin:
    task = json.loads(line)
    sink = open_sink(task["place"], task["options"])
    partitions = [(PartitionRef(task["dataset"], dt.date.fromisoformat(day), scope), prefix, rows)
                  for day, scope, prefix, rows in task["partitions"]]
    if task["kind"] == "commits":
        try:
            answer = [write(sink, partition, batch(prefix, rows)).version for partition, prefix, rows in partitions]
        except Exception as error:
            answer = {"error": repr(error)}
    else:
        [(partition, prefix, rows)] = partitions
        writer = sink.open_partition(partition, SCHEMA)
        for row in range(rows):
            writer.write(batch(prefix, 1, start=row))
        answer = attempt_tag(writer.attempt_id)
    print(json.dumps(answer), flush=True)
    if task["kind"] != "commits":
        time.sleep(600)
"""


def start_writer_process() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER_PROCESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )


@pytest.fixture(scope="module")
def writer_processes():
    """Four writer processes, started once for the module (their imports take seconds)."""
    processes = [start_writer_process() for _ in range(4)]
    yield processes
    for process in processes:
        process.stdin.close()  # all of them, then wait: they exit at once
    for process in processes:
        process.wait(timeout=60)


def send(process: subprocess.Popen, kind: str, sink: DeltaSink, partitions: list[tuple[PartitionRef, str, int]],
         **options) -> None:
    task = {
        "kind": kind, "place": sink_place(sink), "options": options, "dataset": partitions[0][0].dataset,
        "partitions": [(p.date.isoformat(), p.scope, prefix, rows) for p, prefix, rows in partitions],
    }
    process.stdin.write(json.dumps(task) + "\n")
    process.stdin.flush()


def answer(process: subprocess.Popen):
    line = process.stdout.readline()
    assert line, f"the writer process exited (code {process.poll()})"
    return json.loads(line)


def commit_at_once(processes: list[subprocess.Popen], sink: DeltaSink, work: list[list[tuple]], **options) -> list[list[int]]:
    """Each process commits its list of (partition, id prefix, rows), all starting together;
    the versions each one's commits made."""
    for process, partitions in zip(processes, work):
        send(process, "commits", sink, partitions, **options)
    versions = [answer(process) for process in processes[: len(work)]]
    assert not any(isinstance(v, dict) for v in versions), versions
    return versions


def write_commits(sink: DeltaSink) -> list[dict]:
    return [entry for entry in sink.table(DATASET).history() if entry.get("mgdc.operation") == "write"]


# -- 1. concurrent writers ---------------------------------------------------------------------


def test_processes_committing_different_partitions_at_once_all_commit(delta_sink, writer_processes):
    sink = delta_sink()
    work = [
        [(PartitionRef(DATASET, DAY + dt.timedelta(days=day), f"w{writer}"), f"w{writer}-d{day}-", 1 + day) for day in range(5)]
        for writer in range(4)
    ]

    versions = commit_at_once(writer_processes, sink, work)

    for partitions in work:
        for partition, prefix, rows in partitions:
            assert visible_rows(sink, partition) == ids(prefix, rows)
    commits = write_commits(sink)
    assert len(commits) == 20
    # Each writer was told the version its own commit made, though others committed meanwhile.
    assert sorted(v for each in versions for v in each) == sorted(int(entry["version"]) for entry in commits)


@pytest.mark.parametrize("committed_before", [False, True], ids=["new partition", "committed partition"])
def test_processes_committing_one_partition_at_once_leave_exactly_one_writers_rows(
    delta_sink, writer_processes, committed_before
):
    sink = delta_sink()
    if committed_before:
        write(sink, PARTITION, batch("old", 3))
    work = [[(PARTITION, f"writer{writer}-", 50)] for writer in range(2)]

    [[first], [second]] = commit_at_once(writer_processes, sink, work, max_file_rows=10)

    later = 0 if first > second else 1  # the later commit replaced the earlier one whole
    assert visible_rows(sink) == ids(f"writer{later}-", 50)
    assert sink.committed_rows(PARTITION) == 50 and len(sink.committed_files(PARTITION)) == 5
    assert len(write_commits(sink)) == 2 + committed_before
