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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mgdc_pipelines.catalog import Dataset
from mgdc_pipelines.catalog.graph import (
    GraphEndpoint,
    Unit,
    graph_endpoint,
    graph_property,
    select_clause,
)
from mgdc_pipelines.sources.base import ExtractRequest
from mgdc_pipelines.sources.graph.items import GraphItemReader


@dataclass(frozen=True)
class DatasetQuery:
    """The requests of one extraction; the same parameters for every unit."""

    dataset: Dataset
    endpoint: GraphEndpoint
    params: Mapping[str, str]
    normalize: GraphItemReader  # Graph item → catalog row

    @classmethod
    def for_request(cls, request: ExtractRequest, page_size: int | None) -> DatasetQuery:
        dataset = request.dataset
        endpoint = graph_endpoint(dataset)  # NotOnGraphError for SharePoint datasets
        date_property = (
            graph_property(dataset, request.date_filter_column) if request.date_filter_column else None
        )
        # `id` stands in when only `@odata.type` is wanted: an empty $select would return everything.
        params = {"$select": select_clause(dataset, request.columns) or "id"}
        params.update(endpoint.time_params(date_property, request.window.start, request.window.end))
        if endpoint.collection and page_size:
            params["$top"] = str(page_size)
        return cls(dataset, endpoint, params, GraphItemReader(dataset))

    def path(self, unit_id: str) -> str:
        return self.endpoint.url_for(unit_id)

    def mailbox(self, unit_id: str) -> str | None:
        """The mailbox whose Outlook limits a call about this unit counts against."""
        return unit_id if self.endpoint.unit in (Unit.USER, Unit.ROOM) else None
