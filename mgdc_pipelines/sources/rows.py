"""Helpers every source shares to turn rows into MGDC output: metadata stamping and chunking.

MGDC's per-row metadata columns (reference §2.2) are stamped onto each source's rows:

* ``ptenant``: the request's tenant id, on every row;
* ``puser`` (user-scoped) / ``pObjectId`` (group-scoped): whose extraction produced the row;
* ``datarow`` = ``userrow``: the 0-based index of the row within one user's (or group's)
  extraction, ``pagerow = userrow % 50`` (MGDC pages 50 rows), ``pAdditionalInfo`` is null and
  ``rowinformation`` is the constant MGDC writes for ordinary rows.

Only the columns the dataset declares are stamped (SharePoint rows carry ``ptenant`` only).

>>> from mgdc_pipelines.catalog import get_dataset
>>> stamper = RowStamper(get_dataset("Message_v1"), "tenant-1")
>>> rows = list(stamper.stamp([{"id": "a"}, {"id": "b"}], "user-1"))
>>> [(r["puser"], r["userrow"], r["pagerow"]) for r in rows]
[('user-1', 0, 0), ('user-1', 1, 1)]
>>> [len(chunk) for chunk in chunked(range(5), 2)]
[2, 2, 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset

T = TypeVar("T")

PAGE_ROWS = 50
ROW_INFORMATION = {
    "errorInformation": None,
    "userReturnedNoData": False,
    "isUserSummaryRow": False,
    "userHasCompleteData": False,
}


class RowStamper:
    """Adds the metadata columns of one dataset to the rows of one extraction."""

    def __init__(self, dataset: Dataset, tenant_id: str) -> None:
        declared = set(dataset.metadata_column_names)
        self._tenant_id = tenant_id
        self._scope_column = dataset.scope_column
        self._row_counters = "userrow" in declared

    def stamp(self, rows: Iterable[dict], owner_id: str | None, first_number: int = 0) -> Iterator[dict]:
        """Stamp the rows of one owner (user, group, or the whole tenant) in order; the first is
        row ``first_number`` of the owner's (a later part of its rows, read on its own)."""
        for number, row in enumerate(rows, start=first_number):
            row["ptenant"] = self._tenant_id
            if self._scope_column:
                row[self._scope_column] = owner_id
            if self._row_counters:
                row["pAdditionalInfo"] = None
                row["datarow"] = number
                row["userrow"] = number
                row["pagerow"] = number % PAGE_ROWS
                row["rowinformation"] = ROW_INFORMATION
            yield row


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most ``size`` items, in order; holds only one chunk at a time."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rebatched(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """The same rows in batches of ``size`` rows (the last one may be smaller), for a source
    whose batches come in other sizes (a delivery's day spooled in the pieces each delivered
    batch held of it, the synthetic tenant's blocks of mailboxes). Full batches are slices of
    the ones given (joined where several make one), so memory holds less than two batches of
    ``size`` rows and a batch already the right size is passed on as it is.

    >>> pieces = [pa.record_batch({"n": list(range(k))}) for k in (3, 1, 4, 1, 5)]
    >>> [batch.num_rows for batch in rebatched(iter(pieces), 4)]
    [4, 4, 4, 2]
    >>> next(rebatched(iter(pieces), 0))
    Traceback (most recent call last):
    ...
    ValueError: batch size must be at least 1 row, got 0
    """
    if size < 1:  # 0 would yield empty slices for ever
        raise ValueError(f"batch size must be at least 1 row, got {size}")
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        pending.append(batch)
        rows += batch.num_rows
        if rows < size:
            continue
        joined = pa.concat_batches(pending) if len(pending) > 1 else pending[0]
        start = 0
        while rows - start >= size:
            yield joined.slice(start, size)
            start += size
        pending, rows = [joined.slice(start)], rows - start
    if rows:
        yield pa.concat_batches(pending)  # the rest, in memory of its own
