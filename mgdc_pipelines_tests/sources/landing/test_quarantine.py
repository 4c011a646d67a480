"""Malformed lines go to the quarantine with file, line, offset, reason and hash, never their
content; too many fail the partition."""

from __future__ import annotations

import hashlib
import stat

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.sources.landing import LandingQualityError, LandingSource
from mgdc_pipelines.sources.landing.batches import Rejected, convert_rows
from mgdc_pipelines.sources.landing.reader import DeliveredRow, LineRef, RawLine
from mgdc_pipelines_tests.sources.landing.helpers import (
    deliver,
    extract,
    json_lines,
    message,
    quarantined,
    request,
    write_file,
)

MESSAGE_FOLDER = "BasicDataSet_v0.Message_v1"


@pytest.fixture
def tolerant(landing, quarantine_dir) -> LandingSource:
    """Quarantines whatever it must and never fails the partition for it."""
    return LandingSource(landing, max_error_ratio=1, quarantine_dir=quarantine_dir)


def deliver_with_bad_lines(landing):
    good = json_lines([message(1)])
    lines = [
        good,
        '{"id": "m2", "subject": \n',  # bad JSON
        '["not", "an", "object"]\n',
        "42\n",
        json_lines([message(3, isRead="yes")]),  # wrong type
        json_lines([message(4, toRecipients="bob@contoso.com")]),  # a string where a list goes
        json_lines([{**message(5), "receivedDateTime": None}]),  # no date: fits no window
        json_lines([message(6, "yesterday")]),
        json_lines([message(7, "2026-11-20T09:00:00")]),  # no UTC offset
        '{"id": "m8", "id": "m9"}\n',
        b'{"id": "caf\xe9"}\n'.decode("latin-1"),  # written below as bytes, not UTF-8
        json_lines([message(10)]),
    ]
    path = landing / MESSAGE_FOLDER / "run-1" / "part-0001.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(line.encode("latin-1" if "caf" in line else "utf-8") for line in lines))
    return path


def test_each_bad_line_is_quarantined_with_its_file_line_and_reason(tolerant, landing):
    path = deliver_with_bad_lines(landing)
    table, extraction = extract(tolerant, request("Message_v1"))
    assert table.column("id").to_pylist() == ["m1", "m10"]
    records = {record["line"]: record for record in quarantined(extraction)}
    assert {record["file"] for record in records.values()} == {str(path)}
    errors = {line: record["error"] for line, record in records.items()}
    assert errors[2] == "not valid JSON: Expecting value at column 25"
    assert errors[3] == "a JSON array, not an object (MGDC writes one JSON object per line)"
    assert errors[4] == "a JSON number, not an object (MGDC writes one JSON object per line)"
    assert errors[5] == (
        "BasicDataSet_v0.Message_v1: line 5, column 'isRead': expected boolean, "
        "got a JSON string of 3 characters"
    )
    assert errors[6] == (
        "BasicDataSet_v0.Message_v1: line 6, column 'toRecipients': expected array, "
        "got a JSON string of 15 characters"
    )
    assert errors[7] == "no value for 'receivedDateTime', the date that places a row in a partition"
    assert errors[8] == "'receivedDateTime' is a JSON string of 9 characters, not an ISO-8601 date-time"
    assert "without a UTC offset" in errors[9]
    assert errors[10] == "not valid JSON: duplicate key 'id' in an object"
    assert errors[11] == "invalid UTF-8 at byte 12 of the line"  # the é of {"id": "café"} in Latin-1
    # a value is the problem: its column and type; a line is: neither
    columns = {line: (record["column"], record["expected"]) for line, record in records.items()}
    assert columns[5] == ("isRead", "boolean") and columns[6] == ("toRecipients", "array")
    assert columns[7] == columns[8] == columns[9] == ("receivedDateTime", "timestamp")
    assert columns[2] == columns[3] == columns[11] == (None, None)
    assert all("text" not in record and "yes" not in str(record) for record in records.values())


def test_each_record_has_the_byte_offset_and_hash_of_its_line(tolerant, landing):
    path = deliver_with_bad_lines(landing)
    _, extraction = extract(tolerant, request("Message_v1"))
    delivered = path.read_bytes().split(b"\n")
    starts = [sum(len(line) + 1 for line in delivered[:n]) for n in range(len(delivered))]
    for record in quarantined(extraction):
        line = delivered[record["line"] - 1]
        assert record["offset"] == starts[record["line"] - 1]
        assert record["sha256"] == hashlib.sha256(line).hexdigest()


def test_offsets_count_the_byte_order_mark_and_hashes_exclude_crlf(tolerant, landing):
    lines = [json_lines([message(1)]).encode(), b'{"id": "m2", oops\r\n', b'[1]']  # the last without a line end
    path = landing / MESSAGE_FOLDER / "part.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(lines))
    _, extraction = extract(tolerant, request("Message_v1"))
    first, second = quarantined(extraction)
    assert (first["line"], first["offset"]) == (2, 3 + len(lines[0]))
    assert first["sha256"] == hashlib.sha256(b'{"id": "m2", oops').hexdigest()
    assert (second["line"], second["offset"]) == (3, 3 + len(lines[0]) + len(lines[1]))
    assert second["sha256"] == hashlib.sha256(b"[1]").hexdigest()
    data = path.read_bytes()
    assert data[first["offset"] : first["offset"] + 12] == b'{"id": "m2",'  # an operator can seek to it


def test_the_quarantine_file_and_its_folders_are_owner_only(tolerant, landing, quarantine_dir):
    deliver_with_bad_lines(landing)
    _, extraction = extract(tolerant, request("Message_v1"))
    path = extraction.stats.quarantine_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(quarantine_dir.stat().st_mode) == 0o700


def test_every_line_is_accounted_for(tolerant, landing):
    deliver_with_bad_lines(landing)
    deliver(landing, "Message_v1", [message(11, "2026-11-21T09:00:00Z")], run="run-2")
    _, extraction = extract(tolerant, request("Message_v1"))
    stats = extraction.stats
    assert stats.finished
    assert (stats.lines_read, stats.rows_yielded, stats.rows_out_of_window, stats.quarantined) == (13, 2, 1, 10)
    assert stats.lines_read == stats.rows_yielded + stats.rows_out_of_window + stats.duplicates_dropped + stats.quarantined


def test_the_quarantine_file_is_named_after_dataset_partition_and_time(tolerant, landing, quarantine_dir):
    deliver_with_bad_lines(landing)
    _, extraction = extract(tolerant, request("Message_v1"))
    path = extraction.stats.quarantine_file
    assert path.parent == quarantine_dir / MESSAGE_FOLDER
    assert path.name.startswith("2026-11-20-all-") and path.suffix == ".jsonl"


def test_a_clean_partition_leaves_no_quarantine_file(source, landing, quarantine_dir):
    deliver(landing, "Message_v1", [message(1)])
    _, extraction = extract(source, request("Message_v1"))
    assert extraction.stats.quarantine_file is None and not quarantine_dir.exists()


def test_a_long_bad_line_leaves_a_short_record(source, landing):
    write_file(landing / MESSAGE_FOLDER / "part.json", '{"id": "' + "x" * 10_000 + "\n" + json_lines([message(1)]))
    _, extraction = extract(source, request("Message_v1"))
    [record] = quarantined(extraction)
    assert "xxx" not in str(record) and len(str(record)) < 500


def test_too_many_bad_lines_fail_the_partition_with_counts_and_the_quarantine_file(landing, quarantine_dir):
    deliver(landing, "Message_v1", [message(n) for n in range(8)] + ["oops", [1]])
    strict = LandingSource(landing, max_error_ratio=0.1, quarantine_dir=quarantine_dir)
    extraction = strict.extract(request("Message_v1"))
    with pytest.raises(LandingQualityError) as raised:
        list(extraction)
    text = str(raised.value)
    assert text.startswith("BasicDataSet_v0.Message_v1 partition 2026-11-20|all: 2 of 10 delivered objects (on 10 lines)")
    assert "(20.00%), more than max_error_ratio 10.00% allows" in text
    assert str(extraction.stats.quarantine_file) in text
    assert "part-0001.json:9: a JSON string, not an object" in text
    assert raised.value.stats is extraction.stats and extraction.stats.finished


def test_exactly_the_allowed_ratio_passes(landing, quarantine_dir):
    deliver(landing, "Message_v1", [message(n) for n in range(9)] + ["oops"])
    at_the_limit = LandingSource(landing, max_error_ratio=0.1, quarantine_dir=quarantine_dir)
    table, extraction = extract(at_the_limit, request("Message_v1"))
    assert table.num_rows == 9 and extraction.stats.quarantined == 1


def test_a_zero_ratio_fails_on_the_first_bad_line(landing, quarantine_dir):
    deliver(landing, "Message_v1", [message(n) for n in range(1000)] + ["oops"])
    with pytest.raises(LandingQualityError, match=r"1 of 1001 delivered objects \(on 1001 lines\)"):
        list(LandingSource(landing, max_error_ratio=0, quarantine_dir=quarantine_dir).extract(request("Message_v1")))


def test_many_bad_rows_in_one_chunk_are_all_found(source, landing):
    rows = [message(n, isRead="yes" if n % 3 == 0 else False) for n in range(300)]
    deliver(landing, "Message_v1", rows)
    table, extraction = extract(source, request("Message_v1", batch_rows=128))
    assert table.column("id").to_pylist() == [f"m{n}" for n in range(300) if n % 3]
    assert sorted(record["line"] for record in quarantined(extraction)) == [n + 1 for n in range(0, 300, 3)]


def test_max_error_ratio_must_be_a_ratio(tmp_path):
    with pytest.raises(ValueError, match="max_error_ratio must be between 0 and 1, got 1.5"):
        LandingSource(tmp_path, max_error_ratio=1.5)


def planner_task(number: int, assignments: str) -> bytes:
    head = f'{{"id": "t{number}", "createdDateTime": "2026-11-20T09:00:00Z", "assignments": '
    return head.encode() + assignments.encode() + b"}\n"


def nested(levels: int) -> str:
    return '{"u": ' * levels + "{}" + "}" * levels


def test_a_line_nested_too_deeply_is_quarantined_not_a_crash(tolerant, landing):
    # 250 levels (251 with the row) are kept as JSON text; 1,000 would crash Python's parser.
    path = landing / "BasicDataSet_v0.PlannerTasks_v0" / "run-1" / "part-0001.json"
    path.parent.mkdir(parents=True)
    tasks = planner_task(1, nested(250)) + planner_task(2, nested(1000)) + planner_task(3, "{}")
    path.write_bytes(tasks)
    table, extraction = extract(tolerant, request("PlannerTasks_v0"))
    assert table.column("id").to_pylist() == ["t1", "t3"]
    assert table.column("assignments")[0].as_py() == nested(250).replace(" ", "")
    [record] = quarantined(extraction)
    assert (record["file"], record["line"], record["column"]) == (str(path), 2, None)
    assert record["error"].startswith("nested too deeply: more than 256 levels")


def test_a_value_too_deep_to_keep_as_json_text_is_rejected_alone():
    # What parse_row lets through converts; a caller's own deeper value fails its row only.
    deep: dict = {}
    for _ in range(5000):
        deep = {"u": deep}
    rows = [DeliveredRow(RawLine(LineRef("part.json", line, 0), b"{}"), {"id": f"t{line}"})
            for line in (1, 2, 3)]
    rows[1] = DeliveredRow(rows[1].line, {"id": "t2", "assignments": deep})
    outcomes = list(convert_rows(get_dataset("PlannerTasks_v0"), rows, ["id", "assignments"]))
    [rejected] = [outcome for outcome in outcomes if isinstance(outcome, Rejected)]
    assert rejected.row is rows[1]
    assert (rejected.column, rejected.expected) == ("assignments", "string")
    assert rejected.error.endswith(
        "line 2, column 'assignments': expected string, got a JSON object "
        "(nested too deeply to keep as JSON text)"
    )
    assert sum(o.batch.num_rows for o in outcomes if not isinstance(o, Rejected)) == 2
