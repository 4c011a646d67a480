"""The audit log is append-only and hash-chained: any edit, removal or reorder is found, and
concurrent writers never fork it; the access report reads it back as a table."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from pathlib import Path

import pytest

from mgdc_pipelines.consent.audit import AuditLog, AuditLogBroken, LedgerIdentity, TORN_WRITE_EVENT
from mgdc_pipelines.consent.audit_report import access_report
from mgdc_pipelines.consent.ledger import Ledger, MemoryAnchor
from mgdc_pipelines_tests.consent.helpers import ADMIN, NOW

FINGERPRINT = "ab12" * 16
APP = LedgerIdentity("demo", "7afa5ac9-c126-563f-ab81-5611ae5bbe41", "884d4683-c007-5d56-9024-62e767f7906c")
OTHER_APP = LedgerIdentity("demo", "3c1f7a52-0b9e-5d4e-a6f1-2f8d9e0c7b13", APP.tenant_id)


def _log(tmp_path: Path, identity: LedgerIdentity = APP) -> AuditLog:
    return AuditLog(tmp_path / "state" / "demo.audit-chain.jsonl", identity)


def _decision(log: AuditLog, event: str = "approved", **fields) -> dict:
    return log.append(event, app_id=log.identity.app_id, tenant_id=log.identity.tenant_id, approver=ADMIN,
                      fingerprint=FINGERPRINT, authorization="d" * 64, **fields)


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines()


def _rewrite(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(line + "\n" for line in lines))


@pytest.fixture
def log(tmp_path) -> AuditLog:
    log = _log(tmp_path)
    _decision(log)
    for day in range(3):
        log.append("partition_committed", at=NOW + dt.timedelta(days=day), dataset="BasicDataSet_v0.User_v1",
                   partition=f"BasicDataSet_v0.User_v1/date=2026-11-2{day}/scope=all", rows=40)
    return log


def test_each_record_chains_to_the_one_before_and_the_first_to_the_app(log):
    records = [json.loads(line) for line in _lines(log)]
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev"] == APP.genesis
    assert all(later["prev"] == earlier["hash"] for earlier, later in zip(records, records[1:]))
    assert log.verify().seq == 4 and log.entries() == records


def test_appending_never_rewrites_what_is_there_and_files_are_owner_only(log):
    before = log.path.read_bytes()
    log.append("refused", check="columns")
    assert log.path.read_bytes().startswith(before)
    assert log.path.stat().st_mode & 0o077 == 0


def test_an_edited_record_breaks_the_chain_at_that_record(log):
    lines = _lines(log)
    record = json.loads(lines[2])
    record["rows"] = 4000
    lines[2] = json.dumps(record)
    _rewrite(log, lines)
    with pytest.raises(AuditLogBroken, match="broken at record 3: its content does not match its hash"):
        log.verify()


def test_a_removed_record_breaks_the_chain_at_the_next_one(log):
    lines = _lines(log)
    del lines[1]
    _rewrite(log, lines)
    with pytest.raises(AuditLogBroken, match="broken at record 2"):
        log.verify()


def test_reordered_records_break_the_chain(log):
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    _rewrite(log, lines)
    with pytest.raises(AuditLogBroken, match="broken at record 2"):
        log.verify()


def test_a_recomputed_record_still_breaks_the_link_after_it(log):
    """An attacker who edits a record AND recomputes its hash breaks the next record's `prev`."""
    from mgdc_pipelines.consent.audit import record_hash

    lines = _lines(log)
    record = json.loads(lines[1])
    record["rows"] = 0
    record["hash"] = record_hash(record)
    lines[1] = json.dumps(record)
    _rewrite(log, lines)
    with pytest.raises(AuditLogBroken, match="broken at record 3: its link to the record before does not match"):
        log.verify()


def test_another_apps_log_does_not_verify_as_this_ones(tmp_path):
    other = _log(tmp_path, OTHER_APP)
    _decision(other)
    with pytest.raises(AuditLogBroken, match="record 1: .*another app's log"):
        AuditLog(other.path, APP).verify()


def test_the_first_record_must_be_a_decision(tmp_path):
    log = _log(tmp_path)
    log.append("partition_committed", rows=1)
    with pytest.raises(AuditLogBroken, match="first record must be an admin's decision"):
        log.verify()


def test_cutting_records_off_the_end_is_found_by_the_anchor(log):
    anchor = MemoryAnchor()
    ledger = Ledger(log, anchor)
    assert ledger.state().position.seq == 4  # anchored at record 4
    _rewrite(log, _lines(log)[:3])
    assert log.verify().seq == 3, "a shorter chain verifies on its own..."
    with pytest.raises(AuditLogBroken, match="broken at record 4: record 4 is not the one the Dagster instance anchored"):
        ledger.state()


def test_a_freshly_computed_log_is_found_by_the_anchor(tmp_path):
    first = _log(tmp_path)
    _decision(first)
    first.append("suspended", reason="body written", dataset="BasicDataSet_v0.Message_v1", partitions=[], paths=[])
    anchor = MemoryAnchor()
    Ledger(first, anchor).state()
    first.path.unlink()
    _decision(first)  # a brand-new, internally valid chain without the suspension
    with pytest.raises(AuditLogBroken, match="not the one the Dagster instance anchored"):
        Ledger(first, anchor).state()


def test_a_deleted_or_moved_log_is_found_by_the_anchor(log, tmp_path):
    anchor = MemoryAnchor()
    Ledger(log, anchor).state()
    moved = AuditLog(tmp_path / "elsewhere" / log.path.name, APP)
    with pytest.raises(AuditLogBroken, match="the log is missing, but the Dagster instance anchors 4 records"):
        Ledger(moved, anchor).state()
    moved.path.parent.mkdir()
    log.path.rename(moved.path)  # the same content elsewhere is the same chain
    assert Ledger(moved, anchor).state().position.seq == 4


def test_a_torn_write_is_not_a_record_and_the_next_append_accounts_for_it(log):
    with log.path.open("a") as handle:
        handle.write('{"seq": 5, "at": "2026-11-2')  # a crash mid-write
    assert log.verify().seq == 4
    log.append("partition_committed", rows=1)
    events = [entry["event"] for entry in log.entries()]
    assert events[-2:] == [TORN_WRITE_EVENT, "partition_committed"]
    assert log.verify().seq == 6


def _append_many(path: str, worker: int, count: int) -> None:
    log = AuditLog(path, APP)
    for number in range(count):
        log.append("partition_committed", worker=worker, number=number)


def test_concurrent_writers_never_fork_the_chain(log):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(log.path), worker, 40)) for worker in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [process.exitcode for process in workers] == [0, 0, 0, 0]
    assert log.verify().seq == 4 + 4 * 40


def test_before_write_sees_the_record_before_the_file_holds_it_and_can_stop_it(log):
    """The ledger's witness is kept before any reader can see the record; if keeping it fails,
    the record is not written and the chain goes on as if it had never been tried."""
    in_file_when_witnessed = []

    def witness(record):
        in_file_when_witnessed.append(record["hash"] in log.path.read_text())

    record = log.append("partition_committed", before_write=witness, rows=1)
    assert in_file_when_witnessed == [False] and _lines(log)[-1] == json.dumps(record, ensure_ascii=False)

    def failing(record):
        raise OSError("the Dagster instance is unreachable")

    with pytest.raises(OSError, match="unreachable"):
        log.append("partition_committed", before_write=failing, rows=2)
    assert log.entries()[-1] == record and log.append("partition_committed", rows=3)["seq"] == record["seq"] + 1
    assert log.verify().seq == record["seq"] + 1


WITHHELD_DATASET = "BasicDataSet_v0.User_v1"
WITHHELD_PATH = "BasicDataSet_v0.User_v1/date=2026-11-20/scope=all"


def _anchored_ledger(tmp_path) -> tuple[Ledger, AuditLog]:
    """An approved app's ledger, anchored in memory (which witnesses its commits)."""
    log = _log(tmp_path)
    _decision(log)
    return Ledger(log, MemoryAnchor()), log


def _suspend_withheld(ledger: Ledger) -> None:
    ledger.append("suspended", reason="leak", dataset=WITHHELD_DATASET, partitions=["2026-11-20|all"],
                  paths=[WITHHELD_PATH])


def test_only_a_commit_the_anchor_witnessed_releases_a_withheld_partition(tmp_path):
    """A copy of a witnessed commit record appended later (a replay) is not witnessed itself:
    its hash names its place in the chain."""
    dataset, path = WITHHELD_DATASET, WITHHELD_PATH
    ledger, log = _anchored_ledger(tmp_path)
    _suspend_withheld(ledger)
    witnessed = ledger.append("partition_committed", dataset=dataset, partition=path, rows=40)
    assert ledger.state().withheld[dataset] == {}
    _suspend_withheld(ledger)
    log.append("partition_committed", **{k: v for k, v in witnessed.items() if k not in ("seq", "at", "prev", "hash", "event")})
    state = ledger.state()
    assert list(state.withheld[dataset]) == [path]
    assert (state.unwitnessed, state.unwitnessed_records) == (1, [witnessed["seq"] + 2])
    log.append("partition_committed", dataset=dataset, partition=path.replace("11-20", "11-21"))
    assert ledger.state().unwitnessed == 1  # a partition nothing withholds has nothing to release


def test_a_withheld_partition_is_withdrawn_until_flagged_again_or_replaced(tmp_path):
    dataset, path = WITHHELD_DATASET, WITHHELD_PATH
    ledger, _ = _anchored_ledger(tmp_path)
    _suspend_withheld(ledger)
    assert ledger.state().withdrawn == {}
    ledger.append("partition_withdrawn", dataset=dataset, partition=path.replace("11-20", "11-21"))
    assert ledger.state().withdrawn == {}  # not a withheld partition
    ledger.append("partition_withdrawn", dataset=dataset, partition=path)
    assert ledger.state().withdrawn == {dataset: [path]}
    _suspend_withheld(ledger)  # flagged again: what the sink holds now was not withdrawn
    assert ledger.state().withdrawn == {}
    ledger.append("partition_withdrawn", dataset=dataset, partition=path)
    ledger.append("partition_committed", dataset=dataset, partition=path)
    state = ledger.state()
    assert (state.withheld[dataset], state.withdrawn) == ({}, {})


def test_a_suspension_the_anchor_did_not_witness_stops_and_withholds_but_says_so(tmp_path):
    """Appended past the ledger (by hand): it still suspends and withholds (both only stop data),
    but its facts say it was not witnessed, whatever its own fields claim, and it is counted."""
    dataset, path = WITHHELD_DATASET, WITHHELD_PATH
    ledger, log = _anchored_ledger(tmp_path)
    _suspend_withheld(ledger)
    forged = log.append("suspended", reason="by hand", dataset=dataset, partitions=["2026-11-21|all"],
                        paths=[path.replace("11-20", "11-21")], unwitnessed=False, witnessed=True)

    state = ledger.state()

    witnessed = {sid: facts["witnessed"] for sid, facts in state.active_suspensions.items()}
    assert witnessed == {forged["hash"]: False, **{sid: True for sid in witnessed if sid != forged["hash"]}}
    assert len(witnessed) == 2 and sorted(state.withheld[dataset]) == [path, path.replace("11-20", "11-21")]
    assert (state.unwitnessed, state.unwitnessed_records) == (1, [forged["seq"]])


def test_a_suspension_the_anchor_did_not_witness_cannot_take_over_a_withheld_partition(tmp_path):
    """Appended by hand naming a partition a real suspension withholds, it must not become the
    suspension that withholds it: runs would stop withdrawing it (they withdraw only what a
    witnessed suspension flagged), and its recorded withdrawal would be forgotten."""
    dataset, path = WITHHELD_DATASET, WITHHELD_PATH
    ledger, log = _anchored_ledger(tmp_path)
    _suspend_withheld(ledger)
    real = next(iter(ledger.state().active_suspensions))
    ledger.append("partition_withdrawn", dataset=dataset, partition=path)
    forged = log.append("suspended", reason="by hand", dataset=dataset,
                        partitions=["2026-11-20|all"], paths=[path])

    state = ledger.state()

    assert state.withheld[dataset] == {path: real} and state.withdrawn == {dataset: [path]}
    assert state.active_suspensions[forged["hash"]]["witnessed"] is False  # it still stops the app


def test_a_withdrawal_the_anchor_did_not_witness_is_not_taken_as_done(tmp_path):
    dataset, path = WITHHELD_DATASET, WITHHELD_PATH
    ledger, log = _anchored_ledger(tmp_path)
    _suspend_withheld(ledger)
    forged = log.append("partition_withdrawn", dataset=dataset, partition=path)
    state = ledger.state()
    assert state.withdrawn == {} and (state.unwitnessed, state.unwitnessed_records) == (1, [forged["seq"]])
    ledger.append("partition_withdrawn", dataset=dataset, partition=path)  # what the runtime does
    assert ledger.state().withdrawn == {dataset: [path]}


def test_without_an_anchor_a_release_is_kept_as_unverified_whatever_the_record_claims(tmp_path):
    """With no witness to ask, a commit of a withheld partition is taken as recorded, but the
    state keeps the release as unverified (reports list the partition): a record claiming
    ``unverified: false`` changes nothing, a suspension that flags the partition again takes it
    back, and the lifted suspension's facts are kept while a release refers to it."""
    dataset, path = WITHHELD_DATASET, WITHHELD_PATH
    log = _log(tmp_path)
    _decision(log)
    ledger = Ledger(log)
    _suspend_withheld(ledger)
    suspension = next(iter(ledger.state().active_suspensions))
    log.append("partition_committed", dataset=dataset, partition=path, unverified=False)
    _decision(log, lifts=[suspension])

    state = ledger.state()

    assert state.withheld[dataset] == {}
    assert state.released_unverified == {dataset: {path: suspension}}
    assert state.suspensions[suspension]["lifted_by"] is not None  # kept: the release names it
    _suspend_withheld(ledger)
    state = ledger.state()
    assert list(state.withheld[dataset]) == [path] and state.released_unverified == {}


def test_an_anchored_ledger_never_keeps_a_release_as_unverified(tmp_path):
    """Anchored, a commit is witnessed (it releases) or not (it releases nothing): neither is
    left to doubt, whatever the record's own fields claim."""
    dataset, path = WITHHELD_DATASET, WITHHELD_PATH
    ledger, log = _anchored_ledger(tmp_path)
    _suspend_withheld(ledger)
    log.append("partition_committed", dataset=dataset, partition=path, unverified=True)
    assert ledger.state().released_unverified == {}
    ledger.append("partition_committed", dataset=dataset, partition=path, unverified=True)
    state = ledger.state()
    assert (state.withheld[dataset], state.released_unverified) == ({}, {})


def test_since_keeps_events_at_or_after_it(tmp_path):
    log = _log(tmp_path)
    _decision(log, at=NOW - dt.timedelta(days=1))
    for days in range(3):
        log.append("copied", at=NOW + dt.timedelta(days=days), partition=f"day {days}")
    since = NOW + dt.timedelta(days=1)
    assert [entry["partition"] for entry in log.entries(since=since)] == ["day 1", "day 2"]
    assert AuditLog(tmp_path / "none.jsonl", APP).entries() == []


def test_fields_must_be_json_values_and_chain_keys_are_the_logs(tmp_path):
    log = _log(tmp_path)
    with pytest.raises(TypeError, match="JSON values"):
        log.append("approved", when=NOW)
    with pytest.raises(ValueError, match="set by the log itself"):
        log.append("approved", seq=7)


def test_access_report_is_a_table_of_who_accessed_what(tmp_path):
    log = _log(tmp_path)
    _decision(log, datasets=["Message_v1", "User_v1"])
    log.append("copied", at=NOW + dt.timedelta(hours=1), dataset="BasicDataSet_v0.Message_v1",
               partition="2026-11-20|sales", rows=1234, columns=["id", "subject"], scope="sales",
               destination="file:///data/mgdc_data/BasicDataSet_v0.Message_v1/date=2026-11-20/scope=sales")
    report = access_report(log.entries())
    header, rule, approved, copied = report.splitlines()
    for column in ("TIME (UTC)", "EVENT", "DATASET", "PARTITION", "ROWS", "COLUMNS", "SCOPE", "DESTINATION", "DETAIL"):
        assert column in header
    assert set(rule) <= {"-", " "}
    assert f"approver={ADMIN}" in approved and f"fingerprint={FINGERPRINT[:12]}" in approved
    assert FINGERPRINT not in approved and "prev=" not in approved and "hash=" not in approved
    for value in ("copied", "Message_v1", "2026-11-20|sales", "1234", "id, subject", "sales"):
        assert value in copied
    assert "BasicDataSet_v0." not in copied.split("file://")[0]
    assert copied.index("1234") == header.index("ROWS")


def test_access_report_without_events():
    assert access_report([]) == "no audit events"
