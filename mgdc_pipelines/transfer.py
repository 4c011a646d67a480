"""Move one partition from a source to a sink, streaming record batches.

This is the copy path every run goes through, independent of Dagster:

    spec + partition ──► ExtractRequest ──► source.extract() ──► filter ──► sink writer ──► commit

>>> import datetime as dt, tempfile
>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> from mgdc_pipelines.sinks import LocalSink
>>> from mgdc_pipelines.sources.synthetic import SyntheticSource, TenantConfig
>>> app = load_spec(DEMO_SPEC_PATH)
>>> partition = PartitionRef("BasicDataSet_v0.User_v1", dt.date(2026, 11, 20), "sales")
>>> result = copy_partition(
...     SyntheticSource(TenantConfig(seed=42, users=40)),
...     LocalSink(tempfile.mkdtemp()),
...     request_for(app, app.dataset("User_v1"), partition),
...     partition,
... )
>>> result.rows > 0
True
"""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from mgdc_pipelines.memory_pool import copy_memory_pool
from mgdc_pipelines.sinks.base import CommitInfo, PartitionRef, Sink
from mgdc_pipelines.sources.base import ExtractRequest, Scope, Source, TimeWindow
from mgdc_pipelines.sources.read_ahead import ReadAhead
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec

# One batch ahead is enough to overlap parsing with writing (each side releases the GIL);
# each further batch would only add a batch of memory.
READ_AHEAD_BATCHES = 1


def request_for(app: AppSpec, item: DatasetSpec, partition: PartitionRef) -> ExtractRequest:
    """The extraction a (date, scope) partition of a declared dataset stands for."""
    if partition.scope is None:
        scope = Scope.everyone()
    else:
        declared = app.scope(partition.scope)
        scope = Scope(key=declared.key, group_ids=declared.group_ids)
    return ExtractRequest(
        dataset=item.dataset,
        columns=item.selected_columns,
        date_filter_column=item.date_filter_column,
        window=TimeWindow.for_day(partition.date),
        scope=scope,
        tenant_id=app.app.tenant_id,
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
) -> CommitInfo:
    """Stream ``request`` from ``source`` into ``partition`` of ``sink`` and commit it.

    Every batch goes through ``batch_filter`` (consent enforcement) before it is written; the
    source reads one batch ahead in a background thread (``sources/read_ahead.py``).
    Nothing becomes visible unless every batch was written: any error aborts the attempt and
    leaves the previously committed partition (if any) untouched.
    """
    schema = batch_filter.output_schema if batch_filter else request.output_schema
    with copy_memory_pool():  # an allocator that returns freed memory (memory_pool.py)
        writer = sink.open_partition(partition, schema)
        try:
            # The source extracts the next batch while this one is filtered and written.
            with ReadAhead(source.extract(request), depth=READ_AHEAD_BATCHES) as batches:
                for batch in batches:
                    writer.write(batch_filter.apply(batch) if batch_filter else batch)
            return writer.commit()
        except BaseException:
            writer.abort()
            raise
