"""The landing source reading a delivery from a real Azurite container, as it reads a folder."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from mgdc_pipelines.sinks.azure_account import BlobCredential
from mgdc_pipelines.sources.landing import AzureDeliveryStore, DeliveryNotFoundError, LandingSource
from mgdc_pipelines_tests.sources.landing.helpers import (
    DAY,
    deliver,
    extract,
    json_lines,
    message,
    quarantined,
    request,
    write_file,
)

PREFIX = "adf/mgdc"
CHUNK = 64  # bytes per download: every blob below spans several chunks


@pytest.fixture
def container(azurite) -> str:
    name = f"landing{uuid.uuid4().hex[:16]}"
    BlobServiceClient.from_connection_string(azurite.connection_string).create_container(name)
    return name


def upload(azurite, container: str, landing: Path) -> None:
    client = BlobServiceClient.from_connection_string(azurite.connection_string)
    for path in sorted(landing.rglob("*")):
        if path.is_file():
            name = f"{PREFIX}/{path.relative_to(landing).as_posix()}"
            client.get_blob_client(container, name).upload_blob(path.read_bytes())


def azure_source(azurite, container: str, quarantine_dir: Path, **options) -> LandingSource:
    options.setdefault("credential", BlobCredential("key", azurite.key))
    store = AzureDeliveryStore(azurite.account_url, container, prefix=PREFIX, chunk_size=CHUNK, **options)
    return LandingSource(store, max_error_ratio=0.5, quarantine_dir=quarantine_dir)


def write_messages(landing: Path) -> None:
    long_subject = "x" * (5 * CHUNK)  # one line over several download chunks
    deliver(landing, "Message_v1", [message(1), message(2, subject=long_subject)], part=1)
    # Two bad lines: a short one, and one over several download chunks, ended by CRLF.
    text = json_lines([message(3), message(4, received="2026-11-19T09:00:00Z")]) + "{oops\n"
    text += '{"id": "m8", "subject": "' + "y" * (3 * CHUNK) + '", oops}\r\n'
    write_file(landing / "BasicDataSet_v0.Message_v1" / "run-1" / "part-0002.json", text, bom=True)
    deliver(landing, "Message_v1", [message(5)], run="run-2")
    deliver(landing, "Message_v1", [message(6)], run="_staging")  # hidden: skipped
    write_file(landing / "BasicDataSet_v0.Message_v1" / "run-1" / "_SUCCESS", "")
    write_file(landing / "BasicDataSet_v0.Message_v1" / "notes.txt", "not a delivery")
    write_file(landing / "BasicDataSet_v0.Message_v1" / "scope=sales" / "part-0001.json",
               json_lines([message(7)]))


def test_a_container_delivery_reads_exactly_like_the_same_local_folder(azurite, container, tmp_path):
    landing = tmp_path / "landing"
    write_messages(landing)
    upload(azurite, container, landing)
    local = LandingSource(landing, max_error_ratio=0.5, quarantine_dir=tmp_path / "q-local")
    remote = azure_source(azurite, container, tmp_path / "q-azure")
    req = request("Message_v1", batch_rows=2)

    local_rows, local_run = extract(local, req)
    remote_rows, remote_run = extract(remote, req)

    assert remote_rows.equals(local_rows)
    assert [row["id"] for row in remote_rows.to_pylist()] == ["m1", "m2", "m3", "m5"]
    assert len(remote_rows.to_pylist()[1]["subject"]) == 5 * CHUNK
    local_stats, remote_stats = local_run.stats, remote_run.stats
    for name in ("files_read", "lines_read", "rows_yielded", "rows_out_of_window", "quarantined"):
        assert getattr(remote_stats, name) == getattr(local_stats, name), name
    assert remote_stats.files_skipped == local_stats.files_skipped
    assert dict(remote_stats.files_skipped) == {
        "hidden (_ or . prefix)": 2, "not .json/.jsonl": 1, "another scope's folder": 1,
    }
    records, local_records = quarantined(remote_run), quarantined(local_run)
    blob = f"{container}/{PREFIX}/BasicDataSet_v0.Message_v1/run-1/part-0002.json"
    assert [(r["file"], r["line"]) for r in records] == [(blob, 3), (blob, 4)]
    for record, local_record in zip(records, local_records, strict=True):
        assert {**record, "file": None} == {**local_record, "file": None}
    # the blob's bytes at each offset are the line the hash names (the BOM counts in offsets)
    data = (landing / "BasicDataSet_v0.Message_v1" / "run-1" / "part-0002.json").read_bytes()
    short, long = records
    assert data[short["offset"]:].startswith(b"{oops\n") and short["offset"] > CHUNK
    end = data.index(b"\r\n", long["offset"])
    assert long["sha256"] == hashlib.sha256(data[long["offset"]:end]).hexdigest()
    assert end - long["offset"] > 3 * CHUNK  # the line came in four chunks or more


def test_a_single_blob_and_day_folders_follow_the_folder_rules(azurite, container, tmp_path):
    landing = tmp_path / "landing"
    users = [{"id": "u1", "displayName": "Ada"}, {"id": "u2", "displayName": "Bo"}]
    write_file(landing / "BasicDataSet_v0.User_v1" / DAY.isoformat() / "part-0001.json",
               json_lines(users), bom=True)
    write_file(landing / "BasicDataSet_v0.User_v1" / f"date={DAY - dt.timedelta(days=1)}" / "a.json",
               json_lines([{"id": "old"}]))
    write_file(landing / "BasicDataSet_v0.Manager_v0.json", "\ufeff" + json_lines([{"puser": "u1"}]))
    upload(azurite, container, landing)
    remote = azure_source(azurite, container, tmp_path / "q")

    user_rows, user_run = extract(remote, request("User_v1"))
    manager_rows, _ = extract(remote, request("Manager_v0"))

    assert [row["id"] for row in user_rows.to_pylist()] == ["u1", "u2"]
    assert user_run.stats.selection.startswith(f"the {DAY} folder(s)")
    assert dict(user_run.stats.files_skipped) == {"another day's folder": 1}
    assert manager_rows.num_rows == 1
    with pytest.raises(DeliveryNotFoundError, match=rf"no delivery of BasicDataSet_v0.Message_v1 under {container}/{PREFIX}/"):
        remote.extract(request("Message_v1"))


def test_a_public_container_reads_anonymously_and_repr_hides_the_key(azurite, tmp_path):
    container = f"public{uuid.uuid4().hex[:16]}"
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    service.create_container(container, public_access="container")
    deliver(tmp_path / "landing", "Message_v1", [message(1)])
    upload(azurite, container, tmp_path / "landing")

    rows, _ = extract(azure_source(azurite, container, tmp_path / "q", credential=None), request("Message_v1"))

    assert rows.num_rows == 1
    keyed = azure_source(azurite, container, tmp_path / "q")
    assert azurite.key not in repr(keyed) and azurite.key not in repr(keyed.store)


def test_a_utf16_blob_with_objects_run_together_reads_like_the_local_file(azurite, container, tmp_path):
    # Inbox_v1's form (UTF-16 LE, byte-order mark, CRLF) with SharePoint's objects run together,
    # streamed in odd-sized chunks: code units and CRLFs are split between chunks.
    objects = [json.dumps(message(n, subject=f"caf\u00e9 \U0001f600 {n}")) for n in range(1, 7)]
    lines = [objects[0] + objects[1], objects[2], objects[3] + '{"id": "m9", oops}' + objects[4], objects[5]]
    data = codecs.BOM_UTF16_LE + "".join(line + "\r\n" for line in lines).encode("utf-16-le")
    landing = tmp_path / "landing"
    (landing / "BasicDataSet_v0.Message_v1").mkdir(parents=True)
    (landing / "BasicDataSet_v0.Message_v1" / "part-0001.json").write_bytes(data)
    upload(azurite, container, landing)
    store = AzureDeliveryStore(azurite.account_url, container, prefix=PREFIX, chunk_size=CHUNK - 1,
                               credential=BlobCredential("key", azurite.key))
    remote = LandingSource(store, max_error_ratio=0.5, quarantine_dir=tmp_path / "q-azure")
    local = LandingSource(landing, max_error_ratio=0.5, quarantine_dir=tmp_path / "q-local")

    remote_rows, remote_run = extract(remote, request("Message_v1", batch_rows=2))
    local_rows, local_run = extract(local, request("Message_v1", batch_rows=2))

    assert remote_rows.equals(local_rows)
    assert remote_rows.column("id").to_pylist() == [f"m{n}" for n in range(1, 7)]
    assert remote_rows.column("subject").to_pylist()[0] == "caf\u00e9 \U0001f600 1"
    stats = remote_run.stats
    assert (stats.lines_read, stats.objects_read, stats.quarantined) == (4, 7, 1)
    [record], [local_record] = quarantined(remote_run), quarantined(local_run)
    assert {**record, "file": None} == {**local_record, "file": None}
    assert (record["line"], record["object"]) == (3, 2)
    assert data[record["offset"]:].startswith(lines[2].encode("utf-16-le") + "\r\n".encode("utf-16-le"))
