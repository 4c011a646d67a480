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

import deltalake
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from azure.core.exceptions import HttpResponseError

from mgdc_pipelines.sinks.azure_account import BlobCredential
from mgdc_pipelines.sinks.base import PartitionRef, SinkPathError
from mgdc_pipelines.sinks import delta
from mgdc_pipelines.sinks.delta import CommitOutcomeUnknownError, DeltaSink, FolderSinkDataError
from mgdc_pipelines.sinks.delta_storage import AzureTableStorage
from mgdc_pipelines.sinks.local import LocalSink
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


def ids(prefix: str, rows: int) -> list[str]:
    return sorted(batch(prefix, rows).column("id").to_pylist())


# -- other processes ---------------------------------------------------------------------------


def sink_place(sink: DeltaSink) -> dict:
    """What another process needs to open the same tables."""
    if isinstance(sink.storage, AzureTableStorage):
        blobs = sink.storage.blobs
        return {"url": blobs.account.url, "container": blobs.container, "key": blobs.account.credential.secret}
    return {"root": str(sink.storage.root)}


# A writer process: says "ready" once imported, then reads one task (JSON) a line and answers
# one JSON line. "commits": commit each (date, scope, id prefix, rows) in turn, answer their
# versions. "die mid-write": write part files without committing, answer the attempt's tag,
# then wait to be killed.
WRITER_PROCESS = """
import datetime as dt, json, sys, time
from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
from mgdc_pipelines.sinks.azure_account import BlobCredential
from mgdc_pipelines.sinks.base import PartitionRef, SinkPathError
from mgdc_pipelines.sinks.delta import DeltaSink, FolderSinkDataError
from mgdc_pipelines.sinks.layout import attempt_tag
from mgdc_pipelines_tests.sinks.helpers import SCHEMA, batch, write

def open_sink(place, options):
    if "root" in place:
        return DeltaSink.local(place["root"], **options)
    blobs = AzureBlobSink(place["url"], place["container"], credential=BlobCredential("key", place["key"]))
    return DeltaSink.azure(blobs, **options)

print('"ready"', flush=True)
for line in sys.stdin:
    task = json.loads(line)
    sink = open_sink(task["place"], task["options"])
    partitions = [(PartitionRef(task["dataset"], dt.date.fromisoformat(day), scope), prefix, rows)
                  for day, scope, prefix, rows in task["partitions"]]
    if task["kind"] == "commits":
        try:
            reply = [write(sink, partition, batch(prefix, rows)).version for partition, prefix, rows in partitions]
        except Exception as error:
            reply = {"error": repr(error)}
    else:
        [(partition, prefix, rows)] = partitions
        writer = sink.open_partition(partition, SCHEMA)
        for row in range(rows):
            writer.write(batch(prefix, 1, start=row))
        reply = attempt_tag(writer.attempt_id)
    print(json.dumps(reply), flush=True)
    if task["kind"] != "commits":
        time.sleep(600)
"""


def start_writer_process() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER_PROCESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )


def wait_until_ready(process: subprocess.Popen) -> subprocess.Popen:
    assert answer(process) == "ready"
    return process


@pytest.fixture(scope="module")
def writer_processes():
    """Four writer processes, started once for the module (their imports take seconds)."""
    processes = [start_writer_process() for _ in range(4)]
    yield [wait_until_ready(process) for process in processes]  # so that work sent to all starts together
    for process in processes:
        process.stdin.close()  # all of them, then wait: they exit at once
    for process in processes:
        process.wait(timeout=60)
        process.stdout.close()


Work = list[tuple[PartitionRef, str, int]]  # (partition, id prefix, rows) to commit in turn


def send(process: subprocess.Popen, kind: str, sink: DeltaSink, partitions: Work, **options) -> None:
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


def commit_at_once(processes: list[subprocess.Popen], sink: DeltaSink, work: list[Work], **options) -> list[list[int]]:
    """Each process commits its work, all starting together; the versions each one's commits made."""
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
        [(PartitionRef(DATASET, DAY + dt.timedelta(days=day), f"w{writer}"), f"w{writer}-d{day}-", 1 + day)
         for day in range(5)]
        for writer in range(4)
    ]

    versions = commit_at_once(writer_processes, sink, work)

    for partitions in work:
        for partition, prefix, rows in partitions:
            assert visible_rows(sink, partition) == ids(prefix, rows)
    commits = write_commits(sink)
    assert len(commits) == 20 and sink.table_version(DATASET) == 20  # and one CREATE TABLE, version 0
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


# -- 2. a writer killed mid-write --------------------------------------------------------------


def test_a_writer_killed_mid_write_leaves_only_files_no_version_lists_and_vacuum_deletes_them(delta_sink):
    sink = delta_sink()
    write(sink, PARTITION, batch("first", 3))
    with start_writer_process() as process:
        try:
            wait_until_ready(process)
            # Five one-row row groups, two rows a file: two finished files and one open.
            send(process, "die mid-write", sink, [(PARTITION, "dead", 5)], row_group_bytes=1, max_file_rows=2)
            tag = answer(process)
        finally:
            os.kill(process.pid, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL

    assert visible_rows(sink) == ids("first", 3) == plain_ids(sink)
    leftovers = delta_leftovers(sink, PARTITION)
    assert len(leftovers) >= 2 and all(tag in name for name in leftovers), leftovers

    write(sink, PARTITION, batch("second", 2))
    assert visible_rows(sink) == ids("second", 2) == plain_ids(sink)

    sink.vacuum(DATASET, retention=NO_TIME)
    assert delta_leftovers(sink, PARTITION) == []  # the dead attempt's files and the first version's
    assert visible_rows(sink) == ids("second", 2) == plain_ids(sink)


# -- 2b. a commit that fails half-way ---------------------------------------------------------


def failing(original, *, times: int | None = None, after_original: bool = False):
    """``original``, raising an injected storage error (the first ``times`` calls; all when
    None), before it runs or, with ``after_original``, after it did its work."""
    calls = []

    def fail(*args, **kwargs):
        calls.append(1)
        if times is not None and len(calls) > times:
            return original(*args, **kwargs)
        if after_original:
            original(*args, **kwargs)
        raise OSError("injected storage error")

    return fail


def plain_latest_ids(sink: DeltaSink) -> list[str]:
    """The partition's ids in the latest version, read by deltalake alone (every file opened)."""
    options = sink.storage.storage_options or None
    table = deltalake.DeltaTable(sink.table_uri(DATASET), storage_options=options)
    rows = table.to_pyarrow_table(filters=[("scope", "=", PARTITION.scope)])
    return sorted(rows.column("id").to_pylist())


def test_an_error_finding_the_commits_version_breaks_neither_the_version_nor_the_commit(
    delta_sink, monkeypatch
):
    sink = delta_sink()
    write(sink, PARTITION, batch("old", 3))
    monkeypatch.setattr(delta, "_version_of", failing(delta._version_of, times=1))

    info = write(sink, PARTITION, batch("new", 2))  # the log was read again: the commit stands

    assert info.version == 2 == sink.table_version(DATASET)
    assert plain_latest_ids(sink) == ids("new", 2) == visible_rows(sink)


def test_when_the_log_cannot_tell_whether_a_commit_was_made_its_files_stay(delta_sink, monkeypatch):
    sink = delta_sink()
    write(sink, PARTITION, batch("old", 3))
    monkeypatch.setattr(delta, "LOOKUP_PAUSE", 0)
    monkeypatch.setattr(delta, "_version_of", failing(delta._version_of))

    with pytest.raises(CommitOutcomeUnknownError, match="its files were kept"):
        write(sink, PARTITION, batch("new", 2))

    assert plain_latest_ids(sink) == ids("new", 2)  # the commit was made: its files are there
    monkeypatch.undo()
    write(sink, PARTITION, batch("again", 1))  # a re-run converges
    assert plain_latest_ids(sink) == ids("again", 1)


@pytest.mark.parametrize("logged", [False, True], ids=["before its log entry", "after it"])
def test_a_transaction_that_fails_deletes_its_files_only_when_the_log_lacks_it(
    delta_sink, monkeypatch, logged
):
    sink = delta_sink()
    write(sink, PARTITION, batch("old", 3))
    create = failing(deltalake.DeltaTable.create_write_transaction, after_original=logged)
    monkeypatch.setattr(deltalake.DeltaTable, "create_write_transaction", create)

    if logged:  # delta-rs wrote the commit, then failed (a lost response): it is version 2
        info = write(sink, PARTITION, batch("new", 2))
        assert info.version == 2 and list(info.files) == sink.committed_files(PARTITION)
        assert plain_latest_ids(sink) == ids("new", 2)
    else:  # never in a version: the attempt's files are deleted at once, not left to vacuum
        with pytest.raises(OSError, match="injected"):
            write(sink, PARTITION, batch("new", 2))
        assert plain_latest_ids(sink) == ids("old", 3) and sink.table_version(DATASET) == 1
        assert delta_leftovers(sink, PARTITION) == []


# -- 3. schema evolution -----------------------------------------------------------------------

A, B, C = (PartitionRef(DATASET, DAY + dt.timedelta(days=day), "all") for day in range(3))


def write_columns(sink: DeltaSink, partition: PartitionRef, **columns: list) -> None:
    table = pa.table(columns)
    writer = sink.open_partition(partition, table.schema)
    writer.write(table.to_batches()[0])
    writer.commit()


def data_file_columns(sink: DeltaSink) -> dict[str, list[str]]:
    """Each data file the version the sink reads lists, with the columns its Parquet schema has."""
    files = sink.storage.filesystem(DATASET)
    paths = pa.table(sink.table(DATASET).get_add_actions(flatten=True)).column("path").to_pylist()
    return {path: pq.read_schema(files.open_input_file(path)).names for path in paths}


def test_new_columns_are_added_and_dropped_columns_leave_the_current_version_entirely(delta_sink):
    sink = delta_sink()
    write_columns(sink, A, id=["a0", "a1"], n=[0, 1])
    empty = PartitionRef(DATASET, DAY, "empty")
    writer = sink.open_partition(empty, pa.schema([("id", pa.string()), ("n", pa.int64())]))
    writer.commit()  # a day without rows
    write_columns(sink, B, id=["b0"], n=[5], extra=["x"])

    [schema] = sink.committed_schemas(A).values()
    assert schema.names == ["id", "n", "extra"]
    assert list(sink.read_committed(A, ["id", "n", "extra"]))[0].to_pylist() == [
        {"id": "a0", "n": 0, "extra": None}, {"id": "a1", "n": 1, "extra": None},
    ]
    with_n = sink.table_version(DATASET)
    files_with_n = data_file_columns(sink)

    write_columns(sink, C, id=["c0"])

    for partition in (A, B, C, empty):
        [schema] = sink.committed_schemas(partition).values()
        assert schema.names == ["id"]
    assert sink.committed_rows(empty) == 0  # still committed, still empty: not "never copied"
    assert sink.open_dataset([A, B, C], SCHEMA).schema.names == ["id", "date", "scope"]
    assert plain_frame(sink).columns == ["id", "date", "scope"]
    assert sorted(plain_frame(sink)["id"]) == ["a0", "a1", "b0", "c0"]
    for path, columns in data_file_columns(sink).items():
        assert "n" not in columns and "extra" not in columns, path
    old = sink.pinned(DATASET, with_n)  # time travel still has them, until vacuum
    assert [row["n"] for part in old.read_committed(A, ["n"]) for row in part.to_pylist()] == [0, 1]

    sink.vacuum(DATASET, retention=NO_TIME)
    files = sink.storage.filesystem(DATASET)
    assert {info.type for info in files.get_file_info(list(files_with_n))} == {pafs.FileType.NotFound}
    assert sorted(plain_frame(sink)["id"]) == ["a0", "a1", "b0", "c0"]


# -- 4. withdraw and time travel ---------------------------------------------------------------


def test_withdraw_removes_the_rows_in_a_new_version_and_deletes_their_files_from_history(delta_sink):
    sink = delta_sink()
    kept = PartitionRef(DATASET, DAY, "sales")
    write(sink, kept, batch("kept", 2))
    info = write(sink, PARTITION, batch("gone", 3))
    before = sink.table_version(DATASET)

    withdrawn = sink.withdraw(PARTITION)

    assert sink.table_version(DATASET) == before + 1
    assert visible_rows(sink) == [] and plain_ids(sink) == []
    assert withdrawn.files == info.files and withdrawn.rows == 3
    assert delta_leftovers(sink, PARTITION) == []  # the data files are gone, not just unlisted
    old = sink.pinned(DATASET, before)
    assert visible_rows(old, kept) == ids("kept", 2)  # the rest of the old version still reads
    with pytest.raises(FileNotFoundError):  # time travel cannot bring the withdrawn rows back
        visible_rows(old)


def test_a_withdrawal_that_died_before_deleting_the_files_deletes_them_when_run_again(
    delta_sink, monkeypatch
):
    sink = delta_sink()
    kept = PartitionRef(DATASET, DAY, "sales")
    write(sink, kept, batch("kept", 2))
    info = write(sink, PARTITION, batch("gone", 3))
    before = sink.table_version(DATASET)
    old = sink.pinned(DATASET, before)
    # The process dies after the delete commit, before the files are deleted.
    monkeypatch.setattr(sink.storage, "remove", failing(sink.storage.remove))
    with pytest.raises(OSError, match="injected"):
        sink.withdraw(PARTITION)
    monkeypatch.undo()
    assert visible_rows(sink) == [] and visible_rows(old) == ids("gone", 3)  # still in history

    withdrawn = sink.withdraw(PARTITION)

    assert sink.table_version(DATASET) == before + 1  # no second delete commit
    assert withdrawn.files == info.files and withdrawn.rows == 0  # the first run took the rows out
    assert delta_leftovers(sink, PARTITION) == []
    assert visible_rows(old, kept) == ids("kept", 2)
    # Reading fails rather than returning nothing: the old version still lists the files.
    with pytest.raises(FileNotFoundError):
        visible_rows(old)
    assert sink.withdraw(PARTITION) is None  # nothing left to do


def test_withdraw_also_deletes_the_files_of_the_partitions_replaced_versions(delta_sink):
    sink = delta_sink()
    first = write(sink, PARTITION, batch("first", 2))
    replaced = sink.pinned(DATASET, sink.table_version(DATASET))
    second = write(sink, PARTITION, batch("second", 1))

    withdrawn = sink.withdraw(PARTITION)

    assert sorted(withdrawn.files) == sorted(first.files + second.files) and withdrawn.rows == 1
    with pytest.raises(FileNotFoundError):  # time travel to before the replacement
        visible_rows(replaced)


# -- a local table's reads never follow a link ---------------------------------------------------
# The sink reads data files (and the log files it reads itself) through folders opened without
# following links, as the local folder sink does; delta-rs still reads the log by path.

SENTINEL = "felix.baker.sentinel"  # in files outside the sink: never in a message
DELTA_READS = {
    "committed_schemas": lambda sink, partition: sink.committed_schemas(partition),
    "read_committed": lambda sink, partition: list(sink.read_committed(partition, ["id", "n"])),
    "open_dataset": lambda sink, partition: sink.open_dataset([partition], SCHEMA).to_table(),
}


def sentinel_parquet(path) -> None:
    pq.write_table(pa.Table.from_batches([batch(SENTINEL, 2)]), path)


def data_file(sink: DeltaSink) -> str:
    """The one data file (path relative to the table) the version the sink reads lists."""
    [path] = pa.table(sink.table(DATASET).get_add_actions(flatten=True)).column("path").to_pylist()
    return path


@pytest.mark.parametrize("read", [*DELTA_READS, "a dataset opened before"])
@pytest.mark.parametrize(
    "swapped", ["data file", "date=2026-11-20/scope=all", "date=2026-11-20", "table folder"]
)
def test_a_local_table_s_file_or_folder_swapped_for_a_link_is_not_read(tmp_path, read, swapped):
    sink = DeltaSink.local(tmp_path / "sink")
    write(sink, PARTITION, batch("a", 3))
    opened = sink.open_dataset([PARTITION], SCHEMA)  # lazy: scanned after the swap
    table, outside = sink.storage.root / DATASET, tmp_path / "outside"
    if swapped == "data file":
        planted = table / data_file(sink)
        sentinel_parquet(outside)
        planted.unlink()
        planted.symlink_to(outside)
    else:  # a copy elsewhere, its data files (same names) holding other rows
        planted = table / swapped if swapped != "table folder" else table
        os.rename(planted, outside)
        for copied in outside.rglob("part-*.parquet"):
            sentinel_parquet(copied)
        planted.symlink_to(outside, target_is_directory=True)

    with pytest.raises(SinkPathError) as caught:
        if read == "a dataset opened before":
            opened.to_table()
        else:
            DELTA_READS[read](sink, PARTITION)

    assert f"refusing to read through {planted}: it really points to {outside}" in str(caught.value)
    assert SENTINEL not in str(caught.value)


def test_a_link_planted_for_a_replaced_file_is_withdrawn_itself_never_its_target(tmp_path):
    sink = DeltaSink.local(tmp_path / "sink")
    write(sink, PARTITION, batch("a", 1))
    replaced = sink.storage.root / DATASET / data_file(sink)
    write(sink, PARTITION, batch("b", 1))  # the first file: removed from the table, still there
    outside = tmp_path / "outside.parquet"
    sentinel_parquet(outside)
    replaced.unlink()
    replaced.symlink_to(outside)

    withdrawn = sink.withdraw(PARTITION)

    assert any(uri.endswith(replaced.name) for uri in withdrawn.files) and withdrawn.rows == 1
    assert not os.path.lexists(replaced) and pq.read_table(outside).num_rows == 2


# A removal's stamp comes from its writer's clock; the log, not vacuum's clock, says what it removed.
HOUR_MS, DAY_MS = 3_600_000, 86_400_000


def restamp_removals(sink: DeltaSink, version: int, shift_ms: int) -> None:
    """Move the removal stamps of one commit of the local table's log by ``shift_ms``."""
    commit = sink.storage.root / DATASET / "_delta_log" / f"{version:020d}.json"
    actions = [json.loads(line) for line in commit.read_text().splitlines()]
    for action in actions:
        if "remove" in action:
            action["remove"]["deletionTimestamp"] += shift_ms
    commit.write_text("".join(json.dumps(action) + "\n" for action in actions))


def replaced_partition(tmp_path, shift_ms: int = 0) -> tuple[DeltaSink, DeltaSink, list[str]]:
    """A local table whose partition was replaced once (the replacement's removal stamps moved
    by ``shift_ms``); the sink, the version before the replacement, and the replaced files."""
    sink = DeltaSink.local(tmp_path)
    first = write(sink, PARTITION, batch("first", 2))
    replaced = sink.pinned(DATASET, sink.table_version(DATASET))
    write(sink, PARTITION, batch("second", 1))
    restamp_removals(sink, sink.table_version(DATASET), shift_ms)
    return sink, replaced, first.files


def test_withdraw_deletes_replaced_files_stamped_by_a_writer_whose_clock_runs_ahead(tmp_path):
    # Vacuum takes only removals stamped before its "now": a writer whose clock ran ahead (or
    # the same millisecond) left the replaced files readable by time travel.
    _, replaced, first_files = replaced_partition(tmp_path, HOUR_MS)
    withdrawing = DeltaSink.local(tmp_path)  # another process, reading the log afresh

    withdrawn = withdrawing.withdraw(PARTITION)

    assert set(first_files) <= set(withdrawn.files)
    with pytest.raises(FileNotFoundError):
        visible_rows(replaced)


def test_withdraw_deletes_replaced_files_a_checkpoint_dropped_as_expired(tmp_path):
    # Replaced 8 days ago: a checkpoint drops the removal (older than the 7-day retention), but
    # the commits before it are kept for 30 days, so time travel still reads the replaced files.
    sink, replaced, first_files = replaced_partition(tmp_path, -8 * DAY_MS)
    deltalake.DeltaTable(sink.table_uri(DATASET)).create_checkpoint()
    assert visible_rows(replaced) == ids("first", 2)

    withdrawn = DeltaSink.local(tmp_path).withdraw(PARTITION)

    assert set(first_files) <= set(withdrawn.files)
    with pytest.raises(FileNotFoundError):
        visible_rows(replaced)


def test_withdraw_reads_the_removals_of_commits_log_clean_up_deleted_from_the_checkpoint(tmp_path):
    sink, _, first_files = replaced_partition(tmp_path)
    write(sink, PartitionRef(DATASET, DAY, "sales"), batch("kept", 2))
    deltalake.DeltaTable(sink.table_uri(DATASET)).create_checkpoint()
    log = sink.storage.root / DATASET / "_delta_log"
    checkpoint = sink.table_version(DATASET)
    for version in range(checkpoint):  # what log clean-up deletes once they expire
        (log / f"{version:020d}.json").unlink()

    withdrawn = DeltaSink.local(tmp_path).withdraw(PARTITION)

    assert set(first_files) <= set(withdrawn.files)
    assert delta_leftovers(sink, PARTITION) == []


# -- 5. compaction -----------------------------------------------------------------------------


def test_compact_rewrites_a_partitions_small_files_into_fewer_in_a_new_version(delta_sink):
    sink = delta_sink(max_file_rows=2, compression="snappy")
    write(sink, PARTITION, batch("c", 7))
    other = PartitionRef(DATASET, DAY, "sales")
    write(sink, other, batch("s", 3))
    assert len(sink.committed_files(PARTITION)) == 4
    before = sink.table_version(DATASET)

    result = sink.compact(DATASET)

    assert (result.version, result.files_removed, result.files_added) == (before + 1, 6, 2)
    assert len(sink.committed_files(PARTITION)) == 1 and len(sink.committed_files(other)) == 1
    assert visible_rows(sink) == ids("c", 7) and visible_rows(sink, other) == ids("s", 3)
    assert sink.committed_rows(PARTITION) == 7
    assert compressions(sink, PARTITION) == {"SNAPPY"}  # the sink's codec, not delta-rs's default (zstd)


def compressions(sink: DeltaSink, partition: PartitionRef) -> set[str]:
    """The codecs of the partition's current files' columns."""
    data = sink.open_dataset([partition], pa.schema([]))
    codecs = set()
    for path in data.files:
        with data.filesystem.open_input_file(path) as stream:
            meta = pq.ParquetFile(stream).metadata
            codecs |= {meta.row_group(g).column(c).compression for g in range(meta.num_row_groups)
                       for c in range(meta.num_columns)}
    return codecs


# -- 6. engines that know nothing of this project ----------------------------------------------


def plain_frame(sink: DeltaSink) -> pl.DataFrame:
    """The table as polars reads it, given only its URI (and, on Azure, the account)."""
    return pl.read_delta(sink.table_uri(DATASET), storage_options=sink.storage.storage_options or None)


def plain_ids(sink: DeltaSink, partition: PartitionRef = PARTITION) -> list[str]:
    frame = plain_frame(sink).filter(date=partition.date.isoformat(), scope=partition.scope)
    return sorted(frame["id"])


def with_duckdb(sink: DeltaSink) -> set[tuple[str, str, str]]:
    table = deltalake.DeltaTable(sink.table_uri(DATASET), storage_options=sink.storage.storage_options or None)
    rows = deltalake.QueryBuilder().register("t", table).execute("SELECT * FROM t")  # noqa: F841  (read by DuckDB)
    return set(duckdb.sql("SELECT id, date, scope FROM rows").fetchall())


def test_polars_and_duckdb_read_exactly_the_committed_rows(delta_sink):
    sink = delta_sink()
    sales, next_day = PartitionRef(DATASET, DAY, "sales"), PartitionRef(DATASET, DAY + dt.timedelta(days=1), "all")
    write(sink, PARTITION, batch("old", 2))
    write(sink, sales, batch("sales", 2))
    write(sink, next_day, batch("next", 1))
    write(sink, PARTITION, batch("new", 1))  # replaces the partition
    sink.withdraw(sales)

    expected = {("new0", "2026-11-20", "all"), ("next0", "2026-11-21", "all")}
    assert set(plain_frame(sink).select("id", "date", "scope").rows()) == expected
    assert with_duckdb(sink) == expected


def test_a_delta_table_refuses_to_start_in_a_folder_a_parquet_sink_wrote(delta_sink, tmp_path, request):
    folder_sink = (
        LocalSink(tmp_path / "sink") if "local" in request.node.callspec.id
        else delta_sink().storage.blobs
    )
    write(folder_sink, PARTITION, batch("parquet", 2))
    sink = delta_sink()

    with pytest.raises(FolderSinkDataError, match="format: parquet or mgdc-jsonl"):
        sink.open_partition(PARTITION, SCHEMA)

    assert sink.table(PARTITION.dataset) is None
    assert sorted(folder_sink.open_dataset([PARTITION], SCHEMA).to_table().column("id").to_pylist()) == ["parquet0", "parquet1"]



def test_a_credential_azure_refuses_is_an_error_not_a_missing_table(make_sink):
    blobs = make_sink()
    write(DeltaSink.azure(blobs), PARTITION, batch("a", 1))
    refused = DeltaSink.azure(make_sink(container=blobs.container, credential=BlobCredential("key", "d3Jvbmc=")))

    with pytest.raises(HttpResponseError) as caught:  # never None, which would read as "nothing committed"
        refused.committed_rows(PARTITION)
    assert "d3Jvbmc=" not in str(caught.value)
