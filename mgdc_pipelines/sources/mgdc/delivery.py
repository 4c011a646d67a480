"""What one ADF pipeline run delivered: read once, split by day, served per day, then deleted.

A run that succeeded left JSON-lines files under ``<staging prefix>/<run folder>/<dataset full
name>/`` in the staging container. :class:`Delivery` reads them through the landing source
(:mod:`mgdc_pipelines.sources.landing`: encodings, quarantine, stats), given an
``AzureDeliveryStore`` rooted at ``<staging prefix>/<run folder>`` and the *run's* request (its
window covers every day of the run).

A run covers many days (``planning.py``), and the landing source asked for one day reads every
file of the delivery, so serving 31 days that way would read it 31 times. Instead
:meth:`Delivery.split` streams the whole delivery once, one request for the run's window, and
routes each batch's rows by their day into one local Arrow IPC spool file per day (a private
0700 folder, removed by :meth:`Delivery.close`): memory holds one batch and the open writers.
:meth:`Delivery.extract` (a :class:`~mgdc_pipelines.sources.base.Source`) then streams one
day's spool file, in batches of the request's columns.

A row's day is its date column's (``placement.row_date_column``: the request's date filter
column, ``SnapshotDate`` for SharePoint). CalendarView_v0 and ConferenceRoomCalendar_v0 have no
such column (MGDC keeps occurrences that start and end inside the window): their rows go to the
day their ``start`` falls on, in UTC as MGDC writes it, so a meeting across midnight is kept,
on its first day. Snapshot datasets have no day at all: their runs cover one day
(``planning.py``) and are streamed from the landing source directly, without a spool.

So the run must deliver that column: ask MGDC for :func:`columns_to_deliver` (the request's
columns plus the routing one); a day's request may leave it out. The landing stats
(``Delivery.stats``: lines, quarantined, ...) cover the whole delivery, ``rows_per_day`` what
each day got; ``dedupe_messages`` keeps one copy of a message per run (copies of a message
share its date, so per day too), and the quarantine file is named after the run's days.

:meth:`Delivery.cleanup` deletes every blob of the run folder (idempotent); leaving the
``with`` block closes the spool and cleans up, whether the block failed or not.

How rows find their day (a message's ``receivedDateTime``, an event's ``start``):

>>> import datetime as dt
>>> utc = dt.timezone.utc
>>> received = [dt.datetime(2026, 11, 20, 23, 59, tzinfo=utc),
...             dt.datetime(2026, 11, 21, tzinfo=utc)]
>>> row_days(pa.record_batch({"receivedDateTime": received}), "receivedDateTime").to_pylist()
[datetime.date(2026, 11, 20), datetime.date(2026, 11, 21)]
>>> start = [{"dateTime": "2026-11-20T23:30:00.0000000", "timeZone": "UTC"}, None]
>>> row_days(pa.record_batch({"start": start}), "start").to_pylist()
[datetime.date(2026, 11, 20), None]
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from azure.core.exceptions import AzureError, ResourceNotFoundError

from mgdc_pipelines.catalog import Mode
from mgdc_pipelines.sources.base import ExtractRequest, TimeWindow
from mgdc_pipelines.sources.landing import AzureDeliveryStore, LandingSource, LandingStats
from mgdc_pipelines.sources.landing.placement import row_date_column
from mgdc_pipelines.sources.landing.source import DEFAULT_QUARANTINE_DIR
from mgdc_pipelines.sources.rows import rebatched

EVENT_START_COLUMN = "start"  # CalendarView_v0 / ConferenceRoomCalendar_v0: {dateTime, timeZone}
SPOOL_SUFFIX = ".arrow"


class DeliveryCleanupError(RuntimeError):
    """Some blobs of a run folder could not be deleted (the others were)."""


def routing_column(request: ExtractRequest) -> str | None:
    """The column that gives a delivered row its day, or ``None`` (snapshot datasets)."""
    column = row_date_column(request)
    if column is None and request.dataset.mode is Mode.RANGE:
        if EVENT_START_COLUMN in request.dataset.column_names:
            return EVENT_START_COLUMN
    return column


def columns_to_deliver(request: ExtractRequest) -> tuple[str, ...]:
    """The ``outputColumns`` a run for ``request`` must ask MGDC for: its columns and the one
    that gives a row its day (without it, rows cannot be placed or split by day).

    >>> import datetime as dt
    >>> from mgdc_pipelines.catalog import get_dataset
    >>> from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
    >>> run = TimeWindow(dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
    ...                  dt.datetime(2026, 11, 8, tzinfo=dt.timezone.utc))
    >>> columns_to_deliver(ExtractRequest(get_dataset("Message_v1"), ("subject",),
    ...     "receivedDateTime", run, Scope.everyone(), "tenant-1"))
    ('subject', 'receivedDateTime')
    """
    return _with_column(request, routing_column(request)).columns


def row_days(batch: pa.RecordBatch, column: str) -> pa.Array:
    """Each row's UTC day (``date32``; null where it has none) from its routing column."""
    values = batch.column(column)
    if pa.types.is_timestamp(values.type):
        return pc.cast(values, pa.date32())  # UTC timestamps: their UTC day
    # An event's {dateTime, timeZone}: MGDC writes dateTime in UTC (timeZone "UTC").
    text = pc.utf8_slice_codeunits(pc.struct_field(values, "dateTime"), 0, 10)
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    return pc.cast(parsed, pa.date32())


class DaySpool:
    """One Arrow IPC file per day in a private temporary folder (0700, removed by ``remove``)."""

    def __init__(self, schema: pa.Schema, parent: str | os.PathLike[str] | None = None) -> None:
        self.schema = schema
        self.folder = Path(tempfile.mkdtemp(prefix="mgdc-delivery-", dir=parent))  # 0700
        self._writers: dict[dt.date, pa.ipc.RecordBatchFileWriter] = {}

    def path(self, day: dt.date) -> Path:
        return self.folder / f"{day.isoformat()}{SPOOL_SUFFIX}"

    def write(self, day: dt.date, batch: pa.RecordBatch) -> None:
        writer = self._writers.get(day)
        if writer is None:
            writer = self._writers[day] = pa.ipc.new_file(str(self.path(day)), self.schema)
        writer.write_batch(batch)

    def finish(self) -> None:
        """Close the writers: the files are complete and readable."""
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()

    def read(self, day: dt.date) -> Iterator[pa.RecordBatch]:
        """The day's batches one at a time, memory-mapped (nothing for a day without rows)."""
        path = self.path(day)
        if not path.exists():
            return
        with pa.memory_map(str(path)) as source:
            reader = pa.ipc.open_file(source)
            for index in range(reader.num_record_batches):
                yield reader.get_batch(index)

    def remove(self) -> None:
        try:
            self.finish()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class Delivery:
    """The files one pipeline run delivered, served one day at a time.

    Args:
        store: an ``AzureDeliveryStore`` rooted at ``<staging prefix>/<run folder>``.
        run_request: the run's request: dataset, the delivered (output) columns, date filter
            column, scope, tenant and a window covering the run's days.
        max_error_ratio, quarantine_dir, dedupe_messages: as for ``LandingSource``, applied
            to the whole delivery.
        spool_parent: where the private spool folder is made (default: the temp folder).
    """

    def __init__(
        self,
        store: AzureDeliveryStore,
        run_request: ExtractRequest,
        *,
        max_error_ratio: float = 0.01,
        quarantine_dir: str | os.PathLike[str] = DEFAULT_QUARANTINE_DIR,
        dedupe_messages: bool = False,
        spool_parent: str | os.PathLike[str] | None = None,
    ) -> None:
        self.store = store
        self.routing_column = routing_column(run_request)
        self.run_request = _with_column(run_request, self.routing_column)
        self.days = _days_of(run_request.window)
        if self.routing_column is None and len(self.days) > 1:
            raise ValueError(
                f"{run_request.dataset.short_name} rows have no day to split a run of "
                f"{_days_text(self.days)} by: its runs cover one day"
            )
        self._landing = LandingSource(
            store, max_error_ratio=max_error_ratio, quarantine_dir=quarantine_dir,
            dedupe_messages=dedupe_messages,
        )
        self._spool_parent = spool_parent
        self._spool: DaySpool | None = None
        self._failure: BaseException | None = None
        self.stats: LandingStats | None = None  # the whole delivery's, once read
        self.rows_per_day: dict[dt.date, int] = {}
        self.rows_without_day = 0  # events without a usable start: the split fails

    def __repr__(self) -> str:
        return f"Delivery({self.store!r}, {self.run_request.dataset.short_name})"

    def __enter__(self) -> Delivery:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.close()
        finally:
            self.cleanup()

    def split(self) -> None:
        """Read the delivery once into one spool file per day (again: nothing to do)."""
        if self.routing_column is None or self._spool is not None:
            return
        if self._failure is not None:
            raise self._failure
        spool = DaySpool(self.run_request.output_schema, self._spool_parent)
        try:
            self._route(spool)
        except BaseException as error:
            spool.remove()
            self._failure = error
            raise
        spool.finish()
        self._spool = spool

    def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        """One day of the run (``request.window``), in the request's columns."""
        day = self._day_of(request)
        if self.routing_column is None:
            return self._direct(request)
        self.split()
        return self._spooled(day, request)

    def metadata(self, day: dt.date | None = None) -> dict:
        """The whole delivery's landing stats as ``landing/...`` entries (empty before it was
        read), with ``day``'s row count when given: what a partition's materialization shows."""
        if self.stats is None:
            return {}
        entries = self.stats.as_metadata()
        if day is not None and self.routing_column is not None:
            entries["landing/rows_of_day"] = self.rows_per_day.get(day, 0)
        return entries

    def close(self) -> None:
        """Remove the spool (its files hold personal data)."""
        spool, self._spool = self._spool, None
        if spool is not None:
            spool.remove()

    def cleanup(self) -> int:
        """Delete every blob of the run folder; returns how many were deleted."""
        return delete_run_folder(self.store)

    def _route(self, spool: DaySpool) -> None:
        extraction = self._landing.extract(self.run_request)
        self.stats = extraction.stats
        for batch in extraction:
            days = row_days(batch, self.routing_column)
            self.rows_without_day += days.null_count
            for day in pc.unique(days.drop_null()).to_pylist():
                rows = batch.filter(pc.equal(days, pa.scalar(day, pa.date32())))
                spool.write(day, rows)
                self.rows_per_day[day] = self.rows_per_day.get(day, 0) + rows.num_rows
        if self.rows_without_day:
            # Only events can get here (dated rows are placed or quarantined by the landing
            # source); MGDC always fills `start`, so a run without it is not served at all.
            raise ValueError(
                f"{self.run_request.dataset.short_name} run {_days_text(self.days)} of scope "
                f"{self.run_request.scope.key}: {self.rows_without_day} delivered rows have no "
                f"{self.routing_column} to place them on a day (was it in the run's outputColumns?)"
            )

    def _spooled(self, day: dt.date, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        schema = request.output_schema
        projected = (
            pa.RecordBatch.from_arrays([batch.column(name) for name in schema.names], schema=schema)
            for batch in self._spool.read(day)
        )
        return rebatched(projected, request.batch_rows)

    def _direct(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        extraction = self._landing.extract(request)
        self.stats = extraction.stats
        return extraction

    def _day_of(self, request: ExtractRequest) -> dt.date:
        """The day ``request`` asks for, once it is checked to be one this delivery can serve."""
        run = self.run_request
        where = f"{run.dataset.short_name} run {_days_text(self.days)} of scope {run.scope.key}"
        if request.dataset.name != run.dataset.name or request.scope.key != run.scope.key:
            asked = f"{request.dataset.short_name} of scope {request.scope.key}"
            raise ValueError(f"{where} cannot serve {asked}")
        if request.date_filter_column != run.date_filter_column:
            raise ValueError(
                f"{where} placed rows by {run.date_filter_column}, not {request.date_filter_column}"
            )
        missing = set(request.columns) - set(run.columns)
        if missing:
            raise ValueError(f"{where} did not deliver column(s) {sorted(missing)}")
        day = request.window.start.date()
        if request.window != TimeWindow.for_day(day) or day not in self.days:
            window = request.window
            raise ValueError(
                f"{where} serves one of its days, not the window "
                f"{window.start.isoformat()} to {window.end.isoformat()}"
            )
        return day


def delete_run_folder(store: AzureDeliveryStore) -> int:
    """Delete every blob under the store's prefix (a run folder), trying each one even after
    a failure; raises :class:`DeliveryCleanupError` naming those left. Idempotent."""
    if not store.prefix:
        raise ValueError(f"{store!r} has no prefix: refusing to delete a whole container")
    container = store.container_client()
    names = [blob.name for blob in container.list_blobs(name_starts_with=f"{store.prefix}/")]
    deleted, left = 0, []
    # Reverse order: an ADLS Gen2 folder's marker blob goes after what is inside it.
    for name in sorted(names, reverse=True):
        try:
            container.delete_blob(name, delete_snapshots="include")
            deleted += 1
        except ResourceNotFoundError:
            continue  # already gone: another cleanup got there first
        except AzureError as error:
            left.append(f"{name} ({type(error).__name__})")
    if left:
        raise DeliveryCleanupError(
            f"{len(left)} of {len(names)} blobs of {store.uri()} could not be deleted: "
            f"{', '.join(left[:5])}{' ...' if len(left) > 5 else ''}"
        )
    return deleted


def _with_column(request: ExtractRequest, column: str | None) -> ExtractRequest:
    """The run's request, also asking for the routing column if it is a content column."""
    if column is None or column in request.columns or column not in request.dataset.column_names:
        return request
    return replace(request, columns=(*request.columns, column))


def _days_of(window: TimeWindow) -> tuple[dt.date, ...]:
    first, end = window.start.date(), window.end.date()
    if window != TimeWindow(TimeWindow.for_day(first).start, TimeWindow.for_day(end).start):
        raise ValueError(f"a run's window is whole UTC days, not {window}")
    return tuple(first + dt.timedelta(days=index) for index in range((end - first).days))


def _days_text(days: tuple[dt.date, ...]) -> str:
    return days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]}"
