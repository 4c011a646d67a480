"""The audit log only grows, filters by time, and reads back as a who-accessed-what table."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mgdc_pipelines.consent.audit import AuditLog, access_report
from mgdc_pipelines.consent.errors import ConsentError
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines_tests.consent.helpers import ADMIN, NOW

FINGERPRINT = "ab12" * 16


def _log(tmp_path) -> AuditLog:
    return AuditLog(tmp_path / "state" / "demo.audit.jsonl")


def test_append_creates_the_folder_and_writes_one_json_object_per_line(tmp_path):
    log = _log(tmp_path)
    entry = log.append("approved", at=NOW, approver=ADMIN, fingerprint=FINGERPRINT, datasets=["Message_v1"])
    assert entry == {"at": "2026-11-20T12:00:00+00:00", "event": "approved", "approver": ADMIN,
                     "fingerprint": FINGERPRINT, "datasets": ["Message_v1"]}
    assert [json.loads(line) for line in log.path.read_text().splitlines()] == [entry]
    assert log.entries() == [entry]


def test_appending_never_rewrites_what_is_there(tmp_path):
    log = _log(tmp_path)
    log.append("approved", at=NOW, approver=ADMIN)
    log.append("copied", at=NOW, dataset="BasicDataSet_v0.User_v1", rows=40)
    before = log.path.read_bytes()
    log.append("refused", check="columns")
    after = log.path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 3
    assert [entry["event"] for entry in log.entries()] == ["approved", "copied", "refused"]


def test_at_defaults_to_now_in_utc(tmp_path):
    before = dt.datetime.now(dt.timezone.utc)
    entry = _log(tmp_path).append("copied")
    assert before <= dt.datetime.fromisoformat(entry["at"]) <= dt.datetime.now(dt.timezone.utc)


def test_since_keeps_events_at_or_after_it(tmp_path):
    log = _log(tmp_path)
    for days in range(3):
        log.append("copied", at=NOW + dt.timedelta(days=days), partition=f"day {days}")
    since = NOW + dt.timedelta(days=1)
    assert [entry["partition"] for entry in log.entries(since=since)] == ["day 1", "day 2"]
    assert log.entries(since=NOW + dt.timedelta(days=9)) == []
    assert AuditLog(tmp_path / "none.jsonl").entries() == []


def test_fields_must_be_json_values(tmp_path):
    with pytest.raises(TypeError, match="JSON values"):
        _log(tmp_path).append("copied", when=NOW)


def test_a_torn_line_stays_alone_and_is_reported(tmp_path):
    log = _log(tmp_path)
    log.append("approved", at=NOW)
    with log.path.open("a") as handle:
        handle.write('{"at": "2026-11-2')  # a crash mid-write
    log.append("copied", at=NOW)
    lines = log.path.read_text().splitlines()
    assert json.loads(lines[-1])["event"] == "copied"
    with pytest.raises(ConsentError, match=r"demo.audit.jsonl:2 is not a JSON line"):
        log.entries()


def test_suspending_records_and_audits(make_spec):
    spec = make_spec()
    store = ConsentStore(spec.consent, spec.name)
    suspension = store.suspend("body written", dataset="BasicDataSet_v0.Message_v1", partitions=("2026-11-20|all",),
                               fingerprint=FINGERPRINT, now=NOW)
    assert store.recorded_suspension() == suspension
    assert store.suspension_path == store.state_dir / "demo.suspension.json"
    (event,) = store.audit.entries()
    assert event["event"] == "suspended" and event["reason"] == "body written"
    assert event["partitions"] == ["2026-11-20|all"] and event["at"] == "2026-11-20T12:00:00+00:00"


def test_access_report_is_a_table_of_who_accessed_what(tmp_path):
    log = _log(tmp_path)
    log.append("approved", at=NOW, approver=ADMIN, fingerprint=FINGERPRINT, datasets=["Message_v1", "User_v1"])
    log.append("copied", at=NOW + dt.timedelta(hours=1), dataset="BasicDataSet_v0.Message_v1",
               partition="2026-11-20|sales", rows=1234, columns=["id", "subject"], scope="sales",
               destination="file:///data/mgdc_data/BasicDataSet_v0.Message_v1/date=2026-11-20/scope=sales")
    report = access_report(log.entries())
    header, rule, approved, copied = report.splitlines()
    for column in ("TIME (UTC)", "EVENT", "DATASET", "PARTITION", "ROWS", "COLUMNS", "SCOPE", "DESTINATION", "DETAIL"):
        assert column in header
    assert set(rule) <= {"-", " "}
    assert approved.startswith("2026-11-20 12:00:00  approved")
    assert f"approver={ADMIN}" in approved and f"fingerprint={FINGERPRINT[:12]}" in approved
    assert FINGERPRINT not in approved
    for value in ("2026-11-20 13:00:00", "copied", "Message_v1", "2026-11-20|sales", "1234", "id, subject", "sales"):
        assert value in copied
    assert "BasicDataSet_v0." not in copied.split("file://")[0]
    assert copied.index("1234") == header.index("ROWS")


def test_access_report_without_events():
    assert access_report([]) == "no audit events"
