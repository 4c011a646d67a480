"""Reading deliveries: BOM, several files per run, missing and unknown keys, windows, column selection."""

from __future__ import annotations

import datetime as dt

import pytest

from mgdc_pipelines.sources import TimeWindow
from mgdc_pipelines.sources.landing import DeliveryNotFoundError, LandingSource
from mgdc_pipelines_tests.sources.landing.helpers import (
    DAY,
    deliver,
    extract,
    json_lines,
    message,
    request,
    write_file,
)


def test_a_byte_order_mark_at_the_start_of_a_file_is_not_part_of_the_first_row(source, landing):
    path = landing / "BasicDataSet_v0.Message_v1" / "run" / "part.json"
    write_file(path, json_lines([message(1), message(2)]), bom=True)
    table, extraction = extract(source, request("Message_v1"))
    assert table.column("id").to_pylist() == ["m1", "m2"]
    assert extraction.stats.quarantined == 0 and not extraction.stats.unknown_keys


def test_several_files_per_run_are_read_in_path_order(source, landing):
    deliver(landing, "Message_v1", [message(3), message(4)], part=2)
    deliver(landing, "Message_v1", [message(1), message(2)], part=1)
    deliver(landing, "Message_v1", [message(5)], run="run-2")
    table, extraction = extract(source, request("Message_v1"))
    assert table.column("id").to_pylist() == ["m1", "m2", "m3", "m4", "m5"]
    assert extraction.stats.files_read == 3


def test_a_single_file_named_after_the_dataset_is_a_delivery(source, landing):
    write_file(landing / "BasicDataSet_v0.Message_v1.json", json_lines([message(1)]))
    deliver(landing, "Message_v1", [message(2)])
    table, _ = extract(source, request("Message_v1"))
    assert table.column("id").to_pylist() == ["m1", "m2"]


def test_missing_optional_keys_and_nulls_read_as_nulls(source, landing):
    sparse = {"id": "m1", "receivedDateTime": "2026-11-20T09:00:00Z", "subject": None, "ptenant": "t"}
    deliver(landing, "Message_v1", [sparse])
    table, _ = extract(source, request("Message_v1"))
    [row] = table.to_pylist()
    assert row["id"] == "m1" and row["subject"] is None
    assert row["sender"] is None and row["toRecipients"] is None and row["puser"] is None
    assert row["receivedDateTime"] == dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc)


def test_unknown_keys_are_dropped_and_counted_per_key(source, landing):
    rows = [
        message(1, mentions=["a"]),
        message(2, mentions=["b"], sender={"emailAddress": {"name": "A", "address": "a@x.com", "type": "smtp"}}),
        message(3),
    ]
    deliver(landing, "Message_v1", rows)
    table, extraction = extract(source, request("Message_v1"))
    assert table.num_rows == 3
    assert "mentions" not in table.column_names
    assert table.column("sender")[1].as_py() == {"emailAddress": {"name": "A", "address": "a@x.com"}}
    assert dict(extraction.stats.unknown_keys) == {"mentions": 2, "sender.emailAddress.type": 1}
    assert extraction.stats.as_metadata()["landing/unknown_keys"] == {"mentions": 2, "sender.emailAddress.type": 1}


def test_only_rows_whose_date_filter_column_is_in_the_window_are_read(source, landing):
    rows = [
        message(1, "2026-11-19T23:59:59Z"),
        message(2, "2026-11-20T00:00:00Z"),  # the start is included
        message(3, "2026-11-20T23:59:59.999999Z"),
        message(4, "2026-11-21T00:00:00Z"),  # the end is not
        message(5, "2026-11-20T01:30:00+02:00"),  # 2026-11-19T23:30Z
    ]
    deliver(landing, "Message_v1", rows)
    table, extraction = extract(source, request("Message_v1"))
    assert table.column("id").to_pylist() == ["m2", "m3"]
    assert extraction.stats.rows_out_of_window == 3


def test_the_window_uses_the_requested_date_filter_column(source, landing):
    deliver(landing, "Message_v1", [message(1, "2026-11-20T09:00:00Z", sentDateTime="2026-11-19T09:00:00Z")])
    sent_on_the_19th = request("Message_v1", dt.date(2026, 11, 19), date_column="sentDateTime")
    table, _ = extract(source, sent_on_the_19th)
    assert table.column("id").to_pylist() == ["m1"]


def test_a_window_of_several_days_reads_them_all(source, landing):
    deliver(landing, "Message_v1", [message(n, f"2026-11-{18 + n}T09:00:00Z") for n in range(4)])
    three_days = TimeWindow(
        dt.datetime(2026, 11, 19, tzinfo=dt.timezone.utc), dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    )
    table, extraction = extract(source, request("Message_v1", three_days))
    assert table.column("id").to_pylist() == ["m1", "m2", "m3"]
    assert extraction.stats.partition == "2026-11-19..2026-11-21|all"


def test_only_the_requested_columns_are_returned_but_the_date_still_filters(source, landing):
    deliver(landing, "Message_v1", [message(1), message(2, "2026-11-21T09:00:00Z")])
    table, _ = extract(source, request("Message_v1", columns=["subject"]))
    assert table.column_names[:2] == ["subject", "ptenant"]
    assert "receivedDateTime" not in table.column_names
    assert table.column("subject").to_pylist() == ["Message 1"]


def test_sharepoint_rows_are_placed_by_snapshot_date(source, landing):
    sites = [
        {"Id": f"site-{day}", "SnapshotDate": f"2026-11-{day}T00:00:00Z", "Operation": "Full", "ptenant": "t"}
        for day in (19, 20, 21)
    ]
    deliver(landing, "SharePointSites_v1", sites)
    table, extraction = extract(source, request("SharePointSites_v1"))
    assert table.column("Id").to_pylist() == ["site-20"]
    assert extraction.stats.partition == "2026-11-20"
    assert extraction.stats.selection == "all files as delivered; rows whose SnapshotDate is in the window"


def test_a_snapshot_dataset_without_day_folders_is_read_as_delivered(source, landing):
    deliver(landing, "User_v1", [{"id": "u1"}, {"id": "u2"}], run="adf-run-7f3a")
    for day in (DAY, DAY + dt.timedelta(days=30)):
        table, extraction = extract(source, request("User_v1", day))
        assert table.column("id").to_pylist() == ["u1", "u2"]
    assert extraction.stats.selection == "all files as delivered"


def test_a_snapshot_dataset_with_day_folders_reads_the_windows_day(source, landing):
    deliver(landing, "User_v1", [{"id": "u-19"}], run="2026-11-19")
    deliver(landing, "User_v1", [{"id": "u-20"}], run="2026-11-20")
    deliver(landing, "User_v1", [{"id": "u-20-b"}], run="date=2026-11-20/scope=all")
    table, extraction = extract(source, request("User_v1", DAY))
    assert table.column("id").to_pylist() == ["u-20", "u-20-b"]
    assert extraction.stats.selection == "the 2026-11-20 folder(s)"
    assert extraction.stats.files_skipped["another day's folder"] == 1


def test_a_snapshot_day_without_a_folder_is_not_delivered(source, landing):
    deliver(landing, "User_v1", [{"id": "u-19"}], run="2026-11-19")
    expected = r"no delivery of BasicDataSet_v0.User_v1 for 2026-11-20: .* \(2026-11-19\) but none"
    with pytest.raises(DeliveryNotFoundError, match=expected):
        source.extract(request("User_v1", DAY))


def test_scope_folders_of_other_scopes_are_skipped(source, landing):
    deliver(landing, "Message_v1", [message(1)], run="date=2026-11-20/scope=all")
    deliver(landing, "Message_v1", [message(2)], run="date=2026-11-20/scope=sales")
    table, extraction = extract(source, request("Message_v1"))
    assert table.column("id").to_pylist() == ["m1"]
    assert extraction.stats.files_skipped["another scope's folder"] == 1


def test_hidden_and_non_json_files_are_skipped_and_counted(source, landing):
    deliver(landing, "Message_v1", [message(1)])
    folder = landing / "BasicDataSet_v0.Message_v1" / "run-1"
    write_file(folder / "_manifest.json", '{"files": []}\n')
    write_file(folder / ".part-0001.json.crc", "crc")
    write_file(folder / "README.txt", "not data")
    write_file(landing / "BasicDataSet_v0.Message_v1" / "_staging" / "attempt" / "part.json", json_lines([message(2)]))
    table, extraction = extract(source, request("Message_v1"))
    assert table.column("id").to_pylist() == ["m1"]
    assert dict(extraction.stats.files_skipped) == {"hidden (_ or . prefix)": 3, "not .json/.jsonl": 1}


def test_jsonl_files_and_blank_lines_are_fine(source, landing):
    lines = json_lines([message(1)]) + "\n  \r\n" + json_lines([message(2)])
    write_file(landing / "BasicDataSet_v0.Message_v1" / "part.jsonl", lines)
    table, extraction = extract(source, request("Message_v1"))
    assert table.num_rows == 2
    assert (extraction.stats.lines_read, extraction.stats.blank_lines) == (2, 2)


def test_a_dataset_that_was_never_delivered_fails_naming_where_it_looked(source, landing):
    deliver(landing, "User_v1", [{"id": "u1"}])
    with pytest.raises(DeliveryNotFoundError) as raised:
        source.extract(request("Message_v1"))
    message_text = str(raised.value)
    assert str(landing / "BasicDataSet_v0.Message_v1") in message_text
    assert "BasicDataSet_v0.Message_v1.json" in message_text


def test_a_missing_landing_folder_is_named(tmp_path):
    source = LandingSource(tmp_path / "nowhere", quarantine_dir=tmp_path / "q")
    with pytest.raises(DeliveryNotFoundError, match="nowhere does not exist"):
        source.extract(request("User_v1"))


def test_aliases_are_read_as_the_column_they_stand_for(source, landing):
    deliver(landing, "GroupMembers_v0", [{"id": "u1", "puser": "group-1", "ptenant": "t"}])
    table, extraction = extract(source, request("GroupMembers_v0"))
    assert table.column("pObjectId").to_pylist() == ["group-1"]
    assert not extraction.stats.unknown_keys


def test_dedupe_keeps_the_first_copy_of_each_message(landing, quarantine_dir):
    deliver(landing, "Message_v1", [message(1, puser="alice"), message(2, puser="alice")], part=1)
    deliver(landing, "Message_v1", [message(1, puser="bob"), message(3, puser="bob")], part=2)
    without_id = message(4, puser="carol", internetMessageId=None)  # cannot repeat another: kept
    deliver(landing, "Message_v1", [without_id, without_id], part=3)
    deduping = LandingSource(landing, quarantine_dir=quarantine_dir, dedupe_messages=True)
    table, extraction = extract(deduping, request("Message_v1"))
    kept = list(zip(table.column("id").to_pylist(), table.column("puser").to_pylist()))
    assert kept == [("m1", "alice"), ("m2", "alice"), ("m3", "bob"), ("m4", "carol"), ("m4", "carol")]
    assert extraction.stats.duplicates_dropped == 1


def test_without_dedupe_every_copy_is_kept(source, landing):
    deliver(landing, "Message_v1", [message(1, puser="alice"), message(1, puser="bob")])
    table, extraction = extract(source, request("Message_v1"))
    assert table.num_rows == 2 and extraction.stats.duplicates_dropped == 0


def test_dedupe_does_not_touch_datasets_without_message_ids(landing, quarantine_dir):
    deliver(landing, "User_v1", [{"id": "u1"}, {"id": "u1"}])
    deduping = LandingSource(landing, quarantine_dir=quarantine_dir, dedupe_messages=True)
    table, _ = extract(deduping, request("User_v1"))
    assert table.num_rows == 2
