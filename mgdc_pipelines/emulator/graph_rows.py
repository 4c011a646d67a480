"""The synthetic generators' rows for one unit, written as Graph JSON objects.

The emulator calls the very generators :class:`SyntheticSource` uses, for one user or group and
one window, keeps the dataset's content columns under their Graph property names, and writes
values so that the Graph source's JSON → Arrow conversion gives back exactly the generator's
values: datetimes in timestamp columns as ISO-8601 ``Z`` with microseconds when non-zero,
datetimes in string columns as MGDC writes them (whole seconds, as ``SyntheticSource`` does).

>>> import datetime as dt
>>> from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
>>> rows = GraphRows(SyntheticSource(TenantConfig(seed=42, users=40)))
>>> user = rows.tenant.users[0]
>>> end = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)
>>> profile = rows.rows("User_v1", user.id, end - dt.timedelta(days=1), end)[0]
>>> profile["id"] == user.id, profile["createdDateTime"].endswith("Z")
(True, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset, Mode, get_dataset
from mgdc_pipelines.catalog.graph import graph_property, odata_datetime
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource
from mgdc_pipelines.sources.synthetic.activity.rooms import room_mailbox
from mgdc_pipelines.sources.synthetic.batches import iso_z
from mgdc_pipelines.sources.synthetic.datasets import GENERATORS, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.base import unit_rows
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

GraphRow = Mapping[str, object]
CACHED_RESULTS = 256  # (dataset, unit, window) results kept; a mailbox-day is small
SEARCH_SPAN = dt.timedelta(days=30)  # `find` generates this much of a unit's history at a time


class GraphRows:
    """Graph JSON rows of the synthetic tenant, with a small cache of recent results."""

    def __init__(self, source: SyntheticSource) -> None:
        self.source = source
        self._cached = lru_cache(maxsize=CACHED_RESULTS)(self._generate)

    @property
    def tenant(self) -> SyntheticTenant:
        return self.source.tenant

    def unit(self, dataset: Dataset, unit_id: str):
        """The user or group the generator is called for (``None`` if the id is unknown)."""
        kind = GENERATORS[dataset.short_name].unit
        if kind is Unit.USER:
            return self.tenant.user_by_id.get(unit_id)
        if kind is Unit.ROOM:
            return room_mailbox(self.tenant, unit_id)
        return self.tenant.group_by_id.get(unit_id)

    def rows(self, dataset_name: str, unit_id: str, start: dt.datetime, end: dt.datetime,
             date_column: str | None = None) -> tuple[GraphRow, ...]:
        """Rows of ``[start, end)`` (snapshots: as of ``end``) for one unit; treat them as read-only."""
        return self._cached(dataset_name, unit_id, start, end, date_column)

    def find(self, dataset_name: str, unit_id: str, row_id: str, date_column: str,
             before: dt.datetime, not_before: dt.datetime) -> GraphRow | None:
        """The unit's row whose ``id`` is ``row_id``, searched newest first from ``before`` back to
        ``not_before`` on ``date_column`` (``None`` if there is none); uncached, a month at a time."""
        end = before
        while end > not_before:
            start = max(not_before, end - SEARCH_SPAN)
            for row in self._generate(dataset_name, unit_id, start, end, date_column):
                if row.get("id") == row_id:
                    return row
            end = start
        return None

    def _generate(self, dataset_name: str, unit_id: str, start: dt.datetime, end: dt.datetime,
                  date_column: str | None) -> tuple[GraphRow, ...]:
        dataset = get_dataset(dataset_name)
        unit = self.unit(dataset, unit_id)
        if unit is None:
            raise KeyError(f"{dataset_name}: no user or group {unit_id!r} in the synthetic tenant")
        if dataset.mode is not Mode.RANGE:
            date_column = None
        request = ExtractRequest(dataset, dataset.column_names, date_column, TimeWindow(start, end),
                                 Scope.everyone(), self.tenant.directory_id)
        context = RowContext(self.tenant, self.source.activity, request, date_column)
        rows = unit_rows(GENERATORS[dataset.short_name], context, unit)
        return tuple(to_graph_json(dataset, row) for row in rows)


def to_graph_json(dataset: Dataset, row: Mapping[str, object]) -> dict:
    """The row's content columns under their Graph names, JSON-ready (metadata columns dropped)."""
    return {
        graph_name: convert(row[name])
        for name, graph_name, convert in _row_writer(dataset.short_name)
        if name in row
    }


Convert = Callable[[object], object]


@lru_cache(maxsize=None)
def _row_writer(dataset_name: str) -> tuple[tuple[str, str, Convert], ...]:
    """(column, Graph property, value converter) per column, worked out once per dataset: the
    emulator writes every row of every page it serves with it."""
    dataset = get_dataset(dataset_name)
    return tuple(
        (column.name, graph_property(dataset, column.name), _converter(column.type))
        for column in dataset.columns
    )


@lru_cache(maxsize=None)
def _converter(arrow_type: pa.DataType | None) -> Convert:
    """A function writing one value of ``arrow_type`` (``None``: unknown) as JSON."""
    as_string = arrow_type is not None and pa.types.is_string(arrow_type)
    is_list = arrow_type is not None and pa.types.is_list(arrow_type)
    is_struct = arrow_type is not None and pa.types.is_struct(arrow_type)
    fields = {field.name: _converter(field.type) for field in arrow_type} if is_struct else {}
    items = _converter(arrow_type.value_type) if is_list else None

    def convert(value: object) -> object:
        if value is None or isinstance(value, (str, int, float)):
            return value  # the common case, kept ahead of the abstract-class checks below
        if isinstance(value, dt.date):
            if as_string:
                return iso_z(value)  # as SyntheticSource writes datetimes into string columns
            if not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            return odata_datetime(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc))
        if isinstance(value, Mapping):
            untyped = _converter(None)
            return {key: fields.get(key, untyped)(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            item_convert = items or _converter(None)
            return [item_convert(item) for item in value]
        return value

    return convert
