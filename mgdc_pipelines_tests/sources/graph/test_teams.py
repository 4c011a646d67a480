"""Teams resources through Graph: what Graph cannot filter, and two datasets on one resource.

The parity tests (test_parity.py) already compare every Graph dataset with the synthetic
tenant on their default date column; these cover the Teams-specific paths.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from mgdc_pipelines.sources.base import Scope, TimeWindow
from mgdc_pipelines.spec import SpecError
from mgdc_pipelines_tests.sources.graph.conftest import DAY, request_for, sorted_rows
from mgdc_pipelines_tests.sources.graph.test_spec_and_dagster import on_graph


def test_channels_are_windowed_by_the_source_on_their_authorized_date_column(graph, synthetic, emulator):
    """Graph cannot `$filter` a team's channels: all are read, those of the window kept."""
    month = TimeWindow(TimeWindow.for_day(DAY).end - dt.timedelta(days=30), TimeWindow.for_day(DAY).end)
    columns = ("id", "createdDateTime", "displayName", "membershipType")
    request = dataclasses.replace(request_for("TeamsChannelDetails_v0", columns=columns), window=month)

    batches = list(graph.extract(request))

    expected = sorted_rows(synthetic.extract(request), request.output_schema)
    assert expected and sorted_rows(batches, request.output_schema) == expected
    assert all(b.schema == request.output_schema for b in batches)
    channel_calls = [r for r in emulator.requests if r.path.endswith("/channels")]
    assert channel_calls and all("$filter" not in r.params for r in channel_calls)
    assert all("createdDateTime" in r.params["$select"].split(",") for r in channel_calls)


@pytest.mark.parametrize("date_column", ["CreatedDateTime", "SentDateTime"])
def test_channel_messages_on_a_date_graph_cannot_filter_are_refused_by_name(graph, date_column):
    request = dataclasses.replace(request_for("TeamsStandardChannelMessages_v0"), date_filter_column=date_column)

    with pytest.raises(ValueError) as refused:
        list(graph.extract(request))

    message = str(refused.value)
    assert "TeamsStandardChannelMessages_v0" in message and "lastModifiedDateTime only" in message


def test_team_chat_v2_is_read_from_team_chat_v1s_resource_in_its_own_columns(graph, synthetic, emulator, tenant):
    sales = Scope("sales", (tenant.group_by_nickname["sales"].id,))
    request = request_for("TeamChat_v2", sales, columns=("Id", "Importance", "ThreadId"))

    rows = sorted_rows(graph.extract(request), request.output_schema)

    assert rows and rows == sorted_rows(synthetic.extract(request), request.output_schema)
    calls = [r for r in emulator.requests if r.service == "graph" and "/chats/" in r.path]
    assert calls and all(r.path.endswith("/chats/getAllMessages") for r in calls)


def test_a_spec_filtering_channel_messages_on_another_date_is_refused_naming_the_one_graph_takes(
        small_spec_factory, emulator):
    def channel_messages_by_creation(raw: dict) -> None:
        on_graph(emulator)(raw)
        raw["datasets"].append({"name": "TeamsStandardChannelMessages_v0", "columns": "all",
                                "date_filter_column": "CreatedDateTime"})

    with pytest.raises(SpecError, match="can be filtered on LastModifiedDateTime only"):
        small_spec_factory(channel_messages_by_creation, approved=False)
