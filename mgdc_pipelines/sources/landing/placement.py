"""Which delivered rows belong to the requested partition: its window, and one copy per message.

A delivery may hold many days (an ADF run covers whatever window its trigger gave it), so rows
are placed by their own date, as MGDC's ``dateFilterColumn`` would have selected them:

* range datasets: the request's ``date_filter_column`` must fall in ``[start, end)``;
* SharePoint datasets: ``SnapshotDate`` must fall in the window;
* snapshot datasets, and CalendarView_v0 (MGDC filters it on event start/end, which carry local
  time zones, not on a column), have no row date: the *files* are chosen by day folder
  instead (``layout.select_files``) and every row of them belongs to the partition.

A row whose date is missing, null, not a string or without a UTC offset cannot be placed:
:class:`UnplaceableRowError` (the source quarantines it), whose message names the column and
what arrived (its JSON kind and length), never the value. With ``dedupe_messages``, mail
datasets (those with an ``internetMessageId`` column: Message_v1, SentItem_v1) keep the first
copy of each message within the partition that becomes a row: MGDC delivers one copy per mailbox
that holds it. A message counts as seen only once a copy of it was kept (converted, not
quarantined, :meth:`RowPlacement.kept`), so a bad first copy does not hide a good later one.

>>> import datetime as dt
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
>>> request = ExtractRequest(get_dataset("Message_v1"), ("subject",), "receivedDateTime",
...     TimeWindow.for_day(dt.date(2026, 11, 20)), Scope.everyone(), "tenant-1")
>>> placement = RowPlacement(request, dedupe_messages=True)
>>> row = {"receivedDateTime": "2026-11-20T09:30:00Z", "internetMessageId": "<a@contoso.com>"}
>>> placement.place(row), placement.place(row)  # until a copy is kept, each may be the one
(<Placement.KEEP: 'keep'>, <Placement.KEEP: 'keep'>)
>>> placement.kept([row])
>>> placement.place(row)
<Placement.DUPLICATE: 'duplicate'>
>>> placement.place({"receivedDateTime": "2026-11-21T00:00:00Z"})
<Placement.OUT_OF_WINDOW: 'out of window'>
>>> try:
...     placement.place({"receivedDateTime": "felix.baker@contoso.com"})
... except UnplaceableRowError as error:
...     print(error)
...     print(error.column, error.expected)
'receivedDateTime' is a JSON string of 23 characters, not an ISO-8601 date-time
receivedDateTime timestamp

A block of rows parsed at once is placed the same way, from its dates and message ids:

>>> stamp = pa.timestamp("us", tz="UTC")
>>> dates = pa.array([dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc)] * 2 + [None], stamp)
>>> dates = dates.fill_null(dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc))
>>> ids = pa.array(["<a@contoso.com>", "<b@contoso.com>", "<c@contoso.com>"])
>>> block = placement.place_block(dates, ids)
>>> block.keep.to_pylist(), block.out_of_window, block.duplicates
([False, True, False], 1, 1)
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.catalog import Dataset, Mode
from mgdc_pipelines.catalog.json_rows import described
from mgdc_pipelines.sources.base import ExtractRequest

MESSAGE_ID_COLUMN = "internetMessageId"


class Placement(str, enum.Enum):
    KEEP = "keep"
    OUT_OF_WINDOW = "out of window"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class BlockPlacement:
    """Where the rows of a block go: ``keep`` (a mask; ``None``: all) and how many are not kept."""

    keep: pa.Array | None
    out_of_window: int
    duplicates: int


class UnplaceableRowError(ValueError):
    """A row of a date-filtered dataset without a usable date: it fits no partition.

    ``column`` is the date column, ``expected`` the type it must have (``timestamp``).
    """

    expected = "timestamp"

    def __init__(self, message: str, *, column: str) -> None:
        super().__init__(message)
        self.column = column


def row_date_column(request: ExtractRequest) -> str | None:
    """The column whose value places a row in a window, or ``None`` (files are chosen by day)."""
    dataset = request.dataset
    if dataset.mode is Mode.SHAREPOINT:
        return request.date_filter_column or dataset.date_filter_columns[0]
    if dataset.mode is Mode.RANGE:
        return request.date_filter_column  # None for CalendarView_v0
    return None


def dedupes_messages(dataset: Dataset) -> bool:
    return MESSAGE_ID_COLUMN in dataset.column_names


class RowPlacement:
    """Places rows of one request; holds the message ids seen so far when deduplicating."""

    def __init__(self, request: ExtractRequest, *, dedupe_messages: bool = False) -> None:
        self.window = request.window
        self.date_column = row_date_column(request)
        self._date_keys = _keys_naming(request.dataset, self.date_column)
        dedupe = dedupe_messages and dedupes_messages(request.dataset)
        self._message_ids_seen: set[str] | None = set() if dedupe else None

    @property
    def dedupes(self) -> bool:
        return self._message_ids_seen is not None

    def place(self, row: Mapping[str, Any]) -> Placement:
        """Where ``row`` goes; raises :class:`UnplaceableRowError` if it has no usable date.
        ``KEEP`` means: to be converted; only :meth:`kept` makes its message seen."""
        if self.date_column is not None and not self.window.contains(self._row_date(row)):
            return Placement.OUT_OF_WINDOW
        if self.repeats_a_kept_message(row):
            return Placement.DUPLICATE
        return Placement.KEEP

    def repeats_a_kept_message(self, row: Mapping[str, Any]) -> bool:
        """Whether another copy of ``row``'s message was kept already (when deduplicating)."""
        seen = self._message_ids_seen
        return seen is not None and message_id(row) in seen

    def kept(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Record the messages of rows that became rows of the partition: later copies of them
        are duplicates. Rows set aside are not passed here, so a later copy may still be kept."""
        if self._message_ids_seen is not None:
            ids = (message_id(row) for row in rows)
            self._message_ids_seen.update(id_ for id_ in ids if id_ is not None)

    def place_block(self, dates: pa.Array | None, message_ids: pa.Array | None) -> BlockPlacement:
        """:meth:`place` for many rows at once, given their dates (UTC timestamps, no nulls;
        ``None`` without a date column) and message ids (``None`` unless deduplicating). The
        rows are converted already and all kept that the result keeps: their messages are
        recorded as :meth:`kept` at once."""
        keep = None
        out_of_window = 0
        if self.date_column is not None:
            start = pa.scalar(self.window.start, type=dates.type)
            end = pa.scalar(self.window.end, type=dates.type)
            keep = pc.and_(pc.greater_equal(dates, start), pc.less(dates, end))
            out_of_window = len(dates) - pc.sum(keep).as_py()
        duplicates = 0
        if self._message_ids_seen is not None and message_ids is not None:
            keep, duplicates = self._first_copies(keep, message_ids)
        if out_of_window == 0 and duplicates == 0:
            keep = None  # filtering by an all-true mask would still copy every column
        return BlockPlacement(keep, out_of_window, duplicates)

    def _first_copies(self, keep: pa.Array | None, message_ids: pa.Array) -> tuple[pa.Array, int]:
        seen = self._message_ids_seen
        kept = [True] * len(message_ids) if keep is None else keep.to_pylist()
        duplicates = 0
        for index, message_id in enumerate(message_ids.to_pylist()):
            if not kept[index] or message_id is None:
                continue
            if message_id in seen:
                kept[index] = False
                duplicates += 1
            else:
                seen.add(message_id)
        return pa.array(kept, type=pa.bool_()), duplicates

    def _row_date(self, row: Mapping[str, Any]) -> dt.datetime:
        column = self.date_column
        value = next((row[key] for key in self._date_keys if row.get(key) is not None), None)
        if value is None:
            raise UnplaceableRowError(
                f"no value for {column!r}, the date that places a row in a partition",
                column=column,
            )
        if not isinstance(value, str):
            raise UnplaceableRowError(
                f"{column!r} is {described(value)}; expected an ISO-8601 date-time string",
                column=column,
            )
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise UnplaceableRowError(
                f"{column!r} is {described(value)}, not an ISO-8601 date-time", column=column
            ) from None
        if moment.tzinfo is None:
            raise UnplaceableRowError(
                f"{column!r} is an ISO-8601 date-time without a UTC offset (MGDC writes e.g. "
                f"2021-02-03T00:37:46Z)",
                column=column,
            )
        return moment


def message_id(row: Mapping[str, Any]) -> str | None:
    """The message a row is a copy of. Without an id a row cannot repeat another (and a
    non-string id fails conversion): ``None``."""
    value = row.get(MESSAGE_ID_COLUMN)
    return value if isinstance(value, str) else None


def _keys_naming(dataset: Dataset, column: str | None) -> tuple[str, ...]:
    """The column's own name, then any delivered alias of it."""
    if column is None:
        return ()
    return (column, *(alias for alias, target in dataset.aliases.items() if target == column))
