"""Azure sink on a real Azurite: layout, manifest commit, exact replacement, crash safety, streaming,
what a reader that lists the container sees, and partitions an earlier version wrote."""

from __future__ import annotations

import datetime as dt
import logging
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import traceback
import uuid

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from azure.storage.blob import ContainerSasPermissions, generate_container_sas

from mgdc_pipelines.sinks import attempts
from mgdc_pipelines.sinks import azure as azure_sink_module
from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
from mgdc_pipelines.sinks.base import PartitionRef, Sink
from mgdc_pipelines_tests.sinks.helpers import (  # noqa: F401  (make_sink: a fixture)
    DAY,
    PARTITION,
    SCHEMA,
    assert_readers_see_one_version,
    batch,
    make_sink,
    write,
)


def blobs(sink: AzureBlobSink) -> list[str]:
    """Every blob in the container (staged, never committed blocks are no blob: Azure expires them)."""
    return sorted(blob.name for blob in sink.container_client.list_blobs())


def visible_ids(sink: AzureBlobSink, *partitions: PartitionRef) -> list[str]:
    table = sink.open_dataset(list(partitions or [PARTITION]), SCHEMA).to_table()
    return sorted(table.column("id").to_pylist())


@pytest.mark.parametrize("file_format, extension", [("parquet", ".parquet"), ("mgdc-jsonl", ".json")])
def test_commit_writes_the_hive_layout_and_reads_back(make_sink, azurite, file_format, extension):
    sink = make_sink(prefix="exports", format=file_format)
    assert isinstance(sink, Sink)
    info = write(sink, PARTITION, batch("a", 3), batch("b", 2))

    folder = "exports/Example_v1/date=2026-11-20/scope=all"
    [part, manifest_blob] = blobs(sink)  # no marker left, and the manifest outside the folder
    assert manifest_blob == "exports/_manifests/Example_v1/date=2026-11-20/scope=all.json"
    assert re.fullmatch(rf"{folder}/part-00000-[0-9a-f]{{12}}{extension}", part)
    assert info.uri == f"{azurite.account_url}/{sink.container}/{folder}"
    assert info.files == (f"{azurite.account_url}/{sink.container}/{part}",)
    size = sink.container_client.get_blob_client(part).get_blob_properties().size
    assert (info.rows, info.bytes) == (5, size)
    manifest = json.loads(sink.container_client.download_blob(manifest_blob).readall())
    assert manifest["files"] == [part.rsplit("/", 1)[1]] and manifest["rows"] == 5
    assert manifest["bytes"] == size and manifest["schema"] == ["id", "n"]
    assert manifest["attempt"].endswith(part.rsplit("-", 1)[1].split(".")[0])
    assert sink.committed_schemas(PARTITION) == {info.files[0]: SCHEMA}
    assert sorted(b.num_rows for b in sink.read_committed(PARTITION, ["id", "absent"])) == [5]
    table = sink.open_dataset([PARTITION], SCHEMA).to_table()
    assert table.column_names == ["id", "n", "date", "scope"]
    assert sorted(table.column("id").to_pylist()) == ["a0", "a1", "a2", "b0", "b1"]
    assert set(table.column("scope").to_pylist()) == {"all"}


def test_unscoped_partitions_and_uris(make_sink, azurite):
    sink = make_sink(prefix="/my exports/")
    info = write(sink, PartitionRef("Sites_v1", DAY), batch("s", 1))
    assert sink.uri() == f"{azurite.account_url}/{sink.container}/my%20exports"
    assert info.uri == f"{azurite.account_url}/{sink.container}/my%20exports/Sites_v1/date=2026-11-20"
    assert make_sink().uri() == f"{azurite.account_url}/{sink.container}"


def test_recommit_replaces_the_partition_exactly_and_deletes_the_old_blobs(make_sink):
    sink = make_sink(max_file_rows=2)
    other = PartitionRef("Example_v1", DAY + dt.timedelta(days=1), "all")
    write(sink, PARTITION, batch("old", 4))
    write(sink, other, batch("other", 2))
    before = blobs(sink)

    info = write(sink, PARTITION, batch("new", 3))

    assert visible_ids(sink, PARTITION, other) == ["new0", "new1", "new2", "other0", "other1"]
    after = blobs(sink)
    new_parts = [name for name in after if "date=2026-11-20" in name and "part-" in name]
    assert [name.rsplit("/", 1)[1] for name in new_parts] == [uri.rsplit("/", 1)[1] for uri in info.files]
    assert len(new_parts) == 2  # 3 rows at 2 rows per file
    assert not set(new_parts) & set(before)
    assert not [name for name in after if "_attempt-" in name]
    assert [name for name in after if "date=2026-11-21" in name] == [n for n in before if "date=2026-11-21" in n]


def test_abort_leaves_the_previous_partition_and_nothing_else(make_sink):
    sink = make_sink(row_group_bytes=1, max_file_rows=3, block_size=64)
    write(sink, PARTITION, batch("kept", 2))
    committed = blobs(sink)

    writer = sink.open_partition(PARTITION, SCHEMA)
    writer.write(batch("lost", 5))  # one finished file, one file with staged blocks: no blobs yet
    [marker] = set(blobs(sink)) - set(committed)
    assert marker.startswith("_attempts/")
    writer.abort()

    assert visible_ids(sink) == ["kept0", "kept1"]
    assert blobs(sink) == committed


def test_a_crashed_writer_leaves_nothing_visible_and_the_next_attempt_cleans_up(make_sink, azurite):
    sink = make_sink()
    crash = textwrap.dedent(
        f"""
        import datetime as dt, os, pyarrow as pa
        from mgdc_pipelines.sinks.azure import AzureBlobSink, BlobCredential
        from mgdc_pipelines.sinks.base import PartitionRef
        schema = pa.schema([("id", pa.string()), ("n", pa.int64())])
        sink = AzureBlobSink({azurite.account_url!r}, {sink.container!r},
                             credential=BlobCredential("key", os.environ["AZURITE_KEY"]),
                             row_group_bytes=1, max_file_rows=2, block_size=64)
        writer = sink.open_partition(PartitionRef("Example_v1", dt.date(2026, 11, 20), "all"), schema)
        writer.write(pa.record_batch([pa.array(["a", "b", "c"]), pa.array([1, 2, 3])], schema=schema))
        os._exit(17)  # dies mid-write, like a killed pod
        """
    )
    result = subprocess.run([sys.executable, "-c", crash], env={**os.environ, "AZURITE_KEY": azurite.key})
    assert result.returncode == 17
    [marker] = blobs(sink)  # its files are staged blocks, which no listing shows
    assert marker.startswith(f"_attempts/{PARTITION.relative_path}/_attempt-")
    assert sink.committed_files(PARTITION) == [] and visible_ids(sink) == []

    info = write(sink, PARTITION, batch("ok", 1))

    assert visible_ids(sink) == ["ok0"]
    folder = info.uri.split(f"/{sink.container}/", 1)[1]
    files = [f"{folder}/{uri.rsplit('/', 1)[1]}" for uri in info.files]
    assert blobs(sink) == sorted([sink.layout.manifest(PARTITION), *files])


def test_a_live_attempt_of_another_writer_is_not_cleaned_up(make_sink):
    sink = make_sink()
    first = sink.open_partition(PARTITION, SCHEMA)
    first.write(batch("first", 1))
    second = sink.open_partition(PARTITION, SCHEMA)  # same process: `first` is still alive
    second.write(batch("second", 1))
    second.commit()
    assert any(first.attempt_id.rsplit("-", 1)[1] in name for name in blobs(sink))
    first.commit()  # last commit wins, whole
    assert visible_ids(sink) == ["first0"]
    assert len(blobs(sink)) == 2  # the manifest and first's file: second's files went with its manifest


def test_an_attempt_on_another_host_is_removed_only_after_the_safety_age(make_sink, monkeypatch):
    sink = make_sink()
    folder = sink.folder(PARTITION)
    owner = {"partition": PARTITION.relative_path, "host": "another-node", "pid": 1, "started": 0}
    sink.container_client.create_container()
    marker = f"{sink.layout.attempts_folder(PARTITION)}/_attempt-0123456789ab.json"
    sink.container_client.upload_blob(marker, json.dumps(owner))
    # A file it published before it went silent, its manifest not yet written.
    sink.container_client.upload_blob(f"{folder}/part-00000-0123456789ab.parquet", b"half")

    write(sink, PARTITION, batch("a", 1))
    assert f"{folder}/part-00000-0123456789ab.parquet" in blobs(sink)  # silent for seconds: maybe alive

    monkeypatch.setattr(attempts, "STALE_ATTEMPT_AGE", dt.timedelta(0))  # now silent for too long
    write(sink, PARTITION, batch("b", 1))
    assert not [name for name in blobs(sink) if "0123456789ab" in name]
    assert visible_ids(sink) == ["b0"]


def test_readers_see_the_old_or_the_new_manifest_files_never_a_mix(make_sink):
    sink = make_sink(max_file_rows=50)
    reader_sink = make_sink()  # its own client, as another process would have
    write(sink, PARTITION, batch("v0-", 200))
    assert_readers_see_one_version(
        lambda: reader_sink.open_dataset([PARTITION], SCHEMA).to_table(),
        lambda version: write(sink, PARTITION, batch(f"v{version}-", 200)),
        versions=12,
    )


def test_open_dataset_reads_json_lines_with_catalog_types_and_hive_columns(make_sink):
    from mgdc_pipelines.catalog import get_dataset

    dataset = get_dataset("Message_v1")
    schema = dataset.output_schema(("id", "receivedDateTime", "toRecipients"))
    row = {
        "id": "m1", "receivedDateTime": dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc),
        "toRecipients": [{"emailAddress": {"name": "Ann", "address": "ann@contoso.com"}}],
        "ptenant": "t", "puser": "u", "pAdditionalInfo": None, "datarow": 0, "userrow": 0, "pagerow": 0,
        "rowinformation": {"errorInformation": None, "userReturnedNoData": False,
                           "isUserSummaryRow": False, "userHasCompleteData": False},
    }
    sink = make_sink(format="mgdc-jsonl", prefix="mgdc")
    next_day = DAY + dt.timedelta(days=1)
    partitions = [PartitionRef(dataset.name, DAY, "sales"), PartitionRef(dataset.name, next_day, "all")]
    for index, partition in enumerate(partitions):
        writer = sink.open_partition(partition, schema)
        writer.write(pa.RecordBatch.from_pylist([{**row, "id": f"m{index}"}], schema=schema))
        writer.commit()

    table = sink.open_dataset(partitions, schema).to_table().sort_by("id")

    assert table.schema.equals(pa.schema([*schema, ("date", pa.string()), ("scope", pa.string())]))
    assert table.select(schema.names).to_pylist() == [{**row, "id": "m0"}, {**row, "id": "m1"}]
    assert table.column("date").to_pylist() == ["2026-11-20", "2026-11-21"]
    assert table.column("scope").to_pylist() == ["sales", "all"]


def test_writes_stream_in_staged_blocks_and_bounded_row_groups(make_sink):
    block_size = 64 * 1024
    sink = make_sink(block_size=block_size, row_group_bytes=128 * 1024, compression="none")
    writer = sink.open_partition(PARTITION, SCHEMA)
    for index in range(100):
        writer.write(batch(f"{index:04d}-" + "x" * 40 + "-", 500, start=index * 500))
    info = writer.commit()

    [path] = sink.committed_files(PARTITION)
    committed, _ = sink.container_client.get_blob_client(path).get_block_list("committed")
    assert len(committed) == writer.blocks_staged[0] >= 20  # the file went up in many blocks
    assert max(block.size for block in committed) == block_size  # never more than one block in memory
    assert sum(block.size for block in committed) == info.bytes
    with sink.filesystem.open_input_file(path) as file:
        metadata = pq.ParquetFile(file).metadata
    assert metadata.num_rows == 50_000
    assert metadata.num_row_groups >= 20  # one row group per ~128 KiB of buffered batches


def test_committed_schemas_see_a_blob_someone_added_to_the_manifest(make_sink):
    sink = make_sink()
    write(sink, PARTITION, batch("a", 2))
    folder = sink.folder(PARTITION)
    extra = io.BytesIO()
    pq.write_table(pa.table({"id": ["x"], "secret": ["leak"]}), extra)
    sink.container_client.upload_blob(f"{folder}/part-00001-ffffffffffff.parquet", extra.getvalue())
    manifest_name = sink.layout.manifest(PARTITION)
    manifest = json.loads(sink.container_client.download_blob(manifest_name).readall())
    manifest["files"].append("part-00001-ffffffffffff.parquet")
    sink.container_client.upload_blob(manifest_name, json.dumps(manifest), overwrite=True)

    schemas = sink.committed_schemas(PARTITION)

    assert sorted(name for schema in schemas.values() for name in schema.names) == ["id", "id", "n", "secret"]
    assert [b.column(0).to_pylist() for b in sink.read_committed(PARTITION, ["secret"])] == [["leak"]]


def test_a_manifest_naming_files_outside_its_folder_is_refused(make_sink):
    sink = make_sink()
    write(sink, PARTITION, batch("a", 1))
    manifest_name = sink.layout.manifest(PARTITION)
    escaping = json.dumps({"files": ["../../other/part.parquet"]})
    sink.container_client.upload_blob(manifest_name, escaping, overwrite=True)
    with pytest.raises(ValueError, match="outside the partition folder"):
        sink.committed_files(PARTITION)


def test_schema_mismatch_names_the_partition_and_the_columns(make_sink):
    writer = make_sink().open_partition(PARTITION, SCHEMA)
    with pytest.raises(ValueError) as caught:
        writer.write(pa.record_batch([pa.array(["x"])], names=["idx"]))
    writer.abort()
    assert "Example_v1/date=2026-11-20/scope=all" in str(caught.value)
    assert "missing columns ['id', 'n']" in str(caught.value)


def container_sas(azurite, container: str, **permissions) -> str:
    expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    return generate_container_sas(
        azurite.account_name, container, account_key=azurite.key,
        permission=ContainerSasPermissions(**permissions), expiry=expiry,
    )


def test_a_sas_credential_writes_and_reads_and_its_signature_stays_out_of_errors(make_sink, azurite):
    owner = make_sink()
    owner.container_client.create_container()
    sas = container_sas(azurite, owner.container, read=True, write=True, delete=True, list=True, create=True)
    sink = make_sink(credential=BlobCredential("sas", sas))
    write(sink, PARTITION, batch("a", 2))
    assert visible_ids(sink) == ["a0", "a1"]

    list_only = make_sink(credential=BlobCredential("sas", container_sas(azurite, owner.container, list=True)))
    [path] = sink.committed_files(PARTITION)
    signature = sas.split("sig=")[1].split("&")[0]
    for refused in (lambda: list_only.committed_files(PARTITION), lambda: list_only.filesystem.open_input_file(path)):
        with pytest.raises(Exception) as caught:
            refused()
        shown = "".join(traceback.format_exception(caught.value))  # chained causes included
        assert "not authorized" in shown and signature[:8] not in shown and "sig=" not in shown


def test_a_sas_signature_stays_out_of_debug_logs(make_sink, azurite, caplog):
    """urllib3 logs each request line at DEBUG, query included; the signature is redacted."""
    owner = make_sink()
    owner.container_client.create_container()
    sas = container_sas(azurite, owner.container, read=True, write=True, delete=True, list=True, create=True)
    signature = sas.split("sig=")[1].split("&")[0]
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    sink = make_sink(credential=BlobCredential("sas", sas))
    write(sink, PARTITION, batch("a", 2))
    assert visible_ids(sink) == ["a0", "a1"]
    requests = [r.getMessage() for r in caplog.records if r.name == "urllib3.connectionpool"]
    assert any("sig=REDACTED" in line for line in requests), "urllib3 logged the requests"
    assert not any(signature in line or signature[:8] in line for line in requests)


def test_a_credential_that_cannot_create_the_container_is_named_in_a_clear_error(make_sink, azurite):
    missing = f"m{uuid.uuid4().hex[:16]}"
    sas = container_sas(azurite, missing, read=True, write=True)
    sink = make_sink(container=missing, credential=BlobCredential("sas", sas))
    with pytest.raises(PermissionError, match=f"cannot create container '{missing}'"):
        sink.open_partition(PARTITION, SCHEMA)


def test_anonymous_credentials_and_urls_carrying_secrets_are_refused(azurite):
    with pytest.raises(ValueError, match="anonymous.*use one of key, sas, default"):
        BlobCredential("anonymous")
    with pytest.raises(ValueError, match="must not carry a query") as caught:
        AzureBlobSink(f"{azurite.account_url}?sv=1&sig=SECRET", "c1", credential=BlobCredential("default"))
    assert "SECRET" not in str(caught.value)
    shown = repr(BlobCredential("key", azurite.key))
    assert shown == "BlobCredential(kind='key')" and azurite.key not in shown


def test_withdraw_deletes_the_manifest_files_and_leftovers_but_not_a_live_attempt(make_sink):
    sink = make_sink(max_file_rows=2)
    info = write(sink, PARTITION, batch("gone", 3))
    folder = sink.folder(PARTITION)
    live = sink.open_partition(PARTITION, SCHEMA)  # another writer, still running
    live.write(batch("live", 1))
    sink.container_client.upload_blob(f"{folder}/part-00000-0123456789ab.parquet", b"crashed attempt")

    withdrawn = sink.withdraw(PARTITION)

    assert withdrawn.files == info.files and withdrawn.rows == 3
    live_tag = live.attempt_id.rsplit("-", 1)[1]
    live_marker = f"{sink.layout.attempts_folder(PARTITION)}/_attempt-{live_tag}.json"
    assert blobs(sink) == [live_marker]  # only the live attempt's marker
    live.commit()  # the live attempt publishes whole afterwards
    assert visible_ids(sink) == ["live0"]


def test_committed_rows_count_the_listed_files_when_the_manifest_records_none(make_sink):
    sink = make_sink(format="mgdc-jsonl")
    write(sink, PARTITION, batch("a", 3))
    manifest_name = sink.layout.manifest(PARTITION)
    manifest = json.loads(sink.container_client.download_blob(manifest_name).readall())
    for claim in ({**manifest, "rows": 0}, {"files": manifest["files"]}):
        sink.container_client.upload_blob(manifest_name, json.dumps(claim), overwrite=True)
        assert sink.committed_rows(PARTITION) == 3


# -- what a reader that lists the container sees -------------------------------------------------


def plain_readers(azurite, sink: AzureBlobSink):
    """Readers with no project code: pyarrow's own Azure filesystem and polars (object_store),
    each listing ``<container>/<prefix>/Example_v1`` as Spark or Synapse would."""
    host = azurite.account_url.split("/")[2]
    filesystem = pafs.AzureFileSystem(
        account_name=azurite.account_name, account_key=azurite.key,
        blob_storage_authority=host, blob_storage_scheme="http",
        dfs_storage_authority=host, dfs_storage_scheme="http",  # Azurite has no DFS: a flat namespace
    )
    dataset = f"{sink.container}/{sink.prefix}/Example_v1"
    options = {"account_name": azurite.account_name, "account_key": azurite.key,
               "endpoint": azurite.account_url, "allow_http": "true"}
    return {
        "pyarrow": lambda: sorted(
            pads.dataset(dataset, filesystem=filesystem, partitioning="hive").to_table().column("id").to_pylist()
        ),
        "polars": lambda: sorted(
            pl.scan_parquet(f"az://{dataset}/**/*.parquet", hive_partitioning=True, storage_options=options)
            .collect().get_column("id").to_list()
        ),
    }


def test_a_reader_that_lists_the_container_mid_partition_sees_no_in_flight_file(make_sink, azurite):
    sink = make_sink(prefix="exports", max_file_rows=2, row_group_bytes=1, block_size=64)
    old = write(sink, PARTITION, batch("old", 3))
    folder = sink.folder(PARTITION)
    committed = sorted(f"{folder}/{uri.rsplit('/', 1)[1]}" for uri in old.files)
    readers = plain_readers(azurite, sink)

    writer = sink.open_partition(PARTITION, SCHEMA)
    for index in range(4):  # several finished part files, and one with blocks staged
        writer.write(batch(f"new{index}-", 3))
    assert len(writer.blocks_staged) == 6 and sum(writer.blocks_staged) > 6

    assert [b.name for b in sink.container_client.list_blobs(name_starts_with=f"{folder}/")] == committed
    tag = writer.attempt_id.rsplit("-", 1)[1]
    [marker] = [name for name in blobs(sink) if tag in name]  # the only trace of the attempt
    assert marker.startswith("exports/_attempts/")
    for name, read in readers.items():
        assert read() == ["old0", "old1", "old2"], name

    info = writer.commit()

    assert [b.name for b in sink.container_client.list_blobs(name_starts_with=f"{folder}/")] == sorted(
        f"{folder}/{uri.rsplit('/', 1)[1]}" for uri in info.files
    )
    for name, read in readers.items():
        assert read() == sorted(f"new{i}-{j}" for i in range(4) for j in range(3)), name
    assert [name for name in blobs(sink) if not name.startswith(f"{folder}/")] == [sink.layout.manifest(PARTITION)]


def test_a_partition_of_the_earlier_layout_reads_and_its_next_commit_migrates_it(make_sink):
    sink = make_sink(prefix="exports")
    write(sink, PARTITION, batch("old", 2))
    folder, client = sink.folder(PARTITION), sink.container_client
    # What the earlier version left: the manifest inside the folder, and a crashed attempt's marker.
    payload = client.download_blob(sink.layout.manifest(PARTITION)).readall()
    client.upload_blob(f"{folder}/_manifest.json", payload)
    client.delete_blob(sink.layout.manifest(PARTITION))
    client.upload_blob(f"{folder}/_attempt-0123456789ab.json", json.dumps({"host": "gone", "started": 0}))
    client.upload_blob(f"{folder}/part-00000-0123456789ab.parquet", b"crashed")
    assert visible_ids(sink) == ["old0", "old1"] and sink.committed_rows(PARTITION) == 2

    # The old marker has no twin in _attempts: its attempt counts as finished, its leftovers go.
    info = write(sink, PARTITION, batch("new", 1))

    assert visible_ids(sink) == ["new0"]
    files = [f"{folder}/{uri.rsplit('/', 1)[1]}" for uri in info.files]
    assert blobs(sink) == sorted([*files, sink.layout.manifest(PARTITION)])


def test_a_partition_of_the_earlier_layout_is_withdrawn_whole(make_sink):
    sink = make_sink()
    info = write(sink, PARTITION, batch("old", 2))
    folder, client = sink.folder(PARTITION), sink.container_client
    payload = client.download_blob(sink.layout.manifest(PARTITION)).readall()
    client.upload_blob(f"{folder}/_manifest.json", payload)
    client.delete_blob(sink.layout.manifest(PARTITION))

    withdrawn = sink.withdraw(PARTITION)

    assert withdrawn.files == info.files and withdrawn.rows == 2
    assert blobs(sink) == [] and sink.committed_rows(PARTITION) is None


def test_a_withdrawal_killed_after_the_manifest_is_finished_by_the_next(
    make_sink, azurite, monkeypatch
):
    sink = make_sink(prefix="exports", max_file_rows=2)
    info = write(sink, PARTITION, batch("gone", 3))
    other = PartitionRef("Example_v1", DAY + dt.timedelta(days=1), "all")
    write(sink, other, batch("other", 1))
    folder, readers = sink.folder(PARTITION), plain_readers(azurite, sink)
    real_delete = azure_sink_module.delete_if_present

    def killed_once(container, name):  # the process dies after the manifest's delete
        monkeypatch.setattr(azure_sink_module, "delete_if_present", real_delete)
        raise RuntimeError("killed")

    monkeypatch.setattr(azure_sink_module, "delete_if_present", killed_once)
    with pytest.raises(RuntimeError, match="killed"):
        sink.withdraw(PARTITION)

    assert sink.committed_rows(PARTITION) is None and visible_ids(sink) == []  # manifest readers
    in_folder = [b.name for b in sink.container_client.list_blobs(name_starts_with=f"{folder}/")]
    assert len(in_folder) == 2  # but a plain lister still reads the withdrawn rows
    assert readers["pyarrow"]() == ["gone0", "gone1", "gone2", "other0"]

    withdrawn = sink.withdraw(PARTITION)

    assert withdrawn is not None and sorted(withdrawn.files) == sorted(info.files)
    assert not list(sink.container_client.list_blobs(name_starts_with=f"{folder}/"))
    for name, read in readers.items():
        assert read() == ["other0"], name
    assert visible_ids(sink, PARTITION, other) == ["other0"]
    assert sink.withdraw(PARTITION) is None  # nothing left to withdraw


def test_finishing_a_withdrawal_keeps_the_files_of_a_copy_still_running(make_sink):
    sink = make_sink()
    write(sink, PARTITION, batch("gone", 1))
    sink.container_client.delete_blob(sink.layout.manifest(PARTITION))  # killed right after this
    folder, tag = sink.folder(PARTITION), "0123456789ab"
    owner = {"partition": PARTITION.relative_path, "host": "another-node", "pid": 1, "started": 0}
    marker = f"{sink.layout.attempts_folder(PARTITION)}/_attempt-{tag}.json"
    running = f"{folder}/part-00000-{tag}.parquet"  # published, its manifest not yet written
    sink.container_client.upload_blob(marker, json.dumps(owner))
    sink.container_client.upload_blob(running, b"in flight")

    withdrawn = sink.withdraw(PARTITION)

    assert withdrawn is not None and len(withdrawn.files) == 1 and tag not in withdrawn.files[0]
    assert blobs(sink) == sorted([running, marker])  # a live attempt elsewhere: not ours to delete

