"""Local Parquet sink: layout, atomic commit, exact replacement, crash safety."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from mgdc_pipelines.sinks import local as local_module
from mgdc_pipelines.sinks import own_filesystem
from mgdc_pipelines.sinks.attempts import owner_tag
from mgdc_pipelines.sinks.base import PartitionRef, SinkPathError
from mgdc_pipelines.sinks.formats import format_for
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.sinks.own_folders import OwnFolders
from mgdc_pipelines_tests.sinks.helpers import (
    DAY, SCHEMA, assert_readers_see_one_version, batch, visible_rows, write,
)


def visible_ids(sink: LocalSink, dataset: str = "Example_v1") -> list[str]:
    return sorted(sink.read_dataset(dataset).to_table().column("id").to_pylist())


def staging_entries(sink: LocalSink) -> list[str]:
    staging = sink.root / "_staging"
    return sorted(os.listdir(staging)) if staging.exists() else []


def test_commit_writes_hive_layout_readable_by_pyarrow_dataset(tmp_path):
    sink = LocalSink(tmp_path)
    info = write(sink, PartitionRef("Example_v1", DAY, "sales"), batch("a", 3), batch("b", 2))

    folder = tmp_path / "Example_v1" / "date=2026-11-20" / "scope=sales"
    [part] = [name for name in os.listdir(folder) if name.endswith(".parquet")]
    assert re.fullmatch(r"part-00000-[0-9a-f]{12}\.parquet", part)
    assert info.uri == f"file://{folder}"
    assert info.files == (f"file://{folder}/{part}",)
    assert (info.rows, info.bytes) == (5, (folder / part).stat().st_size)
    table = pads.dataset(tmp_path / "Example_v1", partitioning="hive").to_table()
    assert table.num_rows == 5
    assert set(table.column("scope").to_pylist()) == {"sales"}
    assert pq.read_schema(folder / part).field("n").type == pa.int64()
    assert os.listdir(folder) == [part]  # the partition folder holds its data files only
    manifest = json.loads((tmp_path / "_manifests/Example_v1/date=2026-11-20/scope=sales.json").read_text())
    assert manifest["rows"] == 5 and manifest["files"] == [part]
    assert staging_entries(sink) == []


def test_unscoped_partition_has_no_scope_folder(tmp_path):
    info = write(LocalSink(tmp_path), PartitionRef("Sites_v1", DAY), batch("s", 1))
    assert info.uri.endswith("/Sites_v1/date=2026-11-20")


def test_recommit_replaces_the_partition_exactly(tmp_path):
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    other = PartitionRef("Example_v1", DAY + dt.timedelta(days=1), "all")
    write(sink, partition, batch("old", 4))
    write(sink, other, batch("other", 2))

    write(sink, partition, batch("new", 3))

    assert visible_ids(sink) == sorted(["new0", "new1", "new2", "other0", "other1"])
    assert staging_entries(sink) == []


def test_replacement_falls_back_when_rename_exchange_is_unsupported(tmp_path, monkeypatch):
    monkeypatch.setattr(local_module, "_exchange", lambda first, second: False)
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("old", 4))
    write(sink, partition, batch("new", 1))
    assert visible_ids(sink) == ["new0"]
    assert staging_entries(sink) == []


def test_abort_leaves_the_previous_partition_untouched(tmp_path):
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("kept", 2))

    writer = sink.open_partition(partition, SCHEMA)
    writer.write(batch("lost", 5))
    writer.abort()

    assert visible_ids(sink) == ["kept0", "kept1"]
    assert staging_entries(sink) == []


def test_schema_mismatch_names_the_partition_and_the_columns(tmp_path):
    writer = LocalSink(tmp_path).open_partition(PartitionRef("Example_v1", DAY, "all"), SCHEMA)
    wrong = pa.record_batch([pa.array(["x"])], names=["idx"])
    with pytest.raises(ValueError) as caught:
        writer.write(wrong)
    message = str(caught.value)
    assert "Example_v1/date=2026-11-20/scope=all" in message
    assert "missing columns ['id', 'n']" in message and "unexpected columns ['idx']" in message


def test_empty_partition_is_committed_with_its_schema(tmp_path):
    sink = LocalSink(tmp_path)
    info = write(sink, PartitionRef("Example_v1", DAY, "all"))
    assert info.rows == 0 and len(info.files) == 1
    assert sink.read_dataset("Example_v1").schema.field("n").type == pa.int64()


def test_large_partitions_roll_over_files_and_bound_row_groups(tmp_path):
    sink = LocalSink(tmp_path, max_file_rows=250, row_group_bytes=1)
    info = write(sink, PartitionRef("Example_v1", DAY, "all"), *(batch("r", 100, start=i * 100) for i in range(6)))
    assert [uri.rsplit("/", 1)[1][:10] for uri in info.files] == ["part-00000", "part-00001", "part-00002"]
    assert info.rows == 600
    assert len(visible_ids(sink)) == 600


def test_a_crashed_writer_leaves_nothing_visible_and_the_next_attempt_cleans_up(tmp_path):
    crash = textwrap.dedent(
        f"""
        import datetime as dt, os, pyarrow as pa
        from mgdc_pipelines.sinks.local import LocalSink
        from mgdc_pipelines.sinks.base import PartitionRef, SinkPathError
        schema = pa.schema([("id", pa.string()), ("n", pa.int64())])
        writer = LocalSink({str(tmp_path)!r}, row_group_bytes=1).open_partition(
            PartitionRef("Example_v1", dt.date(2026, 11, 20), "all"), schema)
        writer.write(pa.record_batch([pa.array(["half"]), pa.array([1])], schema=schema))
        os._exit(17)  # dies mid-write, like a killed pod
        """
    )
    result = subprocess.run([sys.executable, "-c", crash])
    assert result.returncode == 17
    sink = LocalSink(tmp_path)
    assert len(staging_entries(sink)) == 1
    assert not (tmp_path / "Example_v1").exists()

    write(sink, PartitionRef("Example_v1", DAY, "all"), batch("ok", 1))

    assert visible_ids(sink) == ["ok0"]
    assert staging_entries(sink) == []


CRASH_POINTS = {
    # Killed between creating its folder and recording its owner there.
    "before recording its owner": "local_module._write_json = lambda *args: os._exit(17)",
    # Killed after removing its owner record, on its way to publishing.
    "before publishing": "local_module._publish = lambda *args: os._exit(17)",
}


@pytest.mark.parametrize("crash_point", sorted(CRASH_POINTS))
def test_a_writer_killed_without_an_owner_record_is_still_cleaned_up(tmp_path, crash_point):
    crash = textwrap.dedent(
        f"""
        import datetime as dt, os, pyarrow as pa
        from mgdc_pipelines.sinks import local as local_module
        from mgdc_pipelines.sinks.base import PartitionRef
        {CRASH_POINTS[crash_point]}
        schema = pa.schema([("id", pa.string())])
        writer = local_module.LocalSink({str(tmp_path)!r}).open_partition(
            PartitionRef("Example_v1", dt.date(2026, 11, 20), "all"), schema)
        writer.write(pa.record_batch([pa.array(["half"])], schema=schema))
        writer.commit()
        """
    )
    assert subprocess.run([sys.executable, "-c", crash]).returncode == 17
    sink = LocalSink(tmp_path)
    [left] = staging_entries(sink)
    assert not (sink.root / "_staging" / left / "_attempt.json").exists()

    write(sink, PartitionRef("Example_v1", DAY, "other"), batch("ok", 1))  # any partition's writer

    assert staging_entries(sink) == []
    assert visible_ids(sink) == ["ok0"]


def test_a_folder_without_an_owner_record_whose_process_lives_is_left_alone(tmp_path):
    sink = LocalSink(tmp_path)
    host_tag = owner_tag().split(".")[0]
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            folder = sink.root / "_staging" / f"20261120T093000-0123456789ab.{host_tag}.{alive.pid}"
            folder.mkdir(parents=True)
            write(sink, PartitionRef("Example_v1", DAY, "all"), batch("ok", 1))
            assert staging_entries(sink) == [folder.name]
        finally:
            alive.kill()
    write(sink, PartitionRef("Example_v1", DAY, "all"), batch("ok", 1))
    assert staging_entries(sink) == []  # its process is gone now


def test_a_live_attempt_of_another_writer_is_not_cleaned_up(tmp_path):
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    first = sink.open_partition(partition, SCHEMA)
    first.write(batch("first", 1))
    second = sink.open_partition(partition, SCHEMA)  # same process: `first` is still alive
    assert len(staging_entries(sink)) == 2
    second.write(batch("second", 1))
    second.commit()
    first.commit()  # last commit wins, whole
    assert visible_ids(sink) == ["first0"]


def test_readers_see_the_old_or_the_new_partition_never_a_mix(tmp_path):
    sink = LocalSink(tmp_path, max_file_rows=50)
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("v0-", 200))
    assert_readers_see_one_version(
        lambda: pads.dataset(tmp_path / "Example_v1", partitioning="hive").to_table(),
        lambda version: write(sink, partition, batch(f"v{version}-", 200)),
        versions=30,
        # pyarrow lists a folder, then looks each file up by name, and drops names gone by then:
        # a listing of the old folder looked up after the swap finds no file (see sinks/local.py).
        may_see_nothing=True,
    )


@pytest.mark.parametrize("dataset, scope", [("../etc", "all"), ("Example_v1", "../x"), ("Example_v1", "a/b"), (".hidden", None)])
def test_partition_names_that_could_escape_the_sink_root_are_refused(dataset, scope):
    with pytest.raises(ValueError, match="unsafe"):
        PartitionRef(dataset, DAY, scope)


def test_mgdc_jsonl_output_is_json_lines_that_read_back_with_catalog_types(tmp_path):
    from mgdc_pipelines.catalog import get_dataset

    dataset = get_dataset("Message_v1")
    schema = dataset.output_schema(("id", "receivedDateTime", "toRecipients"))
    rows = [
        {"id": "m1", "receivedDateTime": dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc),
         "toRecipients": [{"emailAddress": {"name": "Ann", "address": "ann@contoso.com"}}],
         "ptenant": "t", "puser": "u", "pAdditionalInfo": None, "datarow": 0, "userrow": 0, "pagerow": 0,
         "rowinformation": {"errorInformation": None, "userReturnedNoData": False,
                            "isUserSummaryRow": False, "userHasCompleteData": False}},
    ]
    sink = LocalSink(tmp_path, format="mgdc-jsonl")
    partition = PartitionRef(dataset.name, DAY, "all")
    writer = sink.open_partition(partition, schema)
    writer.write(pa.RecordBatch.from_pylist(rows, schema=schema))
    info = writer.commit()

    [path] = sink.committed_files(partition)
    assert path.suffix == ".json" and info.rows == 1
    line = json.loads(path.read_text().splitlines()[0])
    assert line["receivedDateTime"] == "2026-11-20T09:30:00Z"
    assert line["toRecipients"][0]["emailAddress"]["address"] == "ann@contoso.com"
    table = sink.open_dataset([partition], schema).to_table()
    assert table.select(schema.names).to_pylist() == rows
    assert table.column("scope").to_pylist() == ["all"]


# -- rows a reader sees ------------------------------------------------------------------------


def test_committed_rows_count_the_files_when_the_manifest_does_not_match_them(tmp_path):
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("a", 3))
    folder = sink.partition_path(partition)
    pq.write_table(pa.Table.from_batches([batch("extra", 4)]), folder / "part-00001-ffffffffffff.parquet")
    assert sink.committed_rows(partition) == 7  # what a reader of the folder sees

    sink.manifest_path(partition).unlink()
    assert sink.committed_rows(partition) == 7


def test_a_manifest_that_claims_no_rows_is_checked_against_the_files(tmp_path):
    sink = LocalSink(tmp_path, format="mgdc-jsonl")
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("a", 3))
    manifest_path = sink.manifest_path(partition)
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "rows": 0}))
    assert sink.committed_rows(partition) == 3


# -- writes stay inside the root ---------------------------------------------------------------


def link(path, target) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target, target_is_directory=True)


def everything_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_linked_staging_folder_fails_the_write_before_anything_is_written(tmp_path):
    sink, outside = LocalSink(tmp_path / "sink"), tmp_path / "outside"
    link(sink.root / "_staging", outside)

    with pytest.raises(SinkPathError) as caught:
        sink.open_partition(PartitionRef("Example_v1", DAY, "all"), SCHEMA)

    assert str(sink.root / "_staging") in str(caught.value) and str(outside) in str(caught.value)
    assert everything_under(outside) == []


@pytest.mark.parametrize(
    # The manifests' folder too: it lives outside the folders readers glob, under the same guard.
    "linked", ["Example_v1", "Example_v1/date=2026-11-20", "Example_v1/date=2026-11-20/scope=all",
               "_manifests/Example_v1"]
)
def test_a_linked_partition_folder_or_parent_fails_the_commit_and_the_attempt_is_gone(tmp_path, linked):
    sink, outside = LocalSink(tmp_path / "sink"), tmp_path / "outside"
    link(sink.root / linked, outside)
    writer = sink.open_partition(PartitionRef("Example_v1", DAY, "all"), SCHEMA)
    writer.write(batch("a", 2))

    with pytest.raises(SinkPathError, match=f"really points to {outside}"):
        with writer:
            writer.commit()

    assert everything_under(outside) == []
    assert staging_entries(sink) == []


def swap_for_a_link(sink: LocalSink, folder: str, outside) -> list[str]:
    """Replace ``folder`` of the sink by a link to a copy of it at ``outside``; what is there."""
    shutil.copytree(sink.root / folder, outside)
    shutil.rmtree(sink.root / folder)
    link(sink.root / folder, outside)
    return everything_under(outside)


def test_a_staging_folder_swapped_for_a_link_after_the_check_is_not_written_through(
    tmp_path, monkeypatch
):
    # The path check and the writes after it are two steps: a folder swapped for a link between
    # them must not be followed. Here the check is made to pass, as if it ran before the swap.
    sink, outside = LocalSink(tmp_path / "sink"), tmp_path / "outside"
    (sink.root / "_staging").mkdir(parents=True)
    before = swap_for_a_link(sink, "_staging", outside)
    monkeypatch.setattr(LocalSink, "require_own_folder", lambda sink, folder: None)

    with pytest.raises(SinkPathError):
        sink.open_partition(PartitionRef("Example_v1", DAY, "all"), SCHEMA)

    assert everything_under(outside) == before


@pytest.mark.parametrize(
    "swapped", ["Example_v1", "Example_v1/date=2026-11-20", "_manifests/Example_v1", "_staging"]
)
def test_a_folder_swapped_for_a_link_while_writing_is_not_committed_through(
    tmp_path, monkeypatch, swapped
):
    sink, outside = LocalSink(tmp_path / "sink"), tmp_path / "outside"
    write(sink, PartitionRef("Example_v1", DAY, "sales"), batch("sales", 1))  # makes the folders
    writer = sink.open_partition(PartitionRef("Example_v1", DAY, "all"), SCHEMA)
    writer.write(batch("a", 2))
    before = swap_for_a_link(sink, swapped, outside)
    monkeypatch.setattr(LocalSink, "require_own_folder", lambda sink, folder: None)

    with pytest.raises(SinkPathError):
        with writer:
            writer.commit()

    assert everything_under(outside) == before


def test_a_link_that_stays_inside_the_root_is_refused_too(tmp_path):
    sink = LocalSink(tmp_path)
    write(sink, PartitionRef("Example_v1", DAY, "sales"), batch("sales", 1))
    link(tmp_path / "Example_v1/date=2026-11-20/scope=all", tmp_path / "Example_v1/date=2026-11-20/scope=sales")
    with pytest.raises(SinkPathError):
        write(sink, PartitionRef("Example_v1", DAY, "all"), batch("all", 1))
    with pytest.raises(SinkPathError, match="scope=all: it really points to .*scope=sales"):
        visible_ids(sink, "Example_v1")  # the sink's reads refuse the link as well
    assert visible_rows(sink, PartitionRef("Example_v1", DAY, "sales")) == ["sales0"]  # unchanged


def test_a_root_that_is_itself_a_link_is_kept_as_given_and_written(tmp_path):
    link(tmp_path / "root", tmp_path / "real")
    sink = LocalSink(tmp_path / "root")
    info = write(sink, PartitionRef("Example_v1", DAY, "all"), batch("a", 1))
    assert sink.root == tmp_path / "root" and info.uri.startswith(f"file://{tmp_path}/root/")
    assert everything_under(tmp_path / "real")[0] == "Example_v1"


def test_write_locations_are_the_partition_the_staging_folder_and_the_manifest(tmp_path):
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    assert sink.write_locations(partition) == (
        sink.uri(partition),
        f"file://{tmp_path}/_staging",
        f"file://{tmp_path}/_manifests/Example_v1/date=2026-11-20/scope=all.json",
    )


# -- reads stay inside the root too -------------------------------------------------------------
# The consent checks prove what was written by these reads: a link in the partition must be
# refused, not read (it would prove other files than those a reader of the partition meets).

READS = {
    "committed_rows": lambda sink, partition: sink.committed_rows(partition),
    "committed_schemas": lambda sink, partition: sink.committed_schemas(partition),
    "read_committed": lambda sink, partition: list(sink.read_committed(partition, ["id", "n"])),
    "committed_files": lambda sink, partition: sink.committed_files(partition),
    "open_dataset": lambda sink, partition: sink.open_dataset([partition], SCHEMA).to_table(),
    "read_dataset": lambda sink, partition: sink.read_dataset(partition.dataset).to_table(),
}
FORMATS = ["parquet", "mgdc-jsonl"]
SENTINEL = "felix.baker.sentinel"  # in files outside the sink: never in a message


def committed_partition(tmp_path, format: str = "parquet") -> tuple[LocalSink, PartitionRef]:
    """A sink under ``tmp_path`` writing ``format``, with a committed partition of 3 rows."""
    sink = LocalSink(tmp_path / "sink", format=format)
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("a", 3))
    return sink, partition


def sentinel_file(sink: LocalSink, path) -> None:
    """A valid file of the sink's format at ``path``, with 2 rows of ``SENTINEL`` ids."""
    with open(path, "wb") as stream:
        writer = format_for(sink.format.name).open(stream, SCHEMA)
        writer.write(batch(SENTINEL, 2))
        writer.close()


def plant_link(tmp_path, sink: LocalSink, partition: PartitionRef):
    """A part file planted in ``partition``: a link to a valid file (``SENTINEL`` ids) outside
    the sink. Returns the link and its target."""
    stolen = tmp_path / f"stolen{sink.format.extension}"
    sentinel_file(sink, stolen)
    planted = sink.partition_path(partition) / f"part-99999-0123456789ab{sink.format.extension}"
    planted.symlink_to(stolen)
    return planted, stolen


@pytest.mark.parametrize("format, read", [(f, r) for f in FORMATS for r in READS])
def test_a_partition_folder_swapped_for_a_link_to_another_partition_is_not_read(
    tmp_path, format, read
):
    sink, partition = committed_partition(tmp_path, format)
    other = PartitionRef("Example_v1", DAY, "sales")
    write(sink, other, batch("sales", 2))
    READS[read](sink, partition)  # reads as usual before the swap
    folder = sink.partition_path(partition)
    shutil.rmtree(folder)
    folder.symlink_to(sink.partition_path(other), target_is_directory=True)

    with pytest.raises(SinkPathError, match=f"refusing to read through {folder}: it really"):
        READS[read](sink, partition)


@pytest.mark.parametrize("format, read", [(f, r) for f in FORMATS for r in READS])
def test_a_part_file_planted_as_a_link_to_a_file_outside_the_sink_is_refused(
    tmp_path, format, read
):
    sink, partition = committed_partition(tmp_path, format)
    planted, stolen = plant_link(tmp_path, sink, partition)

    with pytest.raises(SinkPathError) as caught:
        READS[read](sink, partition)

    assert f"refusing to read through {planted}: it really points to {stolen}" in str(caught.value)
    assert SENTINEL not in str(caught.value)


# A lazy dataset lists its files when it is made and opens them when it is scanned: a swap in
# between must fail the scan (naming the path), never read the link's target.
LAZY = {
    "open_dataset": lambda sink, partition: sink.open_dataset([partition], SCHEMA),
    "read_dataset": lambda sink, partition: sink.read_dataset(partition.dataset),
}


def assert_scan_refuses(data: pads.Dataset, path, target) -> None:
    with pytest.raises(SinkPathError) as caught:
        data.to_table()
    assert f"refusing to read through {path}: it really points to {target}" in str(caught.value)
    assert SENTINEL not in str(caught.value)


@pytest.mark.parametrize("format, lazy", [(f, r) for f in FORMATS for r in LAZY])
@pytest.mark.parametrize("elsewhere", ["outside", "another partition"])
def test_a_part_file_swapped_for_a_link_after_the_dataset_is_made_is_not_scanned(
    tmp_path, format, lazy, elsewhere
):
    sink, partition = committed_partition(tmp_path, format)
    other = PartitionRef("Example_v1", DAY, "sales")
    write(sink, other, batch(SENTINEL, 2))
    data = LAZY[lazy](sink, partition)
    [listed] = sink.committed_files(partition)
    target = tmp_path / "stolen" if elsewhere == "outside" else sink.committed_files(other)[0]
    if elsewhere == "outside":
        sentinel_file(sink, target)
    listed.unlink()
    listed.symlink_to(target)

    assert_scan_refuses(data, listed, target)


@pytest.mark.parametrize("format, lazy", [(f, r) for f in FORMATS for r in LAZY])
@pytest.mark.parametrize(
    "swapped", ["Example_v1/date=2026-11-20/scope=all", "Example_v1/date=2026-11-20", "Example_v1"]
)
def test_a_folder_swapped_for_a_link_after_the_dataset_is_made_is_not_scanned(
    tmp_path, format, lazy, swapped
):
    # The link leads to a copy of the folder outside the sink whose part files (same names)
    # hold other rows: a scan that followed it would return them.
    sink, partition = committed_partition(tmp_path, format)
    data = LAZY[lazy](sink, partition)
    outside = tmp_path / "outside"
    swap_for_a_link(sink, swapped, outside)
    for copied in outside.rglob("part-*"):
        sentinel_file(sink, copied)

    assert_scan_refuses(data, sink.root / swapped, outside)


@pytest.mark.parametrize("format", FORMATS)
def test_a_partition_folder_swapped_for_another_partition_after_the_dataset_is_made_is_not_scanned(
    tmp_path, format
):
    sink, partition = committed_partition(tmp_path, format)
    other = PartitionRef("Example_v1", DAY, "sales")
    write(sink, other, batch(SENTINEL, 2))
    data = sink.open_dataset([partition], SCHEMA)
    [listed], [others] = sink.committed_files(partition), sink.committed_files(other)
    others.rename(others.with_name(listed.name))  # what the scan would open, if it followed
    folder = sink.partition_path(partition)
    shutil.rmtree(folder)
    folder.symlink_to(sink.partition_path(other), target_is_directory=True)

    assert_scan_refuses(data, folder, sink.partition_path(other))


@pytest.mark.parametrize("proc", ["/proc/self/fd/{}", "/no/proc/{}"])
def test_a_scan_reads_the_file_it_opened_not_what_its_path_points_to_later(
    tmp_path, monkeypatch, proc
):
    """The Arrow file a scan reads is the file opened without following a link (reopened
    through /proc where there is one, else the Python file itself), whatever is swapped in."""
    monkeypatch.setattr(own_filesystem, "REOPENED", proc)
    folders = OwnFolders(tmp_path)
    (tmp_path / "part-0").write_bytes(b"written")
    (tmp_path / "elsewhere").write_bytes(b"planted")
    with folders.open_to_read("part-0") as file:
        opened = own_filesystem.arrow_file(file)
    (tmp_path / "part-0").unlink()
    (tmp_path / "part-0").symlink_to(tmp_path / "elsewhere")

    assert opened.read() == b"written"
    assert isinstance(opened, pa.OSFile) == proc.startswith("/proc/")


def test_the_sink_s_filesystem_shows_a_link_as_what_it_is_and_never_lists_through_one(tmp_path):
    sink, partition = committed_partition(tmp_path)
    [written] = sink.committed_files(partition)
    planted, _ = plant_link(tmp_path, sink, partition)
    files, folder = sink.filesystem, sink.partition_path(partition)

    listing = files.get_file_info(pafs.FileSelector(str(sink.root / "Example_v1"), recursive=True))
    kinds = {info.path: info.type for info in listing}
    assert kinds[str(planted)] == files.get_file_info(str(planted)).type == pafs.FileType.Unknown
    assert kinds[str(written)] == pafs.FileType.File
    assert kinds[str(folder)] == pafs.FileType.Directory
    shutil.rmtree(folder)
    link(folder, tmp_path / "outside")
    with pytest.raises(SinkPathError, match=f"refusing to read through {folder}"):
        files.get_file_info(pafs.FileSelector(str(folder)))
    with pytest.raises(NotImplementedError):
        files.delete_dir(str(folder))


@pytest.mark.parametrize("format", FORMATS)
def test_the_sink_s_datasets_read_hive_columns_and_typed_rows(tmp_path, format):
    sink = LocalSink(tmp_path / "sink", format=format)
    for day, scope in [(DAY, "all"), (DAY, "sales"), (DAY + dt.timedelta(days=1), "all")]:
        write(sink, PartitionRef("Example_v1", day, scope), batch(f"{scope}{day.day}-", 2))
    partitions = [PartitionRef("Example_v1", DAY, "sales"), PartitionRef("Example_v1", DAY, "all")]

    opened = sink.open_dataset(partitions, SCHEMA)
    table = opened.to_table().sort_by("id")

    assert table.schema == pa.schema([*SCHEMA, ("date", pa.string()), ("scope", pa.string())])
    assert table.to_pylist()[:2] == [
        {"id": "all20-0", "n": 0, "date": "2026-11-20", "scope": "all"},
        {"id": "all20-1", "n": 1, "date": "2026-11-20", "scope": "all"},
    ]
    listed = [str(file) for partition in partitions for file in sink.committed_files(partition)]
    assert sorted(opened.files) == sorted(listed)
    everything = sink.read_dataset("Example_v1").to_table()
    assert everything.num_rows == 6
    assert set(everything.column("scope").to_pylist()) == {"all", "sales"}


def test_a_part_entry_that_is_not_a_regular_file_is_refused_not_skipped(tmp_path):
    sink, partition = committed_partition(tmp_path)
    planted = sink.partition_path(partition) / "part-99999-0123456789ab.parquet"
    os.mkfifo(planted)  # would block a reader that opened it

    for read in READS.values():
        with pytest.raises(SinkPathError, match=f"refusing to read through {planted}"):
            read(sink, partition)


def test_reads_of_a_missing_partition_find_nothing(tmp_path):
    sink, partition = LocalSink(tmp_path), PartitionRef("Example_v1", DAY, "all")
    assert sink.committed_rows(partition) is None
    assert sink.committed_files(partition) == [] and sink.committed_schemas(partition) == {}
    assert list(sink.read_committed(partition, ["id"])) == []
    assert sink.open_dataset([partition], SCHEMA).to_table().num_rows == 0


def test_a_manifest_planted_as_a_link_is_not_trusted(tmp_path):
    """The manifest is a shortcut for the count: one that is a link is not read (the files are
    counted), so a planted one cannot claim rows the partition does not hold."""
    sink, partition = committed_partition(tmp_path)
    record = sink.manifest_path(partition)
    claim = tmp_path / "claim.json"
    claim.write_text(json.dumps({**json.loads(record.read_text()), "rows": 999}))
    record.unlink()
    record.symlink_to(claim)

    assert sink.committed_rows(partition) == 3


@pytest.mark.parametrize("format", FORMATS)
def test_a_partition_with_a_planted_link_is_withdrawn_and_the_target_left_alone(tmp_path, format):
    sink, partition = committed_partition(tmp_path, format)
    planted, stolen = plant_link(tmp_path, sink, partition)
    content = stolen.read_bytes()

    withdrawn = sink.withdraw(partition)

    # The rows withdrawn are those of the files the sink wrote (a reader saw them); the link is
    # removed and reported, never read (the target's 2 rows are not counted).
    assert withdrawn.rows == 3
    assert withdrawn.files[-1] == withdrawn.planted[-1] == local_module.file_uri(planted)
    assert len(withdrawn.files) == 2 and len(withdrawn.planted) == 1
    assert not sink.partition_path(partition).exists() and stolen.read_bytes() == content


@pytest.mark.parametrize("format", FORMATS)
def test_withdrawn_rows_are_counted_from_the_regular_files_when_the_manifest_does_not_match(
    tmp_path, format
):
    sink, partition = committed_partition(tmp_path, format)
    write(sink, partition, batch("a", 2), batch("b", 3))
    sink.manifest_path(partition).unlink()  # no shortcut: each regular file is counted
    planted, _ = plant_link(tmp_path, sink, partition)
    os.mkfifo(planted.with_name("part-99998-0123456789ab.parquet"))  # would block a count

    withdrawn = sink.withdraw(partition)

    assert withdrawn.rows == 5 and len(withdrawn.files) == 3
    assert [uri.rsplit("/", 1)[1] for uri in withdrawn.planted] == [
        "part-99998-0123456789ab.parquet", planted.name
    ]


# -- withdraw ----------------------------------------------------------------------------------


def test_withdraw_leaves_nothing_in_staging_and_refuses_a_linked_partition(tmp_path):
    sink, outside = LocalSink(tmp_path / "sink"), tmp_path / "outside"
    write(sink, PartitionRef("Example_v1", DAY, "all"), batch("a", 1))
    assert sink.withdraw(PartitionRef("Example_v1", DAY, "all")).rows == 1
    assert staging_entries(sink) == []

    link(sink.root / "Example_v1/date=2026-11-20/scope=sales", outside)
    (outside / "part-00000-0123456789ab.parquet").write_bytes(b"not ours")
    with pytest.raises(SinkPathError):
        sink.withdraw(PartitionRef("Example_v1", DAY, "sales"))
    assert everything_under(outside) == ["part-00000-0123456789ab.parquet"]


@pytest.mark.parametrize(
    "swapped", ["Example_v1", "Example_v1/date=2026-11-20", "Example_v1/date=2026-11-20/scope=all",
                "_manifests/Example_v1", "_manifests/Example_v1/date=2026-11-20", "_staging"]
)
def test_a_folder_swapped_for_a_link_after_the_check_is_not_withdrawn_through(
    tmp_path, monkeypatch, swapped
):
    # The path check and the move and deletes after it are two steps: a folder swapped for a
    # link between them must not be followed. Here the check is made to pass, as if it ran
    # before the swap, and the link leads to a copy of the folder outside the sink.
    sink, outside = LocalSink(tmp_path / "sink"), tmp_path / "outside"
    write(sink, PartitionRef("Example_v1", DAY, "all"), batch("a", 1))
    write(sink, PartitionRef("Example_v1", DAY, "sales"), batch("b", 1))  # a staging folder
    before = swap_for_a_link(sink, swapped, outside)
    monkeypatch.setattr(LocalSink, "require_own_folder", lambda sink, folder: None)

    with pytest.raises(SinkPathError):
        sink.withdraw(PartitionRef("Example_v1", DAY, "all"))

    assert everything_under(outside) == before


def test_a_withdrawal_that_died_mid_delete_is_cleaned_up_by_the_next_write(tmp_path):
    sink = LocalSink(tmp_path)
    leftover = tmp_path / "_staging" / "withdrawn-20261120T093000-0123456789ab"
    leftover.mkdir(parents=True)
    (leftover / "part-00000-0123456789ab.parquet").write_bytes(b"old")
    write(sink, PartitionRef("Example_v1", DAY, "all"), batch("a", 1))
    assert staging_entries(sink) == []


# -- manifests, outside the folders readers glob ------------------------------------------------


def test_withdraw_deletes_the_manifest_too(tmp_path):
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("a", 2))
    assert sink.manifest_path(partition).is_file()
    sink.withdraw(partition)
    assert not sink.manifest_path(partition).exists()
    assert sink.committed_rows(partition) is None


def test_a_manifest_of_another_commit_is_not_trusted(tmp_path):
    """A manifest moved into place for a commit whose folder swap never happened (or lost a race)
    lists other files than the folder holds: the rows are counted, not taken from it."""
    sink = LocalSink(tmp_path)
    partition = PartitionRef("Example_v1", DAY, "all")
    write(sink, partition, batch("a", 3))
    record = sink.manifest_path(partition)
    manifest = json.loads(record.read_text())
    record.write_text(json.dumps({**manifest, "files": ["part-00000-ffffffffffff.parquet"], "rows": 99}))
    assert sink.committed_rows(partition) == 3
    record.unlink()  # or none at all (a withdraw that raced a commit deleted it)
    assert sink.committed_rows(partition) == 3
