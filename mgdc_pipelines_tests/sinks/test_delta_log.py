"""The Delta log reader: what the sink's withdrawals rely on beyond the withdrawal tests."""

from __future__ import annotations

import collections
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mgdc_pipelines.sinks.base import PartitionRef, SinkPathError
from mgdc_pipelines.sinks import delta_log
from mgdc_pipelines.sinks.delta import DeltaSink, partition_folder
from mgdc_pipelines.sinks.delta_log import LOG_FOLDER, LogRemovals, UnreadableDeltaLogError
from mgdc_pipelines.sinks.delta_storage import LocalTableStorage
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines_tests.sinks.helpers import (  # noqa: F401  (delta_sink, make_sink: fixtures)
    PARTITION,
    batch,
    delta_sink,
    make_sink,
    write,
)

DATASET = PARTITION.dataset


def test_list_files_names_a_folders_own_files_not_its_sub_folders(delta_sink):
    sink = delta_sink()
    write(sink, PARTITION, batch("a", 1))
    write(sink, PARTITION, batch("b", 1))

    assert sink.storage.list_files(DATASET, LOG_FOLDER)[:2] == [
        "00000000000000000000.json", "00000000000000000001.json"
    ]
    date_folder = partition_folder(PARTITION).split("/")[0]  # holds only the scope's folder
    assert sink.storage.list_files(DATASET, date_folder) == []
    assert sink.storage.list_files(DATASET, "no-such-folder") == []


def test_removed_files_names_only_the_folders_files_the_log_removed(tmp_path):
    sink = DeltaSink.local(tmp_path)
    first = write(sink, PARTITION, batch("a", 1))
    write(sink, PartitionRef(DATASET, PARTITION.date, "sales"), batch("s", 1))  # not removed
    write(sink, PARTITION, batch("b", 1))

    removed = LogRemovals(sink.storage, DATASET).under(partition_folder(PARTITION))

    assert [sink.storage.uri(DATASET, path) for path in removed] == list(first.files)


def test_a_v2_checkpoint_is_refused_by_name_rather_than_read_in_part(tmp_path):
    sink = DeltaSink.local(tmp_path)
    write(sink, PARTITION, batch("a", 1))
    name = "00000000000000000000.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json"
    (sink.storage.root / DATASET / LOG_FOLDER / name).write_text("{}\n")

    with pytest.raises(UnreadableDeltaLogError, match=f"{LOG_FOLDER}/{name} is a V2 checkpoint"):
        LogRemovals(sink.storage, DATASET).under(partition_folder(PARTITION))


@pytest.mark.parametrize("action", [
    {"sidecar": {"path": "3a0d65cd-4056-49b8-937b-95f9e3ee90e5.parquet", "sizeInBytes": 1,
                 "modificationTime": 0}},
    {"checkpointMetadata": {"version": 0}},
])
def test_a_classic_named_checkpoint_with_v2_actions_is_refused_rather_than_read_in_part(
    tmp_path, action
):
    # A V2 checkpoint may take the classic name; its sidecar files hold removals not read here.
    sink = DeltaSink.local(tmp_path)
    write(sink, PARTITION, batch("a", 1))
    name = f"{0:020d}.checkpoint.parquet"
    rows = pa.Table.from_pylist([{"remove": None, **action}, {"remove": {"path": "x.parquet"}}])
    pq.write_table(rows, sink.storage.root / DATASET / LOG_FOLDER / name)

    with pytest.raises(UnreadableDeltaLogError, match=f"{LOG_FOLDER}/{name} is a V2 checkpoint"):
        LogRemovals(sink.storage, DATASET).under(partition_folder(PARTITION))


# -- a log written by hand (anyone who can write the sink's folder) ----------------------------


def forge_removal(sink: DeltaSink, path: str, dataset: str = DATASET) -> None:
    """Add a removal of ``path`` to the table's first commit, as a hand-edited log would."""
    commit = sink.storage.root / dataset / LOG_FOLDER / f"{0:020d}.json"
    removal = {"remove": {"path": path, "deletionTimestamp": 0, "dataChange": True}}
    commit.write_text(commit.read_text().rstrip("\n") + "\n" + json.dumps(removal) + "\n")


def test_a_removal_climbing_out_of_the_partitions_folder_deletes_nothing_outside(tmp_path):
    sink = DeltaSink.local(tmp_path / "sink")
    write(sink, PARTITION, batch("a", 1))
    victim = tmp_path / "victim.txt"  # beside the sink's root
    victim.write_text("not the sink's")
    forge_removal(sink, f"{partition_folder(PARTITION)}/../../../../victim.txt")

    withdrawn = DeltaSink.local(tmp_path / "sink").withdraw(PARTITION)

    assert withdrawn.rows == 1 and victim.read_text() == "not the sink's"


def test_a_partition_folder_replaced_by_a_link_is_not_deleted_through(tmp_path):
    sink = DeltaSink.local(tmp_path / "sink")
    write(sink, PARTITION, batch("a", 1))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.parquet").write_text("not the sink's")
    sales = PartitionRef(DATASET, PARTITION.date, "sales")
    (sink.storage.root / DATASET / partition_folder(sales)).symlink_to(elsewhere)
    forge_removal(sink, f"{partition_folder(sales)}/precious.parquet")

    with pytest.raises(SinkPathError):
        DeltaSink.local(tmp_path / "sink").withdraw(sales)

    assert (elsewhere / "precious.parquet").read_text() == "not the sink's"


def swapped_after_the_check(tmp_path, monkeypatch, swapped: int):
    """A table storage whose ``swapped``-th folder of PARTITION (0: the table's, 1: the date's,
    2: the scope's) is a link to ``elsewhere`` holding a precious file, and whose path check
    passes, as if it ran before the swap. A path check and the write or delete after it are two
    steps: a folder swapped for a link between them must not be followed."""
    storage = LocalTableStorage(tmp_path / "sink")
    folders = [DATASET, *partition_folder(PARTITION).split("/")]
    inside = storage.root.joinpath(*folders[:swapped])
    inside.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.joinpath(*folders[swapped + 1:]).mkdir(parents=True)
    elsewhere.joinpath(*folders[swapped + 1:], "precious.parquet").write_text("not the sink's")
    (inside / folders[swapped]).symlink_to(elsewhere)
    monkeypatch.setattr(LocalSink, "require_own_folder", lambda sink, folder: None)
    return storage, elsewhere


def files_under(folder) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# What a withdrawal deletes and what a copy writes, each through the partition's folders.
THROUGH_THE_PARTITION = {
    "remove": lambda storage: storage.remove(
        DATASET, [f"{partition_folder(PARTITION)}/precious.parquet"]),
    "open_output": lambda storage: storage.open_output(
        DATASET, f"{partition_folder(PARTITION)}/part-00000-new.parquet"),
}


@pytest.mark.parametrize("operation", sorted(THROUGH_THE_PARTITION))
@pytest.mark.parametrize("swapped", [0, 1, 2])
def test_a_folder_swapped_for_a_link_after_the_check_is_not_deleted_or_written_through(
    tmp_path, monkeypatch, swapped, operation
):
    storage, elsewhere = swapped_after_the_check(tmp_path, monkeypatch, swapped)
    before = files_under(elsewhere)

    with pytest.raises(SinkPathError):
        THROUGH_THE_PARTITION[operation](storage)

    assert files_under(elsewhere) == before


def test_a_linked_log_folder_is_not_listed_through(tmp_path):
    storage, elsewhere = LocalTableStorage(tmp_path / "sink"), tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "00000000000000000000.json").write_text("{}")  # another table's log
    (storage.root / DATASET).mkdir(parents=True)
    (storage.root / DATASET / LOG_FOLDER).symlink_to(elsewhere)

    with pytest.raises(SinkPathError):
        storage.list_files(DATASET, LOG_FOLDER)


def test_withdrawals_by_one_sink_read_each_log_file_once(tmp_path, monkeypatch):
    # A suspension may withdraw a year of daily partitions: the log is read once, not 365 times.
    sink = DeltaSink.local(tmp_path)
    partitions = [PartitionRef(DATASET, PARTITION.date, scope) for scope in ("a", "b", "c")]
    for partition in partitions:
        write(sink, partition, batch(partition.scope, 1))
        write(sink, partition, batch(partition.scope, 2))  # replaced: removals in the log
    reads, read = collections.Counter(), delta_log._commit_removals
    counted = lambda table, name: reads.update([name]) or read(table, name)  # noqa: E731
    monkeypatch.setattr(delta_log, "_commit_removals", counted)

    withdrawn = [sink.withdraw(partition) for partition in partitions]

    assert [len(w.files) for w in withdrawn] == [2, 2, 2]
    log = sink.storage.list_files(DATASET, LOG_FOLDER)
    assert sorted(reads) == [f"{LOG_FOLDER}/{name}" for name in log]
    assert set(reads.values()) == {1}


@pytest.mark.parametrize("line", ["not json at all", "[1, 2]", '{"remove": {"size": 3}}'])
def test_a_damaged_log_line_is_refused_by_file_and_line_not_deleted_around(tmp_path, line):
    sink = DeltaSink.local(tmp_path)
    write(sink, PARTITION, batch("a", 1))
    commit = sink.storage.root / DATASET / LOG_FOLDER / f"{0:020d}.json"
    lines = commit.read_text().rstrip("\n").split("\n")
    commit.write_text("\n".join([*lines, line]) + "\n")

    where = f"{LOG_FOLDER}/{commit.name} line {len(lines) + 1} "
    with pytest.raises(UnreadableDeltaLogError, match=where):
        LogRemovals(sink.storage, DATASET).under(partition_folder(PARTITION))


def test_a_removal_outside_an_unpartitioned_tables_data_deletes_nothing_there(tmp_path):
    # An unpartitioned table's withdrawal takes every removal of the log: one naming the log
    # itself, a folder readers skip, or a file outside the table must not be acted on.
    sink, table = DeltaSink.local(tmp_path / "sink"), PartitionRef("Output_v1", None)
    write(sink, table, batch("a", 1))
    write(sink, table, batch("b", 1))  # replaces the first file: a real removal
    folder = sink.storage.root / table.dataset
    kept = [folder / LOG_FOLDER / f"{1:020d}.json", folder / "_staging" / "x.parquet",
            folder / ".hidden" / "x.parquet", tmp_path / "beside.parquet"]
    for path in kept[1:]:
        path.parent.mkdir(exist_ok=True)
        path.write_text("not the table's data")
    forged = [f"{LOG_FOLDER}/{kept[0].name}", "_staging/x.parquet", ".hidden/x.parquet",
              "../beside.parquet", str(kept[3]), "part-0/../_staging/x.parquet"]
    for path in forged:
        forge_removal(sink, path, table.dataset)

    withdrawn = DeltaSink.local(tmp_path / "sink").withdraw(table)

    assert [uri.rsplit("/", 1)[1][:11] for uri in withdrawn.files] == ["part-00000-", "part-00000-"]
    assert all(path.exists() for path in kept)
