"""Graph delta state in the state database: workers on different machines continue each other's
delta, concurrent sessions lose no link, and a failed index update leaves the link where it was."""

from __future__ import annotations

import pytest

from mgdc_pipelines.sources.graph.delta_state_database import DatabaseDeltaStore
from mgdc_pipelines.state import STATE_DATABASE_ENV, StateDatabase, StateDatabaseError
from mgdc_pipelines_tests.sources.graph.conftest import DAY, make_graph
from mgdc_pipelines_tests.sources.graph.test_delta import copied_sent_item, emulator, sales_scope  # noqa: F401 (fixture)
from mgdc_pipelines_tests.state.workers import DELTA_NAMESPACE, advance_delta_counter, run_in_parallel

WORKERS, SESSIONS_EACH = 4, 15


@pytest.fixture
def shared_state(postgres_url, monkeypatch) -> StateDatabase:
    """The deployment's state database, as every Dagster process would see it."""
    monkeypatch.setenv(STATE_DATABASE_ENV, postgres_url)
    return StateDatabase(postgres_url)


def test_a_deletion_is_placed_by_a_worker_on_another_machine(emulator, tenant, tmp_path, shared_state):
    sales = sales_scope(tenant)
    first = make_graph(emulator, tmp_path / "machine-a", page_size=1000)
    message = copied_sent_item(first, sales)
    first.changes("SentItem_v1", sales, now=emulator.now())
    emulator.delete_message(message["puser"], message["id"])

    other_machine = make_graph(emulator, tmp_path / "machine-b", page_size=1000)  # no state on its disk
    later = other_machine.changes("SentItem_v1", sales, now=emulator.now())

    assert (later.removed_ids, later.partition_dates, later.undated_ids, later.initial) == ((message["id"],), (DAY,), (), False)
    assert not list(tmp_path.rglob("*.sqlite"))  # nothing was kept in files


def test_the_delta_link_does_not_advance_when_the_state_cannot_be_locked(emulator, tenant, tmp_path, shared_state):
    sales = sales_scope(tenant)
    graph = make_graph(emulator, tmp_path / "delta", page_size=1000, state_lock_timeout_s=0.2)
    message = copied_sent_item(graph, sales)
    graph.changes("SentItem_v1", sales, now=emulator.now())
    store = graph.delta_store()
    links = store.load("SentItem_v1", "sales")
    emulator.delete_message(message["puser"], message["id"])

    with store.session("SentItem_v1", "sales"):  # another worker is mid-read on the same delta
        with pytest.raises(StateDatabaseError, match="lock timeout.*Nothing was saved"):
            graph.changes("SentItem_v1", sales, now=emulator.now())

    assert store.load("SentItem_v1", "sales") == links
    retried = graph.changes("SentItem_v1", sales, now=emulator.now())
    assert (retried.removed_ids, retried.partition_dates) == ((message["id"],), (DAY,))


def test_concurrent_sessions_on_one_delta_lose_no_link(postgres_url):
    assert run_in_parallel(advance_delta_counter, postgres_url, WORKERS, SESSIONS_EACH) == [0] * WORKERS

    store = DatabaseDeltaStore(StateDatabase(postgres_url), DELTA_NAMESPACE)
    assert store.load("User_v1", "all") == {"": str(WORKERS * SESSIONS_EACH)}
    with store.session("User_v1", "all") as state:
        ids = [f"user-{n}" for n in range(WORKERS * SESSIONS_EACH)]
        assert len(state.forget(ids)) == WORKERS * SESSIONS_EACH  # every session's index row committed


def test_apps_and_scopes_keep_their_own_delta_state(postgres_url):
    database = StateDatabase(postgres_url)
    one, other = DatabaseDeltaStore(database, "tenant/app-1"), DatabaseDeltaStore(database, "tenant/app-2")
    one.save("User_v1", "all", {"": "link-1"})
    other.save("User_v1", "all", {"": "link-2"})
    one.save("User_v1", "sales", {"": "link-3"})
    assert (one.load("User_v1", "all"), other.load("User_v1", "all"), one.load("User_v1", "sales")) == (
        {"": "link-1"}, {"": "link-2"}, {"": "link-3"},
    )
    with pytest.raises(ValueError, match="must be a dataset name or scope alias"):
        one.load("User_v1", "../all")
