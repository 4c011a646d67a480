"""Fan-out endpoints through the Graph source: TodoTasks_v0 lists each user's To Do lists, then
reads every list's tasks, with the same paging, throttling and `$batch` rules as any dataset."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.graph import MAX_BATCH_REQUESTS, NotOnGraphError, graph_endpoint
from mgdc_pipelines.emulator import FaultConfig
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.graph.throttle import OUTLOOK_CONCURRENCY_PER_MAILBOX
from mgdc_pipelines.spec import SpecError
from mgdc_pipelines_tests.sources.graph.conftest import TENANT_ID, request_for, sorted_rows
from mgdc_pipelines_tests.sources.graph.test_spec_and_dagster import on_graph

# A week of tasks: enough for lists with several pages of two tasks.
WEEK = TimeWindow(dt.datetime(2026, 11, 12, tzinfo=dt.timezone.utc), dt.datetime(2026, 11, 19, tzinfo=dt.timezone.utc))


def graph_requests(emu):
    return [r for r in emu.requests if r.service == "graph"]


def week_of_tasks(scope: Scope | None = None) -> ExtractRequest:
    tasks = get_dataset("TodoTasks_v0")
    return ExtractRequest(tasks, tasks.column_names, "LastModifiedDateTime", WEEK, scope or Scope.everyone(), TENANT_ID)


def lists_per_user(synthetic) -> Counter:
    """How many To Do lists each user has at the emulator's clock (the end of DAY)."""
    request = request_for("TodoTaskFolders_v0")
    return Counter(row["puser"] for batch in synthetic.extract(request) for row in batch.to_pylist())


def test_tasks_over_several_lists_and_pages_survive_throttling_with_nothing_lost_or_repeated(
    emulator, graph_factory, synthetic
):
    emulator.configure(faults=FaultConfig(throttle_every=5, retry_after_s=0.01))
    graph = graph_factory(page_size=2)
    request = week_of_tasks()
    batches = list(graph.extract(request))

    assert sorted_rows(batches, request.output_schema) == sorted_rows(synthetic.extract(request), request.output_schema)
    ids = [task_id for batch in batches for task_id in batch.column("Id").to_pylist()]
    assert len(ids) == len(set(ids))
    log = graph_requests(emulator)
    answered = [r for r in log if r.path.endswith("/tasks") and r.status == 200]
    lists_read = Counter(r.path.split("/")[2] for r in {r.path: r for r in answered}.values())
    later_pages = Counter(r.path for r in answered if "$skiptoken" in r.params)
    assert max(lists_read.values()) >= 3 and max(later_pages.values()) >= 2  # lists of 3+ pages
    throttled = [r for r in log if r.status == 429]
    assert {r.in_batch for r in throttled if r.path.endswith("/tasks")} == {True, False}
    assert graph.last_stats.throttled >= len(throttled)  # every 429 was waited out, none skipped


def test_listings_are_batched_20_users_at_a_time_and_lists_4_at_a_time(emulator, graph, synthetic):
    request = week_of_tasks()
    assert sum(batch.num_rows for batch in graph.extract(request)) > 0
    log = graph_requests(emulator)
    lists = lists_per_user(synthetic)
    users = graph.last_stats.units_total
    inner = [r for r in log if r.in_batch]
    assert len([r for r in inner if r.path.endswith("/todo/lists")]) == users
    # Each list's first page once, inside a batch; later pages (none at Graph's page size) alone.
    assert len([r for r in inner if r.path.endswith("/tasks")]) == sum(lists.values())
    assert not [r for r in log if not r.in_batch and r.path.endswith("/tasks") and "$skiptoken" not in r.params]
    # The list id in each row comes from the listing: Graph's tasks are not asked for one.
    assert not [r for r in log if r.path.endswith("/tasks") and "parentFolderId" in r.params.get("$select", "")]
    # A batch of one user's lists takes one of the mailbox's 4 slots per inner request.
    per_user = sum(math.ceil(count / OUTLOOK_CONCURRENCY_PER_MAILBOX) for count in lists.values())
    assert len([r for r in log if r.path == "/$batch"]) == math.ceil(users / MAX_BATCH_REQUESTS) + per_user


def test_a_group_scope_reads_the_lists_of_its_members_only(emulator, graph, synthetic, tenant):
    sales = Scope("sales", (tenant.group_by_nickname["sales"].id,))
    request = week_of_tasks(sales)
    assert sorted_rows(graph.extract(request), request.output_schema) == sorted_rows(
        synthetic.extract(request), request.output_schema)
    members = {u.id for u in tenant.users_in_scope(sales, WEEK.end)}
    read = {r.path.split("/")[2] for r in graph_requests(emulator) if "/todo/lists" in r.path}
    assert read == members


@pytest.mark.parametrize("dataset", ["TeamsCallRecords_v1", "OutlookGroupConversations_v0"])
def test_datasets_without_a_per_unit_graph_path_are_refused_by_name(dataset, small_spec_factory, emulator_session):
    ds = get_dataset(dataset)
    with pytest.raises(NotOnGraphError, match=f"{ds.name} is not available from the Graph source"):
        graph_endpoint(ds)

    def with_dataset(raw: dict) -> None:
        on_graph(emulator_session)(raw)
        raw["datasets"].append({"name": dataset, "date_filter_column": ds.date_filter_columns[0],
                                "columns": list(ds.column_names[:3])})

    with pytest.raises(SpecError, match=f"{dataset} is not available from the Graph source; use the landing source"):
        small_spec_factory(with_dataset, approved=False)



@pytest.mark.parametrize("columns", [("Subject", "ParentFolderId"), ("Subject",)])
def test_the_list_column_is_filled_from_the_listing_exactly_when_it_is_wanted(columns, emulator, graph, synthetic):
    tasks = get_dataset("TodoTasks_v0")
    request = ExtractRequest(tasks, columns, "LastModifiedDateTime", WEEK, Scope.everyone(), TENANT_ID)
    batches = list(graph.extract(request))
    assert batches and all(batch.schema == request.output_schema for batch in batches)
    assert sorted_rows(batches, request.output_schema) == sorted_rows(synthetic.extract(request), request.output_schema)
    assert not graph.last_stats.unknown_properties  # nothing was added that was not asked for
