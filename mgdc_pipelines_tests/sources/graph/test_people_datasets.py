"""Graph specifics of the people datasets: Planner's ignored `$filter`, and User_v0 not on Graph."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from mgdc_pipelines.sources.graph.query import UnfilterableWindowError
from mgdc_pipelines.spec import SpecError
from mgdc_pipelines_tests.sources.graph.conftest import request_for, sorted_rows
from mgdc_pipelines_tests.sources.graph.test_spec_and_dagster import on_graph

PLANNER_PATH_TAIL = "/planner/tasks"


def planner_calls(emulator) -> list:
    graph_calls = (r for r in emulator.requests if r.service == "graph")
    return [r for r in graph_calls if r.path.endswith(PLANNER_PATH_TAIL)]


def test_planner_tasks_are_filtered_in_the_source(emulator, graph, synthetic):
    """Graph ignores `$filter` on Planner: the source reads the authorized date column and keeps
    the day's rows."""
    request = request_for("PlannerTasks_v0", columns=("title", "assignments", "createdDateTime"))
    batches = list(graph.extract(request))
    expected = sorted_rows(synthetic.extract(request), request.output_schema)
    assert sorted_rows(batches, request.output_schema) == expected and expected
    rows = pa.Table.from_batches(batches, request.output_schema).to_pylist()
    # Graph's assignments object arrives as JSON text, keyed by the assignees.
    assert all(row["puser"] in json.loads(row["assignments"]) for row in rows)
    calls = planner_calls(emulator)
    first_pages = [c for c in calls if "$select" in c.params]
    assert first_pages and not [c for c in calls if "$filter" in c.params]
    assert {c.params["$select"] for c in first_pages} == {"title,assignments,createdDateTime"}
    stats = graph.last_stats
    assert stats.pages > stats.units_total  # users' whole task history was paged through


def test_user_v0_on_the_graph_source_is_refused_naming_it(small_spec_factory, emulator_session):
    def exchange_users(raw: dict) -> None:
        on_graph(emulator_session)(raw)
        raw["datasets"].append({"name": "User_v0", "columns": "all"})

    with pytest.raises(SpecError) as error:
        small_spec_factory(exchange_users, approved=False)
    assert "BasicDataSet_v0.User_v0 is not available from the Graph source" in str(error.value)


def test_planner_without_its_date_column_is_refused_before_any_request(
        small_spec_factory, emulator, graph):
    """Filtering in the source needs the date: reading it unauthorized would break consent, so the
    spec is refused naming the column, and the source asks Graph nothing."""
    def planner_titles(raw: dict) -> None:
        on_graph(emulator)(raw)
        raw["datasets"].append({"name": "PlannerTasks_v0", "columns": ["title"],
                                "date_filter_column": "createdDateTime"})

    with pytest.raises(SpecError, match=r"PlannerTasks_v0 from Graph: .*must read createdDateTime"):
        small_spec_factory(planner_titles, approved=False)
    with pytest.raises(UnfilterableWindowError, match="add createdDateTime to the dataset's columns"):
        list(graph.extract(request_for("PlannerTasks_v0", columns=("title",))))
    assert not planner_calls(emulator)
