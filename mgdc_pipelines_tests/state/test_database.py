"""The state database: reachable or a clear error that never shows the password, and back when
PostgreSQL is."""

from __future__ import annotations

import traceback

import pytest
import sqlalchemy as sa

from mgdc_pipelines.launch.postgres import LocalPostgres
from mgdc_pipelines.state import STATE_DATABASE_ENV, StateDatabase, StateDatabaseError, state_database_from_environment


def test_the_tables_are_created_once_whoever_comes_first(postgres_url):
    first, second = StateDatabase(postgres_url), StateDatabase(postgres_url)
    for database in (first, second):
        with database.transaction() as connection:
            tables = connection.execute(sa.text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'mgdc_%'")).scalars()
            assert set(tables) == {"mgdc_audit_chain", "mgdc_authorizations", "mgdc_delta_links", "mgdc_delta_seen", "mgdc_delta_meta"}


def test_a_stopped_database_is_a_clear_error_without_the_password_and_the_next_call_works_again():
    with LocalPostgres.temporary() as cluster:
        database = StateDatabase(cluster.url)
        database.ensure_tables()
        cluster.stop()
        with pytest.raises(StateDatabaseError) as refused:
            with database.transaction():
                pass
        message = str(refused.value)
        assert message.startswith(f"state database postgresql://mgdc@127.0.0.1:{cluster.port}/mgdc: ")
        assert "Nothing was saved" in message
        assert cluster.password not in "".join(traceback.format_exception(refused.value))  # chained errors too
        cluster.start()
        with database.transaction() as connection:  # the pool replaces the broken connections
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
        database.dispose()


def test_a_lock_held_elsewhere_times_out_with_a_clear_error(postgres_url):
    holder, waiter = StateDatabase(postgres_url), StateDatabase(postgres_url, lock_timeout_s=0.2)
    with holder.transaction("mgdc/some/key"):
        with pytest.raises(StateDatabaseError, match="lock timeout"):
            with waiter.transaction("mgdc/some/key"):
                pass
    with waiter.transaction("mgdc/some/key"):
        pass  # free again once the holder committed


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("not a url", "is not a database URL"),
        ("postgresql://mgdc:pw@db:not-a-port/mgdc", "is not a database URL"),
        ("sqlite:///state.db", "must be a PostgreSQL URL, not 'sqlite'"),
    ],
)
def test_only_a_postgresql_url_is_accepted(url, refusal):
    with pytest.raises(StateDatabaseError, match=refusal):
        StateDatabase(url)


def test_the_deployment_environment_names_the_database_and_a_bare_postgresql_url_uses_psycopg2(monkeypatch):
    monkeypatch.delenv(STATE_DATABASE_ENV, raising=False)
    assert state_database_from_environment() is None
    monkeypatch.setenv(STATE_DATABASE_ENV, "postgresql://mgdc:pw@db.internal/mgdc")
    database = state_database_from_environment()
    assert database is state_database_from_environment()  # one pool per process
    assert database.name == "postgresql://mgdc@db.internal:5432/mgdc" and database.engine.dialect.driver == "psycopg2"
