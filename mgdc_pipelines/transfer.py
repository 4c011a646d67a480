"""Move one partition from a source to a sink, streaming record batches.

This is the copy path every run goes through, independent of Dagster:

    spec + partition ──► ExtractRequest ──► source.extract() ──► filter ──► sink writer ──► commit

>>> import datetime as dt, tempfile
>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> from mgdc_pipelines.sinks import LocalSink
>>> from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
>>> app = load_spec(DEMO_SPEC_PATH)
>>> partition = PartitionRef("BasicDataSet_v0.User_v1", dt.date(2026, 11, 20), "sales")
>>> sink, request = LocalSink(tempfile.mkdtemp()), request_for(app, app.dataset("User_v1"), partition)
>>> result = copy_partition(SyntheticSource(TenantConfig(seed=42, users=40)), sink, request, partition)
>>> result.rows > 0
True

A source that gives no rows never silently replaces a partition that has some (a 0-byte
delivery, an outage that looks like an empty day): the committed rows stay as they were.

>>> class NoRows:
...     def extract(self, request):
...         return iter(())
>>> copy_partition(NoRows(), sink, request, partition)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mgdc_pipelines.transfer.EmptyReplacementError: BasicDataSet_v0.User_v1 partition 2026-11-20|sales: the copy produced no rows, but the committed partition holds ... rows; ...
>>> sink.committed_rows(partition) == result.rows
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pyarrow as pa

from mgdc_pipelines.memory_pool import copy_memory_pool
from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, Sink
from mgdc_pipelines.sources.base import DeltaStateSource, ExtractRequest, Scope, Source, TimeWindow
from mgdc_pipelines.sources.mgdc.sharepoint_state import apply_delta
from mgdc_pipelines.sources.read_ahead import ReadAhead
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec

# One batch ahead is enough to overlap parsing with writing (each side releases the GIL);
# each further batch would only add a batch of memory.
READ_AHEAD_BATCHES = 1


def request_for(app: AppSpec, item: DatasetSpec, partition: PartitionRef) -> ExtractRequest:
    """The extraction a (date, scope) partition of a declared dataset stands for."""
    return ExtractRequest(
        dataset=item.dataset,
        columns=item.selected_columns,
        date_filter_column=item.date_filter_column,
        window=TimeWindow.for_day(partition.date),
        scope=scope_for(app, partition),
        tenant_id=app.app.tenant_id,
    )


def scope_for(app: AppSpec, partition: PartitionRef) -> Scope:
    """The scope a partition stands for: its spec alias's groups (everyone for unscoped datasets)."""
    if partition.scope is None:
        return Scope.everyone()
    declared = app.scope(partition.scope)
    return Scope(key=declared.key, group_ids=declared.group_ids)


class EmptyReplacementError(ValueError):
    """A copy that produced no rows would have replaced a committed partition that has rows."""

    def __init__(self, partition: PartitionRef, previous_rows: int) -> None:
        self.partition = partition
        self.previous_rows = previous_rows
        super().__init__(
            f"{partition.dataset} partition {partition.key}: the copy produced no rows, but the "
            f"committed partition holds {previous_rows} rows; refusing to replace them with an "
            "empty partition (they are left as they were). Check the source (an empty or "
            "truncated delivery?). If this dataset may really become empty, set "
            "`allow_empty_replacement: true` on it under `datasets:` in the spec."
        )


class BatchFilter(Protocol):
    """What stands between source and sink (consent enforcement): batches in, batches out."""

    @property
    def output_schema(self) -> pa.Schema: ...

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch: ...


def copy_partition(
    source: Source,
    sink: Sink,
    request: ExtractRequest,
    partition: PartitionRef,
    batch_filter: BatchFilter | None = None,
    *,
    allow_empty_replacement: bool = False,
) -> CommitInfo:
    """Stream ``request`` from ``source`` into ``partition`` of ``sink`` and commit it.

    Every batch goes through ``batch_filter`` (consent enforcement) before it is written; the
    source reads one batch ahead in a background thread (``sources/read_ahead.py``).
    Nothing becomes visible unless every batch was written: any error aborts the attempt and
    leaves the previously committed partition (if any) untouched. When no row was written and
    the committed partition has rows, the attempt is aborted with :class:`EmptyReplacementError`
    unless ``allow_empty_replacement`` (the dataset's ``allow_empty_replacement`` in the spec).
    An empty first commit is fine.
    """
    schema = batch_filter.output_schema if batch_filter else request.output_schema
    with copy_memory_pool():  # an allocator that returns freed memory (memory_pool.py)
        # The source extracts the next batch while this one is filtered and written.
        with ReadAhead(source.extract(request), depth=READ_AHEAD_BATCHES) as batches:
            filtered = (batch_filter.apply(batch) for batch in batches) if batch_filter else batches
            return write_partition(sink, partition, schema, filtered, allow_empty_replacement)


def copy_delta_partition(
    source: DeltaStateSource,
    sink: Sink,
    request: ExtractRequest,
    partition: PartitionRef,
    since: PartitionRef,
    batch_filter: BatchFilter | None = None,
    *,
    allow_empty_replacement: bool = False,
) -> CommitInfo:
    """A SharePoint delta-state partition: the committed state of ``since`` with the objects
    created, updated or deleted since then applied (``sources/mgdc/sharepoint_state.py``).

    The changes are filtered like any copy *before* they meet the committed state, so both are
    in the same (enforced, e.g. hashed) form: nothing raw is ever merged into written data.
    Only the changed objects' keys are held in memory; changes and previous state stream.
    """
    schema = batch_filter.output_schema if batch_filter else request.output_schema
    with copy_memory_pool():
        changes = source.extract_delta(request, since.date)
        if batch_filter:
            changes = (batch_filter.apply(batch) for batch in changes)
        previous = sink.read_committed(since, schema.names)
        state = apply_delta(previous, changes, request.dataset, partition.date)
        return write_partition(sink, partition, schema, state, allow_empty_replacement)


def write_partition(
    sink: Sink, partition: PartitionRef, schema: pa.Schema, batches: Iterable[pa.RecordBatch],
    allow_empty_replacement: bool,
) -> CommitInfo:
    """Write ``batches`` as ``partition`` and commit; on any error nothing becomes visible."""
    writer = sink.open_partition(partition, schema)
    try:
        for batch in batches:
            writer.write(batch)
        if writer.rows == 0 and not allow_empty_replacement:
            refuse_empty_replacement(sink, partition)
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


def refuse_empty_replacement(sink: Sink, partition: PartitionRef) -> None:
    """Raise :class:`EmptyReplacementError` if ``partition`` has committed rows."""
    previous_rows = sink.committed_rows(partition)
    if previous_rows:  # None (nothing committed) or 0 (empty before): nothing is lost
        raise EmptyReplacementError(partition, previous_rows)
