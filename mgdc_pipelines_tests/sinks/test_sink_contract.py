"""What every sink promises the layers above: committed rows, withdrawal, write locations, and
empty partitions in both file formats. Each test runs on the local folder sink, the Azure
folder sink, and the Delta sink on both (the JSON-lines one on the folder sinks only)."""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa
import pytest

from mgdc_pipelines.sinks.base import PartitionRef, Sink, WithdrawnPartition
from mgdc_pipelines_tests.sinks.helpers import (  # noqa: F401  (any_sink, folder_sink, make_sink: fixtures)
    DAY,
    PARTITION,
    SCHEMA,
    any_sink,
    assert_readers_see_one_version,
    batch,
    folder_sink,
    make_sink,
    visible_rows,
    write,
)

OTHER_DAY = PartitionRef("Example_v1", DAY + dt.timedelta(days=1), "all")


def test_the_sinks_implement_the_protocol(any_sink):
    assert isinstance(any_sink(), Sink)


def test_committed_rows_follow_every_commit_and_are_none_before_the_first(any_sink):
    sink = any_sink(max_file_rows=3)
    assert sink.committed_rows(PARTITION) is None

    write(sink, PARTITION, batch("a", 5))
    assert sink.committed_rows(PARTITION) == 5
    write(sink, PARTITION)
    assert sink.committed_rows(PARTITION) == 0
    write(sink, PARTITION, batch("b", 2))
    assert sink.committed_rows(PARTITION) == 2
    assert sink.committed_rows(OTHER_DAY) is None


def test_a_writer_counts_the_rows_it_wrote(any_sink):
    writer = any_sink().open_partition(PARTITION, SCHEMA)
    assert writer.rows == 0
    writer.write(batch("a", 3))
    writer.write(batch("b", 0))
    writer.write(batch("c", 2))
    assert writer.rows == 5
    assert writer.commit().rows == 5


def test_withdraw_unpublishes_the_partition_and_deletes_its_data(any_sink):
    sink = any_sink(max_file_rows=2)
    write(sink, OTHER_DAY, batch("kept", 1))
    info = write(sink, PARTITION, batch("gone", 3))

    withdrawn = sink.withdraw(PARTITION)

    assert withdrawn == WithdrawnPartition(PARTITION, info.uri, info.files, 3)
    assert sink.committed_rows(PARTITION) is None
    assert sink.committed_files(PARTITION) == [] and sink.committed_schemas(PARTITION) == {}
    assert visible_rows(sink) == []
    assert visible_rows(sink, OTHER_DAY) == ["kept0"]
    assert sink.withdraw(PARTITION) is None  # already gone: no error
    assert sink.withdraw(PartitionRef("Never_v1", DAY, "all")) is None
    write(sink, PARTITION, batch("again", 1))  # the partition can be committed anew
    assert visible_rows(sink) == ["again0"]


def test_withdraw_of_an_empty_partition_reports_no_rows(any_sink):
    sink = any_sink()
    info = write(sink, PARTITION)
    assert sink.withdraw(PARTITION) == WithdrawnPartition(PARTITION, info.uri, info.files, 0)
    assert sink.committed_rows(PARTITION) is None


def test_readers_see_the_whole_partition_or_nothing_while_it_is_withdrawn(any_sink):
    sink = any_sink(max_file_rows=50)
    reader = any_sink()  # its own client, as another process would have

    def commit_or_withdraw(version: int) -> None:
        if version % 2:
            sink.withdraw(PARTITION)
        else:
            write(sink, PARTITION, batch(f"v{version}-", 200))
        time.sleep(0.05)  # a local withdraw is one rename: give the reader time in each state

    write(sink, PARTITION, batch("v0-", 200))
    assert_readers_see_one_version(
        lambda: reader.open_dataset([PARTITION], SCHEMA).to_table(),
        commit_or_withdraw,
        versions=16,
        or_nothing=True,
    )


@pytest.mark.parametrize("rows", [0, 2])
def test_json_lines_partitions_with_or_without_rows_read_back(folder_sink, rows):
    sink = folder_sink(format="mgdc-jsonl")
    empty_info = write(sink, PARTITION)  # an empty JSON-lines part file has no bytes at all
    write(sink, OTHER_DAY, batch("x", rows))

    assert sink.committed_schemas(PARTITION) == {empty_info.files[0]: pa.schema([])}
    assert list(sink.read_committed(PARTITION, ["id", "n"])) == []
    assert sink.committed_rows(PARTITION) == 0
    table = sink.open_dataset([PARTITION, OTHER_DAY], SCHEMA).to_table()
    assert table.schema.names == ["id", "n", "date", "scope"]
    assert sorted(table.column("id").to_pylist()) == [f"x{i}" for i in range(rows)]


def test_write_locations_name_the_partition_folder(any_sink):
    sink = any_sink()
    assert sink.write_locations(PARTITION)[0] == sink.uri(PARTITION)
