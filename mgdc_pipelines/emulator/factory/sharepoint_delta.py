"""What MGDC delivers for a SharePoint delta-state dataset asked for with start < end: the
objects created, updated or deleted between the synthetic tenant's snapshots of the two dates.

The emulator's Copy activity calls :func:`deliver_delta_rows` for such a run (start == end is
a plain full snapshot). Rows of the end snapshot whose key the start snapshot lacks are
``Created``; rows whose content changed are ``Updated``; rows of the start snapshot whose key
the end snapshot lacks are ``Deleted`` (with their last content). Every row's ``SnapshotDate``
is the end date. Content means every column but ``SnapshotDate`` and ``Operation``, whichever
columns the request copies: MGDC tracks objects, not the columns an app selected.

Memory: one digest per object of the start snapshot (keys, never rows), and one batch at a time.
Each snapshot is generated again instead of being kept: the start one twice (digests, then the
deleted rows' content).

>>> import datetime as dt
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
>>> from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
>>> def request_for_day(day):
...     groups, columns = get_dataset("SharePointGroups_v1"), ("SiteId", "GroupId", "Operation")
...     window = TimeWindow.for_day(day)
...     return ExtractRequest(groups, columns, "SnapshotDate", window, Scope.everyone(), "t-1")
>>> source = SyntheticSource(TenantConfig(seed=7, users=12))
>>> start, end = dt.date(2026, 11, 9), dt.date(2026, 11, 10)
>>> batches = deliver_delta_rows(source, request_for_day, start, end)
>>> sorted(row["Operation"] for batch in batches for row in batch.to_pylist())
['Created', 'Deleted']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator

import pyarrow as pa

from mgdc_pipelines.sources.base import ExtractRequest
from mgdc_pipelines.sources.mgdc.sharepoint_state import (
    CREATED,
    DELETED,
    OPERATION_COLUMN,
    SNAPSHOT_DATE_COLUMN,
    UPDATED,
    DeltaStateError,
    key_columns,
    row_keys,
    snapshot_moment,
    with_constant,
)
from mgdc_pipelines.sources.synthetic import SyntheticSource

NOT_CONTENT = (SNAPSHOT_DATE_COLUMN, OPERATION_COLUMN)


def deliver_delta_rows(
    source: SyntheticSource,
    request_for_day: Callable[[dt.date], ExtractRequest],
    start: dt.date,
    end: dt.date,
) -> Iterator[pa.RecordBatch]:
    """The changes between the ``start`` and ``end`` snapshots, in the output schema of
    ``request_for_day(end)``, batches of at most its ``batch_rows`` rows (none if nothing
    changed): Created and Updated rows in the end snapshot's order, then the Deleted ones."""
    if not start < end:
        raise ValueError(f"a delta needs start < end, got {start} and {end}")
    delivered = request_for_day(end)
    key_columns(delivered.dataset)  # only the delta-state datasets have a delta
    before = _digests(source, _whole_rows(request_for_day(start)))
    stamp = _Stamp(delivered, snapshot_moment(end))
    for batch, operations in _changes(source, _whole_rows(delivered), before):
        yield stamp(batch, operations)
    for batch in _deleted(source, _whole_rows(request_for_day(start)), set(before)):
        yield stamp(batch, [DELETED] * batch.num_rows)


def _whole_rows(request: ExtractRequest) -> ExtractRequest:
    """The request for every column: changes are computed on whole objects."""
    return dataclasses.replace(request, columns=request.dataset.column_names)


def _digests(source: SyntheticSource, request: ExtractRequest) -> dict[tuple, bytes]:
    """A digest of each object's content, by key."""
    digests: dict[tuple, bytes] = {}
    for batch in source.extract(request):
        for key, digest in zip(row_keys(batch, request.dataset), _row_digests(batch), strict=True):
            if key in digests:
                columns = ", ".join(key_columns(request.dataset))
                raise DeltaStateError(
                    f"{request.dataset.name}: two rows of one snapshot share a key ({columns})"
                )
            digests[key] = digest
    return digests


def _changes(
    source: SyntheticSource, request: ExtractRequest, before: dict[tuple, bytes]
) -> Iterator[tuple[pa.RecordBatch, list[str]]]:
    """The end snapshot's new and changed rows with their operations; removes from ``before``
    every key the end snapshot has, leaving the deleted ones."""
    for batch in source.extract(request):
        rows, operations = [], []
        for row, (key, digest) in enumerate(
            zip(row_keys(batch, request.dataset), _row_digests(batch), strict=True)
        ):
            earlier = before.pop(key, None)
            if earlier != digest:
                rows.append(row)
                operations.append(CREATED if earlier is None else UPDATED)
        if rows:
            yield batch.take(rows), operations


def _deleted(
    source: SyntheticSource, request: ExtractRequest, deleted: set[tuple]
) -> Iterator[pa.RecordBatch]:
    """The start snapshot's rows whose key is gone from the end snapshot."""
    if not deleted:
        return
    for batch in source.extract(request):
        gone = [key in deleted for key in row_keys(batch, request.dataset)]
        if any(gone):
            yield batch.filter(pa.array(gone, type=pa.bool_()))


def _row_digests(batch: pa.RecordBatch) -> list[bytes]:
    content = batch.drop_columns([name for name in NOT_CONTENT if name in batch.schema.names])
    rows = content.to_pylist()
    return [hashlib.blake2b(repr(row).encode(), digest_size=16).digest() for row in rows]


@dataclasses.dataclass(frozen=True)
class _Stamp:
    """Turns whole rows into delivered ones: their operations, the end's SnapshotDate, and
    only the request's columns."""

    request: ExtractRequest
    snapshot_date: dt.datetime

    def __call__(self, batch: pa.RecordBatch, operations: list[str]) -> pa.RecordBatch:
        index = batch.schema.get_field_index(OPERATION_COLUMN)
        operations = pa.array(operations, pa.string())
        batch = batch.set_column(index, batch.schema.field(index), operations)
        batch = with_constant(batch, SNAPSHOT_DATE_COLUMN, self.snapshot_date)
        schema = self.request.output_schema
        columns = [batch.column(name) for name in schema.names]
        return pa.RecordBatch.from_arrays(columns, schema=schema)
