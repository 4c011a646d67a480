"""The audit chain in the state database: one chain however many workers append at once, edits
and cut-offs refused, and the recorded authorization found by workers that have no file."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from mgdc_pipelines.consent.audit import AuditLogBroken
from mgdc_pipelines.consent.audit_database import DatabaseAuditLog
from mgdc_pipelines.consent.errors import AuthorizationInvalid
from mgdc_pipelines.consent.ledger import Ledger, MemoryAnchor
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.state import StateDatabase
from mgdc_pipelines.state.database import audit_chain, authorizations
from mgdc_pipelines_tests.state.workers import APP, append_audit_records, run_in_parallel

WORKERS, APPENDS_EACH = 4, 25


def test_workers_appending_at_once_never_fork_the_chain(postgres_url):
    log = DatabaseAuditLog(StateDatabase(postgres_url), APP)
    log.append("approved", authorization="d1", lifts=[])

    assert run_in_parallel(append_audit_records, postgres_url, WORKERS, APPENDS_EACH) == [0] * WORKERS

    records = log.entries()
    assert [r["seq"] for r in records] == list(range(1, 2 + WORKERS * APPENDS_EACH))  # one chain, no gap
    assert sorted((r["worker"], r["n"]) for r in records[1:]) == [(w, n) for w in range(WORKERS) for n in range(APPENDS_EACH)]
    assert log.verify().seq == 1 + WORKERS * APPENDS_EACH


def _ledger(url: str) -> tuple[Ledger, DatabaseAuditLog, StateDatabase]:
    database = StateDatabase(url)
    log = DatabaseAuditLog(database, APP)
    return Ledger(log, MemoryAnchor()), log, database


def test_an_edited_record_breaks_the_chain(postgres_url):
    ledger, log, database = _ledger(postgres_url)
    ledger.append("approved", authorization="d1", lifts=[])
    ledger.append("partition_committed", rows=40)
    with database.transaction() as connection:
        record = json.loads(connection.execute(sa.select(audit_chain.c.record).where(audit_chain.c.seq == 2)).scalar_one())
        edited = json.dumps({**record, "rows": 41})  # only the content: seq, links and hash as they were
        connection.execute(audit_chain.update().where(audit_chain.c.seq == 2).values(record=edited))
    with pytest.raises(AuditLogBroken, match="broken at record 2: its content does not match its hash: it was edited"):
        log.verify()


def test_records_cut_off_the_end_or_a_deleted_chain_are_refused_by_the_anchor(postgres_url):
    ledger, log, database = _ledger(postgres_url)
    ledger.append("approved", authorization="d1", lifts=[])
    ledger.append("suspended", reason="body written", dataset="BasicDataSet_v0.Message_v1", partitions=[], paths=[])
    with database.transaction() as connection:
        connection.execute(audit_chain.delete().where(audit_chain.c.seq == 2))  # "forget" the suspension
    with pytest.raises(AuditLogBroken, match="record 2 is not the one the Dagster instance anchored"):
        ledger.state()
    with database.transaction() as connection:
        connection.execute(audit_chain.delete())
    with pytest.raises(AuditLogBroken, match="the log is missing, but the Dagster instance anchors 2 records"):
        ledger.state()


def test_a_worker_without_the_authorization_file_runs_on_the_recorded_one(small_spec, postgres_url, admin_keys, tmp_path):
    database = StateDatabase(postgres_url)
    admin = ConsentStore.of(small_spec, anchor=MemoryAnchor(), database=database)
    assert admin.record_decision() is not None  # the fixture's approval, recorded by the admin

    # Another machine: the same spec, but no authorization file (nor state folder) there.
    worker_spec = small_spec.model_copy(
        update={"consent": small_spec.consent.model_copy(update={"authorization": str(tmp_path / "elsewhere" / "none.json")})}
    )
    worker = ConsentStore.of(worker_spec, anchor=MemoryAnchor(), database=database)
    view = worker.view()
    assert view.authorization is not None and view.authorization.digest == admin.authorization().digest
    assert view.authorization.decision == "approved" and not view.suspensions

    with database.transaction() as connection:  # the stored document is tampered with
        connection.execute(authorizations.update().values(document=sa.func.replace(authorizations.c.document, "approved", "approvee")))
    with pytest.raises(AuthorizationInvalid, match="recorded authorization .* is invalid"):
        worker.view()


def test_no_state_files_are_written_when_the_state_lives_in_the_database(small_spec, postgres_url):
    store = ConsentStore.of(small_spec, anchor=MemoryAnchor(), database=StateDatabase(postgres_url))
    for log_file in store.state_dir.glob("*.audit-chain.jsonl"):
        log_file.unlink()  # the fixture's approval was recorded in a file
    store.record_decision()
    store.record("partition_committed", dataset="BasicDataSet_v0.User_v1", partition="p", rows=3)
    assert not list(store.state_dir.glob("*.audit-chain.jsonl"))
    assert [r["event"] for r in store.audit.entries()] == ["approved", "partition_committed"]


def test_before_write_runs_before_the_record_is_visible_and_can_stop_it(postgres_url):
    """As with the file log: the witness is kept while no other connection can read the record."""
    log = DatabaseAuditLog(StateDatabase(postgres_url), APP)
    log.append("approved", authorization="d1", lifts=[])
    seen_when_witnessed = []
    record = log.append("partition_committed", rows=1,
                        before_write=lambda record: seen_when_witnessed.append(len(log.entries())))
    assert seen_when_witnessed == [1] and log.entries()[-1] == record

    def failing(record):
        raise OSError("the Dagster instance is unreachable")

    with pytest.raises(OSError, match="unreachable"):
        log.append("partition_committed", rows=2, before_write=failing)
    assert log.entries()[-1] == record and log.verify().seq == 2
