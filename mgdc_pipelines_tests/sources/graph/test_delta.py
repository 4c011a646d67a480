"""Delta queries: a baseline first, then only what changed (updates and `@removed` deletions)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mgdc_pipelines.sources.base import Scope
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
    stored = json.loads((tmp_path / "delta" / "User_v1" / "all.json").read_text())
    assert set(stored["links"]) == {""} and stored["links"][""].startswith(emulator.graph_url)


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
    assert not graph.changes("SentItem_v1", sales, now=emulator.now()).has_changes


def test_datasets_without_a_delta_query_are_refused_by_name(graph):
    with pytest.raises(ValueError, match="Contact_v1 has no Graph delta query; datasets with one: User_v1"):
        graph.changes("Contact_v1", Scope.everyone())
