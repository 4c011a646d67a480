"""SharePoint delta-state datasets: the state at a snapshot date from the previous state and
MGDC's changes since.

MGDC serves SharePointSites_v1, SharePointPermissions_v1, SharePointGroups_v1 and
SharePointFiles_v1 as snapshots on ``SnapshotDate``. A request whose start equals its end
returns the full snapshot (every row ``Operation = "Full"``). A request with start < end returns
only the objects created, updated or deleted between the two snapshots (``Created``,
``Updated``, ``Deleted``; no rows means no change). Reference §1.2, "SharePoint-specific rules".
SharePointFileActions_v1 and the OneDrive datasets have no delta.

:func:`apply_delta` merges a delta into the previous state as the DCS merge notebook does
(reference §1.2, "How the delta is consumed"): the delta's rows replace every previous row with
the same key, and a ``Deleted`` row only removes its key. Two choices, stated here:

* every output row gets the new ``SnapshotDate``: the state is the snapshot of that date;
* rows the delta does not touch keep their ``Operation``, as the notebook keeps a row as merged:
  ``Full`` if unchanged since the last full snapshot, otherwise the ``Created``/``Updated`` of
  the delta that last changed it. A state is thus a snapshot "modulo Operation".

>>> import datetime as dt
>>> import pyarrow as pa
>>> day = dt.datetime(2026, 11, 19, tzinfo=dt.timezone.utc)
>>> def sites(ids, operations):
...     return pa.record_batch({"Id": ids, "Url": [f"https://{i}" for i in ids],
...                             "SnapshotDate": [day] * len(ids), "Operation": operations})
>>> previous = [sites(["a", "b", "c"], ["Full"] * 3)]
>>> delta = [sites(["b", "c", "d"], ["Updated", "Deleted", "Created"])]
>>> next_day = dt.date(2026, 11, 20)
>>> state = pa.Table.from_batches(apply_delta(previous, delta, "SharePointSites_v1", next_day))
>>> sorted(zip(state["Id"].to_pylist(), state["Operation"].to_pylist()))
[('a', 'Full'), ('b', 'Updated'), ('d', 'Created')]
>>> {moment.date().isoformat() for moment in state["SnapshotDate"].to_pylist()}
{'2026-11-20'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.catalog import Dataset, get_dataset

FULL, CREATED, UPDATED, DELETED = "Full", "Created", "Updated", "Deleted"
OPERATIONS = (FULL, CREATED, UPDATED, DELETED)
OPERATION_COLUMN = "Operation"
SNAPSHOT_DATE_COLUMN = "SnapshotDate"

# What identifies one object of each delta-state dataset (its row in a snapshot).
DELTA_STATE_KEYS: dict[str, tuple[str, ...]] = {
    # DCS "Merge Sites and Permissions To Final Table" notebook: sites are merged on Id.
    "BasicDataSet_v0.SharePointSites_v1": ("Id",),
    # Same notebook: permissions are merged on (SiteId, ScopeId, LinkId, RoleDefinition).
    "BasicDataSet_v0.SharePointPermissions_v1": ("SiteId", "ScopeId", "LinkId", "RoleDefinition"),
    # Schema (reference §1.3 and the catalog): GroupId is "unique within the site".
    "BasicDataSet_v0.SharePointGroups_v1": ("SiteId", "GroupId"),
    # Schema (the catalog): ItemId is the file's GUID, "unique with SiteId".
    "BasicDataSet_v0.SharePointFiles_v1": ("SiteId", "ItemId"),
}


class DeltaStateError(ValueError):
    """A delta or a state cannot be merged; the message names the dataset and the column."""


def supports_delta(dataset: Dataset | str) -> bool:
    """Whether MGDC serves the dataset as a delta between two snapshot dates.

    >>> supports_delta("SharePointFiles_v1"), supports_delta("SharePointFileActions_v1")
    (True, False)
    """
    return _full_name(dataset) in DELTA_STATE_KEYS


def key_columns(dataset: Dataset | str) -> tuple[str, ...]:
    """The columns that identify one object of a delta-state dataset.

    >>> key_columns("BasicDataSet_v0.SharePointGroups_v1")
    ('SiteId', 'GroupId')
    """
    name = _full_name(dataset)
    try:
        return DELTA_STATE_KEYS[name]
    except KeyError:
        known = ", ".join(DELTA_STATE_KEYS)
        raise DeltaStateError(f"{name} has no delta: only {known} do") from None


def row_keys(batch: pa.RecordBatch, dataset: Dataset | str) -> list[tuple]:
    """The key of each row of a batch, in order (nulls are part of a key, as ``None``)."""
    columns = key_columns(dataset)
    for column in columns:
        if column not in batch.schema.names:
            raise DeltaStateError(f"{_full_name(dataset)}: rows have no key column {column!r}")
    return list(zip(*(batch.column(column).to_pylist() for column in columns)))


def with_constant(batch: pa.RecordBatch, column: str, value: object) -> pa.RecordBatch:
    """The batch with ``column`` (if it has it) set to ``value`` on every row, its type kept."""
    index = batch.schema.get_field_index(column)
    if index < 0:
        return batch
    field = batch.schema.field(index)
    values = pa.repeat(pa.scalar(value, type=field.type), batch.num_rows)
    return batch.set_column(index, field, values)


def snapshot_moment(day: dt.date) -> dt.datetime:
    """``SnapshotDate`` of a day's snapshot: its midnight, UTC."""
    if isinstance(day, dt.datetime):
        return day.astimezone(dt.timezone.utc)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def apply_delta(
    previous: Iterable[pa.RecordBatch],
    delta: Iterable[pa.RecordBatch],
    dataset: Dataset | str,
    snapshot_date: dt.date,
) -> Iterator[pa.RecordBatch]:
    """The state at ``snapshot_date``: the delta's Created/Updated rows, then the previous rows
    whose key the delta does not name (a Full delivery is the state itself: previous is not read
    past its first batch). Batches have the previous state's schema (the delta's if the previous
    state is empty). The delta's keys are held; the previous state streams batch by batch."""
    name = _full_name(dataset)
    key_columns(name)  # a dataset without a delta fails before anything is read
    moment = snapshot_moment(snapshot_date)
    previous = iter(previous)
    first = next(previous, None)
    schema = first.schema if first is not None else None
    changed: set[tuple] = set()
    kind = None
    for batch in delta:
        if not batch.num_rows:
            continue
        kind = _delivery_kind(batch, name, kind)
        schema = schema or batch.schema
        batch = _conformed(batch, schema, name)
        if kind != FULL:
            changed.update(row_keys(batch, name))
        kept = batch.filter(pc.not_equal(batch.column(OPERATION_COLUMN), DELETED))
        if kept.num_rows:
            yield with_constant(kept, SNAPSHOT_DATE_COLUMN, moment)
    if kind == FULL or first is None:
        return
    yield from _carried_over(_chained(first, previous), changed, name, moment)


def _carried_over(
    previous: Iterator[pa.RecordBatch], changed: set[tuple], name: str, moment: dt.datetime
) -> Iterator[pa.RecordBatch]:
    schema = None
    for batch in previous:
        schema = schema or batch.schema
        batch = _conformed(batch, schema, name)
        if changed and batch.num_rows:
            unchanged = [key not in changed for key in row_keys(batch, name)]
            batch = batch.filter(pa.array(unchanged, type=pa.bool_()))
        if batch.num_rows:
            yield with_constant(batch, SNAPSHOT_DATE_COLUMN, moment)


def _delivery_kind(batch: pa.RecordBatch, name: str, kind: str | None) -> str:
    """``"Full"`` for a batch of a full snapshot, ``"delta"`` for one of changes; a delivery
    mixing both, or an unknown operation, is an error (``kind``: what earlier batches were)."""
    if OPERATION_COLUMN not in batch.schema.names:
        raise DeltaStateError(f"{name}: delivered rows have no {OPERATION_COLUMN!r} column")
    operations = set(pc.unique(batch.column(OPERATION_COLUMN)).to_pylist())
    if not operations <= set(OPERATIONS):
        raise DeltaStateError(
            f"{name}: column {OPERATION_COLUMN!r} holds a value other than {', '.join(OPERATIONS)}"
        )
    this = FULL if operations == {FULL} else "delta"
    if (FULL in operations and this != FULL) or kind not in (None, this):
        raise DeltaStateError(
            f"{name}: column {OPERATION_COLUMN!r} mixes Full rows (a full snapshot) with changes"
        )
    return this


def _conformed(batch: pa.RecordBatch, schema: pa.Schema, name: str) -> pa.RecordBatch:
    """The batch in ``schema`` (the previous state's): its columns by name, cast."""
    if batch.schema.equals(schema):
        return batch
    arrays = []
    for field in schema:
        if field.name not in batch.schema.names:
            raise DeltaStateError(f"{name}: the delta has no column {field.name!r} the state has")
        try:
            arrays.append(batch.column(field.name).cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
            # Not chained: Arrow's message quotes the value that failed (a row's, personal
            # data), and a chained cause is stored with the step's failure. Its kind is enough.
            raise DeltaStateError(
                f"{name}: the delta's column {field.name!r} does not convert to the state's "
                f"type {field.type} ({type(error).__name__})"
            ) from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _chained(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


def _full_name(dataset: Dataset | str) -> str:
    return dataset.name if isinstance(dataset, Dataset) else get_dataset(dataset).name
