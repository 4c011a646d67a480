"""Moving an app from files to the state database keeps its whole history: the same chain (the
instance's anchor still matches), the suspension in force, the authorization and the delta state."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
import sqlalchemy as sa

from mgdc_pipelines.cli import main
from mgdc_pipelines.consent.audit import AuditLogBroken
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.defs.ledger_anchor import InstanceLedgerAnchor
from mgdc_pipelines.sources.graph.delta_state import DeltaStore
from mgdc_pipelines.sources.graph.delta_state_database import DatabaseDeltaStore
from mgdc_pipelines.state import STATE_DATABASE_ENV, StateDatabase
from mgdc_pipelines.state.database import audit_chain
from mgdc_pipelines.state.migrate import migrate_app, migrate_delta_state


def test_an_app_moved_to_the_database_keeps_its_chain_anchor_and_suspension(small_spec, postgres_url, monkeypatch, capsys):
    with dg.instance_for_test() as instance:
        on_files = ConsentStore.of(small_spec, anchor=InstanceLedgerAnchor(instance))
        on_files.record("partition_committed", dataset="BasicDataSet_v0.User_v1", partition="p", rows=3)
        suspension = on_files.suspend("body written", dataset="BasicDataSet_v0.Message_v1", partitions=[],
                                      fingerprint=on_files.authorization().fingerprint)

        monkeypatch.setenv(STATE_DATABASE_ENV, postgres_url)
        assert main(["state", "migrate", "--spec", small_spec.spec_path]) == 0
        assert "3 audit records copied (0 already there), authorization kept" in capsys.readouterr().out

        on_database = ConsentStore.of(small_spec, anchor=InstanceLedgerAnchor(instance))
        small_spec.consent.authorization_path().unlink()  # a worker with no file: the kept one is used
        view = on_database.view()
        assert [s.id for s in view.suspensions] == [suspension.id] and view.authorization is not None
        assert [r["hash"] for r in on_database.audit.entries()] == [r["hash"] for r in on_files.audit.entries()]

        assert main(["state", "migrate", "--spec", small_spec.spec_path]) == 0  # again: nothing to copy
        assert "0 audit records copied (3 already there)" in capsys.readouterr().out


def test_a_database_holding_another_chain_for_the_app_is_refused(small_spec, postgres_url, monkeypatch):
    monkeypatch.setenv(STATE_DATABASE_ENV, postgres_url)
    database = StateDatabase(postgres_url)
    on_database = ConsentStore.of(small_spec, database=database)
    on_database.audit.append("approved", authorization="another decision", lifts=[])  # another chain
    with pytest.raises(AuditLogBroken, match="broken at record 1: it differs from record 1 of .*audit-chain.jsonl"):
        migrate_app(small_spec, database)
    with database.transaction() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(audit_chain)).scalar() == 1  # nothing added


def test_delta_links_and_index_move_with_their_dataset_and_scope(tmp_path, postgres_url):
    files = DeltaStore(tmp_path / "graph")
    with files.session("Message_v1", "sales") as state:
        state.record([("AAMkA1", dt.date(2026, 11, 18))], previous=False)
        state.save_links({"u1/inbox": "https://graph.example/v1.0/...$deltatoken=abc"}, "receivedDateTime")
    files.save("User_v1", "all", {"": "https://graph.example/v1.0/users/delta?$deltatoken=def"})

    database = DatabaseDeltaStore(StateDatabase(postgres_url), "tenant/app")
    assert migrate_delta_state(tmp_path / "graph", database) == 2

    assert database.load("User_v1", "all") == files.load("User_v1", "all")
    with database.session("Message_v1", "sales") as state:
        assert (state.links, state.date_column) == (files.load("Message_v1", "sales"), "receivedDateTime")
        assert state.forget(["AAMkA1"]) == {"AAMkA1": dt.date(2026, 11, 18)}


def test_migrating_needs_the_database_named(small_spec, monkeypatch, capsys):
    monkeypatch.delenv(STATE_DATABASE_ENV, raising=False)
    assert main(["state", "migrate", "--spec", small_spec.spec_path]) != 0
    assert "MGDC_STATE_DATABASE is not set: it names the database to migrate into" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["postgresql://mgdc:SENTINEL-pw@db:not-a-port/mgdc",
                                 "mysql://mgdc:SENTINEL-pw@db/mgdc"])
def test_a_malformed_state_database_url_is_a_clear_refusal_not_a_bug(small_spec, monkeypatch, capsys, url):
    monkeypatch.setenv(STATE_DATABASE_ENV, url)
    assert main(["state", "migrate", "--spec", small_spec.spec_path]) == 1
    err = capsys.readouterr().err
    assert err.startswith(STATE_DATABASE_ENV) and "internal error" not in err and "SENTINEL" not in err
