"""Consent in Dagster runs with the state in PostgreSQL: the same gate, checks and suspension as
with files, recorded where every worker sees them and nothing on the workers' disks."""

from __future__ import annotations

import pytest

from mgdc_pipelines.consent.audit_database import DatabaseAuditLog
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs import resource_keys
from mgdc_pipelines.state import STATE_DATABASE_ENV
from mgdc_pipelines_tests.defs.test_consent_assets import CALLS, CountingSink, counting_resources, failure_message, run


@pytest.fixture
def state_database(postgres_url, monkeypatch) -> str:
    """The operator points every Dagster process at the state database."""
    monkeypatch.setenv(STATE_DATABASE_ENV, postgres_url)
    return postgres_url


def test_runs_record_commits_and_a_suspension_in_the_state_database_and_refuse_after_it(state_database, small_spec_factory):
    spec = small_spec_factory()  # the admin's approval is recorded in the database
    result, _, checks, _ = run(spec, "Message_v1")
    assert result.success and all(check.passed for check in checks.values())

    store = ConsentStore.of(spec)
    assert isinstance(store.audit, DatabaseAuditLog)
    assert [e["event"] for e in store.audit.entries()] == ["approved", "partition_committed"]
    assert not list(store.state_dir.glob("*.audit-chain.jsonl"))  # nothing on this worker's disk

    corrupting = {**counting_resources(spec), resource_keys(spec).sink: CountingSink(path=str(spec.sink.resolved_path()), corrupt_after_commit=True)}
    result, _, checks, _ = run(spec, "User_v1", resources=corrupting)
    assert not result.success and not checks["consented_columns"].passed

    # Another worker, without the authorization file, sees the suspension and refuses before any I/O.
    spec.consent.authorization_path().unlink()
    CALLS.update(extract=0, open_partition=0)
    _, _, _, failure = run(spec, "Message_v1")
    assert "consent check 'not_suspended' refused" in failure_message(failure)
    assert CALLS == {"extract": 0, "open_partition": 0}


def test_audit_verify_checks_the_chain_in_the_state_database_without_showing_its_password(state_database, small_spec, capsys):
    from mgdc_pipelines.cli import main

    ConsentStore.of(small_spec).record("partition_committed", dataset="BasicDataSet_v0.User_v1", partition="p", rows=1)
    assert main(["audit", "verify", "--spec", small_spec.spec_path]) == 0
    out = capsys.readouterr().out
    assert "table mgdc_audit_chain" in out and "2 records, chain intact" in out
    password = state_database.split(":")[2].split("@")[0]
    assert password not in out
