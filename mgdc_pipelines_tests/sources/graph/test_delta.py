"""Delta queries: a baseline first, then only what changed (updates and `@removed` deletions)."""

from __future__ import annotations

import datetime as dt

import sqlite3
from contextlib import closing

import pytest

from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines.sources.graph import DeltaStore
from mgdc_pipelines_tests.sources.graph.conftest import DAY, make_graph, request_for, start_emulator, window


@pytest.fixture
def emulator():
    """Its own emulator: deleting and updating data must not leak into other tests."""
    with start_emulator() as emu:
        emu.set_clock(window(DAY).end)
        yield emu


@pytest.fixture
def graph(emulator, tmp_path):
    return make_graph(emulator, tmp_path / "delta")


def tick(emu, seconds: float = 1.0) -> dt.datetime:
    emu.set_clock(emu.now() + dt.timedelta(seconds=seconds))
    return emu.now()


def test_user_delta_reports_the_baseline_then_only_the_updated_user(emulator, graph, tenant, tmp_path):
    everyone = Scope.everyone()
    baseline = graph.changes("User_v1", everyone, now=emulator.now())
    assert baseline.initial and len(baseline.changed_ids) >= tenant.valid_user_count
    assert not graph.changes("User_v1", everyone, now=emulator.now()).has_changes  # nothing happened

    user = tenant.users[3]
    tick(emulator)
    emulator.update_user(user.id, jobTitle="Chief Delta Officer")
    now = tick(emulator)
    changes = graph.changes("User_v1", everyone, now=now)
    assert (changes.changed_ids, changes.removed_ids, changes.initial) == ((user.id,), (), False)
    assert changes.partition_dates == (now.date(),)  # today's snapshot is affected
    stored = DeltaStore(tmp_path / "delta").load("User_v1", "all")
    assert set(stored) == {""} and stored[""].startswith(emulator.graph_url)


def test_message_delta_reports_a_deleted_message_as_removed_and_nothing_else(emulator, tenant, tmp_path):
    graph = make_graph(emulator, tmp_path / "delta", page_size=1000)
    sales = Scope("sales", (tenant.group_by_nickname["sales"].id,))
    baseline = graph.changes("SentItem_v1", sales, now=emulator.now())
    assert baseline.initial and baseline.changed_ids and baseline.partition_dates
    sent = [b.to_pylist() for b in graph.extract(request_for("SentItem_v1", sales))]
    victim = sent[0][0]
    assert victim["id"] in baseline.changed_ids

    tick(emulator)
    emulator.delete_message(victim["puser"], victim["id"])
    changes = graph.changes("SentItem_v1", sales, now=tick(emulator))
    assert (changes.removed_ids, changes.changed_ids, changes.initial) == ((victim["id"],), (), False)
    assert (changes.partition_dates, changes.undated_ids) == ((DAY,), ())  # the day it was copied in
    assert not graph.changes("SentItem_v1", sales, now=emulator.now()).has_changes


def test_datasets_without_a_delta_query_are_refused_by_name(graph):
    with pytest.raises(ValueError, match="Contact_v1 has no Graph delta query; datasets with one: User_v1"):
        graph.changes("Contact_v1", Scope.everyone())


def sales_scope(tenant) -> Scope:
    return Scope("sales", (tenant.group_by_nickname["sales"].id,))


def copied_sent_item(graph, scope: Scope) -> dict:
    """A SentItem_v1 row of DAY's partition, as the copy wrote it."""
    return next(b.to_pylist() for b in graph.extract(request_for("SentItem_v1", scope)))[0]


def test_an_updated_message_touches_the_day_of_its_partition_and_is_served_with_its_new_values(emulator, tenant, tmp_path):
    graph = make_graph(emulator, tmp_path / "delta", page_size=1000)
    sales = sales_scope(tenant)
    message = copied_sent_item(graph, sales)
    graph.changes("SentItem_v1", sales, now=emulator.now())

    emulator.update_message(message["puser"], message["id"], isRead=not message["isRead"], categories=["Customer"])

    changes = graph.changes("SentItem_v1", sales, now=emulator.now())
    assert (changes.changed_ids, changes.removed_ids, changes.partition_dates) == ((message["id"],), (), (DAY,))
    recopy = {row["id"]: row for batch in graph.extract(request_for("SentItem_v1", sales)) for row in batch.to_pylist()}
    assert (recopy[message["id"]]["isRead"], recopy[message["id"]]["categories"]) == (not message["isRead"], ["Customer"])


def test_a_message_whose_date_moves_touches_the_day_it_left_and_the_day_it_joined(emulator, tenant, tmp_path):
    graph = make_graph(emulator, tmp_path / "delta", page_size=1000)
    sales = sales_scope(tenant)
    message = copied_sent_item(graph, sales)
    old_day = message["lastModifiedDateTime"].astimezone(dt.timezone.utc).date()
    emulator.set_clock(window(DAY + dt.timedelta(days=6)).start)  # later than any generated modification
    graph.changes("SentItem_v1", sales, now=emulator.now(), date_column="lastModifiedDateTime")

    emulator.update_message(message["puser"], message["id"], isRead=True)  # modified now

    changes = graph.changes("SentItem_v1", sales, now=emulator.now(), date_column="lastModifiedDateTime")
    assert changes.changed_ids == (message["id"],)
    assert changes.partition_dates == (old_day, emulator.now().date())


def test_a_deletion_is_placed_by_a_new_source_instance_on_the_same_state_dir(emulator, tenant, tmp_path):
    sales = sales_scope(tenant)
    first = make_graph(emulator, tmp_path / "delta", page_size=1000)
    message = copied_sent_item(first, sales)
    first.changes("SentItem_v1", sales, now=emulator.now())
    emulator.delete_message(message["puser"], message["id"])

    later = make_graph(emulator, tmp_path / "delta", page_size=1000).changes("SentItem_v1", sales, now=emulator.now())

    assert (later.removed_ids, later.partition_dates, later.undated_ids) == ((message["id"],), (DAY,), ())


def test_the_delta_link_does_not_advance_when_the_index_cannot_be_written(emulator, tenant, tmp_path):
    sales = sales_scope(tenant)
    graph = make_graph(emulator, tmp_path / "delta", page_size=1000, state_lock_timeout_s=0.1)
    message = copied_sent_item(graph, sales)
    graph.changes("SentItem_v1", sales, now=emulator.now())
    state = DeltaStore(tmp_path / "delta")
    links = state.load("SentItem_v1", "sales")
    emulator.delete_message(message["puser"], message["id"])

    # Another process reading the state file holds a shared lock: the index update cannot commit.
    # (A read-only state dir does the same, except for root, which SQLite lets write anyway.)
    with closing(sqlite3.connect(state.path("SentItem_v1", "sales"))) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM seen").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="SentItem_v1/sales.sqlite: database is locked; nothing was saved"):
            graph.changes("SentItem_v1", sales, now=emulator.now())
        reader.rollback()

    assert state.load("SentItem_v1", "sales") == links
    retried = graph.changes("SentItem_v1", sales, now=emulator.now())
    assert (retried.removed_ids, retried.partition_dates) == ((message["id"],), (DAY,))


def test_without_its_date_column_among_the_apps_columns_the_delta_reads_no_dates(emulator, tenant, tmp_path, caplog):
    graph = make_graph(emulator, tmp_path / "delta", page_size=1000)
    sales = sales_scope(tenant)
    message = copied_sent_item(graph, sales)
    authorized = ("id", "subject")  # no receivedDateTime: the delta may not read it
    graph.changes("SentItem_v1", sales, now=emulator.now(), columns=authorized)
    emulator.update_message(message["puser"], message["id"], isRead=True)

    changes = graph.changes("SentItem_v1", sales, now=emulator.now(), columns=authorized)

    assert (changes.changed_ids, changes.partition_dates, changes.undated_ids) == ((message["id"],), (), (message["id"],))
    assert changes.undated_reason == ("SentItem_v1's date column receivedDateTime is not among the app's columns, "
                                      "so its delta is read without dates")
    assert "changes cannot be placed in partitions" in caplog.text
    first_pages = [r for r in emulator.requests if r.path.endswith("/delta") and "$deltatoken" not in r.params]
    assert first_pages and {r.params.get("$select") for r in first_pages} == {"id"}
