"""Attacks on the sink by the spec's author (untrusted: writes the spec folder and the working
directory, so also whatever lies in the sink root), run as they would be: real files, a real
DagsterInstance, `dg.materialize`.

- Attack 6 (part): symbolic links in the sink root that send writes elsewhere.
- Attack 7: an empty (0-byte) delivery that silently replaces a committed partition.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from mgdc_pipelines.sinks.base import PartitionRef, SinkPathError
from mgdc_pipelines.sinks.formats import format_for
from mgdc_pipelines.sinks.local import LocalSink
from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
from mgdc_pipelines.transfer import copy_partition, request_for
from mgdc_pipelines_tests.defs.test_assets_landing import full_request, landing_spec, materialize

DAY = dt.date(2026, 11, 20)
USERS = "BasicDataSet_v0.User_v1"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: what "untouched" is compared with."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def partition_folder(app, day: dt.date = DAY) -> Path:
    return app.sink.resolved_path() / USERS / f"date={day.isoformat()}" / "scope=all"


def rows_a_reader_sees(app, day: dt.date = DAY) -> int:
    return LocalSink(app.sink.resolved_path()).read_dataset(USERS).to_table(
        filter=pa.compute.field("date") == day.isoformat()
    ).num_rows


# -- attack 6: links in the sink root ------------------------------------------------------------


@pytest.mark.parametrize(
    "linked, dataset, partition",
    [
        ("_staging", "User_v1", f"{DAY}|all"),  # every attempt stages here
        (f"{USERS}/date={DAY + dt.timedelta(days=1)}", "User_v1", f"{DAY + dt.timedelta(days=1)}|all"),
        ("BasicDataSet_v0.Message_v1", "Message_v1", f"{DAY}|all"),  # a whole dataset folder
    ],
)
def test_a_link_in_the_sink_root_fails_the_run_and_nothing_lands_outside(
    small_spec, tmp_path, linked, dataset, partition
):
    app = small_spec
    first, _, _ = materialize(app, "User_v1", f"{DAY}|all")
    assert first.success
    committed = snapshot(partition_folder(app))
    outside = tmp_path / "attacker"
    outside.mkdir()

    # The attacker swaps a folder of the sink root for a link to a folder they can read.
    planted = app.sink.resolved_path() / linked
    shutil.rmtree(planted, ignore_errors=True)
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.symlink_to(outside, target_is_directory=True)

    result, _, message = materialize(app, dataset, partition)

    # The consent gate's destination check may refuse a linked partition folder before the
    # sink does (SinkPathError); either way the run fails naming the planted folder.
    assert not result.success
    assert str(planted) in message
    assert list(outside.iterdir()) == []
    assert snapshot(partition_folder(app)) == committed


@pytest.mark.parametrize("linked", ["_staging", USERS, f"{USERS}/date={DAY}/scope=all"])
def test_a_link_in_the_sink_root_stops_a_copy_that_bypasses_dagster(small_spec, tmp_path, linked):
    """The library used directly (no consent gate in front): the sink itself refuses."""
    app = small_spec
    sink = LocalSink(app.sink.resolved_path())
    item = app.dataset("User_v1")
    source = SyntheticSource(TenantConfig(seed=42, users=40))
    other_day = PartitionRef(item.dataset.name, DAY - dt.timedelta(days=1), "all")
    copy_partition(source, sink, request_for(app, item, other_day), other_day)
    committed = snapshot(sink.partition_path(other_day))
    outside = tmp_path / "attacker"
    outside.mkdir()
    planted = sink.root / linked
    shutil.rmtree(planted, ignore_errors=True)  # (for the dataset folder: moved away by the attacker)
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.symlink_to(outside, target_is_directory=True)
    partition = PartitionRef(item.dataset.name, DAY, "all")

    with pytest.raises(SinkPathError) as caught:
        copy_partition(source, sink, request_for(app, item, partition), partition)

    assert str(planted) in str(caught.value) and f"really points to {outside}" in str(caught.value)
    assert list(outside.iterdir()) == []
    if linked != USERS:  # (a linked dataset folder replaced the one that held it)
        assert snapshot(sink.partition_path(other_day)) == committed


def test_planted_links_in_staging_are_never_followed_by_the_cleanup(small_spec, tmp_path):
    """Stale-attempt cleanup deletes folders in _staging: links there must not make it delete
    the attacker's chosen folder (one dressed as a crashed attempt of the very partition)."""
    app = small_spec
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "_attempt.json").write_text(
        f'{{"partition": "{USERS}/date={DAY}/scope=all", "host": "gone", "pid": 1, "started": 0}}'
    )
    (victim / "keep.txt").write_text("precious")
    staging = app.sink.resolved_path() / "_staging"
    staging.mkdir(parents=True)
    (staging / "20260101T000000-0123456789ab").symlink_to(victim, target_is_directory=True)
    (staging / "withdrawn-20260101T000000-0123456789ab").symlink_to(victim, target_is_directory=True)

    result, _, _ = materialize(app, "User_v1", f"{DAY}|all")

    assert result.success
    assert sorted(p.name for p in victim.iterdir()) == ["_attempt.json", "keep.txt"]


@pytest.mark.parametrize("planted_name", ["_manifest.json", "part-00001-{tag}.parquet"])
def test_links_planted_in_a_running_attempt_are_never_written_through(tmp_path, planted_name):
    """The attempt folder is listable; its next file names are predictable. A link planted
    under one of them must fail the attempt, not send the file (or the manifest) elsewhere."""
    sink = LocalSink(tmp_path / "data", max_file_rows=2, row_group_bytes=1)
    partition = PartitionRef(USERS, DAY, "all")
    schema = pa.schema([("id", pa.string())])
    writer = sink.open_partition(partition, schema)
    writer.write(pa.record_batch([pa.array(["a", "b"])], schema=schema))
    [attempt] = (sink.root / "_staging").iterdir()
    stolen = tmp_path / "stolen"
    (attempt / planted_name.format(tag=writer.attempt_id[-12:])).symlink_to(stolen)

    with pytest.raises(FileExistsError):
        with writer:
            writer.write(pa.record_batch([pa.array(["c", "d"])], schema=schema))
            writer.commit()

    assert not stolen.exists()
    assert sink.committed_rows(partition) is None
    assert list((sink.root / "_staging").iterdir()) == []


@pytest.mark.parametrize("read", ["open_dataset", "read_dataset"])
@pytest.mark.parametrize("swapped", ["part file", "partition folder"])
def test_a_link_swapped_in_after_a_dataset_is_opened_is_never_scanned(
    small_spec, tmp_path, read, swapped
):
    """A downstream load opens a lazy dataset, and scans it later: the attacker swaps the
    partition's file (or folder) for a link to their own, in between. The scan must fail naming
    the path, and never return the attacker's rows."""
    app = small_spec
    sink = LocalSink(app.sink.resolved_path())
    item = app.dataset("User_v1")
    source = SyntheticSource(TenantConfig(seed=42, users=40))
    partition = PartitionRef(item.dataset.name, DAY, "all")
    request = request_for(app, item, partition)
    copy_partition(source, sink, request, partition)
    opened = (sink.open_dataset([partition], request.output_schema) if read == "open_dataset"
              else sink.read_dataset(USERS))
    # The attacker's copy of the folder: the same file names, other rows.
    outside = tmp_path / "attacker"
    shutil.copytree(sink.partition_path(partition), outside)
    planted = sink.partition_path(partition)
    if swapped == "part file":
        [planted] = sink.committed_files(partition)
        planted.unlink()
        planted.symlink_to(outside / planted.name)
    else:
        shutil.rmtree(planted)
        planted.symlink_to(outside, target_is_directory=True)

    with pytest.raises(SinkPathError) as caught:
        opened.to_table()

    assert f"refusing to read through {planted}: it really points to {outside}" in str(caught.value)


# -- attack 7: an empty delivery over a committed partition ---------------------------------------


def deliver_users(app, landing: Path, rows: int) -> Path:
    """An ADF-style delivery of exactly ``rows`` User_v1 rows for DAY (JSON lines)."""
    request = full_request(app, "User_v1", DAY)
    table = pa.Table.from_batches(
        list(SyntheticSource(TenantConfig(seed=42, users=2 * rows)).extract(request)),
        schema=request.output_schema,
    ).slice(0, rows)
    folder = landing / USERS / DAY.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "part-0001.json", "wb") as stream:
        writer = format_for("mgdc-jsonl").open(stream, table.schema)
        writer.write(table)
        writer.close()
    return folder


def replace_with_empty_delivery(folder: Path) -> None:
    """What the attacker (or a failed upload) leaves: the day's delivery is one 0-byte file."""
    for part in folder.iterdir():
        part.unlink()
    (folder / "part-0001.json").write_bytes(b"")


def copy_users(app):
    result, checks, message = materialize(app, "User_v1", f"{DAY}|all")
    events = result.get_asset_materialization_events()
    metadata = events[-1].materialization.metadata if events else {}
    return result, checks, message, metadata


def test_an_empty_delivery_does_not_replace_a_committed_partition(small_spec_factory, tmp_path):
    app = landing_spec(small_spec_factory, tmp_path)
    delivery = deliver_users(app, tmp_path / "landing", rows=200)
    first, checks, _, metadata = copy_users(app)
    assert first.success and all(checks.values())
    assert metadata["dagster/row_count"].value == 200 and metadata["mgdc/empty_partition"].value is False
    committed = snapshot(partition_folder(app))

    replace_with_empty_delivery(delivery)
    result, _, message, _ = copy_users(app)

    assert not result.success
    assert "EmptyReplacementError" in message
    assert f"{USERS} partition {DAY}|all" in message and "holds 200 rows" in message
    assert snapshot(partition_folder(app)) == committed
    assert rows_a_reader_sees(app) == 200
    assert list((app.sink.resolved_path() / "_staging").iterdir()) == []


def test_a_dataset_that_allows_empty_replacement_commits_the_empty_partition(small_spec_factory, tmp_path):
    def allow_empty(raw: dict) -> None:
        [users] = [d for d in raw["datasets"] if d["name"] == "User_v1"]
        users["allow_empty_replacement"] = True

    app = landing_spec(lambda mutate: small_spec_factory(lambda raw: (mutate(raw), allow_empty(raw))), tmp_path)
    assert app.dataset("User_v1").allow_empty_replacement
    delivery = deliver_users(app, tmp_path / "landing", rows=200)
    assert copy_users(app)[0].success
    assert rows_a_reader_sees(app) == 200

    replace_with_empty_delivery(delivery)
    result, checks, _, metadata = copy_users(app)

    assert result.success and all(checks.values())
    assert metadata["dagster/row_count"].value == 0 and metadata["mgdc/empty_partition"].value is True
    assert rows_a_reader_sees(app) == 0
