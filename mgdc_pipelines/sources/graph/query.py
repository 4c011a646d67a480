"""How one dataset partition becomes Graph requests: path per unit, ``$select``, window, page size.

>>> import datetime as dt
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
>>> request = ExtractRequest(get_dataset("Message_v1"), ("id", "subject"), "receivedDateTime",
...                          TimeWindow.for_day(dt.date(2026, 11, 20)), Scope.everyone(), "t")
>>> plan = DatasetQuery.for_request(request, page_size=100)
>>> plan.path("u1"), plan.params["$select"], plan.params["$top"]
('/users/u1/messages', 'id,subject', '100')
>>> plan.params["$filter"]
'receivedDateTime ge 2026-11-20T00:00:00Z and receivedDateTime lt 2026-11-21T00:00:00Z'
>>> plan.normalize({"@odata.etag": "x", "id": "m1", "subject": "Hi"})
{'id': 'm1', 'subject': 'Hi'}

Where Graph ignores ``$filter`` (Planner), the window is applied here: the date property is
read even if it is not among the columns (it never leaves the source), and only the rows
inside the window are kept. Objects Graph returns for properties the catalog types as strings
(Planner's ``assignments``) become compact JSON text.

>>> tasks = ExtractRequest(get_dataset("PlannerTasks_v0"), ("title", "assignments"),
...                        "createdDateTime", TimeWindow.for_day(dt.date(2026, 11, 20)),
...                        Scope.everyone(), "t")
>>> plan = DatasetQuery.for_request(tasks, page_size=None)
>>> plan.params
{'$select': 'title,assignments,createdDateTime'}
>>> [plan.in_window({"createdDateTime": moment})
...  for moment in ("2026-11-20T09:30:00.1234567Z", "2026-11-21T00:00:00Z")]
[True, False]
>>> plan.normalize({"title": "Plan Q3", "assignments": {"u1": {"orderHint": " !"}}})["assignments"]
'{"u1":{"orderHint":" !"}}'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.catalog.graph import (
    GraphEndpoint,
    TimeQuery,
    Unit,
    catalog_columns_by_property,
    graph_endpoint,
    graph_property,
    select_clause,
)
from mgdc_pipelines.sources.base import ExtractRequest, TimeWindow
from mgdc_pipelines.sources.rows import json_text


@dataclass(frozen=True)
class DatasetQuery:
    """The requests of one extraction; the same parameters for every unit."""

    dataset: Dataset
    endpoint: GraphEndpoint
    params: Mapping[str, str]
    columns_by_property: Mapping[str, str]
    text_columns: frozenset[str] = frozenset()  # columns typed STRING (objects become JSON text)
    window: TimeWindow | None = None  # kept here when Graph cannot filter (TimeQuery.IN_SOURCE)
    date_property: str | None = None

    @classmethod
    def for_request(cls, request: ExtractRequest, page_size: int | None) -> DatasetQuery:
        dataset = request.dataset
        endpoint = graph_endpoint(dataset)  # NotOnGraphError for SharePoint datasets
        in_source = endpoint.time_query is TimeQuery.IN_SOURCE
        date_column = request.date_filter_column
        if in_source and date_column is None:  # as the synthetic source: the first date column
            date_column = dataset.date_filter_columns[0]
        date_property = graph_property(dataset, date_column) if date_column else None
        columns = (*request.columns, date_column) if in_source else request.columns
        # `id` stands in when only `@odata.type` is wanted: an empty $select would return everything.
        params = {"$select": select_clause(dataset, dict.fromkeys(columns)) or "id"}
        params.update(endpoint.time_params(date_property, request.window.start, request.window.end))
        if endpoint.collection and page_size:
            params["$top"] = str(page_size)
        text = frozenset(c.name for c in dataset.columns if pa.types.is_string(c.type))
        window = request.window if in_source else None
        by_property = catalog_columns_by_property(dataset)
        return cls(dataset, endpoint, params, by_property, text, window, date_property)

    def path(self, unit_id: str) -> str:
        return self.endpoint.url_for(unit_id)

    def mailbox(self, unit_id: str) -> str | None:
        """The mailbox whose Outlook limits a call about this unit counts against."""
        return unit_id if self.endpoint.unit is Unit.USER else None

    def normalize(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """Graph properties → catalog columns; OData annotations other than the type dropped.

        Properties the catalog does not know keep their name: the batch builder counts and
        drops them, so nothing disappears unnoticed.
        """
        columns = self.columns_by_property
        renamed = {
            columns.get(key, key): value
            for key, value in item.items()
            if key in columns or not key.startswith("@")
        }
        for name in self.text_columns.intersection(renamed):
            if isinstance(renamed[name], (dict, list)):
                renamed[name] = json_text(renamed[name])
        return renamed

    def in_window(self, item: Mapping[str, Any]) -> bool:
        """Whether Graph's row belongs to the partition (always, where Graph filtered it)."""
        if self.window is None:
            return True
        moment = item.get(self.date_property)
        return moment is not None and self.window.contains(dt.datetime.fromisoformat(moment))
