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

A fan-out dataset (To Do tasks) first lists each unit's parents, then reads each one:

>>> tasks = DatasetQuery.for_request(ExtractRequest(
...     get_dataset("TodoTasks_v0"), ("Id",), "CreatedDateTime",
...     TimeWindow.for_day(dt.date(2026, 11, 20)), Scope.everyone(), "t"), page_size=100)
>>> tasks.listing("u1")
('/users/u1/todo/lists', {'$select': 'id', '$top': '100'})
>>> tasks.path("u1", parent="L1")
'/users/u1/todo/lists/L1/tasks'
>>> tasks.params["$select"], tasks.parent_property  # the list id comes from the listing
('id', None)

Where Graph ignores ``$filter`` (Planner), the window is applied here, on the date column the
app is authorized to read; only the rows inside the window are kept:

>>> planner = ExtractRequest(get_dataset("PlannerTasks_v0"), ("title", "createdDateTime"),
...                          "createdDateTime", TimeWindow.for_day(dt.date(2026, 11, 20)),
...                          Scope.everyone(), "t")
>>> plan = DatasetQuery.for_request(planner, page_size=None)
>>> plan.params
{'$select': 'title,createdDateTime'}
>>> [plan.in_window({"createdDateTime": moment})
...  for moment in ("2026-11-20T09:30:00.1234567Z", "2026-11-21T00:00:00Z")]
[True, False]
>>> DatasetQuery.for_request(ExtractRequest(get_dataset("PlannerTasks_v0"), ("title",),
...     "createdDateTime", planner.window, Scope.everyone(), "t"), page_size=None)
Traceback (most recent call last):
...
mgdc_pipelines.sources.graph.query.UnfilterableWindowError: PlannerTasks_v0 from Graph: Graph cannot filter it by date, so the Graph source keeps each partition's rows itself and must read createdDateTime; add createdDateTime to the dataset's columns (the admin's grant must include it)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.catalog.graph import (
    GraphEndpoint,
    TimeQuery,
    Unit,
    graph_endpoint,
    graph_property,
    parse_odata_datetime,
    select_clause,
)
from mgdc_pipelines.sources.base import ExtractRequest, TimeWindow
from mgdc_pipelines.sources.graph.items import GraphItemReader


class UnfilterableWindowError(ValueError):
    """Graph cannot give the partition's window: it cannot filter on that date column, or it
    cannot filter by date at all and the app may not read the date column."""


@dataclass(frozen=True)
class DatasetQuery:
    """The requests of one extraction; the same parameters for every unit."""

    dataset: Dataset
    endpoint: GraphEndpoint
    params: Mapping[str, str]
    normalize: GraphItemReader  # Graph item → catalog row
    page_params: Mapping[str, str]  # `$top`, if a page size is set
    parent_property: str | None = None  # fan-out: the wanted property the parent's id fills
    window: TimeWindow | None = None  # kept here when Graph cannot filter (TimeQuery.IN_SOURCE)
    date_property: str | None = None

    @classmethod
    def for_request(cls, request: ExtractRequest, page_size: int | None) -> DatasetQuery:
        dataset = request.dataset
        endpoint = graph_endpoint(dataset)  # NotOnGraphError for SharePoint datasets
        date_column = request.date_filter_column
        date_property = graph_property(dataset, date_column) if date_column else None
        problem = endpoint.window_problem(dataset, date_column, request.columns)
        if problem:
            raise UnfilterableWindowError(problem)
        # A fan-out's parent column comes from the parent, not from Graph (which need not have it).
        parent_column = endpoint.fan_out.column if endpoint.fan_out else None
        selected = [column for column in request.columns if column != parent_column]
        # `id` stands in when only `@odata.type` is wanted: an empty $select would return everything.
        params = {"$select": select_clause(dataset, selected) or "id"}
        params.update(endpoint.time_params(date_property, request.window.start, request.window.end))
        page_params = {"$top": str(page_size)} if page_size else {}
        if endpoint.collection:
            params.update(page_params)
        if _sliceable(endpoint):  # time slices need the rows in date order (Graph's rule: the
            params["$orderby"] = date_property  # $orderby property is the $filter's)
        parent_property = graph_property(dataset, parent_column) if parent_column in request.columns else None
        window = request.window if endpoint.time_query is TimeQuery.IN_SOURCE else None
        return cls(dataset, endpoint, params, GraphItemReader(dataset), page_params, parent_property,
                   window, date_property)

    def path(self, unit_id: str, parent: str | None = None) -> str:
        return self.endpoint.url_for(unit_id, parent)

    def listing(self, unit_id: str) -> tuple[str, dict[str, str]]:
        """Path and parameters listing the unit's parents' ids (fan-out endpoints only)."""
        fan_out = self.endpoint.fan_out
        if fan_out is None:
            raise ValueError(f"{self.dataset.short_name}: the endpoint does not fan out")
        return fan_out.listing_for(unit_id), {"$select": "id", **self.page_params}

    def first_call(self, unit_id: str) -> tuple[str, Mapping[str, str]]:
        """The unit's first request: its parents' listing for a fan-out, else its collection."""
        if self.endpoint.fan_out is not None:
            return self.listing(unit_id)
        return self.path(unit_id), self.params

    @property
    def sliceable(self) -> bool:
        """Whether a unit's window can be read as several time slices (see :mod:`.mailbox_day`)."""
        return _sliceable(self.endpoint)

    def slice_params(self, start: dt.datetime, end: dt.datetime) -> dict[str, str]:
        """The parameters reading ``[start, end)`` of a unit's window (same columns and order)."""
        return {**self.params, **self.endpoint.time_params(self.date_property, start, end)}

    def date_of(self, item: Mapping[str, Any]) -> dt.datetime | None:
        """The item's date-filter value (``None`` when Graph did not return it)."""
        moment = item.get(self.date_property) if self.date_property else None
        return parse_odata_datetime(moment) if isinstance(moment, str) else None

    def mailbox(self, unit_id: str) -> str | None:
        """The mailbox whose Outlook limits a call about this unit counts against."""
        return unit_id if self.endpoint.unit in (Unit.USER, Unit.ROOM) else None

    def in_window(self, item: Mapping[str, Any]) -> bool:
        """Whether Graph's row belongs to the partition (always, where Graph filtered it)."""
        if self.window is None:
            return True
        moment = item.get(self.date_property)
        return moment is not None and self.window.contains(parse_odata_datetime(moment))


def _sliceable(endpoint: GraphEndpoint) -> bool:
    """A user's messages filtered by date on Graph (Outlook: `$orderby` the filtered property)."""
    return (
        endpoint.unit is Unit.USER and endpoint.time_query is TimeQuery.FILTER
        and endpoint.path.endswith("/messages") and endpoint.fan_out is None
    )
