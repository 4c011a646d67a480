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

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

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
from mgdc_pipelines.sources.base import ExtractRequest


@dataclass(frozen=True)
class LocalWindow:
    """The window applied here, for resources Graph cannot filter (`TimeQuery.LOCAL`): rows
    whose ``column`` falls in ``[start, end)``; ``drop`` the column after if it was not asked for.

    >>> window = LocalWindow("createdDateTime", dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc),
    ...                      dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc), drop=True)
    >>> list(window.keep([{"id": "a", "createdDateTime": "2026-11-20T08:00:00Z"},
    ...                   {"id": "b", "createdDateTime": "2026-11-21T00:00:00Z"}]))
    [{'id': 'a'}]
    """

    column: str
    start: dt.datetime
    end: dt.datetime
    drop: bool

    def keep(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            value = row.get(self.column)
            if value is None or not self.start <= _instant(value) < self.end:
                continue
            if self.drop:
                del row[self.column]
            yield row


def _instant(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class DatasetQuery:
    """The requests of one extraction; the same parameters for every unit."""

    dataset: Dataset
    endpoint: GraphEndpoint
    params: Mapping[str, str]
    columns_by_property: Mapping[str, str]
    local_window: LocalWindow | None = None

    @classmethod
    def for_request(cls, request: ExtractRequest, page_size: int | None) -> DatasetQuery:
        dataset = request.dataset
        endpoint = graph_endpoint(dataset)  # NotOnGraphError for SharePoint datasets
        date_property = (
            graph_property(dataset, request.date_filter_column) if request.date_filter_column else None
        )
        columns, local = request.columns, None
        if endpoint.time_query is TimeQuery.LOCAL:
            # The date column is read to apply the window, even if not asked for (then dropped).
            column = request.date_filter_column or dataset.date_filter_columns[0]
            window = request.window
            local = LocalWindow(column, window.start, window.end, drop=column not in columns)
            columns = (*columns, column)
        # `id` stands in when only `@odata.type` is wanted: an empty $select would return everything.
        params = {"$select": select_clause(dataset, columns) or "id"}
        params.update(endpoint.time_params(date_property, request.window.start, request.window.end))
        if endpoint.collection and page_size:
            params["$top"] = str(page_size)
        return cls(dataset, endpoint, params, catalog_columns_by_property(dataset), local)

    def path(self, unit_id: str) -> str:
        return self.endpoint.url_for(unit_id)

    def mailbox(self, unit_id: str) -> str | None:
        """The mailbox whose Outlook limits a call about this unit counts against."""
        return unit_id if self.endpoint.unit is Unit.USER else None

    def rows(self, items: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
        """Catalog rows of one unit's Graph items, in the partition's window."""
        rows = (self.normalize(item) for item in items)
        return self.local_window.keep(rows) if self.local_window else rows

    def normalize(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """Graph properties → catalog columns; OData annotations other than the type dropped.

        Properties the catalog does not know keep their name: the batch builder counts and
        drops them, so nothing disappears unnoticed.
        """
        columns = self.columns_by_property
        return {
            columns.get(key, key): value
            for key, value in item.items()
            if key in columns or not key.startswith("@")
        }
