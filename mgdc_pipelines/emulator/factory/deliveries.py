"""What a succeeding run delivers: synthetic-tenant rows as MGDC JSON lines in the staging account.

The rows stream batch by batch from :class:`SyntheticSource`; each batch is spread over the
run's ``part-NNNNN.json`` files and staged as one block of each, and the files are committed at
the end, so memory holds one batch whatever the delivery's size. SharePoint datasets take
dates on SnapshotDate: equal dates give that day's full snapshot, an earlier start a delta
(``sharepoint_delta.deliver_delta_rows``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobBlock, BlobServiceClient

from mgdc_pipelines.catalog import Mode
from mgdc_pipelines.emulator.factory.plans import CopyPlan, RunFailure, is_sharepoint, parse_moment
from mgdc_pipelines.sinks.json_keys import null_keys_for
from mgdc_pipelines.sinks.json_text import json_lines
from mgdc_pipelines.sources.base import ExtractRequest, Scope, TimeWindow
from mgdc_pipelines.sources.synthetic import SyntheticSource


class DeliveryCancelled(Exception):
    """The run was cancelled while its files were being written."""


@dataclass(frozen=True)
class DeliveryOutput:
    """The Copy activity's output (what billing counts: ``rows``)."""

    rows: int
    files: int
    bytes_written: int
    seconds: float

    def activity_output(self) -> dict:
        return {"rowsRead": self.rows, "rowsCopied": self.rows, "dataRead": self.bytes_written,
                "dataWritten": self.bytes_written, "filesWritten": self.files,
                "copyDuration": max(1, round(self.seconds))}


def deliver(plan: CopyPlan, source: SyntheticSource, blobs: BlobServiceClient, files_per_run: int,
            batch_rows: int, cancelled: Callable[[], bool]) -> DeliveryOutput:
    """Write the plan's rows under ``<container>/<folder>/`` in ``files_per_run`` files."""
    started = time.monotonic()
    parts = _Parts(blobs, plan.container, plan.folder, files_per_run)
    rows = 0
    for batch in rows_for(plan, source, batch_rows):
        if cancelled():
            raise DeliveryCancelled()
        parts.append(batch)
        rows += batch.num_rows
    parts.commit()
    return DeliveryOutput(rows, files_per_run, parts.bytes_written, time.monotonic() - started)


def rows_for(plan: CopyPlan, source: SyntheticSource, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The record batches MGDC would deliver for the plan."""
    scope = Scope("groups", plan.allowed_groups) if plan.allowed_groups else Scope.everyone()

    def request(window: TimeWindow) -> ExtractRequest:
        try:
            return ExtractRequest(plan.dataset, plan.columns, plan.date_filter_column, window, scope,
                                  plan.tenant_id, batch_rows)
        except ValueError as error:
            raise RunFailure("UserErrorInvalidParameter", str(error)) from None

    if is_sharepoint(plan.dataset):
        start, end = _snapshot_dates(plan)
        if start < end:
            return _delta(plan, source, lambda day: request(TimeWindow.for_day(day)), start, end)
        return _extract(source, request(TimeWindow.for_day(start)))
    return _extract(source, request(_window(plan)))


def _delta(plan: CopyPlan, source: SyntheticSource, request_for_day: Callable[[dt.date], ExtractRequest],
           start: dt.date, end: dt.date) -> Iterator[pa.RecordBatch]:
    """A SharePoint delta (start < end), computed by ``sharepoint_delta`` (imported only for deltas)."""
    try:
        from mgdc_pipelines.emulator.factory.sharepoint_delta import deliver_delta_rows
    except ImportError as missing:
        raise RunFailure("SystemErrorOffice365DeltaUnavailable", f"{plan.dataset.name}: this emulator cannot "
                         f"deliver SharePoint deltas ({missing}); use equal startTime and endTime for a full "
                         "snapshot.") from None
    try:
        yield from deliver_delta_rows(source, request_for_day, start, end)
    except ValueError as error:  # e.g. a SharePoint dataset without delta state (File Actions)
        raise RunFailure("UserErrorOffice365InvalidParameter", f"{plan.dataset.name}: {error}; use equal "
                         "startTime and endTime for a full snapshot.") from None


def _extract(source: SyntheticSource, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
    try:
        return source.extract(request)
    except ValueError as error:  # unknown group ids, a dataset the tenant cannot generate
        raise RunFailure("UserErrorOffice365DataLoaderError", f"{request.dataset.name}: {error}") from None


def _window(plan: CopyPlan) -> TimeWindow:
    if plan.start is None or plan.end is None:
        if plan.dataset.mode is Mode.RANGE:
            raise RunFailure("UserErrorInvalidParameter", f"{plan.dataset.name} needs startTime and endTime "
                             "on the Office365Source.")
        return TimeWindow.for_day(dt.datetime.now(dt.timezone.utc).date())  # a snapshot of today
    start, end = parse_moment(plan.start, "startTime"), parse_moment(plan.end, "endTime")
    if end <= start:
        raise RunFailure("UserErrorInvalidParameter", f"endTime {plan.end} must be after startTime {plan.start}.")
    return TimeWindow(start, end)


def _snapshot_dates(plan: CopyPlan) -> tuple[dt.date, dt.date]:
    if plan.start is None or plan.end is None:
        raise RunFailure("UserErrorInvalidParameter", f"{plan.dataset.name} needs startTime and endTime "
                         "(dates on SnapshotDate: equal for a full snapshot, start < end for a delta).")
    start, end = parse_moment(plan.start, "startTime").date(), parse_moment(plan.end, "endTime").date()
    if end < start:
        raise RunFailure("UserErrorInvalidParameter", f"endTime {plan.end} is before startTime {plan.start}.")
    return start, end


class _Parts:
    """The run's files as block blobs: each batch adds one block to every file."""

    def __init__(self, blobs: BlobServiceClient, container: str, folder: str, count: int) -> None:
        container_client = blobs.get_container_client(container)
        try:
            container_client.create_container()
        except ResourceExistsError:
            pass
        prefix = f"{folder}/" if folder else ""
        self._files = [container_client.get_blob_client(f"{prefix}part-{index:05d}.json") for index in range(count)]
        self._blocks: list[list[BlobBlock]] = [[] for _ in range(count)]
        self.bytes_written = 0

    def append(self, batch: pa.RecordBatch) -> None:
        keys = null_keys_for(batch.schema)
        count = len(self._files)
        share = -(-batch.num_rows // count)  # rows spread evenly over the files
        for index in range(count):
            piece = batch.slice(index * share, share)
            if piece.num_rows == 0:
                continue
            data = json_lines(piece, keys).to_pybytes()
            block_id = f"{len(self._blocks[index]):010d}"  # the SDK base64-encodes it
            self._files[index].stage_block(block_id, data)
            self._blocks[index].append(BlobBlock(block_id=block_id))
            self.bytes_written += len(data)

    def commit(self) -> None:
        for blob, blocks in zip(self._files, self._blocks):
            blob.commit_block_list(blocks)
